//! The one error type of the HTTP API. Each variant maps to a status and a stable `error`
//! code; the `message` is safe to show. Internal causes are logged, never sent.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::db;
use super::rate_limit::RateLimitExceeded;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("the request body is not valid JSON for this endpoint: {0}")]
    MalformedBody(String),
    /// A JSON body that names one key twice in an object: which one counts is a guess.
    #[error("the JSON body names a key more than once")]
    RepeatedKey,
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("sign in to continue")]
    Unauthenticated,
    /// Two different values of one auth cookie: one of them was planted by another host.
    #[error(
        "this browser sent two different sign-in cookies of one name; sign out, then sign in again"
    )]
    ConflictingCookies,
    #[error("your session has expired; sign in again")]
    SessionExpired,
    #[error("the current password is not correct")]
    WrongPassword,
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    #[error("cross-origin requests are not allowed")]
    CrossOrigin,
    #[error("not found")]
    NotFound,
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    #[error("an account with this email already exists")]
    EmailTaken,
    /// A Shared Signals receiver has one stream; it asked for a second.
    #[error("this receiver already has a stream: update or delete it")]
    StreamExists,
    /// A mail's link that was used, ran out, or was replaced by a newer password.
    #[error("this link no longer works: it was used, it expired, or the password changed since")]
    InvalidLink,
    /// The account was disabled by an administrator: no sign-in, no refresh.
    #[error("this account is disabled; contact the site's administrators")]
    AccountDisabled,
    /// The action needs a password entered within the last `max_age` seconds (RFC 9470).
    #[error("enter your password again to do this")]
    ReauthenticationRequired { max_age: i64 },
    #[error("too many requests; try again later")]
    RateLimited(RateLimitExceeded),
    /// The database cannot be reached or is overloaded right now. Nothing was done; the
    /// same request can be sent again (a pending sign-out is, by the web client).
    #[error("the service is briefly unavailable; try again in a moment")]
    Unavailable,
    #[error("something went wrong on our side")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if db::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable; answering 503");
            return Self::Unavailable;
        }
        Self::Internal(err.into())
    }
}

/// Seconds a client is asked to wait after a 503. The web client retries a pending
/// sign-out every 3 s whatever this says.
pub const RETRY_UNAVAILABLE_AFTER_SECS: u64 = 2;

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidInput(_)
            | Self::MalformedBody(_)
            | Self::RepeatedKey
            | Self::ConflictingCookies
            | Self::InvalidLink => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidCredentials
            | Self::Unauthenticated
            | Self::SessionExpired
            | Self::InvalidRefreshToken => StatusCode::UNAUTHORIZED,
            Self::CrossOrigin
            | Self::WrongPassword
            | Self::AccountDisabled
            | Self::ReauthenticationRequired { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken | Self::StreamExists => StatusCode::CONFLICT,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "invalid_input",
            Self::MalformedBody(_) => "malformed_body",
            Self::RepeatedKey => "invalid_request",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Unauthenticated => "unauthenticated",
            Self::ConflictingCookies => "conflicting_cookies",
            Self::SessionExpired => "session_expired",
            Self::WrongPassword => "wrong_password",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::CrossOrigin => "cross_origin",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::StreamExists => "stream_exists",
            Self::AccountDisabled => "account_disabled",
            Self::InvalidLink => "invalid_link",
            Self::ReauthenticationRequired { .. } => "reauthentication_required",
            Self::RateLimited(_) => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error while serving a request");
        }
        let body = ErrorBody {
            error: self.code(),
            message: self.to_string(),
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        self.write_headers(headers);
        response
    }
}

impl ApiError {
    /// A failure on our side, described for the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!(cause.to_string()))
    }

    /// The headers that belong to this error on either door: the challenge of a 401, and
    /// how long to wait after a 429 or a 503.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        if matches!(self, Self::Unauthenticated) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::ReauthenticationRequired { max_age } = self {
            // RFC 9470 §3: the step-up challenge, with the age a password may have.
            let challenge =
                format!("Bearer error=\"insufficient_user_authentication\", max_age={max_age}");
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let Self::RateLimited(exceeded) = self {
            exceeded.write_headers(headers);
        }
        if matches!(self, Self::Unavailable) {
            headers.insert(header::RETRY_AFTER, RETRY_UNAVAILABLE_AFTER_SECS.into());
        }
    }

    /// Seconds the caller is asked to wait before trying again, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited(exceeded) => Some(exceeded.retry_after.max(0) as u64),
            Self::Unavailable => Some(RETRY_UNAVAILABLE_AFTER_SECS),
            _ => None,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
