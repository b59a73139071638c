//! Security Event Tokens (RFC 8417) from the auth server: verified (signature, `typ`,
//! `iss`, `aud`), read into a `Signal`, and applied to the deny state. Both deliveries,
//! push and poll, go through `receive`.

use std::collections::HashSet;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Validation};
use serde::Deserialize;
use serde_json::Value;

use crate::jwks::{KeyLookup, VerifyingKey};
use crate::revoked::Revocations;
use crate::AppState;

pub const SESSION_REVOKED: &str =
    "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
pub const CREDENTIAL_CHANGE: &str =
    "https://schemas.openid.net/secevent/caep/event-type/credential-change";
pub const IDENTIFIER_CHANGED: &str =
    "https://schemas.openid.net/secevent/risc/event-type/identifier-changed";
pub const VERIFICATION: &str = "https://schemas.openid.net/secevent/ssf/event-type/verification";

/// What a SET must carry to be meant for us.
#[derive(Clone, Debug)]
pub struct SetRules {
    /// The SSF configuration's `issuer`.
    pub issuer: String,
    /// Our receiver name.
    pub audience: String,
}

/// What a verified SET tells this service to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    SessionRevoked {
        session_id: String,
    },
    /// Refuse the user's tokens issued at or before `issued_until`.
    UserTokensRevoked {
        user_id: String,
        issued_until: i64,
    },
    /// A password or email change. Nothing to refuse for it alone: the auth server ends
    /// the sessions such a change ends and announces each with its own `session-revoked`,
    /// while the device that made the change keeps its session (and its tokens).
    CredentialChanged {
        user_id: String,
    },
    Verification {
        state: Option<String>,
    },
    /// An event type we did not ask for: accepted and ignored.
    Ignored {
        event_type: String,
    },
}

/// A SET refused for good, with its RFC 8935 §2.3 / RFC 8936 error code. The transmitter
/// does not send it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetError {
    pub err: &'static str,
    pub description: String,
}

impl SetError {
    fn new(err: &'static str, description: impl Into<String>) -> Self {
        Self {
            err,
            description: description.into(),
        }
    }

    fn request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }
}

/// Why a SET was not applied.
#[derive(Debug)]
pub enum NotApplied {
    Invalid(SetError),
    /// The key is not known (not cached, and not in the JWKS, or the JWKS could not be
    /// fetched): the transmitter should try again later (push: answer 503; poll: do not
    /// acknowledge).
    KeysUnreachable,
}

/// Verifies a SET and applies it to the deny state; returns its `jti` and what it said.
pub async fn receive(state: &AppState, token: &str) -> Result<(String, Signal), NotApplied> {
    let kid = decode_header(token)
        .ok()
        .and_then(|h| h.kid)
        .ok_or_else(|| NotApplied::Invalid(SetError::request("not a JWT with a kid")))?;
    let key = match state.jwks.key(&kid).await {
        KeyLookup::Found(key) => key,
        // Not published (yet, as far as the JWKS we could fetch says): a key the auth
        // server has just started using may not have reached the copy we were given. A
        // refusal would drop the event for good, so ask for it again later instead.
        KeyLookup::Unknown | KeyLookup::Unreachable => return Err(NotApplied::KeysUnreachable),
    };
    let (jti, signal) = verify_set(token, &key, &state.set_rules).map_err(NotApplied::Invalid)?;
    apply(&mut state.revocations(), &signal, crate::unix_now());
    tracing::info!(%jti, ?signal, "security event applied");
    Ok((jti, signal))
}

pub fn apply(revocations: &mut Revocations, signal: &Signal, now: i64) {
    match signal {
        Signal::SessionRevoked { session_id } => revocations.revoke_session(session_id, now),
        Signal::UserTokensRevoked {
            user_id,
            issued_until,
        } => revocations.revoke_user_tokens_issued_until(user_id, *issued_until, now),
        Signal::CredentialChanged { .. } | Signal::Verification { .. } | Signal::Ignored { .. } => {
        }
    }
}

#[derive(Deserialize)]
struct SetClaims {
    jti: String,
    iat: i64,
    #[serde(default)]
    sub_id: Option<Value>,
    events: serde_json::Map<String, Value>,
}

/// `{"format":"complex","user":{"format":"opaque","id":…},"session":{…}?}` (SSF 1.0 §3).
#[derive(Deserialize)]
struct ComplexSubject {
    format: String,
    user: Option<OpaqueSubject>,
    session: Option<OpaqueSubject>,
}

#[derive(Deserialize)]
struct OpaqueSubject {
    format: String,
    id: String,
}

/// Checks a SET's signature with `key`, its header and claims, and reads its one event.
/// SETs have no `exp`, so none is required.
pub fn verify_set(
    token: &str,
    key: &VerifyingKey,
    rules: &SetRules,
) -> Result<(String, Signal), SetError> {
    let header = decode_header(token).map_err(|_| SetError::request("not a JWT"))?;
    if header.alg != key.algorithm {
        return Err(SetError::new("invalid_key", "alg does not match the key"));
    }
    // RFC 8417 §2.3: explicit typing keeps an access token from passing as a SET.
    let typ = header
        .typ
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if typ != "secevent+jwt" && typ != "application/secevent+jwt" {
        return Err(SetError::request("typ must be secevent+jwt"));
    }
    let mut validation = Validation::new(key.algorithm);
    validation.validate_exp = false;
    validation.set_issuer(&[&rules.issuer]);
    validation.set_audience(&[&rules.audience]);
    validation.required_spec_claims = HashSet::from(["iss".into(), "aud".into()]);
    let claims = decode::<SetClaims>(token, &key.key, &validation)
        .map_err(|err| match err.kind() {
            ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => {
                SetError::new("invalid_key", "the signature does not verify")
            }
            ErrorKind::InvalidIssuer => SetError::new("invalid_issuer", "unexpected iss"),
            ErrorKind::InvalidAudience => SetError::new("invalid_audience", "unexpected aud"),
            _ => SetError::request("missing or malformed claims"),
        })?
        .claims;
    let mut events = claims.events.into_iter();
    let (event_type, event) = match (events.next(), events.next()) {
        (Some(only), None) => only,
        _ => return Err(SetError::request("a SET must carry exactly one event")),
    };
    // When the event happened; the SET's `iat` (later) if the event does not say.
    let event_time = event
        .get("event_timestamp")
        .and_then(Value::as_i64)
        .unwrap_or(claims.iat);
    let signal = match event_type.as_str() {
        SESSION_REVOKED => match subject(claims.sub_id)? {
            (_, Some(session_id)) => Signal::SessionRevoked { session_id },
            (user_id, None) => Signal::UserTokensRevoked {
                user_id,
                issued_until: event_time,
            },
        },
        CREDENTIAL_CHANGE | IDENTIFIER_CHANGED => Signal::CredentialChanged {
            user_id: subject(claims.sub_id)?.0,
        },
        VERIFICATION => Signal::Verification {
            state: event
                .get("state")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
        _ => Signal::Ignored { event_type },
    };
    Ok((claims.jti, signal))
}

/// The user id and, for a session-level event, the session id of a complex `sub_id`.
fn subject(sub_id: Option<Value>) -> Result<(String, Option<String>), SetError> {
    let invalid = || SetError::request("sub_id must be a complex subject with an opaque user");
    let subject: ComplexSubject =
        serde_json::from_value(sub_id.ok_or_else(invalid)?).map_err(|_| invalid())?;
    let opaque = |s: OpaqueSubject| (s.format == "opaque" && !s.id.is_empty()).then_some(s.id);
    if subject.format != "complex" {
        return Err(invalid());
    }
    let user = subject.user.and_then(opaque).ok_or_else(invalid)?;
    let session = match subject.session {
        Some(session) => Some(opaque(session).ok_or_else(invalid)?),
        None => None,
    };
    Ok((user, session))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{ed25519, sign};
    use serde_json::json;

    fn rules() -> SetRules {
        SetRules {
            issuer: "http://127.0.0.1:3000".into(),
            audience: "notes-api".into(),
        }
    }

    fn set(event_type: &str, event: Value, sub_id: Value) -> Value {
        json!({"iss": "http://127.0.0.1:3000", "aud": "notes-api", "jti": "j1",
               "iat": 1_800_000_100, "txn": "t1", "sub_id": sub_id,
               "events": {event_type: event}})
    }

    fn session_subject() -> Value {
        json!({"format": "complex", "user": {"format": "opaque", "id": "u1"},
               "session": {"format": "opaque", "id": "s1"}})
    }

    fn user_subject() -> Value {
        json!({"format": "complex", "user": {"format": "opaque", "id": "u1"}})
    }

    #[test]
    fn caep_events_become_signals() {
        let key = ed25519("k1");
        let verify = |claims: &Value| {
            verify_set(
                &sign(&key, "secevent+jwt", claims),
                &key.verifying,
                &rules(),
            )
        };
        let revoked = json!({"event_timestamp": 1_800_000_000, "initiating_entity": "user",
                             "reason_admin": {"en": "sign_out"}});
        assert_eq!(
            verify(&set(SESSION_REVOKED, revoked.clone(), session_subject())).unwrap(),
            (
                "j1".into(),
                Signal::SessionRevoked {
                    session_id: "s1".into()
                }
            )
        );
        assert_eq!(
            verify(&set(SESSION_REVOKED, revoked, user_subject()))
                .unwrap()
                .1,
            Signal::UserTokensRevoked {
                user_id: "u1".into(),
                issued_until: 1_800_000_000
            }
        );
        let change = json!({"credential_type": "password", "change_type": "update"});
        assert_eq!(
            verify(&set(CREDENTIAL_CHANGE, change, user_subject()))
                .unwrap()
                .1,
            Signal::CredentialChanged {
                user_id: "u1".into()
            },
            "the sessions it ended come as session-revoked events of their own"
        );
        let verification = set(
            VERIFICATION,
            json!({"state": "abc"}),
            json!({"format": "opaque", "id": "stream"}),
        );
        assert_eq!(
            verify(&verification).unwrap().1,
            Signal::Verification {
                state: Some("abc".into())
            }
        );
    }

    #[test]
    fn sets_with_the_wrong_typ_iss_aud_events_or_subject_are_refused() {
        let key = ed25519("k1");
        let good = set(
            SESSION_REVOKED,
            json!({"event_timestamp": 1}),
            session_subject(),
        );
        let err = |typ: &str, claims: &Value| {
            verify_set(&sign(&key, typ, claims), &key.verifying, &rules())
                .unwrap_err()
                .err
        };
        let with = |field: &str, value: Value| {
            let mut claims = good.clone();
            claims[field] = value;
            claims
        };
        assert_eq!(err("JWT", &good), "invalid_request");
        assert_eq!(
            err("secevent+jwt", &with("iss", json!("http://evil"))),
            "invalid_issuer"
        );
        assert_eq!(
            err("secevent+jwt", &with("aud", json!("someone-else"))),
            "invalid_audience"
        );
        let mut no_aud = good.clone();
        no_aud.as_object_mut().unwrap().remove("aud");
        assert_eq!(err("secevent+jwt", &no_aud), "invalid_request");
        assert_eq!(
            err("secevent+jwt", &with("events", json!({}))),
            "invalid_request"
        );
        let two = json!({SESSION_REVOKED: {}, CREDENTIAL_CHANGE: {}});
        assert_eq!(err("secevent+jwt", &with("events", two)), "invalid_request");
        assert_eq!(
            err(
                "secevent+jwt",
                &with("sub_id", json!({"format": "email", "email": "a@b"}))
            ),
            "invalid_request"
        );

        let stranger = ed25519("k1");
        assert_eq!(
            verify_set(
                &sign(&stranger, "secevent+jwt", &good),
                &key.verifying,
                &rules()
            )
            .unwrap_err()
            .err,
            "invalid_key"
        );
    }

    #[test]
    fn an_applied_signal_refuses_the_token() {
        let mut deny = Revocations::new(10);
        apply(
            &mut deny,
            &Signal::SessionRevoked {
                session_id: "s1".into(),
            },
            1_800_000_000,
        );
        assert!(deny.check("u1", "s1", 1_799_999_000).is_err());
    }
}
