//! Server functions for the profile page: the devices list and the security activity.
//! The same data is served as JSON at `/api/auth/sessions` and `/api/auth/activity`
//! for API clients; both read it through `backend::devices`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::app_error::AppError;
use wire::{ActivityPage, SessionDetails, SignedInDevices};

/// Every active session of the caller, the current one first, with the server's time
/// (the page counts "2 hours ago" from it, the same on the server and in the browser).
#[server(prefix = "/api", endpoint = "account/sessions", input = GetUrl)]
pub async fn my_sessions() -> Result<SignedInDevices, AppError> {
    use crate::web_door::{refused, require_auth};
    let (state, auth, _) = require_auth()?;
    backend::devices::signed_in_devices(
        &state.db,
        auth.user_id(),
        auth.session_id(),
        state.clock.now(),
    )
    .await
    .map_err(refused)
}

/// One of the caller's sessions in full, for its details page; `NotFound` for anything
/// but the caller's own, live or recently ended.
#[server(prefix = "/api", endpoint = "account/session", input = GetUrl)]
pub async fn my_session(id: String) -> Result<SessionDetails, AppError> {
    use crate::web_door::{refused, require_auth};
    let (state, auth, _) = require_auth()?;
    backend::devices::session_details(
        &state.db,
        auth.user_id(),
        auth.session_id(),
        &id,
        state.clock.now(),
    )
    .await
    .map_err(refused)?
    .ok_or(AppError::NotFound)
}

/// The caller's `shown` most recent security events (20 when not given, at most 200), and
/// whether older ones exist: the profile's "Show more" asks for 20 more each time.
#[server(prefix = "/api", endpoint = "account/activity", input = GetUrl)]
pub async fn my_security_activity(shown: Option<u32>) -> Result<ActivityPage, AppError> {
    use crate::web_door::{refused, require_auth};
    use wire::ACTIVITY_PAGE;
    let (state, auth, _) = require_auth()?;
    let shown = shown.unwrap_or(ACTIVITY_PAGE);
    backend::devices::activity_page(&state.db, auth.user_id(), shown)
        .await
        .map_err(refused)
}
