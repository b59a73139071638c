//! What the server and the pages agree on about routes. Depends on nothing else in the
//! crate, so the server-only code can use it without importing any UI.

/// The routes only a signed-in user may see. The server answers a signed-out request for
/// one of them with a redirect before rendering anything (`backend::api::guards`); the
/// `RequireAuth` component guards them in the browser.
pub const PROTECTED_PATHS: [&str; 4] = [
    "/dashboard",
    "/profile",
    SESSION_DETAILS_PREFIX,
    REAUTHENTICATE_PATH,
];

/// Whether the page at `path` is for signed-in users only.
pub fn is_protected(path: &str) -> bool {
    PROTECTED_PATHS.contains(&page_of(path))
}

/// The details page of one session: `/profile/sessions/<id>`.
pub const SESSION_DETAILS_PREFIX: &str = "/profile/sessions/";

pub fn session_details_path(session_id: &str) -> String {
    format!("{SESSION_DETAILS_PREFIX}{session_id}")
}

/// The page `path` shows, as the lists here name it: the path itself, or for a session's
/// details page (`/profile/sessions/<id>`) its prefix.
pub fn page_of(path: &str) -> &str {
    // The router takes `/profile/sessions/<id>/` for the same page.
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    match trimmed.strip_prefix(SESSION_DETAILS_PREFIX) {
        Some(id) if !id.is_empty() && !id.contains('/') => SESSION_DETAILS_PREFIX,
        _ => path,
    }
}

/// The page that asks for the password again when JavaScript cannot show the dialog.
pub const REAUTHENTICATE_PATH: &str = "/reauthenticate";

/// The administrators' page: "not found" for everyone else.
pub const ADMIN_PATH: &str = "/admin";

/// The pages whose client code is a wasm piece of its own (`pages::page_of_its_own`), with
/// the piece's name in the split manifest. The server names a page's pieces in a `Link`
/// preload header (`backend::bundle`), so a first visit fetches them beside the main bundle.
pub const PAGES_OF_THEIR_OWN: [(&str, &str); 8] = [
    ("/dashboard", "dashboard_page"),
    ("/profile", "profile_page"),
    (SESSION_DETAILS_PREFIX, "profile_page"),
    (ADMIN_PATH, "account_pages"),
    // One piece for the account's rare pages (`app::pages::recovery::AccountPages`).
    (REAUTHENTICATE_PATH, "account_pages"),
    (NOT_ME_PATH, "account_pages"),
    (FORGOT_PASSWORD_PATH, "account_pages"),
    (RESET_PASSWORD_PATH, "account_pages"),
];

/// The page of a mail's "Not me? Sign out everywhere" link (GET), and its button (POST).
pub const NOT_ME_PATH: &str = "/account/not-me";

/// The pages of a password reset: asking for the link, and setting the new password.
pub const FORGOT_PASSWORD_PATH: &str = "/forgot-password";
pub const RESET_PASSWORD_PATH: &str = "/reset-password";

#[cfg(test)]
mod tests {
    use super::{is_protected, page_of, SESSION_DETAILS_PREFIX};

    #[test]
    fn every_sessions_page_is_one_protected_page_and_nothing_else_is() {
        for path in ["/profile/sessions/abc", "/profile/sessions/abc/"] {
            assert_eq!(page_of(path), SESSION_DETAILS_PREFIX, "{path}");
            assert!(is_protected(path), "{path}");
        }
        for path in [
            "/profile/sessions/",
            "/profile/sessions/a/b",
            "/profile/sessionsx",
            "/",
        ] {
            assert_eq!(page_of(path), path, "{path}");
        }
        assert!(is_protected("/profile") && is_protected("/dashboard"));
        assert!(
            !is_protected("/") && !is_protected("/login") && !is_protected("/profile/sessions/a/b")
        );
    }
}
