//! The Shared Signals transmitter (OpenID SSF 1.0): other services hear of every session
//! that ends, and of every credential change, as signed Security Event Tokens (RFC 8417)
//! with the CAEP event types, pushed to them (RFC 8935) or polled by them (RFC 8936).
//!
//! - `events`: what is said, built from the change that happened;
//! - `outbox`: one row per event and stream, written in the transaction of the change
//!   (`announce`), deleted once delivered: nothing is lost by a crash, and nothing is
//!   said of a change that rolled back;
//! - `streams`: receivers (`server ssf add-receiver NAME`) and their one stream each;
//! - `push`: the worker that delivers, in order per stream, retrying with back-off;
//! - `expiry`: sessions that end by running out of time, announced by a sweep.

pub mod events;
pub mod expiry;
pub mod outbox;
pub mod push;
pub mod streams;

pub use events::{Event, Txn};

/// RFC 8935: the transmitter pushes each SET to the receiver's endpoint.
pub const PUSH: &str = "urn:ietf:rfc:8935";
/// RFC 8936: the receiver polls the transmitter for SETs.
pub const POLL: &str = "urn:ietf:rfc:8936";

pub const SESSION_REVOKED: &str =
    "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
pub const CREDENTIAL_CHANGE: &str =
    "https://schemas.openid.net/secevent/caep/event-type/credential-change";
/// A change of the sign-in email. CAEP's `credential_type`s name no address, so this is
/// RISC's event for a changed identifier (subject: the old address; `new-value`: the new).
pub const IDENTIFIER_CHANGED: &str =
    "https://schemas.openid.net/secevent/risc/event-type/identifier-changed";
/// SSF §8.1.4: sent when a receiver asks, to show the stream works end to end.
pub const VERIFICATION: &str = "https://schemas.openid.net/secevent/ssf/event-type/verification";

/// The event types a stream can ask for (verification is always delivered on request).
pub const SUPPORTED: [&str; 3] = [SESSION_REVOKED, CREDENTIAL_CHANGE, IDENTIFIER_CHANGED];

/// Wakes this process's deliveries when new events were committed, besides the revocation
/// view's own signal (every session end rings it, here or tailed from another process).
pub struct Wakes {
    /// The push worker (a permit is kept if it is busy: no wake is lost).
    push: tokio::sync::Notify,
    /// Receivers waiting in a long poll.
    poll: tokio::sync::broadcast::Sender<()>,
}

impl Default for Wakes {
    fn default() -> Self {
        Self {
            push: tokio::sync::Notify::new(),
            poll: tokio::sync::broadcast::channel(16).0,
        }
    }
}

impl Wakes {
    /// Events were committed to the outbox.
    pub fn committed(&self) {
        self.push.notify_one();
        let _ = self.poll.send(());
    }

    pub fn poll_waiter(&self) -> tokio::sync::broadcast::Receiver<()> {
        self.poll.subscribe()
    }
}
