//! The two auth cookies, set and cleared with exactly the same name, Path and attributes:
//! a clearing cookie that differs in Path or domain leaves the original in place.

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

use crate::authn::{CookieNames, SIGNOUT_PENDING_COOKIE};
use crate::config::Config;
use crate::secret::Secret;
use crate::service::CookieChange;
use wire::{Flash, Notice};

/// The refresh cookie goes only to the auth endpoints that need it.
const REFRESH_COOKIE_PATH: &str = "/api/auth";

fn access_cookie(config: &Config, value: String) -> Cookie<'static> {
    access_cookie_named(config, config.cookie_names().access, value)
}

fn access_cookie_named(config: &Config, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .secure(config.cookie_secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(Duration::seconds(config.access_token_ttl))
        .build()
}

fn refresh_cookie(config: &Config, value: String) -> Cookie<'static> {
    refresh_cookie_named(config, config.cookie_names().refresh, value)
}

fn refresh_cookie_named(config: &Config, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
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
/// With Secure cookies, the unprefixed names that this server used before it prefixed them
/// are cleared too (`authn::CookieNames::LEGACY`), so that a browser signed in before the
/// upgrade keeps no trace of its session.
pub fn clear_both(headers: &mut HeaderMap, config: &Config) {
    let names = config.cookie_names();
    let mut cookies = vec![
        access_cookie(config, String::new()),
        refresh_cookie(config, String::new()),
    ];
    if names != CookieNames::PLAIN_HTTP {
        let legacy = CookieNames::PLAIN_HTTP;
        cookies.push(access_cookie_named(config, legacy.access, String::new()));
        cookies.push(refresh_cookie_named(config, legacy.refresh, String::new()));
    }
    for mut cookie in cookies {
        cookie.make_removal();
        append(headers, &cookie);
    }
}

/// The "sign-out pending" marker, with the attributes the client sets it with
/// (`auth/browser.rs`): readable by scripts, so the client can retry and clear it.
fn sign_out_pending_cookie(config: &Config, value: &'static str) -> Cookie<'static> {
    Cookie::build((SIGNOUT_PENDING_COOKIE, value))
        .secure(config.cookie_secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(Duration::days(365))
        .build()
}

/// Marks this browser's sign-out as pending: its auth cookies count for nothing from now
/// on, and its next sign-in finishes the revocation (`api::auth::finish_pending_sign_out`).
pub fn set_sign_out_pending(headers: &mut HeaderMap, config: &Config) {
    append(headers, &sign_out_pending_cookie(config, "1"));
}

/// Clears the client's "sign-out pending" marker once the sign-out has reached us.
pub fn clear_sign_out_pending(headers: &mut HeaderMap, config: &Config) {
    let mut cookie = sign_out_pending_cookie(config, "");
    cookie.make_removal();
    append(headers, &cookie);
}

/// Writes an outcome's cookie changes as `Set-Cookie` headers, the same for both doors.
pub fn write(headers: &mut HeaderMap, config: &Config, changes: &[CookieChange]) {
    for change in changes {
        match change {
            CookieChange::SetAccess(token) => set_access(headers, config, token),
            CookieChange::SetRefresh(token) => set_refresh(headers, config, token),
            CookieChange::ClearAuth => clear_both(headers, config),
            CookieChange::ClearSignOutPending => clear_sign_out_pending(headers, config),
        }
    }
}

/// `Clear-Site-Data`, on every answer that signs this browser out: the browser drops its
/// caches and web storage too.
pub fn clear_site_data(headers: &mut HeaderMap) {
    headers.insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
}

/// The one-time notice for the page after a plain form post (the `app` crate's `web_door`).
const FLASH_COOKIE: &str = "flash";
/// The email of a failed plain sign-in or sign-up, so the form shows it again.
const FLASH_EMAIL_COOKIE: &str = "flash_email";
/// The device a plain "Revoke" signed out, so that its notice names it.
const FLASH_DEVICE_COOKIE: &str = "flash_device";
/// The display name of a failed plain sign-up, so the form shows it again.
const FLASH_DISPLAY_NAME_COOKIE: &str = "flash_display_name";
/// Long enough for the redirect that follows; the page that reads it clears it.
const FLASH_SECONDS: i64 = 60;

fn flash_cookie(config: &Config, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .secure(config.cookie_secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(Duration::seconds(FLASH_SECONDS))
        .build()
}

pub fn flash_notice(config: &Config, notice: Notice) -> Option<HeaderValue> {
    HeaderValue::from_str(&flash_cookie(config, FLASH_COOKIE, notice.code()).to_string()).ok()
}

pub fn flash_email(config: &Config, email: &str) -> Option<HeaderValue> {
    flash_text(config, FLASH_EMAIL_COOKIE, email)
}

pub fn flash_display_name(config: &Config, name: &str) -> Option<HeaderValue> {
    flash_text(config, FLASH_DISPLAY_NAME_COOKIE, name)
}

pub fn flash_device(config: &Config, device: &str) -> Option<HeaderValue> {
    flash_text(config, FLASH_DEVICE_COOKIE, device)
}

/// Free text in a cookie: base64url, since it may hold spaces, `;` or `,`.
fn flash_text(config: &Config, name: &'static str, text: &str) -> Option<HeaderValue> {
    use base64::Engine;
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    HeaderValue::from_str(&flash_cookie(config, name, value).to_string()).ok()
}

/// What the last plain form post left for this page, if anything.
pub fn read_flash(headers: &HeaderMap) -> Flash {
    use base64::Engine;
    let value = |name| crate::authn::cookie_value(headers, name).filter(|v| !v.is_empty());
    let text = |name| {
        value(name)
            .and_then(|v| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(v)
                    .ok()
            })
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|text| !text.chars().any(char::is_control))
    };
    Flash {
        notice: value(FLASH_COOKIE).and_then(|code| Notice::from_code(&code)),
        email: text(FLASH_EMAIL_COOKIE),
        // A device label is at most a few dozen characters; a longer one is not ours.
        device: text(FLASH_DEVICE_COOKIE).filter(|device| device.chars().count() <= 80),
        // Whatever was typed, refused or not, within reason for a cookie.
        display_name: text(FLASH_DISPLAY_NAME_COOKIE).filter(|name| name.chars().count() <= 200),
    }
}

/// A flash is shown once: the page that read it clears it.
pub fn clear_flash(headers: &mut HeaderMap, config: &Config) {
    for name in [
        FLASH_COOKIE,
        FLASH_EMAIL_COOKIE,
        FLASH_DEVICE_COOKIE,
        FLASH_DISPLAY_NAME_COOKIE,
    ] {
        let mut cookie = flash_cookie(config, name, String::new());
        cookie.make_removal();
        append(headers, &cookie);
    }
}
