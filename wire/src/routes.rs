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
pub const PAGES_OF_THEIR_OWN: [(&str, &str); 4] = [
    ("/dashboard", "dashboard_page"),
    ("/profile", "profile_page"),
    (ADMIN_PATH, "admin_page"),
    (REAUTHENTICATE_PATH, "reauthenticate_page"),
];
