//! The single-use links that mails carry: a random token in the URL, only its SHA-256 in
//! `mail_links`. A link is used by one atomic UPDATE (`consume`), so two clicks at once,
//! or on two processes, cannot both act.

use sqlx::AnyConnection;

use crate::clock::UnixTime;
use crate::db::Db;
use crate::secret::Secret;
use crate::tokens::{hash_refresh_token as hash, new_refresh_token as new_token};

/// What a link does, and for how long it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// "Not me? Sign out everywhere", in every mail about the account's security.
    NotMe,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::NotMe => "not_me",
            Self::PasswordReset => "password_reset",
        }
    }

    /// Seconds a link works: a week for "Not me" (mail is read late), half an hour for
    /// a reset.
    pub fn lifetime(self) -> i64 {
        match self {
            Self::NotMe => 7 * 24 * 3600,
            Self::PasswordReset => 30 * 60,
        }
    }
}

/// A new link for the user, inside the caller's transaction; the token goes in the URL.
pub async fn create(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: Purpose,
    now: UnixTime,
) -> sqlx::Result<Secret> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO mail_links (token_hash, user_id, purpose, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .bind(now + purpose.lifetime())
    .execute(conn)
    .await?;
    Ok(token)
}

/// The account a link was made for, whatever its state, without locking anything: the
/// caller locks that account's row first (the one lock order), then `consume`s.
pub async fn owner(
    conn: &mut AnyConnection,
    token: &Secret,
    purpose: Purpose,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT user_id FROM mail_links WHERE token_hash = $1 AND purpose = $2")
        .bind(hash(token))
        .bind(purpose.as_str())
        .fetch_optional(conn)
        .await
}

/// Uses the link of `user_id` (whose row the caller holds): `true` if it was of this
/// purpose, unused and unexpired. Never twice.
pub async fn consume(
    conn: &mut AnyConnection,
    token: &Secret,
    purpose: Purpose,
    user_id: &str,
    now: UnixTime,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE mail_links SET used_at = $1
         WHERE token_hash = $2 AND purpose = $3 AND user_id = $4
           AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(hash(token))
    .bind(purpose.as_str())
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Every unused link of the account stops working: its password changed, so no link made
/// before may set it again, nor lead to a reset ("Not me" does).
pub async fn void_every_link(
    conn: &mut AnyConnection,
    user_id: &str,
    now: UnixTime,
) -> sqlx::Result<()> {
    for purpose in [Purpose::NotMe, Purpose::PasswordReset] {
        void_all(conn, user_id, purpose, now).await?;
    }
    Ok(())
}

/// Whether the link would work now (a page shows its form, or says it cannot).
pub async fn is_usable(
    db: &Db,
    token: &Secret,
    purpose: Purpose,
    now: UnixTime,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM mail_links
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash(token))
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// When the user's newest link of this purpose was made.
pub async fn newest(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: Purpose,
) -> sqlx::Result<Option<UnixTime>> {
    sqlx::query_scalar("SELECT MAX(created_at) FROM mail_links WHERE user_id = $1 AND purpose = $2")
        .bind(user_id)
        .bind(purpose.as_str())
        .fetch_one(conn)
        .await
}

/// Every unused link of this purpose stops working (the password changed: an older reset
/// link must not set it again).
pub async fn void_all(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: Purpose,
    now: UnixTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_links SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(conn)
    .await?;
    Ok(())
}
