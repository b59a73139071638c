//! The parameters of an OAuth request (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1):
//! form-encoded, or a flat JSON object of strings for clients of the JSON API. Each
//! parameter at most once; one sent without a value counts as omitted (RFC 6749 §3.1).

use std::collections::HashMap;

use axum::extract::Request;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::error::OAuthError;
use crate::api::extract::{content_type, parse_json, read_body};
use crate::error::ApiError;
use crate::state::AppState;

/// A request body as it came: the token endpoint reads JSON the way it always has.
pub enum Body {
    Form(Params),
    Json(serde_json::Value),
}

impl Body {
    pub async fn read(state: &AppState, req: Request) -> Result<Self, OAuthError> {
        let form =
            content_type(req.headers()).is_some_and(|ct| ct == "application/x-www-form-urlencoded");
        let bytes = read_body(req, state).await?;
        if form {
            Params::from_form(&bytes).map(Self::Form)
        } else {
            match parse_json(&bytes) {
                Ok(value) => Ok(Self::Json(value)),
                Err(ApiError::RepeatedKey) => Err(OAuthError::InvalidRequest(
                    "a parameter is given more than once".into(),
                )),
                Err(other) => Err(other.into()),
            }
        }
    }

    /// The parameters, whichever way they came. A JSON value that is not a string
    /// (a number, a list) is not a parameter value.
    pub fn into_params(self) -> Result<Params, OAuthError> {
        match self {
            Self::Form(params) => Ok(params),
            Self::Json(serde_json::Value::Object(map)) => map
                .into_iter()
                .map(|(name, value)| match value {
                    serde_json::Value::String(v) => Ok((name, v)),
                    serde_json::Value::Null => Ok((name, String::new())),
                    _ => Err(OAuthError::InvalidRequest(format!(
                        "the parameter {name} must be a string"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Params::new),
            Self::Json(_) => Err(OAuthError::InvalidRequest(
                "send the parameters form-encoded or as a JSON object".into(),
            )),
        }
    }
}

#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Pairs already checked for repetition (a JSON object cannot repeat a key).
    fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect())
    }

    pub fn from_form(bytes: &[u8]) -> Result<Self, OAuthError> {
        // The parser is lenient (it keeps `%ZZ` as text); a body that is not valid form
        // encoding is malformed, as invalid JSON is, not a request with odd values.
        let malformed = || ApiError::MalformedBody("the form encoding is invalid".into());
        if !is_form_encoding(bytes) {
            return Err(malformed().into());
        }
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(bytes).map_err(|_| malformed())?;
        let mut seen = std::collections::HashSet::new();
        if let Some((name, _)) = pairs.iter().find(|(name, _)| !seen.insert(name.as_str())) {
            return Err(OAuthError::InvalidRequest(format!(
                "the parameter {} is repeated",
                printable(name)
            )));
        }
        Ok(Self::new(pairs))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::InvalidRequest(format!("the parameter {name} is required")))
    }
}

/// UTF-8, and every `%` starts an escape of two hex digits.
fn is_form_encoding(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && bytes.iter().enumerate().all(|(i, &b)| {
            b != b'%'
                || bytes
                    .get(i + 1..i + 3)
                    .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        })
}

/// A parameter name echoed in an error: short, and nothing that is not plain text.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// Only public clients exist (`token_endpoint_auth_method: none`): a client may name
/// itself with `client_id`, but a client that tries to authenticate (a secret in the body,
/// or HTTP Basic with a secret) is one this server does not know: `invalid_client`, 401.
/// HTTP Basic with an empty secret is how some libraries send a public client's id
/// (RFC 6749 §2.3.1 lets a client omit an empty secret), so it passes.
pub fn require_public_client(headers: &HeaderMap, params: &Params) -> Result<(), OAuthError> {
    if params.get("client_secret").is_some() {
        return Err(OAuthError::InvalidClient);
    }
    match basic_credentials(headers) {
        None => Ok(()),
        Some(Some((_, secret))) if secret.is_empty() => Ok(()),
        Some(_) => Err(OAuthError::InvalidClient),
    }
}

/// `Authorization: Basic` credentials (RFC 6749 §2.3.1: each part form-encoded). `None`
/// without such a header; `Some(None)` when it is present but cannot be read.
pub fn basic_credentials(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    Some(decoded.and_then(|text| {
        let (id, secret) = text.split_once(':')?;
        Some((form_decode(id)?, form_decode(secret)?))
    }))
}

fn form_decode(part: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={part}")).ok()?;
    pairs
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .or(Some(String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_parameter_is_an_invalid_request() {
        let err = Params::from_form(b"grant_type=password&username=a&username=b").unwrap_err();
        assert!(
            matches!(err, OAuthError::InvalidRequest(ref m) if m.contains("username")),
            "{err:?}"
        );
    }

    #[test]
    fn a_body_that_is_not_form_encoding_is_malformed() {
        for body in [&b"email=%ZZ"[..], b"a=%4", b"a=\xff"] {
            let err = Params::from_form(body).unwrap_err();
            assert_eq!(err.code(), "malformed_body", "{body:?}");
        }
        assert!(Params::from_form(b"a=%41%2b&b=x+y").is_ok());
    }

    #[test]
    fn a_parameter_without_a_value_counts_as_omitted() {
        let params = Params::from_form(b"grant_type=password&scope=&username=a").unwrap();
        assert_eq!(params.get("scope"), None);
        assert!(params.require("scope").is_err());
        assert_eq!(params.require("username").unwrap(), "a");
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("my%20client:s%3Acret");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {encoded}").parse().unwrap(),
        );
        assert_eq!(
            basic_credentials(&headers),
            Some(Some(("my client".into(), "s:cret".into())))
        );
        headers.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_credentials(&headers), Some(None));
        headers.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(basic_credentials(&headers), None);
    }

    #[test]
    fn only_public_clients_pass() {
        let none = HeaderMap::new();
        let params = Params::from_form(b"client_id=cli").unwrap();
        assert!(require_public_client(&none, &params).is_ok());
        let with_secret = Params::from_form(b"client_id=cli&client_secret=x").unwrap();
        assert!(matches!(
            require_public_client(&none, &with_secret),
            Err(OAuthError::InvalidClient)
        ));
        let mut basic = HeaderMap::new();
        let empty_secret = STANDARD.encode("cli:");
        basic.insert(
            header::AUTHORIZATION,
            format!("Basic {empty_secret}").parse().unwrap(),
        );
        assert!(require_public_client(&basic, &Params::default()).is_ok());
        let real_secret = STANDARD.encode("cli:secret");
        basic.insert(
            header::AUTHORIZATION,
            format!("Basic {real_secret}").parse().unwrap(),
        );
        assert!(require_public_client(&basic, &Params::default()).is_err());
    }
}
