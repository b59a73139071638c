//! The web auth endpoints: tokens travel only in HttpOnly cookies, never in a body. Each
//! handler is the JSON door of a service (`crate::service`): it reads the request into
//! typed values, runs the action, and writes its outcome (`respond`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;

use super::extract::{JsonBody, OptionalJson};
use super::respond::respond;
use crate::audit::ClientInfo;
use crate::authn::{Authenticated, Presented};
use crate::error::{ApiError, ApiResult};
use crate::service::{self, Caller};
use crate::state::AppState;
use crate::users;
use wire::{
    ApiErrorBody, Credentials, LogoutAllRequest, LogoutAllResponse, LogoutRequest, LogoutResponse,
    Registration, SignedIn,
};

/// Creates an account and signs it in on this device.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = Registration,
    responses(
        (status = 201, description = "signed up and in; the tokens are set as cookies", body = SignedIn),
        (status = 400, description = "invalid email, password or display name, or a malformed body", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 409, description = "the email has an account", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many sign-ups from this address", body = ApiErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    presented: Presented,
    JsonBody(input): JsonBody<Registration>,
) -> Response {
    let caller = Caller { presented, client };
    let outcome = service::sign_up(&state, &caller, input).await;
    respond(&state, StatusCode::CREATED, outcome)
}

/// Starts a new session (a new session id every time: fixation defence).
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = Credentials,
    responses(
        (status = 200, description = "signed in; the tokens are set as cookies", body = SignedIn),
        (status = 400, description = "a malformed body", body = ApiErrorBody),
        (status = 401, description = "wrong email or password", body = ApiErrorBody),
        (status = 403, description = "a disabled account (`account_disabled`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many failed sign-ins", body = ApiErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    presented: Presented,
    JsonBody(input): JsonBody<Credentials>,
) -> Response {
    let caller = Caller { presented, client };
    let outcome = service::sign_in(&state, &caller, input).await;
    respond(&state, StatusCode::OK, outcome)
}

#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    security(("refresh_cookie" = [])),
    responses(
        (status = 200, description = "rotated; new cookies are set", body = SignedIn),
        (status = 401, description = "invalid, revoked or expired; the cookies are cleared", body = ApiErrorBody),
        (status = 403, description = "a disabled account (`account_disabled`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 429, description = "too many refreshes from this address", body = ApiErrorBody),
    ))]
/// Exchanges the refresh cookie for new cookies. When refused, the cookies are cleared so
/// the browser stops presenting a dead token.
pub async fn refresh(
    State(state): State<AppState>,
    client: ClientInfo,
    presented: Presented,
) -> Response {
    let caller = Caller { presented, client };
    let outcome = service::refresh(&state, &caller).await;
    respond(&state, StatusCode::OK, outcome)
}

#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    security((), ("bearer" = []), ("access_cookie" = []), ("refresh_cookie" = [])),
    request_body(content = Option<LogoutRequest>, description = "optional; `refreshToken` names the session too"),
    responses(
        (status = 200, description = "signed out (also when there was nothing to end)", body = LogoutResponse),
        (status = 400, description = "a malformed body", body = ApiErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many sign-out requests", body = ApiErrorBody),
    ))]
/// Signs this device out. Idempotent and 200 whatever was (or was not) presented, so that
/// it reveals nothing about tokens and can be retried safely. Two exceptions: the sign-out
/// limit, which applies only to requests that ended nothing (a request that ends a live
/// session is always carried out, whatever came before it from that IP), and a 503 when
/// the database cannot be reached, with the cookies left in place for the retry (this
/// process refuses the presented session meanwhile).
pub async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    presented: Presented,
    JsonBody(input): OptionalJson<LogoutRequest>,
) -> Response {
    let caller = Caller { presented, client };
    let outcome = service::sign_out(&state, &caller, input.refresh_token).await;
    respond(&state, StatusCode::OK, outcome)
}

#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body(content = Option<LogoutAllRequest>, description = "optional; `keepCurrent: true` keeps this session"),
    responses(
        (status = 200, description = "the sessions ended", body = LogoutAllResponse),
        (status = 400, description = "a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "signing out the other devices with a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many sign-out requests", body = ApiErrorBody),
    ))]
/// Signs out every device of the user, or every other device with `keepCurrent: true`.
/// Signing out everywhere always ends the caller's live session, so it is never limited;
/// signing out the others counts against the sign-out limit only when there were none.
pub async fn logout_all(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): OptionalJson<LogoutAllRequest>,
) -> Response {
    let outcome = service::sign_out_all(&state, &auth, &client, input.keep_current).await;
    respond(&state, StatusCode::OK, outcome)
}

/// The signed-in user of this request.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "the signed-in user", body = SignedIn),
        (status = 401, description = "not signed in", body = ApiErrorBody),
    ))]
pub async fn me(State(state): State<AppState>, auth: Authenticated) -> ApiResult<Json<SignedIn>> {
    let session = state.signed_in_as(&auth, users::Freshness::Kept).await?;
    Ok(Json(session.ok_or(ApiError::Unauthenticated)?))
}
