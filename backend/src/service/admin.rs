//! The administrators' actions. Each one first makes sure the caller is an administrator
//! (anyone else is told "not found": the admin area does not exist for them), then that
//! their password is recent (a stolen administrator's session must not end everyone's).

use wire::{
    AdminUser, AdminUsers, EndEverySessionRequest, Landing, Notice, SessionsEnded, SignedInDevices,
    END_EVERY_SESSION_CONFIRMATION,
};

use super::outcome::{Next, Outcome};
use crate::audit::ClientInfo;
use crate::authn::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{admin, devices, reauth, users};

/// The longest text searched for: an email address is at most 254 bytes.
const MAX_SEARCH_BYTES: usize = 254;

/// How many accounts one search lists.
const SEARCH_LIMIT: i64 = 50;

/// An administrator whose password is recent (reading needs only `require_admin`).
async fn admin_acting(state: &AppState, auth: &Authenticated) -> ApiResult<()> {
    admin::require_admin(state, auth).await?;
    reauth::require_recent(state, auth).await
}

fn ended(state: &AppState, message: String, revoked: usize) -> SessionsEnded {
    SessionsEnded {
        success: true,
        message,
        revoked,
        timestamp: state.clock.now(),
    }
}

/// An administrator's action on one account (its id checked first), run to its end in a
/// task of its own even if the client hangs up.
async fn act_on<T, Work>(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    user_id: String,
    work: impl FnOnce(AppState, Authenticated, String, ClientInfo) -> Work,
) -> ApiResult<T>
where
    T: Send + 'static,
    Work: std::future::Future<Output = ApiResult<T>> + Send + 'static,
{
    admin_acting(state, auth).await?;
    if let Some(problem) = id_problem(&user_id) {
        return Err(problem);
    }
    let (admin, client) = (auth.clone(), client.clone());
    state
        .run_to_completion(move |state| work(state, admin, user_id, client))
        .await
}

fn id_problem(user_id: &str) -> Option<ApiError> {
    (user_id.trim().is_empty() || user_id.len() > 64 || user_id.chars().any(char::is_control))
        .then(|| ApiError::NotFound)
}

/// Accounts whose email contains `email` (every account, for an empty text).
pub async fn find_users(
    state: &AppState,
    auth: &Authenticated,
    email: &str,
) -> ApiResult<AdminUsers> {
    admin::require_admin(state, auth).await?;
    if email.len() > MAX_SEARCH_BYTES || email.chars().any(char::is_control) {
        return Err(ApiError::InvalidInput(
            "the email to find is too long".into(),
        ));
    }
    let found = users::search_by_email(&state.db, email, SEARCH_LIMIT).await?;
    Ok(AdminUsers {
        users: found
            .into_iter()
            .map(|a| AdminUser {
                id: a.id,
                email: a.email,
                created_at: a.created_at,
                disabled: a.disabled,
                is_admin: a.is_admin,
                active_sessions: a.active_sessions,
            })
            .collect(),
    })
}

/// The user's live sessions, as their own devices list shows them.
pub async fn sessions_of(
    state: &AppState,
    auth: &Authenticated,
    user_id: &str,
) -> ApiResult<SignedInDevices> {
    admin::require_admin(state, auth).await?;
    if let Some(problem) = id_problem(user_id) {
        return Err(problem);
    }
    if users::standing(&state.db, user_id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(devices::signed_in_devices(&state.db, user_id, "", state.clock.now()).await?)
}

/// Ends every session of one user.
#[tracing::instrument(name = "admin_end_sessions", skip_all, fields(user_id = %auth.user_id(), target = %user_id))]
pub async fn end_sessions_of(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    user_id: String,
) -> Outcome<SessionsEnded> {
    let acted = act_on(
        state,
        auth,
        client,
        user_id,
        |state, admin, user_id, client| async move {
            admin::end_sessions_of(&state, &admin, &user_id, &client).await
        },
    );
    match acted.await {
        Ok(n) => Outcome::done(ended(state, format!("Ended {n} session(s)"), n))
            .then(Next::to(Landing::Admin, Notice::UserSessionsEnded(n))),
        Err(error) => error.into(),
    }
}

/// Disables (`disable`) or enables a user.
#[tracing::instrument(name = "admin_set_disabled", skip_all, fields(user_id = %auth.user_id(), target = %user_id, disable = disable))]
pub async fn set_disabled(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    user_id: String,
    disable: bool,
) -> Outcome<SessionsEnded> {
    let acted = act_on(
        state,
        auth,
        client,
        user_id,
        move |state, admin, user_id, client| async move {
            if disable {
                admin::disable(&state, &admin, &user_id, &client).await
            } else {
                admin::enable(&state, &admin, &user_id, &client)
                    .await
                    .map(|()| 0)
            }
        },
    );
    match acted.await {
        Ok(n) if disable => Outcome::done(ended(
            state,
            format!("Account disabled; {n} session(s) ended"),
            n,
        ))
        .then(Next::to(Landing::Admin, Notice::UserDisabled)),
        Ok(_) => Outcome::done(ended(state, "Account enabled".into(), 0))
            .then(Next::to(Landing::Admin, Notice::UserEnabled)),
        Err(error) => error.into(),
    }
}

/// Ends every session of every account, this administrator's too (so this browser is
/// signed out as well), once the confirmation is typed exactly.
#[tracing::instrument(name = "admin_end_every_session", skip_all, fields(user_id = %auth.user_id()))]
pub async fn end_every_session(
    state: &AppState,
    auth: &Authenticated,
    client: &ClientInfo,
    input: EndEverySessionRequest,
) -> Outcome<SessionsEnded> {
    let acted = async {
        admin_acting(state, auth).await?;
        if input.confirm.trim() != END_EVERY_SESSION_CONFIRMATION {
            return Err(ApiError::InvalidInput(format!(
                "type “{END_EVERY_SESSION_CONFIRMATION}” to confirm"
            )));
        }
        let (admin, client) = (auth.clone(), client.clone());
        state
            .run_to_completion(move |state| async move {
                admin::end_every_session(&state, &admin, &client).await
            })
            .await
    };
    match acted.await {
        Ok(n) => Outcome::done(ended(state, format!("Ended every session: {n} in all"), n))
            .signing_browser_out()
            .then(Next::to(Landing::Login, Notice::EverySessionEnded(n))),
        Err(error) => error.into(),
    }
}
