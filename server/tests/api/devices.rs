//! The devices list, revoking one device, and the push channel that tells it at once.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, Backend, TestApp, ACCESS_COOKIE, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    the_list_shows_each_active_session_newest_activity_first_with_the_current_one_marked,
    revoking_ones_own_session_kills_its_tokens_at_once,
    someone_elses_session_is_a_404_and_stays_alive,
    the_push_channel_announces_a_revoked_session_within_a_second,
    last_active_is_written_at_most_once_a_minute,
    the_list_comes_in_pages_that_cover_every_session_once,
);

const CHROME_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const FIREFOX_MAC: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0";

async fn login_as(app: &TestApp, email: &str, user_agent: &str) -> String {
    let res = app
        .post_anonymous(
            "/api/auth/token",
            &[("user-agent", user_agent.to_owned())],
            Some(json!({"grant_type": "password", "email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json["access_token"].as_str().unwrap().to_owned()
}

async fn sessions_of(app: &TestApp, access: &str) -> serde_json::Value {
    let http = reqwest::Client::new();
    let res = crate::harness::send(
        &http,
        reqwest::Method::GET,
        &app.url("/api/auth/sessions"),
        &[("authorization", format!("Bearer {access}"))],
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json
}

async fn the_list_shows_each_active_session_newest_activity_first_with_the_current_one_marked(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let _chrome = login_as(&app, &email, CHROME_LINUX).await;
    app.clock.advance(5);
    let firefox = login_as(&app, &email, FIREFOX_MAC).await;
    app.clock.advance(5);
    let _curl = login_as(&app, &email, "curl/8.5.0").await;

    let list = sessions_of(&app, &firefox).await;
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        4,
        "the browser that signed up, and three more: {list:?}"
    );
    let devices: Vec<&str> = list.iter().map(|s| s["device"].as_str().unwrap()).collect();
    assert_eq!(
        &devices[..3],
        &["curl/8.5.0", "Firefox on Mac OSX", "Chrome on Linux"]
    );
    let current: Vec<bool> = list
        .iter()
        .map(|s| s["current"].as_bool().unwrap())
        .collect();
    assert_eq!(current, vec![false, true, false, false]);
    assert!(list
        .iter()
        .all(|s| s["ip"] == "127.0.0.1" && s["createdAt"].is_i64() && s["lastActiveAt"].is_i64()));
}

async fn revoking_ones_own_session_kills_its_tokens_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let phone_session = phone.session_id().await;

    let res = laptop
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": phone_session}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        phone.me().await.status,
        StatusCode::UNAUTHORIZED,
        "access token dead at once"
    );
    assert_eq!(
        phone.post_empty("/api/auth/refresh").await.status,
        StatusCode::UNAUTHORIZED,
        "refresh too"
    );
    let list = laptop.get("/api/auth/sessions").await.json;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != phone_session.as_str()),
        "gone from the list"
    );
    assert_eq!(
        laptop.me().await.status,
        StatusCode::OK,
        "the caller is untouched"
    );
    let again = laptop
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": phone_session}),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

async fn someone_elses_session_is_a_404_and_stays_alive(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut alice, _) = app.signed_up_browser().await;
    let (mut mallory, _) = app.signed_up_browser().await;
    let alice_session = alice.session_id().await;

    let res = mallory
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": alice_session}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json["error"], "not_found");
    assert_eq!(alice.me().await.status, StatusCode::OK);
    for body in [json!({"sessionId": ""}), json!({}), json!({"sessionId": 7})] {
        let bad = mallory
            .post("/api/auth/sessions/revoke", body.clone())
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{body}");
    }
}

async fn the_push_channel_announces_a_revoked_session_within_a_second(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let phone_session = phone.session_id().await;
    let phone_access = phone.cookie("access_token").unwrap();

    let mut stream = reqwest::Client::new()
        .get(app.url("/api/auth/events"))
        .header("cookie", format!("{ACCESS_COOKIE}={phone_access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    laptop
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": phone_session}),
        )
        .await;
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while !received.contains("event: session-ended") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk()).await;
        match chunk {
            Ok(Ok(Some(bytes))) => received.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no session-ended event within a second: {other:?}, got {received:?}"),
        }
    }
    // A revoked token cannot open the channel again.
    let reopened = reqwest::Client::new()
        .get(app.url("/api/auth/events"))
        .header("cookie", format!("{ACCESS_COOKIE}={phone_access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reopened.status(), StatusCode::UNAUTHORIZED);
}

async fn last_active_is_written_at_most_once_a_minute(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let session: String = browser.get("/api/auth/sessions").await.json[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let last_seen = || async {
        sqlx::query_scalar::<_, i64>("SELECT last_seen_at FROM sessions WHERE id = $1")
            .bind(&session)
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    // Writes are spawned off the request: wait (bounded) until one has landed.
    let written_after = |floor: i64| {
        let last_seen = &last_seen;
        async move {
            let started = std::time::Instant::now();
            loop {
                let value = last_seen().await;
                if value >= floor {
                    return value;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "no activity written at or after {floor}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let created = last_seen().await;
    // A first use well after sign-up is written: that is the baseline.
    app.clock.advance(100);
    browser.me().await;
    let first = written_after(created + 100).await;

    // A use 30 s later is not written; one 61 s after the baseline is. Had the +30 s use
    // been written, the +61 s use would fall in its minute and never be written.
    app.clock.advance(30);
    browser.me().await;
    // An absence can only be observed over a while: a write would land well within this.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        last_seen().await,
        first,
        "a use within the minute is not written"
    );
    app.clock.advance(31);
    browser.me().await;
    let second = written_after(first + 61).await;
    assert!((61..=62).contains(&(second - first)), "{first} -> {second}");
}

/// The `next` link of a page of the sessions list, if there is one (RFC 8288).
fn next_link(reply: &crate::harness::Reply) -> Option<String> {
    let link = reply.header("link")?;
    let target = link.strip_prefix('<')?.split_once('>')?;
    target
        .1
        .contains("rel=\"next\"")
        .then(|| target.0.to_owned())
}

async fn the_list_comes_in_pages_that_cover_every_session_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;
    app.insert_sessions(&user_id, 120).await;

    let mut seen = Vec::new();
    let mut next = Some("/api/auth/sessions?limit=50".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page
            .json
            .as_array()
            .expect("a page is a JSON array")
            .clone();
        assert!(items.len() <= 50, "{} items on one page", items.len());
        seen.extend(items.iter().map(|s| s["id"].as_str().unwrap().to_owned()));
        next = next_link(&page);
        pages += 1;
        assert!(pages <= 3, "more pages than sessions");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 121);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 121, "a session appeared on two pages");
    assert_eq!(seen[0], browser.session_id().await, "newest activity first");

    // Without parameters the answer is the whole list, as before.
    let all = browser.get("/api/auth/sessions").await;
    assert_eq!(all.json.as_array().unwrap().len(), 121);
    assert!(next_link(&all).is_none());
    for bad in [
        "limit=0",
        "limit=abc",
        "limit=50&cursor=not-a-cursor",
        "limit=1000",
    ] {
        let res = browser.get(&format!("/api/auth/sessions?{bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.body);
    }
}
