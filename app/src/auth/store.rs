//! The auth store: the one reactive answer to "who is signed in here?". It holds no
//! token (those are HttpOnly cookies) and no data of the user beyond who they are.

use leptos::prelude::*;

use super::types::SignedIn;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    /// Not known yet (only before the first server answer).
    Unknown,
    SignedOut,
    SignedIn(SignedIn),
    /// Sign-out started: the UI shows it and blocks a second click.
    SigningOut(SignedIn),
}

#[derive(Clone, Copy)]
pub struct AuthStore {
    status: RwSignal<AuthStatus>,
}

impl AuthStore {
    pub fn provide() -> Self {
        let store = Self {
            status: RwSignal::new(AuthStatus::Unknown),
        };
        provide_context(store);
        store
    }

    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    pub fn status(&self) -> AuthStatus {
        self.status.get()
    }

    /// The signed-in user's email, while there is one (also during sign-out).
    pub fn email(&self) -> Option<String> {
        self.status.with(|s| match s {
            AuthStatus::SignedIn(s) | AuthStatus::SigningOut(s) => Some(s.user.email.clone()),
            _ => None,
        })
    }

    pub fn is_signing_out(&self) -> bool {
        self.status.with(|s| matches!(s, AuthStatus::SigningOut(_)))
    }

    pub fn signed_in(&self, session: SignedIn) {
        self.status.set(AuthStatus::SignedIn(session));
    }

    pub fn begin_sign_out(&self) {
        self.status.update(|s| {
            if let AuthStatus::SignedIn(session) = s {
                *s = AuthStatus::SigningOut(session.clone());
            }
        });
    }

    pub fn reset(&self) {
        self.status.set(AuthStatus::SignedOut);
    }

    /// Sets the state from the server's answer at start-up.
    pub fn initialise(&self, session: Option<SignedIn>) {
        self.status.set(match session {
            Some(s) => AuthStatus::SignedIn(s),
            None => AuthStatus::SignedOut,
        });
    }
}
