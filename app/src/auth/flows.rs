//! What signing in and out does on the client, step by step. The order of the sign-out
//! steps is the product: revoke on the server, clear storage, reset the store, reset the
//! query cache, tell the other tabs, leave with `replace`, say so.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_fetch::QueryClient;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::browser::{self, TabMessage};
use super::client::{
    post_json, post_json_signed_in, session_expired, within, CallError, SIGN_OUT_WAIT,
};
use super::store::AuthStore;
use super::types::{
    LogoutAllRequest, LogoutAllResponse, LogoutRequest, LogoutResponse, SessionsEnded, SignedIn,
};
use crate::components::toasts::Toasts;

/// How long a tab that found its session gone waits for a sibling tab's own "signed out"
/// message before it signs out with "your session has ended".
const SIBLING_SIGN_OUT_GRACE: std::time::Duration = std::time::Duration::from_millis(400);

/// Where the user lands after a sign-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
    Home,
    Login,
}

impl Landing {
    fn path(self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::Login => "/login",
        }
    }
}

/// The router's navigate function, kept so flows can leave a page when they finish.
type Navigate = Arc<dyn Fn(&str, NavigateOptions) + Send + Sync>;

#[derive(Clone)]
pub struct AuthFlows {
    auth: AuthStore,
    queries: QueryClient,
    toasts: Toasts,
    navigate: Navigate,
    /// A retry of a pending sign-out is under way (one at a time).
    retrying: RwSignal<bool>,
}

impl AuthFlows {
    /// Builds the flows for this app. Must be called inside the `<Router>`.
    pub fn provide() -> Self {
        let flows = Self {
            auth: AuthStore::expect(),
            queries: expect_context::<QueryClient>(),
            toasts: Toasts::expect(),
            navigate: Arc::new(use_navigate()),
            retrying: RwSignal::new(false),
        };
        provide_context(flows.clone());
        flows
    }

    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    fn go(&self, path: &str) {
        (self.navigate)(
            path,
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    }

    /// After a successful sign-in or sign-up.
    pub fn signed_in(&self, session: SignedIn) {
        // Nothing cached may outlive the previous user, even if their sign-out was lost.
        self.queries.clear();
        browser::save_user_snapshot(&session.user);
        browser::tell_other_tabs(&TabMessage::SignedIn {
            user_id: session.user.id.clone(),
        });
        self.auth.signed_in(session);
        self.go("/dashboard");
    }

    /// "Sign out" on this device. The local sign-out completes whatever the server does;
    /// if the server could not be told, the revocation is retried until it can.
    pub fn sign_out(&self) {
        if !self.auth.begin_sign_out() {
            return;
        }
        let flows = self.clone();
        spawn_local(async move {
            if !revoke_on_server().await {
                browser::mark_sign_out_pending();
            }
            flows.end_locally(Landing::Home, "You have been signed out", true);
        });
    }

    /// "Sign out from all devices". On failure nothing changes and the error is shown.
    pub async fn sign_out_everywhere(&self) {
        if !self.auth.begin_sign_out() {
            return;
        }
        let body = LogoutAllRequest {
            keep_current: false,
        };
        match post_json_signed_in::<_, LogoutAllResponse>("/api/auth/logout-all", &body).await {
            Ok(_) => self.end_locally(
                Landing::Login,
                "You have been signed out from all devices",
                true,
            ),
            Err(e) if e.is_unauthenticated() => self.session_ended(),
            Err(e) => {
                self.auth.cancel_sign_out();
                self.toasts.error(format!(
                    "Could not sign out from all devices. {}",
                    e.message()
                ));
            }
        }
    }

    /// "Report a security concern": every session ends, this one included.
    pub async fn report_concern(&self) {
        if !self.auth.begin_sign_out() {
            return;
        }
        match post_json_signed_in::<_, SessionsEnded>("/api/auth/report-concern", &()).await {
            Ok(_) => self.end_locally(
                Landing::Login,
                "We signed you out on every device. Sign in again and change your password.",
                true,
            ),
            Err(e) if e.is_unauthenticated() => self.session_ended(),
            Err(e) => {
                self.auth.cancel_sign_out();
                self.toasts
                    .error(format!("Could not report the concern. {}", e.message()));
            }
        }
    }

    /// "Sign out other devices": this one stays signed in.
    pub async fn sign_out_other_devices(&self) -> Result<usize, CallError> {
        let body = LogoutAllRequest { keep_current: true };
        let result =
            post_json_signed_in::<_, LogoutAllResponse>("/api/auth/logout-all", &body).await;
        match &result {
            Ok(r) => {
                let noun = if r.revoked == 1 { "device" } else { "devices" };
                self.toasts
                    .info(format!("Signed out {} other {noun}", r.revoked));
            }
            Err(e) if e.is_unauthenticated() => self.session_ended(),
            Err(e) => self
                .toasts
                .error(format!("Could not sign out other devices. {}", e.message())),
        }
        result.map(|r| r.revoked)
    }

    /// The server no longer accepts this session (revoked elsewhere, expired) and a
    /// refresh did not help.
    ///
    /// A 401 cannot say *why*. If another tab of this browser is signing out right now,
    /// its message ("you have been signed out", home) is the true one and is only moments
    /// behind the 401; so the local sign-out waits `SIBLING_SIGN_OUT_GRACE` for it first.
    /// Either way the session is already dead on the server: this only picks the words.
    pub fn session_ended(&self) {
        if !self.auth.is_signed_in() {
            return;
        }
        let flows = self.clone();
        set_timeout(
            move || {
                if flows.auth.is_signed_in() {
                    let message = if session_expired() {
                        "Your session has expired. Please sign in again."
                    } else {
                        "Your session has ended. Please sign in again."
                    };
                    flows.end_locally(Landing::Login, message, true);
                }
            },
            SIBLING_SIGN_OUT_GRACE,
        );
    }

    /// Another tab signed out: do the same here, without a second server call.
    pub fn signed_out_elsewhere(&self) {
        if self.auth.is_signed_in() {
            self.end_locally(Landing::Home, "You have been signed out", false);
        }
    }

    fn end_locally(&self, landing: Landing, message: &str, tell_others: bool) {
        browser::clear_app_storage();
        self.auth.reset();
        self.queries.clear();
        if tell_others {
            browser::tell_other_tabs(&TabMessage::SignedOut);
        }
        self.go(landing.path());
        self.toasts.clear();
        self.toasts.info(message);
    }

    /// Tells the server about a sign-out that could not reach it before. The server's
    /// answer clears the pending marker together with the auth cookies.
    pub fn retry_pending_sign_out(&self) {
        if !browser::sign_out_pending() || self.retrying.get_untracked() {
            return;
        }
        self.retrying.set(true);
        let retrying = self.retrying;
        spawn_local(async move {
            if revoke_on_server().await {
                browser::clear_sign_out_pending();
            }
            retrying.set(false);
        });
    }
}

/// Asks the server to end this device's session, waiting at most `SIGN_OUT_WAIT`. The
/// cookies travel with the request; the answer clears them.
async fn revoke_on_server() -> bool {
    let body = LogoutRequest::default();
    let request = post_json::<_, LogoutResponse>("/api/auth/logout", &body);
    matches!(within(SIGN_OUT_WAIT, request).await, Some(Ok(_)))
}
