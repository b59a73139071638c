//! The header's `Sign out` button.

use leptos::prelude::*;

use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::hydration::use_hydrated;

#[component]
pub fn SignOutButton() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let hydrated = use_hydrated();
    view! {
        <button
            class="button-secondary"
            disabled=move || !hydrated.get() || auth.is_signing_out()
            on:click=move |_| flows.sign_out()
        >
            {move || if auth.is_signing_out() { "Signing out…" } else { "Sign out" }}
        </button>
    }
}
