//! What administrators do to other accounts: end their sessions, disable and enable them,
//! end every session of every account. Each runs in one transaction that locks the
//! account's row first (the one lock order, `access_grant`), writes its revocations and
//! an audit event naming the administrator, and applies the revocations to this process
//! once committed; the other processes follow through `revocation_events`.

use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::authn::Authenticated;
use super::db;
use super::error::{ApiError, ApiResult};
use super::mail::{self, messages};
use super::profiles;
use super::revocation::{self, Revocation};
use super::sessions::RevokeReason;
use super::signout::{end_user_sessions, Revoked};
use super::state::AppState;
use super::users::{self, RowLock, Standing};

/// Anyone who is not an administrator is told there is nothing here.
pub async fn require_admin(state: &AppState, auth: &Authenticated) -> ApiResult<()> {
    if users::is_admin(&state.db, auth.user_id()).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

fn by(admin: &Authenticated) -> Option<String> {
    Some(format!("by administrator {}", admin.user_id()))
}

/// The act, under the administrator's own account, from where they did it: who did what.
async fn record_act(
    conn: &mut sqlx::AnyConnection,
    admin: &Authenticated,
    client: &ClientInfo,
    what: String,
    now: i64,
) -> sqlx::Result<()> {
    let event = AuditEvent {
        kind: AuditKind::AdministeredAccount,
        user_id: Some(admin.user_id()),
        session_id: Some(admin.session_id()),
        client,
        detail: Some(what),
    };
    audit::record(conn, event, now).await
}

/// An administrator's act on one account, recorded twice: in the account's own activity
/// (`kind`, naming the administrator but not where they were), and under the
/// administrator (`what`, from where they did it).
async fn record_both(
    conn: &mut sqlx::AnyConnection,
    kind: AuditKind,
    user_id: &str,
    admin: &Authenticated,
    client: &ClientInfo,
    what: String,
    now: i64,
) -> sqlx::Result<()> {
    let event = AuditEvent {
        kind,
        user_id: Some(user_id),
        session_id: None,
        client: &unnamed(),
        detail: by(admin),
    };
    audit::record(conn, event, now).await?;
    record_act(conn, admin, client, what, now).await
}

/// Where an administrator's act on someone else's account is recorded from: nowhere the
/// account's owner may see (their activity shows the IP and browser of each event).
fn unnamed() -> ClientInfo {
    ClientInfo::default()
}

/// Ends every session of the user (and every access token). Returns how many ended.
pub async fn end_sessions_of(
    state: &AppState,
    admin: &Authenticated,
    user_id: &str,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let (revoked, email) =
        end_live_account(&mut tx, state, user_id, RevokeReason::Administrator).await?;
    let ended = revoked.sessions;
    mail::security_notice(&mut tx, state, user_id, now, |link| {
        messages::sessions_ended(&email, "An administrator ended your sessions", ended, link)
    })
    .await?;
    let what = format!("ended {} session(s) of {user_id}", revoked.sessions);
    record_both(
        &mut tx,
        AuditKind::AdminEndedSessions,
        user_id,
        admin,
        client,
        what,
        now,
    )
    .await?;
    db::commit(tx).await?;
    state.mail_committed();
    Ok(revoked.apply_to(state))
}

/// Ends the sessions of a live (not deleted) account, and says its email; `NotFound`
/// otherwise.
async fn end_live_account(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    user_id: &str,
    reason: RevokeReason,
) -> ApiResult<(Revoked, String)> {
    let locked = users::lock(conn, state.dialect, user_id, RowLock::Exclusive).await?;
    let Some(user) = locked.filter(|user| user.standing != Standing::Deleted) else {
        return Err(ApiError::NotFound);
    };
    let revoked = end_user_sessions(conn, state, user_id, None, reason, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((revoked, user.email))
}

/// Disables the account: every session ends, and sign-in, refresh and the token API are
/// refused with `account_disabled` until it is enabled. Returns how many sessions ended.
pub async fn disable(
    state: &AppState,
    admin: &Authenticated,
    user_id: &str,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let (revoked, email) =
        end_live_account(&mut tx, state, user_id, RevokeReason::AccountDisabled).await?;
    users::set_disabled(&mut tx, user_id, Some(now)).await?;
    mail::outbox::enqueue(&mut tx, &messages::account_disabled(&email), now).await?;
    let what = format!("disabled {user_id}; {} session(s) ended", revoked.sessions);
    record_both(
        &mut tx,
        AuditKind::AccountDisabled,
        user_id,
        admin,
        client,
        what,
        now,
    )
    .await?;
    db::commit(tx).await?;
    state.mail_committed();
    Ok(revoked.apply_to(state))
}

/// Enables a disabled account: its owner can sign in again (nothing that ended comes back).
pub async fn enable(
    state: &AppState,
    admin: &Authenticated,
    user_id: &str,
    client: &ClientInfo,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let locked = users::lock(&mut tx, state.dialect, user_id, RowLock::Exclusive).await?;
    if locked.is_none_or(|user| user.standing == Standing::Deleted) {
        return Err(ApiError::NotFound);
    }
    users::set_disabled(&mut tx, user_id, None).await?;
    let what = format!("enabled {user_id}");
    record_both(
        &mut tx,
        AuditKind::AccountEnabled,
        user_id,
        admin,
        client,
        what,
        now,
    )
    .await?;
    db::commit(tx).await?;
    Ok(())
}

/// Ends every session of every account, the administrator's own included. The accounts
/// are locked one by one in id order, the order every multi-account lock takes, so it
/// waits for a sign-out in progress and never deadlocks with one. Returns how many ended.
pub async fn end_every_session(
    state: &AppState,
    admin: &Authenticated,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let accounts: Vec<(String, String)> =
        sqlx::query_as("SELECT id, email FROM users WHERE deleted_at IS NULL ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
    let mut revoked = Revoked::default();
    for (user_id, email) in &accounts {
        if let Some(ended) = end_user_sessions(
            &mut tx,
            state,
            user_id,
            None,
            RevokeReason::Administrator,
            now,
        )
        .await?
        {
            if ended.sessions > 0 {
                let count = ended.sessions;
                mail::security_notice(&mut tx, state, user_id, now, |link| {
                    let why = "An administrator ended every session of every account";
                    messages::sessions_ended(email, why, count, link)
                })
                .await?;
            }
            revoked = revoked.and(ended);
            let event = AuditEvent {
                kind: AuditKind::AdminEndedEverySession,
                user_id: Some(user_id),
                session_id: None,
                client: &unnamed(),
                detail: by(admin),
            };
            audit::record(&mut tx, event, now).await?;
        }
    }
    // And the act itself, under the administrator, from where they did it.
    let what = format!(
        "ended every session: {} of {} account(s)",
        revoked.sessions,
        accounts.len()
    );
    record_act(&mut tx, admin, client, what, now).await?;
    db::commit(tx).await?;
    state.mail_committed();
    Ok(revoked.apply_to(state))
}

/// `server admin grant|revoke EMAIL`: makes or unmakes an administrator, audited. `false`
/// if no live account has the email.
pub async fn set_admin(state: &AppState, email: &str, admin: bool) -> ApiResult<bool> {
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let Some(user_id) = users::set_admin(&mut tx, email, admin).await? else {
        return Ok(false);
    };
    let event = AuditEvent {
        kind: if admin {
            AuditKind::AdminGranted
        } else {
            AuditKind::AdminRevoked
        },
        user_id: Some(&user_id),
        session_id: None,
        client: &ClientInfo::default(),
        detail: Some("from the server's command line".into()),
    };
    let now = state.clock.now();
    audit::record(&mut tx, event, now).await?;
    // Every process drops the profile it kept, so `/api/auth/me` says so at once.
    let changed = Revocation::Profile {
        user_id,
        forget_after: now + profiles::KEEP_FOR,
    };
    revocation::record(&mut tx, state.dialect, &changed, now).await?;
    db::commit(tx).await?;
    state.revocations.apply(&changed);
    Ok(true)
}
