//! One module per route.

/// The routes only a signed-in user may see. The server answers a signed-out request for
/// one of them with a redirect before rendering anything (`backend::api::guards`); the
/// `RequireAuth` component guards them in the browser.
pub const PROTECTED_PATHS: [&str; 2] = ["/dashboard", "/profile"];

pub mod dashboard;
pub mod home;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod register;
