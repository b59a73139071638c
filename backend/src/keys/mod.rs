//! The keys that sign access tokens and security events, and the set of them a process
//! holds. Asymmetric (EdDSA or ES256), so that other services verify with the published
//! public keys (`/.well-known/jwks.json`) and cannot mint tokens.
//!
//! Lifecycle of a key (times are the database's rows, read by every process):
//! - stored: published and verifying at once;
//! - `activates_at`: signs from then on. A rotation puts this `ROTATION_LEAD` ahead, so
//!   every process (which reloads every `RELOAD_EVERY`) and every verifier that caches the
//!   JWKS knows a key before any token names it;
//! - `retired_at`: stops signing (when its successor activates), and verifies until its
//!   last token has expired: `access_ttl + RETIRED_MARGIN` later. Then it is deleted.
//!
//! HS256 tokens made before the first asymmetric key (by an older version, which ran if
//! there were sessions then) verify with `JWT_SECRET` until they expire, then HS256 is
//! gone (`Legacy`). On a new installation no HS256 token is ever accepted.

pub mod material;
pub mod seal;
pub mod store;

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Serialize;

use crate::clock::UnixTime;
use crate::secret::Secret;
use material::{KeyAlg, PublicJwk};
use seal::Sealer;
use store::Stored;

/// How often each process re-reads the keys.
pub const RELOAD_EVERY: Duration = Duration::from_secs(10);

/// How long after a rotation the new key starts signing: several reloads.
pub const ROTATION_LEAD: i64 = 60;

/// Margin for clocks that disagree between processes, on top of the access token lifetime,
/// before a retired key stops verifying.
pub const RETIRED_MARGIN: i64 = 120;

/// During a rolling upgrade, processes of the older version still issue HS256 tokens for
/// a while after the first asymmetric key exists: those issued this long after it verify
/// too.
pub const LEGACY_GRACE: i64 = 300;

/// The JWK Set (RFC 7517 §5) that `/.well-known/jwks.json` serves.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<PublicJwk>,
}

pub(crate) struct Signer {
    pub kid: String,
    pub alg: KeyAlg,
    pub key: material::SigningKey,
    activates_at: UnixTime,
    retired_at: Option<UnixTime>,
}

pub(crate) struct Verifier {
    pub alg: Algorithm,
    pub key: DecodingKey,
}

/// `JWT_SECRET`'s HS256, for the tokens an older version issued.
pub(crate) struct Legacy {
    pub key: DecodingKey,
    /// Only tokens issued before this verify.
    pub issued_before: UnixTime,
    /// From then on no HS256 token can be valid: the key is dropped.
    pub until: UnixTime,
}

/// The keys one process holds, built from the stored rows at one moment.
pub(crate) struct KeySet {
    signers: Vec<Signer>,
    pub verifiers: HashMap<String, Verifier>,
    pub legacy: Option<Legacy>,
    pub jwks: Jwks,
}

impl KeySet {
    pub fn build(
        stored: Stored,
        sealer: &Sealer,
        legacy_secret: &Secret,
        access_ttl: i64,
        now: UnixTime,
    ) -> anyhow::Result<Self> {
        let verifies_until = |retired_at: Option<UnixTime>| {
            retired_at.map_or(UnixTime::MAX, |r| r + access_ttl + RETIRED_MARGIN)
        };
        let mut signers = Vec::new();
        let mut verifiers = HashMap::new();
        let mut published = Vec::new();
        for key in stored.keys {
            if verifies_until(key.retired_at) <= now {
                continue;
            }
            if key.retired_at.is_none_or(|r| r > now) {
                let pkcs8 = sealer.open(&key.jwk.kid, &key.sealed)?;
                signers.push(Signer {
                    kid: key.jwk.kid.clone(),
                    alg: key.alg,
                    key: material::SigningKey::from_pkcs8(key.alg, &pkcs8)?,
                    activates_at: key.activates_at,
                    retired_at: key.retired_at,
                });
            }
            let verifier = Verifier {
                alg: key.alg.jwt(),
                key: key.jwk.decoding_key()?,
            };
            verifiers.insert(key.jwk.kid.clone(), verifier);
            published.push(key.jwk);
        }
        let legacy = stored
            .hs256_issued_before
            .map(|issued_before| Legacy {
                key: DecodingKey::from_secret(legacy_secret.expose().as_bytes()),
                issued_before,
                until: issued_before + access_ttl,
            })
            .filter(|legacy| legacy.until > now);
        Ok(Self {
            signers,
            verifiers,
            legacy,
            jwks: Jwks { keys: published },
        })
    }

    /// The key that signs at `now`: the latest activated one that is not retired. Keys are
    /// ordered by activation, so that is the last one active at `now`.
    pub fn signer(&self, now: UnixTime) -> Option<&Signer> {
        self.signers
            .iter()
            .rev()
            .find(|s| s.activates_at <= now && s.retired_at.is_none_or(|r| now < r))
            // Every key retired with no successor active yet (a clock behind the
            // rotator's): the newest activated one keeps signing rather than nothing.
            .or_else(|| self.signers.iter().rev().find(|s| s.activates_at <= now))
            // A clock behind the one that made the first key: that key, which every
            // process has held since it started.
            .or_else(|| self.signers.first())
    }
}

#[cfg(test)]
mod tests {
    use super::store::StoredKey;
    use super::*;

    fn stored(
        sealer: &Sealer,
        alg: KeyAlg,
        activates_at: UnixTime,
        retired_at: Option<UnixTime>,
    ) -> StoredKey {
        let key = material::generate(alg).unwrap();
        StoredKey {
            alg,
            sealed: sealer.seal(&key.jwk.kid, &key.pkcs8).unwrap(),
            jwk: key.jwk,
            activates_at,
            retired_at,
        }
    }

    #[test]
    fn a_rotation_publishes_first_signs_later_and_retires_after_the_last_token() {
        let sealer = Sealer::new(&Secret::new("s".repeat(40)));
        let ttl = 900;
        let old = stored(&sealer, KeyAlg::EdDsa, 0, Some(1_060));
        let new = stored(&sealer, KeyAlg::Es256, 1_060, None);
        let (old_kid, new_kid) = (old.jwk.kid.clone(), new.jwk.kid.clone());
        let build = |now| {
            let rows = Stored {
                keys: vec![old.clone(), new.clone()],
                hs256_issued_before: None,
            };
            KeySet::build(rows, &sealer, &Secret::new("h".repeat(40)), ttl, now).unwrap()
        };
        // Rotated at 1,000: both published, the old one still signs.
        let set = build(1_000);
        assert_eq!(set.jwks.keys.len(), 2);
        assert_eq!(set.signer(1_000).unwrap().kid, old_kid);
        assert_eq!(set.signer(1_059).unwrap().kid, old_kid);
        assert_eq!(set.signer(1_060).unwrap().kid, new_kid);
        // The old key verifies until its last token (signed just before 1,060) expired.
        let last_old_token_expiry = 1_060 + ttl;
        let set = build(last_old_token_expiry);
        assert!(set.verifiers.contains_key(&old_kid));
        let set = build(last_old_token_expiry + RETIRED_MARGIN);
        assert!(!set.verifiers.contains_key(&old_kid));
        assert_eq!(set.jwks.keys.len(), 1);
        assert_eq!(set.signer(last_old_token_expiry).unwrap().kid, new_kid);
    }

    #[test]
    fn hs256_goes_once_the_last_legacy_token_has_expired() {
        let sealer = Sealer::new(&Secret::new("s".repeat(40)));
        let build = |now| {
            let rows = Stored {
                keys: vec![stored(&sealer, KeyAlg::EdDsa, 5_000, None)],
                hs256_issued_before: Some(5_000 + LEGACY_GRACE),
            };
            KeySet::build(rows, &sealer, &Secret::new("h".repeat(40)), 900, now).unwrap()
        };
        let legacy = build(5_000).legacy.unwrap();
        assert_eq!(legacy.issued_before, 5_000 + LEGACY_GRACE);
        assert_eq!(legacy.until, 5_000 + LEGACY_GRACE + 900);
        assert!(build(5_000 + LEGACY_GRACE + 900).legacy.is_none());
    }

    #[test]
    fn a_key_that_does_not_open_is_an_error_not_a_silent_gap() {
        let sealer = Sealer::new(&Secret::new("s".repeat(40)));
        let other = Sealer::new(&Secret::new("o".repeat(40)));
        let rows = Stored {
            keys: vec![stored(&other, KeyAlg::EdDsa, 0, None)],
            hs256_issued_before: None,
        };
        let err = KeySet::build(rows, &sealer, &Secret::new("h".repeat(40)), 900, 10)
            .err()
            .unwrap();
        assert!(err.to_string().contains("KEY_ENCRYPTION_KEY"), "{err}");
    }
}
