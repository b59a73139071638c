//! `GET /.well-known/oauth-authorization-server` (RFC 8414): where a standard OAuth client
//! finds the token, revocation and introspection endpoints.

use axum::extract::State;
use axum::http::{header, uri::Authority, HeaderMap};
use axum::Json;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use wire::ApiErrorBody;

pub const TOKEN_PATH: &str = "/api/auth/token";
pub const REVOCATION_PATH: &str = "/api/auth/revoke";
pub const INTROSPECTION_PATH: &str = "/api/auth/introspect";

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServerMetadata {
    /// This server's origin; the endpoints below are under it.
    issuer: String,
    token_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    /// The public keys that verify access tokens (RFC 7517), so that other services need
    /// neither a shared secret nor a call per request.
    jwks_uri: String,
    /// `password` and `refresh_token`: no redirect-based grant, so no authorization
    /// endpoint.
    grant_types_supported: Vec<&'static str>,
    /// Empty: there is no authorization endpoint to ask for a response type.
    response_types_supported: Vec<&'static str>,
    /// `none`: every client is public (RFC 7591 §2).
    token_endpoint_auth_methods_supported: Vec<&'static str>,
    revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// `client_secret_basic`: the configured resource server.
    introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    /// The OpenAPI document of the whole API.
    service_documentation: String,
}

/// The authorization server's metadata.
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server",
    tag = "oauth",
    responses(
        (status = 200, description = "RFC 8414 metadata", body = ServerMetadata),
        (status = 400, description = "the request names no usable host", body = ApiErrorBody),
    )
)]
pub async fn metadata(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<ServerMetadata>> {
    let issuer = issuer(state.config.public_origin.as_deref(), &headers)?;
    let at = |path: &str| format!("{issuer}{path}");
    Ok(Json(ServerMetadata {
        token_endpoint: at(TOKEN_PATH),
        revocation_endpoint: at(REVOCATION_PATH),
        introspection_endpoint: at(INTROSPECTION_PATH),
        jwks_uri: at(crate::api::signals::JWKS_PATH),
        grant_types_supported: vec!["password", "refresh_token"],
        response_types_supported: vec![],
        token_endpoint_auth_methods_supported: vec!["none"],
        revocation_endpoint_auth_methods_supported: vec!["none"],
        introspection_endpoint_auth_methods_supported: vec!["client_secret_basic"],
        service_documentation: at(super::super::DOCUMENT_PATH),
        issuer,
    }))
}

/// `PUBLIC_ORIGIN` when configured (behind a proxy it is the only reliable answer), else
/// the origin this request was sent to, over plain http (what the server itself speaks).
fn issuer(public_origin: Option<&str>, headers: &HeaderMap) -> ApiResult<String> {
    if let Some(origin) = public_origin {
        return Ok(origin.to_owned());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<Authority>().ok())
        .filter(|a| !a.as_str().contains('@'))
        .ok_or_else(|| ApiError::InvalidInput("the request has no valid Host header".into()))?;
    Ok(format!("http://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_is_the_public_origin_or_the_requested_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(issuer(None, &headers).unwrap(), "http://127.0.0.1:3000");
        assert_eq!(
            issuer(Some("https://auth.example"), &headers).unwrap(),
            "https://auth.example"
        );
        headers.insert(header::HOST, "user@evil.example".parse().unwrap());
        assert!(issuer(None, &headers).is_err());
        assert!(issuer(None, &HeaderMap::new()).is_err());
    }
}
