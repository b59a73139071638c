//! Who is calling a server function, and the errors it answers with. Server functions are
//! public endpoints like any other: each checks its caller itself.

use backend::audit::ClientInfo;
use backend::authn::{authenticate, Authenticated, Presented};
use backend::error::ApiError;
use backend::service::Caller;
use backend::AppState;
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::app_error::AppError;

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("no app state in a server function"))
}

fn request_parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| internal("no request parts in a server function"))
}

/// The app state and whoever is calling: what they presented and where they come from.
pub fn caller() -> Result<(AppState, Caller), AppError> {
    let parts = request_parts()?;
    let state = app_state()?;
    let caller = Caller {
        presented: Presented::from_headers(&parts.headers, state.config.cookie_names()),
        client: ClientInfo::of_request(&parts),
    };
    Ok((state, caller))
}

/// The app state, the authenticated caller and where they come from, or a 401.
pub fn require_auth() -> Result<(AppState, Authenticated, ClientInfo), AppError> {
    let state = app_state()?;
    let parts = request_parts()?;
    match authenticate(&state, &parts.headers) {
        Ok(auth) => Ok((state, auth, ClientInfo::of_request(&parts))),
        Err(error) => Err(refused(error)),
    }
}

/// The server function's error for a refusal of the backend: the same code, status and
/// headers (`WWW-Authenticate`, `Retry-After`, the rate-limit fields) as the JSON API's.
/// An internal cause is logged; the caller sees only that something failed.
pub fn refused(error: impl Into<ApiError>) -> AppError {
    let error = error.into();
    if let ApiError::Internal(cause) = &error {
        tracing::error!(error = ?cause, "server function failed");
    }
    if let Some(options) = use_context::<ResponseOptions>() {
        let mut headers = http::HeaderMap::new();
        error.write_headers(&mut headers);
        for (name, value) in headers.iter() {
            options.insert_header(name.clone(), value.clone());
        }
    }
    app_error(&error).with_status()
}

/// The web client's error of the same meaning.
fn app_error(error: &ApiError) -> AppError {
    let retry_after = error.retry_after().unwrap_or(1);
    match error {
        ApiError::Unauthenticated | ApiError::InvalidRefreshToken => AppError::Unauthenticated,
        ApiError::SessionExpired => AppError::SessionExpired,
        ApiError::InvalidCredentials => AppError::InvalidCredentials,
        ApiError::WrongPassword => AppError::WrongPassword,
        ApiError::EmailTaken => AppError::EmailTaken,
        ApiError::AccountDisabled => AppError::AccountDisabled,
        ApiError::InvalidLink => AppError::InvalidLink,
        ApiError::ReauthenticationRequired { .. } => AppError::ReauthenticationRequired,
        ApiError::InvalidInput(_)
        | ApiError::MalformedBody(_)
        | ApiError::RepeatedKey
        | ApiError::ConflictingCookies => AppError::InvalidInput(error.to_string()),
        ApiError::NotFound => AppError::NotFound,
        ApiError::RateLimited(_) => AppError::RateLimited { retry_after },
        ApiError::Unavailable => AppError::Unavailable { retry_after },
        ApiError::UnsupportedMediaType
        | ApiError::PayloadTooLarge
        | ApiError::CrossOrigin
        | ApiError::MethodNotAllowed
        | ApiError::StreamExists
        | ApiError::Internal(_) => AppError::Internal,
    }
}

/// A failure of the server function itself (its context missing): logged, and a 500.
pub fn internal(cause: &'static str) -> AppError {
    refused(ApiError::internal(cause))
}
