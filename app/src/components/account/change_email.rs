//! Changing the email, which signs out every other session.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::change::{use_account_change, AccountChange};
use crate::auth::browser;
use crate::auth::session::current_session;
use crate::auth::store::AuthStore;
use crate::auth::types::ChangeEmailRequest;
use crate::components::hydration::use_hydrated;

#[component]
pub fn ChangeEmailForm() -> impl IntoView {
    let auth = AuthStore::expect();
    let hydrated = use_hydrated();
    let email = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    // The header and the snapshot then show the new address, from the server's word.
    let AccountChange { submit, error } =
        use_account_change::<ChangeEmailRequest>("/api/auth/email", move || {
            spawn_local(async move {
                if let Ok(Some(session)) = current_session().await {
                    browser::save_user_snapshot(&session.user);
                    auth.signed_in(session);
                }
            })
        });

    view! {
        <form method="post" aria-label="Change email" on:submit=move |ev| {
            ev.prevent_default();
            let value = |input: NodeRef<Input>| input.get_untracked().map(|i| i.value()).unwrap_or_default();
            submit.dispatch(ChangeEmailRequest { new_email: value(email), current_password: value(password) });
            if let Some(input) = password.get_untracked() {
                input.set_value("");
            }
        }>
            <label>"New email" <input type="email" autocomplete="email" required node_ref=email/></label>
            <label>"Confirm with your password" <input type="password" autocomplete="current-password" required node_ref=password/></label>
            <Show when=move || error.get().is_some()>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </Show>
            <button type="submit" class="button-primary" disabled=move || !hydrated.get() || submit.pending().get()>
                "Change email"
            </button>
        </form>
    }
}
