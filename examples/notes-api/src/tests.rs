//! The router over real HTTP, with keys made here and SETs pushed by hand.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::config::Secret;
use crate::jwks::{Jwks, KeySet};
use crate::ssf::set::{SetRules, SESSION_REVOKED};
use crate::test_keys::{ed25519, sign, TestKey};
use crate::{app, unix_now, AppState};

const ISSUER: &str = "http://127.0.0.1:3000";
const PUSH_AUTHORIZATION: &str = "Bearer push-secret";

struct Running {
    base: String,
    key: TestKey,
    state: AppState,
    http: reqwest::Client,
}

async fn start() -> Running {
    let key = ed25519("k1");
    let jwks = json!({ "keys": [key.jwk.clone()] }).to_string();
    let state = AppState::new(
        Jwks::with_keys(KeySet::parse(&jwks).unwrap()),
        "signout",
        SetRules {
            issuer: ISSUER.into(),
            audience: "notes-api".into(),
        },
        Some(Secret::new(PUSH_AUTHORIZATION)),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Running {
        base,
        key,
        state,
        http: reqwest::Client::new(),
    }
}

impl Running {
    fn access_token(&self, user: &str, session: &str, iat: i64) -> String {
        let claims = json!({"sub": user, "sid": session, "ver": 0, "jti": uuid::Uuid::now_v7(),
                            "iat": iat, "exp": iat + 900, "iss": "signout"});
        sign(&self.key, "JWT", &claims)
    }

    async fn get_notes(&self, authorization: Option<&str>) -> (StatusCode, Option<String>, Value) {
        let mut request = self.http.get(format!("{}/notes", self.base));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        (
            response.status(),
            challenge,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn post_note(&self, token: &str, body: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/notes", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn push(
        &self,
        authorization: &str,
        content_type: &str,
        set: String,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/ssf/events", self.base))
            .header("authorization", authorization)
            .header("content-type", content_type)
            .body(set)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn nothing_is_served_before_the_stream_is_set_up() {
    let app = start().await;
    let token = app.access_token("u1", "s1", unix_now());
    let (status, _, body) = app.get_notes(Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({"error": "not_ready"}));
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);

    app.state.open(unix_now() - 60);
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({"ready": true})
    );
}

#[tokio::test]
async fn after_a_restart_tokens_issued_before_it_are_refused_and_fresh_ones_served() {
    let app = start().await;
    let started = unix_now() - 60;
    app.state.open(started);

    let old = app.access_token("u1", "s1", started);
    let (status, challenge, body) = app.get_notes(Some(&format!("Bearer {old}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer error=\"invalid_token\""));
    assert_eq!(body, json!({"error": "invalid_token"}));

    let fresh = app.access_token("u1", "s1", started + 1);
    let (status, _, body) = app.get_notes(Some(&format!("Bearer {fresh}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"notes": []}));
}

#[tokio::test]
async fn a_pushed_session_revoked_event_refuses_the_sessions_token_at_once() {
    let app = start().await;
    app.state.open(unix_now() - 60);
    let token = app.access_token("u1", "s1", unix_now() - 10);
    let other_device = app.access_token("u1", "s2", unix_now() - 10);
    let bearer = format!("Bearer {token}");
    assert_eq!(app.get_notes(Some(&bearer)).await.0, StatusCode::OK);

    let set = |aud: &str| {
        let claims = json!({"iss": ISSUER, "aud": aud, "jti": "j1", "iat": unix_now(), "txn": "t",
            "sub_id": {"format": "complex", "user": {"format": "opaque", "id": "u1"},
                       "session": {"format": "opaque", "id": "s1"}},
            "events": {SESSION_REVOKED: {"event_timestamp": unix_now(), "initiating_entity": "user",
                                         "reason_admin": {"en": "sign_out"}}}});
        sign(&app.key, "secevent+jwt", &claims)
    };
    let jwt = "application/secevent+jwt";
    assert_eq!(
        app.push("Bearer wrong", jwt, set("notes-api")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.push(PUSH_AUTHORIZATION, "application/json", set("notes-api"))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let (status, body) = app
        .push(PUSH_AUTHORIZATION, jwt, set("another-receiver"))
        .await;
    assert_eq!(
        (status, body["err"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_audience"))
    );
    let (status, body) = app.push(PUSH_AUTHORIZATION, jwt, "not a jwt".into()).await;
    assert_eq!(
        (status, body["err"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    assert_eq!(
        app.get_notes(Some(&bearer)).await.0,
        StatusCode::OK,
        "nothing applied yet"
    );

    assert_eq!(
        app.push(PUSH_AUTHORIZATION, jwt, set("notes-api")).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        app.get_notes(Some(&bearer)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let other = format!("Bearer {other_device}");
    assert_eq!(
        app.get_notes(Some(&other)).await.0,
        StatusCode::OK,
        "the user's other session"
    );
}

#[tokio::test]
async fn notes_are_validated_and_kept_per_user() {
    let app = start().await;
    app.state.open(unix_now() - 60);
    let alice = app.access_token("alice", "s1", unix_now() - 10);
    let bob = app.access_token("bob", "s2", unix_now() - 10);

    for bad in [
        "",
        "{}",
        "{\"text\": \"   \"}",
        "{\"text\": 7}",
        "[",
        "{\"text\": null}",
    ] {
        let (status, body) = app.post_note(&alice, bad).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_request")),
            "{bad}"
        );
    }
    let too_long = json!({ "text": "é".repeat(1001) }).to_string();
    assert_eq!(
        app.post_note(&alice, &too_long).await.0,
        StatusCode::BAD_REQUEST
    );
    let longest = json!({ "text": "é".repeat(1000) }).to_string();
    assert_eq!(app.post_note(&alice, &longest).await.0, StatusCode::CREATED);
    let (status, note) = app.post_note(&alice, "{\"text\": \"buy milk\"}").await;
    assert_eq!(
        (status, note["text"].as_str()),
        (StatusCode::CREATED, Some("buy milk"))
    );

    let (_, _, mine) = app.get_notes(Some(&format!("Bearer {alice}"))).await;
    assert_eq!(mine["notes"].as_array().unwrap().len(), 2);
    let (_, _, theirs) = app.get_notes(Some(&format!("Bearer {bob}"))).await;
    assert_eq!(theirs, json!({"notes": []}));
}

#[tokio::test]
async fn a_missing_or_garbled_authorization_is_a_401_never_a_panic() {
    let app = start().await;
    app.state.open(unix_now() - 60);
    let (status, challenge, body) = app.get_notes(None).await;
    assert_eq!(
        (status, challenge.as_deref()),
        (StatusCode::UNAUTHORIZED, Some("Bearer"))
    );
    assert_eq!(body, json!({"error": "missing_token"}));
    let unknown_kid = {
        let stranger = ed25519("k9");
        let claims = json!({"sub": "u", "sid": "s", "ver": 0, "jti": "j", "iat": unix_now() - 10,
                            "exp": unix_now() + 900, "iss": "signout"});
        sign(&stranger, "JWT", &claims)
    };
    for value in [
        "Bearer",
        "Bearer ",
        "Basic dTpw",
        "Bearer a.b.c",
        "Bearer ...",
        "Bearer é",
        &format!("Bearer {unknown_kid}"),
    ] {
        let (status, _, _) = app.get_notes(Some(value)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{value}");
    }
}
