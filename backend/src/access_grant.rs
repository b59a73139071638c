//! Granting an access token for a session: the one place that decides a token's `ver`
//! and `exp`, under the user's row lock, and records that `exp` on the session.
//!
//! Why under the lock: whatever ends sessions (sign-out everywhere, a password change...)
//! takes the same user row lock first, bumps the version and reads the latest `exp`
//! recorded on the sessions it ends. A grant therefore happens wholly before it (and its
//! `exp` is seen, so the revocation is remembered at least that long) or wholly after it
//! (and sees the new version, or finds the session ended and grants nothing). The same
//! order, user row first, everywhere, is also what keeps PostgreSQL free of deadlocks.

use sqlx::{AnyConnection, Row};

use super::clock::UnixTime;
use super::db::Dialect;
use super::users::{self, LockedUser, RowLock};

/// What an access token may carry: the user's current token version and an expiry that
/// is already recorded on its session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessGrant {
    pub version: i64,
    pub expires_at: UnixTime,
}

/// Grants an access token of `ttl` seconds for the user's session, capped at the
/// session's deadlines, inside the caller's write transaction. `None` if the user is gone
/// (deleted or disabled included) or the session is no longer active.
pub async fn grant(
    conn: &mut AnyConnection,
    dialect: Dialect,
    user_id: &str,
    session_id: &str,
    ttl: i64,
    now: UnixTime,
) -> sqlx::Result<Option<AccessGrant>> {
    let Some(user) = users::lock(conn, dialect, user_id, RowLock::Shared).await? else {
        return Ok(None);
    };
    grant_locked(conn, &user, user_id, session_id, ttl, now).await
}

/// `grant`, for a caller that already holds the user's row lock in this transaction.
pub async fn grant_locked(
    conn: &mut AnyConnection,
    user: &LockedUser,
    user_id: &str,
    session_id: &str,
    ttl: i64,
    now: UnixTime,
) -> sqlx::Result<Option<AccessGrant>> {
    // A disabled or deleted account is granted nothing, whatever its sessions say.
    if !user.is_active() {
        return Ok(None);
    }
    let Some(row) = sqlx::query(
        "SELECT expires_at, idle_expires_at FROM sessions
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    // A token never outlives its session: its absolute end, or its idle deadline if it
    // is not used again.
    let expires_at = (now + ttl)
        .min(row.try_get::<i64, _>("expires_at")?)
        .min(row.try_get::<i64, _>("idle_expires_at")?);
    if expires_at <= now {
        return Ok(None);
    }
    // Only ever raised. Every revocation holds the user row lock exclusively, so the
    // session cannot end between the read above and this write; the condition says so
    // anyway, and the row count confirms it.
    let recorded = sqlx::query(
        "UPDATE sessions SET access_expires_max = CASE WHEN access_expires_max < $1 THEN $1 ELSE access_expires_max END
         WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(expires_at)
    .bind(session_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    Ok(recorded.then_some(granted(user, expires_at)))
}

/// What a refresh-token rotation writes on its session: the new idle deadline, and the
/// access token's expiry (capped at both of the session's deadlines), with the user's
/// version as read under the row lock the caller holds.
#[derive(Clone, Copy, Debug)]
pub struct RotationGrant {
    pub idle_expires_at: UnixTime,
    pub grant: AccessGrant,
}

/// The terms of a rotation's grant, or `None` if the account is not active or nothing
/// would be left of the session. `session_expires_at` never changes, so the caller's read
/// of it is current.
pub fn on_rotation(
    user: &LockedUser,
    session_expires_at: UnixTime,
    ttl: i64,
    idle_timeout: i64,
    now: UnixTime,
) -> Option<RotationGrant> {
    if !user.is_active() {
        return None;
    }
    let idle_expires_at = now + idle_timeout;
    let expires_at = (now + ttl).min(session_expires_at).min(idle_expires_at);
    (expires_at > now).then_some(RotationGrant {
        idle_expires_at,
        grant: granted(user, expires_at),
    })
}

/// Records a rotation's grant, which also moves the session's idle deadline: one
/// statement where `grant_locked` and the activity update took three. `false` if the
/// session ended meanwhile (PostgreSQL lets a sign-out commit between the caller's read and
/// its lock; the condition on `revoked_at` sees it). `record_on_rotation_sql` is the statement,
/// which the PostgreSQL rotation also runs as part of a larger one.
pub async fn record_on_rotation(
    conn: &mut AnyConnection,
    terms: RotationGrant,
    session_id: &str,
    now: UnixTime,
) -> sqlx::Result<bool> {
    let recorded = sqlx::query(&format!(
        "{} WHERE id = $4 AND revoked_at IS NULL",
        record_on_rotation_sql("$1", "$2", "$3")
    ))
    .bind(now)
    .bind(terms.idle_expires_at)
    .bind(terms.grant.expires_at)
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(recorded.rows_affected() == 1)
}

/// The update of `record_on_rotation`, without its condition: `now`, the idle deadline,
/// and the access token's expiry (recorded only if it is later than the one recorded), as
/// parameters or, in the PostgreSQL rotations that read and write in one statement,
/// expressions of what it read.
pub fn record_on_rotation_sql(now: &str, idle_deadline: &str, access_expiry: &str) -> String {
    format!(
        "UPDATE sessions SET last_seen_at = {now}, idle_expires_at = {idle_deadline},
         access_expires_max = CASE WHEN access_expires_max < {access_expiry}
                                   THEN {access_expiry} ELSE access_expires_max END"
    )
}

/// The grant whose expiry is now recorded on its session, at the locked user's version.
fn granted(user: &LockedUser, expires_at: UnixTime) -> AccessGrant {
    AccessGrant {
        version: user.token_version,
        expires_at,
    }
}
