//! PostgreSQL's rotations in one statement (`sessions::rotate_at_once`, `rotations.rs`):
//! many users' rotations share a statement and its commit, what it cannot carry out is left
//! to a transaction, and a user's row held by a sign-out holds up no one else.

use std::time::Duration;

use backend::audit::{ClientInfo, ClientKind};
use backend::secret::Secret;
use backend::sessions::{rotate_at_once, AtOnce, AtOnceRun, RefreshOutcome, Rotation};
use backend::tokens::hash_refresh_token;
use reqwest::StatusCode;

use crate::harness::{spawn_app, Backend, TestApp};

/// A presentation of `refresh` by an API client, as the token endpoint makes it.
fn rotation(app: &TestApp, refresh: &str) -> Rotation {
    Rotation {
        token_hash: hash_refresh_token(&Secret::new(refresh)),
        policy: app.state.session_policy(),
        allow_grace: false,
        access_ttl: app.config.access_token_ttl,
        client: ClientInfo {
            ip: Some("127.0.0.1".to_owned()),
            user_agent: Some("rotations-at-once".to_owned()),
            kind: ClientKind::Api,
        },
        now: app.clock.now(),
    }
}

/// A new user's email and the refresh token of an API session of theirs.
async fn api_session(app: &TestApp) -> (String, String) {
    let (_, email) = app.signed_up_browser().await;
    let (_, refresh) = app.api_tokens(&email).await;
    (email, refresh)
}

async fn is_rotated(app: &TestApp, refresh: &str) -> bool {
    let rotated: Option<i64> =
        sqlx::query_scalar("SELECT rotated_at FROM refresh_tokens WHERE token_hash = $1")
            .bind(hash_refresh_token(&Secret::new(refresh)))
            .fetch_one(&app.db)
            .await
            .expect("the token's row");
    rotated.is_some()
}

/// The session and the email of the user a refresh token was issued to.
async fn owner_of(app: &TestApp, refresh: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT s.id, u.email FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id WHERE rt.token_hash = $1",
    )
    .bind(hash_refresh_token(&Secret::new(refresh)))
    .fetch_one(&app.db)
    .await
    .expect("the token's session")
}

/// Three users' rotations in one statement, one of a user with two sessions, beside a
/// token whose session ended and one nobody issued: the three are continued, each answered
/// with its own session and user and a new token of that session that works, and the two
/// others are left, unwritten, to the transaction that says why.
#[tokio::test]
async fn one_statement_rotates_many_users_and_leaves_the_rest() {
    let app = spawn_app(Backend::Postgres).await;
    let (first_email, first) = api_session(&app).await;
    let (_, second) = app.api_tokens(&first_email).await;
    let (_, third) = api_session(&app).await;
    let (ended_email, ended) = api_session(&app).await;
    sqlx::query(
        "UPDATE sessions SET revoked_at = 1, revoked_reason = 'sign_out' WHERE user_id = $1",
    )
    .bind(app.user_id(&ended_email).await)
    .execute(&app.db)
    .await
    .expect("the session ended");
    let live = [&first, &second, &third];
    let mut owners = Vec::new();
    for refresh in live {
        owners.push(owner_of(&app, refresh).await);
    }
    let never_issued = "never-issued".to_owned();
    let presented =
        [&first, &second, &third, &ended, &never_issued].map(|refresh| rotation(&app, refresh));
    let rotations: Vec<&Rotation> = presented.iter().collect();

    let mut conn = app.db.acquire().await.expect("a connection");
    let AtOnceRun::Ran(done) = rotate_at_once(&mut conn, &rotations)
        .await
        .expect("the statement")
    else {
        panic!("the statement gave way with no deadlock");
    };
    drop(conn);
    let mut done = done.into_iter().map(|did| did.expect("an answer"));
    let mut new_tokens = std::collections::HashSet::new();
    for (refresh, (session, email)) in live.into_iter().zip(owners) {
        let Some(AtOnce::Continued(RefreshOutcome::Continued {
            refresh_token: Some(token),
            user,
            session_id,
            ..
        })) = done.next()
        else {
            panic!("a live token was not continued");
        };
        assert_eq!(
            session_id, session,
            "a rotation answered with another's session"
        );
        assert_eq!(user.email, email, "a rotation answered with another's user");
        assert!(
            is_rotated(&app, refresh).await,
            "a continued token was left current"
        );
        let token = token.expose().to_owned();
        assert_eq!(
            owner_of(&app, &token).await,
            (session, email),
            "a new token was issued to another session"
        );
        assert!(
            new_tokens.insert(token),
            "two rotations were handed the same token"
        );
    }
    assert!(
        matches!(done.next(), Some(AtOnce::NotAtOnce)),
        "an ended session was continued"
    );
    assert!(!is_rotated(&app, &ended).await, "a refused rotation wrote");
    assert!(
        matches!(done.next(), Some(AtOnce::NotAtOnce)),
        "an unknown token was continued"
    );
    for token in &new_tokens {
        let reply = app.refresh_with_api(token).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "a new token did not work: {}",
            reply.body
        );
    }
    // Each rotation was audited once, under its own session.
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT session_id) FROM audit_events
         WHERE kind = 'refresh' AND user_agent = 'rotations-at-once'",
    )
    .fetch_one(&app.db)
    .await
    .expect("the audit");
    assert_eq!(audited, 3);
}

/// A user's row held by a sign-out: the statement does not wait for it (`SKIP LOCKED`).
/// That rotation is left out, with nothing written, for the transaction path to wait with
/// nothing committed; the others in the statement are committed.
#[tokio::test]
async fn a_held_row_leaves_its_rotation_out_and_the_others_go_on() {
    let app = spawn_app(Backend::Postgres).await;
    let (held_email, held) = api_session(&app).await;
    let (_, free) = api_session(&app).await;
    let mut sign_out = app.db.begin().await.expect("a transaction");
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
        .bind(app.user_id(&held_email).await)
        .execute(&mut *sign_out)
        .await
        .expect("the user's row locked");

    let presented = [rotation(&app, &held), rotation(&app, &free)];
    let rotations: Vec<&Rotation> = presented.iter().collect();
    let mut conn = app.db.acquire().await.expect("a connection");
    let run = tokio::time::timeout(
        Duration::from_secs(5),
        rotate_at_once(&mut conn, &rotations),
    )
    .await
    .expect("the statement waited for the held row")
    .expect("the statement");
    let AtOnceRun::Ran(done) = run else {
        panic!("the statement gave way with no deadlock");
    };
    let mut done = done.into_iter().map(|did| did.expect("an answer"));
    assert!(
        matches!(done.next(), Some(AtOnce::NotAtOnce)),
        "the held rotation was carried out"
    );
    assert!(!is_rotated(&app, &held).await, "the held rotation wrote");
    assert!(
        matches!(done.next(), Some(AtOnce::Continued(_))),
        "the free rotation was held up"
    );
    assert!(is_rotated(&app, &free).await);
    sign_out.rollback().await.expect("the rollback");
}

/// Through the token endpoint: users' rows held by sign-outs while many others refresh
/// at once, the held ones mixed in with the rest. Every other rotation is answered while the
/// sign-outs are still open (a statement never waits for a user's row: it leaves the held
/// ones out, and only they wait, each in its own transaction), and the
/// held ones are refused once the sign-outs commit. Held rows in as many statements as are
/// in flight would stall every one of them if a statement waited.
#[tokio::test]
async fn users_signing_out_hold_up_no_other_rotation() {
    let app = spawn_app(Backend::Postgres).await;
    let mut sign_outs = Vec::new();
    let mut held = Vec::new();
    // More than statements in flight (`rotations::STATEMENTS_IN_FLIGHT`). Each sign-out
    // is on a connection of its own, not one of the server's pool, which the held
    // rotations' transactions use while they wait.
    for _ in 0..6 {
        let (email, refresh) = api_session(&app).await;
        let user = app.user_id(&email).await;
        let mut sign_out =
            <sqlx::PgConnection as sqlx::Connection>::connect(&app.config.database_url)
                .await
                .expect("a connection");
        sqlx::query("BEGIN")
            .execute(&mut sign_out)
            .await
            .expect("a transaction");
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
            .bind(&user)
            .execute(&mut sign_out)
            .await
            .expect("the user's row locked");
        sqlx::query(
            "UPDATE sessions SET revoked_at = 1, revoked_reason = 'sign_out_everywhere'
             WHERE user_id = $1",
        )
        .bind(&user)
        .execute(&mut sign_out)
        .await
        .expect("the sessions ended");
        sign_outs.push(sign_out);
        held.push(refresh);
    }
    let mut others = Vec::new();
    for _ in 0..18 {
        others.push(api_session(&app).await.1);
    }

    // The first round presents the held tokens among the others, every third request.
    let mut waiting = Vec::new();
    let mut round: Vec<_> = Vec::new();
    for (at, refresh) in others.iter().enumerate() {
        if at % 3 == 0 {
            let refresh = held[at / 3].clone();
            let url = app.url("/api/auth/token");
            waiting.push(tokio::spawn(async move {
                let body =
                    serde_json::json!({"grant_type": "refresh_token", "refresh_token": refresh});
                reqwest::Client::new()
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status())
            }));
        }
        round.push(app.refresh_with_api(refresh));
    }
    let replies = tokio::time::timeout(Duration::from_secs(10), futures::future::join_all(round))
        .await
        .expect("a rotation waited behind another user's sign-out");
    for (refresh, reply) in others.iter_mut().zip(replies) {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        *refresh = reply.json["refresh_token"]
            .as_str()
            .expect("a new refresh token")
            .to_owned();
    }
    // And again, with the held ones waiting in their transactions.
    let replies =
        futures::future::join_all(others.iter().map(|refresh| app.refresh_with_api(refresh)));
    let replies = tokio::time::timeout(Duration::from_secs(10), replies)
        .await
        .expect("a rotation waited behind the held ones");
    for reply in replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    assert!(
        waiting.iter().all(|held| !held.is_finished()),
        "a held user's rotation did not wait for the sign-out"
    );
    for mut sign_out in sign_outs {
        sqlx::query("COMMIT")
            .execute(&mut sign_out)
            .await
            .expect("the sign-out commits");
    }
    for held in waiting {
        let status = held.await.expect("the request").expect("an answer");
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "a held rotation outlived its sign-out"
        );
    }
}

/// A caller that hangs up while its rotation waits, in its transaction, for the user's row
/// (held by a change of the account that keeps the session): when the row is free, the
/// rotation is rolled back, not committed for nobody. Its token is still current, and
/// presenting it again continues the session rather than reading as a stolen copy.
#[tokio::test]
async fn a_caller_that_left_while_its_rotation_waited_is_not_rotated_for() {
    let app = spawn_app(Backend::Postgres).await;
    let (email, refresh) = api_session(&app).await;
    let mut change = app.db.begin().await.expect("a transaction");
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
        .bind(app.user_id(&email).await)
        .execute(&mut *change)
        .await
        .expect("the user's row locked");

    let gave_up = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .expect("a client")
        .post(app.url("/api/auth/token"))
        .json(&serde_json::json!({"grant_type": "refresh_token", "refresh_token": refresh}))
        .send()
        .await;
    assert!(
        gave_up.is_err(),
        "the rotation did not wait for the held row"
    );
    // The server sees the connection closed and drops the request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    change.commit().await.expect("the change commits");
    // Whatever the rotation does next happens now.
    tokio::time::sleep(Duration::from_millis(500)).await;

    assert!(
        !is_rotated(&app, &refresh).await,
        "rotated for a caller that had left"
    );
    let again = app.refresh_with_api(&refresh).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}
