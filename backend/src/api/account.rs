//! Account changes that end sessions by themselves: the JSON doors of
//! `service::{change_password, change_email, report_concern}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::extract::JsonBody;
use super::respond::respond;
use crate::audit::ClientInfo;
use crate::authn::Authenticated;
use crate::service;
use crate::state::AppState;
use wire::{
    ApiErrorBody, ChangeEmailRequest, ChangePasswordRequest, DeleteAccountRequest,
    ReauthenticateRequest, Reauthenticated, SessionsEnded,
};

/// Changes the password and ends every other session.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "changed; the other sessions ended", body = SessionsEnded),
        (status = 400, description = "invalid input or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "wrong current password, a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many wrong current passwords", body = ApiErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): JsonBody<ChangePasswordRequest>,
) -> Response {
    let outcome = service::change_password(&state, &auth, &client, input).await;
    respond(&state, StatusCode::OK, outcome)
}

/// Changes the email and ends every other session.
#[utoipa::path(post, path = "/api/auth/email", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = ChangeEmailRequest,
    responses(
        (status = 200, description = "changed; the other sessions ended", body = SessionsEnded),
        (status = 400, description = "invalid input or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "wrong current password, a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
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
) -> Response {
    let outcome = service::change_email(&state, &auth, &client, input).await;
    respond(&state, StatusCode::OK, outcome)
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
) -> Response {
    let outcome = service::report_concern(&state, &auth, &client).await;
    respond(&state, StatusCode::OK, outcome)
}

/// Deletes the account: every session and token ends at once, on every process.
#[utoipa::path(post, path = "/api/auth/account/delete", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = DeleteAccountRequest,
    responses(
        (status = 200, description = "the account is deleted and every session ended; this browser's cookies are cleared", body = SessionsEnded),
        (status = 400, description = "invalid input or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "wrong current password, a stale password (`reauthentication_required`, with an RFC 9470 challenge), or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many wrong current passwords", body = ApiErrorBody),
    ))]
pub async fn delete_account(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): JsonBody<DeleteAccountRequest>,
) -> Response {
    let outcome = service::delete_account(&state, &auth, &client, input).await;
    respond(&state, StatusCode::OK, outcome)
}

/// Confirms the password again: the guarded actions are allowed for `REAUTH_WINDOW`
/// seconds (changing the email or password, deleting the account, ending other sessions,
/// administering).
#[utoipa::path(post, path = "/api/auth/reauthenticate", tag = "auth",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = ReauthenticateRequest,
    responses(
        (status = 200, description = "confirmed", body = Reauthenticated),
        (status = 400, description = "invalid input or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "wrong password, or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
        (status = 429, description = "too many wrong passwords", body = ApiErrorBody),
    ))]
pub async fn reauthenticate(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    JsonBody(input): JsonBody<ReauthenticateRequest>,
) -> Response {
    let outcome = service::reauthenticate(&state, &auth, &client, input).await;
    respond(&state, StatusCode::OK, outcome)
}
