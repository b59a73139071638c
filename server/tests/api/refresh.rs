//! Refresh-token rotation, the grace window for racing tabs, and reuse detection.

use reqwest::StatusCode;

use serde_json::json;

use crate::harness::{
    no_rate_limits, spawn_app, spawn_app_with, Backend, StoredCookie, TestApp, ACCESS_COOKIE,
    REFRESH_COOKIE,
};
use crate::on_both_databases;

on_both_databases!(
    refresh_rotates_both_cookies,
    a_just_rotated_token_from_a_racing_tab_is_not_treated_as_theft,
    reuse_of_a_rotated_token_after_the_grace_window_revokes_the_whole_session,
    an_access_token_dies_when_its_lifetime_ends,
    an_api_refresh_token_gets_no_grace_even_through_the_cookie_endpoint,
    rotations_at_once_each_keep_their_own_outcome_and_all_answered_ones_are_committed,
    nothing_a_rotation_racing_a_sign_out_everywhere_hands_out_outlives_it,
);

async fn refresh_rotates_both_cookies(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let before = browser.snapshot();
    let res = browser.post_empty("/api/auth/refresh").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_ne!(
        browser.cookie("refresh_token").unwrap(),
        before[REFRESH_COOKIE].value
    );
    assert_ne!(
        browser.cookie("access_token").unwrap(),
        before[ACCESS_COOKIE].value
    );
    assert_eq!(browser.me().await.status, StatusCode::OK);
}

async fn a_just_rotated_token_from_a_racing_tab_is_not_treated_as_theft(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut tab_a, _) = app.signed_up_browser().await;
    let mut tab_b = app.browser();
    tab_b.restore(tab_a.snapshot());

    assert_eq!(
        tab_a.post_empty("/api/auth/refresh").await.status,
        StatusCode::OK
    );
    let racing = tab_b.post_empty("/api/auth/refresh").await;
    assert_eq!(
        racing.status,
        StatusCode::OK,
        "within the grace window: {}",
        racing.body
    );
    assert!(
        racing.set_cookie("refresh_token").is_none(),
        "no second refresh chain is started"
    );
    assert_eq!(tab_b.me().await.status, StatusCode::OK);
    assert_eq!(
        tab_a.post_empty("/api/auth/refresh").await.status,
        StatusCode::OK,
        "the session lives on"
    );
}

async fn reuse_of_a_rotated_token_after_the_grace_window_revokes_the_whole_session(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (mut victim, _) = app.signed_up_browser().await;
    let mut thief = app.browser();
    thief.restore(victim.snapshot());

    assert_eq!(
        victim.post_empty("/api/auth/refresh").await.status,
        StatusCode::OK
    );
    app.clock.advance(app.config.refresh_reuse_grace + 1);
    let replay = thief.post_empty("/api/auth/refresh").await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);

    // The victim's current tokens belong to the same family: all of it is dead now.
    assert_eq!(victim.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        victim.post_empty("/api/auth/refresh").await.status,
        StatusCode::UNAUTHORIZED
    );
    let reuse_events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE kind = 'refresh_token_reuse'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(reuse_events, 1);
}

async fn an_access_token_dies_when_its_lifetime_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut browser, _) = app.signed_up_browser().await;
    app.clock.advance(app.config.access_token_ttl - 1);
    assert_eq!(browser.me().await.status, StatusCode::OK);
    app.clock.advance(1);
    assert_eq!(browser.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        browser.post_empty("/api/auth/refresh").await.status,
        StatusCode::OK,
        "refresh still works"
    );
    assert_eq!(browser.me().await.status, StatusCode::OK);
}

async fn an_api_refresh_token_gets_no_grace_even_through_the_cookie_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (_, refresh) = app.api_tokens(&email).await;
    let grant = serde_json::json!({"grant_type": "refresh_token", "refresh_token": refresh});
    let rotated = app
        .post_anonymous("/api/auth/token", &[], Some(grant))
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    let new_access = rotated.json["access_token"].as_str().unwrap().to_owned();

    // The old token, replayed at once as a browser cookie: still a copy, not a racing tab.
    let mut thief = app.browser();
    thief.jar.insert(
        REFRESH_COOKIE.into(),
        StoredCookie {
            value: refresh,
            path: "/api/auth".into(),
        },
    );
    assert_eq!(
        thief.post_empty("/api/auth/refresh").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.me_with_bearer(&new_access).await.status,
        StatusCode::UNAUTHORIZED,
        "the session is revoked"
    );
}

/// Many rotations at once (on SQLite they share transactions, `rotations.rs`): a reused
/// token and an unknown one among them are refused without undoing the others, and every
/// rotation that was answered was committed, as a server started afresh on the database
/// finds.
async fn rotations_at_once_each_keep_their_own_outcome_and_all_answered_ones_are_committed(
    backend: Backend,
) {
    use crate::harness::spawn_on;

    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let mut chains = Vec::new();
    for _ in 0..12 {
        chains.push(app.api_tokens(&email).await.1);
    }
    // One chain is rotated first: presenting its old token again is a reuse.
    let stolen = chains.pop().unwrap();
    let rotated = app.refresh_with_api(&stolen).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let thiefs_victim = rotated.json["refresh_token"].as_str().unwrap().to_owned();

    for _round in 0..5 {
        let mut presented = chains.clone();
        presented.push(stolen.clone());
        presented.push("not-a-token-anyone-was-given".to_owned());
        let replies =
            futures::future::join_all(presented.iter().map(|t| app.refresh_with_api(t))).await;
        let (ours, refused) = replies.split_at(chains.len());
        assert!(refused
            .iter()
            .all(|r| r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNAUTHORIZED));
        for (chain, reply) in chains.iter_mut().zip(ours) {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            *chain = reply.json["refresh_token"].as_str().unwrap().to_owned();
        }
    }
    // The reuse ended its session: the token its owner held is dead too.
    assert_ne!(
        app.refresh_with_api(&thiefs_victim).await.status,
        StatusCode::OK
    );
    // A new process on the same database knows every token that was handed out.
    let again = spawn_on(app.config.clone(), app.clock.clone()).await;
    for chain in &chains {
        let reply = again.refresh_with_api(chain).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}

/// Rounds of `nothing_a_rotation_racing_a_sign_out_everywhere_hands_out_outlives_it`.
const RACE_ROUNDS: usize = 15;
/// API sessions whose refresh races each round's sign-out.
const RACING_SESSIONS: usize = 4;

/// Refreshes racing a sign-out everywhere, round after round: whichever commits first,
/// nothing a refresh hands out works afterwards. On PostgreSQL the sign-out can commit
/// between a rotation's read and its writes, whose condition on the session then refuses
/// it (`sessions::Wrote::SessionEnded`), rolled back.
async fn nothing_a_rotation_racing_a_sign_out_everywhere_hands_out_outlives_it(backend: Backend) {
    let app = spawn_app_with(backend, no_rate_limits).await;
    let mut handed_out = 0;
    for _round in 0..RACE_ROUNDS {
        let (mut browser, email) = app.signed_up_browser().await;
        let mut refresh_tokens = Vec::new();
        for _ in 0..RACING_SESSIONS {
            refresh_tokens.push(app.api_tokens(&email).await.1);
        }
        let refreshes =
            futures::future::join_all(refresh_tokens.iter().map(|t| app.refresh_with_api(t)));
        let sign_out = browser.post("/api/auth/logout-all", json!({}));
        let (replies, signed_out) = tokio::join!(refreshes, sign_out);
        assert!(signed_out.status.is_success(), "{}", signed_out.body);
        for reply in replies {
            if reply.status != StatusCode::OK {
                assert!(!reply.status.is_server_error(), "{}", reply.body);
                continue;
            }
            handed_out += 1;
            let access = reply.json["access_token"].as_str().unwrap();
            let refresh = reply.json["refresh_token"].as_str().unwrap();
            assert_eq!(
                app.me_with_bearer(access).await.status,
                StatusCode::UNAUTHORIZED,
                "an access token handed out in the race outlived the sign-out"
            );
            assert_ne!(
                app.refresh_with_api(refresh).await.status,
                StatusCode::OK,
                "a refresh token handed out in the race outlived the sign-out"
            );
        }
    }
    // The race was run: some rotations won before the sign-out (not every one lost).
    assert!(handed_out > 0, "no refresh ever came before the sign-out");
}

/// The one-statement rotation (PostgreSQL, `sessions::rotate_at_once`) reads the session
/// as of the statement's start. A sign-out that commits after that start must still win: only
/// the condition of its session update (`revoked_at IS NULL`, checked again on the row's
/// latest version) can refuse it then. Real sign-outs lock the user's row first, so they
/// commit in that window only by a hair's breadth; here the window is held open by hand:
/// a transaction holds the token's row, so the statement waits there after its read, and
/// the transaction ends the session and commits only once the statement is seen waiting.
#[tokio::test]
async fn a_sign_out_that_commits_while_a_one_statement_rotation_runs_wins() {
    let app = spawn_app(Backend::Postgres).await;
    let (_, email) = app.signed_up_browser().await;
    let (_, refresh) = app.api_tokens(&email).await;
    let user_id = app.user_id(&email).await;

    let mut sign_out = app.db.begin().await.expect("a transaction");
    sqlx::query("SELECT token_hash FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE")
        .bind(backend::tokens::hash_refresh_token(
            &backend::secret::Secret::new(&refresh),
        ))
        .execute(&mut *sign_out)
        .await
        .expect("the token's row held");
    end_every_session(&mut sign_out, &user_id).await;

    let commit_once_waiting = commit_once_a_statement_waits(&app, sign_out);
    let (reply, waited) = tokio::join!(app.refresh_with_api(&refresh), commit_once_waiting);
    assert!(waited, "the rotation never waited for the token's row");
    assert_ne!(
        reply.status,
        StatusCode::OK,
        "a rotation outlived a sign-out that committed while it ran: {}",
        reply.body
    );
    assert!(!reply.status.is_server_error(), "{}", reply.body);

    // The refused statement marked the token rotated (nothing to roll back). Presented
    // again, it must read as a token of an ended session, never as a copy (that would audit a theft, and mail the owner, for a plain sign-out).
    let again = app.refresh_with_api(&refresh).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    let reuse_events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE kind = 'refresh_token_reuse'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        reuse_events, 0,
        "a signed-out session's token read as reused"
    );
}

/// A rotation whose read waits behind a sign-out's lock on the user's row (PostgreSQL):
/// when the sign-out commits, the read goes on with the session as it was before it, and
/// only the condition of the rotation's write (`revoked_at IS NULL`) refuses it. The
/// sign-out is held open by hand until the rotation is seen waiting, so this is the
/// interleaving every time, not by chance. (The one-statement rotation does not wait for
/// the row, `SKIP LOCKED`: it leaves it to the transaction, which is what waits here.)
#[tokio::test]
async fn a_rotation_that_waited_behind_a_sign_out_is_refused() {
    let app = spawn_app(Backend::Postgres).await;
    let (_, email) = app.signed_up_browser().await;
    let (_, refresh) = app.api_tokens(&email).await;
    let user_id = app.user_id(&email).await;

    // A sign-out everywhere, as `signout.rs` orders it: the user's row first.
    let mut sign_out = app.db.begin().await.expect("a transaction");
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
        .bind(&user_id)
        .execute(&mut *sign_out)
        .await
        .expect("the user's row locked");
    end_every_session(&mut sign_out, &user_id).await;

    let commit_once_waiting = commit_once_a_statement_waits(&app, sign_out);
    let (reply, waited) = tokio::join!(app.refresh_with_api(&refresh), commit_once_waiting);
    assert!(waited, "the rotation never waited for the user's row");
    assert_ne!(
        reply.status,
        StatusCode::OK,
        "a rotation outlived the sign-out it waited for: {}",
        reply.body
    );
    assert!(!reply.status.is_server_error(), "{}", reply.body);
}

/// Ends every session of the user inside `sign_out`, as a sign-out everywhere does.
async fn end_every_session(sign_out: &mut sqlx::Transaction<'_, sqlx::Any>, user_id: &str) {
    sqlx::query(
        "UPDATE sessions SET revoked_at = 1, revoked_reason = 'sign_out_everywhere'
         WHERE user_id = $1",
    )
    .bind(user_id)
    .execute(&mut **sign_out)
    .await
    .expect("the sessions ended");
}

/// Commits `sign_out` as soon as a statement of the app's database is seen waiting for a
/// lock (the one `sign_out` holds); `false` if none ever waits.
async fn commit_once_a_statement_waits(
    app: &TestApp,
    sign_out: sqlx::Transaction<'_, sqlx::Any>,
) -> bool {
    let database = app.database_name();
    let mut admin = crate::harness::postgres_admin().await;
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = $1 AND wait_event_type = 'Lock'",
        )
        .bind(database)
        .fetch_one(&mut admin)
        .await
        .expect("pg_stat_activity");
        if waiting > 0 {
            sign_out.commit().await.expect("the sign-out commits");
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}
