//! Who is calling: the access token from `Authorization: Bearer` or the `access_token`
//! cookie, verified and checked against the revocation view. No database query.

use axum::http::{header, HeaderMap};

use super::error::ApiError;
use super::secret::Secret;
use super::state::AppState;
use super::tokens::AccessClaims;

pub const ACCESS_COOKIE: &str = "access_token";
pub const REFRESH_COOKIE: &str = "refresh_token";
pub use wire::SIGNOUT_PENDING_COOKIE;

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

/// The credentials a request carries, read once from its headers: what every service is
/// given instead of the request itself, whichever door the request came through.
#[derive(Clone, Default)]
pub struct Presented {
    bearer: Option<String>,
    access_cookie: Option<String>,
    refresh_cookie: Option<String>,
    sign_out_pending: bool,
}

impl Presented {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            bearer: bearer_token(headers),
            access_cookie: cookie_value(headers, ACCESS_COOKIE),
            refresh_cookie: cookie_value(headers, REFRESH_COOKIE),
            sign_out_pending: sign_out_pending(headers),
        }
    }

    /// The raw access token, bearer header first. Sign-out uses this one: it must be able
    /// to name the session it ends even while a sign-out is pending.
    pub fn access_token(&self) -> Option<&str> {
        self.bearer.as_deref().or(self.access_cookie.as_deref())
    }

    /// The access token that may authenticate: a pending sign-out voids the cookie.
    fn authenticating_token(&self) -> Option<&str> {
        let cookie = self
            .access_cookie
            .as_deref()
            .filter(|_| !self.sign_out_pending);
        self.bearer.as_deref().or(cookie)
    }

    /// The refresh cookie, which ends with the session it names even while a sign-out is
    /// pending.
    pub fn refresh_cookie(&self) -> Option<Secret> {
        self.refresh_cookie.clone().map(Secret::new)
    }

    /// The refresh cookie, unless a sign-out is pending: a browser whose sign-out has not
    /// reached us must not be signed back in by it.
    pub fn refresh_cookie_to_continue(&self) -> Option<Secret> {
        self.refresh_cookie().filter(|_| !self.sign_out_pending)
    }

    /// Whether this browser's own sign-out is waiting to reach the server.
    pub fn sign_out_pending(&self) -> bool {
        self.sign_out_pending
    }
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presented")
            .field("bearer", &self.bearer.as_ref().map(|_| "[redacted]"))
            .field(
                "access_cookie",
                &self.access_cookie.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "refresh_cookie",
                &self.refresh_cookie.as_ref().map(|_| "[redacted]"),
            )
            .field("sign_out_pending", &self.sign_out_pending)
            .finish()
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

fn sign_out_pending(headers: &HeaderMap) -> bool {
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
    authenticate_presented(state, &Presented::from_headers(headers))
}

/// Authenticates what a caller presented (see `authenticate`).
pub fn authenticate_presented(
    state: &AppState,
    presented: &Presented,
) -> Result<Authenticated, ApiError> {
    let token = presented
        .authenticating_token()
        .ok_or(ApiError::Unauthenticated)?;
    let claims = state
        .keys
        .verify(token, state.clock.now())
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
