//! The header on every page: who is signed in, where they can go, and the way out.
//!
//! On a phone the signed-in part sits behind one `Account` button, so the header stays one
//! line (≤ 64 px at 320 px wide) whatever the email's length. The menu is the browser's own
//! popover (`popovertarget`): it opens, closes on Escape or a click outside, and keeps its
//! place in the Tab order without any script, so it works before the wasm has loaded and
//! with JavaScript off. The stylesheet decides where the links show: in the header's line
//! when signed out or from 640 px up, in the open popover otherwise (it looks for the email,
//! which only a signed-in header has). One set of links, never two; and the button and the
//! menu are the same elements signed in or out, so that only the links change with the
//! session (the first load is every page's: each element and attribute is code in it).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::store::AuthStore;
use crate::components::sign_out_button::SignOutButton;

/// The menu's id, for its button and for closing it after a client-side navigation.
pub const ACCOUNT_MENU_ID: &str = "account-menu";

#[component]
pub fn Header() -> impl IntoView {
    let auth = AuthStore::expect();
    view! {
        <header class="site-header">
            // Named apart from the "Sign out" button, which a screen reader says the same way.
            <a class="brand" href="/" aria-label="Signout home">"Signout"</a>
            <button type="button" class="account-toggle button-secondary" popovertarget="account-menu">
                "Account"
            </button>
            <nav id="account-menu" class="site-nav account-menu" aria-label="Main" popover="auto">
                <Show
                    when=move || auth.is_signed_in()
                    fallback=|| view! {
                        <A href="/login">"Sign in"</A>
                        <A href="/register" attr:class="button-link">"Create account"</A>
                    }
                >
                    <span class="user-email">{move || auth.email()}</span>
                    <A href="/dashboard">"Dashboard"</A>
                    <A href="/profile">"Profile"</A>
                    {move || {
                        auth.session()
                            .is_some_and(|s| s.user.is_admin)
                            .then(|| view! { <A href="/admin">"Admin"</A> })
                    }}
                    <SignOutButton/>
                </Show>
            </nav>
        </header>
    }
}

/// A link followed inside the client loads no new page, so the open menu would stay over
/// the new one: `FocusOnNavigation` closes it on every route change.
#[cfg(feature = "hydrate")]
pub fn close_account_menu() {
    use wasm_bindgen::JsCast;
    let menu = document()
        .get_element_by_id(ACCOUNT_MENU_ID)
        .and_then(|menu| menu.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(menu) = menu {
        // Closed already (the wide header, where it is never open) is not an error.
        let _ = menu.hide_popover();
    }
}

#[cfg(not(feature = "hydrate"))]
pub fn close_account_menu() {}
