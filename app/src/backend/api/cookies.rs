//! The two auth cookies, set and cleared with exactly the same name, Path and attributes:
//! a clearing cookie that differs in Path or domain leaves the original in place.

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

use crate::backend::authn::{ACCESS_COOKIE, REFRESH_COOKIE, SIGNOUT_PENDING_COOKIE};
use crate::backend::config::Config;
use crate::backend::secret::Secret;

/// The refresh cookie goes only to the auth endpoints that need it.
const REFRESH_COOKIE_PATH: &str = "/api/auth";

fn access_cookie(config: &Config, value: String) -> Cookie<'static> {
    Cookie::build((ACCESS_COOKIE, value))
        .http_only(true)
        .secure(config.cookie_secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(Duration::seconds(config.access_token_ttl))
        .build()
}

fn refresh_cookie(config: &Config, value: String) -> Cookie<'static> {
    Cookie::build((REFRESH_COOKIE, value))
        .http_only(true)
        .secure(config.cookie_secure)
        .same_site(SameSite::Strict)
        .path(REFRESH_COOKIE_PATH)
        .max_age(Duration::seconds(config.refresh_token_ttl))
        .build()
}

fn append(headers: &mut HeaderMap, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.append(header::SET_COOKIE, value);
    }
}

pub fn set_access(headers: &mut HeaderMap, config: &Config, token: &Secret) {
    append(headers, &access_cookie(config, token.expose().to_owned()));
}

pub fn set_refresh(headers: &mut HeaderMap, config: &Config, token: &Secret) {
    append(headers, &refresh_cookie(config, token.expose().to_owned()));
}

/// Clears both cookies: same attributes, empty value, `Max-Age=0`, `Expires` in the past.
pub fn clear_both(headers: &mut HeaderMap, config: &Config) {
    for mut cookie in [
        access_cookie(config, String::new()),
        refresh_cookie(config, String::new()),
    ] {
        cookie.make_removal();
        append(headers, &cookie);
    }
}

/// Clears the client's "sign-out pending" marker once the sign-out has reached us. The
/// attributes are those the client sets it with (`auth/browser.rs`).
pub fn clear_sign_out_pending(headers: &mut HeaderMap) {
    let mut cookie = Cookie::build((SIGNOUT_PENDING_COOKIE, ""))
        .same_site(SameSite::Strict)
        .path("/")
        .build();
    cookie.make_removal();
    append(headers, &cookie);
}

/// The headers of every answer that signs this browser out: both cookies cleared, and
/// `Clear-Site-Data` so the browser drops its caches and web storage too.
pub fn sign_browser_out(headers: &mut HeaderMap, config: &Config) {
    clear_both(headers, config);
    headers.insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
}
