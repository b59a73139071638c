//! The server function that tells the first render who is signed in, so the server's HTML
//! is already right and hydration shows no flash of the wrong state.

use leptos::prelude::*;

use crate::app_error::AppError;
use wire::{Flash, SignedIn};

/// The caller, if their access token is valid and unrevoked; `None` otherwise (not an
/// error: being signed out is a normal state).
#[server(prefix = "/api", endpoint = "session/current", input = leptos::server_fn::codec::GetUrl)]
pub async fn current_session() -> Result<Option<SignedIn>, AppError> {
    use crate::web_door;
    use backend::{authn::authenticate, users};

    let state = web_door::app_state()?;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Ok(None);
    };
    let Ok(auth) = authenticate(&state, &parts.headers) else {
        return Ok(None);
    };
    state
        .signed_in_as(&auth, users::Freshness::Read)
        .await
        .map_err(web_door::refused)
}

/// The session the first render starts from. On the server it is read from the request;
/// in the browser it is the value the server serialized into the page, so both render
/// the same thing without waiting for anything. (An async start-up resource read by
/// several Suspense boundaries made a small share of server renders hang; see
/// docs/ARCHITECTURE.md.)
pub fn initial_session() -> Option<SignedIn> {
    leptos::server::SharedValue::new(session_of_this_request).into_inner()
}

/// The notice and typed email a plain form post left for this page (see
/// `backend::web::land`), the same way: read on the server, carried into the page.
pub fn initial_flash() -> Flash {
    leptos::server::SharedValue::new(flash_of_this_request).into_inner()
}

#[cfg(feature = "ssr")]
fn page_session() -> Option<backend::api::guards::PageSession> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<backend::api::guards::PageSession>()
        .cloned()
}

#[cfg(feature = "ssr")]
fn session_of_this_request() -> Option<SignedIn> {
    page_session()?.session
}

#[cfg(feature = "ssr")]
fn flash_of_this_request() -> Flash {
    page_session().map(|p| p.flash).unwrap_or_default()
}

#[cfg(not(feature = "ssr"))]
fn session_of_this_request() -> Option<SignedIn> {
    None
}

#[cfg(not(feature = "ssr"))]
fn flash_of_this_request() -> Flash {
    Flash::default()
}
