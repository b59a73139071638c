//! Getting an account back without a session: the "Not me" link and the password reset.

use wire::{Accepted, Landing, Notice, PasswordResetConfirm, SignedIn, RESET_REQUESTED};

use super::outcome::{Next, Outcome};
use super::sessions::signed_in;
use super::{ip_key, Caller};
use crate::error::ApiError;
use crate::rate_limit::PASSWORD_RESET_PER_IP;
use crate::recovery;
use crate::secret::Secret;
use crate::state::AppState;

/// "Not me? Sign out everywhere": every session of the link's account ends, this browser
/// is signed out too, and the answer is the token of a password-reset link for it.
#[tracing::instrument(name = "not_me", skip_all)]
pub async fn not_me(state: &AppState, caller: &Caller, token: String) -> Outcome<Secret> {
    let (token, client) = (Secret::new(token), caller.client.clone());
    let done = state
        .run_to_completion(
            move |state| async move { recovery::not_me(&state, &token, &client).await },
        )
        .await;
    match done {
        Ok(reset) => Outcome::done(reset).signing_browser_out(),
        Err(error) => error.into(),
    }
}

/// Asks for a reset link. The answer is the same, and comes as fast, whether or not an
/// account has the address: the lookup and the mail happen after it, in a task of their
/// own.
#[tracing::instrument(name = "request_password_reset", skip_all)]
pub async fn request_password_reset(
    state: &AppState,
    caller: &Caller,
    email: String,
) -> Outcome<Accepted> {
    if let Err(limited) = state.rate_limit(PASSWORD_RESET_PER_IP, &ip_key(&caller.client)) {
        return limited.into();
    }
    let (background, client) = (state.clone(), caller.client.clone());
    tokio::spawn(async move {
        if let Err(error) = recovery::request_reset(&background, &email, &client).await {
            tracing::warn!(%error, "a password reset could not be prepared");
        }
    });
    Outcome::done(Accepted {
        success: true,
        message: RESET_REQUESTED.into(),
    })
    .then(Next::to(Landing::Login, Notice::ResetRequested))
}

/// Sets the new password with a reset link's token, ends every session of the account,
/// and signs this browser in with a new one.
#[tracing::instrument(name = "confirm_password_reset", skip_all)]
pub async fn confirm_password_reset(
    state: &AppState,
    caller: &Caller,
    input: PasswordResetConfirm,
) -> Outcome<SignedIn> {
    if input.token.trim().is_empty() {
        return ApiError::InvalidLink.into();
    }
    let token = Secret::new(input.token);
    let password = Secret::new(input.new_password);
    let client = caller.client.clone();
    // Every session of the account ends: like a sign-out, carried to its end (and applied
    // to this process's view) even if the client hangs up during the commit.
    let done = state
        .run_to_completion(move |state| async move {
            recovery::reset_password(&state, &token, password, &client).await
        })
        .await;
    match done {
        Ok(tokens) => signed_in(tokens).then(Next::to(Landing::Dashboard, Notice::PasswordReset)),
        Err(error) => error.into(),
    }
}
