//! Re-authentication: what a stolen session must not do (change the email or the password,
//! delete the account, end the owner's other sessions, administer) needs a password entered
//! within `REAUTH_WINDOW` seconds. The session keeps when it last was (`auth_time`: its
//! sign-in, or `POST /api/auth/reauthenticate`); a stale one is refused with RFC 9470's
//! step-up challenge. Signing out (here or everywhere) never asks for it.

use super::audit::{self, AuditEvent, AuditKind, ClientInfo};
use super::authn::Authenticated;
use super::db;
use super::error::{ApiError, ApiResult};
use super::secret::Secret;
use super::sessions;
use super::state::AppState;

/// Refuses the action unless the caller's session entered its password recently.
pub async fn require_recent(state: &AppState, auth: &Authenticated) -> ApiResult<()> {
    let window = state.config.reauth_window;
    let Some(at) = sessions::auth_time(&state.db, auth.user_id(), auth.session_id()).await? else {
        // The session ended meanwhile.
        return Err(ApiError::Unauthenticated);
    };
    // A password entered "in the future" (another process's clock ahead) counts as now.
    if state.clock.now() - at <= window {
        Ok(())
    } else {
        Err(ApiError::ReauthenticationRequired { max_age: window })
    }
}

/// Confirms the password and starts a new window for the caller's session. Returns the
/// new `auth_time`.
pub async fn reauthenticate(
    state: &AppState,
    auth: &Authenticated,
    password: Secret,
    client: &ClientInfo,
) -> ApiResult<i64> {
    super::account::confirm_password(state, &auth.claims, password).await?;
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db, state.dialect).await?;
    if !sessions::set_auth_time(&mut tx, auth.user_id(), auth.session_id(), now).await? {
        return Err(ApiError::Unauthenticated);
    }
    let event = AuditEvent {
        kind: AuditKind::Reauthenticated,
        user_id: Some(auth.user_id()),
        session_id: Some(auth.session_id()),
        client,
        detail: None,
    };
    audit::record(&mut tx, event, now).await?;
    db::commit(tx).await?;
    Ok(now)
}
