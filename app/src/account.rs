//! Server functions for the profile page: the devices list and the security activity.
//! The same data is served as JSON at `/api/auth/sessions` and `/api/auth/activity`
//! for API clients; both read it through `backend::devices`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::app_error::AppError;
use crate::wire::{ActivityEntry, SessionView};

/// Every active session of the caller, with the current one marked.
#[server(prefix = "/api", endpoint = "account/sessions", input = GetUrl)]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::backend::server_fn_auth::{internal, require_auth};
    let (state, auth) = require_auth()?;
    crate::backend::devices::session_views(
        &state.db,
        auth.user_id(),
        auth.session_id(),
        state.clock.now(),
        None,
    )
    .await
    .map(|(views, _)| views)
    .map_err(internal)
}

/// The caller's recent security events.
#[server(prefix = "/api", endpoint = "account/activity", input = GetUrl)]
pub async fn my_security_activity() -> Result<Vec<ActivityEntry>, AppError> {
    use crate::backend::server_fn_auth::{internal, require_auth};
    let (state, auth) = require_auth()?;
    crate::backend::devices::activity_entries(&state.db, auth.user_id())
        .await
        .map_err(internal)
}
