//! The auth store: the one reactive answer to "who is signed in here?". A
//! `reactive_stores::Store`, kept apart from the query cache (`crate::queries`): this
//! says who is signed in, the cache holds what the server said to them. It holds no token
//! (those are HttpOnly cookies) and nothing of the user beyond who they are.

use leptos::prelude::*;
use reactive_stores::Store;

use wire::SignedIn;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AuthStatus {
    /// Not known yet (only before the first server answer).
    #[default]
    Unknown,
    SignedOut,
    SignedIn(SignedIn),
    /// Sign-out started: the UI shows it and blocks a second click.
    SigningOut(SignedIn),
}

/// The store's state. The session (user and session id) lives inside the status, so
/// "signed out but with a user" cannot be represented.
#[derive(Clone, Debug, Default, PartialEq, Eq, Store)]
pub struct AuthState {
    status: AuthStatus,
}

#[derive(Clone, Copy)]
pub struct AuthStore {
    state: Store<AuthState>,
}

impl AuthStore {
    pub fn provide() -> Self {
        let store = Self {
            state: Store::new(AuthState::default()),
        };
        provide_context(store);
        store
    }

    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    pub fn status(&self) -> AuthStatus {
        self.state.status().get()
    }

    fn session_with<T>(&self, f: impl Fn(&SignedIn) -> T) -> Option<T> {
        self.state.status().with(|s| match s {
            AuthStatus::SignedIn(s) | AuthStatus::SigningOut(s) => Some(f(s)),
            _ => None,
        })
    }

    /// The signed-in user's email, while there is one (also during sign-out).
    pub fn email(&self) -> Option<String> {
        self.session_with(|s| s.user.email.clone())
    }

    /// The key that scopes every query of user data.
    pub fn user_id(&self) -> Option<String> {
        self.session_with(|s| s.user.id.clone())
    }

    pub fn user_id_untracked(&self) -> Option<String> {
        self.state.status().with_untracked(|s| match s {
            AuthStatus::SignedIn(s) | AuthStatus::SigningOut(s) => Some(s.user.id.clone()),
            _ => None,
        })
    }

    pub fn session(&self) -> Option<SignedIn> {
        self.session_with(Clone::clone)
    }

    pub fn is_signed_in(&self) -> bool {
        self.state
            .status()
            .with(|s| matches!(s, AuthStatus::SignedIn(_) | AuthStatus::SigningOut(_)))
    }

    pub fn is_signed_in_untracked(&self) -> bool {
        self.state
            .status()
            .with_untracked(|s| matches!(s, AuthStatus::SignedIn(_) | AuthStatus::SigningOut(_)))
    }

    pub fn is_signing_out(&self) -> bool {
        self.state
            .status()
            .with(|s| matches!(s, AuthStatus::SigningOut(_)))
    }

    pub fn signed_in(&self, session: SignedIn) {
        self.state.status().set(AuthStatus::SignedIn(session));
    }

    /// Marks sign-out as started. Returns false if it already was (a second click).
    pub fn begin_sign_out(&self) -> bool {
        let mut started = false;
        self.state.status().update(|s| {
            if let AuthStatus::SignedIn(session) = s {
                *s = AuthStatus::SigningOut(session.clone());
                started = true;
            }
        });
        started
    }

    /// Sign-out did not go ahead (e.g. "sign out everywhere" failed): back to signed in.
    pub fn cancel_sign_out(&self) {
        self.state.status().update(|s| {
            if let AuthStatus::SigningOut(session) = s {
                *s = AuthStatus::SignedIn(session.clone());
            }
        });
    }

    pub fn reset(&self) {
        self.state.status().set(AuthStatus::SignedOut);
    }

    /// Sets the state the page starts from. Only the first call counts: later, only
    /// sign-in and sign-out change the state.
    pub fn initialise(&self, session: Option<SignedIn>) {
        if self
            .state
            .status()
            .try_with_untracked(|s| *s == AuthStatus::Unknown)
            != Some(true)
        {
            return;
        }
        self.state.status().try_set(match session {
            Some(s) => AuthStatus::SignedIn(s),
            None => AuthStatus::SignedOut,
        });
    }
}
