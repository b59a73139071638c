//! One action, two doors: a sign-out through the JSON API, through its server function as
//! the WASM client calls it, and through the same server function as a plain HTML form
//! posts it, is one sign-out. The same cookies are cleared with the same attributes, the
//! same audit row is written, the same revocations are recorded and the same tokens die;
//! only the shape of the answer differs, each as its door documents it. During a database
//! outage each door gives its own documented answer.

use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;

use crate::db_proxy::spawn_behind_proxy;
use crate::harness::{spawn_app, Backend, Browser, Caller, Reply, TestApp};
use crate::on_both_databases;

on_both_databases!(one_sign_out_is_the_same_through_every_door);

#[derive(Clone, Copy, Debug)]
enum Door {
    Json,
    ServerFunction,
    PlainForm,
}

impl Door {
    async fn sign_out(self, browser: &mut Browser) -> Reply {
        match self {
            Door::Json => browser.post_empty("/api/auth/logout").await,
            Door::ServerFunction => {
                let path = "/api/auth/web/logout";
                browser.submit(Caller::WasmClient, path, &[], "/").await
            }
            Door::PlainForm => {
                let path = "/api/auth/web/logout";
                browser.submit(Caller::PlainForm, path, &[], "/").await
            }
        }
    }
}

/// What a sign-out did, whichever door it came through.
#[derive(Debug, PartialEq)]
struct SignOutSeen {
    /// The auth cookies' `Set-Cookie` lines, without the date of `Expires` (which is the
    /// moment of the answer).
    cleared_cookies: Vec<String>,
    clear_site_data: Option<String>,
    /// `(kind, detail)` of the audit rows of the session.
    audit: Vec<(String, String)>,
    /// Why the session ended, as stored on it.
    session_ended_because: Option<String>,
    /// The kinds of the revocation events of the session and of the presented access token.
    revocations: Vec<String>,
    access_token_refused: bool,
    refresh_token_refused: bool,
}

fn jti_of(access_token: &str) -> String {
    let payload = access_token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let claims: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON claims");
    claims["jti"].as_str().expect("jti").to_owned()
}

fn without_expires(set_cookie: &str) -> String {
    set_cookie
        .split("; ")
        .filter(|attribute| !attribute.starts_with("Expires="))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn sign_out_through(app: &TestApp, door: Door) -> (Reply, SignOutSeen) {
    let (mut browser, _) = app.signed_up_browser().await;
    let session_id = browser.session_id().await;
    let access = browser.cookie("access_token").expect("access cookie");
    let refresh = browser.cookie("refresh_token").expect("refresh cookie");

    let reply = door.sign_out(&mut browser).await;

    let mut cleared_cookies: Vec<String> = ["access_token", "refresh_token"]
        .into_iter()
        .filter_map(|name| reply.set_cookie(name))
        .map(|line| without_expires(&line))
        .collect();
    cleared_cookies.sort();
    let audit = sqlx::query_as::<_, (String, String)>(
        "SELECT kind, COALESCE(detail, '') FROM audit_events WHERE session_id = $1 \
         AND kind <> 'sign_up' ORDER BY id",
    )
    .bind(&session_id)
    .fetch_all(&app.db)
    .await
    .expect("audit rows");
    let session_ended_because: Option<String> =
        sqlx::query_scalar("SELECT revoked_reason FROM sessions WHERE id = $1")
            .bind(&session_id)
            .fetch_one(&app.db)
            .await
            .expect("the session row");
    let mut revocations: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM revocation_events WHERE session_id = $1 OR jti = $2")
            .bind(&session_id)
            .bind(jti_of(&access))
            .fetch_all(&app.db)
            .await
            .expect("revocation events");
    revocations.sort();
    let seen = SignOutSeen {
        cleared_cookies,
        clear_site_data: reply.header("clear-site-data").map(str::to_owned),
        audit,
        session_ended_because,
        revocations,
        access_token_refused: app.me_with_bearer(&access).await.status == StatusCode::UNAUTHORIZED,
        refresh_token_refused: app.refresh_with_cookie(&refresh).await.status
            == StatusCode::UNAUTHORIZED,
    };
    (reply, seen)
}

async fn one_sign_out_is_the_same_through_every_door(backend: Backend) {
    let app = spawn_app(backend).await;

    let (json, through_json) = sign_out_through(&app, Door::Json).await;
    let (server_fn, through_server_fn) = sign_out_through(&app, Door::ServerFunction).await;
    let (form, through_form) = sign_out_through(&app, Door::PlainForm).await;

    // What the sign-out did: exactly this, on every door.
    assert_eq!(
        through_json.cleared_cookies.len(),
        2,
        "{:?}",
        through_json.cleared_cookies
    );
    assert!(through_json
        .cleared_cookies
        .iter()
        .all(|c| c.contains("Max-Age=0")));
    assert_eq!(
        through_json.clear_site_data.as_deref(),
        Some("\"cache\", \"storage\"")
    );
    assert_eq!(through_json.audit, [("sign_out".to_owned(), String::new())]);
    assert_eq!(
        through_json.session_ended_because.as_deref(),
        Some("sign_out")
    );
    assert_eq!(through_json.revocations, ["access_token", "session"]);
    assert!(through_json.access_token_refused && through_json.refresh_token_refused);
    assert_eq!(
        through_server_fn, through_json,
        "the server function's sign-out"
    );
    assert_eq!(through_form, through_json, "the plain form's sign-out");

    // How each door says so.
    assert_eq!(json.status, StatusCode::OK, "{}", json.body);
    assert_eq!(json.json["success"], true);
    assert_eq!(server_fn.status, StatusCode::OK, "{}", server_fn.body);
    assert_eq!(server_fn.json["success"], true);
    assert_eq!(server_fn.json["message"], json.json["message"]);
    assert_eq!(form.status, StatusCode::FOUND, "{}", form.body);
    assert_eq!(form.header("location"), Some("/"));
    assert!(form
        .set_cookie("flash")
        .is_some_and(|c| c.starts_with("flash=signed_out;")));
    for reply in [&json, &server_fn] {
        assert_eq!(
            reply.set_cookie("flash"),
            None,
            "only a plain form gets a notice"
        );
    }
}

/// The answer of each door while PostgreSQL cannot be reached (behind a proxy the test
/// cuts), as documented on `service::Outcome::sign_out_pending`: the JSON API and the
/// WASM client's call get 503 with `Retry-After` and keep their cookies for the retry; a
/// plain form post, which cannot retry, is marked as signing out and sent home. On every
/// door this process refuses the presented session at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_an_outage_each_door_gives_its_documented_answer() {
    let (proxy, app) = spawn_behind_proxy(Duration::ZERO, |_| {}).await;
    let mut browsers = Vec::new();
    for door in [Door::Json, Door::ServerFunction, Door::PlainForm] {
        let (browser, _) = app.signed_up_browser().await;
        browsers.push((door, browser));
    }

    proxy.cut();
    for (door, browser) in &mut browsers {
        let access = browser.cookie("access_token").expect("access cookie");
        let reply = door.sign_out(browser).await;
        match door {
            Door::Json | Door::ServerFunction => {
                assert_eq!(
                    reply.status,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "{door:?}: {}",
                    reply.body
                );
                assert_eq!(reply.json["error"], "unavailable", "{door:?}");
                assert!(reply.header("retry-after").is_some(), "{door:?}");
                assert_eq!(reply.set_cookie("signout_pending"), None, "{door:?}");
            }
            Door::PlainForm => {
                assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
                assert_eq!(reply.header("location"), Some("/"));
                assert!(reply
                    .set_cookie("signout_pending")
                    .is_some_and(|c| c.starts_with("signout_pending=1;") && c.contains("Secure")));
            }
        }
        assert_eq!(reply.set_cookie("access_token"), None, "{door:?}: kept");
        assert_eq!(reply.set_cookie("refresh_token"), None, "{door:?}: kept");
        assert_eq!(
            app.me_with_bearer(&access).await.status,
            StatusCode::UNAUTHORIZED,
            "{door:?}: refused here at once"
        );
    }
    proxy.restore();
}
