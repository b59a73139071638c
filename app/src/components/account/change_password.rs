//! Changing the password, which signs out every other session.

use leptos::html::Input;
use leptos::prelude::*;

use super::change::{use_account_change, AccountChange};
use crate::auth::types::ChangePasswordRequest;
use crate::components::hydration::use_hydrated;

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
    let hydrated = use_hydrated();
    let current = NodeRef::<Input>::new();
    let new = NodeRef::<Input>::new();
    let AccountChange { submit, error } =
        use_account_change::<ChangePasswordRequest>("/api/auth/password", || {});

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
