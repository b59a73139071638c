//! Key pairs made in the tests, standing in for the auth server's: a signing key, and the
//! verifying key and JWK it would publish.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};

use crate::jwks::VerifyingKey;

pub struct TestKey {
    pub kid: String,
    pub signing: EncodingKey,
    pub verifying: VerifyingKey,
    /// As `/.well-known/jwks.json` lists it.
    pub jwk: Value,
}

pub fn ed25519(kid: &str) -> TestKey {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
    TestKey {
        kid: kid.into(),
        signing: EncodingKey::from_ed_der(pkcs8.as_ref()),
        verifying: VerifyingKey {
            algorithm: Algorithm::EdDSA,
            key: DecodingKey::from_ed_components(&x).unwrap(),
        },
        jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}),
    }
}

pub fn p256(kid: &str) -> TestKey {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    // An uncompressed point: 0x04, then x and y, 32 bytes each.
    let point = pair.public_key().as_ref();
    let (x, y) = (
        URL_SAFE_NO_PAD.encode(&point[1..33]),
        URL_SAFE_NO_PAD.encode(&point[33..]),
    );
    TestKey {
        kid: kid.into(),
        signing: EncodingKey::from_ec_der(pkcs8.as_ref()),
        verifying: VerifyingKey {
            algorithm: Algorithm::ES256,
            key: DecodingKey::from_ec_components(&x, &y).unwrap(),
        },
        jwk: json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig"}),
    }
}

/// A JWT with header `{"alg", "typ", "kid"}` and these claims.
pub fn sign(key: &TestKey, typ: &str, claims: &Value) -> String {
    let mut header = Header::new(key.verifying.algorithm);
    header.typ = Some(typ.into());
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.signing).unwrap()
}
