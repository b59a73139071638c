//! Sessions that end by running out of time (their absolute lifetime, or the idle timeout)
//! change no row when they end, so a sweep finds them and announces each once. Their
//! access tokens never outlive the absolute end anyway (`exp` is capped by it); the event
//! tells a receiver that keeps its own sessions keyed on ours to end them too.

use std::time::Duration;

use sqlx::Row;

use super::events::{self, SessionEnd, Txn};
use super::outbox;
use crate::clock::{Clock, UnixTime};
use crate::db::{self, Db, Dialect};
use crate::users::{self, RowLock};

/// How often the sweep runs.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Sessions announced per sweep at most (the rest in the next one).
const BATCH: i64 = 500;

/// Announces the sessions that have run out of time since the last sweep. Returns how many.
pub async fn sweep(db: &Db, dialect: Dialect, now: UnixTime) -> sqlx::Result<usize> {
    let rows = sqlx::query(
        "SELECT id, user_id FROM sessions
         WHERE revoked_at IS NULL AND end_announced = 0
           AND (expires_at <= $1 OR idle_expires_at <= $1)
         ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(BATCH)
    .fetch_all(db)
    .await?;
    let mut announced = 0;
    for row in rows {
        let session_id: String = row.try_get("id")?;
        let user_id: String = row.try_get("user_id")?;
        if announce_one(db, dialect, &user_id, &session_id, now).await? {
            announced += 1;
        }
    }
    Ok(announced)
}

/// One session, in a transaction of its own that takes the user's row lock first (the
/// lock order of every sign-out, so the two never deadlock). It is marked and announced
/// only if it is still unmarked, unrevoked and out of time under that lock: a session a
/// request kept alive meanwhile, or one signed out meanwhile (whose sign-out announced
/// it), is left alone; two processes sweeping at once announce it once.
async fn announce_one(
    db: &Db,
    dialect: Dialect,
    user_id: &str,
    session_id: &str,
    now: UnixTime,
) -> sqlx::Result<bool> {
    let mut tx = db::begin_write(db, dialect).await?;
    users::lock(&mut tx, dialect, user_id, RowLock::Exclusive).await?;
    let expires_at: Option<UnixTime> = sqlx::query_scalar(
        "UPDATE sessions SET end_announced = 1
         WHERE id = $1 AND end_announced = 0 AND revoked_at IS NULL
           AND (expires_at <= $2 OR idle_expires_at <= $2)
         RETURNING expires_at",
    )
    .bind(session_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(expires_at) = expires_at else {
        return Ok(false);
    };
    let end = if expires_at <= now {
        SessionEnd::Expired
    } else {
        SessionEnd::IdleTimeout
    };
    let event = events::session_revoked(user_id, session_id, end, &Txn::new(), now);
    outbox::announce(&mut tx, &[event], now).await?;
    db::commit(tx).await?;
    Ok(true)
}

pub fn spawn_sweeper(db: Db, dialect: Dialect, clock: Clock, wakes: std::sync::Arc<super::Wakes>) {
    tokio::spawn(async move {
        loop {
            match sweep(&db, dialect, clock.now()).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::debug!(sessions = n, "announced sessions that ran out of time");
                    wakes.committed();
                }
                Err(err) => tracing::warn!(error = %err, "could not announce expired sessions"),
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    });
}
