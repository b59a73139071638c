//! The actions, each written once: one function per action that takes the caller as typed
//! values (what it presented, where it came from; the clock comes with the state) and
//! returns a typed `Outcome`. Everything that makes an action correct is decided here:
//! what ends, which rate limits apply (a sign-out that ends a live session is never
//! refused), the cookies to set or clear, the notice, where a browser lands next, and
//! whether a sign-out is still pending.
//!
//! The two doors only translate: the JSON API (`api`) turns an outcome into a status, a
//! body and headers; the server functions (the `app` crate's `web_door`) turn the same
//! outcome into their return value, their response's headers and, for a plain form post,
//! a redirect with a one-time notice.

mod account;
pub mod admin;
mod outcome;
pub mod recovery;
pub mod retry;
mod sessions;
mod sign_out;
mod token_grant;

pub use account::{change_email, change_password, delete_account, reauthenticate, report_concern};
pub use outcome::{CookieChange, Next, Outcome};
pub use sessions::{refresh, sign_in, sign_up};
pub use sign_out::{revoke_device, revoke_token, sign_out, sign_out_all};
pub use token_grant::{grant_tokens, Grant};

use crate::audit::ClientInfo;
use crate::authn::Presented;

/// Anyone calling an action: what it presented, and where it came from.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    pub presented: Presented,
    pub client: ClientInfo,
}

/// The rate-limit key of a caller that has no session to be counted by.
fn ip_key(client: &ClientInfo) -> String {
    client.ip.clone().unwrap_or_default()
}
