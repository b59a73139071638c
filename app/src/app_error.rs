//! The error of every server function, shared by server and client. On the wire it is
//! the same `{"error", "message"}` body as the auth API, with a matching HTTP status.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(
    from = "crate::auth::types::ApiErrorBody",
    into = "crate::auth::types::ApiErrorBody"
)]
pub enum AppError {
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("{0}")]
    InvalidInput(String),
    #[error("not found")]
    NotFound,
    #[error("something went wrong on our side")]
    Internal,
    /// The server could not be reached, or its answer could not be read (client side).
    #[error("the server could not be reached")]
    Unreachable,
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidInput(_) => "invalid_input",
            Self::NotFound => "not_found",
            Self::Internal => "internal",
            Self::Unreachable => "unreachable",
        }
    }

    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::InvalidInput(_) => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Internal | Self::Unreachable => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets the HTTP status of the response this error will be sent in.
    #[cfg(feature = "ssr")]
    pub fn with_status(self) -> Self {
        if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(self.status());
        }
        self
    }
}

impl From<AppError> for crate::auth::types::ApiErrorBody {
    fn from(e: AppError) -> Self {
        Self {
            error: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

impl From<crate::auth::types::ApiErrorBody> for AppError {
    fn from(body: crate::auth::types::ApiErrorBody) -> Self {
        match body.error.as_str() {
            "unauthenticated" => Self::Unauthenticated,
            "invalid_input" => Self::InvalidInput(body.message),
            "not_found" => Self::NotFound,
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
