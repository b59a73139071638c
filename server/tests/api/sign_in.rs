//! Registration and sign-in over the web API: cookies set exactly as designed.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, unique_email, Backend, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    register_sets_both_cookies_with_their_exact_attributes,
    register_refuses_a_taken_email_an_invalid_email_and_a_short_password,
    login_gives_a_new_session_each_time,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    me_returns_the_signed_in_user_and_401_without_a_token,
);

async fn register_sets_both_cookies_with_their_exact_attributes(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut browser = app.browser();
    let email = unique_email();
    let res = browser
        .post(
            "/api/auth/register",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;

    assert_eq!(res.status, StatusCode::CREATED);
    let access = res.set_cookie("access_token").expect("access cookie set");
    assert!(
        access.contains("HttpOnly") && access.contains("Secure") && access.contains("SameSite=Lax"),
        "{access}"
    );
    assert!(
        access.contains("Path=/;") || access.ends_with("Path=/"),
        "{access}"
    );
    assert!(
        access.contains(&format!("Max-Age={}", app.config.access_token_ttl)),
        "{access}"
    );
    let refresh = res.set_cookie("refresh_token").expect("refresh cookie set");
    assert!(
        refresh.contains("HttpOnly")
            && refresh.contains("Secure")
            && refresh.contains("SameSite=Strict"),
        "{refresh}"
    );
    assert!(refresh.contains("Path=/api/auth"), "{refresh}");
    assert!(
        refresh.contains(&format!("Max-Age={}", app.config.refresh_token_ttl)),
        "{refresh}"
    );
    // Web clients never see a token in a body.
    assert!(!res.body.contains(&browser.cookie("access_token").unwrap()));
    assert!(!res.body.contains(&browser.cookie("refresh_token").unwrap()));
    assert_eq!(res.json["user"]["email"], email.as_str());
    assert_eq!(res.header("cache-control"), Some("no-store"));
}

async fn register_refuses_a_taken_email_an_invalid_email_and_a_short_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;

    let again = app
        .browser()
        .post(
            "/api/auth/register",
            json!({"email": email.to_uppercase(), "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json["error"], "email_taken");

    let invalid = app
        .browser()
        .post(
            "/api/auth/register",
            json!({"email": "not-an-email", "password": PASSWORD}),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid.json["error"], "invalid_input");

    let short = app
        .browser()
        .post(
            "/api/auth/register",
            json!({"email": unique_email(), "password": "short"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.json["message"]
        .as_str()
        .unwrap()
        .contains("at least 8"));
    assert!(short.set_cookies().is_empty());
}

async fn login_gives_a_new_session_each_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut first, email) = app.signed_up_browser().await;
    let mut second = app.signed_in_browser(&email).await;
    let a = first.session_id().await;
    let b = second.session_id().await;
    assert_ne!(a, b, "every sign-in starts a new session id");
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let wrong = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": email, "password": "wrong password"}),
        )
        .await;
    let unknown = app
        .browser()
        .post(
            "/api/auth/login",
            json!({"email": unique_email(), "password": PASSWORD}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body, "no account oracle");
    assert!(wrong.set_cookies().is_empty());
}

async fn me_returns_the_signed_in_user_and_401_without_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let me = browser.me().await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["user"]["email"], email.as_str());
    assert_eq!(me.header("cache-control"), Some("no-store"));

    let anonymous = app.browser().me().await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.json["error"], "unauthenticated");
}
