//! A revoked access token never answers 200 again: not after a restart with a shorter
//! `ACCESS_TOKEN_TTL`, not with processes of different TTLs, not with clocks that differ
//! between processes. Time is moved with the frozen test clock; each process's view is
//! then purged exactly as its tailer does, and asked again.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app_with, spawn_on, Backend, TestApp};
use crate::on_both_databases;

on_both_databases!(
    a_sign_out_on_a_restarted_process_with_a_shorter_ttl_stays_final,
    logout_all_on_a_process_with_a_shorter_ttl_stays_final_everywhere,
    a_revoking_process_90_seconds_behind_is_seen_by_the_others,
    an_issuing_process_15_seconds_ahead_does_not_revive_tokens_early,
);

fn long_ttl(config: &mut backend::config::Config) {
    config.access_token_ttl = 3600;
}

/// Moves time by `seconds`, purges each view as its tailer would, and checks that none of
/// `apps` accepts `access`.
async fn still_refused_after(seconds: i64, apps: &[&TestApp], access: &str) {
    apps[0].clock.advance(seconds);
    for app in apps {
        app.state.revocations.purge(app.clock.now());
        assert_eq!(
            app.me_with_bearer(access).await.status,
            StatusCode::UNAUTHORIZED,
            "a signed-out token came back to life {seconds} s later"
        );
    }
}

async fn a_sign_out_on_a_restarted_process_with_a_shorter_ttl_stays_final(backend: Backend) {
    let before = spawn_app_with(backend, long_ttl).await;
    let (_, email) = before.signed_up_browser().await;
    let (access, refresh) = before.api_tokens(&email).await;

    // The operator restarts with a much shorter lifetime; the token of an hour lives on.
    let mut config = before.config.clone();
    config.access_token_ttl = 5;
    let after = spawn_on(config.clone(), before.clock.clone()).await;
    assert_eq!(after.me_with_bearer(&access).await.status, StatusCode::OK);
    // The client signs out with its refresh token only (its access token is elsewhere).
    let out = after
        .post_anonymous(
            "/api/auth/logout",
            &[],
            Some(json!({"refreshToken": refresh})),
        )
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(
        after.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED
    );

    still_refused_after(10, &[&after], &access).await;
    // Another restart loads the view from the database.
    let again = spawn_on(config, before.clock.clone()).await;
    still_refused_after(1, &[&after, &again], &access).await;
}

async fn logout_all_on_a_process_with_a_shorter_ttl_stays_final_everywhere(backend: Backend) {
    let long = spawn_app_with(backend, long_ttl).await;
    let mut config = long.config.clone();
    config.access_token_ttl = 5;
    let short = spawn_on(config, long.clock.clone()).await;
    let (_, email) = long.signed_up_browser().await;
    let (access, _) = long.api_tokens(&email).await;
    let mut browser = short.signed_in_browser(&email).await;

    let res = browser.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    long.wait_until_refused(&access).await;
    still_refused_after(10, &[&long, &short], &access).await;
    still_refused_after(600, &[&long, &short], &access).await;
}

async fn a_revoking_process_90_seconds_behind_is_seen_by_the_others(backend: Backend) {
    let on_time = spawn_app_with(backend, |_| {}).await;
    let behind = spawn_on(on_time.config.clone(), on_time.clock.skewed(-90)).await;
    let (_, email) = on_time.signed_up_browser().await;
    let (access, _) = on_time.api_tokens(&email).await;
    let mut browser = behind.signed_in_browser(&email).await;

    let res = browser.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    on_time.wait_until_refused(&access).await;
}

async fn an_issuing_process_15_seconds_ahead_does_not_revive_tokens_early(backend: Backend) {
    let revoker = spawn_app_with(backend, |_| {}).await;
    let ahead = spawn_on(revoker.config.clone(), revoker.clock.skewed(15)).await;
    let (mut browser, email) = revoker.signed_up_browser().await;
    // Issued by the process ahead: its `exp` is 15 s later than the revoker would set.
    let (access, _) = ahead.api_tokens(&email).await;
    assert_eq!(revoker.me_with_bearer(&access).await.status, StatusCode::OK);

    let res = browser.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let ttl = revoker.config.access_token_ttl;
    // Just after the revoker's own tokens would have expired, but before this one has.
    still_refused_after(ttl + 1, &[&revoker], &access).await;
}
