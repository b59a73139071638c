//! What signing in and out does on the client, step by step. The order of the sign-out
//! steps is the product: revoke on the server, clear storage, reset the store, reset the
//! query cache, tell the other tabs, leave with `replace`, say so.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::actions;
use super::browser::{self, TabMessage};
use super::client::{session_expired, signed_in_call, within, SIGN_OUT_WAIT};
use super::session::current_session;
use super::step_up::StepUp;
use super::store::AuthStore;
use crate::app_error::AppError;
use crate::components::toasts::Toasts;
use crate::queries::{activity_of, session_of, sessions_of};
use crate::query_client::QueryClient;
use wire::{Landing, Notice, Registration, SignedIn};

/// How long a tab that found its session gone waits for a sibling tab's own "signed out"
/// message before it signs out with "your session has ended".
const SIBLING_SIGN_OUT_GRACE: std::time::Duration = std::time::Duration::from_millis(400);

/// Revoke of a device whose session had already ended.
pub const ALREADY_SIGNED_OUT: &str = "That device was already signed out.";

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
    /// The password dialog of guarded actions.
    step_up: StepUp,
}

impl AuthFlows {
    /// Builds the flows for this app. Must be called inside the `<Router>`.
    pub fn provide() -> Self {
        let flows = Self {
            auth: AuthStore::expect(),
            queries: QueryClient::expect(),
            toasts: Toasts::expect(),
            navigate: Arc::new(use_navigate()),
            retrying: RwSignal::new(false),
            step_up: StepUp::new(),
        };
        provide_context(flows.clone());
        flows
    }

    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    pub fn step_up(&self) -> StepUp {
        self.step_up
    }

    /// A guarded action (`reauthentication_required` when the password is not recent):
    /// asks for the password in place, then sends the same action again.
    async fn stepped_up<T, Fut>(&self, call: impl Fn() -> Fut) -> Result<T, AppError>
    where
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        match signed_in_call(&call).await {
            Err(AppError::ReauthenticationRequired) if self.step_up.confirmed().await => {
                signed_in_call(&call).await
            }
            other => other,
        }
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
        self.go(Landing::Dashboard.path());
    }

    /// "Sign in" and "Create account": on success, this browser is the new user's. (The
    /// two forms share one shape; the sign-in form has no display name.)
    pub async fn sign_in(&self, form: Registration, new_account: bool) -> Result<(), AppError> {
        let Registration {
            email,
            password,
            display_name,
        } = form;
        let session = if new_account {
            actions::sign_up(email, password, display_name).await?
        } else {
            actions::sign_in(email, password).await?
        };
        self.signed_in(session);
        Ok(())
    }

    /// "Sign out" on this device. The local sign-out completes whatever the server does;
    /// if the server could not be told, the revocation is retried until it can.
    pub async fn sign_out(&self) {
        if !self.auth.begin_sign_out() {
            return;
        }
        if !revoke_on_server().await {
            browser::mark_sign_out_pending();
        }
        self.end_locally(Landing::Home, Notice::SignedOut, true);
    }

    /// "Sign out from all devices". On failure nothing changes and the error is shown.
    pub async fn sign_out_everywhere(&self) -> Result<(), AppError> {
        if !self.auth.begin_sign_out() {
            return Ok(());
        }
        match signed_in_call(|| actions::logout_all(false)).await {
            Ok(_) => {
                self.end_locally(Landing::Login, Notice::SignedOutEverywhere, true);
                Ok(())
            }
            Err(e) => {
                self.auth.cancel_sign_out();
                Err(self.refused(e))
            }
        }
    }

    /// "Report a security concern": every session ends, this one included.
    pub async fn report_concern(&self) -> Result<(), AppError> {
        if !self.auth.begin_sign_out() {
            return Ok(());
        }
        match signed_in_call(actions::report_concern).await {
            Ok(_) => {
                self.end_locally(Landing::Login, Notice::ConcernReported, true);
                Ok(())
            }
            Err(e) => {
                self.auth.cancel_sign_out();
                Err(self.refused(e))
            }
        }
    }

    /// "Sign out other devices": this one stays signed in.
    pub async fn sign_out_other_devices(&self) -> Result<usize, AppError> {
        let answer = self
            .stepped_up(|| actions::logout_all(true))
            .await
            .map_err(|e| self.refused(e))?;
        self.account_changed(Notice::OtherDevicesSignedOut(answer.revoked));
        Ok(answer.revoked)
    }

    /// "Revoke" one other device. The toast names it, in the server's words.
    pub async fn revoke_device(&self, session_id: String) -> Result<(), AppError> {
        let result = self
            .stepped_up(|| actions::revoke_session(session_id.clone()))
            .await;
        // Even a refusal (already gone) makes the list stale.
        refresh_account_lists(&self.queries, self.auth.user_id_untracked());
        let answer = match result {
            // Signed out already (from another tab or device): what was asked is done.
            Err(AppError::NotFound) => {
                self.toasts.info(ALREADY_SIGNED_OUT);
                return Ok(());
            }
            other => other.map_err(|e| self.refused(e))?,
        };
        self.toasts.info(answer.message);
        Ok(())
    }

    /// "Change password": every other device is signed out.
    pub async fn change_password(&self, current: String, new: String) -> Result<(), AppError> {
        let answer = self
            .stepped_up(|| actions::change_password(current.clone(), new.clone()))
            .await
            .map_err(|e| self.refused(e))?;
        self.account_changed(Notice::PasswordChanged(answer.revoked));
        Ok(())
    }

    /// "Change email": every other device is signed out, and this one shows the new
    /// address, from the server's word.
    pub async fn change_email(
        &self,
        current_password: String,
        new_email: String,
    ) -> Result<(), AppError> {
        let answer = self
            .stepped_up(|| actions::change_email(current_password.clone(), new_email.clone()))
            .await
            .map_err(|e| self.refused(e))?;
        if let Ok(Some(session)) = current_session().await {
            browser::save_user_snapshot(&session.user);
            self.auth.signed_in(session);
        }
        self.account_changed(Notice::EmailChanged(answer.revoked));
        Ok(())
    }

    /// "Delete account": every session ends on the server, then this browser signs out
    /// as for any sign-out, and lands home.
    pub async fn delete_account(
        &self,
        current_password: String,
        keep_published_posts: bool,
    ) -> Result<(), AppError> {
        let keep = keep_published_posts.then(|| "on".to_owned());
        // Signing out from here on: the push channel closes, so this browser's own
        // "account deleted" does not come back to it as "your session has ended".
        if !self.auth.begin_sign_out() {
            return Ok(());
        }
        let deleted = self
            .stepped_up(|| actions::delete_account(current_password.clone(), keep.clone()))
            .await;
        if let Err(e) = deleted {
            self.auth.cancel_sign_out();
            return Err(self.refused(e));
        }
        self.end_locally(Landing::Home, Notice::AccountDeleted, true);
        Ok(())
    }

    /// An administrator's action on the `/admin` page, asking for the password again if
    /// needed. The caller says what changed.
    pub async fn administer<T, Fut>(&self, call: impl Fn() -> Fut) -> Result<T, AppError>
    where
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        self.stepped_up(call).await.map_err(|e| self.refused(e))
    }

    /// "End every session" of every account, this administrator's own too: signed out
    /// here as for "sign out everywhere". Returns how many ended.
    pub async fn end_every_session(&self, confirm: String) -> Result<usize, AppError> {
        if !self.auth.begin_sign_out() {
            return Ok(0);
        }
        match self
            .stepped_up(|| crate::admin::admin_end_every_session(confirm.clone()))
            .await
        {
            Ok(answer) => {
                let notice = Notice::EverySessionEnded(answer.revoked);
                self.end_locally(Landing::Login, notice, true);
                Ok(answer.revoked)
            }
            Err(e) => {
                self.auth.cancel_sign_out();
                Err(self.refused(e))
            }
        }
    }

    /// After a change to the user's sessions: say so, and re-read the lists it made stale.
    fn account_changed(&self, notice: Notice) {
        self.toasts.info(notice.text());
        refresh_account_lists(&self.queries, self.auth.user_id_untracked());
    }

    /// A refusal of an action by a signed-in user: a 401 means the session has ended
    /// (the local sign-out follows); anything else is the form's to show.
    fn refused(&self, error: AppError) -> AppError {
        if error.is_unauthenticated() {
            self.session_ended();
        }
        error
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
                    flows.end_locally_saying(Landing::Login, message, true);
                }
            },
            SIBLING_SIGN_OUT_GRACE,
        );
    }

    /// Another tab signed out: do the same here, without a second server call.
    pub fn signed_out_elsewhere(&self) {
        if self.auth.is_signed_in() {
            self.end_locally(Landing::Home, Notice::SignedOut, false);
        }
    }

    fn end_locally(&self, landing: Landing, notice: Notice, tell_others: bool) {
        self.end_locally_saying(landing, &notice.text(), tell_others);
    }

    fn end_locally_saying(&self, landing: Landing, message: &str, tell_others: bool) {
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
/// cookies travel with the request; the answer clears them. False when the server could
/// not be told (unreachable, timed out, or briefly unavailable): the caller marks the
/// sign-out pending and it is retried.
async fn revoke_on_server() -> bool {
    matches!(within(SIGN_OUT_WAIT, actions::logout()).await, Some(Ok(_)))
}

/// Re-reads the lists that a change to the user's sessions makes stale.
pub fn refresh_account_lists(queries: &QueryClient, user: Option<String>) {
    queries.invalidate(sessions_of, user);
    // A device's details page says whether it is still signed in.
    queries.invalidate_scope(session_of);
    // Every page length of the activity (`?activity=`) is stale.
    queries.invalidate_scope(activity_of);
}
