//! Sealing private keys at rest: ChaCha20-Poly1305 under a key derived (HKDF-SHA256) from
//! `KEY_ENCRYPTION_KEY`, or from `JWT_SECRET` when that is not set. The key id is the
//! associated data, so a sealed key copied onto another row does not open.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};

use crate::secret::Secret;

/// The format marker of what `seal` writes, so that a later scheme can tell its rows apart.
const VERSION: &str = "v1.";

pub struct Sealer {
    key: LessSafeKey,
}

/// A sealed key that does not open: another `KEY_ENCRYPTION_KEY`, or a damaged row.
#[derive(Debug, thiserror::Error)]
#[error("the private key of {kid} cannot be opened: was KEY_ENCRYPTION_KEY changed?")]
pub struct CannotOpen {
    pub kid: String,
}

impl Sealer {
    pub fn new(key_material: &Secret) -> Self {
        let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"signout signing keys");
        let prk = salt.extract(key_material.expose().as_bytes());
        let okm = prk
            .expand(&[b"chacha20-poly1305"], &CHACHA20_POLY1305)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let mut bytes = [0u8; 32];
        okm.fill(&mut bytes)
            .expect("the output length matches the AEAD key length");
        let key =
            UnboundKey::new(&CHACHA20_POLY1305, &bytes).expect("a 32-byte ChaCha20-Poly1305 key");
        Self {
            key: LessSafeKey::new(key),
        }
    }

    pub fn seal(&self, kid: &str, plaintext: &[u8]) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("the system's random source failed"))?;
        let mut data = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut data,
            )
            .map_err(|_| anyhow::anyhow!("sealing a key failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    pub fn open(&self, kid: &str, sealed: &str) -> Result<Vec<u8>, CannotOpen> {
        let cannot = || CannotOpen {
            kid: kid.to_owned(),
        };
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(cannot)?;
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| cannot())?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut data)
            .map_err(|_| cannot())?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_key_and_its_kid() {
        let sealer = Sealer::new(&Secret::new("k".repeat(40)));
        let sealed = sealer.seal("kid-1", b"private bytes").unwrap();
        assert!(!sealed.contains("private"));
        assert_eq!(sealer.open("kid-1", &sealed).unwrap(), b"private bytes");
        assert!(
            sealer.open("kid-2", &sealed).is_err(),
            "moved to another row"
        );
        let other = Sealer::new(&Secret::new("x".repeat(40)));
        assert!(other.open("kid-1", &sealed).is_err(), "another key");
        assert!(sealer.open("kid-1", "v1.AAAA").is_err(), "truncated");
        assert!(sealer.open("kid-1", "garbage").is_err());
        // Two seals of the same bytes differ (a fresh nonce each time).
        assert_ne!(sealed, sealer.seal("kid-1", b"private bytes").unwrap());
    }
}
