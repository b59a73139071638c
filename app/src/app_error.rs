//! The one error type of the web client's server functions, shared by server and client.
//! On the wire it is the same `{"error", "message"}` body as the JSON API, under the
//! matching HTTP status; the codes are the API's, so one answer means one thing on both
//! doors.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use wire::ApiErrorBody;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(from = "ApiErrorBody", into = "ApiErrorBody")]
pub enum AppError {
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("your session has expired; sign in again")]
    SessionExpired,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("the current password is not correct")]
    WrongPassword,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("this account is disabled; contact the site's administrators")]
    AccountDisabled,
    #[error("this link no longer works: it was used, it expired, or the password changed since")]
    InvalidLink,
    /// The action needs the password entered again first (the page asks for it in place).
    #[error("enter your password again to do this")]
    ReauthenticationRequired,
    #[error("{0}")]
    InvalidInput(String),
    #[error("not found")]
    NotFound,
    #[error("too many attempts; try again in {}", wait_words(*retry_after))]
    RateLimited { retry_after: u64 },
    #[error("the service is briefly unavailable; try again in {}", wait_words(*retry_after))]
    Unavailable { retry_after: u64 },
    #[error("something went wrong on our side")]
    Internal,
    /// The server could not be reached, or its answer could not be read (client side).
    #[error("the server could not be reached; check your connection")]
    Unreachable,
}

fn wait_words(seconds: u64) -> String {
    match seconds {
        0..=1 => "a moment".into(),
        2..=89 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::SessionExpired => "session_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::WrongPassword => "wrong_password",
            Self::EmailTaken => "email_taken",
            Self::AccountDisabled => "account_disabled",
            Self::InvalidLink => "invalid_link",
            Self::ReauthenticationRequired => "reauthentication_required",
            Self::InvalidInput(_) => "invalid_input",
            Self::NotFound => "not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Internal => "internal",
            Self::Unreachable => "unreachable",
        }
    }

    /// The sentence a person reads.
    pub fn message(&self) -> String {
        crate::format::sentence(&self.to_string())
    }

    /// The caller's credentials are no longer accepted: worth one refresh and a retry.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Self::Unauthenticated)
    }

    /// The server did not get the request, or cannot act on it right now: a sign-out
    /// that met this is retried later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable | Self::Unavailable { .. } | Self::Internal
        )
    }

    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::Unauthenticated | Self::SessionExpired | Self::InvalidCredentials => {
                StatusCode::UNAUTHORIZED
            }
            Self::WrongPassword | Self::AccountDisabled | Self::ReauthenticationRequired => {
                StatusCode::FORBIDDEN
            }
            Self::EmailTaken => StatusCode::CONFLICT,
            Self::InvalidInput(_) | Self::InvalidLink => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal | Self::Unreachable => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets the HTTP status of the response this error will be sent in, and `Retry-After`
    /// when the caller is asked to wait. Not for a plain HTML form post: that one is
    /// answered with a redirect back to the form, which renders the error (see
    /// `backend::web`).
    #[cfg(feature = "ssr")]
    pub fn with_status(self) -> Self {
        if !crate::web_door::is_plain_form_post() {
            if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                options.set_status(self.status());
                if let Self::RateLimited { retry_after } | Self::Unavailable { retry_after } = self
                {
                    options.insert_header(http::header::RETRY_AFTER, retry_after.into());
                }
            }
        }
        self
    }
}

impl From<AppError> for ApiErrorBody {
    fn from(e: AppError) -> Self {
        let retry_after = match e {
            AppError::RateLimited { retry_after } | AppError::Unavailable { retry_after } => {
                Some(retry_after)
            }
            _ => None,
        };
        Self {
            error: e.code().to_owned(),
            message: e.to_string(),
            retry_after,
        }
    }
}

impl From<ApiErrorBody> for AppError {
    fn from(body: ApiErrorBody) -> Self {
        let retry_after = body.retry_after.unwrap_or(1);
        match body.error.as_str() {
            "unauthenticated" | "invalid_refresh_token" => Self::Unauthenticated,
            "session_expired" => Self::SessionExpired,
            "invalid_credentials" => Self::InvalidCredentials,
            "wrong_password" => Self::WrongPassword,
            "email_taken" => Self::EmailTaken,
            "account_disabled" => Self::AccountDisabled,
            "invalid_link" => Self::InvalidLink,
            "reauthentication_required" => Self::ReauthenticationRequired,
            "invalid_input" | "malformed_body" => Self::InvalidInput(body.message),
            "not_found" => Self::NotFound,
            "rate_limited" => Self::RateLimited { retry_after },
            "unavailable" => Self::Unavailable { retry_after },
            "unreachable" => Self::Unreachable,
            _ => Self::Internal,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server, what fails to parse is the request's arguments: the caller's
        // mistake, a 400. On the client, it is the server's answer that could not be read.
        let error = match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                Self::InvalidInput(format!("invalid arguments: {m}"))
            }
            ServerFnErrorErr::Deserialization(m) if cfg!(feature = "ssr") => {
                Self::InvalidInput(format!("invalid arguments: {m}"))
            }
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Response(_)
            | ServerFnErrorErr::Deserialization(_) => Self::Unreachable,
            _ => Self::Internal,
        };
        #[cfg(feature = "ssr")]
        let error = error.with_status();
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_survives_the_wire() {
        for error in [
            AppError::Unauthenticated,
            AppError::SessionExpired,
            AppError::InvalidCredentials,
            AppError::WrongPassword,
            AppError::EmailTaken,
            AppError::AccountDisabled,
            AppError::InvalidLink,
            AppError::ReauthenticationRequired,
            AppError::InvalidInput("the title is empty".into()),
            AppError::NotFound,
            AppError::RateLimited { retry_after: 42 },
            AppError::Unavailable { retry_after: 5 },
            AppError::Internal,
            AppError::Unreachable,
        ] {
            let json = serde_json::to_string(&error).unwrap();
            assert_eq!(
                serde_json::from_str::<AppError>(&json).unwrap(),
                error,
                "{json}"
            );
        }
    }

    #[test]
    fn the_wait_is_said_in_words() {
        assert_eq!(
            AppError::RateLimited { retry_after: 120 }.message(),
            "Too many attempts; try again in 2 minutes"
        );
    }
}
