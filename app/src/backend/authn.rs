//! Who is calling: the access token from `Authorization: Bearer` or the `access_token`
//! cookie, verified and checked against the revocation view. No database query.

use axum::http::{header, HeaderMap};

use super::error::ApiError;
use super::state::AppState;
use super::tokens::AccessClaims;

pub const ACCESS_COOKIE: &str = "access_token";
pub const REFRESH_COOKIE: &str = "refresh_token";

/// A caller whose access token is valid right now.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub claims: AccessClaims,
}

impl Authenticated {
    pub fn user_id(&self) -> &str {
        &self.claims.sub
    }

    pub fn session_id(&self) -> &str {
        &self.claims.sid
    }
}

/// The raw access token the request carries, bearer header first.
pub fn presented_access_token(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let mut parts = value.splitn(2, ' ');
        if let (Some(scheme), Some(token)) = (parts.next(), parts.next()) {
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
                return Some(token.trim().to_owned());
            }
        }
    }
    cookie_value(headers, ACCESS_COOKIE)
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// Authenticates a request: signature, algorithm, issuer, expiry, then revocation.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
    let token = presented_access_token(headers).ok_or(ApiError::Unauthenticated)?;
    let claims = state
        .keys
        .verify(&token, state.clock.now())
        .map_err(|_| ApiError::Unauthenticated)?;
    if !state.revocations.allows(&claims) {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Authenticated { claims })
}
