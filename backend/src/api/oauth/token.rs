//! `POST /api/auth/token` (RFC 6749 §4.3 and §6): the resource-owner password grant and
//! the refresh grant, for clients that are not browsers. Tokens travel in the JSON answer.
//!
//! Form-encoded requests follow RFC 6749 exactly (`username`, errors per §5.2). JSON
//! requests keep the contract this endpoint had before it spoke OAuth (`email`, and
//! `malformed_body` for a body that does not fit), which existing clients rely on.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{with_pragma, OAuthError, OAuthErrorBody};
use super::params::{require_public_client, Body, Params};
use crate::audit::ClientInfo;
use crate::error::ApiError;
use crate::secret::Secret;
use crate::service::{self, Grant};
use crate::signin::IssuedTokens;
use crate::state::AppState;
use wire::ApiErrorBody;

/// The JSON form of a grant, as this endpoint has always read it.
#[derive(Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
enum JsonGrant {
    Password {
        #[serde(alias = "username")]
        email: String,
        password: String,
    },
    RefreshToken {
        refresh_token: String,
    },
}

/// RFC 6749 §5.1's successful answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    access_token: String,
    refresh_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
}

/// The form of a token request, for the OpenAPI document (`email` may stand for
/// `username`; `client_id` and `scope` are accepted and not needed).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// `password` or `refresh_token`.
    grant_type: String,
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
}

fn grant_from_form(params: &Params) -> Result<Grant, OAuthError> {
    match params.require("grant_type")? {
        "password" => {
            let username = match (params.get("username"), params.get("email")) {
                (Some(u), Some(e)) if u != e => {
                    return Err(OAuthError::InvalidRequest(
                        "username and email name different accounts".into(),
                    ))
                }
                (Some(name), _) | (None, Some(name)) => name.to_owned(),
                (None, None) => params.require("username")?.to_owned(),
            };
            let password = Secret::new(params.require("password")?);
            Ok(Grant::Password { username, password })
        }
        "refresh_token" => Ok(Grant::RefreshToken(Secret::new(
            params.require("refresh_token")?,
        ))),
        _ => Err(OAuthError::UnsupportedGrantType),
    }
}

fn grant_from_json(value: serde_json::Value) -> Result<Grant, OAuthError> {
    match value.get("grant_type").and_then(|g| g.as_str()) {
        Some("password" | "refresh_token") => {}
        _ => return Err(OAuthError::UnsupportedGrantType),
    }
    let grant = serde_json::from_value(value)
        .map_err(|e| ApiError::MalformedBody(e.to_string().chars().take(200).collect()))?;
    Ok(match grant {
        JsonGrant::Password { email, password } => Grant::Password {
            username: email,
            password: Secret::new(password),
        },
        JsonGrant::RefreshToken { refresh_token } => {
            Grant::RefreshToken(Secret::new(refresh_token))
        }
    })
}

/// Issues tokens for a password or refresh grant.
#[utoipa::path(
    post,
    path = "/api/auth/token",
    tag = "oauth",
    request_body(
        content(
            (TokenRequest = "application/x-www-form-urlencoded"),
            (TokenRequest = "application/json"),
        ),
        description = "RFC 6749 §4.3.2 / §6; JSON with `email` is the original form",
    ),
    responses(
        (status = 200, description = "tokens issued", body = TokenResponse),
        (status = 400, description = "RFC 6749 §5.2 error", body = OAuthErrorBody),
        (status = 401, description = "client authentication failed (`invalid_client`)", body = OAuthErrorBody),
        (status = 403, description = "a disabled account (`account_disabled`), or a cross-origin browser request", body = ApiErrorBody),
        (status = 413, description = "body too large", body = OAuthErrorBody),
        (status = 429, description = "too many attempts", body = OAuthErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    req: Request,
) -> Response {
    match issue_for(&state, &client, &headers, req).await {
        Ok(tokens) => with_pragma(Json(tokens).into_response()),
        Err(error) => error.into_response(),
    }
}

/// The JSON door of `service::grant_tokens`, in RFC 6749's words.
async fn issue_for(
    state: &AppState,
    client: &ClientInfo,
    headers: &HeaderMap,
    req: Request,
) -> Result<TokenResponse, OAuthError> {
    let grant = match Body::read(state, req).await? {
        Body::Form(params) => {
            require_public_client(headers, &params)?;
            grant_from_form(&params)?
        }
        Body::Json(value) => {
            // A JSON body has no `client_secret` parameter, but HTTP Basic may still try.
            require_public_client(headers, &Params::default())?;
            grant_from_json(value)?
        }
    };
    match service::grant_tokens(state, client, grant).await {
        Ok(tokens) => token_response(state, tokens),
        Err(ApiError::InvalidCredentials | ApiError::InvalidRefreshToken) => {
            Err(OAuthError::InvalidGrant)
        }
        Err(other) => Err(other.into()),
    }
}

fn token_response(state: &AppState, tokens: IssuedTokens) -> Result<TokenResponse, OAuthError> {
    let refresh = tokens
        .refresh_token
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("token API issued no refresh token")))?;
    Ok(TokenResponse {
        access_token: tokens.access_token.expose().to_owned(),
        refresh_token: refresh.expose().to_owned(),
        token_type: "Bearer",
        expires_in: state.keys.access_ttl(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Result<Grant, OAuthError> {
        grant_from_form(&Params::from_form(body.as_bytes())?)
    }

    #[test]
    fn username_and_email_both_name_the_account() {
        for body in [
            "grant_type=password&username=a%40b.c&password=p",
            "grant_type=password&email=a%40b.c&password=p",
            "grant_type=password&username=a%40b.c&email=a%40b.c&password=p",
        ] {
            assert!(
                matches!(form(body), Ok(Grant::Password { ref username, .. }) if username == "a@b.c"),
                "{body}"
            );
        }
        assert!(matches!(
            form("grant_type=password&username=a&email=b&password=p"),
            Err(OAuthError::InvalidRequest(_))
        ));
    }

    #[test]
    fn form_requests_get_the_rfc_6749_codes() {
        let cases = [
            ("", "invalid_request"),
            ("grant_type=password&password=p", "invalid_request"),
            ("grant_type=password&username=a", "invalid_request"),
            ("grant_type=refresh_token", "invalid_request"),
            ("grant_type=client_credentials", "unsupported_grant_type"),
            (
                "grant_type=password&grant_type=password&username=a&password=p",
                "invalid_request",
            ),
        ];
        for (body, code) in cases {
            match form(body) {
                Err(e) => assert_eq!(e.code(), code, "{body}"),
                Ok(_) => panic!("{body} was accepted"),
            }
        }
    }
}
