//! Changing the email, which signs out every other session.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::devices_list::refresh_account_lists;
use crate::auth::browser;
use crate::auth::client::post_json_signed_in;
use crate::auth::flows::AuthFlows;
use crate::auth::session::current_session;
use crate::auth::store::AuthStore;
use crate::auth::types::{ChangeEmailRequest, SessionsEnded};
use crate::components::hydration::use_hydrated;
use crate::components::toasts::Toasts;

#[component]
pub fn ChangeEmailForm() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let hydrated = use_hydrated();
    let email = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let submit = Action::new_local(move |body: &ChangeEmailRequest| {
        let body = body.clone();
        async move { post_json_signed_in::<_, SessionsEnded>("/api/auth/email", &body).await }
    });
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(done)) => {
            error.set(None);
            toasts.info(done.message);
            refresh_account_lists();
            // The header and the snapshot show the new address from the server's word.
            spawn_local(async move {
                if let Ok(Some(session)) = current_session().await {
                    browser::save_user_snapshot(&session.user);
                    auth.signed_in(session);
                }
            });
        }
        Some(Err(e)) if e.is_unauthenticated() => flows.session_ended(),
        Some(Err(e)) => error.set(Some(e.message())),
        None => {}
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
