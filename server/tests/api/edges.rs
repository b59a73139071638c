//! The edges of sign-out, as an attacker or an unlucky user would find them: an Origin of
//! another scheme, a JSON body that names a key twice, guessing the introspection secret.

use reqwest::StatusCode;

use crate::harness::{
    basic_auth, read_reply, spawn_app, spawn_app_with, with_introspection, Backend, Browser,
    ACCESS_COOKIE, PASSWORD, REFRESH_COOKIE,
};
use crate::on_both_databases;

on_both_databases!(
    an_https_origin_naming_the_plain_http_server_is_cross_origin,
    a_json_body_that_names_a_key_twice_is_refused_on_every_endpoint,
    guessing_the_introspection_secret_is_limited,
    a_failed_plain_form_post_is_never_redirected_off_this_site,
    every_page_refuses_framing_and_allows_only_its_own_inline_scripts,
    a_sign_out_with_a_planted_cookie_ends_both_sessions,
    two_values_of_one_auth_cookie_are_refused_for_anything_but_a_sign_out,
    cookies_without_the_secure_prefix_count_for_nothing,
    a_planted_refresh_cookie_never_continues_and_its_session_ends,
);

async fn an_https_origin_naming_the_plain_http_server_is_cross_origin(backend: Backend) {
    let app = spawn_app(backend).await;
    let (browser, _) = app.signed_up_browser().await;
    let cookies = format!(
        "{ACCESS_COOKIE}={}; {REFRESH_COOKIE}={}",
        browser.cookie("access_token").unwrap(),
        browser.cookie("refresh_token").unwrap()
    );
    for (origin, expected) in [
        (format!("https://{}", app.addr), StatusCode::FORBIDDEN),
        (format!("http://{}", app.addr), StatusCode::OK),
    ] {
        let res = app
            .post_anonymous(
                "/api/auth/logout",
                &[("origin", origin.clone()), ("cookie", cookies.clone())],
                None,
            )
            .await;
        assert_eq!(res.status, expected, "{origin}: {}", res.body);
    }
}

/// Sends `body` as it is (a `serde_json::Value` cannot name a key twice).
async fn post_raw_json(
    app: &crate::harness::TestApp,
    path: &str,
    body: &str,
) -> crate::harness::Reply {
    let req = reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned());
    read_reply(req).await
}

async fn a_json_body_that_names_a_key_twice_is_refused_on_every_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, refresh) = app.api_tokens(&email).await;
    let cases = [
        (
            "/api/auth/token",
            format!(
                r#"{{"grant_type":"password","email":"nobody@example.com","email":"{email}","password":"{PASSWORD}"}}"#
            ),
        ),
        (
            "/api/auth/revoke",
            format!(r#"{{"token":"{refresh}","token":"bogus"}}"#),
        ),
        (
            "/api/auth/login",
            format!(r#"{{"email":"x","email":"{email}","password":"{PASSWORD}"}}"#),
        ),
        (
            "/api/auth/logout",
            format!(r#"{{"refreshToken":"bogus","refreshToken":"{refresh}"}}"#),
        ),
    ];
    for (path, body) in cases {
        let res = post_raw_json(&app, path, &body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        assert_eq!(res.json["error"], "invalid_request", "{path}: {}", res.body);
    }
    // Nothing was done on the way: the tokens still work.
    assert_eq!(app.me_with_bearer(&access).await.status, StatusCode::OK);
    assert_eq!(
        app.refresh_with_api(&refresh).await.status,
        StatusCode::OK,
        "the refresh token was not revoked"
    );
}

async fn guessing_the_introspection_secret_is_limited(backend: Backend) {
    let app = spawn_app_with(backend, with_introspection).await;
    let (_, email) = app.signed_up_browser().await;
    let (access, _) = app.api_tokens(&email).await;
    let guess = |n: usize| basic_auth("resource-server", &format!("guess-{n:032}"));
    let mut statuses = Vec::new();
    for n in 0..30 {
        let res = app
            .post_form(
                "/api/auth/introspect",
                &[("authorization", guess(n))],
                &[("token", access.as_str())],
            )
            .await;
        statuses.push(res.status);
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.header("retry-after").is_some(), "{}", res.body);
        }
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, 10, "20 guesses answered, then 429: {statuses:?}");
    assert!(statuses[..20]
        .iter()
        .all(|s| *s == StatusCode::UNAUTHORIZED));
}

async fn a_failed_plain_form_post_is_never_redirected_off_this_site(backend: Backend) {
    let app = spawn_app(backend).await;
    let own = format!("http://{}/login", app.addr);
    // A foreign Referer is dropped, and the answer goes to this site's home page.
    for (referer, lands_on) in [
        ("https://evil.example/x".to_owned(), "/"),
        (format!("https://{}/login", app.addr), "/"),
        (own.clone(), own.as_str()),
    ] {
        // No Origin: as a client that leaves it out would send it.
        let req = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(app.url("/api/auth/web/sign-in"))
            .header("accept", "text/html")
            .header("referer", &referer)
            .form(&[("email", "nobody@example.com"), ("password", "wrong")]);
        let res = read_reply(req).await;
        assert_eq!(res.status, StatusCode::FOUND, "{referer}: {}", res.body);
        let location = res.header("location").unwrap_or_default();
        let back_to_the_form = lands_on == own && location.contains("__err=");
        assert!(
            location == lands_on || (back_to_the_form && location.starts_with(lands_on)),
            "{referer}: redirected to {location}"
        );
    }
}

async fn every_page_refuses_framing_and_allows_only_its_own_inline_scripts(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let mut nonces = Vec::new();
    for path in [
        "/",
        "/login",
        "/profile?confirm=sign-out-everywhere",
        "/dashboard",
        "/no-such-page",
    ] {
        let page = browser.get(path).await;
        assert!(
            page.header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{path}"
        );
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            page.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            page.header("referrer-policy"),
            Some("same-origin"),
            "{path}"
        );
        assert!(page.header("strict-transport-security").is_some(), "{path}");
        let policy = page.header("content-security-policy").unwrap_or_default();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {policy}"))
            .to_owned();
        // Every script of the page carries this response's nonce or comes from this site.
        let scripts: Vec<&str> = page.body.split("<script").skip(1).collect();
        assert!(
            !scripts.is_empty(),
            "{path}: the page has its hydration scripts"
        );
        for script in scripts {
            let tag = script.split('>').next().unwrap_or_default();
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: a script without the nonce: <script{tag}>"
            );
        }
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 5, "a new nonce for every answer");
    // The JSON API is not framed either.
    let me = browser.me().await;
    assert_eq!(me.header("x-frame-options"), Some("DENY"));
    assert_eq!(me.header("x-content-type-options"), Some("nosniff"));
}

/// The cookies of two browsers, each cookie named twice: the attacker's first.
fn tossed(attacker: &Browser, victim: &Browser) -> String {
    let value = |b: &Browser, name: &str| b.cookie(name).expect("a signed-in browser");
    format!(
        "{REFRESH_COOKIE}={}; {REFRESH_COOKIE}={}; {ACCESS_COOKIE}={}; {ACCESS_COOKIE}={}",
        value(attacker, "refresh_token"),
        value(victim, "refresh_token"),
        value(attacker, "access_token"),
        value(victim, "access_token"),
    )
}

async fn a_sign_out_with_a_planted_cookie_ends_both_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let (attacker, _) = app.signed_up_browser().await;
    let (victim, _) = app.signed_up_browser().await;
    let res = app
        .post_anonymous(
            "/api/auth/logout",
            &[("cookie", tossed(&attacker, &victim))],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for (who, browser) in [("attacker", &attacker), ("victim", &victim)] {
        let access = browser.cookie("access_token").unwrap();
        let refresh = browser.cookie("refresh_token").unwrap();
        assert_eq!(
            app.me_with_bearer(&access).await.status,
            StatusCode::UNAUTHORIZED,
            "{who}'s access token"
        );
        assert_eq!(
            app.refresh_with_cookie(&refresh).await.status,
            StatusCode::UNAUTHORIZED,
            "{who}'s refresh token"
        );
    }
}

async fn two_values_of_one_auth_cookie_are_refused_for_anything_but_a_sign_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let (attacker, _) = app.signed_up_browser().await;
    let (victim, _) = app.signed_up_browser().await;
    let cookies = tossed(&attacker, &victim);
    for path in ["/api/auth/me", "/api/auth/sessions"] {
        let req = reqwest::Client::new()
            .get(app.url(path))
            .header("cookie", &cookies);
        let res = read_reply(req).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        assert_eq!(res.json["error"], "conflicting_cookies", "{path}");
    }
    let refresh = app
        .post_anonymous("/api/auth/refresh", &[("cookie", cookies.clone())], None)
        .await;
    assert_eq!(refresh.status, StatusCode::BAD_REQUEST, "{}", refresh.body);
    assert_eq!(refresh.json["error"], "conflicting_cookies");
    assert!(
        refresh
            .set_cookie("refresh_token")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "the cookies are cleared"
    );
    // Both sessions are still alive: nothing but a sign-out acts on a tossed pair.
    for browser in [&attacker, &victim] {
        let access = browser.cookie("access_token").unwrap();
        assert_eq!(app.me_with_bearer(&access).await.status, StatusCode::OK);
    }
}

async fn cookies_without_the_secure_prefix_count_for_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let access = browser.cookie("access_token").unwrap();
    let refresh = browser.cookie("refresh_token").unwrap();
    let req = reqwest::Client::new()
        .get(app.url("/api/auth/me"))
        .header("cookie", format!("access_token={access}"));
    assert_eq!(read_reply(req).await.status, StatusCode::UNAUTHORIZED);
    let res = app
        .post_anonymous(
            "/api/auth/refresh",
            &[("cookie", format!("refresh_token={refresh}"))],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert_eq!(
        browser.me().await.status,
        StatusCode::OK,
        "the real cookies work"
    );
}

async fn a_planted_refresh_cookie_never_continues_and_its_session_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    let (attacker, _) = app.signed_up_browser().await;
    let (victim, victim_email) = app.signed_up_browser().await;
    let planted = attacker.cookie("refresh_token").unwrap();
    // The victim's own cookies, and the planted one beside them (sent first).
    let cookies = format!(
        "{REFRESH_COOKIE}={planted}; {REFRESH_COOKIE}={}; {ACCESS_COOKIE}={}",
        victim.cookie("refresh_token").unwrap(),
        victim.cookie("access_token").unwrap(),
    );
    let res = app
        .post_anonymous("/api/auth/refresh", &[("cookie", cookies)], None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        res.json["user"]["email"],
        victim_email.as_str(),
        "still the victim"
    );
    assert_eq!(
        app.refresh_with_cookie(&planted).await.status,
        StatusCode::UNAUTHORIZED,
        "the planter's session ended"
    );

    // A browser with no session of its own (signed out: no access cookie) and a planted
    // live one: never signed into the planter's account.
    let (attacker, _) = app.signed_up_browser().await;
    let planted = attacker.cookie("refresh_token").unwrap();
    let cookies = format!("{REFRESH_COOKIE}={planted}; {REFRESH_COOKIE}=long-gone");
    let res = app
        .post_anonymous("/api/auth/refresh", &[("cookie", cookies)], None)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(res.json["error"], "conflicting_cookies");
    assert_eq!(
        app.refresh_with_cookie(&planted).await.status,
        StatusCode::UNAUTHORIZED,
        "the planted session ended"
    );
}
