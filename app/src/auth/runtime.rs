//! Starts the client's auth machinery once the page is live: listens to the other tabs,
//! re-checks the session when a page comes back from the back-forward cache, retries a
//! pending sign-out, and quietly renews an expired access cookie.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::browser::{self, TabMessage};
use super::client::refresh_session;
use super::flows::AuthFlows;
use super::session::current_session;
use super::store::{AuthStatus, AuthStore};

/// How often a pending sign-out is retried while the page is open.
const PENDING_RETRY_EVERY: Duration = Duration::from_secs(3);

#[component]
pub fn AuthRuntime(children: Children) -> impl IntoView {
    let flows = AuthFlows::provide();
    let auth = AuthStore::expect();
    let push_flows = flows.clone();

    // Effects run only in the browser, after hydration. This one waits until the store
    // holds the server's answer, then starts everything once.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        if auth.status() == AuthStatus::Unknown {
            return false;
        }
        let on_message = {
            let flows = flows.clone();
            move |message: TabMessage| match message {
                TabMessage::SignedOut => flows.signed_out_elsewhere(),
                TabMessage::SignedIn { user_id } => {
                    // Someone signed in (perhaps as another user) in another tab: take the
                    // server's word for who is signed in here now.
                    if auth.user_id().as_deref() != Some(user_id.as_str()) {
                        browser::reload_page();
                    }
                }
            }
        };
        browser::listen_to_other_tabs(on_message);

        let recheck = flows.clone();
        browser::on_restored_from_bfcache(move || {
            let flows = recheck.clone();
            spawn_local(async move {
                if !matches!(current_session().await, Ok(Some(_))) {
                    flows.session_ended();
                }
            });
        });

        if browser::sign_out_pending() {
            auth.reset();
            flows.retry_pending_sign_out();
        }
        let retry = flows.clone();
        browser::on_online(move || retry.retry_pending_sign_out());
        let retry = flows.clone();
        let _ =
            set_interval_with_handle(move || retry.retry_pending_sign_out(), PENDING_RETRY_EVERY);

        match auth.session() {
            Some(session) => browser::save_user_snapshot(&session.user),
            // Signed in before, but the access cookie has expired: renew it quietly. Never
            // while a sign-out is pending: that would sign the user back in.
            None if browser::user_snapshot().is_some() && !browser::sign_out_pending() => {
                spawn_local(async move {
                    let renewed = refresh_session().await;
                    match current_session().await {
                        Ok(Some(session)) if renewed => auth.signed_in(session),
                        _ => browser::clear_app_storage(),
                    }
                });
            }
            None => {}
        }
        true
    });

    // The push channel is open exactly while someone is signed in: a session revoked
    // elsewhere ends here within a second, without waiting for the next request. If the
    // channel is down, the 401 on the next request still catches it.
    // The effect keeps the open channel as its value: dropping the previous value closes
    // it. Effects run only in the browser, so the server never holds one.
    // It closes the moment a sign-out starts, before the server is told: once the session
    // ends, no request may go out with its credentials (the browser would reconnect the
    // stream and be refused with a 401).
    Effect::new(move |previous: Option<Option<browser::PushChannel>>| {
        let live = matches!(auth.status(), AuthStatus::SignedIn(_));
        if let Some(Some(channel)) = previous {
            channel.close();
        }
        if live {
            let flows = push_flows.clone();
            browser::open_push_channel(move |reason| {
                // This browser's own sign-out, seen from another of its tabs: the same as
                // the tab message that is on its way.
                if wire::SessionEnd::parse(&reason) == Some(wire::SessionEnd::SignOut) {
                    flows.signed_out_elsewhere();
                } else {
                    flows.session_ended();
                }
            })
        } else {
            None
        }
    });

    children()
}
