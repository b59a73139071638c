//! The header's `Sign out`: a real form, so it signs out before the WASM has loaded and
//! with JavaScript off too.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::actions::Logout;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::server_form::{browser_action, take_submission};

#[component]
pub fn SignOutButton() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let sign_out = browser_action(None, move |_: &Logout| {
        let flows = flows.clone();
        async move { flows.sign_out().await }
    });
    view! {
        <form method="post" action=Logout::url() class="inline-form" on:submit=move |ev| {
            if let Some(input) = take_submission::<Logout>(&ev) {
                sign_out.dispatch(input);
            }
        }>
            <button type="submit" class="button-secondary" disabled=move || auth.is_signing_out()>
                {move || if auth.is_signing_out() { "Signing out…" } else { "Sign out" }}
            </button>
        </form>
    }
}
