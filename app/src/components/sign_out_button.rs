//! The header's `Sign out` button.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::auth::client::post_json;
use crate::auth::store::AuthStore;
use crate::auth::types::{LogoutRequest, LogoutResponse};
use crate::components::toasts::Toasts;

#[component]
pub fn SignOutButton() -> impl IntoView {
    let auth = AuthStore::expect();
    let toasts = Toasts::expect();
    let navigate = use_navigate();
    let sign_out = Action::new_local(move |_: &()| async move {
        // Best effort: the local sign-out happens whatever the server answers.
        let _ = post_json::<_, LogoutResponse>("/api/auth/logout", &LogoutRequest::default()).await;
    });
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            auth.reset();
            navigate(
                "/",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
            toasts.info("You have been signed out");
        }
    });
    view! {
        <button
            class="button-secondary"
            disabled=move || auth.is_signing_out()
            on:click=move |_| {
                auth.begin_sign_out();
                sign_out.dispatch(());
            }
        >
            {move || if auth.is_signing_out() { "Signing out…" } else { "Sign out" }}
        </button>
    }
}
