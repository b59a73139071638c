//! The JSON auth API under `/api/auth`, as plain axum handlers: they need exact control
//! over status codes, `Set-Cookie` and error bodies, which curl and API clients rely on.

mod account;
mod auth;
pub(crate) mod cookies;
mod extract;
pub mod guards;
mod sessions;
mod token;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;

use super::error::ApiError;
use super::state::AppState;

/// Bodies of this API are a few short strings; anything larger is refused with 413.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(auth::register))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/refresh", post(auth::refresh))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/logout-all", post(auth::logout_all))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/token", post(token::token))
        .route("/api/auth/sessions", get(sessions::list))
        .route("/api/auth/sessions/revoke", post(sessions::revoke))
        .route("/api/auth/activity", get(sessions::activity))
        .route("/api/auth/password", post(account::change_password))
        .route("/api/auth/email", post(account::change_email))
        .route("/api/auth/report-concern", post(account::report_concern))
        .route("/api/auth/{*rest}", any(|| async { ApiError::NotFound }))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// The push channel: a long-lived stream, so it is kept out of the request timeout.
pub fn push_router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/events", get(sessions::events))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
