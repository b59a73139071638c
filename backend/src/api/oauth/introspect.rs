//! `POST /api/auth/introspect` (RFC 7662): tells a resource server whether a token is
//! usable right now. `{"active": false}` for anything that is not (revoked, expired,
//! rotated, forged, unknown), with no reason, so the endpoint is no oracle beyond that bit.
//!
//! The caller authenticates as the one configured resource server with HTTP Basic
//! (`INTROSPECTION_CLIENT_ID` / `INTROSPECTION_SECRET`; RFC 7662 §2.1 requires some
//! authentication, against token scanning). Without a configured secret the endpoint
//! refuses everyone: there is no default credential to forget to change.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::{with_pragma, OAuthError, OAuthErrorBody};
use super::params::{basic_credentials, Body};
use crate::audit::ClientInfo;
use crate::rate_limit::{INTROSPECTION_AUTH_PER_CLIENT, INTROSPECTION_AUTH_PER_IP};
use crate::state::AppState;
use crate::token_status::{active_token, ActiveToken, TokenKind};
use crate::users;
use wire::ApiErrorBody;

/// The request, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct IntrospectionRequest {
    /// An access token or a refresh token.
    token: String,
    /// `access_token` or `refresh_token`; only a hint.
    token_type_hint: Option<String>,
}

/// RFC 7662 §2.2. An inactive token gets `active` alone.
#[derive(Default, Serialize, utoipa::ToSchema)]
pub struct Introspection {
    active: bool,
    /// `access_token` or `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
    /// The user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    /// The user's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    /// The access token's id (access tokens only).
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    /// The session the token belongs to (an extension): revoking it ends the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
}

/// Answers whether `token` is active.
#[utoipa::path(
    post,
    path = "/api/auth/introspect",
    tag = "oauth",
    security(("resource_server" = [])),
    request_body(
        content(
            (IntrospectionRequest = "application/x-www-form-urlencoded"),
            (IntrospectionRequest = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "the token's state", body = Introspection),
        (status = 400, description = "`invalid_request`", body = OAuthErrorBody),
        (status = 401, description = "the caller is not the resource server (`invalid_client`)", body = OAuthErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = OAuthErrorBody),
        (status = 429, description = "too many failed client authentications", body = OAuthErrorBody),
    )
)]
pub async fn introspect(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    req: Request,
) -> Response {
    match introspect_presented(&state, &client, &headers, req).await {
        Ok(answer) => with_pragma(Json(answer).into_response()),
        Err(error) => error.into_response(),
    }
}

async fn introspect_presented(
    state: &AppState,
    client: &ClientInfo,
    headers: &HeaderMap,
    req: Request,
) -> Result<Introspection, OAuthError> {
    require_resource_server(state, client, headers)?;
    let params = Body::read(state, req).await?.into_params()?;
    let token = params.require("token")?;
    // RFC 7662 §2.1: an unknown hint is ignored, and every kind is searched anyway.
    match active_token(state, token).await? {
        Some(active) => describe(state, active).await,
        None => Ok(Introspection::default()),
    }
}

async fn describe(state: &AppState, active: ActiveToken) -> Result<Introspection, OAuthError> {
    // A user deleted meanwhile has no active tokens.
    let Some(user) = users::find_by_id(&state.db, &active.user_id).await? else {
        return Ok(Introspection::default());
    };
    Ok(Introspection {
        active: true,
        token_type: Some(match active.kind {
            TokenKind::AccessToken => "access_token",
            TokenKind::RefreshToken => "refresh_token",
        }),
        sub: Some(active.user_id),
        username: Some(user.email),
        iss: Some(state.config.issuer.clone()),
        iat: Some(active.issued_at),
        exp: Some(active.expires_at),
        jti: active.jti,
        sid: Some(active.session_id),
    })
}

fn require_resource_server(
    state: &AppState,
    client: &ClientInfo,
    headers: &HeaderMap,
) -> Result<(), OAuthError> {
    let configured = state
        .config
        .introspection_client
        .as_ref()
        .ok_or(OAuthError::InvalidClient)?;
    let Some(Some((id, secret))) = basic_credentials(headers) else {
        return Err(OAuthError::InvalidClient);
    };
    // Digests are compared, not the secrets: the time the comparison takes then says
    // nothing about how much of the secret a guess got right.
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    if id == configured.id && digest(&secret) == digest(configured.secret.expose()) {
        return Ok(());
    }
    // Only failures count, and the right secret is never refused: whoever knows the
    // client id (it is no secret) cannot lock the resource server out. A burst of
    // guesses sent at once may all be compared before they are counted; with a secret of
    // 128 bits or more (checked at start) that buys a guesser nothing.
    state.rate_limit(
        INTROSPECTION_AUTH_PER_IP,
        client.ip.as_deref().unwrap_or_default(),
    )?;
    state.rate_limit(INTROSPECTION_AUTH_PER_CLIENT, &id)?;
    Err(OAuthError::InvalidClient)
}
