//! Every device the user is signed in on, this one first, with a way to end any of the
//! others, or all of them. Each Revoke asks first, in a dialog that names the device; the
//! question and the answer are real forms, so they work without JavaScript too.

use crate::query_client::QueryClient;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::app_error::AppError;
use crate::auth::actions::{LogoutAll, RevokeSession};
use crate::auth::flows::{AuthFlows, ALREADY_SIGNED_OUT};
use crate::auth::store::AuthStore;
use crate::components::confirm_dialog::{use_confirm, AskButton, ConfirmDialog};
use crate::components::page_focus::{focus_heading, refocus_when_lost};
use crate::components::server_form::{browser_action, error_after_plain_post};
use crate::components::toasts::Toasts;
use crate::format;
use crate::queries::sessions_of;
use wire::{EndedSessionView, SessionView, RECENTLY_ENDED_DAYS};

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
        // The dialog gives focus back to its button, which has nothing left to sign out
        // and is disabled: focus goes to the list's heading instead.
        refocus_when_lost("#devices-heading".to_owned());
        let flows = flows.clone();
        toasts.run_flow("sign out other devices", async move {
            flows.sign_out_other_devices().await
        })
    });
    // Outside the list's render, so that a re-read of the list does not close it.
    let confirm_others = use_confirm("sign-out-others");
    let signing_out = Signal::derive(move || auth.is_signing_out());
    let after_plain_post = error_after_plain_post::<RevokeSession>();

    view! {
        {after_plain_post.map(|error| match error {
            // Ended already, from elsewhere: nothing went wrong.
            AppError::NotFound => view! {
                <p class="notice" role="status">{ALREADY_SIGNED_OUT}</p>
            }.into_any(),
            error => view! {
                <p class="form-error" role="alert">"Could not sign that device out. " {error.message()}</p>
            }.into_any(),
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading your devices…"</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(devices) => {
                        let as_of = devices.as_of;
                        let others = devices.sessions.iter().filter(|s| !s.current).count();
                        let alike = alike_to_the_minute(&devices.sessions);
                        let placed = devices.sessions.iter().any(|s| s.location.is_some())
                            || devices.recently_ended.iter().any(|s| s.location.is_some());
                        let ended = devices.recently_ended;
                        view! {
                            <ul class="session-list device-list" aria-label="Signed-in devices">
                                {by_device(devices.sessions).into_iter().map(|mut group| {
                                    if group.len() == 1 {
                                        let s = group.remove(0);
                                        let to_the_second = alike.contains(&s.id);
                                        view! { <DeviceRow session=s as_of to_the_second in_group=false revoke/> }.into_any()
                                    } else {
                                        view! { <DeviceGroup sessions=group as_of alike=alike.clone() revoke/> }.into_any()
                                    }
                                }).collect_view()}
                            </ul>
                            <SignOutOthers others open=confirm_others disabled=signing_out on_confirm=sign_out_others/>
                            <RecentlyEnded ended/>
                            // DB-IP's licence (CC BY 4.0) asks for this where its answers show.
                            {placed.then(|| view! {
                                <p class="muted small">
                                    "Locations: " <a href="https://db-ip.com">"IP Geolocation by DB-IP"</a>
                                </p>
                            })}
                        }.into_any()
                    }
                    Err(_) => view! { <p class="form-error">"Your devices could not be loaded."</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// "Recently signed out": the sessions that ended in the last 30 days, how and when. Folded
/// (a `<details>`, which needs no script): it is looked at after a "was that me?".
#[component]
fn RecentlyEnded(ended: Vec<EndedSessionView>) -> impl IntoView {
    let count = ended.len();
    view! {
        <details class="recently-ended">
            <summary>{format!("Recently signed out ({count})")}</summary>
            {if ended.is_empty() {
                view! {
                    <p class="muted small">
                        {format!("No session of yours ended in the last {RECENTLY_ENDED_DAYS} days.")}
                    </p>
                }.into_any()
            } else {
                view! {
                    <p class="muted small">
                        {format!("Sessions that ended in the last {RECENTLY_ENDED_DAYS} days, the latest first.")}
                    </p>
                    <ul class="session-list" aria-label="Recently signed out">
                        {ended.into_iter().map(|s| {
                            let name = s.device.clone();
                            view! {
                            <li aria-label=name>
                                <div class="device">
                                    <strong>{s.device}</strong>
                                    <div class="muted small">
                                        {how_it_ended(&s.ended_by)} " · "
                                        <time datetime=format::machine_time(s.ended_at)>
                                            {format::local_date_time(s.ended_at)}
                                        </time>
                                    </div>
                                    <div class="muted small">
                                        "Signed in "
                                        <time datetime=format::machine_time(s.created_at)>
                                            {format::local_date_time(s.created_at)}
                                        </time>
                                        " · " {s.ip.unwrap_or_else(|| "an unknown address".into())}
                                        {s.location.map(|place| format!(" · {place}"))}
                                    </div>
                                </div>
                            </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </details>
    }
}

/// How a session ended, from `EndedSessionView::ended_by`.
pub(crate) fn how_it_ended(ended_by: &str) -> &'static str {
    match ended_by {
        wire::ENDED_BY_SIGN_OUT => "Signed out on that device",
        wire::ENDED_BY_EXPIRY => "Expired",
        "sign_out_everywhere" => "Signed out from all devices",
        "signed_out_by_other_device" => "Signed out from another device",
        "revoked_from_devices_list" => "Revoked from another device",
        "password_changed" => "Ended by a password change",
        "email_changed" => "Ended by an email change",
        "security_concern" => "Ended by a security concern report",
        "refresh_token_reuse" => "Ended: a stolen token was used",
        "session_limit" => "Ended: too many devices at once",
        "administrator" => "Ended by an administrator",
        "not_me" => "Ended from a mail's “Not me” link",
        "account_disabled" => "Ended: the account was disabled",
        "account_deleted" => "Ended: the account was deleted",
        _ => "Ended",
    }
}

/// The sessions whose row would read the same as another's: the same device and address,
/// signed in the same minute.
fn alike_to_the_minute(sessions: &[SessionView]) -> std::collections::HashSet<String> {
    let key = |s: &SessionView| (s.device.clone(), s.ip.clone(), s.created_at.div_euclid(60));
    let mut seen = std::collections::HashMap::<_, usize>::new();
    for s in sessions {
        *seen.entry(key(s)).or_default() += 1;
    }
    sessions
        .iter()
        .filter(|s| seen[&key(s)] > 1)
        .map(|s| s.id.clone())
        .collect()
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

/// The sessions in groups of one device (the same browser on the same system), each group
/// where its first session is in the list's order: this device's group first.
fn by_device(sessions: Vec<SessionView>) -> Vec<Vec<SessionView>> {
    let mut groups: Vec<Vec<SessionView>> = Vec::new();
    for session in sessions {
        match groups.iter_mut().find(|g| g[0].device == session.device) {
            Some(group) => group.push(session),
            None => groups.push(vec![session]),
        }
    }
    groups
}

/// Several sessions of one device: named once, each session a row of its own with its own
/// Revoke, told apart by when and from where it signed in.
#[component]
fn DeviceGroup(
    sessions: Vec<SessionView>,
    as_of: i64,
    alike: std::collections::HashSet<String>,
    revoke: Action<RevokeSession, Result<(), AppError>>,
) -> impl IntoView {
    let device = sessions[0].device.clone();
    let count = sessions.len();
    view! {
        <li class="device-group" aria-label=format!("{device}, {count} sessions")>
            <div class="device-group-head">
                <strong>{device.clone()}</strong>
                // No "This device" here: two machines may share a label; the row says "This
                // session".
                <span class="muted small">{format!(" · {count} sessions")}</span>
            </div>
            <ul class="session-list group-sessions" aria-label=format!("Sessions of {device}")>
                {sessions.into_iter().map(|s| {
                    let to_the_second = alike.contains(&s.id);
                    view! { <DeviceRow session=s as_of to_the_second in_group=true revoke/> }
                }).collect_view()}
            </ul>
        </li>
    }
}

#[component]
fn DeviceRow(
    session: SessionView,
    /// The server's time when the list was read: "2 hours ago" counts from it, so the
    /// server's render and the browser's hydration agree to the letter.
    as_of: i64,
    /// Another row reads the same to the minute: the sign-in time is shown to the second.
    to_the_second: bool,
    /// One of several sessions of a device (`DeviceGroup`): the group names the device, the
    /// row says when and from where.
    in_group: bool,
    revoke: Action<RevokeSession, Result<(), AppError>>,
) -> impl IntoView {
    let SessionView {
        id,
        device,
        ip,
        location,
        created_at,
        last_active_at,
        current,
    } = session;
    let address = ip.unwrap_or_else(|| "an unknown address".into());
    let signed_in_at = if to_the_second {
        format::local_date_time_to_second(created_at)
    } else {
        format::local_date_time(created_at)
    };
    // This device is the one asking: active now, whatever its last write says.
    let active = if current || as_of - last_active_at < format::ACTIVE_NOW_SECS {
        "Active now".to_owned()
    } else {
        format!("Last active {}", format::ago(last_active_at, as_of))
    };
    // Two "Safari on iPhone" rows differ by when (to the minute) and where they signed in.
    let which = {
        let (device, address) = (device.clone(), address.clone());
        Signal::derive(move || format!("{device}, signed in {} from {address}", signed_in_at.get()))
    };
    let row_name = {
        let device = device.clone();
        move || {
            if in_group {
                which.get()
            } else {
                device.clone()
            }
        }
    };
    let shown_name = if in_group {
        Either::Left(view! { "Signed in " {signed_in_at} })
    } else {
        Either::Right(device.clone())
    };
    let details = wire::routes::session_details_path(&id);
    view! {
        <li aria-label=row_name>
            <div class="device">
                // The device's own page: every detail of this session.
                <a href=details aria-label=move || format!("{}: details", which.get())>
                    <strong>{shown_name}</strong>
                </a>
                {(current && !in_group).then(|| view! { <span class="badge badge-current">"This device"</span> })}
                {(current && in_group).then(|| view! { <span class="badge badge-current">"This session"</span> })}
                <div class="muted small">
                    <time datetime=format::machine_time(last_active_at) title=format::local_date_time(last_active_at)>
                        {active.clone()}
                    </time>
                </div>
                <div class="muted small">
                    {(!in_group).then(|| view! {
                        "Signed in "
                        <time datetime=format::machine_time(created_at)>{signed_in_at}</time>
                        " · "
                    })}
                    {address.clone()} {location.map(|place| format!(" · {place}"))}
                </div>
            </div>
            {(!current).then(move || view! { <RevokeDevice page="/profile" id device which active revoke/> })}
        </li>
    }
}

/// The Revoke button of one device and its question, on `page` (the list, or the device's
/// own page).
#[component]
pub(crate) fn RevokeDevice(
    #[prop(into)] page: String,
    id: String,
    device: String,
    /// "Chrome on Linux, signed in 2026-11-21 09:14 UTC from 10.0.0.7", in the reader's zone
    /// once the client runs.
    which: Signal<String>,
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
            page=page.clone()
            open
            disabled=revoke.pending()
            class="button-secondary"
            label=move || format!("Revoke {}", which.get())
        >
            "Revoke"
        </AskButton>
        <ConfirmDialog
            open
            key
            title=format!("Revoke {device}?")
            message=move || format!(
                "{} ({}) will be signed out at once: its tokens stop working on its very next request.",
                which.get(),
                active.to_lowercase()
            )
            confirm_label=format!("Revoke {device}")
            action=REVOKE_URL
            fields=vec![("session_id", id)]
            cancel_href=page
            on_confirm
        />
    }
}
