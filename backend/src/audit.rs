//! The audit trail of security events. Rows name users and sessions by id; they never hold
//! a token, a password or a token hash.

use sqlx::{AnyConnection, Row};

use super::clock::UnixTime;
use super::db::new_id;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditKind {
    SignUp,
    SignIn,
    SignInFailed,
    Refresh,
    SignOut,
    SignOutOthers,
    SignOutEverywhere,
    SessionRevoked,
    RefreshTokenReuse,
    PasswordChanged,
    EmailChanged,
    SecurityConcern,
    /// A sign-in at `MAX_SESSIONS_PER_USER` ended the least recently active session.
    SessionLimit,
    /// The password was entered again for a guarded action.
    Reauthenticated,
    /// The owner deleted the account (the row keeps no email).
    AccountDeleted,
    /// An administrator's actions; `detail` names the administrator.
    AccountDisabled,
    AccountEnabled,
    AdminEndedSessions,
    AdminEndedEverySession,
    AdminGranted,
    AdminRevoked,
    /// Under the administrator: what they did to which account.
    AdministeredAccount,
    /// "Not me? Sign out everywhere", from a security mail.
    NotMe,
    PasswordResetRequested,
    PasswordReset,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::Refresh => "refresh",
            Self::SignOut => "sign_out",
            Self::SignOutOthers => "sign_out_others",
            Self::SignOutEverywhere => "sign_out_everywhere",
            Self::SessionRevoked => "session_revoked",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::PasswordChanged => "password_changed",
            Self::EmailChanged => "email_changed",
            Self::SecurityConcern => "security_concern",
            Self::SessionLimit => "session_limit",
            Self::Reauthenticated => "reauthenticated",
            Self::AccountDeleted => "account_deleted",
            Self::AccountDisabled => "account_disabled",
            Self::AccountEnabled => "account_enabled",
            Self::AdminEndedSessions => "admin_ended_sessions",
            Self::AdminEndedEverySession => "admin_ended_every_session",
            Self::AdminGranted => "admin_granted",
            Self::AdminRevoked => "admin_revoked",
            Self::AdministeredAccount => "administered_account",
            Self::NotMe => "not_me",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// Where a request came from, as far as the server can tell.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Set by the endpoint: the token API's clients are `Api`.
    pub kind: ClientKind,
}

/// A browser holds its tokens in cookies shared by several tabs, which may race one
/// refresh; an API client is the single holder of its tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientKind {
    #[default]
    Browser,
    Api,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::Api => "api",
        }
    }
}

pub struct AuditEvent<'a> {
    pub kind: AuditKind,
    pub user_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub client: &'a ClientInfo,
    pub detail: Option<String>,
}

pub async fn record(
    conn: &mut AnyConnection,
    event: AuditEvent<'_>,
    now: UnixTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, user_id, session_id, kind, ip, user_agent, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(now)
    .bind(event.user_id)
    .bind(event.session_id)
    .bind(event.kind.as_str())
    .bind(event.client.ip.as_deref())
    .bind(event.client.user_agent.as_deref())
    .bind(event.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// One line of a user's security activity.
pub struct ActivityRow {
    pub kind: String,
    pub at: UnixTime,
    pub ip: Option<String>,
    /// The client that made the event.
    pub user_agent: Option<String>,
    /// For a device signed out from another (`session_revoked`), while the ended session's
    /// row is kept (`purge`): that session's client (itself `None` if it sent none). The
    /// event's own client is the one that ended it.
    pub ended_user_agent: Option<Option<String>>,
}

/// The user's most recent security events, newest first.
pub async fn recent_for_user(
    db: &super::db::Db,
    user_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<ActivityRow>> {
    sqlx::query(
        "SELECT a.kind, a.at, a.ip, a.user_agent, ended.id AS ended_id,
                ended.user_agent AS ended_user_agent
         FROM audit_events a
         LEFT JOIN sessions ended ON ended.id = a.session_id AND ended.user_id = a.user_id
             AND a.kind = 'session_revoked'
         WHERE a.user_id = $1
         ORDER BY a.at DESC, a.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await?
    .iter()
    .map(|row| {
        Ok(ActivityRow {
            kind: row.try_get("kind")?,
            at: row.try_get("at")?,
            ip: row.try_get("ip")?,
            user_agent: row.try_get("user_agent")?,
            ended_user_agent: match row.try_get::<Option<String>, _>("ended_id")? {
                Some(_) => Some(row.try_get("ended_user_agent")?),
                None => None,
            },
        })
    })
    .collect()
}
