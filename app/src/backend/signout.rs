//! Ending sessions: for this device, for the other devices, or everywhere. Each path
//! revokes in the database and records its revocations in one transaction, then applies
//! them to this process's view so the very next request is refused.

use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::error::ApiResult;
use super::revocation::{self, Revocation};
use super::sessions::{self, RevokeReason};
use super::state::AppState;
use super::tokens::AccessClaims;
use super::users;

/// What "sign out" covers, beyond the current device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOutScope {
    /// Every session but the caller's; the caller's access token stays valid.
    OthersKeepCurrent,
    /// Every session, and every access token of the user (token version bump).
    Everywhere,
}

/// What a device presented when it asked to be signed out. Either part may be missing,
/// unknown or already revoked: sign-out is idempotent and says nothing about which.
pub struct LeavingDevice {
    /// Claims of the presented access token, even if expired (signature still checked).
    pub access: Option<AccessClaims>,
    /// `(session id, user id)` found through the presented refresh token.
    pub refresh_session: Option<(String, String)>,
}

pub async fn sign_out_device(
    state: &AppState,
    leaving: LeavingDevice,
    client: &ClientInfo,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut targets: Vec<(String, String)> = Vec::new();
    if let Some((sid, uid)) = leaving.refresh_session {
        targets.push((sid, uid));
    }
    if let Some(claims) = &leaving.access {
        if !targets.iter().any(|(sid, _)| sid == &claims.sid) {
            targets.push((claims.sid.clone(), claims.sub.clone()));
        }
    }
    if targets.is_empty() {
        return Ok(());
    }

    let mut revocations = Vec::new();
    let mut tx = state.db.begin().await?;
    for (session_id, user_id) in &targets {
        if sessions::revoke(&mut tx, session_id, RevokeReason::SignOut, now).await? {
            revocations.push(Revocation::Session {
                session_id: session_id.clone(),
                forget_after: now + state.keys.access_ttl(),
            });
            audit::record(
                &mut tx,
                AuditEvent {
                    kind: AuditKind::SignOut,
                    user_id: Some(user_id),
                    session_id: Some(session_id),
                    client,
                    detail: None,
                },
                now,
            )
            .await?;
        }
    }
    if let Some(claims) = &leaving.access {
        if claims.exp > now {
            revocations.push(Revocation::AccessToken {
                jti: claims.jti.clone(),
                forget_after: claims.exp,
            });
        }
    }
    for r in &revocations {
        revocation::record(&mut tx, state.dialect, r, now).await?;
    }
    tx.commit().await?;
    for r in &revocations {
        state.revocations.apply(r);
    }
    Ok(())
}

/// Ends the user's other sessions, or all of them. Returns how many sessions ended.
pub async fn sign_out_user(
    state: &AppState,
    caller: &AccessClaims,
    scope: SignOutScope,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let now = state.clock.now();
    let forget_after = now + state.keys.access_ttl();
    let (keep, reason, kind) = match scope {
        SignOutScope::OthersKeepCurrent => (
            Some(caller.sid.as_str()),
            RevokeReason::SignedOutByOtherDevice,
            AuditKind::SignOutOthers,
        ),
        SignOutScope::Everywhere => (
            None,
            RevokeReason::SignOutEverywhere,
            AuditKind::SignOutEverywhere,
        ),
    };

    let mut tx = state.db.begin().await?;
    let ended = sessions::revoke_all_of_user(&mut tx, &caller.sub, keep, reason, now).await?;
    let mut revocations: Vec<Revocation> = ended
        .iter()
        .map(|sid| Revocation::Session {
            session_id: sid.clone(),
            forget_after,
        })
        .collect();
    if scope == SignOutScope::Everywhere {
        let version = users::bump_token_version(&mut tx, &caller.sub).await?;
        revocations.push(Revocation::UserVersion {
            user_id: caller.sub.clone(),
            version,
            forget_after,
        });
    }
    for r in &revocations {
        revocation::record(&mut tx, state.dialect, r, now).await?;
    }
    audit::record(
        &mut tx,
        AuditEvent {
            kind,
            user_id: Some(&caller.sub),
            session_id: Some(&caller.sid),
            client,
            detail: Some(format!("{} session(s) ended", ended.len())),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    for r in &revocations {
        state.revocations.apply(r);
    }
    Ok(ended.len())
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
    let revocation = Revocation::Session {
        session_id: session_id.to_owned(),
        forget_after: now + state.keys.access_ttl(),
    };
    let mut tx = state.db.begin().await?;
    sessions::revoke(&mut tx, session_id, RevokeReason::RefreshTokenReuse, now).await?;
    revocation::record(&mut tx, state.dialect, &revocation, now).await?;
    audit::record(
        &mut tx,
        AuditEvent {
            kind: AuditKind::RefreshTokenReuse,
            user_id: Some(user_id),
            session_id: Some(session_id),
            client,
            detail: Some("a rotated refresh token was presented again; session revoked".into()),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    state.revocations.apply(&revocation);
    tracing::warn!(%session_id, "refresh token reuse detected; session revoked");
    Ok(())
}
