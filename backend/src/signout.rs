//! Ending sessions: this device, one device from the list, the other devices, or all of
//! them. Each path locks the user's row first (the one lock order, see `access_grant`),
//! revokes in the database and records its revocations in one transaction, then applies
//! them to this process's view, so the very next request with an affected token is
//! refused.

use sqlx::AnyConnection;

use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::clock::UnixTime;
use super::db;
use super::error::{ApiError, ApiResult};
use super::revocation::{self, Revocation};
use super::sessions::{self, RevokeReason};
use super::ssf::{self, Txn};
use super::state::AppState;
use super::tokens::AccessClaims;
use super::users::{self, RowLock};

/// Which of the user's sessions end, besides a single device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOutScope {
    /// Every session but the caller's; the caller's access token stays valid.
    OthersKeepCurrent,
    /// Every session, and every access token of the user (token version bump).
    Everywhere,
}

/// Revocations written inside a transaction, to apply to the view once it commits.
#[must_use = "apply the revocations after the transaction commits"]
#[derive(Default)]
pub struct Revoked {
    pub sessions: usize,
    revocations: Vec<Revocation>,
}

impl Revoked {
    /// Both sets of revocations, applied together after the one commit.
    pub fn and(mut self, other: Revoked) -> Self {
        self.sessions += other.sessions;
        self.revocations.extend(other.revocations);
        self
    }

    pub fn apply_to(self, state: &AppState) -> usize {
        for r in &self.revocations {
            state.revocations.apply(r);
        }
        self.sessions
    }
}

async fn record_all(
    conn: &mut AnyConnection,
    state: &AppState,
    revocations: &[Revocation],
    now: UnixTime,
) -> sqlx::Result<()> {
    for r in revocations {
        revocation::record(conn, state.dialect, r, now).await?;
    }
    Ok(())
}

/// Locks the rows of these users (in id order, so two sign-outs never wait for each
/// other), before any of their sessions: the lock order of `access_grant`.
async fn lock_users<'a>(
    conn: &mut AnyConnection,
    state: &AppState,
    user_ids: impl IntoIterator<Item = &'a str>,
) -> sqlx::Result<()> {
    let ordered: std::collections::BTreeSet<&str> = user_ids.into_iter().collect();
    for user_id in ordered {
        users::lock(conn, state.dialect, user_id, RowLock::Exclusive).await?;
    }
    Ok(())
}

/// Makes this process refuse a signing-out device's access token (its whole session)
/// before the database is asked to end the session. If the database cannot be reached,
/// the logout is answered 503 and retried (it names its session by the token even when
/// this process refuses it), but meanwhile the token the user wanted dead must not keep
/// working here. After a successful commit the durable entry, which lasts until the
/// latest `exp` the session was granted, is applied as well. This local one lasts at least
/// as long as the presented token, and as long as any token this process would issue now.
pub fn refuse_session_here_at_once(state: &AppState, claims: &AccessClaims) {
    let now = state.clock.now();
    state.revocations.apply(&Revocation::Session {
        session_id: claims.sid.clone(),
        forget_after: claims.exp.max(now + state.keys.access_ttl()),
    });
}

/// Ends one session inside the caller's transaction (which holds its user's row lock).
/// The revocation lasts as long as the latest token the session was granted.
async fn end_one(
    conn: &mut AnyConnection,
    session_id: &str,
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<Option<Revocation>> {
    let ended = sessions::revoke(conn, session_id, reason, now).await?;
    Ok(ended.map(|forget_after| Revocation::Session {
        session_id: session_id.to_owned(),
        forget_after,
    }))
}

/// Tells the other services (Shared Signals) that these sessions of a user ended, inside
/// the transaction that ended them; a password or email change says so too.
async fn announce(
    conn: &mut AnyConnection,
    txn: &Txn,
    user_id: &str,
    ended: &[String],
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<()> {
    let listening = ssf::outbox::listening(conn).await?;
    announce_to(conn, &listening, txn, user_id, ended, reason, now).await
}

/// `announce`, to the streams already read. With none listening, no event is even built.
async fn announce_to(
    conn: &mut AnyConnection,
    listening: &ssf::outbox::Listening,
    txn: &Txn,
    user_id: &str,
    ended: &[String],
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<()> {
    if listening.is_empty() {
        return Ok(());
    }
    let events = ssf::events::of_sessions_ending(user_id, ended, reason, txn, now);
    ssf::outbox::announce_to(conn, listening, &events, now).await
}

/// Ends these sessions of a user inside the caller's transaction (which holds the user's
/// row lock), and records their revocations.
pub async fn end_these(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    session_ids: &[String],
    reason: RevokeReason,
    now: UnixTime,
) -> sqlx::Result<Revoked> {
    let mut revocations = Vec::new();
    let mut ended = Vec::new();
    for session_id in session_ids {
        if let Some(revoked) = end_one(conn, session_id, reason, now).await? {
            revocations.push(revoked);
            ended.push(session_id.clone());
        }
    }
    record_all(conn, state, &revocations, now).await?;
    announce(conn, &Txn::new(), user_id, &ended, reason, now).await?;
    Ok(Revoked {
        sessions: revocations.len(),
        revocations,
    })
}

/// Ends the user's sessions inside the caller's transaction, as a set: one UPDATE by
/// user, one token-version bump, one revocation event (naming the kept session, if any),
/// whatever the number of sessions. `None` if there is no such user.
///
/// "Other devices" bumps the version too, and the event exempts the kept session: one
/// entry in every view says "tokens of this user older than version V are dead, except
/// those of session K", instead of one entry per ended session.
pub async fn end_user_sessions(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    keep: Option<&str>,
    reason: RevokeReason,
    now: UnixTime,
) -> ApiResult<Option<Revoked>> {
    end_user_sessions_in(conn, state, user_id, keep, reason, &Txn::new(), now).await
}

/// `end_user_sessions`, its Shared Signals events part of the action `txn` (which the
/// caller may have announced more of, such as an email change).
async fn end_user_sessions_in(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    keep: Option<&str>,
    reason: RevokeReason,
    txn: &Txn,
    now: UnixTime,
) -> ApiResult<Option<Revoked>> {
    if users::lock(conn, state.dialect, user_id, RowLock::Exclusive)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    // The kept session must still be active now that the user is locked: a session that
    // ended (say, by a sign-out everywhere that committed first) cannot be kept alive.
    if let Some(kept) = keep {
        if !sessions::is_active(conn, user_id, kept).await? {
            return Err(ApiError::Unauthenticated);
        }
    }
    let listening = ssf::outbox::listening(conn).await?;
    let ended = if listening.is_empty() {
        sessions::count_revoked_of_user(conn, user_id, keep, reason, now).await?
    } else {
        let ended = sessions::revoke_all_of_user(conn, user_id, keep, reason, now).await?;
        announce_to(conn, &listening, txn, user_id, &ended, reason, now).await?;
        ended.len()
    };
    let version = users::bump_token_version(conn, user_id).await?;
    let revocation = Revocation::UserVersion {
        user_id: user_id.to_owned(),
        version,
        kept_session: keep.map(str::to_owned),
        forget_after: sessions::latest_access_expiry(conn, user_id, keep).await?,
    };
    revocation::record(conn, state.dialect, &revocation, now).await?;
    Ok(Some(Revoked {
        sessions: ended,
        revocations: vec![revocation],
    }))
}

/// The caller's own sessions per `scope`; the caller's user must exist.
async fn end_sessions(
    conn: &mut AnyConnection,
    state: &AppState,
    caller: &AccessClaims,
    scope: SignOutScope,
    reason: RevokeReason,
    txn: &Txn,
    now: UnixTime,
) -> ApiResult<Revoked> {
    let keep = (scope == SignOutScope::OthersKeepCurrent).then_some(caller.sid.as_str());
    end_user_sessions_in(conn, state, &caller.sub, keep, reason, txn, now)
        .await?
        .ok_or(ApiError::Unauthenticated)
}

/// What a device presented when it asked to be signed out. Any part may be missing,
/// unknown or already revoked: sign-out is idempotent and says nothing about which. There
/// may be several of each (two cookies of one name): all of them end.
pub struct LeavingDevice {
    /// Claims of the presented access tokens, even if expired (signature still checked).
    pub access: Vec<AccessClaims>,
    /// `(session id, user id)` found through the presented refresh tokens.
    pub refresh_sessions: Vec<(String, String)>,
}

/// Returns how many live sessions ended (0: the device named nothing that was live).
pub async fn sign_out_device(
    state: &AppState,
    leaving: LeavingDevice,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let now = state.clock.now();
    let mut targets: Vec<(String, String)> = Vec::new();
    let named = leaving.refresh_sessions.iter().cloned().chain(
        leaving
            .access
            .iter()
            .map(|c| (c.sid.clone(), c.sub.clone())),
    );
    for target in named {
        if !targets.iter().any(|(sid, _)| *sid == target.0) {
            targets.push(target);
        }
    }
    if targets.is_empty() {
        return Ok(0);
    }

    let mut ended = 0;
    let mut revocations = Vec::new();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    lock_users(
        &mut tx,
        state,
        targets.iter().map(|(_, user_id)| user_id.as_str()),
    )
    .await?;
    let mut ended_per_user: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (session_id, user_id) in &targets {
        if let Some(revoked) = end_one(&mut tx, session_id, RevokeReason::SignOut, now).await? {
            ended += 1;
            revocations.push(revoked);
            ended_per_user
                .entry(user_id)
                .or_default()
                .push(session_id.clone());
            let event = AuditEvent {
                kind: AuditKind::SignOut,
                user_id: Some(user_id),
                session_id: Some(session_id),
                client,
                detail: None,
            };
            audit::record(&mut tx, event, now).await?;
        }
    }
    for claims in &leaving.access {
        // Even when already expired by this clock: a process whose clock is behind may
        // still take it. The entry is forgotten at the token's own `exp`.
        revocations.push(Revocation::AccessToken {
            jti: claims.jti.clone(),
            forget_after: claims.exp,
        });
    }
    record_all(&mut tx, state, &revocations, now).await?;
    for (user_id, sessions) in &ended_per_user {
        let txn = Txn::new();
        announce(&mut tx, &txn, user_id, sessions, RevokeReason::SignOut, now).await?;
    }
    db::commit(tx).await?;
    Revoked {
        sessions: ended,
        revocations,
    }
    .apply_to(state);
    Ok(ended)
}

/// Why a user's sessions end: stored on each session, and the audit event's kind.
#[derive(Clone, Copy, Debug)]
pub struct Cause {
    pub reason: RevokeReason,
    pub audit: AuditKind,
}

/// The last step of a transaction that ends the user's sessions per `scope`: revokes
/// them, records the revocations and the audit event, commits, and only then applies the
/// revocations to this process's view. Returns how many sessions ended.
pub async fn end_sessions_and_commit(
    state: &AppState,
    tx: sqlx::Transaction<'static, sqlx::Any>,
    caller: &AccessClaims,
    scope: SignOutScope,
    cause: Cause,
    client: &ClientInfo,
) -> ApiResult<usize> {
    end_sessions_and_commit_in(state, tx, caller, scope, cause, &Txn::new(), client).await
}

/// `end_sessions_and_commit`, its Shared Signals events part of the action `txn`.
pub async fn end_sessions_and_commit_in(
    state: &AppState,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    caller: &AccessClaims,
    scope: SignOutScope,
    cause: Cause,
    txn: &Txn,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let now = state.clock.now();
    let revoked = end_sessions(&mut tx, state, caller, scope, cause.reason, txn, now).await?;
    let event = AuditEvent {
        kind: cause.audit,
        user_id: Some(&caller.sub),
        session_id: Some(&caller.sid),
        client,
        detail: Some(format!("{} session(s) ended", revoked.sessions)),
    };
    audit::record(&mut tx, event, now).await?;
    db::commit(tx).await?;
    Ok(revoked.apply_to(state))
}

/// "Sign out other devices" and "sign out from all devices". Returns how many ended.
pub async fn sign_out_user(
    state: &AppState,
    caller: &AccessClaims,
    scope: SignOutScope,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let cause = match scope {
        SignOutScope::OthersKeepCurrent => Cause {
            reason: RevokeReason::SignedOutByOtherDevice,
            audit: AuditKind::SignOutOthers,
        },
        SignOutScope::Everywhere => Cause {
            reason: RevokeReason::SignOutEverywhere,
            audit: AuditKind::SignOutEverywhere,
        },
    };
    match scope {
        SignOutScope::OthersKeepCurrent => {
            let tx = db::begin_write(&state.db, state.dialect).await?;
            end_sessions_and_commit(state, tx, caller, scope, cause, client).await
        }
        SignOutScope::Everywhere => {
            let why = "You signed out from all devices";
            end_everywhere_telling(state, caller, cause, why, client).await
        }
    }
}

/// Ends every session of the caller's account, this one included, and tells the owner by
/// mail (with the "Not me" link: the one who did it may not be the owner).
pub async fn end_everywhere_telling(
    state: &AppState,
    caller: &AccessClaims,
    cause: Cause,
    why: &str,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    let Some(user) = users::lock(&mut tx, state.dialect, &caller.sub, RowLock::Exclusive).await?
    else {
        return Err(ApiError::Unauthenticated);
    };
    let ended = sessions::count_live(&mut tx, &caller.sub).await?;
    crate::mail::security_notice(&mut tx, state, &caller.sub, now, |link| {
        crate::mail::messages::sessions_ended(&user.email, why, ended, link)
    })
    .await?;
    let ended =
        end_sessions_and_commit(state, tx, caller, SignOutScope::Everywhere, cause, client).await?;
    state.mail_committed();
    Ok(ended)
}

/// Ends one of the caller's own sessions, chosen in the devices list. `false` if the user
/// has no such active session (another user's id included: no oracle, nothing changes).
pub async fn revoke_one(
    state: &AppState,
    caller: &AccessClaims,
    session_id: &str,
    client: &ClientInfo,
) -> ApiResult<bool> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    lock_users(&mut tx, state, [caller.sub.as_str()]).await?;
    let reason = RevokeReason::RevokedFromDevicesList;
    let owned = sessions::revoke_owned(&mut tx, &caller.sub, session_id, reason, now).await?;
    let Some(forget_after) = owned else {
        return Ok(false);
    };
    let revocations = vec![Revocation::Session {
        session_id: session_id.to_owned(),
        forget_after,
    }];
    record_all(&mut tx, state, &revocations, now).await?;
    let ended = [session_id.to_owned()];
    announce(&mut tx, &Txn::new(), &caller.sub, &ended, reason, now).await?;
    let event = AuditEvent {
        kind: AuditKind::SessionRevoked,
        user_id: Some(&caller.sub),
        session_id: Some(session_id),
        client,
        detail: Some(format!("revoked from session {}", caller.sid)),
    };
    audit::record(&mut tx, event, now).await?;
    db::commit(tx).await?;
    Revoked {
        sessions: 1,
        revocations,
    }
    .apply_to(state);
    Ok(true)
}

/// A rotated refresh token came back after the grace window: someone holds a copy. The
/// whole session (the token family) ends.
pub async fn revoke_for_refresh_reuse(
    state: &AppState,
    session_id: &str,
    user_id: &str,
    client: &ClientInfo,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    lock_users(&mut tx, state, [user_id]).await?;
    let reason = RevokeReason::RefreshTokenReuse;
    let revocations: Vec<Revocation> = end_one(&mut tx, session_id, reason, now)
        .await?
        .into_iter()
        .collect();
    record_all(&mut tx, state, &revocations, now).await?;
    if !revocations.is_empty() {
        let ended = [session_id.to_owned()];
        announce(&mut tx, &Txn::new(), user_id, &ended, reason, now).await?;
    }
    let event = AuditEvent {
        kind: AuditKind::RefreshTokenReuse,
        user_id: Some(user_id),
        session_id: Some(session_id),
        client,
        detail: Some("a rotated refresh token was presented again; session revoked".into()),
    };
    audit::record(&mut tx, event, now).await?;
    db::commit(tx).await?;
    let sessions = revocations.len();
    Revoked {
        sessions,
        revocations,
    }
    .apply_to(state);
    tracing::warn!(%session_id, "refresh token reuse detected; session revoked");
    Ok(())
}
