//! The web client's door: the auth server functions, called as the WASM client calls them
//! and as a plain HTML form post (no JavaScript), answer like the JSON API they forward to.

use reqwest::StatusCode;

use crate::harness::{
    spawn_app, unique_email, Backend, Browser, Caller, Reply, ACCESS_COOKIE, PASSWORD,
    REFRESH_COOKIE,
};
use crate::on_both_databases;

on_both_databases!(
    a_plain_sign_out_lands_home_with_a_notice_and_ends_the_session,
    the_server_function_sign_in_answers_like_the_api,
    a_plain_sign_in_with_a_wrong_password_comes_back_to_the_form_with_the_email,
    a_plain_sign_out_everywhere_lands_on_sign_in_and_ends_every_session,
    a_limited_server_function_says_when_to_try_again,
    a_cross_site_form_cannot_sign_anyone_out,
    a_revoke_names_the_device_it_signed_out_with_and_without_javascript,
);

/// The sign-in form, submitted by `caller`.
async fn sign_in(browser: &mut Browser, caller: Caller, email: &str, password: &str) -> Reply {
    let fields = [("email", email), ("password", password)];
    browser
        .submit(caller, "/api/auth/web/sign-in", &fields, "/login")
        .await
}

async fn a_plain_sign_out_lands_home_with_a_notice_and_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let before = browser.snapshot();

    let res = browser
        .submit(Caller::PlainForm, "/api/auth/web/logout", &[], "/dashboard")
        .await;

    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), Some("/"));
    assert_eq!(
        res.header("clear-site-data"),
        Some("\"cache\", \"storage\"")
    );
    for name in ["access_token", "refresh_token"] {
        let cleared = res.set_cookie(name).expect("the cookie is cleared");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }
    assert!(res
        .set_cookie("flash")
        .is_some_and(|c| c.starts_with("flash=signed_out;") && c.contains("HttpOnly")));

    // The next page shows the notice once, and clears it.
    let home = browser.get("/").await;
    assert!(
        home.body.contains("You have been signed out"),
        "{}",
        home.body
    );
    assert!(home
        .set_cookie("flash")
        .is_some_and(|c| c.contains("Max-Age=0")));
    assert!(!browser
        .get("/")
        .await
        .body
        .contains("You have been signed out"));

    // The session is over on the server, not only forgotten by this browser.
    browser.restore(before);
    assert_eq!(browser.me().await.status, StatusCode::UNAUTHORIZED);
    let refreshed = browser.post_empty("/api/auth/refresh").await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
}

async fn the_server_function_sign_in_answers_like_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut first, email) = app.signed_up_browser().await;
    first.post_empty("/api/auth/logout").await;

    let mut browser = app.browser();
    let wrong = sign_in(&mut browser, Caller::WasmClient, &email, "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    assert_eq!(wrong.json["error"], "invalid_credentials");
    assert_eq!(wrong.header("location"), None);

    let right = sign_in(&mut browser, Caller::WasmClient, &email, PASSWORD).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert_eq!(right.json["user"]["email"], email.as_str());
    // The same cookies, with the same attributes, as the JSON API sets.
    let access = right.set_cookie("access_token").expect("access cookie");
    assert!(
        access.contains("HttpOnly")
            && access.contains("SameSite=Lax")
            && access.contains("Path=/;")
    );
    let refresh = right.set_cookie("refresh_token").expect("refresh cookie");
    assert!(refresh.contains("SameSite=Strict") && refresh.contains("Path=/api/auth"));
    assert_eq!(browser.me().await.status, StatusCode::OK);
}

async fn a_plain_sign_in_with_a_wrong_password_comes_back_to_the_form_with_the_email(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let email = unique_email();
    let mut browser = app.browser();
    let res = sign_in(&mut browser, Caller::PlainForm, &email, "not the password").await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    let location = res.header("location").expect("back to the form").to_owned();
    assert!(
        location.contains("/login?") && location.contains("__err="),
        "{location}"
    );
    assert!(res.set_cookie("access_token").is_none());

    let path = location
        .split_once("/login")
        .map(|(_, q)| format!("/login{q}"))
        .unwrap();
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Wrong email or password"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("value=\"{email}\"")),
        "the email is kept"
    );
    assert!(
        !page.body.contains("not the password"),
        "the password is never kept"
    );
}

async fn a_plain_sign_out_everywhere_lands_on_sign_in_and_ends_every_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;

    let res = laptop
        .submit(
            Caller::PlainForm,
            "/api/auth/web/logout-all",
            &[("keep_current", "false")],
            "/profile?confirm=sign-out-everywhere",
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), Some("/login"));
    assert!(res
        .set_cookie("flash")
        .is_some_and(|c| c.starts_with("flash=signed_out_everywhere;")));
    assert_eq!(laptop.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
}

async fn a_limited_server_function_says_when_to_try_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = unique_email();
    let mut browser = app.browser();
    let mut limited = None;
    for _ in 0..40 {
        let res = sign_in(&mut browser, Caller::WasmClient, &email, "not the password").await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    }
    let limited = limited.expect("failed sign-ins are limited");
    assert_eq!(limited.json["error"], "rate_limited");
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry_after > 0);
    assert_eq!(limited.json["retryAfter"], retry_after);
}

async fn a_cross_site_form_cannot_sign_anyone_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let (browser, _) = app.signed_up_browser().await;
    let cookies = [ACCESS_COOKIE, REFRESH_COOKIE]
        .iter()
        .filter_map(|name| browser.cookie(name).map(|v| format!("{name}={v}")))
        .collect::<Vec<_>>()
        .join("; ");
    let forged = reqwest::Client::new()
        .post(app.url("/api/auth/web/logout"))
        .header("origin", "https://evil.example")
        .header("accept", "text/html")
        .header("cookie", cookies)
        .form(&[("x", "1")])
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let mut browser = browser;
    assert_eq!(browser.me().await.status, StatusCode::OK, "still signed in");
}

async fn a_revoke_names_the_device_it_signed_out_with_and_without_javascript(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let mut phone = app.signed_in_browser(&email).await;
    let mut tablet = app.signed_in_browser(&email).await;
    let (phone_id, tablet_id) = (phone.session_id().await, tablet.session_id().await);
    let list = laptop.get("/api/auth/sessions").await.json;
    let label_of = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .and_then(|s| s["device"].as_str())
            .expect("listed")
            .to_owned()
    };
    let (phone_label, tablet_label) = (label_of(&phone_id), label_of(&tablet_id));

    let res = laptop
        .submit(
            Caller::WasmClient,
            "/api/auth/web/revoke-session",
            &[("session_id", &phone_id)],
            "/profile",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        res.json["message"],
        format!("{phone_label} has been signed out")
    );
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);

    let res = laptop
        .submit(
            Caller::PlainForm,
            "/api/auth/web/revoke-session",
            &[("session_id", &tablet_id)],
            &format!("/profile?confirm=revoke:{tablet_id}"),
        )
        .await;
    assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
    assert_eq!(res.header("location"), Some("/profile"));
    assert!(
        res.set_cookie("flash_device").is_some(),
        "the device is named"
    );
    assert_eq!(tablet.me().await.status, StatusCode::UNAUTHORIZED);
    // The next page says which device, once.
    let page = laptop.get("/profile").await;
    assert!(
        page.body
            .contains(&format!("{tablet_label} has been signed out")),
        "{}",
        page.body
    );
    let again = laptop.get("/profile").await;
    assert!(!again.body.contains("has been signed out"));
}
