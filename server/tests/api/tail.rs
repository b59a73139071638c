//! Following `revocation_events` by id: a poll reads only what it has not seen, and an
//! event whose transaction commits after one with a higher id (PostgreSQL) is not lost.

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
    let mut tail = Tail::start(&app.db, &view, app.clock.now()).await.unwrap();
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
