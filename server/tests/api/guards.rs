//! The guards every state-changing endpoint has: POST only, same origin, rate limits.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{send, spawn_app, unique_email, Backend, PASSWORD};
use crate::on_both_databases;

const STATE_CHANGING: [&str; 6] = [
    "/api/auth/register",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/logout-all",
    "/api/auth/token",
];

on_both_databases!(
    get_on_a_state_changing_endpoint_is_405,
    a_cross_origin_browser_post_is_403,
    sign_out_is_rate_limited_with_retry_after_and_ratelimit_fields,
    failed_sign_ins_are_rate_limited_per_account,
    rate_limits_off_turns_every_limit_off,
    unknown_api_paths_are_json_404s,
);

async fn get_on_a_state_changing_endpoint_is_405(backend: Backend) {
    let app = spawn_app(backend).await;
    let http = reqwest::Client::new();
    for path in STATE_CHANGING {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let res = send(&http, method.clone(), &app.url(path), &[], None).await;
            assert_eq!(
                res.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(res.json["error"], "method_not_allowed", "{method} {path}");
        }
    }
}

async fn a_cross_origin_browser_post_is_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"email": unique_email(), "password": PASSWORD});
    for path in STATE_CHANGING {
        for headers in [
            vec![("origin", "http://evil.example".to_owned())],
            vec![("origin", "null".to_owned())],
            vec![("sec-fetch-site", "cross-site".to_owned())],
        ] {
            let res = app.post_anonymous(path, &headers, Some(body.clone())).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} {headers:?}");
            assert_eq!(res.json["error"], "cross_origin");
        }
    }
    // The same request from the app's own origin goes through.
    let own = app
        .post_anonymous(
            "/api/auth/register",
            &[("origin", format!("http://{}", app.addr))],
            Some(body),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
}

async fn sign_out_is_rate_limited_with_retry_after_and_ratelimit_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    for i in 0..20 {
        let res = app.post_anonymous("/api/auth/logout", &[], None).await;
        assert_eq!(res.status, StatusCode::OK, "request {i}");
    }
    let limited = app.post_anonymous("/api/auth/logout", &[], None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json["error"], "rate_limited");
    let retry_after: i64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry_after), "{retry_after}");
    assert_eq!(
        limited.header("ratelimit-policy"),
        Some("\"sign-out\";q=20;w=300")
    );
    assert_eq!(
        limited.header("ratelimit"),
        Some(format!("\"sign-out\";r=0;t={retry_after}").as_str())
    );

    // The window passes, and sign-out works again.
    app.clock.advance(301);
    assert_eq!(
        app.post_anonymous("/api/auth/logout", &[], None)
            .await
            .status,
        StatusCode::OK
    );
}

async fn failed_sign_ins_are_rate_limited_per_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    for _ in 0..10 {
        let res = app
            .browser()
            .post(
                "/api/auth/login",
                json!({"email": email, "password": "wrong password"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let limited = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(limited.header("retry-after").is_some());
    assert!(limited
        .header("ratelimit-policy")
        .is_some_and(|p| p.starts_with("\"sign-in-account\"")));
    // Another account from the same IP is not locked out by this one.
    let (_, other) = app.signed_up_browser().await;
    let fine = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": other, "password": PASSWORD}),
        )
        .await;
    assert_eq!(fine.status, StatusCode::OK);
}

async fn rate_limits_off_turns_every_limit_off(backend: Backend) {
    let app = crate::harness::spawn_app_with(backend, crate::harness::no_rate_limits).await;
    for _ in 0..30 {
        assert_eq!(
            app.post_anonymous("/api/auth/logout", &[], None)
                .await
                .status,
            StatusCode::OK
        );
    }
}

async fn unknown_api_paths_are_json_404s(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.post_anonymous("/api/auth/nope", &[], None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json["error"], "not_found");
}
