//! Where a browser goes after an action: the same answer for the WASM client (which
//! navigates there itself, with `replace` after a sign-out) and for a plain form post
//! (which the server redirects there).

/// A page a finished action leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
    /// `/`, after signing this device out.
    Home,
    /// `/login`, after a sign-out that also ended this device's session elsewhere.
    Login,
    /// `/dashboard`, after signing up or in, and after writing a post.
    Dashboard,
    /// `/profile`, after an account change that keeps this device signed in.
    Profile,
    /// `/admin`, after an administrator's action.
    Admin,
}

impl Landing {
    pub fn path(self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::Login => "/login",
            Self::Dashboard => "/dashboard",
            Self::Profile => "/profile",
            Self::Admin => "/admin",
        }
    }

    /// The landing at `path` (a page's path, nothing more): where a form that was
    /// interrupted (to re-enter a password) may send the browser back to.
    pub fn of_path(path: &str) -> Option<Self> {
        [
            Self::Home,
            Self::Login,
            Self::Dashboard,
            Self::Profile,
            Self::Admin,
        ]
        .into_iter()
        .find(|landing| landing.path() == path)
    }
}

#[cfg(test)]
mod tests {
    use super::Landing;

    #[test]
    fn every_landing_is_a_route_of_the_app() {
        let all = [
            Landing::Home,
            Landing::Login,
            Landing::Dashboard,
            Landing::Profile,
            Landing::Admin,
        ];
        let paths: Vec<&str> = all.iter().map(|l| l.path()).collect();
        assert_eq!(paths, ["/", "/login", "/dashboard", "/profile", "/admin"]);
        for landing in all {
            assert_eq!(Landing::of_path(landing.path()), Some(landing));
        }
        assert_eq!(Landing::of_path("https://evil.example/profile"), None);
        assert_eq!(Landing::of_path("//evil.example"), None);
    }
}
