//! Following `revocation_events` from other processes, by the event id (a monotonic
//! sequence), never by anyone's clock: a revoking process whose clock is minutes behind
//! is seen like any other.
//!
//! Ids are handed out when an event is inserted, but become visible when its transaction
//! commits, and on PostgreSQL a transaction can commit after one that took a higher id.
//! So a poll that sees id 7 but not 6 keeps 6 as a *hole*: the next polls ask for the
//! holes as well as for ids above the highest seen, until the hole's event shows up or
//! `HOLE_WAIT` has passed (its transaction rolled back, or the row was purged). An event
//! is one of the last statements of its transaction (`revocation::record`), so a hole
//! stays open for milliseconds unless the database stalls. Each poll therefore reads the
//! new events and the open holes, nothing else. On SQLite writers are serialised and
//! holes do not arise; the same code runs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::clock::{Clock, UnixTime};
use super::db::{Db, Dialect};
use super::revocation::{from_row, RevocationView, EVENT_COLUMNS, NOTIFY_CHANNEL};

/// How long a missing id is asked for again before it is taken for a rollback.
pub const HOLE_WAIT: Duration = Duration::from_secs(120);
/// At most this many holes are kept (the newest); a gap wider than this is not a set of
/// transactions in flight but rows purged long ago.
const MAX_HOLES: usize = 256;
/// A process starts this many ids below the highest, so that events of transactions in
/// flight while it started (with lower ids) are not missed.
const START_LOOKBACK: i64 = 64;
/// Rows read per query; a poll repeats the query until it gets fewer.
const BATCH: i64 = 1_000;

/// Where this process is in the log.
#[derive(Debug)]
pub struct Tail {
    /// Every id up to this one has been read, except the holes.
    seen: i64,
    /// Ids below `seen` not read yet, with when they were first missed.
    holes: BTreeMap<i64, Instant>,
}

impl Tail {
    /// Loads every event that can still matter into `view`, and positions the tail.
    pub async fn start(db: &Db, view: &RevocationView, now: UnixTime) -> sqlx::Result<Self> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM revocation_events WHERE expires_at > $1 ORDER BY id"
        ))
        .bind(now)
        .fetch_all(db)
        .await?;
        for row in &rows {
            if let Some(revocation) = from_row(row)? {
                view.apply(&revocation);
            }
        }
        let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM revocation_events")
            .fetch_one(db)
            .await?;
        Ok(Self {
            seen: (highest.unwrap_or(0) - START_LOOKBACK).max(0),
            holes: BTreeMap::new(),
        })
    }

    /// Reads and applies the events that appeared since the last poll. Returns how many
    /// rows were read.
    pub async fn poll(&mut self, db: &Db, view: &RevocationView) -> sqlx::Result<usize> {
        let mut read = 0;
        loop {
            let batch = self.read_batch(db, view).await?;
            read += batch;
            if (batch as i64) < BATCH {
                break;
            }
        }
        let now = Instant::now();
        self.holes
            .retain(|_, missed| now.duration_since(*missed) < HOLE_WAIT);
        Ok(read)
    }

    async fn read_batch(&mut self, db: &Db, view: &RevocationView) -> sqlx::Result<usize> {
        let holes: Vec<i64> = self.holes.keys().copied().collect();
        let placeholders: Vec<String> = (0..holes.len()).map(|i| format!("${}", i + 3)).collect();
        let or_holes = if holes.is_empty() {
            String::new()
        } else {
            format!(" OR id IN ({})", placeholders.join(", "))
        };
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM revocation_events WHERE id > $1{or_holes} ORDER BY id LIMIT $2"
        );
        let mut query = sqlx::query(&sql).bind(self.seen).bind(BATCH);
        for hole in &holes {
            query = query.bind(*hole);
        }
        let rows = query.fetch_all(db).await?;
        let now = Instant::now();
        for row in &rows {
            let id: i64 = sqlx::Row::try_get(row, "id")?;
            self.advance_to(id, now);
            match from_row(row)? {
                Some(revocation) => view.apply(&revocation),
                None => tracing::warn!(id, "skipping an unreadable revocation event"),
            }
        }
        Ok(rows.len())
    }

    /// Marks `id` as read, and the ids skipped on the way to it as holes.
    fn advance_to(&mut self, id: i64, now: Instant) {
        if self.holes.remove(&id).is_some() || id <= self.seen {
            return;
        }
        let skipped_from = (self.seen + 1).max(id - MAX_HOLES as i64);
        for hole in skipped_from..id {
            self.holes.insert(hole, now);
        }
        while self.holes.len() > MAX_HOLES {
            self.holes.pop_first();
        }
        self.seen = id;
    }

    /// The ids still awaited (for tests and logs).
    pub fn holes(&self) -> Vec<i64> {
        self.holes.keys().copied().collect()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_ids_become_holes_until_they_are_read() {
        let mut tail = Tail {
            seen: 4,
            holes: BTreeMap::new(),
        };
        let now = Instant::now();
        tail.advance_to(5, now);
        tail.advance_to(8, now);
        assert_eq!(tail.holes(), vec![6, 7]);
        tail.advance_to(7, now);
        assert_eq!(tail.holes(), vec![6]);
        assert_eq!(tail.seen, 8);
        // Read again (it was a hole once, or an overlap): nothing changes.
        tail.advance_to(5, now);
        assert_eq!((tail.seen, tail.holes()), (8, vec![6]));
    }

    #[test]
    fn a_huge_gap_keeps_only_the_newest_holes() {
        let mut tail = Tail {
            seen: 0,
            holes: BTreeMap::new(),
        };
        tail.advance_to(1_000_000, Instant::now());
        let holes = tail.holes();
        assert_eq!(holes.len(), MAX_HOLES);
        assert_eq!(holes.last(), Some(&999_999));
    }
}
