//! `ssf_outbox`: the events each stream has yet to receive, written in the transaction of
//! the change they announce.

use serde_json::Value;
use sqlx::{AnyConnection, Row};

use super::events::Event;
use crate::clock::UnixTime;
use crate::db::{new_id, Db};

/// Writes `events` for every stream that asked for them, inside the caller's transaction.
/// A disabled stream gets nothing; a paused one keeps them for later.
pub async fn announce(
    conn: &mut AnyConnection,
    events: &[Event],
    now: UnixTime,
) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let streams =
        sqlx::query("SELECT id, events_requested FROM ssf_streams WHERE status <> 'disabled'")
            .fetch_all(&mut *conn)
            .await?;
    for stream in streams {
        let stream_id: String = stream.try_get("id")?;
        let requested: String = stream.try_get("events_requested")?;
        let requested: Vec<String> = serde_json::from_str(&requested).unwrap_or_default();
        for event in events {
            if requested.iter().any(|r| r == event.event_type) {
                insert(conn, &stream_id, event, now).await?;
            }
        }
    }
    Ok(())
}

/// Writes one event for one stream (a verification the receiver asked for).
pub async fn insert(
    conn: &mut AnyConnection,
    stream_id: &str,
    event: &Event,
    now: UnixTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO ssf_outbox (stream_id, jti, claims, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(stream_id)
    .bind(new_id())
    .bind(event.claims.to_string())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// An event waiting for its stream.
#[derive(Debug)]
pub struct Pending {
    pub id: i64,
    pub jti: String,
    /// The event's claims, without `iss`, `aud` and `jti`.
    pub claims: Value,
    pub attempts: i64,
    pub next_attempt_at: UnixTime,
}

fn pending(row: &sqlx::any::AnyRow) -> sqlx::Result<Pending> {
    let claims: String = row.try_get("claims")?;
    Ok(Pending {
        id: row.try_get("id")?,
        jti: row.try_get("jti")?,
        claims: serde_json::from_str(&claims).unwrap_or(Value::Null),
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
    })
}

/// The stream's oldest events, in the order they were written.
pub async fn oldest(db: &Db, stream_id: &str, limit: i64) -> sqlx::Result<Vec<Pending>> {
    let rows = sqlx::query(
        "SELECT id, jti, claims, attempts, next_attempt_at FROM ssf_outbox
         WHERE stream_id = $1 ORDER BY id LIMIT $2",
    )
    .bind(stream_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter().map(pending).collect()
}

/// Done with: delivered (a 202, an acknowledgement) or refused for good by the receiver.
pub async fn remove(db: &Db, stream_id: &str, jti: &str) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM ssf_outbox WHERE stream_id = $1 AND jti = $2")
            .bind(stream_id)
            .bind(jti)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// A failed push: tried again at `next_attempt_at`.
pub async fn postpone(
    db: &Db,
    id: i64,
    attempts: i64,
    next_attempt_at: UnixTime,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE ssf_outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
    )
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(error)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// The whole SET for `aud`, from what the outbox kept.
pub fn compose(pending: &Pending, issuer: &str, audience: &str) -> Value {
    let mut claims = pending.claims.clone();
    if let Value::Object(map) = &mut claims {
        map.insert("iss".into(), issuer.into());
        map.insert("aud".into(), audience.into());
        map.insert("jti".into(), pending.jti.clone().into());
    }
    claims
}
