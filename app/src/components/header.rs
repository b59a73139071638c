//! The header on every page: who is signed in, where they can go, and the way out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::store::AuthStore;
use crate::components::sign_out_button::SignOutButton;

#[component]
pub fn Header() -> impl IntoView {
    let auth = AuthStore::expect();
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Signout"</a>
            <nav class="site-nav" aria-label="Main">
                <Show
                    when=move || auth.is_signed_in()
                    fallback=|| view! {
                        <A href="/login">"Sign in"</A>
                        <A href="/register" attr:class="button-link">"Create account"</A>
                    }
                >
                    <A href="/dashboard">"Dashboard"</A>
                    <A href="/profile">"Profile"</A>
                    <Show when=move || auth.session().is_some_and(|s| s.user.is_admin)>
                        <A href="/admin">"Admin"</A>
                    </Show>
                    <span class="user-email">{move || auth.email()}</span>
                    <SignOutButton/>
                </Show>
            </nav>
        </header>
    }
}
