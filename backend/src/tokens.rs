//! Access tokens (JWTs signed with the keys of `keys`) and refresh tokens (opaque random strings stored as hashes).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jsonwebtoken::{Algorithm, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::clock::UnixTime;
use super::config::Config;
use super::db::{Db, Dialect};
use super::keys::{self, seal::Sealer, Jwks, KeySet};
use super::secret::Secret;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// User id.
    pub sub: String,
    /// Session id: revoking the session kills every access token that names it.
    pub sid: String,
    /// The user's token version at issue time: bumping it kills every token of the user.
    pub ver: i64,
    /// Unique token id, for the deny-list of single sign-outs.
    pub jti: String,
    pub iat: UnixTime,
    pub exp: UnixTime,
    pub iss: String,
}

/// How many verified tokens each process remembers (a few MiB at most).
const VERIFIED_CAPACITY: usize = 10_000;

/// The keys of this process (see `keys`): signs with the current one, verifies with every
/// published one, and with `JWT_SECRET`'s HS256 only the tokens an older version issued.
pub struct TokenKeys {
    set: RwLock<Arc<KeySet>>,
    /// Tokens whose signature was verified, with their claims: a client sends the same
    /// token on every request for its lifetime, and an Ed25519 check costs tens of
    /// microseconds where a lookup costs well under one. Only the signature and the
    /// parsing are remembered; expiry and revocation are checked on every request.
    /// A read lock on the hot path: concurrent requests look up in parallel.
    verified: RwLock<HashMap<Box<str>, AccessClaims>>,
    sealer: Sealer,
    legacy_secret: Secret,
    /// One per algorithm: jsonwebtoken checks that every algorithm a `Validation` allows
    /// is of the key's family.
    eddsa: Validation,
    es256: Validation,
    legacy: Validation,
    issuer: String,
    access_ttl: i64,
}

/// Why a presented access token was refused. Never shown in detail to the client.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenRejection {
    Malformed,
    Expired,
}

impl TokenKeys {
    /// Loads the keys every process shares, making the first one if there is none.
    pub async fn load(
        db: &Db,
        dialect: Dialect,
        config: &Config,
        now: UnixTime,
    ) -> anyhow::Result<Self> {
        let sealer = Sealer::new(&config.key_encryption_key);
        keys::store::ensure_first(db, dialect, &sealer, now).await?;
        let stored = keys::store::load(db).await?;
        Self::from_stored(stored, sealer, config, now)
    }

    /// Builds the keys from rows already read (`load`, and the unit tests).
    pub fn from_stored(
        stored: keys::store::Stored,
        sealer: Sealer,
        config: &Config,
        now: UnixTime,
    ) -> anyhow::Result<Self> {
        let set = KeySet::build(
            stored,
            &sealer,
            &config.jwt_secret,
            config.access_token_ttl,
            now,
        )?;
        let validation = |algorithm: Algorithm| {
            // Only this algorithm: jsonwebtoken refuses any other header `alg` (including
            // "none").
            let mut validation = Validation::new(algorithm);
            validation.set_issuer(&[&config.issuer]);
            validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
            // Expiry is checked against our own clock (see `verify`), so tests can move
            // time.
            validation.validate_exp = false;
            validation.leeway = 0;
            validation
        };
        Ok(Self {
            set: RwLock::new(Arc::new(set)),
            verified: RwLock::default(),
            sealer,
            legacy_secret: config.jwt_secret.clone(),
            eddsa: validation(Algorithm::EdDSA),
            es256: validation(Algorithm::ES256),
            legacy: validation(Algorithm::HS256),
            issuer: config.issuer.clone(),
            access_ttl: config.access_token_ttl,
        })
    }

    /// Re-reads the stored keys: a rotation made by another process (or by `server keys
    /// rotate`) reaches this one. On failure the keys held so far stay.
    pub async fn reload(&self, db: &Db, now: UnixTime) -> anyhow::Result<()> {
        let stored = keys::store::load(db).await?;
        let set = KeySet::build(
            stored,
            &self.sealer,
            &self.legacy_secret,
            self.access_ttl,
            now,
        )?;
        let withdrawn = {
            let held = self.current();
            held.verifiers
                .keys()
                .any(|kid| !set.verifiers.contains_key(kid))
        };
        if let Ok(mut current) = self.set.write() {
            *current = Arc::new(set);
        }
        if withdrawn {
            // A key gone before its tokens expired (deleted by hand, say): what it signed
            // must not keep verifying from memory.
            if let Ok(mut verified) = self.verified.write() {
                verified.clear();
            }
        }
        Ok(())
    }

    fn current(&self) -> Arc<KeySet> {
        match self.set.read() {
            Ok(set) => set.clone(),
            // Only a panic while swapping in a new set poisons the lock; the set inside is
            // still a whole one.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// What seals secrets at rest with `KEY_ENCRYPTION_KEY` (the private keys, and the
    /// `Authorization` header a push receiver gave).
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// The public keys, as `/.well-known/jwks.json` serves them.
    pub fn jwks(&self) -> Jwks {
        self.current().jwks.clone()
    }

    pub fn access_ttl(&self) -> i64 {
        self.access_ttl
    }

    /// Signs `claims` with the key current at `now`, with this `typ` in the header.
    fn sign(&self, typ: &str, claims: &impl Serialize, now: UnixTime) -> anyhow::Result<String> {
        let set = self.current();
        let signer = set
            .signer(now)
            .ok_or_else(|| anyhow::anyhow!("no signing key is active"))?;
        let mut header = Header::new(signer.alg.jwt());
        header.typ = Some(typ.to_owned());
        header.kid = Some(signer.kid.clone());
        signer.key.sign_compact(&header, claims)
    }

    /// A Security Event Token (RFC 8417), signed like the access tokens and told apart
    /// from them by its `typ` (RFC 8417 §2.3), so that neither can pass for the other.
    pub fn sign_security_event(
        &self,
        claims: &impl Serialize,
        now: UnixTime,
    ) -> anyhow::Result<String> {
        self.sign("secevent+jwt", claims, now)
    }

    /// Issues an access token valid for the configured lifetime, but never past
    /// `not_after` (the end of its session).
    pub fn issue(
        &self,
        user_id: &str,
        session_id: &str,
        version: i64,
        now: UnixTime,
        not_after: UnixTime,
    ) -> anyhow::Result<(Secret, AccessClaims)> {
        let claims = AccessClaims {
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            ver: version,
            jti: random_token(16),
            iat: now,
            exp: (now + self.access_ttl).min(not_after),
            iss: self.issuer.clone(),
        };
        let token = self.sign("JWT", &claims, now)?;
        Ok((Secret::new(token), claims))
    }

    /// Checks signature, algorithm, key, issuer and expiry. Revocation is checked
    /// separately by the `RevocationView`.
    pub fn verify(&self, token: &str, now: UnixTime) -> Result<AccessClaims, TokenRejection> {
        let claims = self.decode(token).ok_or(TokenRejection::Malformed)?;
        if claims.exp <= now {
            return Err(TokenRejection::Expired);
        }
        Ok(claims)
    }

    /// Like `verify` but accepts an expired token. Used only by sign-out, so that a client
    /// whose access token just expired can still name the session it is leaving.
    pub fn verify_ignoring_expiry(&self, token: &str) -> Option<AccessClaims> {
        self.decode(token)
    }

    fn decode(&self, token: &str) -> Option<AccessClaims> {
        // (A poisoned lock only skips the memory: the token is verified as if new.)
        if let Some(claims) = self
            .verified
            .read()
            .ok()
            .and_then(|v| v.get(token).cloned())
        {
            return Some(claims);
        }
        let claims = self.decode_uncached(token)?;
        if let Ok(mut verified) = self.verified.write() {
            // Bounded: emptied when full (its tokens are simply verified again), rather
            // than an eviction order to maintain on every request.
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
            verified.insert(token.into(), claims.clone());
        }
        Some(claims)
    }

    fn decode_uncached(&self, token: &str) -> Option<AccessClaims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        // A security event is signed with the same keys; its `typ` says it is no token.
        if header.typ.as_deref().is_some_and(|t| t != "JWT") {
            return None;
        }
        let set = self.current();
        if header.alg == Algorithm::HS256 {
            let legacy = set.legacy.as_ref()?;
            let claims = jsonwebtoken::decode::<AccessClaims>(token, &legacy.key, &self.legacy)
                .ok()?
                .claims;
            let made_before_the_switch =
                claims.iat < legacy.issued_before && claims.exp <= legacy.until;
            return made_before_the_switch.then_some(claims);
        }
        // A token names its key; one that names none, or one not (or no longer)
        // published, or a key of another algorithm than its header says, is refused.
        let verifier = set.verifiers.get(header.kid.as_deref()?)?;
        let validation = match (verifier.alg, header.alg) {
            (Algorithm::EdDSA, Algorithm::EdDSA) => &self.eddsa,
            (Algorithm::ES256, Algorithm::ES256) => &self.es256,
            _ => return None,
        };
        jsonwebtoken::decode::<AccessClaims>(token, &verifier.key, validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// `bytes` random bytes from the OS, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A fresh refresh token: 256 random bits.
pub fn new_refresh_token() -> Secret {
    Secret::new(random_token(32))
}

/// The only form in which a refresh token is stored.
pub fn hash_refresh_token(token: &Secret) -> String {
    let digest = Sha256::digest(token.expose().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::keys::material::{self, KeyAlg};
    use super::keys::store::{Stored, StoredKey};
    use super::*;

    const SINCE: UnixTime = 500;

    fn key(sealer: &Sealer, alg: KeyAlg) -> StoredKey {
        let key = material::generate(alg).unwrap();
        StoredKey {
            alg,
            sealed: sealer.seal(&key.jwk.kid, &key.pkcs8).unwrap(),
            jwk: key.jwk,
            activates_at: 0,
            retired_at: None,
        }
    }

    fn keys_with(issuer: &str, alg: KeyAlg) -> TokenKeys {
        let mut config = Config::for_tests("sqlite::memory:");
        config.issuer = issuer.into();
        config.access_token_ttl = 900;
        let sealer = Sealer::new(&config.key_encryption_key);
        let stored = Stored {
            keys: vec![key(&sealer, alg)],
            hs256_issued_before: Some(SINCE + keys::LEGACY_GRACE),
        };
        TokenKeys::from_stored(stored, sealer, &config, 1_000).unwrap()
    }

    fn keys() -> TokenKeys {
        keys_with("signout", KeyAlg::EdDsa)
    }

    fn header_of(token: &str) -> Header {
        jsonwebtoken::decode_header(token).unwrap()
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        for alg in [KeyAlg::EdDsa, KeyAlg::Es256] {
            let keys = keys_with("signout", alg);
            let (token, claims) = keys.issue("u1", "s1", 3, 1_000, i64::MAX).unwrap();
            assert_eq!(header_of(token.expose()).alg, alg.jwt());
            assert_eq!(keys.verify(token.expose(), 1_000 + 899).unwrap(), claims);
            assert_eq!(
                keys.verify(token.expose(), 1_000 + 900),
                Err(TokenRejection::Expired)
            );
        }
    }

    #[test]
    fn a_token_never_outlives_its_session() {
        let (_, claims) = keys().issue("u1", "s1", 0, 1_000, 1_060).unwrap();
        assert_eq!(claims.exp, 1_060);
    }

    #[test]
    fn tokens_signed_with_another_key_or_issuer_are_refused() {
        let (token, _) = keys().issue("u1", "s1", 0, 1_000, i64::MAX).unwrap();
        assert_eq!(
            keys().verify(token.expose(), 1_000),
            Err(TokenRejection::Malformed),
            "another key set, and so an unknown kid"
        );
        let other_issuer = keys_with("elsewhere", KeyAlg::EdDsa);
        let (token, _) = other_issuer.issue("u1", "s1", 0, 1_000, i64::MAX).unwrap();
        assert!(other_issuer.verify(token.expose(), 1_000).is_ok());
        let ours = keys();
        assert_eq!(
            ours.verify(token.expose(), 1_000),
            Err(TokenRejection::Malformed)
        );
    }

    #[test]
    fn a_token_naming_no_key_or_the_wrong_algorithm_is_refused() {
        let keys = keys();
        let (token, _) = keys.issue("u1", "s1", 0, 1_000, i64::MAX).unwrap();
        let parts: Vec<&str> = token.expose().split('.').collect();
        let with_header = |header: serde_json::Value| {
            let encoded =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string());
            format!("{encoded}.{}.{}", parts[1], parts[2])
        };
        let kid = header_of(token.expose()).kid.unwrap();
        for header in [
            serde_json::json!({"alg": "EdDSA", "typ": "JWT"}),
            serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": "unknown"}),
            serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": kid}),
            serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid}),
        ] {
            let forged = with_header(header.clone());
            assert_eq!(
                keys.verify(&forged, 1_000),
                Err(TokenRejection::Malformed),
                "{header}"
            );
        }
    }

    #[test]
    fn hs256_verifies_only_what_an_older_version_issued_and_only_until_it_expired() {
        let config = Config::for_tests("sqlite::memory:");
        let keys = keys();
        let hs256 = |iat: UnixTime| {
            let claims = AccessClaims {
                sub: "u1".into(),
                sid: "s1".into(),
                ver: 0,
                jti: "j".into(),
                iat,
                exp: iat + 900,
                iss: "signout".into(),
            };
            let secret =
                jsonwebtoken::EncodingKey::from_secret(config.jwt_secret.expose().as_bytes());
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap()
        };
        let before_the_switch = hs256(SINCE - 10);
        assert!(keys.verify(&before_the_switch, SINCE + 100).is_ok());
        let after_the_grace = hs256(SINCE + keys::LEGACY_GRACE);
        assert_eq!(
            keys.verify(&after_the_grace, SINCE + keys::LEGACY_GRACE + 1),
            Err(TokenRejection::Malformed)
        );
    }

    #[test]
    fn a_security_event_says_so_in_its_header_and_is_no_access_token() {
        let keys = keys();
        let set = serde_json::json!({"iss": "signout", "jti": "x", "iat": 1_000, "events": {}});
        let token = keys.sign_security_event(&set, 1_000).unwrap();
        let header = header_of(&token);
        assert_eq!(header.typ.as_deref(), Some("secevent+jwt"));
        assert!(header.kid.is_some());
        assert!(keys.verify(&token, 1_000).is_err());
    }

    #[test]
    fn refresh_tokens_are_256_bits_and_hash_to_hex() {
        let token = new_refresh_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(token.expose()).unwrap().len(), 32);
        let hash = hash_refresh_token(&token);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, token.expose());
    }
}
