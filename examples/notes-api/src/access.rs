//! Access tokens, checked here without asking the auth server: the signature against its
//! JWKS, the claims, then this service's deny state. `Authenticated` is the extractor every
//! protected route takes; it refuses with 401 and an RFC 6750 challenge.

use std::collections::HashSet;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Validation};
use serde::Deserialize;
use serde_json::json;

use crate::jwks::{KeyLookup, VerifyingKey};
use crate::revoked::{Denied, MAX_TOKEN_LIFETIME};
use crate::{unix_now, AppState};

/// The claims the auth server puts in every access token. All are required: a token
/// without one of them was not made by it.
#[derive(Clone, Debug, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The session id: what a CAEP `session-revoked` names.
    pub sid: String,
    /// The user's token version; the auth server's own check, unused here.
    pub ver: i64,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// Why a token was refused: logged at debug level, never shown to the caller (all get the
/// same `invalid_token`, so a caller learns nothing about our keys or deny state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    UnknownKey,
    WrongAlgorithm,
    BadSignature,
    WrongIssuer,
    Expired,
    TooLongLived,
    Denied(Denied),
}

/// Checks the token's signature with `key` and its claims at `now`. The deny state is
/// checked by the caller.
pub fn verify_access_token(
    token: &str,
    key: &VerifyingKey,
    issuer: &str,
    now: i64,
) -> Result<AccessClaims, Refusal> {
    let header = decode_header(token).map_err(|_| Refusal::Malformed)?;
    if header.alg != key.algorithm {
        return Err(Refusal::WrongAlgorithm);
    }
    // Not a SET or any other kind of JWT the auth server signs with the same keys.
    if header
        .typ
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
    {
        return Err(Refusal::Malformed);
    }
    let mut validation = Validation::new(key.algorithm);
    validation.set_issuer(&[issuer]);
    // `exp` is checked below, against our `now` and without leeway; access tokens have no
    // `aud`.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::from(["iss".into(), "sub".into(), "exp".into()]);
    let claims = decode::<AccessClaims>(token, &key.key, &validation)
        .map_err(|err| match err.kind() {
            ErrorKind::InvalidSignature => Refusal::BadSignature,
            ErrorKind::InvalidAlgorithm => Refusal::WrongAlgorithm,
            ErrorKind::InvalidIssuer => Refusal::WrongIssuer,
            _ => Refusal::Malformed,
        })?
        .claims;
    if claims.exp <= now {
        return Err(Refusal::Expired);
    }
    // The deny state forgets entries after this long; a longer-lived token could outlive
    // the entry that revokes it.
    if claims.exp - claims.iat > MAX_TOKEN_LIFETIME {
        return Err(Refusal::TooLongLived);
    }
    Ok(claims)
}

/// A request with a valid, unrevoked access token.
pub struct Authenticated(pub AccessClaims);

/// Why a protected route answered without running.
pub enum AuthRejection {
    /// No `Authorization: Bearer` header: a challenge without an error code (RFC 6750 §3.1).
    Missing,
    Refused(Refusal),
    /// The signal stream is not set up yet: we cannot tell whether a token was revoked.
    NotReady,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !state.is_ready() {
            return Err(AuthRejection::NotReady);
        }
        let token = bearer_token(parts).ok_or(AuthRejection::Missing)?;
        let refused = |refusal: Refusal| {
            tracing::debug!(?refusal, "access token refused");
            AuthRejection::Refused(refusal)
        };
        let kid = decode_header(token)
            .ok()
            .and_then(|h| h.kid)
            .ok_or_else(|| refused(Refusal::Malformed))?;
        let key = match state.jwks.key(&kid).await {
            KeyLookup::Found(key) => key,
            KeyLookup::Unknown | KeyLookup::Unreachable => {
                return Err(refused(Refusal::UnknownKey))
            }
        };
        let claims = verify_access_token(token, &key, &state.access_token_issuer, unix_now())
            .map_err(refused)?;
        state
            .revocations()
            .check(&claims.sub, &claims.sid, claims.iat)
            .map_err(|denied| refused(Refusal::Denied(denied)))?;
        Ok(Self(claims))
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let (status, challenge, error) = match self {
            Self::Missing => (StatusCode::UNAUTHORIZED, Some("Bearer"), "missing_token"),
            Self::Refused(_) => (
                StatusCode::UNAUTHORIZED,
                Some("Bearer error=\"invalid_token\""),
                "invalid_token",
            ),
            Self::NotReady => (StatusCode::SERVICE_UNAVAILABLE, None, "not_ready"),
        };
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        let headers = response.headers_mut();
        if let Some(challenge) = challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        } else {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{ed25519, p256, sign};
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn claims() -> serde_json::Value {
        json!({"sub": "u1", "sid": "s1", "ver": 0, "jti": "j1", "iat": NOW - 10,
               "exp": NOW + 890, "iss": "signout"})
    }

    #[test]
    fn a_token_from_the_auth_server_is_accepted_with_either_key_type() {
        for key in [ed25519("k1"), p256("k2")] {
            let token = sign(&key, "JWT", &claims());
            let accepted = verify_access_token(&token, &key.verifying, "signout", NOW).unwrap();
            assert_eq!((accepted.sub.as_str(), accepted.sid.as_str()), ("u1", "s1"));
        }
    }

    #[test]
    fn wrong_issuer_expiry_missing_claims_and_foreign_keys_are_refused() {
        let key = ed25519("k1");
        let verify = |token: &str| verify_access_token(token, &key.verifying, "signout", NOW);
        let with = |field: &str, value: serde_json::Value| {
            let mut claims = claims();
            claims[field] = value;
            sign(&key, "JWT", &claims)
        };
        assert_eq!(
            verify(&with("iss", json!("evil"))).unwrap_err(),
            Refusal::WrongIssuer
        );
        assert_eq!(
            verify(&with("exp", json!(NOW))).unwrap_err(),
            Refusal::Expired
        );
        assert_eq!(
            verify(&with("exp", json!(NOW - 10 + MAX_TOKEN_LIFETIME + 1))).unwrap_err(),
            Refusal::TooLongLived
        );
        let mut no_sid = claims();
        no_sid.as_object_mut().unwrap().remove("sid");
        assert_eq!(
            verify(&sign(&key, "JWT", &no_sid)).unwrap_err(),
            Refusal::Malformed
        );
        assert_eq!(
            verify(&sign(&key, "secevent+jwt", &claims())).unwrap_err(),
            Refusal::Malformed
        );

        let other = ed25519("k1");
        assert_eq!(
            verify(&sign(&other, "JWT", &claims())).unwrap_err(),
            Refusal::BadSignature
        );
        let ec = p256("k1");
        assert_eq!(
            verify(&sign(&ec, "JWT", &claims())).unwrap_err(),
            Refusal::WrongAlgorithm
        );
    }

    #[test]
    fn alg_none_and_hs256_are_refused() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let key = ed25519("k1");
        let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
        let none = format!(
            "{}.{payload}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#)
        );
        assert_eq!(
            verify_access_token(&none, &key.verifying, "signout", NOW).unwrap_err(),
            Refusal::Malformed
        );
        let hs256 = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims(),
            &jsonwebtoken::EncodingKey::from_secret(b"the public key, as a secret"),
        )
        .unwrap();
        assert_eq!(
            verify_access_token(&hs256, &key.verifying, "signout", NOW).unwrap_err(),
            Refusal::WrongAlgorithm
        );
    }
}
