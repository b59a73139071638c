//! Refresh-token rotations, committed together on SQLite.
//!
//! SQLite has one writer at a time, and each commit waits for the disk (the WAL is synced
//! at every commit, `synchronous = FULL`, so that no sign-out is ever lost). One rotation
//! per transaction therefore capped rotations at what the disk can sync, whatever the
//! CPU: about 500 a second here. Here the rotations waiting when the writer is free go
//! into one transaction, each in a savepoint of its own, and share one commit. A rotation
//! that is refused at its last step (or fails) is rolled back to its savepoint, alone.
//! Nobody is answered before the commit: no token is handed out whose rotation could still
//! be lost. At low load a batch is one rotation, and nothing waits.
//!
//! On PostgreSQL each rotation has its own transaction: concurrent commits there already
//! share the flushes of the log, and one transaction holding the rows of many users would
//! need a lock order across users that other processes' batches cannot share.

use tokio::sync::{mpsc, oneshot};

use super::db::{self, Db, Dialect};
use super::sessions::{rotate_refresh_token_in, RefreshOutcome, Rotation};

/// Rotations committed together at most.
const MAX_BATCH: usize = 64;
/// Rotations waiting for the writer at most; beyond, callers wait to queue.
const QUEUE: usize = 1_024;

type Reply = oneshot::Sender<sqlx::Result<RefreshOutcome>>;

pub enum Rotations {
    /// PostgreSQL: a transaction per rotation.
    Alone(Db),
    /// SQLite: the queue of the task that commits them together.
    Together(mpsc::Sender<(Rotation, Reply)>),
}

impl Rotations {
    /// Starts the committing task on SQLite.
    pub fn start(db: &Db, dialect: Dialect) -> Self {
        match dialect {
            Dialect::Postgres => Self::Alone(db.clone()),
            Dialect::Sqlite => {
                let (queue, waiting) = mpsc::channel(QUEUE);
                tokio::spawn(commit_together(db.clone(), waiting));
                Self::Together(queue)
            }
        }
    }

    /// Carries out `rotation` and commits it if it continues the session.
    pub async fn rotate(&self, rotation: Rotation) -> sqlx::Result<RefreshOutcome> {
        match self {
            Self::Alone(db) => rotate_alone(db, rotation).await,
            Self::Together(queue) => {
                let (reply, outcome) = oneshot::channel();
                queue
                    .send((rotation, reply))
                    .await
                    .map_err(|_| sqlx::Error::WorkerCrashed)?;
                outcome.await.map_err(|_| sqlx::Error::WorkerCrashed)?
            }
        }
    }
}

async fn rotate_alone(db: &Db, rotation: Rotation) -> sqlx::Result<RefreshOutcome> {
    let mut tx = db::begin_write(db, Dialect::Postgres).await?;
    let outcome = rotate_refresh_token_in(&mut tx, Dialect::Postgres, &rotation).await?;
    if matches!(outcome, RefreshOutcome::Continued { .. }) {
        db::commit(tx).await?;
    }
    // Any other outcome is rolled back as `tx` is dropped.
    Ok(outcome)
}

/// The committing task: takes whatever is waiting (up to `MAX_BATCH`), carries it out in
/// one transaction, answers, and starts again. It runs until the state is dropped. Each
/// batch runs in a task of its own: should one panic, its callers are answered with an
/// error (their replies are dropped) and the next batch is served all the same.
async fn commit_together(db: Db, mut waiting: mpsc::Receiver<(Rotation, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let pending: Vec<(Rotation, Reply)> = std::mem::take(&mut batch);
        let db = db.clone();
        let done = tokio::spawn(async move {
            let (rotations, replies): (Vec<Rotation>, Vec<Reply>) = pending.into_iter().unzip();
            match rotate_batch(&db, &rotations, &replies).await {
                Ok(outcomes) => {
                    for (reply, outcome) in replies.into_iter().zip(outcomes) {
                        // A caller that has gone needs no answer.
                        let _ = reply.send(outcome);
                    }
                }
                Err(failed) => {
                    for reply in replies {
                        let _ = reply.send(Err(copy_of(&failed)));
                    }
                }
            }
        });
        if let Err(panicked) = done.await {
            tracing::error!(error = %panicked, "a batch of refresh-token rotations failed");
        }
    }
}

/// One transaction for `rotations`: the outcome of each, or the error that lost them all
/// (nothing of the batch was committed then). A rotation whose caller has gone (its client
/// hung up, its request timed out) is not carried out, or is rolled back if the caller
/// left while it ran: nobody would receive its new refresh token, and the old one, now
/// rotated, would then read as stolen at its holder's next refresh.
async fn rotate_batch(
    db: &Db,
    rotations: &[Rotation],
    replies: &[Reply],
) -> sqlx::Result<Vec<sqlx::Result<RefreshOutcome>>> {
    let mut tx = db::begin_write(db, Dialect::Sqlite).await?;
    let mut outcomes = Vec::with_capacity(rotations.len());
    for (rotation, reply) in rotations.iter().zip(replies) {
        if reply.is_closed() {
            outcomes.push(Err(sqlx::Error::WorkerCrashed));
            continue;
        }
        sqlx::query("SAVEPOINT rotation").execute(&mut *tx).await?;
        let outcome = rotate_refresh_token_in(&mut tx, Dialect::Sqlite, rotation).await;
        let kept = matches!(outcome, Ok(RefreshOutcome::Continued { .. })) && !reply.is_closed();
        if !kept {
            // Fails only if SQLite rolled the whole transaction back (a full disk, say):
            // then the batch fails as one.
            sqlx::query("ROLLBACK TO rotation")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("RELEASE rotation").execute(&mut *tx).await?;
        outcomes.push(outcome);
    }
    db::commit(tx).await?;
    Ok(outcomes)
}

/// The error of a failed batch, for each of its callers: one that says the database is
/// unavailable stays so (a 503, try again), any other stays an internal error.
fn copy_of(err: &sqlx::Error) -> sqlx::Error {
    if db::is_unavailable(err) {
        sqlx::Error::Io(std::io::Error::other(err.to_string()))
    } else {
        sqlx::Error::Protocol(err.to_string())
    }
}
