//! Account changes that end sessions by themselves: a password or email change keeps only
//! the device that made it; a reported concern ends them all, this one included.

use std::future::Future;

use wire::{
    ChangeEmailRequest, ChangePasswordRequest, DeleteAccountRequest, Landing, Notice,
    ReauthenticateRequest, Reauthenticated, SessionsEnded,
};

use super::outcome::{Next, Outcome};
use crate::audit::ClientInfo;
use crate::authn::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::CONFIRM_PASSWORD;
use crate::secret::Secret;
use crate::state::AppState;
use crate::{account, reauth};

fn ended(state: &AppState, message: String, revoked: usize) -> SessionsEnded {
    SessionsEnded {
        success: true,
        message,
        revoked,
        timestamp: state.clock.now(),
    }
}

/// Wrong current passwords count against the session (`CONFIRM_PASSWORD`). The slot is
/// taken before the change (and its password check) runs, so a burst of guesses sent at
/// once cannot outrun the count. With `count_every_attempt`, every attempt keeps its slot:
/// the email change would otherwise tell a signed-in caller, without limit, which
/// addresses have accounts.
async fn guarded<T>(
    state: &AppState,
    auth: &Authenticated,
    count_every_attempt: bool,
    change: impl Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    let slot = state.reserve(CONFIRM_PASSWORD, auth.session_id())?;
    let result = change.await;
    let counts = match &result {
        Err(ApiError::WrongPassword) => true,
        // The database could not serve it: the caller learnt nothing.
        Err(ApiError::Unavailable) => false,
        _ => count_every_attempt,
    };
    if !counts {
        slot.refund();
    }
    result
}

/// Changes the password and ends every other session.
#[tracing::instrument(name = "change_password", skip_all, fields(user_id = %auth.user_id(), session_id = %auth.session_id()))]
pub async fn change_password(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    input: ChangePasswordRequest,
) -> Outcome<SessionsEnded> {
    if let Err(refused) = reauth::require_recent(state, auth).await {
        return refused.into();
    }
    let change = account::change_password(
        state,
        &auth.claims,
        Secret::new(input.current_password),
        Secret::new(input.new_password),
        client,
    );
    match guarded(state, auth, false, change).await {
        Ok(revoked) => {
            let message = format!("Password changed. {revoked} other session(s) signed out.");
            Outcome::done(ended(state, message, revoked))
                .then(Next::to(Landing::Profile, Notice::PasswordChanged(revoked)))
        }
        Err(error) => error.into(),
    }
}

/// Changes the email and ends every other session.
#[tracing::instrument(name = "change_email", skip_all, fields(user_id = %auth.user_id(), session_id = %auth.session_id()))]
pub async fn change_email(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    input: ChangeEmailRequest,
) -> Outcome<SessionsEnded> {
    if let Err(refused) = reauth::require_recent(state, auth).await {
        return refused.into();
    }
    let change = account::change_email(
        state,
        &auth.claims,
        Secret::new(input.current_password),
        &input.new_email,
        client,
    );
    match guarded(state, auth, true, change).await {
        Ok(revoked) => {
            let message = format!("Email changed. {revoked} other session(s) signed out.");
            Outcome::done(ended(state, message, revoked))
                .then(Next::to(Landing::Profile, Notice::EmailChanged(revoked)))
        }
        Err(error) => error.into(),
    }
}

/// "Report a security concern": ends every session, this one included, and clears this
/// browser. Never rate limited: it always ends at least the caller's live session.
#[tracing::instrument(name = "report_concern", skip_all, fields(user_id = %auth.user_id(), session_id = %auth.session_id()))]
pub async fn report_concern(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
) -> Outcome<SessionsEnded> {
    let (caller, client) = (auth.claims.clone(), client.clone());
    let revoked = state
        .run_to_completion(move |state| async move {
            account::report_concern(&state, &caller, &client).await
        })
        .await;
    match revoked {
        Ok(revoked) => {
            let message = "Every session of your account has ended. Sign in again, and change \
                           your password."
                .to_owned();
            Outcome::done(ended(state, message, revoked))
                .signing_browser_out()
                .then(Next::to(Landing::Login, Notice::ConcernReported))
        }
        Err(error) => error.into(),
    }
}

/// Deletes the account (see `account::delete_account`) and clears this browser. Needs a
/// recent password besides the one given: a stolen session cannot delete its owner.
#[tracing::instrument(name = "delete_account", skip_all, fields(user_id = %auth.user_id(), session_id = %auth.session_id()))]
pub async fn delete_account(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    input: DeleteAccountRequest,
) -> Outcome<SessionsEnded> {
    if let Err(refused) = reauth::require_recent(state, auth).await {
        return refused.into();
    }
    let keep_published = input.keep_published_posts.unwrap_or(false);
    let (caller, in_client) = (auth.claims.clone(), client.clone());
    let password = Secret::new(input.current_password);
    // Once the password is confirmed it runs to its end, even if the client hangs up.
    let delete = state.run_to_completion(move |state| async move {
        account::delete_account(&state, &caller, password, keep_published, &in_client).await
    });
    match guarded(state, auth, false, delete).await {
        Ok(revoked) => {
            let message = "Your account has been deleted, and every session with it".to_owned();
            Outcome::done(ended(state, message, revoked))
                .signing_browser_out()
                .then(Next::to(Landing::Home, Notice::AccountDeleted))
        }
        Err(error) => error.into(),
    }
}

/// Confirms the password again, for the guarded actions of the next `REAUTH_WINDOW`
/// seconds. Wrong passwords count against the session like any other confirmation.
#[tracing::instrument(name = "reauthenticate", skip_all, fields(user_id = %auth.user_id(), session_id = %auth.session_id()))]
pub async fn reauthenticate(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    input: ReauthenticateRequest,
) -> Outcome<Reauthenticated> {
    let confirm = reauth::reauthenticate(state, auth, Secret::new(input.password), client);
    match guarded(state, auth, false, confirm).await {
        Ok(auth_time) => Outcome::done(Reauthenticated {
            success: true,
            auth_time,
            max_age: state.config.reauth_window,
        })
        .then(Next::to(Landing::Profile, Notice::Reauthenticated)),
        Err(error) => error.into(),
    }
}
