//! The one error type of the OAuth endpoints (token, revocation, introspection): the
//! RFC 6749 §5.2 codes, answered as JSON with `error` and `error_description`. The body
//! also carries `message`, so it has the same shape as every other error of the API.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;

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
    /// Not an OAuth condition (rate limit, body too large, an internal error...): its
    /// status and headers are the API's, its body has the OAuth shape.
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

/// RFC 6749 §5.2's body, plus `message` (the API's own name for the description). Every
/// error of the OAuth endpoints has this shape, those that are not OAuth codes too
/// (`rate_limited`, `payload_too_large`, and `malformed_body` for JSON token requests).
#[derive(Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`,
    /// `unsupported_token_type`, or one of the API's own codes.
    error: &'static str,
    error_description: String,
    message: String,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let description = self.to_string();
        let body = OAuthErrorBody {
            error: self.code(),
            error_description: description.clone(),
            message: description,
        };
        let mut response = match self {
            // Its status and headers (`Retry-After`...), and its logging of internal
            // causes; the body gets the OAuth shape like every error of these endpoints.
            Self::Api(api) => api.into_response(),
            // RFC 6749 §5.2: 401 with a challenge when client authentication failed.
            Self::InvalidClient => {
                let mut response = StatusCode::UNAUTHORIZED.into_response();
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"signout\""),
                );
                response
            }
            _ => StatusCode::BAD_REQUEST.into_response(),
        };
        let (status, headers) = (response.status(), std::mem::take(response.headers_mut()));
        let mut response = (status, axum::Json(body)).into_response();
        for (name, value) in headers.iter() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                response.headers_mut().append(name, value.clone());
            }
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
