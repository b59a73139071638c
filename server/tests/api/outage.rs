//! The database goes away (PostgreSQL behind a proxy the test cuts): a sign-out is never
//! a 500 nor silently lost, no request hangs, and the service recovers by itself.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::db_proxy::spawn_behind_proxy;
use crate::harness::{send, spawn_on, unique_email, Caller, Reply, PASSWORD};

/// What "answers at once" means here: well under the client's 4 s sign-out wait.
const FAST: Duration = Duration::from_secs(4);

/// Runs `request`, checking it was answered quickly and not with a 5xx other than 503.
async fn answered_fast(what: &str, request: impl std::future::Future<Output = Reply>) -> Reply {
    let started = Instant::now();
    let reply = request.await;
    let took = started.elapsed();
    assert!(took < FAST, "{what} took {took:?}");
    assert!(
        !reply.status.is_server_error() || reply.status == StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {} {}",
        reply.status,
        reply.body
    );
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_during_a_database_outage_is_refused_here_at_once_and_lands_when_retried() {
    let (proxy, app) = spawn_behind_proxy(Duration::ZERO, |_| {}).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let access = browser.cookie("access_token").expect("access cookie");
    let refresh = browser.cookie("refresh_token").expect("refresh cookie");
    assert_eq!(app.me_with_bearer(&access).await.status, StatusCode::OK);

    proxy.cut();

    let logout = answered_fast("logout", browser.post_empty("/api/auth/logout")).await;
    assert_eq!(
        logout.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        logout.body
    );
    assert_eq!(logout.json["error"], "unavailable");
    assert!(logout.header("retry-after").is_some());
    assert!(
        browser.cookie("refresh_token").is_some(),
        "the cookies stay for the retry"
    );
    // This process refuses the token at once: 401 from the revocation view, not a 503
    // from the user lookup behind it.
    let me = answered_fast("me", app.me_with_bearer(&access)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.body);
    // Signing out everywhere fails whole, to be retried from the same device.
    let everywhere =
        answered_fast("logout-all", phone.post("/api/auth/logout-all", json!({}))).await;
    assert_eq!(everywhere.status, StatusCode::SERVICE_UNAVAILABLE);
    let refreshed = answered_fast("refresh", app.refresh_with_cookie(&refresh)).await;
    assert_eq!(refreshed.status, StatusCode::SERVICE_UNAVAILABLE);
    let sign_in = answered_fast(
        "sign-in",
        app.post_anonymous(
            "/api/auth/login",
            &[],
            Some(json!({"email": unique_email(), "password": PASSWORD})),
        ),
    )
    .await;
    assert_eq!(sign_in.status, StatusCode::SERVICE_UNAVAILABLE);
    // Server functions (page data) say the same.
    let posts = answered_fast(
        "published posts",
        send(
            &reqwest::Client::new(),
            Method::GET,
            &app.url("/api/posts/published"),
            &[],
            None,
        ),
    )
    .await;
    assert_eq!(
        posts.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        posts.body
    );
    assert_eq!(posts.json["error"], "unavailable");
    assert!(posts.header("retry-after").is_some());

    proxy.restore();

    // The web client retries its pending sign-out; the first retry after the outage lands.
    let retried = answered_fast("retried logout", browser.post_empty("/api/auth/logout")).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    let replay = app.refresh_with_cookie(&refresh).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.body);
    assert_eq!(
        app.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let everywhere = phone.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(everywhere.status, StatusCode::OK, "{}", everywhere.body);
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
    // And the service is whole again.
    let (mut fresh, _) = app.signed_up_browser().await;
    assert_eq!(fresh.me().await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_the_database_could_not_serve_do_not_count_against_the_limits() {
    let (proxy, app) = spawn_behind_proxy(Duration::ZERO, |_| {}).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let sign_in = json!({"email": email, "password": PASSWORD});
    let change = json!({"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"});

    proxy.cut();
    // More than either limit (10 per account, 10 per session) of attempts, all 503.
    for i in 0..12 {
        let res = answered_fast(
            "sign-in",
            app.browser().post("/api/auth/login", sign_in.clone()),
        )
        .await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "sign-in {i}");
        let res = answered_fast(
            "password change",
            browser.post("/api/auth/password", change.clone()),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "password change {i}"
        );
    }
    proxy.restore();

    let res = app.browser().post("/api/auth/login", sign_in).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = browser.post("/api/auth/password", change).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// A plain form post cannot retry a sign-out the database could not take, so the server
/// does: the page says the sign-out is not finished (and how to be sure it is), this
/// browser is signed out at once, and when the database is back the sign-out lands, so
/// that a second process refuses the session too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_sign_out_during_an_outage_says_so_and_lands_everywhere_when_the_database_is_back()
{
    let (proxy, first) = spawn_behind_proxy(Duration::ZERO, |_| {}).await;
    // A second process on the same database, not behind the proxy: it never loses it.
    let mut direct = first.config.clone();
    direct.database_url = direct
        .database_url
        .replace(&proxy.addr.to_string(), &upstream_host_port());
    let second = spawn_on(direct, first.clock.clone()).await;
    let (mut browser, _) = first.signed_up_browser().await;
    let access = browser.cookie("access_token").expect("access cookie");
    let refresh = browser.cookie("refresh_token").expect("refresh cookie");
    assert_eq!(second.me_with_bearer(&access).await.status, StatusCode::OK);

    proxy.cut();
    let res = answered_fast(
        "plain sign-out",
        browser.submit(Caller::PlainForm, "/api/auth/web/logout", &[], "/dashboard"),
    )
    .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), Some("/"));
    assert!(res
        .set_cookie("flash")
        .is_some_and(|c| c.starts_with("flash=sign_out_pending;")));
    assert!(res.set_cookie("signout_pending").is_some());
    assert_eq!(
        first.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED,
        "this process refuses the session at once"
    );
    proxy.restore();

    // The server's own retry lands it: the second process learns it from the database.
    let started = Instant::now();
    while second.me_with_bearer(&access).await.status == StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the sign-out never reached the second process"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refreshed = second.refresh_with_cookie(&refresh).await;
    assert_eq!(
        refreshed.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        refreshed.body
    );
    // The page the browser landed on said plainly that it was not finished.
    let home = browser.get("/").await;
    assert!(
        home.body.contains("Signing out could not be finished"),
        "{}",
        home.body
    );
}

/// Where the test PostgreSQL listens, as the proxy forwards to it.
fn upstream_host_port() -> String {
    let admin = crate::harness::postgres_admin_url();
    let rest = admin.split_once("://").expect("a URL").1;
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}
