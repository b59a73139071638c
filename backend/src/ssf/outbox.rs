//! `ssf_outbox`: the events each stream has yet to receive, written in the transaction of
//! the change they announce.

use serde_json::Value;
use sqlx::{AnyConnection, Row};

use super::events::Event;
use crate::clock::UnixTime;
use crate::db::{new_id, Db};

/// The streams that take events (not disabled), and the event types each asked for.
pub struct Listening(Vec<(String, Vec<String>)>);

impl Listening {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Who is listening, read inside the caller's transaction. Asked before the events are
/// built: with no receiver (the common case), a sign-out of 10,000 sessions builds none.
pub async fn listening(conn: &mut AnyConnection) -> sqlx::Result<Listening> {
    let rows =
        sqlx::query("SELECT id, events_requested FROM ssf_streams WHERE status <> 'disabled'")
            .fetch_all(&mut *conn)
            .await?;
    let mut streams = Vec::with_capacity(rows.len());
    for row in rows {
        let requested: String = row.try_get("events_requested")?;
        streams.push((
            row.try_get("id")?,
            serde_json::from_str(&requested).unwrap_or_default(),
        ));
    }
    Ok(Listening(streams))
}

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
    let listening = listening(conn).await?;
    announce_to(conn, &listening, events, now).await
}

/// Rows written per statement.
const ROWS_PER_INSERT: usize = 100;

/// `announce`, to streams already read.
pub async fn announce_to(
    conn: &mut AnyConnection,
    listening: &Listening,
    events: &[Event],
    now: UnixTime,
) -> sqlx::Result<()> {
    for (stream_id, requested) in &listening.0 {
        let wanted: Vec<&Event> = events
            .iter()
            .filter(|e| requested.iter().any(|r| r == e.event_type))
            .collect();
        // Many rows per statement: "sign out everywhere" of a user with thousands of
        // sessions writes thousands of events.
        for chunk in wanted.chunks(ROWS_PER_INSERT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, ${}, ${}, $2, $2)", 3 + 2 * i, 4 + 2 * i))
                .collect();
            let sql = format!(
                "INSERT INTO ssf_outbox (stream_id, jti, claims, created_at, next_attempt_at) VALUES {}",
                values.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(stream_id).bind(now);
            for event in chunk {
                query = query.bind(new_id()).bind(event.claims.to_string());
            }
            query.execute(&mut *conn).await?;
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
