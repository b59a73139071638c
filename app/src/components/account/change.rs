//! The plumbing shared by the account forms whose change ends the other sessions.

use leptos::prelude::*;
use serde::Serialize;

use super::devices_list::refresh_account_lists;
use crate::auth::client::{post_json_signed_in, CallError};
use crate::auth::flows::AuthFlows;
use crate::auth::types::SessionsEnded;
use crate::components::toasts::Toasts;

pub struct AccountChange<Req: 'static> {
    pub submit: Action<Req, Result<SessionsEnded, CallError>>,
    /// What the form shows under its fields when the server refused the change.
    pub error: RwSignal<Option<String>>,
}

/// Posts `Req` to `endpoint`. On success: the server's message as a toast, the devices and
/// activity lists re-read, then `after`. A 401 ends the local session; any other refusal
/// goes to `error`.
pub fn use_account_change<Req>(
    endpoint: &'static str,
    after: impl Fn() + 'static,
) -> AccountChange<Req>
where
    Req: Serialize + Clone + 'static,
{
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let submit = Action::new_local(move |body: &Req| {
        let body = body.clone();
        async move { post_json_signed_in::<_, SessionsEnded>(endpoint, &body).await }
    });
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(done)) => {
            error.set(None);
            toasts.info(done.message);
            refresh_account_lists();
            after();
        }
        Some(Err(e)) if e.is_unauthenticated() => flows.session_ended(),
        Some(Err(e)) => error.set(Some(e.message())),
        None => {}
    });
    AccountChange { submit, error }
}
