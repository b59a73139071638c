//! `/admin`: find accounts by email, see their sessions, end them, disable or enable an
//! account, end every session of every account. Administrators only: anyone else is shown
//! "Page not found" (and the server answers 404), as if there were nothing here. Every
//! action is a real form, so it works without JavaScript; with it, an action that needs
//! the password again asks for it in place.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::admin::{
    admin_find_users, admin_user_sessions, AdminEndEverySession, AdminEndSessions, AdminSetDisabled,
};
use crate::app_error::AppError;
use crate::auth::flows::AuthFlows;
use crate::auth::store::AuthStore;
use crate::components::reauth_dialog::ReauthDialog;
use crate::components::require_auth::RequireAuth;
use crate::components::server_form::{error_after_plain_post, take_submission};
use crate::components::toasts::Toasts;
use crate::format;
use crate::pages::not_found::NotFound;
use wire::{AdminUser, Notice, END_EVERY_SESSION_CONFIRMATION};

// Its code is in the piece of the account's rare pages (`recovery::AccountPages`).

#[component]
pub fn AdminPage() -> impl IntoView {
    let auth = AuthStore::expect();
    let is_admin = move || auth.session().is_some_and(|s| s.user.is_admin);
    view! {
        <Show when=is_admin fallback=NotFound>
            <RequireAuth>
                <Admin/>
                <ReauthDialog/>
            </RequireAuth>
        </Show>
    }
}

#[component]
fn Admin() -> impl IntoView {
    let query = use_query_map();
    let email = move || query.with(|q| q.get("email")).unwrap_or_default();
    let selected = move || query.with(|q| q.get("user"));
    // Bumped after each action, so the lists are read again.
    let changed = RwSignal::new(0_u32);
    let found = crate::resource::resource(
        move || (email(), changed.get()),
        |(email, _)| admin_find_users(Some(email)),
    );
    let plain_post_error = [
        error_after_plain_post::<AdminEndSessions>(),
        error_after_plain_post::<AdminSetDisabled>(),
        error_after_plain_post::<AdminEndEverySession>(),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|e| e.message());

    view! {
        <Title text="Administration · Signout"/>
        <h1>"Administration"</h1>
        {plain_post_error.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        <section class="card" aria-labelledby="find-heading">
            <h2 id="find-heading">"Accounts"</h2>
            <form method="get" action="/admin" class="search-form" role="search">
                <label>"Email contains"
                    <input type="search" name="email" value=email autocomplete="off"/>
                </label>
                <button type="submit" class="button-secondary">"Find"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading accounts…"</p> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(found) if found.users.is_empty() => {
                            view! { <p class="muted">"No account matches."</p> }.into_any()
                        }
                        Ok(found) => view! {
                            <ul class="session-list account-list" aria-label="Accounts found">
                                {found.users.into_iter().map(|user| view! {
                                    <AccountRow user email=email() changed/>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="form-error">"The accounts could not be loaded. " {e.message()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
        {move || selected().map(|user_id| view! { <UserSessions user_id changed/> })}
        <EndEverySession/>
    }
}

/// Runs an administrator's action from the browser: the password asked for again if
/// needed, the notice shown, the lists read again.
fn run_action<F, Fut>(changed: RwSignal<u32>, notice: fn(usize) -> Notice, call: F)
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<wire::SessionsEnded, AppError>> + 'static,
{
    let (flows, toasts) = (AuthFlows::expect(), Toasts::expect());
    leptos::task::spawn_local(async move {
        match flows.administer(call).await {
            Ok(answer) => {
                toasts.info(notice(answer.revoked).text());
                changed.update(|n| *n += 1);
            }
            Err(e) if !e.is_unauthenticated() => toasts.error(e.message()),
            Err(_) => {}
        }
    });
}

#[component]
fn AccountRow(user: AdminUser, email: String, changed: RwSignal<u32>) -> impl IntoView {
    let AdminUser {
        id,
        email: address,
        created_at,
        disabled,
        is_admin,
        active_sessions,
    } = user;
    let sessions_href = format!("/admin?email={}&user={}", encode(&email), encode(&id));
    let label = address.clone();
    let sessions_label = format!("Sessions of {address}");
    view! {
        <li class="session-item">
            <div class="session-meta">
                <strong>{address.clone()}</strong>
                {is_admin.then(|| view! { <span class="badge">"administrator"</span> })}
                {disabled.then(|| view! { <span class="badge badge-danger">"disabled"</span> })}
                <span class="muted small">
                    {format!("{active_sessions} live session(s) · since {}", format::date(created_at))}
                </span>
                <a href=sessions_href aria-label=sessions_label>"Sessions"</a>
            </div>
            <div class="row-actions">
                <form method="post" action=AdminEndSessions::url() on:submit=move |ev| {
                    if let Some(input) = take_submission::<AdminEndSessions>(&ev) {
                        run_action(changed, Notice::UserSessionsEnded, move || {
                            crate::admin::admin_end_sessions(input.user_id.clone())
                        });
                    }
                }>
                    <input type="hidden" name="user_id" value=id.clone()/>
                    <button type="submit" class="button-secondary"
                        aria-label=format!("End sessions of {address}")>"End sessions"</button>
                </form>
                <form method="post" action=AdminSetDisabled::url() on:submit=move |ev| {
                    if let Some(input) = take_submission::<AdminSetDisabled>(&ev) {
                        let notice = if input.disable {
                            |_| Notice::UserDisabled
                        } else {
                            |_| Notice::UserEnabled
                        };
                        run_action(changed, notice, move || {
                            crate::admin::admin_set_disabled(input.user_id.clone(), input.disable)
                        });
                    }
                }>
                    <input type="hidden" name="user_id" value=id/>
                    <input type="hidden" name="disable" value=(!disabled).to_string()/>
                    <button type="submit" class=if disabled { "button-secondary" } else { "button-danger" }
                        aria-label=format!("{} {label}", if disabled { "Enable" } else { "Disable" })>
                        {if disabled { "Enable" } else { "Disable" }}
                    </button>
                </form>
            </div>
        </li>
    }
}

#[component]
fn UserSessions(user_id: String, changed: RwSignal<u32>) -> impl IntoView {
    let sessions = crate::resource::resource(
        move || (user_id.clone(), changed.get()),
        |(user_id, _)| admin_user_sessions(user_id),
    );
    view! {
        <section class="card" aria-labelledby="user-sessions-heading">
            <h2 id="user-sessions-heading">"Live sessions of the account"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(devices) if devices.sessions.is_empty() => {
                            view! { <p class="muted">"No live session."</p> }.into_any()
                        }
                        Ok(devices) => view! {
                            <ul class="session-list" aria-label="Live sessions">
                                {devices.sessions.into_iter().map(|s| view! {
                                    <li class="session-item">
                                        <strong>{s.device.clone()}</strong>
                                        <span class="muted small">
                                            {format!("signed in {} · last active {}",
                                                format::date(s.created_at),
                                                format::ago(s.last_active_at, devices.as_of))}
                                        </span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.message()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Ends every session of every account, this one included, once the words are typed.
#[component]
fn EndEverySession() -> impl IntoView {
    let flows = AuthFlows::expect();
    let toasts = Toasts::expect();
    view! {
        <section class="card" aria-labelledby="everyone-heading">
            <h2 id="everyone-heading">"End every session"</h2>
            <p id="everyone-what">
                "Every account is signed out at once, on every device, yours included. "
                "Type “" {END_EVERY_SESSION_CONFIRMATION} "” to confirm."
            </p>
            <form method="post" action=AdminEndEverySession::url() aria-describedby="everyone-what"
                on:submit=move |ev| {
                    if let Some(input) = take_submission::<AdminEndEverySession>(&ev) {
                        let (flows, toasts) = (flows.clone(), toasts);
                        leptos::task::spawn_local(async move {
                            match flows.end_every_session(input.confirm).await {
                                Err(e) if !e.is_unauthenticated() => toasts.error(e.message()),
                                _ => {}
                            }
                        });
                    }
                }>
                <label>"Confirmation"
                    <input type="text" name="confirm" autocomplete="off" required/>
                </label>
                <button type="submit" class="button-danger">"End every session"</button>
            </form>
        </section>
    }
}

/// A query-string value: letters, digits and `-._~` as they are, the rest percent-encoded.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
