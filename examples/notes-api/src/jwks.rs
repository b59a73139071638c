//! The auth server's public keys (its JWKS), cached. A token that names a key we do not
//! know makes us fetch the set again (the server publishes a new key ~30 s before it signs
//! with it), at most once per 10 s and by one request at a time, so that tokens with made-up
//! `kid`s cannot turn this service into a flood of requests to the auth server.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

pub const REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// A public key and the one algorithm it may verify. Pinning the algorithm to the key, not
/// to the token's header, is what stops `alg: none`, HS256-with-the-public-key and
/// cross-algorithm tricks.
#[derive(Clone)]
pub struct VerifyingKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// The usable keys of one JWKS document, by `kid`.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, VerifyingKey>,
}

impl KeySet {
    /// Parses a JWKS document. Keys this service cannot use (other types or curves,
    /// encryption keys, no `kid`) are skipped rather than fatal: a set may hold keys for
    /// other purposes, and one odd key must not stop us verifying with the others.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }
        let document: Document = serde_json::from_str(json)?;
        let keys = document
            .keys
            .into_iter()
            .filter_map(|raw| serde_json::from_value::<Jwk>(raw).ok())
            .filter_map(|jwk| verifying_key(&jwk))
            .collect();
        Ok(Self { keys })
    }

    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The auth server signs with Ed25519 (EdDSA) or P-256 (ES256); nothing else is accepted.
fn verifying_key(jwk: &Jwk) -> Option<(String, VerifyingKey)> {
    let kid = jwk.common.key_id.clone()?;
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return None;
    }
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        // RSA, other curves, and "oct" (a shared secret has no place in a public JWKS).
        _ => return None,
    };
    // A key that names its algorithm must name the one its type implies.
    let named = jwk.common.key_algorithm;
    let consistent = match named {
        None => true,
        Some(KeyAlgorithm::EdDSA) => algorithm == Algorithm::EdDSA,
        Some(KeyAlgorithm::ES256) => algorithm == Algorithm::ES256,
        Some(_) => false,
    };
    if !consistent {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, VerifyingKey { algorithm, key }))
}

/// What a key lookup found.
pub enum KeyLookup {
    Found(VerifyingKey),
    /// Not in a set fetched just now (or within the last 10 s).
    Unknown,
    /// The key is not cached and the auth server could not be asked: a SET should be
    /// retried later rather than refused for good.
    Unreachable,
}

/// The cached key set and the means to fetch it again.
pub struct Jwks {
    url: String,
    http: reqwest::Client,
    current: RwLock<Arc<KeySet>>,
    /// When the last fetch started and whether it worked; holding this lock *is* the
    /// single flight.
    last_fetch: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

impl Jwks {
    /// Fetches the set once, at start: without keys nothing can be verified.
    pub async fn fetch(url: String, http: reqwest::Client) -> anyhow::Result<Self> {
        let keys = download(&http, &url).await?;
        tracing::info!(keys = keys.len(), %url, "fetched the auth server's keys");
        Ok(Self {
            url,
            http,
            current: RwLock::new(Arc::new(keys)),
            last_fetch: tokio::sync::Mutex::new(Some((Instant::now(), true))),
        })
    }

    /// A cache that holds `keys` (for tests; refetches go to an unreachable URL).
    pub fn with_keys(keys: KeySet) -> Self {
        Self {
            url: "http://127.0.0.1:9/.well-known/jwks.json".into(),
            http: reqwest::Client::new(),
            current: RwLock::new(Arc::new(keys)),
            last_fetch: tokio::sync::Mutex::new(Some((Instant::now(), true))),
        }
    }

    pub async fn key(&self, kid: &str) -> KeyLookup {
        if let Some(key) = self.cached(kid) {
            return KeyLookup::Found(key);
        }
        let mut last_fetch = self.last_fetch.lock().await;
        // Another request may have fetched the new set while this one waited for the lock.
        if let Some(key) = self.cached(kid) {
            return KeyLookup::Found(key);
        }
        if let Some((at, worked)) = *last_fetch {
            if at.elapsed() < REFETCH_INTERVAL {
                return if worked {
                    KeyLookup::Unknown
                } else {
                    KeyLookup::Unreachable
                };
            }
        }
        let fetched = download(&self.http, &self.url).await;
        *last_fetch = Some((Instant::now(), fetched.is_ok()));
        match fetched {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "fetched the auth server's keys again");
                let found = keys.get(kid).cloned();
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
                found.map_or(KeyLookup::Unknown, KeyLookup::Found)
            }
            Err(err) => {
                tracing::warn!("the auth server's keys could not be fetched: {err:#}");
                KeyLookup::Unreachable
            }
        }
    }

    fn cached(&self, kid: &str) -> Option<VerifyingKey> {
        let keys = self.current.read().unwrap_or_else(|e| e.into_inner());
        keys.get(kid).cloned()
    }
}

async fn download(http: &reqwest::Client, url: &str) -> anyhow::Result<KeySet> {
    let body = http
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let keys = KeySet::parse(&body)?;
    anyhow::ensure!(
        !keys.is_empty(),
        "the JWKS at {url} has no EdDSA or ES256 key"
    );
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn okp_and_ec_keys_are_read_with_their_algorithm() {
        let set = json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA", "use": "sig",
             "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "EC", "crv": "P-256", "kid": "ec", "alg": "ES256", "use": "sig",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
        ]});
        let keys = KeySet::parse(&set.to_string()).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.get("ed").unwrap().algorithm, Algorithm::EdDSA);
        assert_eq!(keys.get("ec").unwrap().algorithm, Algorithm::ES256);
    }

    #[test]
    fn keys_this_service_must_not_use_are_skipped_not_fatal() {
        let x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let set = json!({"keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "OKP", "crv": "Ed25519", "x": x},
            {"kty": "OKP", "crv": "Ed25519", "kid": "lies", "alg": "ES256", "x": x},
            {"kty": "OKP", "crv": "Ed25519", "kid": "enc", "use": "enc", "x": x},
            {"kty": "EC", "crv": "P-384", "kid": "p384", "x": x, "y": x},
            {"kty": "weird", "kid": "weird"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "good", "x": x},
        ]});
        let keys = KeySet::parse(&set.to_string()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.get("good").unwrap().algorithm, Algorithm::EdDSA);
        assert!(KeySet::parse("{\"nokeys\": []}").is_err());
    }
}
