//! A Shared Signals receiver for the tests: a real HTTP server on 127.0.0.1 that keeps
//! what is pushed to it and answers with the status the test sets (202, or 503 to play
//! "down"), and the checks every SET must pass, done as a receiver would: with the
//! published JWKS, not with the server's own code.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::harness::TestApp;

/// One push as it arrived.
#[derive(Clone, Debug)]
pub struct Pushed {
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub set: String,
}

#[derive(Clone, Default)]
struct Shared {
    received: Arc<Mutex<Vec<Pushed>>>,
    /// 0 means 202.
    answer: Arc<AtomicU16>,
}

pub struct PushReceiver {
    pub url: String,
    shared: Shared,
}

impl PushReceiver {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = axum::Router::new()
            .route("/events", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/events", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, shared }
    }

    /// Answers every push with `status` from now on (202 is "up").
    pub fn answer(&self, status: u16) {
        self.shared.answer.store(status, Ordering::SeqCst);
    }

    /// Everything accepted so far (pushes answered with anything but 202 are not kept).
    pub fn received(&self) -> Vec<Pushed> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until `count` SETs were accepted.
    pub async fn wait_for(&self, count: usize) -> Vec<Pushed> {
        let started = std::time::Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{} of {count} events arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let status = match shared.answer.load(Ordering::SeqCst) {
        0 => StatusCode::ACCEPTED,
        code => StatusCode::from_u16(code).unwrap(),
    };
    if status == StatusCode::ACCEPTED {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        shared.received.lock().unwrap().push(Pushed {
            authorization: header("authorization"),
            content_type: header("content-type"),
            set: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    status
}

/// The published keys, fetched as any verifier would.
pub async fn jwks(app: &TestApp) -> Value {
    let res = reqwest::get(app.url("/.well-known/jwks.json"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The JWK the token's header names, and the algorithm it is for.
fn key_for(jwks: &Value, token: &str) -> Option<(DecodingKey, Algorithm)> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    let kid = header.kid?;
    let jwk = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"] == kid.as_str())?;
    let text = |name: &str| jwk[name].as_str().unwrap_or_default().to_owned();
    let (key, alg) = match text("kty").as_str() {
        "OKP" => (
            DecodingKey::from_ed_components(&text("x")).ok()?,
            Algorithm::EdDSA,
        ),
        "EC" => (
            DecodingKey::from_ec_components(&text("x"), &text("y")).ok()?,
            Algorithm::ES256,
        ),
        _ => return None,
    };
    assert_eq!(
        jwk["alg"],
        json!(format!("{alg:?}")),
        "the JWK names its algorithm"
    );
    assert_eq!(header.alg, alg, "the header's alg is the key's");
    Some((key, alg))
}

/// Verifies an access token against the JWKS alone; its claims, or `None`.
pub fn verify_access_token(jwks: &Value, token: &str, issuer: &str) -> Option<Value> {
    let (key, alg) = key_for(jwks, token)?;
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[issuer]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .ok()
        .map(|d| d.claims)
}

/// Checks a SET as RFC 8417 and SSF say a receiver must, and returns its claims.
pub fn verified_set(jwks: &Value, set: &str, issuer: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(set).unwrap();
    assert_eq!(header.typ.as_deref(), Some("secevent+jwt"));
    let (key, alg) = key_for(jwks, set).expect("the SET names a published key");
    let mut validation = Validation::new(alg);
    // SETs carry no `exp` (RFC 8417 §2.2).
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    let claims = jsonwebtoken::decode::<Value>(set, &key, &validation)
        .expect("the SET verifies")
        .claims;
    for claim in ["jti", "iat", "txn", "sub_id", "events"] {
        assert!(!claims[claim].is_null(), "{claim} in {claims}");
    }
    let events = claims["events"].as_object().unwrap();
    assert_eq!(events.len(), 1, "one event per SET: {claims}");
    assert!(claims.get("sub").is_none(), "the subject is in sub_id");
    claims
}

/// The one event type of a SET's claims, and the event.
pub fn event_of(claims: &Value) -> (String, Value) {
    let (kind, event) = claims["events"].as_object().unwrap().iter().next().unwrap();
    (kind.clone(), event.clone())
}
