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
    ended_sessions_are_listed_for_thirty_days_with_how_they_ended,
    a_public_address_is_placed_in_its_country_and_loopback_nowhere,
    a_sessions_details_are_its_owners_alone_and_for_thirty_days_after_it_ends,
    a_session_that_ran_out_before_a_sign_out_everywhere_ended_when_it_ran_out,
    a_sessions_page_is_served_to_its_owner_and_other_paths_under_profile_are_not_found,
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
        &["curl/8.5.0", "Firefox on macOS", "Chrome on Linux"]
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

/// "Recently signed out" (the devices list of the profile page) and the activity line of a
/// device signed out from another, which names the device that ended.
async fn ended_sessions_are_listed_for_thirty_days_with_how_they_ended(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;
    let laptop_session = laptop.session_id().await;
    login_as(&app, &email, FIREFOX_MAC).await;
    login_as(&app, &email, CHROME_LINUX).await;
    let devices =
        |now| backend::devices::signed_in_devices(&app.db, &user_id, &laptop_session, now);
    assert!(devices(app.clock.now())
        .await
        .unwrap()
        .recently_ended
        .is_empty());

    // Firefox revoked from the list, then Chrome with every other device.
    let firefox = firefox_session_of(&mut laptop).await;
    let res = laptop
        .post("/api/auth/sessions/revoke", json!({"sessionId": firefox}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.clock.advance(60);
    let res = laptop
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let shown = devices(app.clock.now()).await.unwrap();
    let ended: Vec<(&str, &str)> = shown
        .recently_ended
        .iter()
        .map(|s| (s.device.as_str(), s.ended_by.as_str()))
        .collect();
    assert_eq!(
        ended,
        [
            ("Chrome on Linux", "signed_out_by_other_device"),
            ("Firefox on macOS", "revoked_from_devices_list"),
        ],
        "the latest end first, each with its reason"
    );
    assert_eq!(
        shown.sessions.len(),
        1,
        "only the laptop is still signed in"
    );
    assert!(shown.recently_ended[0].ended_at > shown.recently_ended[1].ended_at);

    // The activity names the device that ended, not the one that ended it.
    let activity = laptop.get("/api/auth/activity").await.json;
    let revoked = activity
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "session_revoked")
        .expect("the revoke is in the activity");
    assert_eq!(revoked["endedDevice"], "Firefox on macOS", "{revoked}");
    assert_ne!(revoked["device"], "Firefox on macOS", "{revoked}");

    // The laptop, left idle, ends when its idle deadline passes: listed as expired, then.
    app.clock.advance(app.config.session_idle_timeout + 1);
    let later = devices(app.clock.now()).await.unwrap();
    let laptop_ended = later
        .recently_ended
        .iter()
        .find(|s| s.id == laptop_session)
        .expect("the idle laptop is listed as ended");
    assert_eq!(laptop_ended.ended_by, wire::ENDED_BY_EXPIRY);
    assert!(laptop_ended.ended_at <= app.clock.now());
    assert_eq!(later.recently_ended.len(), 3);

    // Thirty days on, nothing is recent any more.
    app.clock.advance(wire::RECENTLY_ENDED_DAYS * 24 * 3600);
    assert!(devices(app.clock.now())
        .await
        .unwrap()
        .recently_ended
        .is_empty());
}

/// The approximate location comes from the local GeoIP database (`backend::geo`); the
/// address is written as a proxy-less server on the internet would have seen it.
async fn a_public_address_is_placed_in_its_country_and_loopback_nowhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    login_as(&app, &email, FIREFOX_MAC).await;
    let firefox = firefox_session_of(&mut laptop).await;
    sqlx::query("UPDATE sessions SET ip = '8.8.8.8' WHERE id = $1")
        .bind(&firefox)
        .execute(&app.db)
        .await
        .unwrap();

    let list = laptop.get("/api/auth/sessions").await.json;
    for session in list.as_array().unwrap() {
        if session["id"] == firefox.as_str() {
            assert_eq!(session["location"], "United States of America", "{session}");
        } else {
            assert_eq!(session["ip"], "127.0.0.1", "{session}");
            assert!(
                session.get("location").is_none(),
                "loopback is nowhere: {session}"
            );
        }
    }
}

async fn firefox_session_of(laptop: &mut crate::harness::Browser) -> String {
    let list = laptop.get("/api/auth/sessions").await.json;
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["device"] == "Firefox on macOS")
        .expect("the Firefox session is listed")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_sessions_details_are_its_owners_alone_and_for_thirty_days_after_it_ends(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let (mut stranger, _) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;
    login_as(&app, &email, FIREFOX_MAC).await;
    let firefox = firefox_session_of(&mut laptop).await;
    let path = format!("/api/auth/sessions/{firefox}");

    let theirs = stranger.get(&path).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    assert_eq!(
        stranger
            .get("/api/auth/sessions/no-such-session")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let mine = laptop.get(&path).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.json["device"], "Firefox on macOS");
    assert_eq!(mine.json["signedInWith"], "api");
    assert_eq!(mine.json["current"], false);
    assert!(mine.json["userAgent"]
        .as_str()
        .unwrap()
        .contains("Firefox/125.0"));
    assert!(mine.json.get("endedAt").is_none(), "{}", mine.body);
    let own = laptop.session_id().await;
    let here = laptop.get(&format!("/api/auth/sessions/{own}")).await;
    assert_eq!(
        (
            here.json["current"].clone(),
            here.json["signedInWith"].clone()
        ),
        (json!(true), json!("browser"))
    );

    let res = laptop
        .post("/api/auth/sessions/revoke", json!({"sessionId": firefox}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let ended = laptop.get(&path).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.json["endedBy"], "revoked_from_devices_list");
    assert_eq!(ended.json["endedAt"], app.clock.now());

    // Thirty days after its end, it is no longer anyone's to look at.
    let details = |now| backend::devices::session_details(&app.db, &user_id, &own, &firefox, now);
    let end = app.clock.now();
    let day = 24 * 3600;
    assert!(details(end + wire::RECENTLY_ENDED_DAYS * day)
        .await
        .unwrap()
        .is_some());
    assert!(details(end + wire::RECENTLY_ENDED_DAYS * day + 1)
        .await
        .unwrap()
        .is_none());
}

/// Ending every other session also stamps the rows of sessions that had already run out
/// (`revoked_at` on every row not yet revoked): those ended when they ran out, not then.
async fn a_session_that_ran_out_before_a_sign_out_everywhere_ended_when_it_ran_out(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;
    let own = laptop.session_id().await;
    login_as(&app, &email, FIREFOX_MAC).await;
    let firefox = firefox_session_of(&mut laptop).await;
    let ran_out_at = app.clock.now() - 3600;
    sqlx::query("UPDATE sessions SET idle_expires_at = $1 WHERE id = $2")
        .bind(ran_out_at)
        .bind(&firefox)
        .execute(&app.db)
        .await
        .unwrap();
    app.clock.advance(60);
    let res = laptop
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let shown = backend::devices::signed_in_devices(&app.db, &user_id, &own, app.clock.now())
        .await
        .unwrap();
    let listed = shown
        .recently_ended
        .iter()
        .find(|s| s.id == firefox)
        .expect("the Firefox session is under Recently signed out");
    assert_eq!(
        (listed.ended_by.as_str(), listed.ended_at),
        (wire::ENDED_BY_EXPIRY, ran_out_at)
    );
    let details =
        backend::devices::session_details(&app.db, &user_id, &own, &firefox, app.clock.now())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(details.ended_by.as_deref(), Some(wire::ENDED_BY_EXPIRY));
    assert_eq!(details.ended_at, Some(ran_out_at));
}

/// `/profile` and `/profile/sessions/<id>` are one route with two optional segments, whose
/// expansion the server de-duplicates (`server::one_per_shape`): each path answers as it
/// should, and a signed-out visitor is sent to sign in.
async fn a_sessions_page_is_served_to_its_owner_and_other_paths_under_profile_are_not_found(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    login_as(&app, &email, FIREFOX_MAC).await;
    let firefox = firefox_session_of(&mut laptop).await;

    let profile = laptop.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(
        profile.body.contains("Signed-in devices"),
        "{}",
        profile.body
    );
    let page = laptop.get(&format!("/profile/sessions/{firefox}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Firefox on macOS"), "{}", page.body);
    assert!(
        page.body.contains("As the browser names itself"),
        "{}",
        page.body
    );
    for path in [
        "/profile/sessions",
        "/profile/nothing-here",
        "/profile/other/thing",
    ] {
        assert_eq!(
            laptop.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    let stranger = app
        .browser()
        .get(&format!("/profile/sessions/{firefox}"))
        .await;
    assert_eq!(
        stranger.status,
        StatusCode::FOUND,
        "signed out: to the sign-in page"
    );
    assert_eq!(stranger.header("location"), Some("/login"));
}
