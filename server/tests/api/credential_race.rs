//! A sign-in that verified the old password (or found the account by its old email)
//! while a password or email change was committing must not leave a live session behind.
//! Each round staggers the sign-in differently across the change's own Argon2 work, so
//! that the sign-in's check and its write fall on either side of the change's commit.

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{no_rate_limits, spawn_app_with, unique_email, Backend, TestApp, PASSWORD};
use crate::on_both_databases;

on_both_databases!(
    a_sign_in_with_the_old_password_never_survives_a_password_change,
    a_sign_in_with_the_old_email_never_survives_an_email_change,
);

const ROUNDS: u32 = 16;

async fn a_sign_in_with_the_old_password_never_survives_a_password_change(backend: Backend) {
    let app = spawn_app_with(backend, no_rate_limits).await;
    for round in 0..ROUNDS {
        let change = json!({"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"});
        race_once(&app, round, "/api/auth/password", change).await;
    }
}

async fn a_sign_in_with_the_old_email_never_survives_an_email_change(backend: Backend) {
    let app = spawn_app_with(backend, no_rate_limits).await;
    for round in 0..ROUNDS {
        let change = json!({"currentPassword": PASSWORD, "newEmail": unique_email()});
        race_once(&app, round, "/api/auth/email", change).await;
    }
}

/// A fresh account changes its credentials (`change_path`) while an API client signs in
/// with the old ones; afterwards the sign-in's session, if it got one, must be dead.
async fn race_once(app: &TestApp, round: u32, change_path: &str, change: Value) {
    let started = Instant::now();
    let (mut owner, email) = app.signed_up_browser().await;
    // About one Argon2 run; the change makes one or two before its transaction.
    let hash_time = started.elapsed();
    let changed = owner.post(change_path, change);
    let signed_in = async {
        tokio::time::sleep(hash_time * 3 * round / ROUNDS).await;
        app.post_anonymous(
            "/api/auth/token",
            &[],
            Some(json!({"grant_type": "password", "email": email, "password": PASSWORD})),
        )
        .await
    };
    let (changed, signed_in) = tokio::join!(changed, signed_in);
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    if signed_in.status != StatusCode::OK {
        return;
    }
    let access = signed_in.json["access_token"].as_str().unwrap();
    let refresh = signed_in.json["refresh_token"].as_str().unwrap();
    assert_eq!(
        app.me_with_bearer(access).await.status,
        StatusCode::UNAUTHORIZED,
        "round {round}: a session signed in with the old credentials survived the change"
    );
    let renewed = app.refresh_with_api(refresh).await;
    assert_eq!(renewed.status, StatusCode::BAD_REQUEST, "round {round}");
}
