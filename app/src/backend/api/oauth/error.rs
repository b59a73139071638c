//! The one error type of the OAuth endpoints (token, revocation, introspection): the
//! RFC 6749 §5.2 codes, answered as JSON with `error` and `error_description`. The body
//! also carries `message`, so it has the same shape as every other error of the API.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::backend::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// A required parameter is missing, one is repeated, or the request is malformed.
    #[error("{0}")]
    InvalidRequest(String),
    /// The caller tried to authenticate as a client and failed (or has no such right).
    #[error("client authentication failed")]
    InvalidClient,
    /// Wrong username or password; an unknown, expired, revoked or reused refresh token.
    #[error("the grant is invalid, expired or revoked")]
    InvalidGrant,
    #[error("grant_type must be \"password\" or \"refresh_token\"")]
    UnsupportedGrantType,
    /// RFC 7009 §2.2.1: a `token_type_hint` this server does not know.
    #[error("token_type_hint must be \"access_token\" or \"refresh_token\"")]
    UnsupportedTokenType,
    /// Not an OAuth condition (rate limit, body too large, an internal error...): answered
    /// as the rest of the API answers it.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::Api(e) => e.code(),
        }
    }
}

/// RFC 6749 §5.2's body, plus `message` (the API's own name for the description).
#[derive(Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type` or
    /// `unsupported_token_type`.
    error: &'static str,
    error_description: String,
    message: String,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let oauth = match self {
            Self::Api(api) => return with_pragma(api.into_response()),
            oauth => oauth,
        };
        // RFC 6749 §5.2: 401 with a challenge when client authentication failed.
        let status = match oauth {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        let description = oauth.to_string();
        let body = OAuthErrorBody {
            error: oauth.code(),
            error_description: description.clone(),
            message: description,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"signout\""),
            );
        }
        with_pragma(response)
    }
}

/// RFC 6749 §5.1: responses with tokens or credentials carry `Cache-Control: no-store`
/// (set for every response by `guards::no_store`) and `Pragma: no-cache`.
pub fn with_pragma(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

impl From<sqlx::Error> for OAuthError {
    fn from(err: sqlx::Error) -> Self {
        Self::Api(err.into())
    }
}
