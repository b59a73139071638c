//! Authentication and errors for server functions, which are public endpoints like any
//! other and must check the caller themselves.

use leptos::prelude::*;

use super::authn::{authenticate, Authenticated};
use super::state::AppState;
use crate::app_error::AppError;

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("no app state in a server function"))
}

/// The app state and the authenticated caller, or a 401.
pub fn require_auth() -> Result<(AppState, Authenticated), AppError> {
    let state = app_state()?;
    let parts = use_context::<http::request::Parts>()
        .ok_or_else(|| internal("no request parts in a server function"))?;
    match authenticate(&state, &parts.headers) {
        Ok(auth) => Ok((state, auth)),
        Err(_) => Err(AppError::Unauthenticated.with_status()),
    }
}

/// Logs the cause; the client sees only that something failed. A database that cannot
/// serve right now is a 503 to retry (`db::is_unavailable`), not a 500.
pub fn internal<Cause: std::fmt::Display + 'static>(cause: Cause) -> AppError {
    let unavailable = (&cause as &dyn std::any::Any)
        .downcast_ref::<sqlx::Error>()
        .is_some_and(super::db::is_unavailable);
    if unavailable {
        tracing::warn!(error = %cause, "database unavailable; answering 503");
        let retry_after = super::error::RETRY_UNAVAILABLE_AFTER_SECS;
        return AppError::Unavailable { retry_after }.with_status();
    }
    tracing::error!(error = %cause, "server function failed");
    AppError::Internal.with_status()
}
