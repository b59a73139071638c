//! The `signing_keys` table: every process reads the same keys, so a token signed by one
//! verifies on all of them, and a rotation is one transaction.

use sqlx::Row;

use super::material::{self, KeyAlg, PublicJwk};
use super::seal::Sealer;
use crate::clock::UnixTime;
use crate::db::{self, Db, Dialect};

/// A key as stored: its private half still sealed.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub alg: KeyAlg,
    pub sealed: String,
    pub jwk: PublicJwk,
    pub activates_at: UnixTime,
    pub retired_at: Option<UnixTime>,
}

/// Everything a process needs to build its key set.
pub struct Stored {
    pub keys: Vec<StoredKey>,
    /// HS256 tokens issued before this may exist (an older version made them); `None`:
    /// none can (a new installation, or no key yet).
    pub hs256_issued_before: Option<UnixTime>,
}

pub async fn load(db: &Db) -> anyhow::Result<Stored> {
    let rows = sqlx::query(
        "SELECT alg, sealed_private_key, public_jwk, activates_at, retired_at
         FROM signing_keys ORDER BY activates_at, kid",
    )
    .fetch_all(db)
    .await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let alg: String = row.try_get("alg")?;
        let Some(alg) = KeyAlg::parse(&alg) else {
            // A key of a newer version: it cannot be used here, but the others can.
            tracing::warn!(%alg, "a signing key of an unknown algorithm is ignored");
            continue;
        };
        keys.push(StoredKey {
            alg,
            sealed: row.try_get("sealed_private_key")?,
            jwk: serde_json::from_str(&row.try_get::<String, _>("public_jwk")?)?,
            activates_at: row.try_get("activates_at")?,
            retired_at: row.try_get("retired_at")?,
        });
    }
    let hs256_issued_before: Option<UnixTime> =
        sqlx::query_scalar("SELECT hs256_issued_before FROM signing_key_epoch WHERE id = 1")
            .fetch_optional(db)
            .await?;
    Ok(Stored {
        keys,
        hs256_issued_before: hs256_issued_before.filter(|t| *t > 0),
    })
}

async fn insert(
    conn: &mut sqlx::AnyConnection,
    sealer: &Sealer,
    alg: KeyAlg,
    now: UnixTime,
    activates_at: UnixTime,
) -> anyhow::Result<String> {
    let key = material::generate(alg)?;
    let kid = key.jwk.kid.clone();
    sqlx::query(
        "INSERT INTO signing_keys (kid, alg, sealed_private_key, public_jwk, created_at, activates_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&kid)
    .bind(alg.as_str())
    .bind(sealer.seal(&kid, &key.pkcs8)?)
    .bind(serde_json::to_string(&key.jwk)?)
    .bind(now)
    .bind(activates_at)
    .execute(&mut *conn)
    .await?;
    Ok(kid)
}

/// Makes the first key if there is none, signing at once: with no asymmetric key yet,
/// no process has anything to wait for. Processes starting together agree through the
/// one epoch row: only the one whose insert made it creates the key; the others wait for
/// its commit and find it.
pub async fn ensure_first(
    db: &Db,
    dialect: Dialect,
    sealer: &Sealer,
    now: UnixTime,
) -> anyhow::Result<()> {
    let mut tx = db::begin_write(db, dialect).await?;
    // Live sessions mean an older version ran, and may have issued HS256 tokens (and may
    // still, during a rolling upgrade); with none, no HS256 token can be genuine.
    let live_sessions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM sessions WHERE revoked_at IS NULL LIMIT 1) AS s",
    )
    .fetch_one(&mut *tx)
    .await?;
    let hs256_issued_before = if live_sessions > 0 {
        now + super::LEGACY_GRACE
    } else {
        0
    };
    let made_epoch = sqlx::query(
        "INSERT INTO signing_key_epoch (id, asymmetric_since, hs256_issued_before) VALUES (1, $1, $2)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(now)
    .bind(hs256_issued_before)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if made_epoch {
        let kid = insert(&mut tx, sealer, KeyAlg::EdDsa, now, now).await?;
        tracing::info!(%kid, "made the first signing key");
    }
    db::commit(tx).await?;
    Ok(())
}

/// What `rotate` did.
#[derive(Debug)]
pub struct Rotated {
    pub kid: String,
    pub activates_at: UnixTime,
    /// Keys that stop signing when the new one starts.
    pub retiring: u64,
}

/// Adds a key that signs from `now + lead` (every process loads it first, and verifiers
/// that cache the JWKS see it before any token names it); every key not yet retired
/// stops signing at that moment and verifies until its last token has expired.
pub async fn rotate(
    db: &Db,
    dialect: Dialect,
    sealer: &Sealer,
    alg: KeyAlg,
    now: UnixTime,
    lead: i64,
) -> anyhow::Result<Rotated> {
    ensure_first(db, dialect, sealer, now).await?;
    // The new key is sealed like the stored ones, or no server could open it: the keys that
    // still sign must open with this KEY_ENCRYPTION_KEY (the servers' one).
    for key in load(db).await?.keys {
        if key.retired_at.is_none() {
            sealer.open(&key.jwk.kid, &key.sealed)?;
        }
    }
    let mut tx = db::begin_write(db, dialect).await?;
    // Two rotations at once take turns on the epoch row.
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE",
    };
    sqlx::query(&format!(
        "SELECT asymmetric_since FROM signing_key_epoch WHERE id = 1{lock}"
    ))
    .fetch_one(&mut *tx)
    .await?;
    let activates_at = now + lead;
    let retiring = sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
        .bind(activates_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let kid = insert(&mut tx, sealer, alg, now, activates_at).await?;
    db::commit(tx).await?;
    Ok(Rotated {
        kid,
        activates_at,
        retiring,
    })
}

/// Deletes the keys no token they signed can still be valid for.
pub async fn purge(
    db: &Db,
    verify_until_after_retirement: i64,
    now: UnixTime,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at <= $1")
            .bind(now - verify_until_after_retirement)
            .execute(db)
            .await?
            .rows_affected(),
    )
}
