//! The header on every page: who is signed in, and the way out.

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
            <nav class="site-nav">
                <Show
                    when=move || auth.email().is_some()
                    fallback=|| view! {
                        <A href="/login">"Sign in"</A>
                        <A href="/register" attr:class="button-link">"Create account"</A>
                    }
                >
                    <span class="user-email">{move || auth.email()}</span>
                    <SignOutButton/>
                </Show>
            </nav>
        </header>
    }
}
