//! Account changes that end sessions by themselves.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::cookies;
use super::extract::JsonBody;
use crate::backend::account;
use crate::backend::audit::ClientInfo;
use crate::backend::authn::Authenticated;
use crate::backend::error::{ApiError, ApiResult};
use crate::backend::rate_limit::CONFIRM_PASSWORD;
use crate::backend::secret::Secret;
use crate::backend::state::AppState;
use crate::wire::{ApiErrorBody, ChangeEmailRequest, ChangePasswordRequest, SessionsEnded};

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
    change: impl std::future::Future<Output = ApiResult<T>>,
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
#[utoipa::path(post, path = "/api/auth/password", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "changed; the other sessions ended", body = SessionsEnded),
        (status = 400, description = "invalid input or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "wrong current password, or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many wrong current passwords", body = ApiErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): JsonBody<ChangePasswordRequest>,
) -> ApiResult<Json<SessionsEnded>> {
    let change = account::change_password(
        &state,
        &auth.claims,
        Secret::new(input.current_password),
        Secret::new(input.new_password),
        &client,
    );
    let revoked = guarded(&state, &auth, false, change).await?;
    let message = format!("Password changed. {revoked} other session(s) signed out.");
    Ok(Json(ended(&state, message, revoked)))
}

/// Changes the email and ends every other session.
#[utoipa::path(post, path = "/api/auth/email", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = ChangeEmailRequest,
    responses(
        (status = 200, description = "changed; the other sessions ended", body = SessionsEnded),
        (status = 400, description = "invalid input or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "wrong current password, or a cross-origin browser request", body = ApiErrorBody),
        (status = 409, description = "the new email has an account", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many attempts", body = ApiErrorBody),
    ))]
pub async fn change_email(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): JsonBody<ChangeEmailRequest>,
) -> ApiResult<Json<SessionsEnded>> {
    let change = account::change_email(
        &state,
        &auth.claims,
        Secret::new(input.current_password),
        &input.new_email,
        &client,
    );
    let revoked = guarded(&state, &auth, true, change).await?;
    let message = format!("Email changed. {revoked} other session(s) signed out.");
    Ok(Json(ended(&state, message, revoked)))
}

#[utoipa::path(post, path = "/api/auth/report-concern", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "every session ended", body = SessionsEnded),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
    ))]
/// Ends every session, this one included, and clears this browser. Never rate limited:
/// it always ends at least the caller's live session.
pub async fn report_concern(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
) -> ApiResult<Response> {
    let caller = auth.claims.clone();
    let revoked = state
        .run_to_completion(move |state| async move {
            account::report_concern(&state, &caller, &client).await
        })
        .await?;
    let mut headers = HeaderMap::new();
    cookies::sign_browser_out(&mut headers, &state.config);
    let message =
        "Every session of your account has ended. Sign in again, and change your password."
            .to_owned();
    Ok((headers, Json(ended(&state, message, revoked))).into_response())
}
