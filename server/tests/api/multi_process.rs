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
