//! Sessions (one per signed-in device) and their rotating refresh tokens.

use sqlx::{AnyConnection, Row};

use super::access_grant::{self, AccessGrant};
use super::audit::{self, AuditEvent, AuditKind, ClientInfo, ClientKind};
use super::clock::UnixTime;
use super::db::{new_id, Db, Dialect};
use super::secret::Secret;
use super::session_page::{Cursor, Page};
use super::tokens::{hash_refresh_token, new_refresh_token};
use super::users::{self, RowLock};

/// The lifetimes that govern a session, taken from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub refresh_ttl: i64,
    pub idle_timeout: i64,
    pub reuse_grace: i64,
}

/// Why a session ended; stored in `sessions.revoked_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeReason {
    SignOut,
    SignOutEverywhere,
    SignedOutByOtherDevice,
    RevokedFromDevicesList,
    PasswordChanged,
    EmailChanged,
    SecurityConcern,
    RefreshTokenReuse,
    /// A new sign-in found the user at `MAX_SESSIONS_PER_USER`: the least recently active
    /// session made room.
    SessionLimit,
    /// An administrator ended every session of the user.
    Administrator,
    AccountDisabled,
    AccountDeleted,
    /// "Not me? Sign out everywhere", from a security mail.
    NotMe,
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignOut => wire::ENDED_BY_SIGN_OUT,
            Self::SignOutEverywhere => "sign_out_everywhere",
            Self::SignedOutByOtherDevice => "signed_out_by_other_device",
            Self::RevokedFromDevicesList => "revoked_from_devices_list",
            Self::PasswordChanged => "password_changed",
            Self::EmailChanged => "email_changed",
            Self::SecurityConcern => "security_concern",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::SessionLimit => "session_limit",
            Self::Administrator => "administrator",
            Self::AccountDisabled => "account_disabled",
            Self::AccountDeleted => "account_deleted",
            Self::NotMe => "not_me",
        }
    }
}

impl RevokeReason {
    pub fn parse(stored: &str) -> Option<Self> {
        [
            Self::SignOut,
            Self::SignOutEverywhere,
            Self::SignedOutByOtherDevice,
            Self::RevokedFromDevicesList,
            Self::PasswordChanged,
            Self::EmailChanged,
            Self::SecurityConcern,
            Self::RefreshTokenReuse,
            Self::SessionLimit,
            Self::Administrator,
            Self::AccountDisabled,
            Self::AccountDeleted,
            Self::NotMe,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == stored)
    }

    /// What the push channel tells the session's holder.
    pub fn told_to_holder(self) -> wire::SessionEnd {
        use wire::SessionEnd;
        match self {
            Self::SignOut => SessionEnd::SignOut,
            Self::SignOutEverywhere => SessionEnd::SignOutEverywhere,
            Self::SignedOutByOtherDevice => SessionEnd::SignOutOthers,
            Self::RevokedFromDevicesList => SessionEnd::Revoked,
            Self::PasswordChanged => SessionEnd::PasswordChanged,
            Self::EmailChanged => SessionEnd::EmailChanged,
            Self::SecurityConcern => SessionEnd::SecurityConcern,
            // A thief holding the stream must not learn that they were detected.
            Self::RefreshTokenReuse => SessionEnd::Revoked,
            Self::SessionLimit => SessionEnd::SessionLimit,
            Self::Administrator => SessionEnd::Administrator,
            Self::AccountDisabled => SessionEnd::AccountDisabled,
            Self::AccountDeleted => SessionEnd::AccountDeleted,
            Self::NotMe => SessionEnd::SecurityConcern,
        }
    }
}

pub struct NewSession {
    pub session_id: String,
    pub refresh_token: Secret,
}

/// Starts a session with a fresh id (never one the client chose: fixation defence) and
/// its first refresh token.
pub async fn create(
    conn: &mut AnyConnection,
    user_id: &str,
    client: &ClientInfo,
    policy: SessionPolicy,
    now: UnixTime,
) -> sqlx::Result<NewSession> {
    let session_id = new_id();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, auth_time, expires_at, idle_expires_at, user_agent, ip, client_kind)
         VALUES ($1, $2, $3, $3, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&session_id)
    .bind(user_id)
    .bind(now)
    .bind(now + policy.refresh_ttl)
    .bind(now + policy.idle_timeout)
    .bind(client.user_agent.as_deref().map(|ua| truncate(ua, 512)))
    .bind(client.ip.as_deref())
    .bind(client.kind.as_str())
    .execute(&mut *conn)
    .await?;
    let refresh_token = insert_refresh_token(conn, &session_id, policy, now).await?;
    Ok(NewSession {
        session_id,
        refresh_token,
    })
}

async fn insert_refresh_token(
    conn: &mut AnyConnection,
    session_id: &str,
    policy: SessionPolicy,
    now: UnixTime,
) -> sqlx::Result<Secret> {
    let token = new_refresh_token();
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash_refresh_token(&token))
        .bind(session_id)
        .bind(now)
        .bind(now + policy.refresh_ttl)
        .execute(&mut *conn)
        .await?;
    Ok(token)
}

/// One presentation of a refresh token, as `rotate_refresh_token_in` takes it.
#[derive(Clone, Debug)]
pub struct Rotation {
    pub token_hash: String,
    pub policy: SessionPolicy,
    /// See `rotate_refresh_token_in`.
    pub allow_grace: bool,
    pub access_ttl: i64,
    pub client: ClientInfo,
    pub now: UnixTime,
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum RefreshOutcome {
    /// The session goes on with an access token per `grant`. `refresh_token` replaces the
    /// presented one; it is `None` when a browser session's token was rotated moments ago,
    /// most likely by another tab, which holds the new one already.
    Continued {
        user: users::User,
        session_id: String,
        refresh_token: Option<Secret>,
        grant: AccessGrant,
    },
    /// The token was rotated before: someone kept a copy. The caller revokes the session.
    Reused { user_id: String, session_id: String },
    /// The session reached its absolute lifetime or its idle timeout.
    Expired,
    /// Unknown, or its session was revoked.
    Invalid,
}

/// What a rotation did inside its transaction.
#[derive(Debug)]
pub enum Rotated {
    /// Only a `Continued` outcome wrote anything, and it is to be committed; every other
    /// outcome was decided before the first write.
    Outcome(RefreshOutcome),
    /// Refused after it wrote: the session ended between the read and the writes
    /// (PostgreSQL lets a sign-out commit there). What it wrote must be rolled back, and
    /// its caller is refused as for `RefreshOutcome::Invalid`.
    RollBack,
}

/// Exchanges a refresh token, inside the caller's write transaction (`rotations.rs`
/// commits it, alone or with others). `allow_grace` lets a browser tab that raced another
/// one within the grace window continue without a new refresh token; API clients hold
/// exactly one token, so for them any second use is a copy.
///
/// Every check comes before the first write, so that a refusal leaves nothing to undo
/// (`rotations.rs` commits many rotations together on SQLite, with no savepoint for each);
/// only `Rotated::RollBack` has written.
///
/// Two statements on PostgreSQL (a read that locks, and one write; see `Writes::run`), five
/// on SQLite, and two more for a browser tab that lost a race (`grant_locked`): the
/// rotation is the busiest write there is, and on SQLite every statement of it holds the
/// one write lock.
pub async fn rotate_refresh_token_in(
    conn: &mut AnyConnection,
    dialect: Dialect,
    rotation: &Rotation,
) -> sqlx::Result<Rotated> {
    let Rotation {
        ref token_hash,
        policy,
        allow_grace,
        access_ttl,
        ref client,
        now,
    } = *rotation;
    // The user's row is locked by the read itself, before any row of the session is
    // written: the lock order of every transaction that grants tokens or ends sessions
    // (`access_grant`). The token and session columns are as of the statement's start.
    let Some(row) = sqlx::query(&format!(
        "SELECT rt.session_id, rt.expires_at AS token_expires_at, rt.rotated_at, s.user_id,
                s.revoked_at, s.expires_at AS session_expires_at, s.idle_expires_at,
                s.client_kind, {}
         FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
              JOIN users u ON u.id = s.user_id
         WHERE rt.token_hash = $1{}",
        users::LOCKED_COLUMNS,
        users::lock_clause(dialect, RowLock::Shared)
    ))
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Rotated::Outcome(RefreshOutcome::Invalid));
    };
    let decided = |outcome| Ok(Rotated::Outcome(outcome));
    let session_id: String = row.try_get("session_id")?;
    let user_id: String = row.try_get("user_id")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    let rotated_at: Option<i64> = row.try_get("rotated_at")?;
    let token_expires_at: i64 = row.try_get("token_expires_at")?;
    let session_expires_at: i64 = row.try_get("session_expires_at")?;
    let idle_expires_at: i64 = row.try_get("idle_expires_at")?;
    let user = users::locked_user_of(&row)?;

    // A disabled or deleted account is granted nothing, whatever its sessions say.
    if revoked_at.is_some() || !user.is_active() {
        return decided(RefreshOutcome::Invalid);
    }
    if token_expires_at <= now || session_expires_at <= now || idle_expires_at <= now {
        return decided(RefreshOutcome::Expired);
    }
    // A second use of a token: a racing tab, if the session is a browser's and the first
    // use was moments ago; otherwise someone holds a copy. An API client has no tabs.
    let may_race =
        allow_grace && row.try_get::<String, _>("client_kind")? == ClientKind::Browser.as_str();
    let raced = |rotated_at: UnixTime| may_race && now - rotated_at <= policy.reuse_grace;
    let reused = || RefreshOutcome::Reused {
        user_id: user_id.clone(),
        session_id: session_id.clone(),
    };
    if let Some(rotated_at) = rotated_at {
        return if raced(rotated_at) {
            continue_for_other_tab(conn, &user, &user_id, &session_id, access_ttl, now).await
        } else {
            decided(reused())
        };
    }
    // The grant is decided before anything is written; what is left to check is what
    // another transaction may have changed since the read (PostgreSQL lets it).
    let Some(terms) = access_grant::on_rotation(
        &user,
        session_expires_at,
        access_ttl,
        policy.idle_timeout,
        now,
    ) else {
        return decided(RefreshOutcome::Invalid);
    };
    let writes = Writes {
        token_hash,
        session_id: &session_id,
        user_id: &user_id,
        terms,
        policy,
        client,
        now,
    };
    match writes.run(conn, dialect).await? {
        Wrote::Lost => {
            // Another request rotated it between our read and the write: moments ago.
            if raced(now) {
                continue_for_other_tab(conn, &user, &user_id, &session_id, access_ttl, now).await
            } else {
                decided(reused())
            }
        }
        Wrote::SessionEnded => Ok(Rotated::RollBack),
        Wrote::Done(refresh_token) => decided(RefreshOutcome::Continued {
            user: user.user(&user_id),
            session_id,
            refresh_token: Some(refresh_token),
            grant: terms.grant,
        }),
    }
}

/// The writes of a rotation that passed every check of the read.
struct Writes<'a> {
    token_hash: &'a str,
    session_id: &'a str,
    user_id: &'a str,
    terms: access_grant::RotationGrant,
    policy: SessionPolicy,
    client: &'a ClientInfo,
    now: UnixTime,
}

/// What the writes of a rotation found.
enum Wrote {
    /// Another presentation of the token rotated it first: nothing was written.
    Lost,
    /// The session ended after the read (a sign-out that committed in between must win,
    /// or the new tokens would outlive the revocation); the token was marked rotated.
    SessionEnded,
    /// Rotated: the new refresh token, the grant recorded, the event audited.
    Done(Secret),
}

impl Writes<'_> {
    /// Four writes: the old token marked rotated (only one of two concurrent rotations
    /// can win that), the grant recorded on the session if it is still active, the new
    /// token, the audit event. One statement on PostgreSQL, where each statement is a
    /// round trip to the server and the rotation is the busiest write there is; four on
    /// SQLite, which has no writes inside `WITH` (and no round trips).
    async fn run(self, conn: &mut AnyConnection, dialect: Dialect) -> sqlx::Result<Wrote> {
        match dialect {
            Dialect::Postgres => self.in_one_statement(conn).await,
            Dialect::Sqlite => self.one_by_one(conn).await,
        }
    }

    async fn in_one_statement(self, conn: &mut AnyConnection) -> sqlx::Result<Wrote> {
        let token = new_refresh_token();
        let row = sqlx::query(&format!(
            "WITH won AS (
                 UPDATE refresh_tokens SET rotated_at = $1
                 WHERE token_hash = $5 AND rotated_at IS NULL RETURNING session_id),
             granted AS ({record}
                 WHERE id = $4 AND revoked_at IS NULL AND EXISTS (SELECT FROM won)
                 RETURNING id),
             issued AS (
                 INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at)
                 SELECT $6, id, $1, $7 FROM granted),
             audited AS (
                 INSERT INTO audit_events (id, at, user_id, session_id, kind, ip, user_agent, detail)
                 SELECT $8, $1, $9, id, $10, $11, $12, NULL FROM granted)
             SELECT (SELECT count(*) FROM won) AS won, (SELECT count(*) FROM granted) AS granted",
            record = access_grant::record_on_rotation_sql("$1", "$2", "$3"),
        ))
        .bind(self.now)
        .bind(self.terms.idle_expires_at)
        .bind(self.terms.grant.expires_at)
        .bind(self.session_id)
        .bind(self.token_hash)
        .bind(hash_refresh_token(&token))
        .bind(self.now + self.policy.refresh_ttl)
        .bind(new_id())
        .bind(self.user_id)
        .bind(AuditKind::Refresh.as_str())
        .bind(self.client.ip.as_deref())
        .bind(self.client.user_agent.as_deref())
        .fetch_one(&mut *conn)
        .await?;
        let won: i64 = row.try_get("won")?;
        let granted: i64 = row.try_get("granted")?;
        Ok(match (won, granted) {
            (0, _) => Wrote::Lost,
            (_, 0) => Wrote::SessionEnded,
            _ => Wrote::Done(token),
        })
    }

    async fn one_by_one(self, conn: &mut AnyConnection) -> sqlx::Result<Wrote> {
        let won = sqlx::query(
            "UPDATE refresh_tokens SET rotated_at = $1 WHERE token_hash = $2 AND rotated_at IS NULL",
        )
        .bind(self.now)
        .bind(self.token_hash)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if !won {
            return Ok(Wrote::Lost);
        }
        if !access_grant::record_on_rotation(conn, self.terms, self.session_id, self.now).await? {
            return Ok(Wrote::SessionEnded);
        }
        let token = insert_refresh_token(conn, self.session_id, self.policy, self.now).await?;
        let event = AuditEvent {
            kind: AuditKind::Refresh,
            user_id: Some(self.user_id),
            session_id: Some(self.session_id),
            client: self.client,
            detail: None,
        };
        audit::record(conn, event, self.now).await?;
        Ok(Wrote::Done(token))
    }
}

/// What `rotate_at_once` did with one rotation.
pub enum AtOnce {
    /// Rotated and committed.
    Continued(RefreshOutcome),
    /// The token passed every check, but a sign-out that committed after the statement
    /// began ended its session. The token is marked rotated and nothing else was written;
    /// a token of a revoked session is refused as `Invalid` whatever its state, so the mark
    /// changes no later answer.
    SessionEnded,
    /// The token did not pass every check (unknown, rotated, expired, its session revoked,
    /// its account not active): nothing was written, and `rotate_refresh_token_in` is to
    /// find out which and answer it.
    NotAtOnce,
}

/// What one `rotate_at_once` statement did.
pub enum AtOnceRun {
    /// Committed: what it did with each rotation, in the order given. Each rotation's
    /// answer is its own: one that cannot be read back fails that caller alone.
    Ran(Vec<sqlx::Result<AtOnce>>),
    /// Nothing was written, for any of them: PostgreSQL broke a deadlock with another
    /// statement by ending this one.
    GaveWay,
}

/// PostgreSQL's SQLSTATE for a broken deadlock.
const DEADLOCK_DETECTED: &str = "40P01";

/// One rotation's values, as the statement of `rotate_at_once` reads them
/// (`json_to_recordset`: sqlx's `Any` driver binds no arrays).
#[derive(serde::Serialize)]
struct AtOnceInput<'a> {
    ord: usize,
    token_hash: &'a str,
    now: UnixTime,
    idle_expires_at: UnixTime,
    /// The access token's expiry before the session's end caps it, which only the
    /// statement reads: `access_grant::on_rotation` computes the same cap from what it
    /// returns.
    access_expires_at: UnixTime,
    new_hash: String,
    new_expires_at: UnixTime,
    event_id: String,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
}

/// Rotations in one statement, on PostgreSQL, for tokens whose every check passes (the
/// case of nearly every refresh): the read of `rotate_refresh_token_in` with its checks
/// moved into `WHERE`, then the four writes of `Writes::in_one_statement`, for every
/// rotation at once, with no `BEGIN` and `COMMIT` around them. One round trip and one
/// commit for them all, instead of four round trips and a commit each. `rotations` must
/// not present one token twice (`rotations.rs` keeps repeats for later). The conditions are
/// those of `rotate_refresh_token_in` for a token that was never rotated; a token that
/// fails any of them is left to it, in a transaction.
///
/// The order of locks is the same: each user's row first (`FOR SHARE` in `cur`), then the
/// token, then the session. A sign-out that committed after the statement began is seen by
/// `granted`, whose `revoked_at IS NULL` is checked again on the session's latest version
/// (PostgreSQL re-evaluates an `UPDATE`'s condition on a row that changed since the
/// statement began).
///
/// Once sent, the statement commits whether or not the callers are still there to hand
/// the new tokens to; a client that never gets its token would present the old one as a
/// copy next time. The transaction path has that window too, but only around its
/// `COMMIT`. So the statement never waits for a user's row (`SKIP LOCKED`): a rotation whose
/// user's row is held (by a sign-out, a credential change, any change of the account), the
/// one wait that can last, is left out of `cur`, has nothing written, and goes to the
/// transaction path, which waits with nothing committed; the others in the statement go on.
/// Shared locks do not conflict, so two processes' statements never wait for each other's
/// users. They can still wait for a token's or a session's row, and could deadlock over the
/// same two tokens presented in both, which PostgreSQL breaks (`GaveWay`).
///
/// Each lookup is a `LATERAL` subquery, from the token's key to its session and its user,
/// each with a `LIMIT 1` that it cannot exceed (keys) but that keeps PostgreSQL from
/// flattening it into a join: the plan then starts from the tokens given whatever the
/// statistics say. Written as joins, a fresh database (not yet analysed) was planned from
/// `users` outwards, over every session, 3 ms a rotation instead of 0.1.
pub async fn rotate_at_once(
    conn: &mut AnyConnection,
    rotations: &[&Rotation],
) -> sqlx::Result<AtOnceRun> {
    let tokens: Vec<Secret> = rotations.iter().map(|_| new_refresh_token()).collect();
    let input: Vec<AtOnceInput> = rotations
        .iter()
        .zip(&tokens)
        .enumerate()
        .map(|(ord, (rotation, token))| {
            let Rotation {
                ref token_hash,
                policy,
                access_ttl,
                ref client,
                now,
                ..
            } = **rotation;
            let idle_expires_at = now + policy.idle_timeout;
            AtOnceInput {
                ord,
                token_hash,
                now,
                idle_expires_at,
                access_expires_at: (now + access_ttl).min(idle_expires_at),
                new_hash: hash_refresh_token(token),
                new_expires_at: now + policy.refresh_ttl,
                event_id: new_id(),
                ip: client.ip.as_deref(),
                user_agent: client.user_agent.as_deref(),
            }
        })
        .collect();
    let input = serde_json::to_string(&input).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let rows = sqlx::query(&format!(
        "WITH input AS (
             SELECT * FROM json_to_recordset($1::json) AS i(
                 ord bigint, token_hash text, now bigint, idle_expires_at bigint,
                 access_expires_at bigint, new_hash text, new_expires_at bigint, event_id text,
                 ip text, user_agent text)),
         cur AS (
             SELECT i.*, s.session_id, s.user_id, s.session_expires_at, u.*
             FROM input i
             CROSS JOIN LATERAL (
                 SELECT session_id FROM refresh_tokens
                 WHERE token_hash = i.token_hash AND rotated_at IS NULL AND expires_at > i.now
                 LIMIT 1) t
             CROSS JOIN LATERAL (
                 SELECT id AS session_id, user_id, expires_at AS session_expires_at FROM sessions
                 WHERE id = t.session_id AND revoked_at IS NULL
                   AND expires_at > i.now AND idle_expires_at > i.now
                 LIMIT 1) s
             CROSS JOIN LATERAL (
                 SELECT {columns} FROM users u
                 WHERE u.id = s.user_id AND u.disabled_at IS NULL AND u.deleted_at IS NULL
                 {lock} SKIP LOCKED) u),
         won AS (
             UPDATE refresh_tokens rt SET rotated_at = c.now FROM cur c
             WHERE rt.token_hash = c.token_hash AND rt.rotated_at IS NULL
             RETURNING c.ord, rt.session_id),
         granted AS ({record}
             FROM won w JOIN cur c ON c.ord = w.ord
             WHERE sessions.id = w.session_id AND sessions.revoked_at IS NULL
             RETURNING c.ord, sessions.id, sessions.user_id),
         issued AS (
             INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at)
             SELECT i.new_hash, g.id, i.now, i.new_expires_at
             FROM granted g JOIN input i ON i.ord = g.ord),
         audited AS (
             INSERT INTO audit_events (id, at, user_id, session_id, kind, ip, user_agent, detail)
             SELECT i.event_id, i.now, g.user_id, g.id, $2, i.ip, i.user_agent, NULL
             FROM granted g JOIN input i ON i.ord = g.ord)
         SELECT c.*, w.ord IS NOT NULL AS won, g.ord IS NOT NULL AS granted
         FROM cur c LEFT JOIN won w ON w.ord = c.ord LEFT JOIN granted g ON g.ord = c.ord",
        columns = users::LOCKED_COLUMNS,
        lock = users::lock_clause(Dialect::Postgres, RowLock::Shared),
        record = access_grant::record_on_rotation_sql(
            "c.now",
            "c.idle_expires_at",
            "LEAST(c.access_expires_at, c.session_expires_at)"
        ),
    ))
    .bind(input)
    .bind(AuditKind::Refresh.as_str())
    // Every reply to the end (`fetch_all`): the implicit commit comes after the rows, and
    // its failure must be this call's.
    .fetch_all(&mut *conn)
    .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(DEADLOCK_DETECTED) => {
            return Ok(AtOnceRun::GaveWay)
        }
        Err(e) => return Err(e),
    };
    let mut done: Vec<sqlx::Result<AtOnce>> =
        rotations.iter().map(|_| Ok(AtOnce::NotAtOnce)).collect();
    let mut tokens: Vec<Option<Secret>> = tokens.into_iter().map(Some).collect();
    for row in rows {
        // Each row answers the rotation it names, once. The numbers are the statement's
        // own, so one that names none is a fault of this code, not of a rotation.
        let ord: i64 = row.try_get("ord")?;
        let answered = usize::try_from(ord).ok().and_then(|ord| {
            let token = tokens.get_mut(ord)?.take()?;
            Some((ord, token))
        });
        let Some((ord, token)) = answered else {
            return Err(sqlx::Error::Protocol(
                "an answer to no rotation asked".into(),
            ));
        };
        done[ord] = continued(&row, rotations[ord], token);
    }
    Ok(AtOnceRun::Ran(done))
}

/// What `rotate_at_once` did with the rotation of `row`, whose new token is `token`.
fn continued(row: &sqlx::any::AnyRow, rotation: &Rotation, token: Secret) -> sqlx::Result<AtOnce> {
    match (
        row.try_get::<bool, _>("won")?,
        row.try_get::<bool, _>("granted")?,
    ) {
        // Rotated by a concurrent presentation between `cur` and `won`: a race for
        // `rotate_refresh_token_in` to tell from a copy.
        (false, _) => return Ok(AtOnce::NotAtOnce),
        (true, false) => return Ok(AtOnce::SessionEnded),
        (true, true) => {}
    }
    let user_id: String = row.try_get("user_id")?;
    let user = users::locked_user_of(row)?;
    let session_expires_at: i64 = row.try_get("session_expires_at")?;
    let terms = access_grant::on_rotation(
        &user,
        session_expires_at,
        rotation.access_ttl,
        rotation.policy.idle_timeout,
        rotation.now,
    )
    .ok_or_else(|| {
        // Not reachable with a positive access lifetime and idle timeout (the
        // configuration's rule): every deadline was checked to be after `now`.
        sqlx::Error::Protocol("a rotation granted no time".into())
    })?;
    Ok(AtOnce::Continued(RefreshOutcome::Continued {
        user: user.user(&user_id),
        session_id: row.try_get("session_id")?,
        refresh_token: Some(token),
        grant: terms.grant,
    }))
}

/// The tab that lost a race for a rotation continues the session without a new refresh
/// token (the winner's tab holds it, in the cookie they share). A refusal here has written
/// nothing: `grant_locked` writes only to a session that is still active.
async fn continue_for_other_tab(
    conn: &mut AnyConnection,
    user: &users::LockedUser,
    user_id: &str,
    session_id: &str,
    access_ttl: i64,
    now: UnixTime,
) -> sqlx::Result<Rotated> {
    let granted = access_grant::grant_locked(conn, user, user_id, session_id, access_ttl, now);
    Ok(Rotated::Outcome(match granted.await? {
        Some(grant) => RefreshOutcome::Continued {
            user: user.user(user_id),
            session_id: session_id.to_owned(),
            refresh_token: None,
            grant,
        },
        None => RefreshOutcome::Invalid,
    }))
}

/// The session a refresh token (current or rotated) belongs to, whatever its state.
pub struct SessionOfToken {
    pub session_id: String,
    pub user_id: String,
    pub ended: bool,
}

impl SessionOfToken {
    /// `(session id, user id)`, as `signout::LeavingDevice` names a session.
    pub fn ids(self) -> (String, String) {
        (self.session_id, self.user_id)
    }
}

/// The session a refresh token belongs to. Sign-out uses it whatever the session's state
/// (leaving a session must work with any token that ever named it); a refresh with two
/// cookies asks whether it has ended.
pub async fn session_of_refresh_token(
    db: &Db,
    presented: &Secret,
) -> sqlx::Result<Option<SessionOfToken>> {
    let row = sqlx::query(
        "SELECT s.id, s.user_id, CASE WHEN s.revoked_at IS NULL THEN 0 ELSE 1 END AS ended \
         FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id WHERE rt.token_hash = $1",
    )
    .bind(hash_refresh_token(presented))
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(SessionOfToken {
            session_id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            ended: r.try_get::<i32, _>("ended")? == 1,
        })
    })
    .transpose()
}

/// The latest `exp` of the access tokens of a session that was just ended: a revocation
/// of the session must be remembered until then. `None` if it had ended already (not an
/// error: sign-out is idempotent).
pub type EndedUntil = Option<UnixTime>;

/// Ends one session. The caller holds the user's row lock (`users::lock`).
pub async fn revoke(
    conn: &mut AnyConnection,
    session_id: &str,
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<EndedUntil> {
    sqlx::query_scalar(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2, end_announced = 1
         WHERE id = $3 AND revoked_at IS NULL RETURNING access_expires_max",
    )
    .bind(now)
    .bind(reason.as_str())
    .bind(session_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Ends every active session of the user, except `keep` if given, in one statement.
/// The caller holds the user's row lock exclusively. (No session id is empty, so '' keeps
/// nothing.)
const REVOKE_ALL_OF_USER: &str =
    "UPDATE sessions SET revoked_at = $1, revoked_reason = $2, end_announced = 1
     WHERE user_id = $3 AND revoked_at IS NULL AND id <> $4";

/// `REVOKE_ALL_OF_USER`, returning the ids of the sessions that ended (for the Shared
/// Signals events that name each).
pub async fn revoke_all_of_user(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(&format!("{REVOKE_ALL_OF_USER} RETURNING id"))
        .bind(now)
        .bind(reason.as_str())
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .fetch_all(&mut *conn)
        .await
}

/// `REVOKE_ALL_OF_USER`, returning only how many ended: when no one is to be told which,
/// 10,000 ids are not worth reading back.
pub async fn count_revoked_of_user(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<usize> {
    Ok(sqlx::query(REVOKE_ALL_OF_USER)
        .bind(now)
        .bind(reason.as_str())
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *conn)
        .await?
        .rows_affected() as usize)
}

/// The latest `exp` of any access token ever granted to the user's sessions, except
/// `keep`'s: how long a revocation of all of them must be remembered.
pub async fn latest_access_expiry(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
) -> sqlx::Result<UnixTime> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(access_expires_max) FROM sessions WHERE user_id = $1 AND id <> $2",
    )
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .fetch_one(&mut *conn)
    .await?;
    Ok(latest.unwrap_or(0))
}

/// Whether the user's session is active (read under the user's row lock, so it stays so
/// until the transaction ends).
pub async fn is_active(
    conn: &mut AnyConnection,
    user_id: &str,
    session_id: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// The sessions of the user beyond the `keep` most recently active live ones, to end at
/// the session cap. The caller holds the user's row lock exclusively, so no other sign-in
/// of the user counts at the same time.
pub async fn beyond_most_recent(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: u32,
    now: UnixTime,
) -> sqlx::Result<Vec<String>> {
    // Every live id, newest activity first, and the rest skipped here: a user has at most
    // the cap (plus this sign-in), and OFFSET without LIMIT is not SQL that both speak.
    let live: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND idle_expires_at > $2
         ORDER BY last_seen_at DESC, created_at DESC, id DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    Ok(live.into_iter().skip(keep as usize).collect())
}

/// When a password was last entered for this live session of the user (its sign-in or
/// a re-authentication); `None` if the session is not live.
pub async fn auth_time(
    db: &super::db::Db,
    user_id: &str,
    session_id: &str,
) -> sqlx::Result<Option<UnixTime>> {
    sqlx::query_scalar(
        "SELECT auth_time FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Records that the password was just entered again for this live session.
pub async fn set_auth_time(
    conn: &mut AnyConnection,
    user_id: &str,
    session_id: &str,
    now: UnixTime,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE sessions SET auth_time = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(session_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// One active session, as its owner sees it in the devices list.
pub struct ActiveSession {
    pub id: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
}

/// The user's sessions that can still be used, most recently active first: all of them,
/// or one page (through the index `sessions_user_recent`, in its order).
pub async fn list_active(
    db: &Db,
    user_id: &str,
    now: UnixTime,
    page: Option<&Page>,
) -> sqlx::Result<Vec<ActiveSession>> {
    let after = page.and_then(|p| p.after.as_ref());
    let mut sql = String::from(
        "SELECT id, user_agent, ip, created_at, last_seen_at FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND idle_expires_at > $2",
    );
    if after.is_some() {
        sql.push_str(" AND (last_seen_at, created_at, id) < ($3, $4, $5)");
    }
    sql.push_str(" ORDER BY last_seen_at DESC, created_at DESC, id DESC");
    if let Some(page) = page {
        sql.push_str(&format!(" LIMIT {}", page.limit));
    }
    let mut query = sqlx::query(&sql).bind(user_id).bind(now);
    if let Some(after) = after {
        query = query
            .bind(after.last_seen_at)
            .bind(after.created_at)
            .bind(after.id.as_str());
    }
    query
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(ActiveSession {
                id: row.try_get("id")?,
                user_agent: row.try_get("user_agent")?,
                ip: row.try_get("ip")?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
            })
        })
        .collect()
}

impl ActiveSession {
    /// Where the page that ends with this session continues.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            last_seen_at: self.last_seen_at,
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }
}

/// One of the user's sessions that has ended, as its owner sees it under "Recently signed
/// out".
pub struct EndedSession {
    pub id: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: UnixTime,
    pub end: End,
}

/// How a session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Revoked while it was live, for `sessions.revoked_reason`.
    Revoked {
        at: UnixTime,
        reason: Option<String>,
    },
    /// The first of its two deadlines passed.
    RanOut { at: UnixTime },
}

impl End {
    pub fn at(&self) -> UnixTime {
        match self {
            Self::Revoked { at, .. } | Self::RanOut { at } => *at,
        }
    }

    /// As `wire::EndedSessionView::ended_by` says it.
    pub fn ended_by(self) -> String {
        match self {
            Self::Revoked { reason, .. } => reason.unwrap_or_else(|| "revoked".to_owned()),
            Self::RanOut { .. } => wire::ENDED_BY_EXPIRY.to_owned(),
        }
    }
}

/// How a session had ended by `now`, if it had. A session that had already run out and was
/// then swept up by an ending of every session (which sets `revoked_at` on every row not yet
/// revoked) ended when it ran out, not then.
pub fn end_of(
    revoked_at: Option<UnixTime>,
    revoked_reason: Option<String>,
    runs_out_at: UnixTime,
    now: UnixTime,
) -> Option<End> {
    match revoked_at {
        Some(at) if at < runs_out_at => Some(End::Revoked {
            at,
            reason: revoked_reason,
        }),
        _ if runs_out_at <= now => Some(End::RanOut { at: runs_out_at }),
        Some(at) => Some(End::Revoked {
            at,
            reason: revoked_reason,
        }),
        None => None,
    }
}

/// The most sessions "Recently signed out" looks through: the newest ones. A user who
/// signs in a thousand times a month (a script) does not make the page slow.
const RECENTLY_ENDED_SCAN: i64 = 1000;

/// The user's sessions that ended at `since` or later (`end_of`), the latest end first, at
/// most `limit`.
pub async fn list_recently_ended(
    db: &Db,
    user_id: &str,
    now: UnixTime,
    since: UnixTime,
    limit: usize,
) -> sqlx::Result<Vec<EndedSession>> {
    let rows = sqlx::query(
        "SELECT id, user_agent, ip, created_at, revoked_at, revoked_reason, expires_at, idle_expires_at
         FROM sessions
         WHERE user_id = $1 AND (revoked_at >= $2 OR expires_at <= $3 OR idle_expires_at <= $3)
         ORDER BY created_at DESC LIMIT $4",
    )
    .bind(user_id)
    .bind(since)
    .bind(now)
    .bind(RECENTLY_ENDED_SCAN)
    .fetch_all(db)
    .await?;
    let mut ended = Vec::new();
    for row in &rows {
        let runs_out_at = row
            .try_get::<UnixTime, _>("expires_at")?
            .min(row.try_get("idle_expires_at")?);
        let end = end_of(
            row.try_get("revoked_at")?,
            row.try_get("revoked_reason")?,
            runs_out_at,
            now,
        );
        let Some(end) = end.filter(|end| end.at() >= since) else {
            continue;
        };
        ended.push(EndedSession {
            id: row.try_get("id")?,
            user_agent: row.try_get("user_agent")?,
            ip: row.try_get("ip")?,
            created_at: row.try_get("created_at")?,
            end,
        });
    }
    ended.sort_by(|a, b| b.end.at().cmp(&a.end.at()).then_with(|| b.id.cmp(&a.id)));
    ended.truncate(limit);
    Ok(ended)
}

/// One of the user's own sessions, live or ended, in full: `None` for another user's or an
/// unknown id (one and the same to the caller).
pub struct OwnSession {
    pub id: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub client_kind: String,
    pub revoked_at: Option<UnixTime>,
    pub revoked_reason: Option<String>,
    /// The first of its two deadlines (absolute, idle).
    pub runs_out_at: UnixTime,
}

pub async fn own_session(
    db: &Db,
    user_id: &str,
    session_id: &str,
) -> sqlx::Result<Option<OwnSession>> {
    let Some(row) = sqlx::query(
        "SELECT id, user_agent, ip, created_at, last_seen_at, client_kind, revoked_at,
                revoked_reason, expires_at, idle_expires_at
         FROM sessions WHERE id = $1 AND user_id = $2",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(OwnSession {
        id: row.try_get("id")?,
        user_agent: row.try_get("user_agent")?,
        ip: row.try_get("ip")?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        client_kind: row.try_get("client_kind")?,
        revoked_at: row.try_get("revoked_at")?,
        revoked_reason: row.try_get("revoked_reason")?,
        runs_out_at: row
            .try_get::<UnixTime, _>("expires_at")?
            .min(row.try_get("idle_expires_at")?),
    }))
}

/// Ends one of the user's own sessions. `None` when there is no such active session of
/// this user: someone else's id and an unknown id look the same.
pub async fn revoke_owned(
    conn: &mut AnyConnection,
    user_id: &str,
    session_id: &str,
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<EndedUntil> {
    sqlx::query_scalar(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2, end_announced = 1
         WHERE id = $3 AND user_id = $4 AND revoked_at IS NULL RETURNING access_expires_max",
    )
    .bind(now)
    .bind(reason.as_str())
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await
}

/// The User-Agent of one of the user's own active sessions (the outer `None`: no such
/// session of this user).
pub async fn user_agent_of_own(
    db: &Db,
    user_id: &str,
    session_id: &str,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar(
        "SELECT user_agent FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Records use of a session: last active now, idle deadline pushed back. These writes
/// are spawned, so two may land out of order: only a newer time is ever written.
pub async fn touch(
    db: &Db,
    session_id: &str,
    policy: SessionPolicy,
    now: UnixTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2
         WHERE id = $3 AND revoked_at IS NULL AND idle_expires_at > $1 AND last_seen_at < $1",
    )
    .bind(now)
    .bind(now + policy.idle_timeout)
    .bind(session_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Why a session ended (`RevokeReason::as_str`), if it has.
pub async fn revoked_reason(db: &Db, session_id: &str) -> sqlx::Result<Option<String>> {
    let reason: Option<Option<String>> =
        sqlx::query_scalar("SELECT revoked_reason FROM sessions WHERE id = $1")
            .bind(session_id)
            .fetch_optional(db)
            .await?;
    Ok(reason.flatten())
}

/// Forgets every refresh token of the user's sessions (the account is being deleted: a
/// token of it must find nothing, not even an ended session).
pub async fn forget_refresh_tokens(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user agents of the user's other sessions, each once: whether a sign-in comes from a
/// device and browser this account has been used on before.
pub async fn other_user_agents(
    conn: &mut AnyConnection,
    user_id: &str,
    except_session: &str,
) -> sqlx::Result<Vec<Option<String>>> {
    sqlx::query_scalar("SELECT DISTINCT user_agent FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(except_session)
        .fetch_all(conn)
        .await
}

/// How many sessions of the user have not ended.
pub async fn count_live(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<usize> {
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(live.max(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::{end_of, End};

    #[test]
    fn a_session_ended_by_whichever_came_first_its_revocation_or_its_deadline() {
        let reason = || Some("sign_out".to_owned());
        // Revoked while live.
        assert_eq!(
            end_of(Some(100), reason(), 500, 200),
            Some(End::Revoked {
                at: 100,
                reason: reason()
            })
        );
        // Ran out at 300, then swept up by an ending of every session at 400.
        assert_eq!(
            end_of(Some(400), reason(), 300, 450),
            Some(End::RanOut { at: 300 })
        );
        // Ran out, never revoked; and still live.
        assert_eq!(end_of(None, None, 300, 450), Some(End::RanOut { at: 300 }));
        assert_eq!(end_of(None, None, 500, 450), None);
        assert_eq!(End::RanOut { at: 1 }.ended_by(), wire::ENDED_BY_EXPIRY);
        assert_eq!(
            End::Revoked {
                at: 1,
                reason: None
            }
            .ended_by(),
            "revoked",
            "a row from before reasons were kept"
        );
    }
}
