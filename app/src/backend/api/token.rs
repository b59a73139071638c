//! `POST /api/auth/token`: the token API for clients that are not browsers. Tokens travel
//! in JSON; errors follow OAuth 2.0 (`invalid_grant`, 400).

use axum::extract::{Request, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::extract::{content_type, parse_json, read_body};
use crate::backend::audit::{ClientInfo, ClientKind};
use crate::backend::error::{ApiError, ApiResult};
use crate::backend::rate_limit::REFRESH_PER_IP;
use crate::backend::secret::Secret;
use crate::backend::signin::{self, IssuedTokens, Refreshed};
use crate::backend::state::AppState;

#[derive(Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
enum Grant {
    Password { email: String, password: String },
    RefreshToken { refresh_token: String },
}

#[derive(Serialize)]
pub struct TokenResponse {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: i64,
}

/// Accepts JSON or `application/x-www-form-urlencoded`, as OAuth clients send either.
async fn read_grant(state: &AppState, req: Request) -> ApiResult<Grant> {
    let form =
        content_type(req.headers()).is_some_and(|ct| ct == "application/x-www-form-urlencoded");
    let bytes = read_body(req, state).await?;
    let value: serde_json::Value = if form {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect()
            })
            .map_err(|_| ApiError::MalformedBody("invalid form encoding".into()))?
    } else {
        parse_json(&bytes)?
    };
    match value.get("grant_type").and_then(|g| g.as_str()) {
        Some("password" | "refresh_token") => serde_json::from_value(value)
            .map_err(|e| ApiError::MalformedBody(e.to_string().chars().take(200).collect())),
        _ => Err(ApiError::UnsupportedGrantType),
    }
}

pub async fn token(
    State(state): State<AppState>,
    mut client: ClientInfo,
    req: Request,
) -> ApiResult<Json<TokenResponse>> {
    // Sessions started here are API sessions: no refresh grace, ever.
    client.kind = ClientKind::Api;
    let tokens = match read_grant(&state, req).await? {
        Grant::Password { email, password } => {
            match signin::sign_in(&state, &email, Secret::new(password), &client).await {
                Err(ApiError::InvalidCredentials) => return Err(ApiError::InvalidGrant),
                other => other?,
            }
        }
        Grant::RefreshToken { refresh_token } => {
            let ip = client.ip.clone().unwrap_or_default();
            state.rate_limit(REFRESH_PER_IP, &ip)?;
            // No grace window: an API client holds one token, so a second use is a copy.
            match signin::refresh(&state, &Secret::new(refresh_token), false, &client).await? {
                Refreshed::Tokens(tokens) => *tokens,
                Refreshed::Refused | Refreshed::Expired => return Err(ApiError::InvalidGrant),
            }
        }
    };
    Ok(Json(token_response(&state, tokens)?))
}

fn token_response(state: &AppState, tokens: IssuedTokens) -> ApiResult<TokenResponse> {
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
