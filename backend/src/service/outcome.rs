//! What an action did, as data: its answer, and what a browser must do besides reading it.

use wire::{Landing, Notice};

use crate::error::ApiError;
use crate::secret::Secret;

/// A cookie to set or clear. The doors write each with the one builder of `api::cookies`,
/// so a clearing cookie always repeats the exact name, Path and attributes it clears.
#[derive(Debug)]
pub enum CookieChange {
    SetAccess(Secret),
    SetRefresh(Secret),
    /// Both auth cookies cleared.
    ClearAuth,
    /// The "sign-out pending" marker cleared: the sign-out it stood for has reached us.
    ClearSignOutPending,
}

/// Where a browser goes once the action is done, and what that page says. The WASM
/// client chooses its own way; a plain form post is redirected here.
#[derive(Debug, PartialEq, Eq)]
pub struct Next {
    pub landing: Landing,
    pub notice: Option<Notice>,
    /// The device a revoke signed out, for a notice that names it.
    pub named_device: Option<String>,
}

impl Next {
    pub fn to(landing: Landing, notice: Notice) -> Self {
        Self {
            landing,
            notice: Some(notice),
            named_device: None,
        }
    }
}

/// The outcome of one action.
#[must_use = "a door must deliver the outcome: its cookies matter even when it failed"]
#[derive(Debug)]
pub struct Outcome<T> {
    /// The answer, or why the action was refused.
    pub answer: Result<T, ApiError>,
    /// Cookies to set or clear, on success and on failure alike (a refused refresh clears
    /// the cookies that named a dead session).
    pub cookies: Vec<CookieChange>,
    /// `Clear-Site-Data: "cache", "storage"`: the browser drops what it kept of the user.
    pub clear_site_data: bool,
    /// Where a browser lands next; `None` leaves a failed plain form post to be shown its
    /// error on the page it came from.
    pub next: Option<Next>,
    /// The sign-out could not be carried out (the database could not be reached): this
    /// process refuses the session already, but the revocation is not durable. A client
    /// that can retry keeps its cookies and retries; a plain form post cannot, so its
    /// door marks the browser's sign-out as pending instead (`SIGNOUT_PENDING_COOKIE`).
    pub sign_out_pending: bool,
}

impl<T> Outcome<T> {
    pub fn done(answer: T) -> Self {
        Self::answering(Ok(answer))
    }

    pub fn refused(error: ApiError) -> Self {
        Self::answering(Err(error))
    }

    /// An answer with nothing for the browser to do (yet).
    fn answering(answer: Result<T, ApiError>) -> Self {
        Self {
            answer,
            cookies: Vec::new(),
            clear_site_data: false,
            next: None,
            sign_out_pending: false,
        }
    }

    pub fn with_cookie(mut self, change: CookieChange) -> Self {
        self.cookies.push(change);
        self
    }

    /// Signs this browser out: both cookies cleared, and its caches and storage dropped.
    pub fn signing_browser_out(mut self) -> Self {
        self.cookies.push(CookieChange::ClearAuth);
        self.clear_site_data = true;
        self
    }

    pub fn then(mut self, next: Next) -> Self {
        self.next = Some(next);
        self
    }

    /// Replaces the answer with a refusal, keeping every effect.
    pub fn refuse(mut self, error: ApiError) -> Self {
        self.answer = Err(error);
        self
    }
}

impl<T> From<ApiError> for Outcome<T> {
    fn from(error: ApiError) -> Self {
        Outcome::refused(error)
    }
}
