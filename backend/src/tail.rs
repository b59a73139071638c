//! Following `revocation_events` from other processes in the order their transactions
//! finished, never by anyone's clock: a revoking process whose clock is minutes behind is
//! seen like any other, and no committed event is missed however late it commits or however
//! far back its id lies.
//!
//! - SQLite serialises its writers (`BEGIN IMMEDIATE`), so an id can only be taken after
//!   every lower one has committed or rolled back: the tail reads ids above the highest it
//!   has read.
//! - On PostgreSQL an id is taken at insert but its row appears at commit, which may come
//!   after any number of higher ids, minutes later. Each event records the id of its
//!   transaction (`tx`, from `pg_current_xact_id()`). Each poll first takes the *horizon*
//!   of the moment (`pg_snapshot_xmin`: every transaction below it has finished), then
//!   reads every event whose `tx` is at or above the previous horizon. An event of a
//!   transaction below the new horizon had committed before the reads began, so it has
//!   been read now or earlier; an event of a transaction still running then is at or
//!   above the new horizon, so the next polls read it once it commits. (Taking the horizon
//!   before the reads, each in a statement of its own, keeps this true without holding a
//!   transaction open: a horizon older than the reads is only more cautious.) Events read again while their transaction is above the
//!   horizon are skipped by id (applying one twice would be harmless, only wasted).
//!   A transaction held open long (of any kind, on the whole server) holds the horizon
//!   back, so the polls meanwhile re-read the events since it began; they apply nothing new.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;

use super::clock::{Clock, UnixTime};
use super::db::{Db, Dialect};
use super::revocation::{from_row, RevocationView, EVENT_COLUMNS, NOTIFY_CHANNEL};

/// Rows read per query; a poll repeats the query until it gets fewer.
const BATCH: i64 = 1_000;
/// At most this many ids are remembered to skip events read again (PostgreSQL, while a
/// long transaction holds the horizon back); beyond, they are applied again, harmlessly.
const MAX_REMEMBERED: usize = 100_000;

/// Where this process is in the log.
#[derive(Debug)]
pub struct Tail {
    dialect: Dialect,
    /// SQLite: the highest id read. PostgreSQL: the horizon of the last poll.
    position: i64,
    /// PostgreSQL: the ids read whose transaction is not yet below the horizon, with it.
    read_above_horizon: HashMap<i64, i64>,
}

impl Tail {
    /// Loads every event that can still matter into `view`, and positions the tail where
    /// that load began: nothing committed after it is missed (it may be applied twice,
    /// which changes nothing).
    pub async fn start(
        db: &Db,
        dialect: Dialect,
        view: &RevocationView,
        now: UnixTime,
    ) -> sqlx::Result<Self> {
        let position = match dialect {
            Dialect::Sqlite => {
                sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM revocation_events")
                    .fetch_one(db)
                    .await?
                    .unwrap_or(0)
            }
            Dialect::Postgres => horizon(db).await?,
        };
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS}, tx FROM revocation_events WHERE expires_at > $1 ORDER BY id"
        ))
        .bind(now)
        .fetch_all(db)
        .await?;
        let mut tail = Self {
            dialect,
            position,
            read_above_horizon: HashMap::new(),
        };
        for row in &rows {
            tail.apply(row, view)?;
        }
        Ok(tail)
    }

    /// Reads and applies the events that committed since the last poll. Returns how many
    /// were new to this process.
    pub async fn poll(&mut self, db: &Db, view: &RevocationView) -> sqlx::Result<usize> {
        let next_position = match self.dialect {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(horizon(db).await?),
        };
        // A horizon below the position means another transaction counter (the database
        // was restored or replaced): read from the lower one, so nothing is skipped.
        let from = match next_position {
            Some(horizon) if horizon < self.position => {
                tracing::warn!(
                    horizon,
                    position = self.position,
                    "the transaction horizon went back; reading from it"
                );
                horizon
            }
            _ => self.position,
        };
        let mut applied = 0;
        let mut after_id = 0;
        loop {
            let condition = match self.dialect {
                Dialect::Sqlite => "id > $1",
                Dialect::Postgres => "tx >= $1",
            };
            let rows = sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS}, tx FROM revocation_events \
                 WHERE {condition} AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(from)
            .bind(after_id)
            .bind(BATCH)
            .fetch_all(db)
            .await?;
            for row in &rows {
                after_id = row.try_get("id")?;
                if self.apply(row, view)? {
                    applied += 1;
                }
            }
            if (rows.len() as i64) < BATCH {
                break;
            }
        }
        if let Some(horizon) = next_position {
            self.position = horizon;
            self.read_above_horizon.retain(|_, tx| *tx >= horizon);
        }
        Ok(applied)
    }

    /// Applies one event row, unless it was read before. Returns whether it was new.
    fn apply(&mut self, row: &sqlx::any::AnyRow, view: &RevocationView) -> sqlx::Result<bool> {
        let id: i64 = row.try_get("id")?;
        match self.dialect {
            Dialect::Sqlite => self.position = self.position.max(id),
            Dialect::Postgres => {
                let tx: i64 = row.try_get("tx")?;
                if tx >= self.position {
                    if self.read_above_horizon.contains_key(&id) {
                        return Ok(false);
                    }
                    if self.read_above_horizon.len() < MAX_REMEMBERED {
                        self.read_above_horizon.insert(id, tx);
                    }
                }
            }
        }
        match from_row(row)? {
            Some(revocation) => view.apply(&revocation),
            None => tracing::warn!(id, "skipping an unreadable revocation event"),
        }
        Ok(true)
    }
}

/// The horizon of this moment: every transaction below it has finished.
async fn horizon(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        .fetch_one(db)
        .await
}

/// Keeps `view` in step with revocations written by other processes, until the runtime
/// stops: PostgreSQL `NOTIFY` wakes it at once, a poll every `poll_every` is the fallback
/// (and the only mechanism on SQLite). Also forgets entries that can no longer matter.
pub fn spawn_tailer(
    db: Db,
    dialect: Dialect,
    database_url: String,
    view: Arc<RevocationView>,
    clock: Clock,
    poll_every: Duration,
    mut tail: Tail,
) {
    let wake = Arc::new(tokio::sync::Notify::new());
    if dialect == Dialect::Postgres {
        spawn_postgres_listener(database_url, wake.clone());
    }
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(poll_every) => {}
            }
            if let Err(err) = tail.poll(&db, &view).await {
                tracing::warn!(error = %err, "could not read revocation events; will retry");
            }
            view.purge(clock.now());
        }
    });
}

fn spawn_postgres_listener(database_url: String, wake: Arc<tokio::sync::Notify>) {
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&database_url).await {
                Ok(mut listener) => {
                    if let Err(err) = listener.listen(NOTIFY_CHANNEL).await {
                        tracing::warn!(error = %err, "LISTEN failed; polling only");
                    } else {
                        while listener.recv().await.is_ok() {
                            wake.notify_one();
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot open a LISTEN connection; polling only")
                }
            }
            // The poll keeps the view right meanwhile; retry the push channel later.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
}
