//! Access tokens (HS256 JWTs) and refresh tokens (opaque random strings stored as hashes).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::clock::UnixTime;
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

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
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
    pub fn new(secret: &Secret, issuer: &str, access_ttl: i64) -> Self {
        // Only HS256 is accepted: jsonwebtoken refuses any header `alg` (including "none")
        // that is not in this list.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        // Expiry is checked against our own clock (see `verify`), so tests can move time.
        validation.validate_exp = false;
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            issuer: issuer.to_owned(),
            access_ttl,
        }
    }

    pub fn access_ttl(&self) -> i64 {
        self.access_ttl
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
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((Secret::new(token), claims))
    }

    /// Checks signature, algorithm, issuer and expiry. Revocation is checked separately by
    /// the `RevocationView`.
    pub fn verify(&self, token: &str, now: UnixTime) -> Result<AccessClaims, TokenRejection> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenRejection::Malformed)?;
        if data.claims.exp <= now {
            return Err(TokenRejection::Expired);
        }
        Ok(data.claims)
    }

    /// Like `verify` but accepts an expired token. Used only by sign-out, so that a client
    /// whose access token just expired can still name the session it is leaving.
    pub fn verify_ignoring_expiry(&self, token: &str) -> Option<AccessClaims> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
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
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&Secret::new("k".repeat(40)), "signout", 900)
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let keys = keys();
        let (token, claims) = keys.issue("u1", "s1", 3, 1_000, i64::MAX).unwrap();
        assert_eq!(keys.verify(token.expose(), 1_000 + 899).unwrap(), claims);
        assert_eq!(
            keys.verify(token.expose(), 1_000 + 900),
            Err(TokenRejection::Expired)
        );
    }

    #[test]
    fn a_token_never_outlives_its_session() {
        let (_, claims) = keys().issue("u1", "s1", 0, 1_000, 1_060).unwrap();
        assert_eq!(claims.exp, 1_060);
    }

    #[test]
    fn tokens_signed_with_another_key_or_issuer_are_refused() {
        let (token, _) = keys().issue("u1", "s1", 0, 1_000, i64::MAX).unwrap();
        let other = TokenKeys::new(&Secret::new("x".repeat(40)), "signout", 900);
        assert_eq!(
            other.verify(token.expose(), 1_000),
            Err(TokenRejection::Malformed)
        );
        let other_issuer = TokenKeys::new(&Secret::new("k".repeat(40)), "elsewhere", 900);
        assert_eq!(
            other_issuer.verify(token.expose(), 1_000),
            Err(TokenRejection::Malformed)
        );
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
