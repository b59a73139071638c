//! Changing the password, which signs out every other session.

use leptos::html::Input;
use leptos::prelude::*;

use super::devices_list::refresh_account_lists;
use crate::auth::client::post_json_signed_in;
use crate::auth::flows::AuthFlows;
use crate::auth::types::{ChangePasswordRequest, SessionsEnded};
use crate::components::hydration::use_hydrated;
use crate::components::toasts::Toasts;

fn take_value(input: NodeRef<Input>) -> String {
    input
        .get_untracked()
        .map(|i| {
            let value = i.value();
            i.set_value("");
            value
        })
        .unwrap_or_default()
}

#[component]
pub fn ChangePasswordForm() -> impl IntoView {
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let hydrated = use_hydrated();
    let current = NodeRef::<Input>::new();
    let new = NodeRef::<Input>::new();
    let submit = Action::new_local(move |body: &ChangePasswordRequest| {
        let body = body.clone();
        async move { post_json_signed_in::<_, SessionsEnded>("/api/auth/password", &body).await }
    });
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(done)) => {
            error.set(None);
            toasts.info(done.message);
            refresh_account_lists();
        }
        Some(Err(e)) if e.is_unauthenticated() => flows.session_ended(),
        Some(Err(e)) => error.set(Some(e.message())),
        None => {}
    });

    view! {
        <form method="post" aria-label="Change password" on:submit=move |ev| {
            ev.prevent_default();
            submit.dispatch(ChangePasswordRequest { current_password: take_value(current), new_password: take_value(new) });
        }>
            <label>"Current password" <input type="password" autocomplete="current-password" required node_ref=current/></label>
            <label>"New password" <input type="password" autocomplete="new-password" minlength="8" required node_ref=new/></label>
            <Show when=move || error.get().is_some()>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || !hydrated.get() || submit.pending().get()>
                "Change password"
            </button>
        </form>
    }
}
