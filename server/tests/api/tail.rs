//! Following `revocation_events`: a poll reads only what it has not seen, and an event
//! whose transaction commits after ones with higher ids (PostgreSQL) is not lost, however
//! late it commits and however far back its id lies when a process starts.

use backend::db::{begin_write, Dialect};
use backend::revocation::{record, Revocation, RevocationView};
use backend::tail::Tail;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{spawn_app, spawn_on, Backend};
use crate::on_both_databases;

on_both_databases!(a_poll_reads_only_the_events_it_has_not_seen,);

fn dialect(backend: Backend) -> Dialect {
    match backend {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
    }
}

async fn a_poll_reads_only_the_events_it_has_not_seen(backend: Backend) {
    let app = spawn_app(backend).await;
    let view = RevocationView::default();
    let mut tail = Tail::start(&app.db, dialect(backend), &view, app.clock.now())
        .await
        .unwrap();
    let write = |count: usize| {
        let (db, now) = (app.db.clone(), app.clock.now());
        async move {
            let mut tx = begin_write(&db, dialect(backend)).await.unwrap();
            for i in 0..count {
                let revocation = Revocation::AccessToken {
                    jti: format!("jti-{i}-{}", uuid::Uuid::now_v7()),
                    forget_after: now + 600,
                };
                record(&mut tx, dialect(backend), &revocation, now)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
    };
    write(2_500).await;
    assert_eq!(tail.poll(&app.db, &view).await.unwrap(), 2_500);
    assert_eq!(view.len(), 2_500);
    assert_eq!(
        tail.poll(&app.db, &view).await.unwrap(),
        0,
        "nothing new, nothing read"
    );
    write(3).await;
    assert_eq!(tail.poll(&app.db, &view).await.unwrap(), 3);
}

/// A transaction takes an event id, another one takes a higher id and commits first, and
/// the other process reads past both ids before the first commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_after_a_higher_one_is_still_applied() {
    let first = spawn_app(Backend::Postgres).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (_, early_email) = first.signed_up_browser().await;
    let (early_access, _) = first.api_tokens(&early_email).await;
    let early_session = first.me_with_bearer(&early_access).await.json["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();

    let now = first.clock.now();
    let mut slow = begin_write(&first.db, Dialect::Postgres).await.unwrap();
    let revocation = Revocation::Session {
        session_id: early_session,
        forget_after: now + 3_600,
    };
    record(&mut slow, Dialect::Postgres, &revocation, now)
        .await
        .unwrap();

    let (mut other, _) = first.signed_up_browser().await;
    let other_access = other.cookie("access_token").unwrap();
    let res = other.post("/api/auth/logout-all", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    second.wait_until_refused(&other_access).await;
    assert_eq!(
        second.me_with_bearer(&early_access).await.status,
        StatusCode::OK,
        "not revoked yet: its transaction is still open"
    );

    slow.commit().await.unwrap();
    second.wait_until_refused(&early_access).await;
}

/// An access-token revocation written in a transaction of its own, left open: on a
/// connection of its own, as another program's would be (the server's pooled connections
/// end a transaction idle for a minute).
async fn open_revocation(app: &crate::harness::TestApp) -> sqlx::AnyConnection {
    use sqlx::{Connection, Executor};
    let now = app.clock.now();
    let mut slow = sqlx::AnyConnection::connect(&app.config.database_url)
        .await
        .unwrap();
    slow.execute("BEGIN").await.unwrap();
    let revocation = Revocation::AccessToken {
        jti: format!("late-{}", uuid::Uuid::now_v7()),
        forget_after: now + 3_600,
    };
    record(&mut slow, Dialect::Postgres, &revocation, now)
        .await
        .unwrap();
    slow
}

async fn commit(mut slow: sqlx::AnyConnection) {
    use sqlx::Executor;
    slow.execute("COMMIT").await.unwrap();
}

/// `count` revocations, each committed in a transaction of its own.
async fn committed_revocations(app: &crate::harness::TestApp, count: usize) {
    let now = app.clock.now();
    for i in 0..count {
        let mut tx = begin_write(&app.db, Dialect::Postgres).await.unwrap();
        let revocation = Revocation::AccessToken {
            jti: format!("quick-{i}-{}", uuid::Uuid::now_v7()),
            forget_after: now + 3_600,
        };
        record(&mut tx, Dialect::Postgres, &revocation, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// The event's id is taken, then 300 higher ids commit and are read, and polls go by for
/// longer than two minutes before its transaction commits. (A tail that waited at most
/// two minutes for a missing id gave up on it, and the event was never applied.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_commits_minutes_after_higher_ones_is_still_applied() {
    let app = spawn_app(Backend::Postgres).await;
    let view = RevocationView::default();
    let mut tail = Tail::start(&app.db, Dialect::Postgres, &view, app.clock.now())
        .await
        .unwrap();
    let slow = open_revocation(&app).await;
    committed_revocations(&app, 300).await;
    let held_until = std::time::Instant::now() + std::time::Duration::from_secs(125);
    while std::time::Instant::now() < held_until {
        tail.poll(&app.db, &view).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert_eq!(
        view.len(),
        300,
        "the open transaction's event is not visible yet"
    );

    commit(slow).await;
    assert_eq!(tail.poll(&app.db, &view).await.unwrap(), 1);
    assert_eq!(view.len(), 301, "applied once it committed");
    assert_eq!(tail.poll(&app.db, &view).await.unwrap(), 0, "and only once");
}

/// A process starts while an event far below the highest id is still uncommitted (a tail
/// that started a fixed 64 ids below the highest never looked at it again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_starts_while_an_old_event_is_uncommitted_still_learns_it() {
    let app = spawn_app(Backend::Postgres).await;
    let slow = open_revocation(&app).await;
    committed_revocations(&app, 100).await;

    let view = RevocationView::default();
    let mut tail = Tail::start(&app.db, Dialect::Postgres, &view, app.clock.now())
        .await
        .unwrap();
    assert_eq!(view.len(), 100);
    commit(slow).await;
    tail.poll(&app.db, &view).await.unwrap();
    assert_eq!(
        view.len(),
        101,
        "the late event reached the process that started after it"
    );
}
