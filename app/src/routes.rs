//! What the server and the pages agree on about routes. Depends on nothing else in the
//! crate, so the server-only code can use it without importing any UI.

/// The routes only a signed-in user may see. The server answers a signed-out request for
/// one of them with a redirect before rendering anything (`backend::api::guards`); the
/// `RequireAuth` component guards them in the browser.
pub const PROTECTED_PATHS: [&str; 2] = ["/dashboard", "/profile"];
