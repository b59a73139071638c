//! What the server and the pages agree on about routes. Depends on nothing else in the
//! crate, so the server-only code can use it without importing any UI.

/// The routes only a signed-in user may see. The server answers a signed-out request for
/// one of them with a redirect before rendering anything (`backend::api::guards`); the
/// `RequireAuth` component guards them in the browser.
pub const PROTECTED_PATHS: [&str; 3] = ["/dashboard", "/profile", REAUTHENTICATE_PATH];

/// The page that asks for the password again when JavaScript cannot show the dialog.
pub const REAUTHENTICATE_PATH: &str = "/reauthenticate";

/// The administrators' page: "not found" for everyone else.
pub const ADMIN_PATH: &str = "/admin";

/// The pages whose client code is a wasm piece of its own (`pages::page_of_its_own`), with
/// the piece's name in the split manifest. The server names a page's pieces in a `Link`
/// preload header (`backend::bundle`), so a first visit fetches them beside the main bundle.
pub const PAGES_OF_THEIR_OWN: [(&str, &str); 7] = [
    ("/dashboard", "dashboard_page"),
    ("/profile", "profile_page"),
    (ADMIN_PATH, "admin_page"),
    (REAUTHENTICATE_PATH, "reauthenticate_page"),
    (NOT_ME_PATH, "not_me_page"),
    (FORGOT_PASSWORD_PATH, "forgot_password_page"),
    (RESET_PASSWORD_PATH, "reset_password_page"),
];

/// The page of a mail's "Not me? Sign out everywhere" link (GET), and its button (POST).
pub const NOT_ME_PATH: &str = "/account/not-me";

/// The pages of a password reset: asking for the link, and setting the new password.
pub const FORGOT_PASSWORD_PATH: &str = "/forgot-password";
pub const RESET_PASSWORD_PATH: &str = "/reset-password";
