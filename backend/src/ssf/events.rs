//! What a SET says: its subject, its one event, and the transaction it belongs to. Kept
//! in the outbox without `iss`, `aud` and `jti`, which are added when it is signed for
//! its stream.

use serde_json::{json, Value};

use crate::clock::UnixTime;
use crate::sessions::RevokeReason;

/// RFC 8417's `txn`: one value for every event of one action ("sign out everywhere" ends
/// several sessions; a password change ends sessions and changes a credential).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Txn(String);

impl Txn {
    pub fn new() -> Self {
        Self(crate::db::new_id())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Txn {
    fn default() -> Self {
        Self::new()
    }
}

/// One event about one subject.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub event_type: &'static str,
    /// The claims of the SET that depend only on the event (`iat`, `txn`, `sub_id`,
    /// `events`).
    pub claims: Value,
}

/// How a session ended, as CAEP tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Revoked(RevokeReason),
    /// Its absolute lifetime ran out.
    Expired,
    /// Unused for longer than the idle timeout.
    IdleTimeout,
}

impl SessionEnd {
    fn reason(self) -> &'static str {
        match self {
            Self::Revoked(reason) => reason.as_str(),
            Self::Expired => "expired",
            Self::IdleTimeout => "idle_timeout",
        }
    }

    /// CAEP's `initiating_entity`: who made it happen.
    fn initiating_entity(self) -> &'static str {
        match self {
            Self::Revoked(RevokeReason::Administrator | RevokeReason::AccountDisabled) => "admin",
            Self::Revoked(RevokeReason::SessionLimit | RevokeReason::RefreshTokenReuse)
            | Self::Expired
            | Self::IdleTimeout => "policy",
            Self::Revoked(_) => "user",
        }
    }
}

fn user_subject(user_id: &str) -> Value {
    json!({"format": "complex", "user": {"format": "opaque", "id": user_id}})
}

fn claims(event_type: &str, sub_id: Value, event: Value, txn: &Txn, now: UnixTime) -> Value {
    json!({
        "iat": now,
        "txn": txn.as_str(),
        "sub_id": sub_id,
        "events": { event_type: event },
    })
}

/// CAEP `session-revoked`: every access token of this session is dead.
pub fn session_revoked(
    user_id: &str,
    session_id: &str,
    end: SessionEnd,
    txn: &Txn,
    now: UnixTime,
) -> Event {
    let subject = json!({
        "format": "complex",
        "user": {"format": "opaque", "id": user_id},
        "session": {"format": "opaque", "id": session_id},
    });
    let event = json!({
        "event_timestamp": now,
        "initiating_entity": end.initiating_entity(),
        "reason_admin": {"en": end.reason()},
    });
    Event {
        event_type: super::SESSION_REVOKED,
        claims: claims(super::SESSION_REVOKED, subject, event, txn, now),
    }
}

/// CAEP `credential-change`: the password was changed (or reset).
pub fn password_changed(user_id: &str, txn: &Txn, now: UnixTime) -> Event {
    let event = json!({
        "credential_type": "password",
        "change_type": "update",
        "event_timestamp": now,
        "initiating_entity": "user",
    });
    Event {
        event_type: super::CREDENTIAL_CHANGE,
        claims: claims(
            super::CREDENTIAL_CHANGE,
            user_subject(user_id),
            event,
            txn,
            now,
        ),
    }
}

/// RISC `identifier-changed`: the sign-in email changed. RISC names the subject by its old
/// address (its subject MUST be an `email` with the old value) and the new one in
/// `new-value`: receivers are services of the same operator that key users by address.
pub fn email_changed(old_email: &str, new_email: &str, txn: &Txn, now: UnixTime) -> Event {
    let subject = json!({"format": "email", "email": old_email});
    let event = json!({ "new-value": new_email, "event_timestamp": now });
    Event {
        event_type: super::IDENTIFIER_CHANGED,
        claims: claims(super::IDENTIFIER_CHANGED, subject, event, txn, now),
    }
}

/// SSF verification: the stream is the subject, and `state` comes back as it was sent.
pub fn verification(stream_id: &str, state: Option<&str>, now: UnixTime) -> Event {
    let subject = json!({"format": "opaque", "id": stream_id});
    let event = match state {
        Some(state) => json!({ "state": state }),
        None => json!({}),
    };
    Event {
        event_type: super::VERIFICATION,
        claims: claims(super::VERIFICATION, subject, event, &Txn::new(), now),
    }
}

/// The events of a change that ends sessions for `reason`: one `session-revoked` per
/// session, and the `credential-change` a password change (or reset) adds. (An email
/// change announces its `identifier-changed` itself: only it knows both addresses.)
pub fn of_sessions_ending(
    user_id: &str,
    session_ids: &[String],
    reason: RevokeReason,
    txn: &Txn,
    now: UnixTime,
) -> Vec<Event> {
    let mut events: Vec<Event> = session_ids
        .iter()
        .map(|sid| session_revoked(user_id, sid, SessionEnd::Revoked(reason), txn, now))
        .collect();
    if reason == RevokeReason::PasswordChanged {
        events.push(password_changed(user_id, txn, now));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_change_ties_its_events_with_one_txn() {
        let sessions = ["s1".to_owned(), "s2".to_owned()];
        let txn = Txn::new();
        let events =
            of_sessions_ending("u1", &sessions, RevokeReason::PasswordChanged, &txn, 1_000);
        let types: Vec<_> = events.iter().map(|e| e.event_type).collect();
        assert_eq!(
            types,
            [
                super::super::SESSION_REVOKED,
                super::super::SESSION_REVOKED,
                super::super::CREDENTIAL_CHANGE
            ]
        );
        let txns: std::collections::HashSet<_> =
            events.iter().map(|e| e.claims["txn"].clone()).collect();
        assert_eq!(txns.len(), 1);
        let first = &events[0].claims;
        assert_eq!(first["sub_id"]["session"]["id"], "s1");
        assert_eq!(first["sub_id"]["user"]["id"], "u1");
        let event = &first["events"][super::super::SESSION_REVOKED];
        assert_eq!(event["event_timestamp"], 1_000);
        assert_eq!(event["initiating_entity"], "user");
        assert_eq!(event["reason_admin"]["en"], "password_changed");
    }

    #[test]
    fn who_initiated_follows_the_reason() {
        let entity = |end: SessionEnd| end.initiating_entity();
        assert_eq!(
            entity(SessionEnd::Revoked(RevokeReason::Administrator)),
            "admin"
        );
        assert_eq!(
            entity(SessionEnd::Revoked(RevokeReason::SessionLimit)),
            "policy"
        );
        assert_eq!(entity(SessionEnd::IdleTimeout), "policy");
        assert_eq!(entity(SessionEnd::Revoked(RevokeReason::SignOut)), "user");
    }
}
