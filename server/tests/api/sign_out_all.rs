//! "Sign out from all devices" and "sign out other devices".

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    every_device_dies_at_once_after_logout_all,
    keep_current_keeps_exactly_the_caller,
    logout_all_requires_a_valid_access_token,
    a_device_signed_in_after_logout_all_works,
);

async fn every_device_dies_at_once_after_logout_all(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let (cli_access, cli_refresh) = app.api_tokens(&email).await;
    let laptop_tokens = laptop.snapshot();

    let res = laptop.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["success"], true);
    assert_eq!(res.json["revoked"], 3);
    assert!(
        res.set_cookie("access_token")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "the caller is signed out too"
    );

    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        phone.post_empty("/api/auth/refresh").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.me_with_bearer(&cli_access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refresh = app.refresh_with_api(&cli_refresh).await;
    assert_eq!(refresh.status, StatusCode::BAD_REQUEST);
    assert_eq!(refresh.json["error"], "invalid_grant");
    laptop.restore(laptop_tokens);
    assert_eq!(laptop.me().await.status, StatusCode::UNAUTHORIZED);
}

async fn keep_current_keeps_exactly_the_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let mut tablet = app.signed_in_browser(&email).await;

    let res = laptop
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 2);
    assert!(res.set_cookies().is_empty(), "the caller keeps its cookies");

    assert_eq!(laptop.me().await.status, StatusCode::OK);
    assert_eq!(
        laptop.post_empty("/api/auth/refresh").await.status,
        StatusCode::OK
    );
    for other in [&mut phone, &mut tablet] {
        assert_eq!(other.me().await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            other.post_empty("/api/auth/refresh").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

async fn logout_all_requires_a_valid_access_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.browser().post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json["error"], "unauthenticated");
}

async fn a_device_signed_in_after_logout_all_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    laptop.post("/api/auth/logout-all", json!({})).await;
    let mut fresh = app.signed_in_browser(&email).await;
    assert_eq!(
        fresh.me().await.status,
        StatusCode::OK,
        "the new token carries the new version"
    );
}
