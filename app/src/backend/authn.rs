//! Who is calling: the access token from `Authorization: Bearer` or the `access_token`
//! cookie, verified and checked against the revocation view. No database query.

use axum::http::{header, HeaderMap};

use super::error::ApiError;
use super::state::AppState;
use super::tokens::AccessClaims;

pub const ACCESS_COOKIE: &str = "access_token";
pub const REFRESH_COOKIE: &str = "refresh_token";
/// Set by the web client (not HttpOnly, not secret) when a sign-out could not reach the
/// server. While it is present the browser's auth cookies count for nothing, so a reload
/// cannot sign the user back in through cookies whose revocation is still pending.
pub const SIGNOUT_PENDING_COOKIE: &str = "signout_pending";

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

/// The raw access token the request carries, bearer header first. Sign-out uses this one:
/// it must be able to name the session it ends even while a sign-out is pending.
pub fn presented_access_token(headers: &HeaderMap) -> Option<String> {
    bearer_token(headers).or_else(|| cookie_value(headers, ACCESS_COOKIE))
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Whether the browser's own sign-out is waiting to reach the server.
pub fn sign_out_pending(headers: &HeaderMap) -> bool {
    cookie_value(headers, SIGNOUT_PENDING_COOKIE).is_some()
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
    let cookie = || {
        (!sign_out_pending(headers))
            .then(|| cookie_value(headers, ACCESS_COOKIE))
            .flatten()
    };
    let token = bearer_token(headers)
        .or_else(cookie)
        .ok_or(ApiError::Unauthenticated)?;
    let claims = state
        .keys
        .verify(&token, state.clock.now())
        .map_err(|_| ApiError::Unauthenticated)?;
    if !state.revocations.allows(&claims) {
        return Err(ApiError::Unauthenticated);
    }
    record_activity(state, &claims.sid);
    Ok(Authenticated { claims })
}

/// Keeps "last active" and the idle deadline current: at most one write per session per
/// minute, spawned so that the request never waits for it.
fn record_activity(state: &AppState, session_id: &str) {
    let now = state.clock.now();
    if !state.activity.should_write(session_id, now) {
        return;
    }
    let (db, policy, session_id) = (
        state.db.clone(),
        state.session_policy(),
        session_id.to_owned(),
    );
    tokio::spawn(async move {
        if let Err(err) = super::sessions::touch(&db, &session_id, policy, now).await {
            tracing::warn!(error = %err, "could not record session activity");
        }
    });
}
