//! Signing out: this device, every device or every other one, one device from the list,
//! or the session of one token (RFC 7009). The rule common to all: a request that ends a
//! live session is always carried out; only a request that ended nothing counts against
//! the sign-out limit (`SIGN_OUT`), so a flood of made-up tokens cannot keep anyone from
//! signing out. Each runs to its end in a task of its own (`AppState::run_to_completion`),
//! even if the client hangs up.

use wire::{device_signed_out, Landing, LogoutAllResponse, LogoutResponse, Notice, SessionsEnded};

use super::outcome::{CookieChange, Next, Outcome};
use super::retry;
use super::sessions::record_ids;
use super::{ip_key, Caller};
use crate::audit::ClientInfo;
use crate::authn::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::SIGN_OUT;
use crate::secret::Secret;
use crate::signout::{self, LeavingDevice, SignOutScope};
use crate::state::AppState;
use crate::tokens::AccessClaims;
use crate::{devices, reauth, sessions};

/// The claims of every access token the caller presents, even expired ones (their
/// signatures still checked): enough to name the sessions they belong to.
fn presented_claims(state: &AppState, caller: &Caller) -> Vec<AccessClaims> {
    caller
        .presented
        .access_tokens()
        .filter_map(|token| state.keys.verify_ignoring_expiry(token))
        .collect()
}

/// What a caller presents to be signed out: the claims of its access tokens, and its
/// refresh tokens (`refresh_in_body`, else every refresh cookie).
pub(super) struct Leaving {
    pub access: Vec<AccessClaims>,
    pub refresh: Vec<Secret>,
}

impl Leaving {
    pub fn presented_by(
        state: &AppState,
        caller: &Caller,
        refresh_in_body: Option<Secret>,
    ) -> Self {
        Self {
            access: presented_claims(state, caller),
            refresh: match refresh_in_body {
                Some(token) => vec![token],
                None => caller.presented.refresh_cookies(),
            },
        }
    }
}

/// Ends the sessions a caller presents: by its refresh tokens and by its access tokens,
/// even expired ones, whose `jti`s are deny-listed too. Two cookies of one name both end:
/// one may have been planted, and the one that was not must not survive a sign-out.
/// Returns how many live sessions ended.
pub(super) async fn end_presented_sessions(
    state: &AppState,
    leaving: Leaving,
    client: &ClientInfo,
) -> ApiResult<usize> {
    let mut refresh_sessions = Vec::new();
    for token in &leaving.refresh {
        if let Some(session) = sessions::session_of_refresh_token(&state.db, token).await? {
            refresh_sessions.push(session.ids());
        }
    }
    let leaving = LeavingDevice {
        access: leaving.access,
        refresh_sessions,
    };
    signout::sign_out_device(state, leaving, client).await
}

/// Signs this device out. Idempotent, and the same answer whatever was (or was not)
/// presented, so that it reveals nothing about tokens and can be retried safely. The
/// browser is cleared either way: its cookies named a session that has now ended, or
/// nothing live at all. Two exceptions to the plain "done": the sign-out limit, for a
/// request that ended nothing, and a database that cannot be reached, when the cookies
/// stay for the retry and the sign-out is pending (this process refuses the session at
/// once meanwhile).
#[tracing::instrument(name = "sign_out", skip_all, fields(user_id, session_id))]
pub async fn sign_out(
    state: &AppState,
    caller: &Caller,
    refresh_in_body: Option<String>,
) -> Outcome<LogoutResponse> {
    let in_body = refresh_in_body.filter(|t| !t.is_empty()).map(Secret::new);
    let leaving = Leaving::presented_by(state, caller, in_body);
    if let Some(claims) = leaving.access.first() {
        record_ids(&claims.sub, &claims.sid);
    }
    for claims in &leaving.access {
        signout::refuse_session_here_at_once(state, claims);
    }
    // Kept for the rate-limit key below, and for the retry.
    let verified = leaving.access.clone();
    let (in_client, retried) = (caller.client.clone(), verified.clone());
    let ended = state
        .run_to_completion(move |state| async move {
            let ended = end_presented_sessions(&state, leaving, &in_client).await;
            // Decided here, in the task that outlives the request: a client that hung up
            // or timed out gets its sign-out retried too.
            if matches!(ended, Err(ApiError::Unavailable)) {
                retry::keep_trying(&state, retried, in_client);
            }
            ended
        })
        .await;
    let ended = match ended {
        Ok(ended) => ended,
        Err(error) => {
            // Said plainly: the browser lands home signed out, and is told that the end
            // everywhere is still to come and how to make sure of it.
            let mut pending =
                Outcome::refused(error).then(Next::to(Landing::Home, Notice::SignOutPending));
            pending.sign_out_pending = true;
            return pending;
        }
    };
    let next = Next::to(Landing::Home, Notice::SignedOut);

    let mut outcome = Outcome::done(LogoutResponse {
        success: true,
        message: "You have been signed out".into(),
        timestamp: state.clock.now(),
    })
    .signing_browser_out()
    .then(next);
    if caller.presented.sign_out_pending() {
        outcome = outcome.with_cookie(CookieChange::ClearSignOutPending);
    }
    if ended == 0 {
        let rate_key = verified
            .first()
            .map(|c| format!("session:{}", c.sid))
            .unwrap_or_else(|| ip_key(&caller.client));
        if let Err(limited) = state.rate_limit(SIGN_OUT, &rate_key) {
            return outcome.refuse(limited);
        }
    }
    outcome
}

/// Signs out every device of the user, or every other device with `keep_current`.
/// Signing out everywhere always ends the caller's live session, so it is never limited;
/// signing out the others counts against the sign-out limit only when there were none.
#[tracing::instrument(name = "sign_out_all", skip_all, fields(user_id = %auth.user_id(), session_id = %auth.session_id(), keep_current = keep_current))]
pub async fn sign_out_all(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    keep_current: bool,
) -> Outcome<LogoutAllResponse> {
    let scope = if keep_current {
        SignOutScope::OthersKeepCurrent
    } else {
        SignOutScope::Everywhere
    };
    // Ending the others is what a thief would do to keep the account: it needs a recent
    // password. Ending them all, this one included, never does.
    if scope == SignOutScope::OthersKeepCurrent {
        if let Err(refused) = reauth::require_recent(state, auth).await {
            return refused.into();
        }
    }
    let (caller, client) = (auth.claims.clone(), client.clone());
    let revoked = state
        .run_to_completion(move |state| async move {
            signout::sign_out_user(&state, &caller, scope, &client).await
        })
        .await;
    let revoked = match revoked {
        Ok(revoked) => revoked,
        Err(error) => return error.into(),
    };
    if revoked == 0 && scope == SignOutScope::OthersKeepCurrent {
        if let Err(limited) = state.rate_limit(SIGN_OUT, auth.session_id()) {
            return limited.into();
        }
    }
    let answer = |message| LogoutAllResponse {
        success: true,
        message,
        revoked,
        timestamp: state.clock.now(),
    };
    match scope {
        SignOutScope::OthersKeepCurrent => {
            Outcome::done(answer(format!("Signed out {revoked} other device(s)"))).then(Next::to(
                Landing::Profile,
                Notice::OtherDevicesSignedOut(revoked),
            ))
        }
        SignOutScope::Everywhere => Outcome::done(answer(format!(
            "Signed out from all devices ({revoked} session(s))"
        )))
        .signing_browser_out()
        .then(Next::to(Landing::Login, Notice::SignedOutEverywhere)),
    }
}

/// Ends one of the caller's sessions, chosen in the devices list. Someone else's session,
/// or one that is already over, is "not found" and changes nothing; only those count
/// against the sign-out limit.
#[tracing::instrument(name = "revoke_device", skip_all, fields(user_id = %auth.user_id(), session_id = %auth.session_id(), revoked_session = %session_id))]
pub async fn revoke_device(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    session_id: String,
) -> Outcome<SessionsEnded> {
    if session_id.trim().is_empty() || session_id.chars().any(char::is_control) {
        if let Err(limited) = state.rate_limit(SIGN_OUT, auth.session_id()) {
            return limited.into();
        }
        return ApiError::InvalidInput("sessionId is required".into()).into();
    }
    // Revoking this very session is a sign-out, never refused; another one needs a recent
    // password.
    if session_id != auth.session_id() {
        if let Err(refused) = reauth::require_recent(state, auth).await {
            return refused.into();
        }
    }
    // Read before it ends, to name it in the answer; nothing is said of someone else's.
    let device = devices::label_of_own_session(&state.db, auth.user_id(), &session_id)
        .await
        .ok()
        .flatten();
    let (caller, client) = (auth.claims.clone(), client.clone());
    let ended = state
        .run_to_completion(move |state| async move {
            signout::revoke_one(&state, &caller, &session_id, &client).await
        })
        .await;
    match ended {
        Ok(true) => {}
        Ok(false) => {
            if let Err(limited) = state.rate_limit(SIGN_OUT, auth.session_id()) {
                return limited.into();
            }
            return ApiError::NotFound.into();
        }
        Err(error) => return error.into(),
    }
    let message = match &device {
        Some(device) => device_signed_out(device),
        None => "The device has been signed out".into(),
    };
    Outcome::done(SessionsEnded {
        success: true,
        message,
        revoked: 1,
        timestamp: state.clock.now(),
    })
    .then(Next {
        landing: Landing::Profile,
        notice: Some(Notice::DeviceSignedOut),
        named_device: device,
    })
}

/// RFC 7009: ends the session of an access or refresh token. The same answer for a token
/// that is unknown, expired or already revoked, so it says nothing about the token. The
/// hint only orders the search (§2.1): a token can be only one kind, and an access token
/// is recognised without a query. Even an expired access token names the session it
/// belonged to, as it does for sign-out.
#[tracing::instrument(name = "revoke_token", skip_all, fields(user_id, session_id))]
pub async fn revoke_token(state: &AppState, client: &ClientInfo, token: Secret) -> ApiResult<()> {
    let access = state.keys.verify_ignoring_expiry(token.expose());
    // As for a sign-out: this process refuses the session before the database is asked.
    if let Some(claims) = &access {
        record_ids(&claims.sub, &claims.sid);
        signout::refuse_session_here_at_once(state, claims);
    }
    let in_client = client.clone();
    let ended = state
        .run_to_completion(move |state| async move {
            let refresh_sessions = match access {
                Some(_) => None,
                None => sessions::session_of_refresh_token(&state.db, &token).await?,
            };
            let leaving = LeavingDevice {
                access: access.into_iter().collect(),
                refresh_sessions: refresh_sessions.map(|s| s.ids()).into_iter().collect(),
            };
            signout::sign_out_device(&state, leaving, &in_client).await
        })
        .await?;
    if ended == 0 {
        state.rate_limit(SIGN_OUT, &ip_key(client))?;
    }
    Ok(())
}
