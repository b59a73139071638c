//! Every device the user is signed in on, with a way to end any of the others.

use leptos::prelude::*;
use leptos_fetch::QueryClient;

use crate::auth::client::post_json_signed_in;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::auth::types::{RevokeSessionRequest, SessionView, SessionsEnded};
use crate::components::toasts::Toasts;
use crate::format;
use crate::queries::{activity_of, sessions_of};

/// Re-reads the lists that a change to the user's sessions makes stale.
pub fn refresh_account_lists() {
    let queries = expect_context::<QueryClient>();
    let user = AuthStore::expect().user_id_untracked();
    queries.invalidate_query(sessions_of, user.clone());
    queries.invalidate_query(activity_of, user);
}

#[component]
pub fn DevicesList() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let sessions = expect_context::<QueryClient>().resource(sessions_of, move || auth.user_id());
    let revoke = Action::new_local(move |session_id: &String| {
        let body = RevokeSessionRequest {
            session_id: session_id.clone(),
        };
        async move { post_json_signed_in::<_, SessionsEnded>("/api/auth/sessions/revoke", &body).await }
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(_)) => {
            toasts.info("That device has been signed out");
            refresh_account_lists();
        }
        Some(Err(e)) if e.is_unauthenticated() => flows.session_ended(),
        Some(Err(e)) => {
            toasts.error(format!("Could not sign that device out. {}", e.message()));
            refresh_account_lists();
        }
        None => {}
    });

    view! {
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
    revoke: Action<String, Result<SessionsEnded, crate::auth::client::CallError>>,
) -> impl IntoView {
    let id = session.id.clone();
    let details = format!(
        "{} · signed in {} · last active {}",
        session
            .ip
            .clone()
            .unwrap_or_else(|| "unknown address".into()),
        format::date(session.created_at),
        format::date_time(session.last_active_at),
    );
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
                <button class="button-secondary" disabled=move || revoke.pending().get() on:click={
                    let id = id.clone();
                    move |_| { revoke.dispatch(id.clone()); }
                }>"Revoke"</button>
            </Show>
        </li>
    }
}
