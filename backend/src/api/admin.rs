//! The administrators' JSON API under `/api/admin`: thin doors onto
//! `service::admin`. Anyone who is not an administrator gets 404 from every one of them.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::extract::JsonBody;
use super::respond::respond;
use crate::audit::ClientInfo;
use crate::authn::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::service::admin;
use crate::state::AppState;
use wire::{AdminUsers, ApiErrorBody, EndEverySessionRequest, SessionsEnded, SignedInDevices};

/// `?email=`: kept as text so that a bad query gets this API's own 400 body.
#[derive(Debug, Default, Deserialize)]
pub struct FindQuery {
    email: Option<String>,
}

/// Accounts whose email contains the text (every account when it is empty), at most 50.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    params(("email" = Option<String>, Query, description = "part of the email address")),
    responses(
        (status = 200, description = "the accounts found", body = AdminUsers),
        (status = 400, description = "a query that is not valid", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 404, description = "not an administrator", body = ApiErrorBody),
    ))]
pub async fn find_users(
    State(state): State<AppState>,
    auth: Authenticated,
    query: Result<Query<FindQuery>, QueryRejection>,
) -> ApiResult<Json<AdminUsers>> {
    // Before anything of the request is read: to anyone else, nothing is here.
    crate::admin::require_admin(&state, &auth).await?;
    let Query(query) =
        query.map_err(|_| ApiError::InvalidInput("the query string is not valid".into()))?;
    let email = query.email.unwrap_or_default();
    Ok(Json(admin::find_users(&state, &auth, &email).await?))
}

/// The user's live sessions.
#[utoipa::path(get, path = "/api/admin/users/{id}/sessions", tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    params(("id" = String, Path, description = "the user's id")),
    responses(
        (status = 200, description = "the user's live sessions", body = SignedInDevices),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 404, description = "not an administrator, or no such user", body = ApiErrorBody),
    ))]
pub async fn user_sessions(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(user_id): Path<String>,
) -> ApiResult<Json<SignedInDevices>> {
    Ok(Json(admin::sessions_of(&state, &auth, &user_id).await?))
}

/// Ends every session of the user, at once on every process.
#[utoipa::path(post, path = "/api/admin/users/{id}/sessions/revoke", tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    params(("id" = String, Path, description = "the user's id")),
    responses(
        (status = 200, description = "the user's sessions ended", body = SessionsEnded),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 404, description = "not an administrator, or no such user", body = ApiErrorBody),
    ))]
pub async fn end_user_sessions(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    Path(user_id): Path<String>,
) -> Response {
    let outcome = admin::end_sessions_of(&state, &auth, &client, user_id).await;
    respond(&state, StatusCode::OK, outcome)
}

/// Disables the user: every session ends; sign-in, refresh and the token API answer
/// `account_disabled` until enabled.
#[utoipa::path(post, path = "/api/admin/users/{id}/disable", tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    params(("id" = String, Path, description = "the user's id")),
    responses(
        (status = 200, description = "disabled; the user's sessions ended", body = SessionsEnded),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 404, description = "not an administrator, or no such user", body = ApiErrorBody),
    ))]
pub async fn disable_user(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    Path(user_id): Path<String>,
) -> Response {
    let outcome = admin::set_disabled(&state, &auth, &client, user_id, true).await;
    respond(&state, StatusCode::OK, outcome)
}

/// Enables a disabled user: they can sign in again.
#[utoipa::path(post, path = "/api/admin/users/{id}/enable", tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    params(("id" = String, Path, description = "the user's id")),
    responses(
        (status = 200, description = "enabled", body = SessionsEnded),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 404, description = "not an administrator, or no such user", body = ApiErrorBody),
    ))]
pub async fn enable_user(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    Path(user_id): Path<String>,
) -> Response {
    let outcome = admin::set_disabled(&state, &auth, &client, user_id, false).await;
    respond(&state, StatusCode::OK, outcome)
}

/// Ends every session of every user, the caller's included, once
/// `{"confirm":"end every session"}` is sent.
#[utoipa::path(post, path = "/api/admin/sessions/revoke-all", tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    request_body = EndEverySessionRequest,
    responses(
        (status = 200, description = "every session ended; this browser's cookies are cleared", body = SessionsEnded),
        (status = 400, description = "the confirmation is missing or not exact, or a malformed body", body = ApiErrorBody),
        (status = 401, description = "not signed in", body = ApiErrorBody),
        (status = 403, description = "a stale password (`reauthentication_required`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 404, description = "not an administrator", body = ApiErrorBody),
        (status = 413, description = "body too large", body = ApiErrorBody),
        (status = 415, description = "not JSON", body = ApiErrorBody),
    ))]
pub async fn end_every_session(
    State(state): State<AppState>,
    client: ClientInfo,
    auth: Authenticated,
    body: Result<JsonBody<EndEverySessionRequest>, ApiError>,
) -> Response {
    // Before the body is read: to anyone else, nothing is here, whatever they send.
    if let Err(refused) = crate::admin::require_admin(&state, &auth).await {
        return refused.into_response();
    }
    let outcome = match body {
        Ok(JsonBody(input)) => admin::end_every_session(&state, &auth, &client, input).await,
        Err(refused) => refused.into(),
    };
    respond(&state, StatusCode::OK, outcome)
}
