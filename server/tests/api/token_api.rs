//! The token API for clients that are not browsers.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{send, spawn_app, unique_email, Backend, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    password_grant_gives_bearer_tokens_that_logout_kills,
    refresh_grant_rotates_and_a_reused_token_revokes_the_session,
    bad_credentials_and_unknown_grants_are_oauth_errors,
    form_encoded_requests_are_accepted,
);

async fn password_grant_gives_bearer_tokens_that_logout_kills(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let res = app
        .post_anonymous(
            "/api/auth/token",
            &[],
            Some(json!({"grant_type": "password", "email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["token_type"], "Bearer");
    assert_eq!(res.json["expires_in"], app.config.access_token_ttl);
    assert!(res.set_cookies().is_empty(), "API clients get no cookies");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let access = res.json["access_token"].as_str().unwrap();
    let refresh = res.json["refresh_token"].as_str().unwrap();
    assert_eq!(
        app.me_with_bearer(access).await.json["user"]["email"],
        email.as_str()
    );

    let out = app
        .post_anonymous(
            "/api/auth/logout",
            &[("authorization", format!("Bearer {access}"))],
            Some(json!({"refreshToken": refresh})),
        )
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(
        app.me_with_bearer(access).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn refresh_grant_rotates_and_a_reused_token_revokes_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (_, first_refresh) = app.api_tokens(&email).await;
    let grant = |token: &str| json!({"grant_type": "refresh_token", "refresh_token": token});

    let rotated = app
        .post_anonymous("/api/auth/token", &[], Some(grant(&first_refresh)))
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new_access = rotated.json["access_token"].as_str().unwrap().to_owned();
    let new_refresh = rotated.json["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, first_refresh);

    // The old token again: a copy exists somewhere, so the whole session ends.
    let reused = app
        .post_anonymous("/api/auth/token", &[], Some(grant(&first_refresh)))
        .await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(reused.json["error"], "invalid_grant");
    assert_eq!(
        app.me_with_bearer(&new_access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let after = app
        .post_anonymous("/api/auth/token", &[], Some(grant(&new_refresh)))
        .await;
    assert_eq!(after.json["error"], "invalid_grant");
}

async fn bad_credentials_and_unknown_grants_are_oauth_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let cases = [
        (
            json!({"grant_type": "password", "email": email, "password": "wrong password"}),
            "invalid_grant",
        ),
        (
            json!({"grant_type": "password", "email": unique_email(), "password": PASSWORD}),
            "invalid_grant",
        ),
        (
            json!({"grant_type": "refresh_token", "refresh_token": "made-up"}),
            "invalid_grant",
        ),
        (
            json!({"grant_type": "client_credentials"}),
            "unsupported_grant_type",
        ),
        (json!({"email": email}), "unsupported_grant_type"),
        (
            json!({"grant_type": "password", "email": email}),
            "malformed_body",
        ),
    ];
    for (body, code) in cases {
        let res = app
            .post_anonymous("/api/auth/token", &[], Some(body.clone()))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.body);
        assert_eq!(res.json["error"], code, "{body}");
    }
}

async fn form_encoded_requests_are_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let http = reqwest::Client::new();
    let res = http
        .post(app.url("/api/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    let reply = send(
        &http,
        reqwest::Method::GET,
        &app.url("/api/auth/me"),
        &[(
            "authorization",
            format!("Bearer {}", body["access_token"].as_str().unwrap()),
        )],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}
