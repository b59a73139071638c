//! The `outbox` table: written inside the transaction of the event, read by the workers.

use sqlx::{AnyConnection, Row};

use crate::clock::UnixTime;
use crate::db::{new_id, Db, Dialect};

/// One message to one address, in plain text and in HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A claimed row: the message and its id (also its `Message-ID`, so that a receiver can
/// tell a resend after a crash from a new message).
#[derive(Debug)]
pub struct Claimed {
    pub id: String,
    pub mail: Mail,
    pub attempts: i64,
}

/// Writes the mail inside the caller's transaction: it is sent only if that commits.
pub async fn enqueue(conn: &mut AnyConnection, mail: &Mail, now: UnixTime) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, created_at, to_address, subject, text_body, html_body, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $2)",
    )
    .bind(new_id())
    .bind(now)
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims the oldest due message for `lease` seconds, or `None`. On PostgreSQL two workers
/// never claim one row (`FOR UPDATE SKIP LOCKED`: each takes a different one, neither
/// waits); on SQLite the write transaction already admits one writer at a time.
pub async fn claim(
    db: &Db,
    dialect: Dialect,
    now: UnixTime,
    lease: i64,
) -> sqlx::Result<Option<Claimed>> {
    let skip_locked = match dialect {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let mut tx = crate::db::begin_write(db, dialect).await?;
    let row = sqlx::query(&format!(
        "SELECT id, to_address, subject, text_body, html_body, attempts FROM outbox
         WHERE sent_at IS NULL AND next_attempt_at <= $1
           AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY next_attempt_at, created_at LIMIT 1{skip_locked}"
    ))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: String = row.try_get("id")?;
    sqlx::query("UPDATE outbox SET claimed_until = $1 WHERE id = $2")
        .bind(now + lease)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(Claimed {
        id,
        attempts: row.try_get("attempts")?,
        mail: Mail {
            to: row.try_get("to_address")?,
            subject: row.try_get("subject")?,
            text: row.try_get("text_body")?,
            html: row.try_get("html_body")?,
        },
    }))
}

/// The message went out.
pub async fn mark_sent(db: &Db, id: &str, now: UnixTime) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The message could not be sent: tried again at `retry_at`.
pub async fn mark_failed(db: &Db, id: &str, error: &str, retry_at: UnixTime) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, claimed_until = NULL,
                           last_error = $2
         WHERE id = $3",
    )
    .bind(retry_at)
    .bind(error.chars().take(500).collect::<String>())
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
