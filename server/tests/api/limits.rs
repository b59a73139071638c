//! Rate limits never stop a sign-out, and a burst sent at once cannot outrun them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::harness::{
    send, spawn_app, Backend, Browser, Reply, TestApp, ACCESS_COOKIE, PASSWORD, REFRESH_COOKIE,
};
use crate::on_both_databases;

on_both_databases!(
    a_logout_carrying_only_its_refresh_cookie_is_carried_out_after_an_anonymous_burst,
    revokes_of_unknown_sessions_never_block_ending_live_ones,
    a_burst_of_sign_ins_evaluates_no_more_guesses_than_the_account_limit,
    a_burst_of_password_changes_evaluates_no_more_guesses_than_the_limit,
    a_burst_of_email_changes_evaluates_no_more_guesses_than_the_limit,
);

/// The sign-out limit (`SIGN_OUT`).
const SIGN_OUT_LIMIT: usize = 20;

async fn a_logout_carrying_only_its_refresh_cookie_is_carried_out_after_an_anonymous_burst(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (mut victim, _) = app.signed_up_browser().await;
    let refresh_cookie = victim.cookie("refresh_token").expect("refresh cookie");

    // Someone behind the same IP (a proxy: everyone) floods anonymous logouts.
    for i in 0..SIGN_OUT_LIMIT {
        let res = app.post_anonymous("/api/auth/logout", &[], None).await;
        assert_eq!(res.status, StatusCode::OK, "request {i}");
    }
    let flood = app.post_anonymous("/api/auth/logout", &[], None).await;
    assert_eq!(
        flood.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the flood is slowed"
    );

    // The victim's access cookie has expired; only the refresh cookie names the session.
    victim.jar.remove(ACCESS_COOKIE);
    let res = victim.post_empty("/api/auth/logout").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let replay = app.refresh_with_cookie(&refresh_cookie).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "the session ended");
}

async fn revokes_of_unknown_sessions_never_block_ending_live_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let mut tablet = app.signed_in_browser(&email).await;
    let phone_session = phone.session_id().await;

    for i in 0..SIGN_OUT_LIMIT {
        let bogus = json!({"sessionId": format!("no-such-session-{i}")});
        let res = laptop.post("/api/auth/sessions/revoke", bogus).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "request {i}");
    }
    let bogus = json!({"sessionId": "one-more"});
    let limited = laptop.post("/api/auth/sessions/revoke", bogus).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "revokes that end nothing are slowed"
    );

    // Each of these ends a live session, so each is carried out.
    let revoke = laptop
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": phone_session}),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::OK, "{}", revoke.body);
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);

    let others = laptop
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(others.status, StatusCode::OK, "{}", others.body);
    assert_eq!(others.json["revoked"], 1);
    assert_eq!(tablet.me().await.status, StatusCode::UNAUTHORIZED);

    // Nothing is left to end besides this device: that one is a no-op, and slowed.
    let nothing = laptop
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(nothing.status, StatusCode::TOO_MANY_REQUESTS);

    let concern = laptop.post_empty("/api/auth/report-concern").await;
    assert_eq!(concern.status, StatusCode::OK, "{}", concern.body);
    assert_eq!(laptop.me().await.status, StatusCode::UNAUTHORIZED);
}

/// Sends `count` copies of one request at once and returns the statuses.
async fn burst(
    app: &TestApp,
    path: &str,
    cookies: Option<String>,
    body: Value,
    count: usize,
) -> Vec<StatusCode> {
    let http = reqwest::Client::new();
    let url = app.url(path);
    let headers: Vec<(&'static str, String)> = cookies.map(|c| ("cookie", c)).into_iter().collect();
    let mut requests = JoinSet::new();
    for _ in 0..count {
        let (http, url, headers, body) = (http.clone(), url.clone(), headers.clone(), body.clone());
        requests.spawn(async move {
            send(&http, Method::POST, &url, &headers, Some(body))
                .await
                .status
        });
    }
    requests.join_all().await
}

fn tally(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

async fn a_burst_of_sign_ins_evaluates_no_more_guesses_than_the_account_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let guess = json!({"email": email, "password": "wrong password"});

    let statuses = burst(&app, "/api/auth/login", None, guess, 40).await;
    assert_eq!(
        (
            tally(&statuses, StatusCode::UNAUTHORIZED),
            tally(&statuses, StatusCode::TOO_MANY_REQUESTS)
        ),
        (10, 30),
        "exactly the account limit of guesses was evaluated: {statuses:?}"
    );

    let right = app.sign_in_with(&email, PASSWORD).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.body
    );
}

/// The cookies a signed-in browser sends to `/api/auth/*`.
fn auth_cookies(browser: &Browser) -> String {
    [ACCESS_COOKIE, REFRESH_COOKIE]
        .iter()
        .filter_map(|name| browser.cookie(name).map(|v| format!("{name}={v}")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A burst of wrong current passwords from one session: at most the limit (10) is
/// checked, every other attempt is a 429, and so is the right password afterwards.
async fn confirmation_burst(app: &TestApp, path: &str, body_with: impl Fn(&str) -> Value) {
    let (mut browser, _) = app.signed_up_browser().await;
    let cookies = auth_cookies(&browser);
    let statuses = burst(app, path, Some(cookies), body_with("wrong password"), 30).await;
    assert_eq!(
        (
            tally(&statuses, StatusCode::FORBIDDEN),
            tally(&statuses, StatusCode::TOO_MANY_REQUESTS)
        ),
        (10, 20),
        "exactly the limit of guesses was evaluated: {statuses:?}"
    );
    let right: Reply = browser.post(path, body_with(PASSWORD)).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.body
    );
}

async fn a_burst_of_password_changes_evaluates_no_more_guesses_than_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    confirmation_burst(
        &app,
        "/api/auth/password",
        |current| json!({"currentPassword": current, "newPassword": "a brand new passphrase"}),
    )
    .await;
}

async fn a_burst_of_email_changes_evaluates_no_more_guesses_than_the_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    confirmation_burst(
        &app,
        "/api/auth/email",
        |current| json!({"currentPassword": current, "newEmail": crate::harness::unique_email()}),
    )
    .await;
}
