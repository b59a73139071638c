//! Authentication and error statuses for server functions, which are public endpoints
//! like any other and must check the caller themselves.

use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::authn::{authenticate, Authenticated};
use super::state::AppState;

/// The app state and the authenticated caller, or a 401 error.
pub fn require_auth() -> Result<(AppState, Authenticated), ServerFnError> {
    let state = expect_context::<AppState>();
    let parts = use_context::<http::request::Parts>()
        .ok_or_else(|| internal(anyhow::anyhow!("no request parts in a server function")))?;
    match authenticate(&state, &parts.headers) {
        Ok(auth) => Ok((state, auth)),
        Err(_) => Err(status_error(StatusCode::UNAUTHORIZED, "unauthenticated")),
    }
}

/// Sets the response status and returns an error whose text is safe to show.
pub fn status_error(status: StatusCode, message: &str) -> ServerFnError {
    if let Some(options) = use_context::<ResponseOptions>() {
        options.set_status(status);
    }
    ServerFnError::ServerError(message.to_owned())
}

pub fn bad_request(message: String) -> ServerFnError {
    status_error(StatusCode::BAD_REQUEST, &message)
}

/// Logs the cause; the client sees only that something failed.
pub fn internal(cause: anyhow::Error) -> ServerFnError {
    tracing::error!(error = ?cause, "server function failed");
    status_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side",
    )
}
