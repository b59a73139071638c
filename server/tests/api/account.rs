//! Security events end the other sessions by themselves; timeouts are the server's.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, spawn_app_with, unique_email, Backend, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    a_password_change_keeps_exactly_the_caller,
    a_wrong_current_password_changes_nothing,
    an_email_change_keeps_exactly_the_caller,
    reporting_a_concern_ends_every_session_including_this_one,
    an_idle_session_expires_and_says_so,
    a_session_ends_at_its_absolute_lifetime_however_active,
    security_activity_lists_the_users_own_events_newest_first,
    security_activity_comes_in_pages_of_the_newest_events,
    purge_deletes_what_can_no_longer_matter,
);

async fn a_password_change_keeps_exactly_the_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let (cli_access, _) = app.api_tokens(&email).await;

    let new_password = "a brand new passphrase";
    let res = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": PASSWORD, "newPassword": new_password}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 2);
    assert_eq!(laptop.me().await.status, StatusCode::OK);
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.me_with_bearer(&cli_access).await.status,
        StatusCode::UNAUTHORIZED
    );

    let old = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": email, "password": new_password}),
        )
        .await;
    assert_eq!(new.status, StatusCode::OK);
}

async fn a_wrong_current_password_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let wrong = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": "guess", "newPassword": "whatever12345"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.json["error"], "wrong_password");
    let short = laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": PASSWORD, "newPassword": "short"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(phone.me().await.status, StatusCode::OK, "no session ended");
    let login = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "the password is unchanged");
}

async fn an_email_change_keeps_exactly_the_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let (_, taken) = app.signed_up_browser().await;

    let clash = laptop
        .post(
            "/api/auth/email",
            json!({"currentPassword": PASSWORD, "newEmail": taken}),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert_eq!(
        phone.me().await.status,
        StatusCode::OK,
        "a refused change ends nothing"
    );

    let new_email = unique_email();
    let res = laptop
        .post(
            "/api/auth/email",
            json!({"currentPassword": PASSWORD, "newEmail": new_email}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 1);
    assert_eq!(laptop.me().await.json["user"]["email"], new_email.as_str());
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
}

async fn reporting_a_concern_ends_every_session_including_this_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let stolen = laptop.snapshot();
    let res = laptop.post_empty("/api/auth/report-concern").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 2);
    assert!(res
        .set_cookie("access_token")
        .is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
    laptop.restore(stolen);
    assert_eq!(laptop.me().await.status, StatusCode::UNAUTHORIZED);
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM audit_events WHERE kind = 'security_concern'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(kinds.len(), 1);
}

async fn an_idle_session_expires_and_says_so(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.session_idle_timeout = 60).await;
    let (mut active, email) = app.signed_up_browser().await;
    let mut idle = app.signed_in_browser(&email).await;
    app.clock.advance(59);
    assert_eq!(
        active.me().await.status,
        StatusCode::OK,
        "use at second 59 pushes its deadline back"
    );
    app.clock.advance(2);

    assert_eq!(
        idle.me().await.status,
        StatusCode::UNAUTHORIZED,
        "no access token outlives the idle deadline"
    );
    let refresh = idle.post_empty("/api/auth/refresh").await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh.json["error"], "session_expired");

    // The session in use lives on, once its use at second 59 is recorded (that write is
    // spawned off the request): its refresh works, though its first token has expired.
    let started = std::time::Instant::now();
    loop {
        let latest: i64 = sqlx::query_scalar("SELECT MAX(idle_expires_at) FROM sessions")
            .fetch_one(&app.db)
            .await
            .unwrap();
        if latest > app.clock.now() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the use at second 59 was never recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        active.post_empty("/api/auth/refresh").await.status,
        StatusCode::OK
    );
}

async fn a_session_ends_at_its_absolute_lifetime_however_active(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.refresh_token_ttl = 300;
        c.session_idle_timeout = 120;
    })
    .await;
    let (mut browser, _) = app.signed_up_browser().await;
    for _ in 0..4 {
        app.clock.advance(70);
        assert_eq!(
            browser.post_empty("/api/auth/refresh").await.status,
            StatusCode::OK,
            "active use keeps it alive"
        );
    }
    app.clock.advance(30);
    let refresh = browser.post_empty("/api/auth/refresh").await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh.json["error"], "session_expired");
}

async fn security_activity_lists_the_users_own_events_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let (mut other, _) = app.signed_up_browser().await;
    app.clock.advance(1);
    phone.post_empty("/api/auth/logout").await;
    app.clock.advance(1);
    laptop
        .post(
            "/api/auth/password",
            json!({"currentPassword": PASSWORD, "newPassword": "another passphrase"}),
        )
        .await;

    let list = laptop.get("/api/auth/activity").await.json;
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["password_changed", "sign_out", "sign_in", "sign_up"]
    );
    let others = other.get("/api/auth/activity").await.json;
    assert_eq!(others.as_array().unwrap().len(), 1, "only one's own events");
}

async fn security_activity_comes_in_pages_of_the_newest_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    for _ in 0..3 {
        app.clock.advance(1);
        app.signed_in_browser(&email).await;
    }
    let all = laptop.get("/api/auth/activity").await.json;
    let all = all.as_array().unwrap().clone();
    assert!(all.len() >= 4, "a sign-up and three sign-ins: {all:?}");

    let two = laptop.get("/api/auth/activity?limit=2").await;
    assert_eq!(two.status, StatusCode::OK, "{}", two.body);
    assert_eq!(two.json.as_array().unwrap(), &all[..2], "the newest two");
    for bad in ["0", "201", "-1", "two"] {
        let res = laptop.get(&format!("/api/auth/activity?limit={bad}")).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "limit={bad}: {}",
            res.body
        );
        assert_eq!(res.json["error"], "invalid_input");
    }

    // The profile's server function says whether a "Show more" has anything to show.
    let page = laptop.get("/api/account/activity?shown=2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.json["entries"].as_array().unwrap(), &all[..2]);
    assert_eq!(page.json["more"], true);
    let whole = laptop
        .get(&format!("/api/account/activity?shown={}", all.len()))
        .await
        .json;
    assert_eq!(whole["entries"].as_array().unwrap(), &all[..]);
    assert_eq!(whole["more"], false);
}

async fn purge_deletes_what_can_no_longer_matter(backend: Backend) {
    use backend::purge::{purge_expired, ENDED_SESSION_RETENTION_SECS, RETENTION_SECS};
    let app = spawn_app(backend).await;
    let (mut gone, email) = app.signed_up_browser().await;
    let mut kept = app.signed_in_browser(&email).await;
    gone.post_empty("/api/auth/logout").await;

    let count = |table: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("sessions").await, 2);
    let now = app.clock.now();
    let soon = purge_expired(&app.db, now).await.unwrap();
    assert_eq!(soon.sessions, 0, "ended sessions are kept for a while");
    assert_eq!(
        soon.refresh_tokens, 1,
        "but a revoked session's refresh tokens go at once"
    );

    let week = purge_expired(&app.db, now + RETENTION_SECS + app.config.access_token_ttl)
        .await
        .unwrap();
    assert_eq!(
        week.sessions, 0,
        "an ended session stays listed under Recently signed out for 30 days"
    );
    assert!(week.revocation_events >= 1, "expired revocation events go");
    let later = purge_expired(
        &app.db,
        now + ENDED_SESSION_RETENTION_SECS + app.config.access_token_ttl,
    )
    .await
    .unwrap();
    assert_eq!(
        later.sessions, 1,
        "the signed-out session, not the live one"
    );
    assert_eq!(count("sessions").await, 1);
    assert_eq!(kept.me().await.status, StatusCode::OK);
}
