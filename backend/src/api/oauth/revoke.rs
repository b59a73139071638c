//! `POST /api/auth/revoke` (RFC 7009): a client gives up a token. Revoking either token
//! of a session ends that session through the one path that ends a device's session
//! (`signout::sign_out_device`): its refresh tokens and its access tokens die at once, on
//! every server process, and the audit trail records a sign-out.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::{with_pragma, OAuthError, OAuthErrorBody};
use super::params::{require_public_client, Body, Params};
use crate::audit::ClientInfo;
use crate::secret::Secret;
use crate::service;
use crate::state::AppState;
use wire::ApiErrorBody;

/// The request, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RevocationRequest {
    /// An access token or a refresh token.
    token: String,
    /// `access_token` or `refresh_token`: only a hint, both kinds are always looked for.
    token_type_hint: Option<String>,
    client_id: Option<String>,
}

/// RFC 7009 §2.1's `token_type_hint` values.
fn check_hint(params: &Params) -> Result<(), OAuthError> {
    match params.get("token_type_hint") {
        None | Some("access_token" | "refresh_token") => Ok(()),
        Some(_) => Err(OAuthError::UnsupportedTokenType),
    }
}

/// Revokes a token: 200 with an empty body, also for a token that is unknown, invalid or
/// already revoked (RFC 7009 §2.2), so the answer says nothing about the token.
#[utoipa::path(
    post,
    path = "/api/auth/revoke",
    tag = "oauth",
    request_body(
        content(
            (RevocationRequest = "application/x-www-form-urlencoded"),
            (RevocationRequest = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "revoked, or nothing to revoke"),
        (status = 400, description = "`invalid_request` or `unsupported_token_type`", body = OAuthErrorBody),
        (status = 401, description = "client authentication failed (`invalid_client`)", body = OAuthErrorBody),
        (status = 403, description = "a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = OAuthErrorBody),
        (status = 429, description = "too many requests that revoked nothing", body = OAuthErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    req: Request,
) -> Response {
    match revoke_presented(&state, &client, &headers, req).await {
        Ok(()) => with_pragma(StatusCode::OK.into_response()),
        Err(error) => error.into_response(),
    }
}

/// The JSON door of `service::revoke_token`, in RFC 7009's words.
async fn revoke_presented(
    state: &AppState,
    client: &ClientInfo,
    headers: &HeaderMap,
    req: Request,
) -> Result<(), OAuthError> {
    let params = Body::read(state, req).await?.into_params()?;
    require_public_client(headers, &params)?;
    let token = Secret::new(params.require("token")?);
    check_hint(&params)?;
    Ok(service::revoke_token(state, client, token).await?)
}
