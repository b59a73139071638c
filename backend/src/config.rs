//! Configuration from the environment (and `.env`), with safe defaults for local development.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rand::RngCore;

use super::secret::Secret;

/// Where the development defaults keep their files (the SQLite database, the dev JWT secret).
pub const DATA_DIR: &str = "data";

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    /// Verifies the HS256 tokens an older version issued (see `keys::Legacy`).
    pub jwt_secret: Secret,
    /// Seals the private signing keys in the database (`keys::seal`): `KEY_ENCRYPTION_KEY`,
    /// else `JWT_SECRET`, so that the development default needs nothing more.
    pub key_encryption_key: Secret,
    /// `iss` claim of every access token; tokens from another issuer are refused.
    pub issuer: String,
    pub access_token_ttl: i64,
    pub refresh_token_ttl: i64,
    pub session_idle_timeout: i64,
    /// Seconds during which a just-rotated refresh token is treated as a race between tabs
    /// rather than as theft.
    pub refresh_reuse_grace: i64,
    /// Extra origin accepted on state-changing requests besides the request's own host.
    pub public_origin: Option<String>,
    pub cookie_secure: bool,
    pub rate_limits: RateLimitMode,
    /// How often each process re-reads `revocation_events` when no notification wakes it.
    pub revocation_poll_interval_secs: u64,
    /// The resource server allowed to call RFC 7662 introspection; `None` turns it off.
    pub introspection_client: Option<IntrospectionClient>,
    /// The most sessions one user may have at once; a sign-in at the cap ends the least
    /// recently active one. `None`: no cap (`MAX_SESSIONS_PER_USER=0`).
    pub max_sessions_per_user: Option<u32>,
    /// Seconds after a password was entered during which the session may do what a
    /// stolen session must not (change credentials, delete the account, end other
    /// sessions, administer).
    pub reauth_window: i64,
    /// Where mail goes, and who it is from.
    pub mail: MailConfig,
    /// The app's address as a person's browser reaches it, for the links in mails:
    /// `PUBLIC_ORIGIN`, else `http://` and the address the server listens on.
    pub app_origin: String,
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// `MAIL_FROM`: the `From` of every mail.
    pub from: String,
    /// Seconds between two looks at the outbox when nothing wakes the worker.
    pub poll_interval_secs: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailTransport {
    /// `SMTP_URL`.
    Smtp(String),
    /// No `SMTP_URL`: `.eml` files in this directory (`data/mail/`), their subjects and
    /// links logged.
    Files(PathBuf),
    /// Mail is kept in the outbox and not sent (tests that do not look at it).
    Off,
}

/// A resource server's credential for the introspection endpoint (HTTP Basic).
#[derive(Clone, Debug)]
pub struct IntrospectionClient {
    pub id: String,
    pub secret: Secret,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitMode {
    On,
    Off,
}

impl Config {
    /// Reads the configuration. In development (`LEPTOS_ENV` unset or `DEV`) a missing
    /// `JWT_SECRET` is generated once and kept under `data/`; elsewhere it is required.
    pub fn from_env() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        let development = std::env::var("LEPTOS_ENV")
            .map(|v| v.eq_ignore_ascii_case("DEV"))
            .unwrap_or(true);
        let data_dir = PathBuf::from(DATA_DIR);

        let database_url = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => url,
            _ => format!("sqlite://{}/signout.db?mode=rwc", DATA_DIR),
        };
        let jwt_secret = match std::env::var("JWT_SECRET") {
            Ok(s) if s.len() >= 32 => Secret::new(s),
            Ok(_) => bail!("JWT_SECRET must be at least 32 characters long"),
            Err(_) if development => development_secret(&data_dir)?,
            Err(_) => bail!("JWT_SECRET is required outside development (LEPTOS_ENV=PROD)"),
        };
        let key_encryption_key = match std::env::var("KEY_ENCRYPTION_KEY") {
            Ok(s) if s.len() >= 32 => Secret::new(s),
            Ok(s) if !s.is_empty() => {
                bail!("KEY_ENCRYPTION_KEY must be at least 32 characters long")
            }
            _ => jwt_secret.clone(),
        };
        Ok(Self {
            database_url,
            jwt_secret,
            key_encryption_key,
            issuer: env_or("JWT_ISSUER", "signout")?,
            access_token_ttl: env_seconds("ACCESS_TOKEN_TTL", 15 * 60)?,
            refresh_token_ttl: env_seconds("REFRESH_TOKEN_TTL", 30 * 24 * 3600)?,
            session_idle_timeout: env_seconds("SESSION_IDLE_TIMEOUT", 7 * 24 * 3600)?,
            refresh_reuse_grace: env_seconds("REFRESH_REUSE_GRACE", 10)?,
            public_origin: std::env::var("PUBLIC_ORIGIN")
                .ok()
                .map(|o| o.trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty()),
            cookie_secure: env_flag("COOKIE_SECURE", true)?,
            rate_limits: if env_flag("RATE_LIMITS", true)? {
                RateLimitMode::On
            } else {
                RateLimitMode::Off
            },
            revocation_poll_interval_secs: env_seconds("REVOCATION_POLL_INTERVAL", 2)? as u64,
            introspection_client: introspection_client()?,
            max_sessions_per_user: session_cap()?,
            reauth_window: env_seconds("REAUTH_WINDOW", DEFAULT_REAUTH_WINDOW)?,
            mail: MailConfig {
                transport: match std::env::var("SMTP_URL") {
                    Ok(url) if !url.trim().is_empty() => MailTransport::Smtp(url.trim().to_owned()),
                    _ => MailTransport::Files(data_dir.join("mail")),
                },
                from: env_or("MAIL_FROM", DEFAULT_MAIL_FROM)?,
                poll_interval_secs: 2,
            },
            app_origin: app_origin(),
        })
    }

    /// A configuration for tests and tools: everything explicit, nothing read from the
    /// environment.
    pub fn for_tests(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            jwt_secret: Secret::new("test-secret-that-is-long-enough-for-hs256"),
            key_encryption_key: Secret::new("test-key-encryption-key-long-enough"),
            issuer: "signout".into(),
            access_token_ttl: 15 * 60,
            refresh_token_ttl: 30 * 24 * 3600,
            session_idle_timeout: 7 * 24 * 3600,
            refresh_reuse_grace: 10,
            public_origin: None,
            cookie_secure: true,
            rate_limits: RateLimitMode::On,
            revocation_poll_interval_secs: 1,
            introspection_client: None,
            max_sessions_per_user: Some(DEFAULT_MAX_SESSIONS_PER_USER),
            reauth_window: DEFAULT_REAUTH_WINDOW,
            mail: MailConfig {
                transport: MailTransport::Off,
                from: DEFAULT_MAIL_FROM.into(),
                poll_interval_secs: 1,
            },
            app_origin: "http://127.0.0.1:3000".into(),
        }
    }
}

impl Config {
    /// The auth cookies' names: prefixed when they are Secure (`authn::CookieNames`).
    pub fn cookie_names(&self) -> crate::authn::CookieNames {
        crate::authn::CookieNames::for_secure_cookies(self.cookie_secure)
    }
}

/// `INTROSPECTION_SECRET` turns introspection on, for the client `INTROSPECTION_CLIENT_ID`.
fn introspection_client() -> anyhow::Result<Option<IntrospectionClient>> {
    match std::env::var("INTROSPECTION_SECRET") {
        Err(_) => Ok(None),
        Ok(secret) => match weak_secret(&secret) {
            None => Ok(Some(IntrospectionClient {
                id: env_or("INTROSPECTION_CLIENT_ID", "resource-server")?,
                secret: Secret::new(secret),
            })),
            Some(why) => bail!(
                "INTROSPECTION_SECRET {why}; make one with `openssl rand -base64 32` \
                 or `openssl rand -hex 32`"
            ),
        },
    }
}

/// Why a shared secret is too weak to guard an endpoint, if it is: fewer than 32
/// characters; fewer than 128 bits for a random string of its alphabet (hex digits count 4
/// bits each, letters and digits about 6, other printable characters about 6.6); or a
/// string so repetitive that the Shannon entropy of its characters totals under 96 bits
/// (blanks, one repeated character, short repeated patterns). `openssl rand -hex 16` (32
/// hex digits) passes, and so do `-hex 32` and `-base64 32`.
pub fn weak_secret(secret: &str) -> Option<&'static str> {
    const MIN_CHARS: usize = 32;
    const MIN_BITS: f64 = 128.0;
    const MIN_SHANNON_BITS: f64 = 96.0;
    let length = secret.chars().count();
    if length < MIN_CHARS {
        return Some("must be at least 32 characters long");
    }
    let bits_per_char = if secret.chars().all(|c| c.is_ascii_hexdigit()) {
        4.0
    } else if secret
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+/=-_".contains(c))
    {
        6.0
    } else {
        95f64.log2()
    };
    let mut counts = std::collections::HashMap::new();
    for c in secret.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let shannon_per_char: f64 = counts
        .values()
        .map(|&n| {
            let p = n as f64 / length as f64;
            -p * p.log2()
        })
        .sum();
    let too_few = bits_per_char * (length as f64) < MIN_BITS;
    let repetitive = shannon_per_char * (length as f64) < MIN_SHANNON_BITS;
    (too_few || repetitive)
        .then_some("is too predictable: it needs at least 128 bits of randomness")
}

fn env_or(name: &str, default: &str) -> anyhow::Result<String> {
    Ok(std::env::var(name).unwrap_or_else(|_| default.to_owned()))
}

pub const DEFAULT_MAX_SESSIONS_PER_USER: u32 = 50;
pub const DEFAULT_MAIL_FROM: &str = "Signout <signout@localhost>";

/// `PUBLIC_ORIGIN`, else the plain-http address the server listens on.
fn app_origin() -> String {
    if let Some(public) = std::env::var("PUBLIC_ORIGIN")
        .ok()
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
    {
        return public;
    }
    let addr = std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    format!("http://{addr}")
}
pub const DEFAULT_REAUTH_WINDOW: i64 = 600;

/// `MAX_SESSIONS_PER_USER`: a whole number; 0 turns the cap off.
fn session_cap() -> anyhow::Result<Option<u32>> {
    let Ok(raw) = std::env::var("MAX_SESSIONS_PER_USER") else {
        return Ok(Some(DEFAULT_MAX_SESSIONS_PER_USER));
    };
    let cap: u32 = raw.trim().parse().with_context(|| {
        format!("MAX_SESSIONS_PER_USER must be a whole number (0: no cap), got {raw:?}")
    })?;
    Ok((cap > 0).then_some(cap))
}

fn env_seconds(name: &str, default: i64) -> anyhow::Result<i64> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(raw) => {
            let value: i64 = raw.trim().parse().with_context(|| {
                format!("{name} must be a whole number of seconds, got {raw:?}")
            })?;
            if value <= 0 {
                bail!("{name} must be positive, got {value}");
            }
            Ok(value)
        }
    }
}

fn env_flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(raw) => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok(true),
            "0" | "false" | "off" | "no" => Ok(false),
            _ => bail!("{name} must be on or off, got {raw:?}"),
        },
    }
}

/// Development convenience: a random secret generated on first start and reused after,
/// so that signing in survives a restart of `cargo leptos watch`.
fn development_secret(data_dir: &Path) -> anyhow::Result<Secret> {
    let path = data_dir.join("dev-jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(Secret::new(existing));
        }
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(&path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "JWT_SECRET is not set: generated a development secret. Set JWT_SECRET in production."
    );
    Ok(Secret::new(secret))
}

#[cfg(test)]
mod tests {
    use super::weak_secret;

    #[test]
    fn weak_introspection_secrets_are_refused() {
        for weak in [
            " ".repeat(40),
            "a".repeat(64),
            "ab".repeat(32),
            "short".into(),
        ] {
            assert!(weak_secret(&weak).is_some(), "{weak:?}");
        }
        // 32 random hex digits: exactly 128 bits.
        assert_eq!(weak_secret("9f86d081884c7d659a2feaa0c55ad015"), None);
        for strong in [
            "introspection-secret-for-the-tests-0123",
            "3f9c2a7e1b8d4c6f0a5e9b2d7c1f4a8e6b3d9c2f7a1e5b8d4c0f6a9e2b7d3c1f",
            "q8Zr4Kp1Lm7Xw2Nc9Vb6Ts3Hj0Fy5Gd8",
        ] {
            assert_eq!(weak_secret(strong), None, "{strong}");
        }
    }
}
