//! Several server processes on one database: a revocation made by one is enforced by the
//! others (NOTIFY on PostgreSQL, polling on SQLite), without a query per request.

use reqwest::StatusCode;

use crate::harness::{spawn_app, spawn_on, Backend};
use crate::on_both_databases;

on_both_databases!(a_sign_out_on_one_process_is_enforced_by_another,);

async fn a_sign_out_on_one_process_is_enforced_by_another(backend: Backend) {
    let first = spawn_app(backend).await;
    // Another process on the same database, and on the same (test) clock.
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (mut browser, email) = first.signed_up_browser().await;
    let (access, _) = first.api_tokens(&email).await;
    assert_eq!(second.me_with_bearer(&access).await.status, StatusCode::OK);
    let web_access = browser.cookie("access_token").unwrap();
    assert_eq!(
        second.me_with_bearer(&web_access).await.status,
        StatusCode::OK
    );

    browser
        .post("/api/auth/logout-all", serde_json::json!({}))
        .await;
    second.wait_until_refused(&access).await;
    assert_eq!(
        second.me_with_bearer(&web_access).await.status,
        StatusCode::UNAUTHORIZED
    );
}

on_both_databases!(
    a_revoked_token_is_refused_under_load_by_both_processes,
    an_administrator_granted_elsewhere_shows_in_me_at_once,
);

/// Two processes answering the same token from many clients at once, as in `make bench`,
/// when the token is signed out on the first: from the moment the sign-out has answered,
/// the first refuses every request, and the second, once it has refused one, never
/// accepts one again. Neither the verified-token memory nor the kept profiles may
/// answer for a token the revocation view refuses.
async fn a_revoked_token_is_refused_under_load_by_both_processes(backend: Backend) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    let first = Arc::new(spawn_app(backend).await);
    let second = Arc::new(spawn_on(first.config.clone(), first.clock.clone()).await);
    let (_, email) = first.signed_up_browser().await;
    let (access, _) = first.api_tokens(&email).await;
    let signed_out_at: Arc<std::sync::Mutex<Option<Instant>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for app in [first.clone(), second.clone()] {
        for _ in 0..4 {
            let (app, access, stop) = (app.clone(), access.clone(), stop.clone());
            let signed_out_at = signed_out_at.clone();
            load.push(tokio::spawn(async move {
                // (sent after the sign-out had answered, status) of every request.
                let mut seen = Vec::new();
                let deadline = Instant::now() + Duration::from_secs(20);
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let sent = Instant::now();
                    let after = signed_out_at.lock().unwrap().is_some_and(|at| sent > at);
                    seen.push((after, app.me_with_bearer(&access).await.status));
                }
                seen
            }));
        }
    }
    // The load runs a while before the sign-out, so the token is remembered everywhere.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reply = first
        .post_with_bearer("/api/auth/logout", &access, serde_json::json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    *signed_out_at.lock().unwrap() = Some(Instant::now());
    assert_eq!(
        first.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED
    );
    second.wait_until_refused(&access).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);

    for (i, task) in load.into_iter().enumerate() {
        let seen = task.await.unwrap();
        assert!(seen.len() > 10, "the load ran ({} requests)", seen.len());
        assert!(seen.iter().any(|(_, s)| *s == StatusCode::OK));
        if i < 4 {
            // The first process: nothing sent after the sign-out answered got through.
            assert!(
                seen.iter()
                    .all(|(after, s)| !after || *s == StatusCode::UNAUTHORIZED),
                "the signing-out process accepted the token after its sign-out"
            );
        } else {
            // The second: once refused, refused for good.
            let refused = seen
                .iter()
                .position(|(_, s)| *s == StatusCode::UNAUTHORIZED)
                .expect("the second process refused the token");
            assert!(
                seen[refused..]
                    .iter()
                    .all(|(_, s)| *s == StatusCode::UNAUTHORIZED),
                "the second process accepted the token again after refusing it"
            );
        }
    }
}

/// `server admin grant` is another process: a server that kept the user's profile shows
/// the change as soon as it tails the log, not when its copy ages out.
async fn an_administrator_granted_elsewhere_shows_in_me_at_once(backend: Backend) {
    use std::time::{Duration, Instant};

    let server = spawn_app(backend).await;
    let (_, email) = server.signed_up_browser().await;
    let (access, _) = server.api_tokens(&email).await;
    let me = server.me_with_bearer(&access).await;
    assert_eq!(me.json["user"]["isAdmin"], false, "{}", me.body);
    // The command line's own process, on the same database.
    let cli = spawn_on(server.config.clone(), server.clock.clone()).await;
    assert!(backend::admin::set_admin(&cli.state, &email, true)
        .await
        .unwrap());
    let started = Instant::now();
    loop {
        let me = server.me_with_bearer(&access).await;
        if me.json["user"]["isAdmin"] == true {
            break;
        }
        // The tail's bound (see `wait_until_refused`), far below the profiles' 60 s.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the kept profile outlived the change: {}",
            me.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And back, on the process that made the change: at once.
    assert!(backend::admin::set_admin(&cli.state, &email, false)
        .await
        .unwrap());
    assert_eq!(
        cli.me_with_bearer(&access).await.json["user"]["isAdmin"],
        false
    );
}
