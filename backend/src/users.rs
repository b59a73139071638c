//! Accounts: creation, lookup, and the token version that "sign out everywhere" bumps.

use sqlx::{AnyConnection, Row};

use super::clock::UnixTime;
use super::db::{new_id, Db, Dialect};
use super::password::PasswordHashString;

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    /// As chosen at sign-up; `None` when none was (see `display_name::shown`).
    pub display_name: Option<String>,
    pub token_version: i64,
    pub created_at: UnixTime,
}

impl User {
    /// The name shown for this user in public.
    pub fn public_name(&self) -> String {
        super::display_name::shown(self.display_name.clone(), &self.id)
    }

    /// The user as the client may know them: nothing secret.
    pub fn view(&self) -> wire::UserView {
        wire::UserView {
            id: self.id.clone(),
            email: self.email.clone(),
            display_name: self.public_name(),
            created_at: self.created_at,
        }
    }
}

pub use wire::rules::normalize_email;

pub enum CreateUser {
    Created(User),
    EmailTaken,
}

pub async fn create(
    conn: &mut AnyConnection,
    email: &str,
    display_name: Option<&str>,
    hash: &PasswordHashString,
    now: UnixTime,
) -> sqlx::Result<CreateUser> {
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, token_version, created_at, password_changed_at)
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(&id)
    .bind(email)
    .bind(display_name)
    .bind(&hash.0)
    .bind(now)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => Ok(CreateUser::Created(User {
            id,
            email: email.to_owned(),
            display_name: display_name.map(str::to_owned),
            token_version: 0,
            created_at: now,
        })),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(CreateUser::EmailTaken),
        Err(e) => Err(e),
    }
}

fn user_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        token_version: row.try_get("token_version")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The user and their password hash, for sign-in.
pub async fn find_by_email(
    db: &Db,
    email: &str,
) -> sqlx::Result<Option<(User, PasswordHashString)>> {
    let row = sqlx::query(
        "SELECT id, email, display_name, token_version, created_at, password_hash
         FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok((
            user_from_row(&row)?,
            PasswordHashString(row.try_get("password_hash")?),
        ))
    })
    .transpose()
}

pub async fn find_by_id(db: &Db, id: &str) -> sqlx::Result<Option<User>> {
    let row = sqlx::query(
        "SELECT id, email, display_name, token_version, created_at FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|row| user_from_row(&row)).transpose()
}

/// How a transaction holds a user's row until it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowLock {
    /// Granting tokens: many at once, none while the row is held exclusively.
    Shared,
    /// Ending sessions or changing credentials.
    Exclusive,
}

/// A user's row as read under its lock.
pub struct LockedUser {
    pub email: String,
    pub password_hash: PasswordHashString,
    pub token_version: i64,
}

/// Reads the user's row and locks it until the transaction ends. Every transaction that
/// ends sessions or grants tokens takes this lock before touching any session row, so they
/// are ordered, and PostgreSQL never finds two of them waiting for each other. (On SQLite
/// the write transaction, `BEGIN IMMEDIATE`, already excludes every other writer.)
pub async fn lock(
    conn: &mut AnyConnection,
    dialect: Dialect,
    user_id: &str,
    mode: RowLock,
) -> sqlx::Result<Option<LockedUser>> {
    let clause = match (dialect, mode) {
        (Dialect::Sqlite, _) => "",
        (Dialect::Postgres, RowLock::Shared) => " FOR SHARE",
        // Not FOR UPDATE: that would also block inserts whose foreign key names the user.
        (Dialect::Postgres, RowLock::Exclusive) => " FOR NO KEY UPDATE",
    };
    let row = sqlx::query(&format!(
        "SELECT email, password_hash, token_version FROM users WHERE id = $1{clause}"
    ))
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(LockedUser {
            email: row.try_get("email")?,
            password_hash: PasswordHashString(row.try_get("password_hash")?),
            token_version: row.try_get("token_version")?,
        })
    })
    .transpose()
}

/// Increments the user's token version and returns the new one: every access token issued
/// before is dead from now on.
pub async fn bump_token_version(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query("UPDATE users SET token_version = token_version + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT token_version FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("token_version")
}

/// The stored hash of a user's password, to confirm a sensitive change.
pub async fn password_hash_of(db: &Db, user_id: &str) -> sqlx::Result<Option<PasswordHashString>> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
        .map(|h: Option<String>| h.map(PasswordHashString))
}

pub async fn set_password(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &PasswordHashString,
    now: UnixTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(&hash.0)
        .bind(now)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Changes the email. `false` if another account already has it.
pub async fn set_email(conn: &mut AnyConnection, user_id: &str, email: &str) -> sqlx::Result<bool> {
    match sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
        .bind(email)
        .bind(user_id)
        .execute(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The authenticated caller as the client may know them; `None` if the account is gone.
pub async fn signed_in_as(
    db: &Db,
    auth: &super::authn::Authenticated,
) -> sqlx::Result<Option<wire::SignedIn>> {
    Ok(find_by_id(db, auth.user_id())
        .await?
        .map(|user| wire::SignedIn {
            user: user.view(),
            session_id: auth.session_id().to_owned(),
        }))
}
