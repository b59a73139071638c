//! Account changes that end sessions by themselves.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::cookies;
use super::extract::JsonBody;
use crate::auth::types::{ChangeEmailRequest, ChangePasswordRequest, SessionsEnded};
use crate::backend::account;
use crate::backend::audit::ClientInfo;
use crate::backend::authn::Authenticated;
use crate::backend::error::{ApiError, ApiResult};
use crate::backend::rate_limit::{SIGN_IN_PER_ACCOUNT, SIGN_OUT};
use crate::backend::secret::Secret;
use crate::backend::state::AppState;

fn ended(state: &AppState, message: String, revoked: usize) -> SessionsEnded {
    SessionsEnded {
        success: true,
        message,
        revoked,
        timestamp: state.clock.now(),
    }
}

/// Wrong current passwords count like failed sign-ins, so that a stolen session cannot
/// be used to guess the password.
async fn guarded<T>(
    state: &AppState,
    auth: &Authenticated,
    change: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    let now = state.clock.now();
    state
        .limiter
        .check(SIGN_IN_PER_ACCOUNT, auth.user_id(), now)
        .map_err(ApiError::RateLimited)?;
    let result = change.await;
    if matches!(result, Err(ApiError::WrongPassword)) {
        state
            .limiter
            .record(SIGN_IN_PER_ACCOUNT, auth.user_id(), now);
    }
    result
}

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
    let revoked = guarded(&state, &auth, change).await?;
    let message = format!("Password changed. {revoked} other session(s) signed out.");
    Ok(Json(ended(&state, message, revoked)))
}

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
    let revoked = guarded(&state, &auth, change).await?;
    let message = format!("Email changed. {revoked} other session(s) signed out.");
    Ok(Json(ended(&state, message, revoked)))
}

/// Ends every session, this one included, and clears this browser.
pub async fn report_concern(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
) -> ApiResult<Response> {
    state
        .limiter
        .hit(SIGN_OUT, auth.user_id(), state.clock.now())
        .map_err(ApiError::RateLimited)?;
    let revoked = account::report_concern(&state, &auth.claims, &client).await?;
    let mut headers = HeaderMap::new();
    cookies::clear_both(&mut headers, &state.config);
    headers.insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    let message =
        "Every session of your account has ended. Sign in again, and change your password."
            .to_owned();
    Ok((headers, Json(ended(&state, message, revoked))).into_response())
}
