//! The `/admin` page's server functions: the server-function doors of
//! `backend::service::admin` (the JSON API under `/api/admin` is the other door). Anyone
//! who is not an administrator gets "not found" from each. The actions are real HTML
//! forms' actions too, and land back on `/admin` with a notice.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::app_error::AppError;
use wire::{AdminUsers, SessionsEnded, SignedInDevices};

/// Accounts whose email contains `email`.
#[server(prefix = "/api/admin/web", endpoint = "users", input = GetUrl)]
pub async fn admin_find_users(email: Option<String>) -> Result<AdminUsers, AppError> {
    use crate::web_door::{refused, require_auth};
    let (state, auth, _) = require_auth()?;
    backend::service::admin::find_users(&state, &auth, email.as_deref().unwrap_or_default())
        .await
        .map_err(refused)
}

/// The live sessions of one user.
#[server(prefix = "/api/admin/web", endpoint = "sessions", input = GetUrl)]
pub async fn admin_user_sessions(user_id: String) -> Result<SignedInDevices, AppError> {
    use crate::web_door::{refused, require_auth};
    let (state, auth, _) = require_auth()?;
    backend::service::admin::sessions_of(&state, &auth, &user_id)
        .await
        .map_err(refused)
}

/// Ends every session of one user.
#[server(prefix = "/api/admin/web", endpoint = "end-sessions")]
pub async fn admin_end_sessions(user_id: String) -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    web_door::deliver(
        backend::service::admin::end_sessions_of(&state, &auth, &client, user_id).await,
    )
}

/// Disables (`disable` = "true") or enables one user.
#[server(prefix = "/api/admin/web", endpoint = "set-disabled")]
pub async fn admin_set_disabled(user_id: String, disable: bool) -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    web_door::deliver(
        backend::service::admin::set_disabled(&state, &auth, &client, user_id, disable).await,
    )
}

/// Ends every session of every user, once `confirm` is typed exactly.
#[server(prefix = "/api/admin/web", endpoint = "end-every-session")]
pub async fn admin_end_every_session(confirm: String) -> Result<SessionsEnded, AppError> {
    use crate::web_door;
    let (state, auth, client) = web_door::require_auth()?;
    let request = wire::EndEverySessionRequest { confirm };
    web_door::deliver(
        backend::service::admin::end_every_session(&state, &auth, &client, request).await,
    )
}
