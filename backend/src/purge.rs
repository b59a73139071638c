//! Deletes what can no longer matter: expired or revoked sessions (after a retention
//! period, so the devices and activity views still make sense for a while), their refresh
//! tokens, expired revocation events, and Shared Signals events no receiver took in a week.

use super::clock::UnixTime;
use super::db::Db;

/// How long a rotated refresh token (reuse detection) and an undelivered Shared Signals
/// event are kept.
pub const RETENTION_SECS: i64 = 7 * 24 * 3600;
/// How long an ended session is kept before it is deleted: as long as the devices list
/// shows it under "Recently signed out".
pub const ENDED_SESSION_RETENTION_SECS: i64 = wire::RECENTLY_ENDED_DAYS * 24 * 3600;
/// How far behind this process's clock another process's may be. An event is deleted
/// only this long after it expired by our clock, so that a process whose clock is behind
/// (and to which the tokens it kills are still valid) has long read it.
pub const CLOCK_SKEW_ALLOWANCE_SECS: i64 = 10 * 60;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub refresh_tokens: u64,
    pub revocation_events: u64,
    pub undelivered_signals: u64,
}

pub async fn purge_expired(db: &Db, now: UnixTime) -> sqlx::Result<Purged> {
    let cutoff = now - RETENTION_SECS;
    let refresh_tokens = sqlx::query(
        "DELETE FROM refresh_tokens WHERE expires_at <= $1 OR rotated_at <= $2
            OR session_id IN (SELECT id FROM sessions WHERE revoked_at IS NOT NULL)",
    )
    .bind(now)
    .bind(cutoff)
    .execute(db)
    .await?
    .rows_affected();
    let sessions = sqlx::query(
        "DELETE FROM sessions WHERE revoked_at <= $1 OR expires_at <= $1 OR idle_expires_at <= $1",
    )
    .bind(now - ENDED_SESSION_RETENTION_SECS)
    .execute(db)
    .await?
    .rows_affected();
    let revocation_events = sqlx::query("DELETE FROM revocation_events WHERE expires_at <= $1")
        .bind(now - CLOCK_SKEW_ALLOWANCE_SECS)
        .execute(db)
        .await?
        .rows_affected();
    // A receiver gone for a week (or paused and forgotten) must not make the outbox grow
    // for ever; an event that old tells of tokens that expired long ago.
    let undelivered_signals = sqlx::query("DELETE FROM ssf_outbox WHERE created_at <= $1")
        .bind(cutoff)
        .execute(db)
        .await?
        .rows_affected();
    if undelivered_signals > 0 {
        tracing::warn!(
            undelivered_signals,
            "dropped Shared Signals events no receiver took in a week"
        );
    }
    Ok(Purged {
        sessions,
        refresh_tokens,
        revocation_events,
        undelivered_signals,
    })
}
