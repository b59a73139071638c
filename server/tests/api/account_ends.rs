//! When an account ends, its sessions end: deleting it, an administrator disabling it or
//! ending its sessions, the session cap; and re-authentication for what a stolen session
//! must not do. Each across two processes where it matters.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{
    no_rate_limits, spawn_app, spawn_app_with, spawn_on, unique_email, Backend, Browser, Caller,
    TestApp, PASSWORD,
};
use crate::on_both_databases;

on_both_databases!(
    deleting_the_account_ends_every_token_on_another_process,
    a_deleted_account_can_keep_its_published_posts_as_a_former_member,
    a_wrong_password_deletes_nothing,
    non_administrators_find_no_admin_api,
    an_administrator_ends_a_users_sessions_on_another_process,
    a_disabled_account_is_refused_everywhere_until_enabled,
    ending_every_session_of_every_user_needs_the_typed_confirmation,
    the_session_cap_holds_under_concurrent_sign_ins,
    a_stale_password_is_refused_for_each_guarded_action_until_reauthenticated,
    signing_out_is_never_refused_for_a_stale_password,
);

/// Saves a private draft; returns its id.
async fn draft(browser: &mut Browser, title: &str) -> String {
    let saved = browser
        .post(
            "/api/posts/drafts",
            json!({"title": title, "body": "Words"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    saved.json.as_str().expect("the draft's id").to_owned()
}

/// Makes the account an administrator, as `server admin grant EMAIL` does.
async fn make_admin(app: &TestApp, email: &str) {
    let granted = backend::admin::set_admin(&app.state, email, true).await;
    assert!(matches!(granted, Ok(true)), "{granted:?}");
}

async fn deleting_the_account_ends_every_token_on_another_process(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (mut browser, email) = first.signed_up_browser().await;
    let (access, refresh) = first.api_tokens(&email).await;
    let web_access = browser.cookie("access_token").unwrap();
    let user_id = first.user_id(&email).await;
    assert_eq!(second.me_with_bearer(&access).await.status, StatusCode::OK);
    draft(&mut browser, "Mine").await;

    let res = browser
        .post(
            "/api/auth/account/delete",
            json!({"currentPassword": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 2);
    assert!(
        browser.cookie("access_token").is_none(),
        "the browser is signed out"
    );
    assert!(res.header("clear-site-data").is_some());

    // Within a second on the other process (the tests' poll interval is one second).
    let started = std::time::Instant::now();
    second.wait_until_refused(&access).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
    assert_eq!(
        second.me_with_bearer(&web_access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refreshed = second.refresh_with_api(&refresh).await;
    assert_eq!(
        refreshed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refreshed.body
    );
    assert_eq!(refreshed.json["error"], "invalid_grant");
    let signed_in = second.sign_in_with(&email, PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::UNAUTHORIZED);

    // Nothing of the person stays but the id: no email, no posts; the audit keeps the
    // event by id.
    let kept = first
        .count(
            "SELECT COUNT(*) FROM users WHERE id = $1 AND email LIKE '%@%'",
            &user_id,
        )
        .await;
    assert_eq!(kept, 0);
    let posts = first
        .count("SELECT COUNT(*) FROM posts WHERE author_id = $1", &user_id)
        .await;
    assert_eq!(posts, 0);
    let audited = first
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE user_id = $1 AND kind = 'account_deleted'",
            &user_id,
        )
        .await;
    assert_eq!(audited, 1);

    // The email can register again, as a new account.
    let mut again = second.browser();
    let res = again
        .post(
            "/api/auth/register",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_ne!(res.json["user"]["id"], user_id.as_str());
}

async fn a_deleted_account_can_keep_its_published_posts_as_a_former_member(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;
    let id = draft(&mut browser, "Published").await;
    draft(&mut browser, "Draft").await;
    let res = browser.post("/api/posts/publish", json!({"id": id})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // The plain form of the profile page, without JavaScript.
    let res = browser
        .submit(
            Caller::PlainForm,
            "/api/auth/web/delete-account",
            &[
                ("current_password", PASSWORD),
                ("keep_published_posts", "on"),
            ],
            "/profile",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), Some("/"));
    assert!(browser.cookie("access_token").is_none());

    let left = app
        .count("SELECT COUNT(*) FROM posts WHERE author_id = $1", &user_id)
        .await;
    assert_eq!(left, 1, "the draft went, the published post stayed");
    let public = app.browser().get("/api/posts/published").await;
    let kept = public
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == "Published")
        .expect("the published post is still public")
        .clone();
    assert_eq!(kept["author_name"], "Former member");
}

async fn a_wrong_password_deletes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let res = browser
        .post(
            "/api/auth/account/delete",
            json!({"currentPassword": "not the password"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json["error"], "wrong_password");
    assert_eq!(browser.me().await.status, StatusCode::OK);
    assert_eq!(
        app.sign_in_with(&email, PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn non_administrators_find_no_admin_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let id = app.user_id(&email).await;
    let reads = [
        "/api/admin/users?email=".to_owned(),
        format!("/api/admin/users/{id}/sessions"),
    ];
    for path in &reads {
        let res = browser.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    let writes = [
        format!("/api/admin/users/{id}/sessions/revoke"),
        format!("/api/admin/users/{id}/disable"),
        format!("/api/admin/users/{id}/enable"),
        "/api/admin/sessions/revoke-all".to_owned(),
    ];
    for path in &writes {
        let res = browser
            .post(path, json!({"confirm": "end every session"}))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    // Whatever the body: nothing of the request is read before the answer is "not found".
    let access = browser.cookie("access_token").unwrap();
    let garbage = reqwest::Client::new()
        .post(app.url("/api/admin/sessions/revoke-all"))
        .bearer_auth(&access)
        .header("content-type", "text/plain")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::NOT_FOUND);
    let res = browser.get("/api/admin/users?email=%ZZ&email=a").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    // Nothing ended.
    assert_eq!(browser.me().await.status, StatusCode::OK);
    // Signed out: 401, as everywhere.
    let res = app.browser().get("/api/admin/users?email=").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

/// An administrator signed in on `app`, and a user with a browser and API tokens.
async fn admin_and_user(app: &TestApp) -> (Browser, Browser, String, (String, String)) {
    let (admin, admin_email) = app.signed_up_browser().await;
    make_admin(app, &admin_email).await;
    let (user, email) = app.signed_up_browser().await;
    let tokens = app.api_tokens(&email).await;
    (admin, user, email, tokens)
}

async fn an_administrator_ends_a_users_sessions_on_another_process(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (mut admin, mut user, email, (access, _)) = admin_and_user(&first).await;
    let id = first.user_id(&email).await;

    let found = admin
        .get(&format!("/api/admin/users?email={}", &email))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let users = found.json["users"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{}", found.body);
    assert_eq!(users[0]["id"], id.as_str());
    assert_eq!(users[0]["activeSessions"], 2);
    let sessions = admin.get(&format!("/api/admin/users/{id}/sessions")).await;
    assert_eq!(sessions.status, StatusCode::OK, "{}", sessions.body);
    assert_eq!(sessions.json["sessions"].as_array().unwrap().len(), 2);

    let res = admin
        .post(&format!("/api/admin/users/{id}/sessions/revoke"), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 2);
    second.wait_until_refused(&access).await;
    let web_access = user.cookie("access_token").unwrap();
    assert_eq!(
        second.me_with_bearer(&web_access).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(user.me().await.status, StatusCode::UNAUTHORIZED);
    // The administrator is still signed in, and the act is audited with who did it.
    assert_eq!(admin.me().await.status, StatusCode::OK);
    let admin_id = admin.me().await.json["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE user_id = $1 AND kind = 'admin_ended_sessions'",
    )
    .bind(&id)
    .fetch_one(&first.db)
    .await
    .unwrap();
    assert!(detail.contains(&admin_id), "{detail}");
    // The user's own activity does not show where the administrator was.
    let seen_from: Option<String> = sqlx::query_scalar(
        "SELECT ip FROM audit_events WHERE user_id = $1 AND kind = 'admin_ended_sessions'",
    )
    .bind(&id)
    .fetch_one(&first.db)
    .await
    .unwrap();
    assert_eq!(seen_from, None);
    // The act is in the administrator's own record too, naming the account.
    let act: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE user_id = $1 AND kind = 'administered_account'",
    )
    .bind(&admin_id)
    .fetch_one(&first.db)
    .await
    .unwrap();
    assert!(act.contains(&id), "{act}");
    // An unknown user is not found.
    let res = admin
        .post("/api/admin/users/no-such-user/sessions/revoke", json!({}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

async fn a_disabled_account_is_refused_everywhere_until_enabled(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (mut admin, user, email, (access, refresh)) = admin_and_user(&first).await;
    let id = first.user_id(&email).await;
    let user_refresh = user.cookie("refresh_token").unwrap();

    let res = admin
        .post(&format!("/api/admin/users/{id}/disable"), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 2);
    second.wait_until_refused(&access).await;

    let signed_in = second.sign_in_with(&email, PASSWORD).await;
    assert_eq!(
        signed_in.status,
        StatusCode::FORBIDDEN,
        "{}",
        signed_in.body
    );
    assert_eq!(signed_in.json["error"], "account_disabled");
    // A wrong password is not told that the account is disabled.
    let wrong = second.sign_in_with(&email, "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let refreshed = second.refresh_with_cookie(&user_refresh).await;
    assert_eq!(
        refreshed.status,
        StatusCode::FORBIDDEN,
        "{}",
        refreshed.body
    );
    assert_eq!(refreshed.json["error"], "account_disabled");
    let api_refresh = second.refresh_with_api(&refresh).await;
    assert_eq!(
        api_refresh.status,
        StatusCode::FORBIDDEN,
        "{}",
        api_refresh.body
    );
    assert_eq!(api_refresh.json["error"], "account_disabled");
    let api_password = second
        .post_anonymous(
            "/api/auth/token",
            &[],
            Some(json!({"grant_type": "password", "email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        api_password.status,
        StatusCode::FORBIDDEN,
        "{}",
        api_password.body
    );
    assert_eq!(api_password.json["error"], "account_disabled");

    let res = admin
        .post(&format!("/api/admin/users/{id}/enable"), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        second.sign_in_with(&email, PASSWORD).await.status,
        StatusCode::OK
    );
    // What ended stays ended.
    assert_eq!(
        second.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn ending_every_session_of_every_user_needs_the_typed_confirmation(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (mut admin, _user, _email, (access, _)) = admin_and_user(&first).await;
    let (_other, other_email) = first.signed_up_browser().await;
    let (other_access, _) = first.api_tokens(&other_email).await;

    for confirm in ["", "end every sessions", "yes"] {
        let res = admin
            .post(
                "/api/admin/sessions/revoke-all",
                json!({"confirm": confirm}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{confirm:?}: {}",
            res.body
        );
    }
    assert_eq!(second.me_with_bearer(&access).await.status, StatusCode::OK);

    let res = admin
        .post(
            "/api/admin/sessions/revoke-all",
            json!({"confirm": "end every session"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json["revoked"].as_u64().unwrap() >= 5, "{}", res.body);
    second.wait_until_refused(&access).await;
    second.wait_until_refused(&other_access).await;
    // The administrator's own session ended too, and this browser is cleared.
    assert!(admin.cookie("access_token").is_none());
    let live = first
        .count(
            "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND $1 = $1",
            "x",
        )
        .await;
    assert_eq!(live, 0);
}

async fn the_session_cap_holds_under_concurrent_sign_ins(backend: Backend) {
    const CAP: u32 = 5;
    let app = spawn_app_with(backend, |config| {
        no_rate_limits(config);
        config.max_sessions_per_user = Some(CAP);
    })
    .await;
    let (_browser, email) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;
    let (oldest, _) = app.api_tokens(&email).await;
    let channel = crate::push_reasons::open_channel(&app, &oldest).await;
    // Newer activity for every other session than `oldest`'s.
    app.clock.advance(1);

    // Fifty sign-ins at once, each in a task of its own. A 503 says "try again in a
    // moment" and commits nothing, and a client does try again: with the whole suite
    // running on two cores, a debug build's fifty sign-ins sometimes wait more than the
    // pool's 3 s for SQLite's five connections. Each is tried again a few times, and the
    // counts below still hold every one to a single session.
    let mut sign_ins = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (url, email) = (app.url("/api/auth/login"), email.clone());
        sign_ins.spawn(async move {
            let body = json!({"email": email, "password": PASSWORD});
            let mut status = StatusCode::BAD_GATEWAY;
            for _attempt in 0..5 {
                let res = reqwest::Client::new().post(&url).json(&body).send().await;
                status = res.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY);
                if status != StatusCode::SERVICE_UNAVAILABLE {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            status
        });
    }
    let statuses: Vec<StatusCode> = sign_ins.join_all().await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );

    let live = app
        .count(
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL",
            &user_id,
        )
        .await;
    assert_eq!(live, i64::from(CAP));
    let ended = app
        .count(
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND revoked_reason = 'session_limit'",
            &user_id,
        )
        .await;
    assert_eq!(ended, 52 - i64::from(CAP));
    // The least recently active went first, and its holder is told why at once.
    assert_eq!(
        crate::push_reasons::reason_told(channel).await,
        "session_limit"
    );
    assert_eq!(
        app.me_with_bearer(&oldest).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Each guarded action, as (path, body) for the JSON API.
fn guarded_actions(other_session: &str, admin_target: &str) -> Vec<(String, serde_json::Value)> {
    // Those that end the other device first: a password change would end it too.
    vec![
        (
            "/api/auth/sessions/revoke".into(),
            json!({"sessionId": other_session}),
        ),
        ("/api/auth/logout-all".into(), json!({"keepCurrent": true})),
        (
            "/api/auth/password".into(),
            json!({"currentPassword": PASSWORD, "newPassword": "another long passphrase"}),
        ),
        (
            "/api/auth/email".into(),
            json!({"currentPassword": "another long passphrase", "newEmail": unique_email()}),
        ),
        (
            format!("/api/admin/users/{admin_target}/sessions/revoke"),
            json!({}),
        ),
        (
            format!("/api/admin/users/{admin_target}/disable"),
            json!({}),
        ),
        (format!("/api/admin/users/{admin_target}/enable"), json!({})),
        (
            "/api/auth/account/delete".into(),
            json!({"currentPassword": "another long passphrase"}),
        ),
    ]
}

async fn a_stale_password_is_refused_for_each_guarded_action_until_reauthenticated(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    make_admin(&app, &email).await;
    let (target, target_email) = app.signed_up_browser().await;
    drop(target);
    let target_id = app.user_id(&target_email).await;

    let window = app.config.reauth_window;
    app.clock.advance(window + 1);
    // A second device signed in now, the one to revoke; its own password is fresh.
    let mut other = app.signed_in_browser(&email).await;
    let other_session = other.session_id().await;

    let actions = guarded_actions(&other_session, &target_id);
    for (path, body) in &actions {
        let res = browser.post(path, body.clone()).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
        assert_eq!(res.json["error"], "reauthentication_required", "{path}");
        assert_eq!(
            res.header("www-authenticate"),
            Some(
                format!("Bearer error=\"insufficient_user_authentication\", max_age={window}")
                    .as_str()
            ),
            "{path}"
        );
    }
    // The server-function door says the same.
    let res = browser
        .submit(
            Caller::WasmClient,
            "/api/auth/web/logout-all",
            &[("keep_current", "true")],
            "/profile",
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(res.json["error"], "reauthentication_required");
    // A plain form is sent to the page that asks for the password, then back.
    let res = browser
        .submit(
            Caller::PlainForm,
            "/api/auth/web/logout-all",
            &[("keep_current", "true")],
            "/profile",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(
        res.header("location"),
        Some("/reauthenticate?then=/profile")
    );
    assert_eq!(other.me().await.status, StatusCode::OK, "nothing was done");

    let wrong = browser
        .post("/api/auth/reauthenticate", json!({"password": "not it"}))
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.json["error"], "wrong_password");
    let res = browser
        .submit(
            Caller::PlainForm,
            "/api/auth/web/reauthenticate",
            &[("password", PASSWORD), ("then", "/admin")],
            "/reauthenticate",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), Some("/admin"));

    for (path, body) in &actions {
        let res = browser.post(path, body.clone()).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    }
    // The window runs out again.
    app.clock.advance(window + 1);
    let (mut late, late_email) = app.signed_up_browser().await;
    app.clock.advance(window + 1);
    let res = late
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = late
        .post("/api/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["maxAge"], window);
    let res = late
        .post("/api/auth/logout-all", json!({"keepCurrent": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let _ = late_email;
}

async fn signing_out_is_never_refused_for_a_stale_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut here, email) = app.signed_up_browser().await;
    let mut own = app.signed_in_browser(&email).await;
    let mut concern = app.signed_in_browser(&email).await;
    let own_session = own.session_id().await;
    // Stale, while the access tokens (15 minutes) still work.
    app.clock.advance(app.config.reauth_window + 1);

    let res = own
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": own_session}),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "revoking this very session: {}",
        res.body
    );
    let res = here.post_empty("/api/auth/logout").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = concern.post_empty("/api/auth/report-concern").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // (The concern ended the last one; a new one, grown stale, signs out everywhere.)
    app.clock.advance(1);
    let mut everywhere2 = app.signed_in_browser(&email).await;
    app.clock.advance(app.config.reauth_window + 1);
    let res = everywhere2
        .post("/api/auth/logout-all", json!({"keepCurrent": false}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(everywhere2.cookie("access_token").is_none());
    let live = app
        .count(
            "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND $1 = $1",
            "x",
        )
        .await;
    assert_eq!(live, 0);
}
