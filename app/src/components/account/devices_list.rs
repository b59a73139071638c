//! Every device the user is signed in on, with a way to end any of the others. Each
//! Revoke is a real form, so it works without JavaScript too.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_fetch::QueryClient;

use crate::app_error::AppError;
use crate::auth::actions::RevokeSession;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::server_form::{browser_action, error_after_plain_post, take_submission};
use crate::components::toasts::Toasts;
use crate::format;
use crate::queries::sessions_of;
use crate::wire::SessionView;

#[component]
pub fn DevicesList() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let sessions = expect_context::<QueryClient>().resource(sessions_of, move || auth.user_id());
    // The follow-up (toast, lists re-read) runs in the action's own future.
    let revoke = browser_action(None, move |input: &RevokeSession| {
        let (flows, session_id) = (flows.clone(), input.session_id.clone());
        async move {
            let result = flows.revoke_device(session_id).await;
            if let Err(e) = &result {
                if !e.is_unauthenticated() {
                    toasts.error(format!("Could not sign that device out. {}", e.message()));
                }
            }
            result
        }
    });
    let after_plain_post = error_after_plain_post::<RevokeSession>().map(|e| e.message());

    view! {
        {after_plain_post.map(|message| view! {
            <p class="form-error" role="alert">"Could not sign that device out. " {message}</p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading your devices…"</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(list) => view! {
                        <ul class="session-list" aria-label="Signed-in devices">
                            {list.into_iter().map(|s| view! { <DeviceRow session=s revoke/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(_) => view! { <p class="form-error">"Your devices could not be loaded."</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeviceRow(
    session: SessionView,
    revoke: Action<RevokeSession, Result<(), AppError>>,
) -> impl IntoView {
    let details = format!(
        "{} · signed in {} · last active {}",
        session
            .ip
            .clone()
            .unwrap_or_else(|| "unknown address".into()),
        format::date(session.created_at),
        format::date_time(session.last_active_at),
    );
    let id = session.id.clone();
    view! {
        <li aria-label=session.device.clone()>
            <div>
                <strong>{session.device.clone()}</strong>
                <Show when=move || session.current>
                    <span class="badge badge-current">"This device"</span>
                </Show>
                <div class="muted small">{details}</div>
            </div>
            <Show when=move || !session.current>
                <form method="post" action=RevokeSession::url() class="inline-form" on:submit=move |ev| {
                    if let Some(input) = take_submission::<RevokeSession>(&ev) {
                        revoke.dispatch(input);
                    }
                }>
                    <input type="hidden" name="session_id" value=id.clone()/>
                    <button type="submit" class="button-secondary" disabled=move || revoke.pending().get()>"Revoke"</button>
                </form>
            </Show>
        </li>
    }
}
