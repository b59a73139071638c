//! Refresh-token rotations, carried out several at a time: committed together on SQLite, in
//! one statement on PostgreSQL.
//!
//! SQLite has one writer at a time, and each commit waits for the disk (the WAL is synced
//! at every commit, `synchronous = FULL`, so that no sign-out is ever lost). One rotation
//! per transaction therefore capped rotations at what the disk can sync, whatever the
//! CPU: about 500 a second here. Here the rotations waiting when the writer is free go
//! into one transaction and share one commit. Nobody is answered before the commit: no
//! token is handed out whose rotation could still be lost. At low load a batch is one
//! rotation, and nothing waits.
//!
//! A rotation checks everything before it writes (`rotate_refresh_token_in`), so a refused
//! one leaves nothing to undo, and the batch needs no savepoint per rotation (two more
//! statements each, and each statement is a round trip to sqlx's SQLite thread). The rare
//! rotation that must be undone (it failed, it was refused after writing, or its caller
//! left) rolls the whole transaction back, and the batch runs again without it.
//!
//! On PostgreSQL the rotations waiting are carried out in one statement
//! (`sessions::rotate_at_once`), several statements in flight at once: there a commit
//! costs PostgreSQL's process more than its flush, and concurrent commits share the
//! log's flushes anyway. A statement only locks users' rows in share mode and never waits
//! for one (`SKIP LOCKED`), so no lock order across users is needed. The rare rotation it
//! does not carry out (a token refused, raced or presented twice, or its user's row held
//! by a change of the account) goes on alone, in a transaction that tells which it is or
//! waits for the row.

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::db::{self, Db, Dialect};
use super::sessions::{
    rotate_at_once, rotate_refresh_token_in, AtOnce, AtOnceRun, RefreshOutcome, Rotated, Rotation,
};

/// Rotations committed together at most.
const MAX_BATCH: usize = 64;
/// Rotations waiting at most; beyond, callers wait to queue.
const QUEUE: usize = 1_024;
/// Reruns of a batch at most (SQLite): each costs the whole batch again, and callers that
/// time out under load could otherwise make one more at every run.
const MAX_RERUNS: usize = 4;
/// Statements of rotations in flight at once on PostgreSQL: while one commits, the
/// rotations arriving meanwhile gather into the next.
const STATEMENTS_IN_FLIGHT: usize = 4;

type Reply = oneshot::Sender<sqlx::Result<RefreshOutcome>>;
type Waiting = mpsc::Receiver<(Rotation, Reply)>;

/// The queue of the tasks that carry out rotations, several at a time.
pub struct Rotations(mpsc::Sender<(Rotation, Reply)>);

impl Rotations {
    /// Starts the tasks: on PostgreSQL `STATEMENTS_IN_FLIGHT` that each carry out what is
    /// waiting in one statement, on SQLite the one that commits what is waiting together.
    pub fn start(db: &Db, dialect: Dialect) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        match dialect {
            Dialect::Postgres => {
                let waiting = Arc::new(Mutex::new(waiting));
                for _ in 0..STATEMENTS_IN_FLIGHT {
                    tokio::spawn(rotate_in_statements(db.clone(), waiting.clone()));
                }
            }
            Dialect::Sqlite => {
                tokio::spawn(commit_together(db.clone(), waiting));
            }
        }
        Self(queue)
    }

    /// Carries out `rotation` and commits it if it continues the session.
    pub async fn rotate(&self, rotation: Rotation) -> sqlx::Result<RefreshOutcome> {
        let (reply, outcome) = oneshot::channel();
        self.0
            .send((rotation, reply))
            .await
            .map_err(|_| sqlx::Error::WorkerCrashed)?;
        outcome.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }
}

/// A task of PostgreSQL's: takes whatever is waiting (up to `MAX_BATCH`) and carries it
/// out (`rotate_batch`), until the state is dropped. Each batch runs in a task of its own,
/// so that a panic fails that batch's callers (their replies are dropped) and not the next.
async fn rotate_in_statements(db: Db, waiting: Arc<Mutex<Waiting>>) {
    loop {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        // Held while waiting for rotations: the next task takes what arrives after.
        if waiting.lock().await.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        if let Err(panicked) = tokio::spawn(rotate_batch(db.clone(), batch)).await {
            tracing::error!(error = %panicked, "a batch of refresh-token rotations failed");
        }
    }
}

/// PostgreSQL: `pending` in one statement; what it did not carry out, each on its own.
async fn rotate_batch(db: Db, pending: Vec<(Rotation, Reply)>) {
    // A token presented twice (two tabs, or a copy) goes once in the statement; the other
    // presentation goes alone once the statement is done, and finds it rotated.
    let mut presented = HashSet::new();
    let (first, repeats): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .partition(|(rotation, _)| presented.insert(rotation.token_hash.clone()));
    rotate_together(&db, first).await;
    for (rotation, reply) in repeats {
        tokio::spawn(rotate_alone(db.clone(), rotation, reply));
    }
}

/// PostgreSQL: `pending`, no token twice, in one statement; the rotations it left out go on
/// in transactions of their own.
async fn rotate_together(db: &Db, mut pending: Vec<(Rotation, Reply)>) {
    // A caller that has gone is not rotated for (see `commit_batch`). Looked at once a
    // connection is had: waiting for one can take seconds.
    let mut conn = match db.acquire().await {
        Ok(conn) => conn,
        Err(failed) => return answer_failed(pending, &failed),
    };
    pending.retain(|(_, reply)| !reply.is_closed());
    if pending.is_empty() {
        return;
    }
    let rotations: Vec<&Rotation> = pending.iter().map(|(rotation, _)| rotation).collect();
    let run = rotate_at_once(&mut conn, &rotations).await;
    drop(conn);
    match run {
        Ok(AtOnceRun::Ran(done)) => {
            for ((rotation, reply), did) in pending.into_iter().zip(done) {
                match did {
                    Ok(AtOnce::Continued(outcome)) => {
                        let _ = reply.send(Ok(outcome));
                    }
                    Ok(AtOnce::SessionEnded) => {
                        let _ = reply.send(Ok(RefreshOutcome::Invalid));
                    }
                    Ok(AtOnce::NotAtOnce) => {
                        tokio::spawn(rotate_in_transaction(db.clone(), rotation, reply));
                    }
                    Err(failed) => {
                        let _ = reply.send(Err(failed));
                    }
                }
            }
        }
        // A broken deadlock wrote nothing: each goes alone.
        Ok(AtOnceRun::GaveWay) => {
            for (rotation, reply) in pending {
                tokio::spawn(rotate_alone(db.clone(), rotation, reply));
            }
        }
        Err(failed) => answer_failed(pending, &failed),
    }
}

/// PostgreSQL: one rotation on its own, in a statement of its own if it can be, else in a
/// transaction. Not begun for a caller that has gone.
async fn rotate_alone(db: Db, rotation: Rotation, reply: Reply) {
    let mut conn = match db.acquire().await {
        Ok(conn) => conn,
        Err(failed) => {
            let _ = reply.send(Err(failed));
            return;
        }
    };
    if reply.is_closed() {
        return;
    }
    let answer = match rotate_at_once(&mut conn, &[&rotation]).await {
        Ok(AtOnceRun::Ran(mut done)) => match done.pop() {
            Some(Ok(AtOnce::Continued(outcome))) => Ok(outcome),
            Some(Ok(AtOnce::SessionEnded)) => Ok(RefreshOutcome::Invalid),
            Some(Err(failed)) => Err(failed),
            Some(Ok(AtOnce::NotAtOnce)) | None => {
                drop(conn);
                return rotate_in_transaction(db, rotation, reply).await;
            }
        },
        Ok(AtOnceRun::GaveWay) => {
            drop(conn);
            return rotate_in_transaction(db, rotation, reply).await;
        }
        Err(failed) => Err(failed),
    };
    let _ = reply.send(answer);
}

/// PostgreSQL: a rotation that a statement did not carry out, in a transaction that tells
/// which refusal it is (reused, within a tab's grace, expired, invalid), or that waits for
/// a user's row held by a sign-out or a credential change. It is rolled back, not
/// committed, if its caller has gone by then: nobody would get the new refresh token, and
/// the old one, rotated, would read as stolen at its holder's next refresh.
async fn rotate_in_transaction(db: Db, rotation: Rotation, reply: Reply) {
    let answer = async {
        let mut tx = db::begin_write(&db, Dialect::Postgres).await?;
        // Anything not committed is rolled back as `tx` is dropped.
        Ok(
            match rotate_refresh_token_in(&mut tx, Dialect::Postgres, &rotation).await? {
                Rotated::Outcome(outcome @ RefreshOutcome::Continued { .. }) => {
                    if reply.is_closed() {
                        return Ok(None);
                    }
                    db::commit(tx).await?;
                    Some(outcome)
                }
                Rotated::Outcome(refused) => Some(refused),
                Rotated::RollBack => Some(RefreshOutcome::Invalid),
            },
        )
    };
    match answer.await {
        Ok(Some(outcome)) => {
            let _ = reply.send(Ok(outcome));
        }
        Ok(None) => {}
        Err(failed) => {
            let _ = reply.send(Err(failed));
        }
    }
}

/// The committing task: takes whatever is waiting (up to `MAX_BATCH`), carries it out in
/// one transaction, answers, and starts again. It runs until the state is dropped. Each
/// batch runs in a task of its own: should one panic, its callers are answered with an
/// error (their replies are dropped) and the next batch is served all the same.
///
/// Every batch runs on the same connection, kept from one batch to the next (`Writer`):
/// SQLite keeps a connection's page cache across transactions only while no other
/// connection has written in between, so the pool's connections, each taken in turn, began
/// every batch by reading the index pages again (in the profile: `pread` and page-cache
/// refills on sqlx's SQLite thread).
async fn commit_together(db: Db, mut waiting: Waiting) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut writer = None;
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let pending: Vec<(Rotation, Reply)> = std::mem::take(&mut batch);
        let done = tokio::spawn(commit_batch(db.clone(), writer.take(), pending));
        match done.await {
            Ok(kept) => writer = kept,
            Err(panicked) => {
                tracing::error!(error = %panicked, "a batch of refresh-token rotations failed");
            }
        }
    }
}

/// The connection the batches run on; a new one is taken from the pool when there is
/// none yet, or when the last one was left unusable (a batch failed as a whole, or
/// panicked with it).
type Writer = Option<PoolConnection<Any>>;

/// Commits `pending` in one transaction and answers every caller. A rotation that must be
/// undone is answered on its own (or not at all, if its caller has gone) and the batch is
/// run again without it, so each run is shorter, and the last one commits; after
/// `MAX_RERUNS` the rest are refused as unavailable (nothing of theirs was committed, so
/// their tokens still work when they try again). Gives the writer back, unless the batch
/// failed as a whole.
async fn commit_batch(db: Db, mut writer: Writer, mut pending: Vec<(Rotation, Reply)>) -> Writer {
    for _run in 0..=MAX_RERUNS {
        // A caller that has gone (its client hung up, its request timed out) is not
        // rotated for: nobody would receive its new refresh token, and the old one, now
        // rotated, would then read as stolen at its holder's next refresh.
        pending.retain(|(_, reply)| !reply.is_closed());
        if pending.is_empty() {
            return writer;
        }
        let mut conn = match writer.take() {
            Some(kept) => kept,
            None => match db.acquire().await {
                Ok(taken) => taken,
                Err(failed) => {
                    answer_failed(pending, &failed);
                    return None;
                }
            },
        };
        match run_batch(&mut conn, &pending).await {
            Run::Committed(outcomes) => {
                for ((_, reply), outcome) in pending.into_iter().zip(outcomes) {
                    // A caller that left after the commit needs no answer.
                    let _ = reply.send(Ok(outcome));
                }
                return Some(conn);
            }
            Run::Undo(at, answer) => {
                let (_, reply) = pending.remove(at);
                if matches!(answer, Some(Err(_))) {
                    // SQLite may have rolled the whole transaction back itself (a full
                    // disk, say), and then sqlx cannot: the connection would stay inside
                    // a transaction it believes open. The rerun takes a fresh one.
                    conn.close_on_drop();
                } else {
                    writer = Some(conn);
                }
                if let Some(answer) = answer {
                    let _ = reply.send(answer);
                }
            }
            Run::Failed(failed) => {
                conn.close_on_drop();
                answer_failed(pending, &failed);
                return None;
            }
        }
    }
    answer_failed(pending, &sqlx::Error::PoolTimedOut);
    writer
}

fn answer_failed(pending: Vec<(Rotation, Reply)>, failed: &sqlx::Error) {
    for (_, reply) in pending {
        let _ = reply.send(Err(copy_of(failed)));
    }
}

/// How one run of a batch ended.
enum Run {
    /// Committed: the outcome of each rotation, in order.
    Committed(Vec<RefreshOutcome>),
    /// Rolled back because of the rotation at this index, with its answer (none for a
    /// caller that has left).
    Undo(usize, Option<sqlx::Result<RefreshOutcome>>),
    /// Nothing was committed, for all of them: the transaction could not begin or commit.
    Failed(sqlx::Error),
}

/// One transaction for `pending`. Every outcome but a continued session wrote nothing,
/// so only a rotation that failed, was refused after writing, or whose caller left while
/// it ran needs the transaction rolled back (it is, as `tx` is dropped).
async fn run_batch(writer: &mut AnyConnection, pending: &[(Rotation, Reply)]) -> Run {
    // Not `db::begin_write`'s detached task: nothing cancels this one (it belongs to the
    // committing task, not to a request).
    let mut tx = match writer.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(failed) => return Run::Failed(failed),
    };
    let mut outcomes = Vec::with_capacity(pending.len());
    for (at, (rotation, _)) in pending.iter().enumerate() {
        match rotate_refresh_token_in(&mut tx, Dialect::Sqlite, rotation).await {
            Ok(Rotated::Outcome(outcome)) => outcomes.push(outcome),
            Ok(Rotated::RollBack) => return Run::Undo(at, Some(Ok(RefreshOutcome::Invalid))),
            Err(failed) => return Run::Undo(at, Some(Err(failed))),
        }
    }
    // Looked at last, right before the commit, so that a caller can leave unseen only
    // while the commit itself runs.
    let left = outcomes
        .iter()
        .zip(pending)
        .position(|(outcome, (_, reply))| {
            matches!(outcome, RefreshOutcome::Continued { .. }) && reply.is_closed()
        });
    if let Some(at) = left {
        return Run::Undo(at, None);
    }
    match tx.commit().await {
        Ok(()) => Run::Committed(outcomes),
        Err(failed) => Run::Failed(failed),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{ClientInfo, ClientKind};
    use crate::password::PasswordHashString;
    use crate::secret::Secret;
    use crate::sessions::{self, SessionPolicy};
    use crate::tokens::hash_refresh_token;
    use crate::users::{self, CreateUser};

    const NOW: i64 = 1_000_000;
    const POLICY: SessionPolicy = SessionPolicy {
        refresh_ttl: 86_400,
        idle_timeout: 3_600,
        reuse_grace: 10,
    };

    async fn database() -> Db {
        let file = std::env::temp_dir().join(format!("rotations-{}.db", db::new_id()));
        db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .expect("a SQLite database")
    }

    /// `count` API sessions of one new user.
    async fn sessions(db: &Db, count: usize) -> Vec<sessions::NewSession> {
        let mut tx = db::begin_write(db, Dialect::Sqlite).await.unwrap();
        let hash = PasswordHashString("not a real hash".into());
        let email = format!("{}@example.com", db::new_id());
        let CreateUser::Created(user) = users::create(&mut tx, &email, None, &hash, NOW)
            .await
            .unwrap()
        else {
            panic!("the email is new");
        };
        let mut tokens = Vec::new();
        for _ in 0..count {
            let client = api_client();
            let session = sessions::create(&mut tx, &user.id, &client, POLICY, NOW).await;
            tokens.push(session.unwrap());
        }
        db::commit(tx).await.unwrap();
        tokens
    }

    fn api_client() -> ClientInfo {
        ClientInfo {
            ip: None,
            user_agent: None,
            kind: ClientKind::Api,
        }
    }

    fn rotation(token: &Secret) -> Rotation {
        Rotation {
            token_hash: hash_refresh_token(token),
            policy: POLICY,
            allow_grace: false,
            access_ttl: 900,
            client: api_client(),
            now: NOW + 1,
        }
    }

    /// A rotation's reply, and whether its caller is still there to receive it.
    fn waiting(
        token: &Secret,
        stays: bool,
    ) -> (
        (Rotation, Reply),
        Option<oneshot::Receiver<sqlx::Result<RefreshOutcome>>>,
    ) {
        let (reply, answer) = oneshot::channel();
        ((rotation(token), reply), stays.then_some(answer))
    }

    /// Whether `token` can still be rotated (it was never rotated, or its rotation was not
    /// committed): presented alone, in a transaction that is rolled back.
    async fn still_current(db: &Db, token: &Secret) -> bool {
        let mut tx = db::begin_write(db, Dialect::Sqlite).await.unwrap();
        let rotation = rotation(token);
        let rotated = rotate_refresh_token_in(&mut tx, Dialect::Sqlite, &rotation);
        matches!(
            rotated.await.unwrap(),
            Rotated::Outcome(RefreshOutcome::Continued { .. })
        )
    }

    /// A caller that leaves while its rotation runs rolls the batch back (`run_batch`),
    /// and none of it is committed.
    #[tokio::test]
    async fn a_caller_that_left_rolls_the_batch_back() {
        let db = database().await;
        let tokens: Vec<Secret> = sessions(&db, 3)
            .await
            .into_iter()
            .map(|s| s.refresh_token)
            .collect();
        let (pending, _answers): (Vec<_>, Vec<_>) = tokens
            .iter()
            .enumerate()
            .map(|(at, token)| waiting(token, at != 1))
            .unzip();
        let mut writer = db.acquire().await.unwrap();
        let Run::Undo(1, None) = run_batch(&mut writer, &pending).await else {
            panic!("the batch is rolled back because of the rotation whose caller left");
        };
        for token in &tokens {
            assert!(still_current(&db, token).await, "nothing was committed");
        }
    }

    /// A rotation that fails midway (here a trigger refuses its new token, after it has
    /// written) is answered with its error, and the batch commits the others without it:
    /// its own token was never rotated. Callers that left before the batch ran are not
    /// rotated for.
    #[tokio::test]
    async fn a_failed_rotation_is_undone_alone_and_the_others_are_committed() {
        let db = database().await;
        let started = sessions(&db, 4).await;
        sqlx::query(&format!(
            "CREATE TRIGGER disk_trouble BEFORE INSERT ON refresh_tokens
             WHEN NEW.session_id = '{}' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END",
            started[1].session_id
        ))
        .execute(&db)
        .await
        .unwrap();
        let tokens: Vec<&Secret> = started.iter().map(|s| &s.refresh_token).collect();
        let (pending, answers): (Vec<_>, Vec<_>) = tokens
            .iter()
            .enumerate()
            .map(|(at, token)| waiting(token, at != 3))
            .unzip();

        let writer = commit_batch(db.clone(), None, pending).await;
        assert!(writer.is_some(), "the writer is kept for the next batch");
        let mut answers = answers.into_iter();
        for expected in ["continued", "failed", "continued"] {
            let answer = answers
                .next()
                .flatten()
                .expect("a caller")
                .await
                .expect("answered");
            let got = match answer {
                Ok(RefreshOutcome::Continued { .. }) => "continued",
                Err(_) => "failed",
                Ok(_) => "refused",
            };
            assert_eq!(got, expected);
        }
        let rotated = |token: &Secret| {
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT rotated_at FROM refresh_tokens WHERE token_hash = $1",
            )
            .bind(hash_refresh_token(token))
            .fetch_one(&db)
        };
        assert!(rotated(tokens[0]).await.unwrap().is_some(), "committed");
        assert!(rotated(tokens[1]).await.unwrap().is_none(), "rolled back");
        assert!(rotated(tokens[2]).await.unwrap().is_some(), "committed");
        assert!(
            rotated(tokens[3]).await.unwrap().is_none(),
            "its caller had left"
        );
    }
}
