//! Making a key pair, and the forms its halves take: the PKCS#8 document that signs (sealed
//! before it is stored), and the public JWK (RFC 7517) that verifies and is published.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The algorithms a signing key may use. EdDSA (Ed25519) by default: small, fast and
/// without a nonce to get wrong; ES256 for verifiers whose JWT library lacks EdDSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlg {
    EdDsa,
    Es256,
}

impl KeyAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "EdDSA" => Some(Self::EdDsa),
            "ES256" => Some(Self::Es256),
            _ => None,
        }
    }

    pub fn jwt(self) -> Algorithm {
        match self {
            Self::EdDsa => Algorithm::EdDSA,
            Self::Es256 => Algorithm::ES256,
        }
    }
}

/// A public key as RFC 7517 writes it (`OKP` for Ed25519 per RFC 8037, `EC` for P-256).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicJwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

impl PublicJwk {
    pub fn decoding_key(&self) -> anyhow::Result<DecodingKey> {
        Ok(match (self.kty.as_str(), &self.y) {
            ("OKP", None) => DecodingKey::from_ed_components(&self.x)?,
            ("EC", Some(y)) => DecodingKey::from_ec_components(&self.x, y)?,
            _ => anyhow::bail!("unsupported JWK {} / {}", self.kty, self.crv),
        })
    }
}

/// A new key pair: its PKCS#8 private document and its public JWK, whose `kid` is the
/// RFC 7638 thumbprint (so the id says which key it is, and no two keys share one).
pub struct NewKey {
    pub pkcs8: Vec<u8>,
    pub jwk: PublicJwk,
}

pub fn generate(alg: KeyAlg) -> anyhow::Result<NewKey> {
    let rng = SystemRandom::new();
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let failed = || anyhow::anyhow!("generating a {} key failed", alg.as_str());
    let (pkcs8, kty, crv, x, y) = match alg {
        KeyAlg::EdDsa => {
            let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| failed())?;
            let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|_| failed())?;
            let x = b64(pair.public_key().as_ref());
            (doc.as_ref().to_vec(), "OKP", "Ed25519", x, None)
        }
        KeyAlg::Es256 => {
            let signing = &ECDSA_P256_SHA256_FIXED_SIGNING;
            let doc = EcdsaKeyPair::generate_pkcs8(signing, &rng).map_err(|_| failed())?;
            let pair =
                EcdsaKeyPair::from_pkcs8(signing, doc.as_ref(), &rng).map_err(|_| failed())?;
            // The uncompressed point: 0x04, then x and y, 32 bytes each.
            let point = pair.public_key().as_ref();
            let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
            (doc.as_ref().to_vec(), "EC", "P-256", x, Some(y))
        }
    };
    let kid = thumbprint(kty, crv, &x, y.as_deref());
    Ok(NewKey {
        pkcs8,
        jwk: PublicJwk {
            kty: kty.into(),
            crv: crv.into(),
            x,
            y,
            kid,
            alg: alg.as_str().into(),
            use_: "sig".into(),
        },
    })
}

/// RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace.
fn thumbprint(kty: &str, crv: &str, x: &str, y: Option<&str>) -> String {
    let canonical = match y {
        Some(y) => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}","y":"{y}"}}"#),
        None => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}"}}"#),
    };
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// A private key, parsed once when the key set is built.
///
/// Why not jsonwebtoken's `EncodingKey`: it keeps the PKCS#8 bytes and parses them again at
/// every signature, and for Ed25519 parsing derives the public key, a scalar multiplication
/// as costly as the signature itself. Every refresh signs an access token, so that was about
/// a quarter of a rotation's time on the server. ring's key pairs keep the parsed key.
pub enum SigningKey {
    EdDsa(Ed25519KeyPair),
    Es256 {
        pair: EcdsaKeyPair,
        /// ECDSA needs a fresh nonce per signature.
        rng: SystemRandom,
    },
}

impl SigningKey {
    pub fn from_pkcs8(alg: KeyAlg, pkcs8: &[u8]) -> anyhow::Result<Self> {
        let rejected = |_| anyhow::anyhow!("the stored {} key does not parse", alg.as_str());
        Ok(match alg {
            KeyAlg::EdDsa => {
                Self::EdDsa(Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(rejected)?)
            }
            KeyAlg::Es256 => {
                let rng = SystemRandom::new();
                let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
                    .map_err(rejected)?;
                Self::Es256 { pair, rng }
            }
        })
    }

    /// A JWS in the compact serialization (RFC 7515 §7.1): the header and the claims as
    /// base64url JSON, and the signature over the two joined by a dot. For ES256 the
    /// signature is `r ‖ s`, 64 bytes (RFC 7518 §3.4), which is ring's "fixed" form.
    pub fn sign_compact(&self, header: &Header, claims: &impl Serialize) -> anyhow::Result<String> {
        let mut jws = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header)?);
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut jws);
        let signature = match self {
            Self::EdDsa(pair) => pair.sign(jws.as_bytes()).as_ref().to_vec(),
            Self::Es256 { pair, rng } => pair
                .sign(rng, jws.as_bytes())
                .map_err(|_| anyhow::anyhow!("ES256 signing failed"))?
                .as_ref()
                .to_vec(),
        };
        jws.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut jws);
        Ok(jws)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::Validation;

    #[test]
    fn each_algorithm_signs_what_its_jwk_verifies_and_nothing_else() {
        for alg in [KeyAlg::EdDsa, KeyAlg::Es256] {
            let key = generate(alg).unwrap();
            let other = generate(alg).unwrap();
            assert_ne!(key.jwk.kid, other.jwk.kid);
            assert_eq!(key.jwk.kid.len(), 43, "a SHA-256 in base64url");
            let claims = serde_json::json!({"sub": "u", "exp": 4_000_000_000_i64});
            let token = SigningKey::from_pkcs8(alg, &key.pkcs8)
                .unwrap()
                .sign_compact(&Header::new(alg.jwt()), &claims)
                .unwrap();
            let validation = Validation::new(alg.jwt());
            let decode = |jwk: &PublicJwk| {
                jsonwebtoken::decode::<serde_json::Value>(
                    &token,
                    &jwk.decoding_key().unwrap(),
                    &validation,
                )
            };
            assert_eq!(decode(&key.jwk).unwrap().claims, claims);
            assert!(decode(&other.jwk).is_err());
        }
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of its Ed25519 example key.
        let kid = thumbprint(
            "OKP",
            "Ed25519",
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            None,
        );
        assert_eq!(kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }
}
