//! Signing out one device: the session and the presented access token die at once.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, Backend, StoredCookie, ACCESS_COOKIE, REFRESH_COOKIE};
use crate::on_both_databases;

on_both_databases!(
    logout_clears_both_cookies_with_the_same_path_and_attributes,
    replayed_access_token_is_refused_right_after_logout,
    replayed_refresh_cookie_is_refused_after_logout,
    logout_is_idempotent_and_answers_200_whatever_is_presented,
    logout_with_only_the_refresh_token_in_the_body_ends_that_session,
    logout_of_one_device_leaves_the_others_signed_in,
    logout_writes_an_audit_event_without_any_token,
    a_pending_client_sign_out_disables_the_cookies_until_it_reaches_the_server,
    signing_in_again_finishes_a_pending_sign_out,
);

async fn logout_clears_both_cookies_with_the_same_path_and_attributes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let res = browser.post_empty("/api/auth/logout").await;

    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json["success"], true);
    assert!(res.json["message"].is_string() && res.json["timestamp"].is_i64());
    let access = res
        .set_cookie("access_token")
        .expect("access cookie cleared");
    let refresh = res
        .set_cookie("refresh_token")
        .expect("refresh cookie cleared");
    for (cookie, path, same_site) in [
        (&access, "Path=/;", "SameSite=Lax"),
        (&refresh, "Path=/api/auth;", "SameSite=Strict"),
    ] {
        assert!(cookie.contains("Max-Age=0"), "{cookie}");
        assert!(cookie.contains("Expires="), "{cookie}");
        assert!(cookie.contains(path), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains(same_site),
            "{cookie}"
        );
    }
    assert!(
        access.starts_with(&format!("{ACCESS_COOKIE}=;"))
            && refresh.starts_with(&format!("{REFRESH_COOKIE}=;"))
    );
    assert_eq!(
        res.header("clear-site-data"),
        Some("\"cache\", \"storage\"")
    );
    assert!(
        browser.jar.is_empty(),
        "a browser drops both cookies: {:?}",
        browser.jar
    );
}

async fn replayed_access_token_is_refused_right_after_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let stolen = browser.snapshot();
    assert_eq!(browser.me().await.status, StatusCode::OK);

    browser.post_empty("/api/auth/logout").await;
    browser.restore(stolen.clone());
    assert_eq!(
        browser.me().await.status,
        StatusCode::UNAUTHORIZED,
        "cookie replay"
    );
    let access = stolen[ACCESS_COOKIE].value.clone();
    assert_eq!(
        app.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED,
        "bearer replay"
    );
}

async fn replayed_refresh_cookie_is_refused_after_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let stolen = browser.snapshot();
    browser.post_empty("/api/auth/logout").await;

    browser.restore(stolen);
    let res = browser.post_empty("/api/auth/refresh").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res
        .set_cookie("access_token")
        .is_some_and(|c| c.contains("Max-Age=0")));
    assert!(
        browser.jar.is_empty(),
        "a refused refresh clears the cookies"
    );
}

async fn logout_is_idempotent_and_answers_200_whatever_is_presented(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let stolen = browser.snapshot();
    assert_eq!(
        browser.post_empty("/api/auth/logout").await.status,
        StatusCode::OK
    );
    // Again with the already-revoked tokens.
    browser.restore(stolen);
    let again = browser.post_empty("/api/auth/logout").await;
    assert_eq!(again.status, StatusCode::OK);
    // Nothing at all, an unknown refresh token, a garbage bearer.
    let nothing = app.post_anonymous("/api/auth/logout", &[], None).await;
    let unknown = app
        .post_anonymous(
            "/api/auth/logout",
            &[],
            Some(json!({"refreshToken": "no-such-token"})),
        )
        .await;
    let garbage = app
        .post_anonymous(
            "/api/auth/logout",
            &[("authorization", "Bearer nonsense".into())],
            None,
        )
        .await;
    for res in [&again, &nothing, &unknown, &garbage] {
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json["success"], true);
        assert_eq!(
            res.json["message"], again.json["message"],
            "no oracle in the message"
        );
    }
}

async fn logout_with_only_the_refresh_token_in_the_body_ends_that_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, refresh) = app.api_tokens(&email).await;
    let res = app
        .post_anonymous(
            "/api/auth/logout",
            &[],
            Some(json!({"refreshToken": refresh})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        app.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED,
        "the session's access token died with it"
    );
}

async fn logout_of_one_device_leaves_the_others_signed_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    laptop.post_empty("/api/auth/logout").await;
    assert_eq!(phone.me().await.status, StatusCode::OK);
    assert_eq!(
        phone.post_empty("/api/auth/refresh").await.status,
        StatusCode::OK
    );
}

async fn logout_writes_an_audit_event_without_any_token(backend: Backend) {
    use sqlx::Row;
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let tokens = browser.snapshot();
    browser.post_empty("/api/auth/logout").await;

    let rows = sqlx::query("SELECT kind, COALESCE(detail, '') AS detail, COALESCE(user_agent, '') AS ua FROM audit_events")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let kinds: Vec<String> = rows.iter().map(|r| r.get::<String, _>("kind")).collect();
    assert!(
        kinds.contains(&"sign_up".to_owned()) && kinds.contains(&"sign_out".to_owned()),
        "{kinds:?}"
    );
    for row in &rows {
        let text = format!(
            "{}{}",
            row.get::<String, _>("detail"),
            row.get::<String, _>("ua")
        );
        for cookie in tokens.values() {
            assert!(!text.contains(&cookie.value), "an audit row holds a token");
        }
    }
}

async fn a_pending_client_sign_out_disables_the_cookies_until_it_reaches_the_server(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let tokens = browser.snapshot();
    // What the web client sets when its sign-out request could not reach the server.
    let pending = StoredCookie {
        value: "1".into(),
        path: "/".into(),
    };
    browser.jar.insert("signout_pending".into(), pending);

    assert_eq!(browser.me().await.status, StatusCode::UNAUTHORIZED);
    assert!(
        !browser.get("/").await.body.contains(&email),
        "the first HTML is signed out"
    );
    let refresh = browser.post_empty("/api/auth/refresh").await;
    assert_eq!(
        refresh.status,
        StatusCode::UNAUTHORIZED,
        "no signing back in through the refresh cookie"
    );

    // The retried sign-out reaches the server: it revokes, and clears the marker too.
    browser.restore(tokens.clone());
    browser.jar.insert(
        "signout_pending".into(),
        StoredCookie {
            value: "1".into(),
            path: "/".into(),
        },
    );
    let out = browser.post_empty("/api/auth/logout").await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out
        .set_cookie("signout_pending")
        .is_some_and(|c| c.contains("Max-Age=0") && c.contains("Path=/")));
    assert!(browser.jar.is_empty(), "{:?}", browser.jar);
    browser.restore(tokens);
    assert_eq!(
        browser.me().await.status,
        StatusCode::UNAUTHORIZED,
        "revoked for real now"
    );
}

async fn signing_in_again_finishes_a_pending_sign_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let old = browser.snapshot();
    browser.jar.insert(
        "signout_pending".into(),
        StoredCookie {
            value: "1".into(),
            path: "/".into(),
        },
    );

    let res = browser
        .post(
            "/api/auth/login",
            serde_json::json!({"email": email, "password": crate::harness::PASSWORD}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.set_cookie("signout_pending")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "marker dropped"
    );
    assert!(
        res.set_cookie("access_token")
            .is_some_and(|c| !c.contains("Max-Age=0")),
        "new cookies kept"
    );
    assert_eq!(
        browser.me().await.status,
        StatusCode::OK,
        "the new session works"
    );
    browser.restore(old);
    assert_eq!(
        browser.me().await.status,
        StatusCode::UNAUTHORIZED,
        "the old session was ended"
    );
}
