//! Who is calling: the access token from `Authorization: Bearer` or the access cookie,
//! verified and checked against the revocation view. No database query.

use axum::http::{header, HeaderMap};

use super::error::ApiError;
use super::secret::Secret;
use super::state::AppState;
use super::tokens::AccessClaims;

pub use wire::SIGNOUT_PENDING_COOKIE;

/// The names of the two auth cookies. With Secure cookies they carry the prefixes that
/// browsers enforce against cookie tossing: `__Host-` for the access cookie (Secure,
/// `Path=/`, no `Domain`: no other host, not even a sibling subdomain, can set it) and
/// `__Secure-` for the refresh cookie, whose `Path=/api/auth` rules out `__Host-` (only a
/// secure origin can set it, though a sibling https subdomain still could, with a wider
/// `Domain`: `Presented` keeps every value for that). A cookie of the unprefixed name
/// then authenticates nothing; it is only ended and cleared by a sign-out (a browser
/// signed in before the names had prefixes). On plain-http hosts (`COOKIE_SECURE=false`),
/// where no prefix can be set, the plain names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookieNames {
    pub access: &'static str,
    pub refresh: &'static str,
}

impl CookieNames {
    pub const SECURE: Self = Self {
        access: "__Host-access_token",
        refresh: "__Secure-refresh_token",
    };
    pub const PLAIN_HTTP: Self = Self {
        access: "access_token",
        refresh: "refresh_token",
    };

    pub fn for_secure_cookies(secure: bool) -> Self {
        if secure {
            Self::SECURE
        } else {
            Self::PLAIN_HTTP
        }
    }
}

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
///
/// A browser can send two cookies of one name (one the site set, and one planted by
/// another host for a wider Domain or Path). Every distinct value is kept: a sign-out ends
/// the sessions of all of them; anything else is refused while they disagree
/// (`ApiError::ConflictingCookies`), rather than trusting whichever came first.
#[derive(Clone, Default)]
pub struct Presented {
    bearer: Option<String>,
    access_cookies: Vec<String>,
    refresh_cookies: Vec<String>,
    /// Cookies of the unprefixed names while the names are prefixed: ended by a sign-out,
    /// trusted for nothing else.
    legacy_access_cookies: Vec<String>,
    legacy_refresh_cookies: Vec<String>,
    sign_out_pending: bool,
}

impl Presented {
    pub fn from_headers(headers: &HeaderMap, names: CookieNames) -> Self {
        let mut presented = Self {
            bearer: bearer_token(headers),
            ..Self::default()
        };
        let legacy = (names != CookieNames::PLAIN_HTTP).then_some(CookieNames::PLAIN_HTTP);
        // One pass over the cookies, however many names are read.
        for (name, value) in cookie_pairs(headers) {
            let values = if name == names.access {
                &mut presented.access_cookies
            } else if name == names.refresh {
                &mut presented.refresh_cookies
            } else if legacy.is_some_and(|l| name == l.access) {
                &mut presented.legacy_access_cookies
            } else if legacy.is_some_and(|l| name == l.refresh) {
                &mut presented.legacy_refresh_cookies
            } else if name == SIGNOUT_PENDING_COOKIE {
                presented.sign_out_pending = true;
                continue;
            } else {
                continue;
            };
            if !values.contains(&value) {
                values.push(value);
            }
        }
        presented
    }

    /// Every access token presented: the bearer, and each access cookie. Sign-out uses
    /// these: it must be able to name the sessions it ends even while a sign-out is
    /// pending, and it ends all of them.
    pub fn access_tokens(&self) -> impl Iterator<Item = &str> {
        self.bearer
            .iter()
            .chain(&self.access_cookies)
            .chain(&self.legacy_access_cookies)
            .map(String::as_str)
    }

    /// The access token that may authenticate: the bearer, else the one access cookie. A
    /// pending sign-out voids the cookie; two cookies that disagree are refused.
    fn authenticating_token(&self) -> Result<Option<&str>, ApiError> {
        if let Some(bearer) = &self.bearer {
            return Ok(Some(bearer));
        }
        if self.sign_out_pending {
            return Ok(None);
        }
        match self.access_cookies.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(ApiError::ConflictingCookies),
        }
    }

    /// Every refresh cookie presented, which end with the sessions they name even while a
    /// sign-out is pending.
    pub fn refresh_cookies(&self) -> Vec<Secret> {
        self.refresh_cookies
            .iter()
            .chain(&self.legacy_refresh_cookies)
            .cloned()
            .map(Secret::new)
            .collect()
    }

    /// The refresh cookies of this server's current name (the legacy name trusted for
    /// nothing but a sign-out).
    pub fn current_refresh_cookies(&self) -> Vec<Secret> {
        self.refresh_cookies
            .iter()
            .cloned()
            .map(Secret::new)
            .collect()
    }

    /// The access cookies of this server's current name: with Secure cookies, `__Host-`
    /// ones, which no other host can have planted.
    pub fn current_access_cookies(&self) -> impl Iterator<Item = &str> {
        self.access_cookies.iter().map(String::as_str)
    }

    /// The refresh cookie that may continue a session: none while a sign-out is pending (a
    /// browser whose sign-out has not reached us must not be signed back in by it), and a
    /// refusal when two disagree.
    pub fn refresh_cookie_to_continue(&self) -> Result<Option<Secret>, ApiError> {
        if self.sign_out_pending {
            return Ok(None);
        }
        match self.refresh_cookies.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(Secret::new(one.clone()))),
            _ => Err(ApiError::ConflictingCookies),
        }
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
            .field("access_cookies", &self.access_cookies.len())
            .field("refresh_cookies", &self.refresh_cookies.len())
            .field("sign_out_pending", &self.sign_out_pending)
            .finish()
    }
}

/// The token of `Authorization: Bearer …` (the scheme in any case, RFC 7235 §2.1).
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Every non-empty cookie the request carries, as `(name, value)`, in the order sent.
fn cookie_pairs(headers: &HeaderMap) -> impl Iterator<Item = (String, String)> + '_ {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .filter(|c| !c.value().is_empty())
        .map(|c| (c.name().to_owned(), c.value().to_owned()))
}

/// The first non-empty value of the cookie `name` (for cookies that are not credentials:
/// the flash notices).
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie_pairs(headers).find_map(|(n, value)| (n == name).then_some(value))
}

/// Authenticates a request: signature, algorithm, issuer, expiry, then revocation.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
    let names = state.config.cookie_names();
    authenticate_presented(state, &Presented::from_headers(headers, names))
}

/// Authenticates what a caller presented (see `authenticate`).
pub fn authenticate_presented(
    state: &AppState,
    presented: &Presented,
) -> Result<Authenticated, ApiError> {
    let token = presented
        .authenticating_token()?
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
