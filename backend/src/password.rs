//! Password hashing with Argon2id (OWASP parameters), always off the async runtime.

use std::sync::OnceLock;

use anyhow::anyhow;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

use super::secret::Secret;

/// A stored Argon2 hash. Deliberately not `Serialize`: it can never reach a client.
#[derive(Clone)]
pub struct PasswordHashString(pub String);

fn argon2() -> Argon2<'static> {
    // OWASP: m=19 MiB, t=2, p=1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash_password(password: Secret) -> anyhow::Result<PasswordHashString> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| PasswordHashString(h.to_string()))
            .map_err(|e| anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// Verifies `password` against `stored`, or against a dummy hash when there is no account,
/// so that a wrong email costs the same time as a wrong password.
pub async fn verify_password(
    password: Secret,
    stored: Option<PasswordHashString>,
) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let hash = match &stored {
            Some(h) => h.0.clone(),
            None => dummy_hash().to_owned(),
        };
        let parsed =
            PasswordHash::new(&hash).map_err(|e| anyhow!("stored hash is unreadable: {e}"))?;
        let matches = argon2()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok();
        Ok(matches && stored.is_some())
    })
    .await?
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no account has this password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
