//! A table of bad inputs: each gets a clear 4xx with an `{error, message}` body, never a
//! 5xx, and never a panic.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, unique_email, Backend, TestApp, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    malformed_bodies_get_clear_4xx_answers,
    forged_and_malformed_tokens_get_401,
    nul_characters_never_reach_the_database,
);

async fn raw_post(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut req = reqwest::Client::new().post(app.url(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// path, content type, body, expected status, expected error code
type BadBody<'a> = (&'a str, Option<&'a str>, Vec<u8>, StatusCode, &'a str);

async fn malformed_bodies_get_clear_4xx_answers(backend: Backend) {
    let app = spawn_app(backend).await;
    let json_ct = Some("application/json");
    let huge = json!({"email": unique_email(), "password": "x".repeat(64 * 1024)}).to_string();
    let cases: Vec<BadBody> = vec![
        (
            "/api/auth/login",
            json_ct,
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "/api/auth/login",
            json_ct,
            b"".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "/api/auth/login",
            json_ct,
            br#"{"email": 5, "password": []}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "/api/auth/login",
            json_ct,
            br#"{"email": "a@b.co"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "/api/auth/login",
            json_ct,
            b"[1,2,3]".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "/api/auth/login",
            Some("text/plain"),
            br#"{"email":"a@b.co","password":"x"}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "/api/auth/login",
            None,
            br#"{"email":"a@b.co","password":"x"}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "/api/auth/register",
            json_ct,
            huge.into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "/api/auth/register",
            json_ct,
            json!({"email": unique_email(), "password": "p".repeat(200)})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "/api/auth/register",
            json_ct,
            json!({"email": "a@b", "password": PASSWORD})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "/api/auth/register",
            json_ct,
            json!({"email": "\u{0000}@x.co", "password": PASSWORD})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "/api/auth/logout",
            json_ct,
            b"{oops".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "/api/auth/logout",
            json_ct,
            br#"{"refreshToken": 42}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "/api/auth/token",
            json_ct,
            b"null".to_vec(),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "/api/auth/token",
            Some("application/x-www-form-urlencoded"),
            b"grant_type=password&email=%ZZ".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
    ];
    for (path, ct, body, status, code) in cases {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(60)
            .collect::<String>();
        let (got, json) = raw_post(&app, path, ct, body).await;
        assert_eq!(got, status, "{path} {ct:?} {shown}: {json}");
        assert_eq!(json["error"], code, "{path} {shown}");
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path} {shown}"
        );
    }
}

fn sign(claims: serde_json::Value, alg: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn forged_and_malformed_tokens_get_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let (browser, _) = app.signed_up_browser().await;
    let real = browser.cookie("access_token").unwrap();
    let payload_b64 = real.split('.').nth(1).unwrap().to_owned();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&payload_b64).unwrap()).unwrap();
    let secret = app.config.jwt_secret.expose().to_owned();
    let now = app.clock.now();
    let with = |key: &str, value: serde_json::Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);

    let forged = [
        ("alg none", format!("{none_header}.{payload_b64}.")),
        (
            "alg none with signature",
            format!(
                "{none_header}.{payload_b64}.{}",
                real.split('.').nth(2).unwrap()
            ),
        ),
        (
            "other key",
            sign(
                claims.clone(),
                Algorithm::HS256,
                "some-other-secret-of-sufficient-length",
            ),
        ),
        (
            "HS512 with our key",
            sign(claims.clone(), Algorithm::HS512, &secret),
        ),
        (
            "wrong issuer",
            sign(
                with("iss", json!("someone-else")),
                Algorithm::HS256,
                &secret,
            ),
        ),
        (
            "expired",
            sign(with("exp", json!(now - 1)), Algorithm::HS256, &secret),
        ),
        (
            "no exp",
            sign(
                {
                    let mut c = claims.clone();
                    c.as_object_mut().unwrap().remove("exp");
                    c
                },
                Algorithm::HS256,
                &secret,
            ),
        ),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                real.split('.').next().unwrap(),
                URL_SAFE_NO_PAD.encode(with("sub", json!("another-user")).to_string()),
                real.split('.').nth(2).unwrap()
            ),
        ),
        ("garbage", "not.a.jwt".into()),
        ("empty segments", "..".into()),
        ("huge", "a".repeat(8_000)),
    ];
    for (name, token) in forged {
        let res = app.me_with_bearer(&token).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{name}: {}", res.body);
        assert_eq!(res.json["error"], "unauthenticated", "{name}");
    }
    // The genuine token, as a control: the forgeries failed for being forged.
    assert_eq!(app.me_with_bearer(&real).await.status, StatusCode::OK);
    let odd_schemes = ["Basic abc", "Bearer", "bearer    ", &real];
    for header in odd_schemes {
        let res = crate::harness::send(
            &reqwest::Client::new(),
            reqwest::Method::GET,
            &app.url("/api/auth/me"),
            &[("authorization", header.to_owned())],
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{header:.20}");
    }
}

/// PostgreSQL refuses NUL in text: each of these was a 500 there before it was checked.
async fn nul_characters_never_reach_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let nul_email = "a\u{0}b@example.com";
    let login = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": nul_email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{}", login.body);
    let grant = app
        .post_anonymous(
            "/api/auth/token",
            &[],
            Some(json!({"grant_type": "password", "email": nul_email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(grant.status, StatusCode::BAD_REQUEST, "{}", grant.body);
    assert_eq!(grant.json["error"], "invalid_grant");
    let cases = [
        (
            "/api/auth/sessions/revoke",
            json!({"sessionId": "\u{0}"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/posts/drafts",
            json!({"title": "a\u{0}b", "body": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/posts/drafts",
            json!({"title": "ok", "body": "a\u{0}b"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/posts/publish",
            json!({"id": "\u{0}"}),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (path, body, status) in cases {
        let res = browser.post(path, body.clone()).await;
        assert_eq!(res.status, status, "{path} {body}: {}", res.body);
    }
    let fine = browser
        .post(
            "/api/posts/drafts",
            json!({"title": "ok", "body": "line one\nline two\ttabbed"}),
        )
        .await;
    assert_eq!(
        fine.status,
        StatusCode::OK,
        "line breaks and tabs are text: {}",
        fine.body
    );
}
