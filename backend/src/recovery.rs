//! Getting an account back: the "Not me? Sign out everywhere" link that security mails
//! carry, and the password reset. Both work without a session; both are single-use links
//! (`mail::links`), used inside the transaction that acts on them.

use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::clock::UnixTime;
use super::db;
use super::error::{ApiError, ApiResult};
use super::mail::links::{self, Purpose};
use super::mail::{self, messages, outbox};
use super::password::hash_password;
use super::secret::Secret;
use super::sessions::{self, RevokeReason};
use super::signin::{self, validate_new_password, IssuedTokens};
use super::signout::end_user_sessions;
use super::state::AppState;
use super::users::{self, RowLock, Standing};

/// At most one reset mail per account in this many seconds: asking again sooner sends
/// nothing (and is answered the same).
pub const RESET_MAIL_INTERVAL: i64 = 5 * 60;

/// "Not me": the link is used, every session of its account ends on every process, and the
/// browser that followed it gets a password-reset link of its own. Returns that link's
/// token.
pub async fn not_me(state: &AppState, token: &Secret, client: &ClientInfo) -> ApiResult<Secret> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    // The account's row first, then its link (the one lock order).
    let Some(user_id) = links::owner(&mut tx, token, Purpose::NotMe).await? else {
        return Err(ApiError::InvalidLink);
    };
    let user = users::lock(&mut tx, state.dialect, &user_id, RowLock::Exclusive).await?;
    if user.is_none_or(|u| u.standing == Standing::Deleted)
        || !links::consume(&mut tx, token, Purpose::NotMe, &user_id, now).await?
    {
        return Err(ApiError::InvalidLink);
    }
    let revoked = end_user_sessions(&mut tx, state, &user_id, None, RevokeReason::NotMe, now)
        .await?
        .ok_or(ApiError::InvalidLink)?;
    let event = AuditEvent {
        kind: AuditKind::NotMe,
        user_id: Some(&user_id),
        session_id: None,
        client,
        detail: Some(format!(
            "{} session(s) ended from a mail's link",
            revoked.sessions
        )),
    };
    audit::record(&mut tx, event, now).await?;
    let reset = links::create(&mut tx, &user_id, Purpose::PasswordReset, now).await?;
    db::commit(tx).await?;
    revoked.apply_to(state);
    Ok(reset)
}

/// Sends a reset link to the address, if an active account has it and none was sent in
/// the last `RESET_MAIL_INTERVAL` seconds. Says nothing either way: the caller answers the
/// same whatever happened here.
pub async fn request_reset(state: &AppState, email: &str, client: &ClientInfo) -> ApiResult<()> {
    let email = users::normalize_email(email);
    if wire::rules::email_problem(&email).is_some() {
        return Ok(());
    }
    let Some((user, _)) = users::find_by_email(&state.db, &email).await? else {
        return Ok(());
    };
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let locked = users::lock(&mut tx, state.dialect, &user.id, RowLock::Exclusive).await?;
    if !locked.is_some_and(|u| u.is_active() && u.email == email) {
        return Ok(());
    }
    let newest = links::newest(&mut tx, &user.id, Purpose::PasswordReset).await?;
    if newest.is_some_and(|at| now - at < RESET_MAIL_INTERVAL) {
        return Ok(());
    }
    let token = links::create(&mut tx, &user.id, Purpose::PasswordReset, now).await?;
    let link = reset_link(state, &token);
    outbox::enqueue(&mut tx, &messages::password_reset(&email, &link), now).await?;
    let event = AuditEvent {
        kind: AuditKind::PasswordResetRequested,
        user_id: Some(&user.id),
        session_id: None,
        client,
        detail: None,
    };
    audit::record(&mut tx, event, now).await?;
    db::commit(tx).await?;
    state.mail_committed();
    Ok(())
}

/// Where a reset link points: the page that asks for the new password.
pub fn reset_link(state: &AppState, token: &Secret) -> String {
    format!(
        "{}/reset-password?token={}",
        state.config.app_origin,
        token.expose()
    )
}

/// Sets the new password with a reset link: every session of the account ends, this
/// browser is signed in with a new one, and the owner is told by mail. A link is refused
/// once used, expired, or after any password change (which voids every older link).
pub async fn reset_password(
    state: &AppState,
    token: &Secret,
    new_password: Secret,
    client: &ClientInfo,
) -> ApiResult<IssuedTokens> {
    validate_new_password(new_password.expose())?;
    let hash = hash_password(new_password).await?;
    let now: UnixTime = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    // The account's row first, then its link (the one lock order).
    let Some(user_id) = links::owner(&mut tx, token, Purpose::PasswordReset).await? else {
        return Err(ApiError::InvalidLink);
    };
    let Some(user) = users::lock(&mut tx, state.dialect, &user_id, RowLock::Exclusive).await?
    else {
        return Err(ApiError::InvalidLink);
    };
    if !links::consume(&mut tx, token, Purpose::PasswordReset, &user_id, now).await? {
        return Err(ApiError::InvalidLink);
    }
    match user.standing {
        Standing::Active => {}
        Standing::Disabled => return Err(ApiError::AccountDisabled),
        Standing::Deleted => return Err(ApiError::InvalidLink),
    }
    users::set_password(&mut tx, &user_id, &hash, now).await?;
    links::void_every_link(&mut tx, &user_id, now).await?;
    let revoked = end_user_sessions(
        &mut tx,
        state,
        &user_id,
        None,
        RevokeReason::PasswordChanged,
        now,
    )
    .await?
    .ok_or(ApiError::InvalidLink)?;
    mail::security_notice(&mut tx, state, &user_id, now, |link| {
        messages::password_changed(&user.email, now, link)
    })
    .await?;
    let event = AuditEvent {
        kind: AuditKind::PasswordReset,
        user_id: Some(&user_id),
        session_id: None,
        client,
        detail: Some(format!("{} session(s) ended", revoked.sessions)),
    };
    audit::record(&mut tx, event, now).await?;
    let session = sessions::create(&mut tx, &user_id, client, state.session_policy(), now).await?;
    let tokens = signin::start_session_in(state, &mut tx, &user_id, session, now).await?;
    db::commit(tx).await?;
    revoked.apply_to(state);
    state.mail_committed();
    Ok(tokens)
}
