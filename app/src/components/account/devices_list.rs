//! Every device the user is signed in on, this one first, with a way to end any of the
//! others, or all of them. Each Revoke asks first, in a dialog that names the device; the
//! question and the answer are real forms, so they work without JavaScript too.

use crate::query_client::QueryClient;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::app_error::AppError;
use crate::auth::actions::{LogoutAll, RevokeSession};
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::confirm_dialog::{use_confirm, AskButton, ConfirmDialog};
use crate::components::page_focus::focus_heading;
use crate::components::server_form::{browser_action, error_after_plain_post};
use crate::components::toasts::Toasts;
use crate::format;
use crate::queries::sessions_of;
use wire::SessionView;

const REVOKE_URL: &str = <RevokeSession as ServerFn>::PATH;
const LOGOUT_ALL_URL: &str = <LogoutAll as ServerFn>::PATH;

#[component]
pub fn DevicesList() -> impl IntoView {
    let auth = AuthStore::expect();
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    let sessions = QueryClient::expect().resource(sessions_of, move || auth.user_id());
    // The follow-up (toast, lists re-read) runs in the action's own future.
    let revoke = {
        let flows = flows.clone();
        browser_action(None, move |input: &RevokeSession| {
            let (flows, session_id) = (flows.clone(), input.session_id.clone());
            async move {
                let result = flows.revoke_device(session_id).await;
                if result.is_ok() {
                    // The row that had focus is gone: start again at the list's heading.
                    focus_heading("#devices-heading");
                }
                if let Err(e) = &result {
                    if !e.is_unauthenticated() {
                        toasts.error(format!("Could not sign that device out. {}", e.message()));
                    }
                }
                result
            }
        })
    };
    let sign_out_others = Callback::new(move |_| {
        let flows = flows.clone();
        toasts.run_flow("sign out other devices", async move {
            flows.sign_out_other_devices().await
        })
    });
    // Outside the list's render, so that a re-read of the list does not close it.
    let confirm_others = use_confirm("sign-out-others");
    let signing_out = Signal::derive(move || auth.is_signing_out());
    let after_plain_post = error_after_plain_post::<RevokeSession>().map(|e| e.message());

    view! {
        {after_plain_post.map(|message| view! {
            <p class="form-error" role="alert">"Could not sign that device out. " {message}</p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading your devices…"</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(devices) => {
                        let as_of = devices.as_of;
                        let others = devices.sessions.iter().filter(|s| !s.current).count();
                        view! {
                            <ul class="session-list device-list" aria-label="Signed-in devices">
                                {devices.sessions.into_iter().map(|s| view! {
                                    <DeviceRow session=s as_of revoke/>
                                }).collect_view()}
                            </ul>
                            <SignOutOthers others open=confirm_others disabled=signing_out on_confirm=sign_out_others/>
                        }.into_any()
                    }
                    Err(_) => view! { <p class="form-error">"Your devices could not be loaded."</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// "Sign out other devices": disabled, and saying why, when there is none.
#[component]
fn SignOutOthers(
    others: usize,
    open: RwSignal<bool>,
    disabled: Signal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let why_id = "sign-out-others-why";
    let why = match others {
        0 => "You are signed in here only: there is no other device to sign out.".to_owned(),
        1 => "Ends the session of your 1 other device; you stay signed in here.".to_owned(),
        n => format!("Ends the sessions of your {n} other devices; you stay signed in here."),
    };
    let message = match others {
        1 => "Your other device will be signed out at once. You stay signed in here.".to_owned(),
        n => format!("Your {n} other devices will be signed out at once. You stay signed in here."),
    };
    view! {
        <div class="device-actions">
            <AskButton
                key="sign-out-others"
                page="/profile"
                open
                disabled=Signal::derive(move || others == 0 || disabled.try_get().unwrap_or(true))
                class="button-secondary"
                described_by=why_id
            >
                "Sign out other devices"
            </AskButton>
            <p id=why_id class="muted small">{why}</p>
        </div>
        {(others > 0).then(|| view! {
            <ConfirmDialog
                open
                key="sign-out-others"
                title="Sign out other devices?"
                message
                confirm_label="Sign out others"
                action=LOGOUT_ALL_URL
                fields=vec![("keep_current", "true".to_owned())]
                cancel_href="/profile"
                on_confirm
            />
        })}
    }
}

#[component]
fn DeviceRow(
    session: SessionView,
    /// The server's time when the list was read: "2 hours ago" counts from it, so the
    /// server's render and the browser's hydration agree to the letter.
    as_of: i64,
    revoke: Action<RevokeSession, Result<(), AppError>>,
) -> impl IntoView {
    let SessionView {
        id,
        device,
        ip,
        created_at,
        last_active_at,
        current,
    } = session;
    let address = ip.unwrap_or_else(|| "an unknown address".into());
    let first_seen = format::date(created_at);
    // This device is the one asking: active now, whatever its last write says.
    let active = if current || as_of - last_active_at < format::ACTIVE_NOW_SECS {
        "Active now".to_owned()
    } else {
        format!("Last active {}", format::ago(last_active_at, as_of))
    };
    // Two "Safari on iPhone" rows differ by when and where they signed in.
    let which = format!("{device}, signed in {first_seen} from {address}");
    let (row_name, shown_name) = (device.clone(), device.clone());
    view! {
        <li aria-label=row_name>
            <div class="device">
                <strong>{shown_name}</strong>
                {current.then(|| view! { <span class="badge badge-current">"This device"</span> })}
                <div class="muted small">
                    <time datetime=format::machine_time(last_active_at) title=format::date_time(last_active_at)>
                        {active.clone()}
                    </time>
                </div>
                <div class="muted small">
                    "Signed in "
                    <time datetime=format::machine_time(created_at) title=format::date_time(created_at)>
                        {first_seen}
                    </time>
                    " · " {address}
                </div>
            </div>
            {(!current).then(move || view! { <RevokeDevice id device which active revoke/> })}
        </li>
    }
}

/// The Revoke button of one device and its question.
#[component]
fn RevokeDevice(
    id: String,
    device: String,
    /// "Chrome on Linux, signed in 2026-11-21 from 10.0.0.7".
    which: String,
    /// "Last active 2 hours ago".
    active: String,
    revoke: Action<RevokeSession, Result<(), AppError>>,
) -> impl IntoView {
    let key = format!("revoke:{id}");
    let open = use_confirm(&key);
    let session_id = id.clone();
    let on_confirm = Callback::new(move |_| {
        revoke.dispatch(RevokeSession {
            session_id: session_id.clone(),
        });
    });
    view! {
        <AskButton
            key=key.clone()
            page="/profile"
            open
            disabled=revoke.pending()
            class="button-secondary"
            label=format!("Revoke {which}")
        >
            "Revoke"
        </AskButton>
        <ConfirmDialog
            open
            key
            title=format!("Revoke {device}?")
            message=format!(
                "{which} ({}) will be signed out at once: its tokens stop working on its very next request.",
                active.to_lowercase()
            )
            confirm_label=format!("Revoke {device}")
            action=REVOKE_URL
            fields=vec![("session_id", id)]
            cancel_href="/profile"
            on_confirm
        />
    }
}
