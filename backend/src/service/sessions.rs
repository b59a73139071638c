//! Starting a session in a browser (sign up, sign in) and continuing it (refresh). The
//! tokens travel only in HttpOnly cookies, never in an answer.

use tracing::Span;
use wire::{Credentials, Landing, Registration, SignedIn};

use super::outcome::{CookieChange, Next, Outcome};
use super::sign_out::{end_presented_sessions, Leaving};
use super::{ip_key, Caller};
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::{REFRESH_PER_IP, REGISTER_PER_IP};
use crate::secret::Secret;
use crate::sessions;
use crate::signin::{self, IssuedTokens, Refreshed};
use crate::signout::{self, LeavingDevice};
use crate::state::AppState;

/// The outcome of every action that starts or continues a session in a browser: the
/// cookies, and the user it is.
pub(super) fn signed_in(tokens: IssuedTokens) -> Outcome<SignedIn> {
    record_ids(&tokens.access_claims.sub, &tokens.access_claims.sid);
    let mut outcome = Outcome::done(SignedIn {
        user: tokens.user.view(),
        session_id: tokens.access_claims.sid.clone(),
    })
    .with_cookie(CookieChange::SetAccess(tokens.access_token));
    if let Some(refresh) = tokens.refresh_token {
        outcome = outcome.with_cookie(CookieChange::SetRefresh(refresh));
    }
    outcome
}

/// Names the session and user of this action in its span, once they are known.
pub(super) fn record_ids(user_id: &str, session_id: &str) {
    Span::current().record("user_id", user_id);
    Span::current().record("session_id", session_id);
}

/// Creates an account and signs it in on this device.
#[tracing::instrument(name = "sign_up", skip_all, fields(user_id, session_id))]
pub async fn sign_up(state: &AppState, caller: &Caller, input: Registration) -> Outcome<SignedIn> {
    if let Err(limited) = state.rate_limit(REGISTER_PER_IP, &ip_key(&caller.client)) {
        return limited.into();
    }
    let started = signin::register(
        state,
        &input.email,
        input.display_name.as_deref(),
        Secret::new(input.password),
        &caller.client,
    )
    .await;
    start_in_browser(state, caller, started).await
}

/// Starts a new session (a new session id every time: fixation defence).
#[tracing::instrument(name = "sign_in", skip_all, fields(user_id, session_id))]
pub async fn sign_in(state: &AppState, caller: &Caller, input: Credentials) -> Outcome<SignedIn> {
    let started = signin::sign_in(
        state,
        &input.email,
        Secret::new(input.password),
        &caller.client,
    )
    .await;
    start_in_browser(state, caller, started).await
}

/// A new session's cookies, after any sign-out of this browser that never reached us.
async fn start_in_browser(
    state: &AppState,
    caller: &Caller,
    started: ApiResult<IssuedTokens>,
) -> Outcome<SignedIn> {
    let outcome = match started {
        Ok(tokens) => signed_in(tokens).then(Next {
            landing: Landing::Dashboard,
            notice: None,
            named_device: None,
        }),
        Err(refused) => return refused.into(),
    };
    finish_pending_sign_out(state, caller, outcome).await
}

/// A browser whose earlier sign-out never reached us signs in again: that sign-out is
/// finished first (the new cookies are about to replace the old ones, the last trace of
/// it), and the marker goes so that the new session's cookies count.
async fn finish_pending_sign_out(
    state: &AppState,
    caller: &Caller,
    outcome: Outcome<SignedIn>,
) -> Outcome<SignedIn> {
    if !caller.presented.sign_out_pending() {
        return outcome;
    }
    let leaving = Leaving::presented_by(state, caller, None);
    match end_presented_sessions(state, leaving, &caller.client).await {
        Ok(_) => outcome.with_cookie(CookieChange::ClearSignOutPending),
        // The new session's cookies are not given: the old ones, still marked, keep
        // counting for nothing, and the next attempt finishes the sign-out.
        Err(error) => error.into(),
    }
}

/// Exchanges the refresh cookie for new cookies. When refused, the cookies are cleared so
/// the browser stops presenting a dead token.
#[tracing::instrument(name = "refresh", skip_all, fields(user_id, session_id))]
pub async fn refresh(state: &AppState, caller: &Caller) -> Outcome<SignedIn> {
    if let Err(limited) = state.rate_limit(REFRESH_PER_IP, &ip_key(&caller.client)) {
        return limited.into();
    }
    let refused = |error: ApiError| Outcome::refused(error).with_cookie(CookieChange::ClearAuth);
    // A browser whose sign-out is still pending must not be signed back in.
    let presented = match caller.presented.refresh_cookie_to_continue() {
        Ok(Some(presented)) => presented,
        Ok(None) => return refused(ApiError::InvalidRefreshToken),
        Err(conflict) => match resolve_planted_refresh(state, caller).await {
            Ok(Some(own)) => own,
            Ok(None) => return refused(conflict),
            Err(error) => return error.into(),
        },
    };
    match signin::refresh(state, &presented, true, &caller.client).await {
        Ok(Refreshed::Tokens(tokens)) => signed_in(*tokens),
        Ok(Refreshed::Refused) => refused(ApiError::InvalidRefreshToken),
        Ok(Refreshed::Expired) => refused(ApiError::SessionExpired),
        Ok(Refreshed::AccountDisabled) => refused(ApiError::AccountDisabled),
        Err(error) => error.into(),
    }
}

/// Two refresh cookies of one name: one of them was planted by another host (a sibling
/// subdomain can set a `__Secure-` cookie with a wider `Domain`), perhaps to sign this
/// browser into the planter's account. The access cookie cannot be planted (`__Host-`), so
/// it tells which session is this browser's own: if exactly one live session among the
/// presented refresh tokens is one the access cookies name, that refresh token continues,
/// and every other live session presented is ended (the planter's sign-in dies, and
/// the planted cookie then names nothing live). Otherwise nothing continues (`None`); the
/// live sessions no access cookie names are ended all the same, so that a planted cookie
/// can never sign a browser with no session of its own into someone else's.
async fn resolve_planted_refresh(state: &AppState, caller: &Caller) -> ApiResult<Option<Secret>> {
    let named_by_access: Vec<String> = caller
        .presented
        .current_access_cookies()
        .filter_map(|t| state.keys.verify_ignoring_expiry(t))
        .map(|claims| claims.sid)
        .collect();
    let mut own = Vec::new();
    let mut others = Vec::new();
    for token in caller.presented.current_refresh_cookies() {
        let Some(session) = sessions::session_of_refresh_token(&state.db, &token).await? else {
            continue;
        };
        if session.ended {
            continue;
        }
        if named_by_access.contains(&session.session_id) {
            own.push(token);
        } else {
            others.push(session.ids());
        }
    }
    if !others.is_empty() {
        let planted = LeavingDevice {
            access: Vec::new(),
            refresh_sessions: others,
        };
        signout::sign_out_device(state, planted, &caller.client).await?;
    }
    Ok(match <[Secret; 1]>::try_from(own) {
        Ok([one]) => Some(one),
        Err(_) => None,
    })
}
