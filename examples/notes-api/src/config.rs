//! Settings from the environment, checked once at start: a typo stops the service with a
//! clear message (exit code 2) instead of leaving it running without revocation signals.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// How the auth server's Security Event Tokens (SETs) reach this service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// RFC 8935: the auth server POSTs each SET to our `/ssf/events` as it happens.
    Push,
    /// RFC 8936: we ask for SETs. Without an interval, one long poll after another (the auth
    /// server answers as soon as an event exists); with one, a short poll every `interval`,
    /// for proxies that cut long requests.
    Poll { interval: Option<Duration> },
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The auth server's base URL as this service reaches it, without a trailing `/`.
    pub signout_url: String,
    /// Printed by `server ssf add-receiver NAME`; authorizes our stream management calls.
    pub receiver_secret: Secret,
    pub listen_addr: SocketAddr,
    /// How the auth server reaches us (the push endpoint is `{public_url}/ssf/events`).
    pub public_url: String,
    pub delivery: Delivery,
    /// The `iss` of access tokens (the auth server's `JWT_ISSUER`).
    pub access_token_issuer: String,
    /// The receiver's NAME given to `add-receiver`: the `aud` of every SET meant for us.
    pub receiver_name: String,
}

/// A configuration problem, worded for the operator.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `get` (the environment, or a map in tests). Blank values
    /// count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &str, hint: &str| {
            get(name).ok_or_else(|| ConfigError(format!("{name} is required: {hint}")))
        };

        let signout_url = http_url(
            "SIGNOUT_URL",
            &required(
                "SIGNOUT_URL",
                "the auth server's URL, e.g. http://127.0.0.1:3000",
            )?,
        )?;
        let receiver_secret = Secret::new(required(
            "SSF_RECEIVER_SECRET",
            "the secret printed by `server ssf add-receiver NAME`",
        )?);
        let listen_addr = get("NOTES_ADDR")
            .unwrap_or_else(|| "127.0.0.1:4000".into())
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError("NOTES_ADDR must be IP:PORT, e.g. 127.0.0.1:4000".into()))?;
        let public_url = match get("NOTES_PUBLIC_URL") {
            Some(url) => http_url("NOTES_PUBLIC_URL", &url)?,
            None => format!("http://{listen_addr}"),
        };
        let interval = match get("SSF_POLL_INTERVAL_MS") {
            None => None,
            Some(ms) => match ms.parse::<u64>() {
                Ok(ms) if ms > 0 => Some(Duration::from_millis(ms)),
                _ => {
                    return Err(ConfigError(format!(
                        "SSF_POLL_INTERVAL_MS must be a positive number of milliseconds, got {ms:?}"
                    )))
                }
            },
        };
        let delivery = match get("SSF_DELIVERY").as_deref() {
            None | Some("push") if interval.is_some() => {
                return Err(ConfigError(
                    "SSF_POLL_INTERVAL_MS is only used with SSF_DELIVERY=poll".into(),
                ))
            }
            None | Some("push") => Delivery::Push,
            Some("poll") => Delivery::Poll { interval },
            Some(other) => {
                return Err(ConfigError(format!(
                    "SSF_DELIVERY must be push or poll, got {other:?}"
                )))
            }
        };
        Ok(Self {
            signout_url,
            receiver_secret,
            listen_addr,
            public_url,
            delivery,
            access_token_issuer: get("ACCESS_TOKEN_ISSUER").unwrap_or_else(|| "signout".into()),
            receiver_name: get("SSF_RECEIVER_NAME").unwrap_or_else(|| "notes-api".into()),
        })
    }
}

/// An absolute http(s) URL, returned without its trailing `/`.
fn http_url(name: &str, raw: &str) -> Result<String, ConfigError> {
    match reqwest::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            Ok(raw.trim_end_matches('/').to_owned())
        }
        _ => Err(ConfigError(format!(
            "{name} must be an http:// or https:// URL, got {raw:?}"
        ))),
    }
}

/// A bearer secret: never printed, compared in constant time.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A fresh random secret (256 bits, base64url), e.g. for our push endpoint.
    pub fn random() -> Self {
        use base64::Engine;
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret, in time that does not depend on where they differ
    /// (an early exit would let an attacker guess the secret byte by byte).
    pub fn matches(&self, candidate: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| env.get(name).cloned())
    }

    const MINIMAL: [(&str, &str); 2] = [
        ("SIGNOUT_URL", "http://127.0.0.1:3000/"),
        ("SSF_RECEIVER_SECRET", "s3cret"),
    ];

    #[test]
    fn the_defaults_listen_on_port_4000_and_receive_by_push() {
        let config = config(&MINIMAL).unwrap();
        assert_eq!(config.signout_url, "http://127.0.0.1:3000");
        assert_eq!(config.public_url, "http://127.0.0.1:4000");
        assert_eq!(config.delivery, Delivery::Push);
        assert_eq!(config.access_token_issuer, "signout");
        assert_eq!(config.receiver_name, "notes-api");
        assert_eq!(format!("{:?}", config.receiver_secret), "[redacted]");
    }

    #[test]
    fn bad_settings_are_named_in_the_error() {
        let with = |extra: (&str, &str)| {
            let mut pairs = MINIMAL.to_vec();
            pairs.push(extra);
            config(&pairs).unwrap_err().0
        };
        assert!(config(&MINIMAL[..1])
            .unwrap_err()
            .0
            .contains("SSF_RECEIVER_SECRET"));
        assert!(with(("SIGNOUT_URL", "127.0.0.1:3000")).contains("SIGNOUT_URL"));
        assert!(with(("SSF_DELIVERY", "webhook")).contains("SSF_DELIVERY"));
        assert!(with(("NOTES_ADDR", "localhost")).contains("NOTES_ADDR"));
        assert!(with(("SSF_POLL_INTERVAL_MS", "500")).contains("only used with"));
    }

    #[test]
    fn a_secret_matches_only_itself() {
        let secret = Secret::new("Bearer abc");
        assert!(secret.matches("Bearer abc"));
        assert!(!secret.matches("Bearer abd"));
        assert!(!secret.matches("Bearer ab"));
        assert_ne!(Secret::random().expose(), Secret::random().expose());
    }
}
