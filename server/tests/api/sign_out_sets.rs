//! Ending many sessions is set-based: one UPDATE by user, one user-level revocation event,
//! one entry in every process's view, whatever the number of sessions. And it cannot
//! deadlock with a concurrent password change (PostgreSQL, where rows are locked one by one).

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{no_rate_limits, spawn_app, spawn_app_with, Backend, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    logout_all_of_thousands_of_sessions_is_one_event_and_one_view_entry,
    sign_out_other_devices_is_one_event_and_keeps_the_caller_valid,
    a_password_change_racing_sign_out_everywhere_is_never_a_5xx,
);

const ACTIVE_SESSIONS: &str =
    "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL";
const EVENTS: &str = "SELECT COUNT(*) FROM revocation_events";

async fn logout_all_of_thousands_of_sessions_is_one_event_and_one_view_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let (cli_access, _) = app.api_tokens(&email).await;
    let user_id = app.user_id(&email).await;
    app.insert_sessions(&user_id, 2_000).await;
    let events_before = app.count(EVENTS, &user_id).await;
    let view_before = app.state.revocations.len();

    let res = laptop.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 2_002);

    assert_eq!(app.count(ACTIVE_SESSIONS, &user_id).await, 0);
    assert_eq!(
        app.count(EVENTS, &user_id).await - events_before,
        1,
        "one user-level revocation, not one per session"
    );
    assert_eq!(app.state.revocations.len() - view_before, 1);
    assert_eq!(
        app.me_with_bearer(&cli_access).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(laptop.me().await.status, StatusCode::UNAUTHORIZED);
}

async fn sign_out_other_devices_is_one_event_and_keeps_the_caller_valid(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut laptop, email) = app.signed_up_browser().await;
    let (cli_access, cli_refresh) = app.api_tokens(&email).await;
    let (phone_access, _) = app.api_tokens(&email).await;
    let user_id = app.user_id(&email).await;
    app.insert_sessions(&user_id, 1_000).await;
    let events_before = app.count(EVENTS, &user_id).await;

    let keep = json!({"keepCurrent": true});
    let res = app
        .post_with_bearer("/api/auth/logout-all", &cli_access, keep)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json["revoked"], 1_002);
    assert_eq!(app.count(ACTIVE_SESSIONS, &user_id).await, 1);
    assert_eq!(app.count(EVENTS, &user_id).await - events_before, 1);

    // The caller's very token keeps working, and so does its refresh token...
    assert_eq!(app.me_with_bearer(&cli_access).await.status, StatusCode::OK);
    let refreshed = app.refresh_with_api(&cli_refresh).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let new_access = refreshed.json["access_token"].as_str().unwrap();
    assert_eq!(app.me_with_bearer(new_access).await.status, StatusCode::OK);
    // ...and every other device is out.
    assert_eq!(
        app.me_with_bearer(&phone_access).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(laptop.me().await.status, StatusCode::UNAUTHORIZED);

    // A later "sign out everywhere" from the kept session ends it too.
    let all = app
        .post_with_bearer("/api/auth/logout-all", new_access, json!({}))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    for token in [cli_access.as_str(), new_access] {
        assert_eq!(
            app.me_with_bearer(token).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

/// Before the fix, sign-out-everywhere locked the session rows one by one and then the
/// user row, while a password change locked the user row first: on PostgreSQL about one
/// try in five ended in `deadlock detected` and a 500.
async fn a_password_change_racing_sign_out_everywhere_is_never_a_5xx(backend: Backend) {
    const ROUNDS: u32 = 12;
    let app = spawn_app_with(backend, no_rate_limits).await;
    for round in 0..ROUNDS {
        let started = std::time::Instant::now();
        let (mut laptop, email) = app.signed_up_browser().await;
        // One Argon2 hash and a write: the password change does two hashes before its
        // transaction, so sign-out-everywhere is started across that span.
        let hash_time = started.elapsed();
        let mut phone = app.signed_in_browser(&email).await;
        let user_id = app.user_id(&email).await;
        app.insert_sessions(&user_id, 500).await;
        let change = async {
            laptop
                .post(
                    "/api/auth/password",
                    json!({"currentPassword": PASSWORD, "newPassword": "another long passphrase"}),
                )
                .await
        };
        let everywhere = async {
            tokio::time::sleep(hash_time * 3 * round / ROUNDS).await;
            phone.post("/api/auth/logout-all", json!({})).await
        };
        let (changed, ended) = tokio::join!(change, everywhere);
        for res in [&changed, &ended] {
            // The loser of the race finds its own session ended: 401, never a 5xx.
            assert!(
                matches!(res.status, StatusCode::OK | StatusCode::UNAUTHORIZED),
                "round {round}: {} {}",
                res.status,
                res.body
            );
        }
        assert!(changed.status == StatusCode::OK || ended.status == StatusCode::OK);
        let active = app.count(ACTIVE_SESSIONS, &user_id).await;
        assert!(active <= 1, "round {round}: {active} sessions still active");
    }
}
