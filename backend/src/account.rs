//! Security-sensitive account changes. Each one ends sessions by itself: a password or
//! email change keeps only the device that made it; a reported concern ends them all.

use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::db;
use super::error::{ApiError, ApiResult};
use super::mail::links::{self, Purpose};
use super::mail::{self, messages};
use super::password::{hash_password, verify_password};
use super::secret::Secret;
use super::sessions::RevokeReason;
use super::signin::validate_new_password;
use super::signout::{
    end_sessions_and_commit, end_sessions_and_commit_in, end_user_sessions, Cause, SignOutScope,
};
use super::ssf::{self, Txn};
use super::state::AppState;
use super::tokens::AccessClaims;
use super::users;

/// The current password must be given again: a session alone (a borrowed laptop, a
/// stolen cookie) must not be enough to take over the account.
pub async fn confirm_password(
    state: &AppState,
    caller: &AccessClaims,
    password: Secret,
) -> ApiResult<()> {
    let stored = users::password_hash_of(&state.db, &caller.sub).await?;
    if stored.is_none() {
        return Err(ApiError::Unauthenticated);
    }
    if verify_password(password, stored).await? {
        Ok(())
    } else {
        Err(ApiError::WrongPassword)
    }
}

/// Returns how many other sessions ended.
pub async fn change_password(
    state: &AppState,
    caller: &AccessClaims,
    current: Secret,
    new: Secret,
    client: &ClientInfo,
) -> ApiResult<usize> {
    validate_new_password(new.expose())?;
    confirm_password(state, caller, current).await?;
    let hash = hash_password(new).await?;
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let email = locked_email(&mut tx, state, &caller.sub).await?;
    users::set_password(&mut tx, &caller.sub, &hash, now).await?;
    // No link made before this password may set another, nor lead to a reset.
    links::void_every_link(&mut tx, &caller.sub, now).await?;
    mail::security_notice(&mut tx, state, &caller.sub, now, |link| {
        messages::password_changed(&email, now, link)
    })
    .await?;
    let cause = Cause {
        reason: RevokeReason::PasswordChanged,
        audit: AuditKind::PasswordChanged,
    };
    let ended = end_sessions_and_commit(
        state,
        tx,
        caller,
        SignOutScope::OthersKeepCurrent,
        cause,
        client,
    )
    .await?;
    state.mail_committed();
    Ok(ended)
}

/// The account's email, its row locked for the change under way (the user's row first,
/// as always).
async fn locked_email(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    user_id: &str,
) -> ApiResult<String> {
    users::lock(conn, state.dialect, user_id, users::RowLock::Exclusive)
        .await?
        .map(|user| user.email)
        .ok_or(ApiError::Unauthenticated)
}

/// Returns how many other sessions ended.
pub async fn change_email(
    state: &AppState,
    caller: &AccessClaims,
    current: Secret,
    new_email: &str,
    client: &ClientInfo,
) -> ApiResult<usize> {
    // The words the browser shows beside the field, from the same rule.
    if let Some(problem) = wire::rules::email_problem(new_email) {
        return Err(ApiError::InvalidInput(problem.into()));
    }
    let new_email = users::normalize_email(new_email);
    confirm_password(state, caller, current).await?;
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let old_email = locked_email(&mut tx, state, &caller.sub).await?;
    if !users::set_email(&mut tx, &caller.sub, &new_email).await? {
        return Err(ApiError::EmailTaken);
    }
    // A reset link sent to the old address must not outlive it.
    links::void_all(&mut tx, &caller.sub, Purpose::PasswordReset, now).await?;
    // To the old address (whose owner may not be the one who changed it) and the new one.
    for to in [&old_email, &new_email] {
        mail::security_notice(&mut tx, state, &caller.sub, now, |link| {
            messages::email_changed(to, &old_email, &new_email, now, link)
        })
        .await?;
    }
    // Other services hear of it (RISC identifier-changed), in the same action as the
    // sessions it ends.
    let txn = Txn::new();
    let changed = ssf::events::email_changed(&old_email, &new_email, &txn, now);
    ssf::outbox::announce(&mut tx, &[changed], now).await?;
    let cause = Cause {
        reason: RevokeReason::EmailChanged,
        audit: AuditKind::EmailChanged,
    };
    let ended = end_sessions_and_commit_in(
        state,
        tx,
        caller,
        SignOutScope::OthersKeepCurrent,
        cause,
        &txn,
        client,
    )
    .await?;
    state.mail_committed();
    Ok(ended)
}

/// "Report a security concern": the user suspects someone else is in. Everything ends,
/// this device included, and every access token of the user dies.
pub async fn report_concern(
    state: &AppState,
    caller: &AccessClaims,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let cause = Cause {
        reason: RevokeReason::SecurityConcern,
        audit: AuditKind::SecurityConcern,
    };
    let why = "You reported a security concern";
    crate::signout::end_everywhere_telling(state, caller, cause, why, client).await
}

/// Deletes the caller's account, once its password is confirmed: in one transaction every
/// session ends (every access token with them, on every process), the refresh tokens are
/// forgotten, the drafts go and the published posts go or stay signed "Former member",
/// and the row becomes a tombstone whose email can register again. The audit keeps the
/// event by id, without the email. Returns how many sessions ended.
pub async fn delete_account(
    state: &AppState,
    caller: &AccessClaims,
    password: Secret,
    keep_published: bool,
    client: &ClientInfo,
) -> ApiResult<usize> {
    confirm_password(state, caller, password).await?;
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let user_id = caller.sub.as_str();
    let revoked = end_user_sessions(
        &mut tx,
        state,
        user_id,
        None,
        RevokeReason::AccountDeleted,
        now,
    )
    .await?
    .ok_or(ApiError::Unauthenticated)?;
    super::sessions::forget_refresh_tokens(&mut tx, user_id).await?;
    let posts_deleted =
        super::posts::delete_of_deleted_account(&mut tx, user_id, keep_published).await?;
    // Read in this transaction (the row is locked): no second connection while it writes.
    let email = locked_email(&mut tx, state, user_id).await?;
    mail::outbox::enqueue(&mut tx, &messages::account_deleted(&email), now).await?;
    users::tombstone(&mut tx, user_id, now).await?;
    let kept = if keep_published {
        "published posts kept"
    } else {
        "every post deleted"
    };
    let event = AuditEvent {
        kind: AuditKind::AccountDeleted,
        user_id: Some(user_id),
        session_id: Some(&caller.sid),
        client,
        detail: Some(format!(
            "{} session(s) ended; {posts_deleted} post(s) deleted, {kept}",
            revoked.sessions
        )),
    };
    audit::record(&mut tx, event, now).await?;
    db::commit(tx).await?;
    state.mail_committed();
    Ok(revoked.apply_to(state))
}
