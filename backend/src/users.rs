//! Accounts: creation, lookup, and the token version that "sign out everywhere" bumps.

use sqlx::{AnyConnection, Row};

use super::clock::UnixTime;
use super::db::{new_id, Db, Dialect};
use super::password::PasswordHashString;
use super::profiles::Profiles;

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    /// As chosen at sign-up; `None` when none was (see `display_name::shown`).
    pub display_name: Option<String>,
    pub token_version: i64,
    pub created_at: UnixTime,
    pub is_admin: bool,
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
            is_admin: self.is_admin,
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
            is_admin: false,
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
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
    })
}

/// The columns `user_from_row` reads.
const USER_COLUMNS: &str = "id, email, display_name, token_version, created_at, is_admin";

/// The user and their password hash, for sign-in. A deleted account is no one.
pub async fn find_by_email(
    db: &Db,
    email: &str,
) -> sqlx::Result<Option<(User, PasswordHashString)>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1 AND deleted_at IS NULL"
    ))
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

/// The user, unless the account was deleted.
pub async fn find_by_id(db: &Db, id: &str) -> sqlx::Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(|row| user_from_row(&row)).transpose()
}

/// The user, unless the account was deleted, read inside the caller's transaction.
pub async fn find_by_id_in(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(conn)
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

/// Whether an account can be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Active,
    /// By an administrator: no sign-in, no refresh, until enabled again.
    Disabled,
    /// By its owner: a tombstone that only keeps what refers to it.
    Deleted,
}

/// A user's row as read under its lock.
pub struct LockedUser {
    pub email: String,
    pub password_hash: PasswordHashString,
    pub token_version: i64,
    pub standing: Standing,
    display_name: Option<String>,
    created_at: UnixTime,
    is_admin: bool,
}

impl LockedUser {
    pub fn is_active(&self) -> bool {
        self.standing == Standing::Active
    }

    /// The user as read under the lock (whose id is `id`): what tokens granted in this
    /// transaction are issued to, with no second read.
    pub fn user(&self, id: &str) -> User {
        User {
            id: id.to_owned(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            token_version: self.token_version,
            created_at: self.created_at,
            is_admin: self.is_admin,
        }
    }
}

fn standing_of(row: &sqlx::any::AnyRow) -> sqlx::Result<Standing> {
    let deleted: Option<i64> = row.try_get("deleted_at")?;
    let disabled: Option<i64> = row.try_get("disabled_at")?;
    Ok(match (deleted, disabled) {
        (Some(_), _) => Standing::Deleted,
        (None, Some(_)) => Standing::Disabled,
        (None, None) => Standing::Active,
    })
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
    let row = sqlx::query(&format!(
        "SELECT {LOCKED_COLUMNS} FROM users u WHERE u.id = $1{}",
        lock_clause(dialect, mode)
    ))
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(locked_user_of).transpose()
}

/// What `LockedUser` is read from, in a statement that names the user's row `u`: a
/// statement that reads other rows with the user's can lock it in the same round trip
/// (`lock_clause`), as the refresh-token rotation does.
pub const LOCKED_COLUMNS: &str = "u.email, u.password_hash, u.token_version, u.disabled_at,
    u.deleted_at, u.display_name, u.created_at, u.is_admin";

/// The clause that locks the row `u` (only: the statement's other rows are read, not
/// locked) until the transaction ends.
pub fn lock_clause(dialect: Dialect, mode: RowLock) -> &'static str {
    match (dialect, mode) {
        (Dialect::Sqlite, _) => "",
        (Dialect::Postgres, RowLock::Shared) => " FOR SHARE OF u",
        // Not FOR UPDATE: that would also block inserts whose foreign key names the user.
        (Dialect::Postgres, RowLock::Exclusive) => " FOR NO KEY UPDATE OF u",
    }
}

/// The user of a row read with `LOCKED_COLUMNS`.
pub fn locked_user_of(row: &sqlx::any::AnyRow) -> sqlx::Result<LockedUser> {
    Ok(LockedUser {
        email: row.try_get("email")?,
        password_hash: PasswordHashString(row.try_get("password_hash")?),
        token_version: row.try_get("token_version")?,
        standing: standing_of(row)?,
        display_name: row.try_get("display_name")?,
        created_at: row.try_get("created_at")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
    })
}

/// Whether the user may administer (`None`: no such account, or deleted).
pub async fn is_admin(db: &Db, user_id: &str) -> sqlx::Result<bool> {
    let admin: Option<i64> =
        sqlx::query_scalar("SELECT is_admin FROM users WHERE id = $1 AND deleted_at IS NULL")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(admin.unwrap_or(0) != 0)
}

/// The standing of the account, if it exists at all.
pub async fn standing(db: &Db, user_id: &str) -> sqlx::Result<Option<Standing>> {
    let row = sqlx::query("SELECT disabled_at, deleted_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    row.map(|row| standing_of(&row)).transpose()
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
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL")
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

/// How current a profile must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The session check (`GET /api/auth/me`): a kept profile will do (see `profiles.rs`
    /// for why it is current but for the tail's delay on other processes).
    Kept,
    /// A page render: read now, as the page's own guards are (`/admin` reads the database),
    /// so that a page never shows a profile older than what it allows; the read is kept
    /// for the session checks that follow.
    Read,
}

/// The authenticated caller as the client may know them; `None` if the account is gone.
pub async fn signed_in_as(
    db: &Db,
    profiles: &Profiles,
    auth: &super::authn::Authenticated,
    freshness: Freshness,
    now: UnixTime,
) -> sqlx::Result<Option<wire::SignedIn>> {
    let signed_in = |user: wire::UserView| wire::SignedIn {
        user,
        session_id: auth.session_id().to_owned(),
    };
    if freshness == Freshness::Kept {
        if let Some(kept) = profiles.get(auth.user_id(), now) {
            return Ok(Some(signed_in(kept)));
        }
    }
    let generation = profiles.generation();
    let Some(user) = find_by_id(db, auth.user_id()).await? else {
        return Ok(None);
    };
    let view = user.view();
    profiles.keep(&view, generation, now);
    Ok(Some(signed_in(view)))
}

/// What a deleted account's public posts are signed with.
pub const FORMER_MEMBER: &str = "Former member";

/// Turns the account into a tombstone, under its row lock: the email goes (and can
/// register again), so do the password and the chosen name; the id stays, for the rows
/// that name it.
pub async fn tombstone(conn: &mut AnyConnection, user_id: &str, now: UnixTime) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET email = $1, password_hash = '', display_name = $2, is_admin = 0,
                          deleted_at = $3
         WHERE id = $4",
    )
    // No '@': not an address anyone can register or sign in with.
    .bind(format!("deleted:{user_id}"))
    .bind(FORMER_MEMBER)
    .bind(now)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Disables (`Some(now)`) or enables (`None`) the account, under its row lock.
pub async fn set_disabled(
    conn: &mut AnyConnection,
    user_id: &str,
    disabled_at: Option<UnixTime>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(disabled_at)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes or unmakes an administrator, inside the caller's transaction; the id of the live
/// account with this email, `None` if there is none.
pub async fn set_admin(
    conn: &mut AnyConnection,
    email: &str,
    admin: bool,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "UPDATE users SET is_admin = $1 WHERE email = $2 AND deleted_at IS NULL RETURNING id",
    )
    .bind(i64::from(admin))
    .bind(normalize_email(email))
    .fetch_optional(conn)
    .await
}

/// An account as an administrator sees it.
pub struct Account {
    pub id: String,
    pub email: String,
    pub created_at: UnixTime,
    pub disabled: bool,
    pub is_admin: bool,
    pub active_sessions: i64,
}

/// Live accounts whose email contains `part` (case-insensitive), at most `limit`.
pub async fn search_by_email(db: &Db, part: &str, limit: i64) -> sqlx::Result<Vec<Account>> {
    // LIKE's wildcards typed by the administrator are taken literally.
    let escaped: String = normalize_email(part)
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.created_at, u.disabled_at, u.is_admin,
                (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL)
                    AS active_sessions
         FROM users u
         WHERE u.deleted_at IS NULL AND u.email LIKE $1 ESCAPE '\\'
         ORDER BY u.email LIMIT $2",
    )
    .bind(format!("%{escaped}%"))
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Account {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                created_at: row.try_get("created_at")?,
                disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                is_admin: row.try_get::<i64, _>("is_admin")? != 0,
                active_sessions: row.try_get("active_sessions")?,
            })
        })
        .collect()
}
