//! The push channel (`GET /api/auth/events`) names the real reason a session ended, for
//! every way one can end: the page that holds it says the right thing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, Backend, Browser, Caller, TestApp, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    a_device_signing_itself_out_is_told_sign_out_through_every_door,
    each_way_a_session_ends_elsewhere_is_named,
);

/// The push channel of the session of `access`, opened.
pub async fn open_channel(app: &TestApp, access: &str) -> reqwest::Response {
    let stream = reqwest::Client::new()
        .get(app.url("/api/auth/events"))
        .bearer_auth(access)
        .send()
        .await
        .expect("the push channel opens");
    assert_eq!(stream.status(), StatusCode::OK);
    stream
}

/// The data of the `session-ended` event, within two seconds.
pub async fn reason_told(mut stream: reqwest::Response) -> String {
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        if let Some(rest) = received.split("event: session-ended\ndata: ").nth(1) {
            if let Some((reason, _)) = rest.split_once('\n') {
                return reason.to_owned();
            }
        }
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(bytes))) => received.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no session-ended event: {other:?}, got {received:?}"),
        }
    }
}

async fn a_device_signing_itself_out_is_told_sign_out_through_every_door(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut told = Vec::new();
    for round in 0..8 {
        for door in ["json", "server function", "plain form"] {
            let (mut browser, _) = app.signed_up_browser().await;
            let access = browser.cookie("access_token").unwrap();
            let channel = open_channel(&app, &access).await;
            let path = "/api/auth/web/logout";
            let res = match door {
                "json" => browser.post_empty("/api/auth/logout").await,
                "server function" => browser.submit(Caller::WasmClient, path, &[], "/").await,
                _ => browser.submit(Caller::PlainForm, path, &[], "/").await,
            };
            assert!(
                res.status.is_success() || res.status.is_redirection(),
                "{door}"
            );
            told.push((round, door, reason_told(channel).await));
        }
    }
    let wrong: Vec<_> = told.iter().filter(|(_, _, r)| r != "sign_out").collect();
    assert!(
        wrong.is_empty(),
        "told something else than sign_out: {wrong:?}"
    );
}

/// A second device of the user, with its push channel open, and its session id.
async fn second_device(app: &TestApp, email: &str) -> (Browser, reqwest::Response, String) {
    let mut phone = app.signed_in_browser(email).await;
    let session = phone.session_id().await;
    let channel = open_channel(app, &phone.cookie("access_token").unwrap()).await;
    (phone, channel, session)
}

async fn each_way_a_session_ends_elsewhere_is_named(backend: Backend) {
    let app = spawn_app(backend).await;

    let (mut laptop, email) = app.signed_up_browser().await;
    let (_, channel, phone_session) = second_device(&app, &email).await;
    let res = laptop
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": phone_session}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        reason_told(channel).await,
        "revoked",
        "revoked from the list"
    );

    let (_, channel, _) = second_device(&app, &email).await;
    let res = laptop
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(reason_told(channel).await, "sign_out_others");

    let (_, channel, _) = second_device(&app, &email).await;
    let res = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(reason_told(channel).await, "password_changed");
    let res = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": "a brand new passphrase", "newPassword": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let (_, channel, _) = second_device(&app, &email).await;
    let new_email = format!("moved-{email}");
    let res = laptop
        .post(
            "/api/auth/email",
            json!({"currentPassword": PASSWORD, "newEmail": new_email}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(reason_told(channel).await, "email_changed");
    let email = new_email;

    let (_, channel, _) = second_device(&app, &email).await;
    let res = laptop.post("/api/auth/report-concern", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(reason_told(channel).await, "security_concern");

    let mut laptop = app.signed_in_browser(&email).await;
    let (_, channel, _) = second_device(&app, &email).await;
    let res = laptop.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(reason_told(channel).await, "sign_out_everywhere");

    // A copied refresh token came back: the holder is told no more than "revoked".
    let (access, refresh) = app.api_tokens(&email).await;
    let channel = open_channel(&app, &access).await;
    assert_eq!(app.refresh_with_api(&refresh).await.status, StatusCode::OK);
    assert_ne!(app.refresh_with_api(&refresh).await.status, StatusCode::OK);
    assert_eq!(reason_told(channel).await, "revoked", "refresh token reuse");
}
