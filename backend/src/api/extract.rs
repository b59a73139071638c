//! Request extractors that turn every kind of bad input into an `ApiError` with a clear
//! message, instead of axum's plain-text rejections.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, StatusCode};
use serde::de::DeserializeOwned;

use crate::audit::{ClientInfo, ClientKind};
use crate::authn::{authenticate, Authenticated, Presented};
use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body. An empty body is read as `T::default()` when `OPTIONAL` is true, so that
/// `POST /api/auth/logout` with no body at all is fine.
pub struct JsonBody<T, const OPTIONAL: bool = false>(pub T);

pub type OptionalJson<T> = JsonBody<T, true>;

impl<S, T, const OPTIONAL: bool> FromRequest<S> for JsonBody<T, OPTIONAL>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = content_type(req.headers())
            .is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"));
        let has_content_type = req.headers().contains_key(header::CONTENT_TYPE);
        let bytes = read_body(req, state).await?;
        if bytes.is_empty() && OPTIONAL {
            return Ok(Self(T::default()));
        }
        if !is_json && (has_content_type || !OPTIONAL) {
            return Err(ApiError::UnsupportedMediaType);
        }
        parse_json(&bytes).map(Self)
    }
}

pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::MalformedBody("the body could not be read".into())
        }
    })
}

/// The body as `T`. A body that names a key twice in one object is refused, whatever
/// `T` is: serde_json keeps the last of them, so `{"token": real, "token": bogus}` would
/// be read as something other than what a reader of the first key sees.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // First, before the typed read names a repeated field its own way. A syntax error is
    // left to the typed read, which describes it.
    if let Err(e) = serde_json::from_slice::<NoRepeatedKeys>(bytes) {
        if e.classify() == serde_json::error::Category::Data {
            return Err(ApiError::RepeatedKey);
        }
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedBody(describe_json_error(&e)))
}

/// Reads any JSON value, and fails on an object that has a key twice.
struct NoRepeatedKeys;

impl<'de> serde::Deserialize<'de> for NoRepeatedKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoRepeatedKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for NoRepeatedKeys {
    type Value = NoRepeatedKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoRepeatedKeys>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom("a key is repeated"));
            }
            map.next_value::<NoRepeatedKeys>()?;
        }
        Ok(self)
    }
}

/// serde's message without the echo of user input it sometimes carries.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => {
            format!("invalid JSON at line {} column {}", e.line(), e.column())
        }
        Category::Data => {
            let text = e.to_string();
            let text = text.split(" at line").next().unwrap_or("wrong field types");
            text.chars().take(200).collect()
        }
        Category::Io => "the body could not be read".into(),
    }
}

pub fn content_type(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get(header::CONTENT_TYPE)?.to_str().ok().map(|v| {
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    })
}

impl ClientInfo {
    /// Who sent this request, as far as the server can tell. Both doors read it here.
    pub fn of_request(parts: &Parts) -> Self {
        // The peer address, not X-Forwarded-For: a header any client can forge must not
        // decide rate limits. Behind a proxy, the proxy's address is what we see.
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        ClientInfo {
            ip,
            user_agent,
            kind: ClientKind::Browser,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientInfo::of_request(parts))
    }
}

impl FromRequestParts<AppState> for Presented {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Presented::from_headers(
            &parts.headers,
            state.config.cookie_names(),
        ))
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, &parts.headers)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_json;
    use crate::error::ApiError;
    use serde_json::Value;

    #[test]
    fn a_key_named_twice_in_any_object_is_refused() {
        for body in [
            r#"{"token":"real","token":"bogus"}"#,
            r#"{"email":"x","password":"p","email":"y"}"#,
            r#"{"outer":{"a":1,"a":2}}"#,
            r#"[{"a":1},{"b":1,"b":1}]"#,
        ] {
            assert!(
                matches!(
                    parse_json::<Value>(body.as_bytes()),
                    Err(ApiError::RepeatedKey)
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn the_same_key_in_different_objects_is_fine() {
        for body in [
            r#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#,
            r#"{"token":"t","token_type_hint":"access_token"}"#,
            r#"[]"#,
        ] {
            assert!(parse_json::<Value>(body.as_bytes()).is_ok(), "{body}");
        }
    }
}
