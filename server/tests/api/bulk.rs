//! Many sessions for one user, written straight to the database in one statement. Shared
//! by the tests and the benchmark (`server/benches/bench.rs` includes this file).

use sqlx::AnyPool;

/// Inserts `count` active sessions of `user_id` that were last used before `now`, each
/// second apart, so that the devices list has a stable order.
pub async fn insert_sessions(
    db: &AnyPool,
    user_id: &str,
    count: i64,
    now: i64,
) -> sqlx::Result<()> {
    // A prefix per call keeps the ids unique when a user gets several batches.
    let prefix = format!("bulk-{}", uuid::Uuid::now_v7().simple());
    sqlx::query(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $3)
         INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, idle_expires_at, user_agent, ip)
         SELECT $1 || '-' || n, $2, $4 - n, $4 - n, $4 + 86400, $4 + 86400, 'bulk/1.0', '127.0.0.1' FROM seq",
    )
    .bind(prefix)
    .bind(user_id)
    .bind(count)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
