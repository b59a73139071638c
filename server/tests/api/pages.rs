//! The HTML side and the server functions: right first render, no caching, auth checked
//! by the server functions themselves.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(
    the_first_html_already_shows_who_is_signed_in,
    pages_are_never_cached,
    server_functions_for_private_data_require_a_live_session,
    published_posts_appear_on_the_home_page,
    server_functions_answer_bad_arguments_with_400,
    every_page_answers_200_and_protected_pages_redirect_when_signed_out,
    building_more_routers_never_stalls_a_page_being_rendered,
);

async fn the_first_html_already_shows_who_is_signed_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let signed_in = browser.get("/").await;
    assert_eq!(signed_in.status, StatusCode::OK);
    assert!(signed_in.body.contains(&email), "the header names the user");
    assert!(signed_in.body.contains(">Sign out<"));

    browser.post_empty("/api/auth/logout").await;
    let signed_out = browser.get("/").await;
    assert!(!signed_out.body.contains(&email));
    assert!(signed_out.body.contains(">Sign in<"));
}

async fn pages_are_never_cached(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    for path in ["/", "/login", "/register", "/no-such-page"] {
        let res = browser.get(path).await;
        assert_eq!(res.header("cache-control"), Some("no-store"), "{path}");
    }
    assert_eq!(
        browser.get("/no-such-page").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn server_functions_for_private_data_require_a_live_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let saved = browser
        .post(
            "/api/posts/drafts",
            json!({"title": "Secret plan", "body": "only mine"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let mine = browser.get("/api/posts/mine").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("Secret plan"));

    let stolen = browser.snapshot();
    browser.post_empty("/api/auth/logout").await;
    browser.restore(stolen);
    let after = browser.get("/api/posts/mine").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(!after.body.contains("Secret plan"));
    assert_eq!(
        app.browser().get("/api/posts/mine").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn published_posts_appear_on_the_home_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut author, _) = app.signed_up_browser().await;
    let id = author
        .post(
            "/api/posts/drafts",
            json!({"title": "Hello world", "body": "first post"}),
        )
        .await
        .json;
    let draft_only = app.browser().get("/").await;
    assert!(
        !draft_only.body.contains("Hello world"),
        "drafts are private"
    );
    let published = author.post("/api/posts/publish", json!({"id": id})).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert!(app.browser().get("/").await.body.contains("Hello world"));
}

async fn server_functions_answer_bad_arguments_with_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    for body in [
        json!({}),
        json!({"title": 5, "body": "x"}),
        json!({"title": "", "body": "x"}),
        json!({"title": "t".repeat(201), "body": ""}),
    ] {
        let res = browser.post("/api/posts/drafts", body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.body);
        assert_eq!(res.json["error"], "invalid_input", "{body}");
    }
    let missing = browser
        .post("/api/posts/publish", json!({"id": "no-such-post"}))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json["error"], "not_found");
}

async fn every_page_answers_200_and_protected_pages_redirect_when_signed_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, email) = app.signed_up_browser().await;
    browser
        .post(
            "/api/posts/drafts",
            json!({"title": "My secret draft", "body": "x"}),
        )
        .await;
    for path in ["/", "/login", "/register", "/dashboard", "/profile"] {
        let res = browser.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
    }
    let dashboard = browser.get("/dashboard").await;
    assert!(dashboard.body.contains(&email));

    let stolen = browser.snapshot();
    browser.post_empty("/api/auth/logout").await;
    let mut anonymous = app.browser();
    for mut visitor in [std::mem::replace(&mut browser, app.browser()), anonymous] {
        for path in ["/dashboard", "/profile"] {
            let res = visitor.get(path).await;
            assert_eq!(res.status, StatusCode::FOUND, "{path}");
            assert_eq!(res.header("location"), Some("/login"), "{path}");
            assert!(!res.body.contains("My secret draft"));
        }
    }
    // Even with the old cookies replayed: the session is dead, so is the page.
    anonymous = app.browser();
    anonymous.restore(stolen);
    let replayed = anonymous.get("/dashboard").await;
    assert_eq!(replayed.status, StatusCode::FOUND);
    assert!(!replayed.body.contains("My secret draft") && !replayed.body.contains(&email));
}

/// Building a router lists the app's routes, and listing them renders the app with resource
/// loading switched off for the whole process (leptos-rs/leptos#4773). Every test builds
/// its own router, so a signed-in page of another test, rendering at that moment, used to
/// wait for its data forever: about one full run of this suite in five. The list is now
/// made once per process; this builds routers without pause while pages with data render.
async fn building_more_routers_never_stalls_a_page_being_rendered(backend: Backend) {
    const ROUNDS: usize = 40;
    const MAX_BUILDS: usize = 20_000;
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    browser
        .post("/api/posts/drafts", json!({"title": "Mine", "body": "x"}))
        .await;

    let stop = Arc::new(AtomicBool::new(false));
    let builder = {
        let (state, stop) = (app.state.clone(), stop.clone());
        let runtime = tokio::runtime::Handle::current();
        std::thread::spawn(move || {
            let _runtime = runtime.enter();
            let mut built = 0;
            while !stop.load(Ordering::Relaxed) && built < MAX_BUILDS {
                drop(server::router(state.clone()));
                built += 1;
            }
            built
        })
    };
    let mut stalled = Vec::new();
    for _ in 0..ROUNDS {
        for path in ["/dashboard", "/profile", "/"] {
            match tokio::time::timeout(Duration::from_secs(5), browser.get(path)).await {
                Ok(page) => assert_eq!(page.status, StatusCode::OK, "{path}"),
                Err(_) => stalled.push(path),
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let built = builder.join().expect("the router builder does not panic");
    assert!(built > 0, "routers were built while the pages rendered");
    assert!(
        stalled.is_empty(),
        "renders that never answered: {stalled:?}"
    );
}
