//! The database pool and migrations. One query layer (sqlx's `Any` driver with `$N`
//! placeholders and integer times) serves both SQLite and PostgreSQL unchanged.

use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection};

pub type Db = AnyPool;

/// How long a request waits for a pooled connection (including opening a new one) before
/// it is answered 503. sqlx's default is 30 s: with the database gone, every request would
/// hang that long.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// PostgreSQL cancels any statement, lock waits included, after this long.
const POSTGRES_STATEMENT_TIMEOUT: &str = "SET statement_timeout = '5s'";
/// A transaction left idle this long is ended by PostgreSQL, so that no bug (or lost
/// client) can hold a pooled connection and its row locks inside a transaction for ever.
const POSTGRES_IDLE_TRANSACTION_TIMEOUT: &str = "SET idle_in_transaction_session_timeout = '60s'";

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(database_url: &str) -> anyhow::Result<Self> {
        if database_url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres://")
        }
    }
}

/// Opens the pool (creating the SQLite file and its folder if needed) and applies every
/// pending migration. A failure here stops the server with a message that says why.
pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let dialect = Dialect::of(database_url)?;
    if dialect == Dialect::Sqlite {
        ensure_sqlite_folder(database_url)?;
    }
    let pool = AnyPoolOptions::new()
        .max_connections(if dialect == Dialect::Sqlite { 5 } else { 10 })
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if dialect == Dialect::Postgres {
                    for setting in [
                        POSTGRES_STATEMENT_TIMEOUT,
                        POSTGRES_IDLE_TRANSACTION_TIMEOUT,
                    ] {
                        sqlx::query(setting).execute(&mut *conn).await?;
                    }
                }
                if dialect == Dialect::Sqlite {
                    // WAL lets readers proceed while a sign-out transaction writes.
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 5000")
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect(database_url)
        .await
        .with_context(|| format!("cannot open the database ({})", redact_url(database_url)))?;
    let failed =
        "database migrations failed; the server will not start on a schema it does not know";
    match dialect {
        Dialect::Sqlite => {
            // sqlx takes no lock around SQLite migrations: two processes starting together
            // on a new file (a server and `server ssf add-receiver`, two test servers)
            // would both create the tables, and one would fail. A lock file beside the
            // database makes them take turns.
            let _turn = match sqlite_path(database_url) {
                Some(path) => Some(migration_turn(path).await?),
                None => None,
            };
            SQLITE_MIGRATIONS.run(&pool).await.context(failed)?
        }
        Dialect::Postgres => {
            // On a connection of its own: building an index on a large table may take far
            // longer than the statement timeout a request gets.
            let mut conn = sqlx::AnyConnection::connect(database_url)
                .await
                .with_context(|| {
                    format!("cannot open the database ({})", redact_url(database_url))
                })?;
            POSTGRES_MIGRATIONS.run(&mut conn).await.context(failed)?;
            conn.close().await?;
        }
    }
    Ok(pool)
}

/// The file of an SQLite URL; `None` for an in-memory database.
fn sqlite_path(database_url: &str) -> Option<&str> {
    let path = database_url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// An exclusive lock on `<database>-migrate.lock`, held until the returned file is dropped.
async fn migration_turn(path: &str) -> anyhow::Result<std::fs::File> {
    let lock_path = format!("{path}-migrate.lock");
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {lock_path}"))?;
        file.lock()
            .with_context(|| format!("cannot lock {lock_path}"))?;
        Ok(file)
    })
    .await?
}

fn ensure_sqlite_folder(database_url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_path(database_url) else {
        return Ok(());
    };
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).with_context(|| {
                format!("cannot create the database folder {}", parent.display())
            })?;
        }
    }
    Ok(())
}

/// Keeps passwords in a `postgres://user:pass@host` URL out of error messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://[redacted]{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Whether `err` means the database cannot serve us right now (unreachable, restarting,
/// overloaded, locked for longer than we wait) rather than that the request or the code
/// is wrong. Those are answered 503 with `Retry-After`, never 500.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL SQLSTATEs: class 08 (connection exception), shutting down or
            // starting up, too many connections, statement timeout, lock not available.
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "57014" | "55P03")
                // SQLite: busy or locked (base and extended codes) past the busy timeout.
                || matches!(&*code, "5" | "6" | "261" | "517" | "773" | "262")
        }),
        _ => false,
    }
}

/// A new random id (UUID v7: time-ordered, so indexes stay compact).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A write transaction, begun by `begin_write` and ended by `commit` (or rolled back when
/// dropped).
pub type WriteTx = sqlx::Transaction<'static, sqlx::Any>;

/// Begins a transaction that will write. On SQLite it takes the write lock up front
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails
/// at once with `SQLITE_BUSY_SNAPSHOT` if another connection wrote in between (the busy
/// timeout cannot help there), which turned a concurrent "last active" write into a 500.
///
/// The `BEGIN` runs in a task of its own, so it always completes. sqlx 0.8's `begin` is
/// not cancel-safe: dropped after `BEGIN` was sent and before its answer (the client hung
/// up, so axum dropped the request), it leaves the server inside a transaction that the
/// connection does not know it is in. The pool then lends that connection out again:
/// autocommit statements run inside the forgotten transaction (and are lost if it rolls
/// back), and the next `BEGIN` on it draws "there is already a transaction in progress".
/// Completed in its task, a transaction whose caller has gone is simply dropped, which
/// rolls it back properly.
pub async fn begin_write(db: &Db, dialect: Dialect) -> sqlx::Result<WriteTx> {
    let db = db.clone();
    detached(async move {
        match dialect {
            Dialect::Sqlite => db.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => db.begin().await,
        }
    })
    .await
}

/// Commits in a task of its own, for the same reason as `begin_write`: a commit dropped
/// after `COMMIT` was sent would queue a `ROLLBACK` behind it ("there is no transaction
/// in progress") and leave its caller unsure whether the change landed.
pub async fn commit(tx: WriteTx) -> sqlx::Result<()> {
    detached(tx.commit()).await
}

async fn detached<T: Send + 'static>(
    work: impl std::future::Future<Output = sqlx::Result<T>> + Send + 'static,
) -> sqlx::Result<T> {
    // Fails only if the task panicked or the runtime is shutting down.
    tokio::spawn(work)
        .await
        .map_err(|_| sqlx::Error::WorkerCrashed)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_do_not_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/app"),
            "postgres://[redacted]@db:5432/app"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn unknown_database_schemes_are_refused() {
        assert!(Dialect::of("mysql://x").is_err());
        assert_eq!(Dialect::of("sqlite://data/x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(Dialect::of("postgresql://h/db").unwrap(), Dialect::Postgres);
    }
}
