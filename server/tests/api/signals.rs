//! Beyond the app's walls: the published keys verify every token; a rotation loses no
//! sign-in; Shared Signals events reach receivers for every way a session ends, once and
//! in order, whatever the receiver or the server went through.

use std::time::Duration;

use backend::keys::{self, material::KeyAlg, seal::Sealer};
use backend::ssf;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{
    no_rate_limits, send, spawn_app, spawn_app_with, spawn_on, Backend, TestApp, PASSWORD,
};
use crate::on_both_databases;
use crate::set_receiver::{event_of, jwks, verified_set, verify_access_token, PushReceiver};

on_both_databases!(
    the_jwks_verifies_every_token_the_server_issues,
    a_rotation_keeps_tokens_of_both_keys_working_on_every_process,
    tokens_naming_an_unknown_key_or_hs256_are_refused,
    every_way_a_session_ends_is_pushed_signed_and_tied_by_txn,
    a_poll_stream_gets_events_acks_them_and_waits_for_more,
    a_receiver_that_was_down_gets_every_event_once_in_order,
    sessions_that_run_out_of_time_are_announced_once,
    stream_management_refuses_what_it_must,
    a_killed_process_s_events_are_delivered_once_by_the_next_one,
    processes_starting_together_make_one_first_key,
    a_withdrawn_key_s_tokens_are_refused_at_the_next_reload,
    sign_out_everywhere_of_hundreds_of_sessions_announces_each,
);

const CAEP_REVOKED: &str = ssf::SESSION_REVOKED;

async fn the_jwks_verifies_every_token_the_server_issues(backend: Backend) {
    let app = spawn_app(backend).await;
    let metadata = send(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &app.url("/.well-known/oauth-authorization-server"),
        &[("host", app.addr.to_string())],
        None,
    )
    .await;
    assert_eq!(
        metadata.json["jwks_uri"],
        format!("http://{}/.well-known/jwks.json", app.addr)
    );
    let keys = jwks(&app).await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1);
    assert_eq!(keys["keys"][0]["kty"], "OKP");
    assert!(keys["keys"][0].get("d").is_none(), "no private part");
    // A web sign-in's cookie, a token API sign-in, and a refresh: each verifies with the
    // published key alone.
    let (mut browser, email) = app.signed_up_browser().await;
    let (api_access, api_refresh) = app.api_tokens(&email).await;
    let refreshed = app.refresh_with_api(&api_refresh).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let cookie_access = browser.cookie("access_token").unwrap();
    let user_id = app.user_id(&email).await;
    for token in [
        cookie_access.as_str(),
        api_access.as_str(),
        refreshed.json["access_token"].as_str().unwrap(),
    ] {
        let claims = verify_access_token(&keys, token, &app.config.issuer)
            .expect("the JWKS verifies the token");
        assert_eq!(claims["sub"], user_id.as_str());
    }
    assert_eq!(browser.me().await.status, StatusCode::OK);
}

async fn rotate(app: &TestApp, alg: KeyAlg) -> keys::store::Rotated {
    let sealer = Sealer::new(&app.config.key_encryption_key);
    let now = app.clock.now();
    keys::store::rotate(
        &app.db,
        app.state.dialect,
        &sealer,
        alg,
        now,
        keys::ROTATION_LEAD,
    )
    .await
    .unwrap()
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn a_rotation_keeps_tokens_of_both_keys_working_on_every_process(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (old_token, _) = app.api_tokens(&email).await;
    let old_kid = kid_of(&old_token);

    let rotated = rotate(&app, KeyAlg::Es256).await;
    app.state
        .keys
        .reload(&app.db, app.clock.now())
        .await
        .unwrap();
    // Published at once, before it signs anything.
    let published = jwks(&app).await;
    let kids: Vec<&str> = published["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&rotated.kid.as_str()) && kids.contains(&old_kid.as_str()));
    let (still_old, _) = app.api_tokens(&email).await;
    assert_eq!(
        kid_of(&still_old),
        old_kid,
        "the new key waits for its lead"
    );

    app.clock.advance(keys::ROTATION_LEAD);
    app.state
        .keys
        .reload(&app.db, app.clock.now())
        .await
        .unwrap();
    let (new_token, _) = app.api_tokens(&email).await;
    assert_eq!(kid_of(&new_token), rotated.kid);
    assert_eq!(
        jsonwebtoken::decode_header(&new_token).unwrap().alg,
        jsonwebtoken::Algorithm::ES256
    );
    // Tokens of both keys in flight: both work here, and on a second process that loaded
    // the keys from the shared database.
    let second = spawn_on(app.config.clone(), app.clock.clone()).await;
    for server in [&app, &second] {
        for token in [&old_token, &still_old, &new_token] {
            assert_eq!(server.me_with_bearer(token).await.status, StatusCode::OK);
        }
    }
    let keys_now = jwks(&second).await;
    for token in [&old_token, &new_token] {
        assert!(verify_access_token(&keys_now, token, &app.config.issuer).is_some());
    }

    // Once the last token of the old key has expired, the key is gone from the JWKS.
    let ttl = app.config.access_token_ttl;
    app.clock.advance(ttl + keys::RETIRED_MARGIN);
    app.state
        .keys
        .reload(&app.db, app.clock.now())
        .await
        .unwrap();
    let keys_later = jwks(&app).await;
    assert_eq!(keys_later["keys"].as_array().unwrap().len(), 1);
    assert_eq!(keys_later["keys"][0]["kid"], rotated.kid.as_str());
    let (latest, _) = app.api_tokens(&email).await;
    assert_eq!(app.me_with_bearer(&latest).await.status, StatusCode::OK);
}

async fn tokens_naming_an_unknown_key_or_hs256_are_refused(backend: Backend) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (token, _) = app.api_tokens(&email).await;
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let mut unknown = header.clone();
    unknown["kid"] = json!("a-key-nobody-published");
    let forged = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(unknown.to_string()),
        parts[1],
        parts[2]
    );
    assert_eq!(
        app.me_with_bearer(&forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    // HS256 with JWT_SECRET (what older versions signed with).
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let hs256 = |iat: i64| {
        let mut claims = claims.clone();
        claims["iat"] = json!(iat);
        claims["exp"] = json!(iat + app.config.access_token_ttl);
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(app.config.jwt_secret.expose().as_bytes()),
        )
        .unwrap()
    };
    // On a new installation no such token can be genuine: none verifies, whatever its iat.
    let old_enough = hs256(app.clock.now() - 60);
    for token in [&old_enough, &hs256(app.clock.now())] {
        assert_eq!(
            app.me_with_bearer(token).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // An upgraded installation: sessions existed before the first key (this database
    // without its keys, as an older version left it). Tokens issued before the switch (and
    // in the rolling upgrade's grace) verify until they expire; later ones never.
    sqlx::query("DELETE FROM signing_keys")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM signing_key_epoch")
        .execute(&app.db)
        .await
        .unwrap();
    let upgraded = spawn_on(app.config.clone(), app.clock.clone()).await;
    assert_eq!(
        upgraded.me_with_bearer(&old_enough).await.status,
        StatusCode::OK
    );
    app.clock.advance(keys::LEGACY_GRACE);
    assert_eq!(
        upgraded
            .me_with_bearer(&hs256(app.clock.now()))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance(app.config.access_token_ttl);
    assert_eq!(
        upgraded.me_with_bearer(&old_enough).await.status,
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    let (token, _) = upgraded.api_tokens(&email).await;
    assert_eq!(
        upgraded.me_with_bearer(&token).await.status,
        StatusCode::OK,
        "the control"
    );
}

/// Registers a receiver and creates its stream; returns the receiver's secret and the
/// stream's configuration.
async fn stream_for(app: &TestApp, name: &str, delivery: Value) -> (String, Value) {
    let secret = ssf::streams::add_receiver(&app.db, name, app.clock.now())
        .await
        .unwrap();
    let secret = secret.expose().to_owned();
    let res = app
        .post_anonymous(
            "/ssf/streams",
            &[("authorization", format!("Bearer {secret}"))],
            Some(json!({"delivery": delivery, "description": "tests"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    (secret, res.json)
}

async fn push_stream(app: &TestApp, receiver: &PushReceiver) {
    let delivery = json!({
        "method": ssf::PUSH,
        "endpoint_url": receiver.url,
        "authorization_header": "Bearer receiver-own-secret",
    });
    let (_, config) = stream_for(app, "notes", delivery).await;
    assert_eq!(config["aud"], "notes");
    assert_eq!(config["iss"], app.config.app_origin.as_str());
    assert_eq!(
        config["events_delivered"].as_array().unwrap().len(),
        ssf::SUPPORTED.len()
    );
    // The receiver's credential is never returned, and is stored sealed.
    assert!(!config.to_string().contains("receiver-own-secret"));
    let stored: String = sqlx::query_scalar("SELECT authorization_header FROM ssf_streams")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!stored.contains("receiver-own-secret"), "{stored}");
}

/// The verified claims of everything the receiver got.
async fn received_sets(app: &TestApp, receiver: &PushReceiver, count: usize) -> Vec<Value> {
    let keys = jwks(app).await;
    let pushed = receiver.wait_for(count).await;
    pushed
        .iter()
        .map(|p| {
            assert_eq!(p.content_type.as_deref(), Some("application/secevent+jwt"));
            assert_eq!(
                p.authorization.as_deref(),
                Some("Bearer receiver-own-secret")
            );
            verified_set(&keys, &p.set, &app.config.app_origin, "notes")
        })
        .collect()
}

async fn every_way_a_session_ends_is_pushed_signed_and_tied_by_txn(backend: Backend) {
    let app = spawn_app_with(backend, no_rate_limits).await;
    let receiver = PushReceiver::start().await;
    push_stream(&app, &receiver).await;
    let (mut first, email) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;

    // 1. A sign-out.
    let first_sid = first.session_id().await;
    assert_eq!(
        first.post_empty("/api/auth/logout").await.status,
        StatusCode::OK
    );
    let sets = received_sets(&app, &receiver, 1).await;
    let (kind, event) = event_of(&sets[0]);
    assert_eq!(kind, CAEP_REVOKED);
    assert_eq!(sets[0]["sub_id"]["format"], "complex");
    assert_eq!(sets[0]["sub_id"]["session"]["id"], first_sid.as_str());
    assert_eq!(sets[0]["sub_id"]["user"]["id"], user_id.as_str());
    assert_eq!(event["reason_admin"]["en"], "sign_out");
    assert_eq!(event["initiating_entity"], "user");
    assert_eq!(event["event_timestamp"], app.clock.now());

    // 2. One device revoked from another.
    let mut phone = app.signed_in_browser(&email).await;
    let mut laptop = app.signed_in_browser(&email).await;
    let laptop_sid = laptop.session_id().await;
    let res = phone
        .post(
            "/api/auth/sessions/revoke",
            json!({"sessionId": laptop_sid}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.body);
    let sets = received_sets(&app, &receiver, 2).await;
    assert_eq!(sets[1]["sub_id"]["session"]["id"], laptop_sid.as_str());
    assert_eq!(
        event_of(&sets[1]).1["reason_admin"]["en"],
        "revoked_from_devices_list"
    );

    // 3. A password change: the other sessions end, and the credential change is said,
    // all with one txn.
    let mut tablet = app.signed_in_browser(&email).await;
    let tablet_sid = tablet.session_id().await;
    let res = phone
        .post(
            "/api/auth/password",
            json!({"currentPassword": PASSWORD, "newPassword": "another good passphrase"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let sets = received_sets(&app, &receiver, 4).await;
    let change: Vec<&Value> = sets[2..].iter().collect();
    let kinds: Vec<String> = change.iter().map(|c| event_of(c).0).collect();
    assert_eq!(kinds, [CAEP_REVOKED, ssf::CREDENTIAL_CHANGE]);
    assert_eq!(change[0]["sub_id"]["session"]["id"], tablet_sid.as_str());
    assert_eq!(change[0]["txn"], change[1]["txn"]);
    let credential = event_of(change[1]).1;
    assert_eq!(credential["credential_type"], "password");
    assert_eq!(credential["change_type"], "update");
    assert_ne!(sets[0]["txn"], sets[2]["txn"]);

    // 4. An email change: RISC identifier-changed, its subject the old address.
    let new_email = crate::harness::unique_email();
    let res = phone
        .post(
            "/api/auth/email",
            json!({"currentPassword": "another good passphrase", "newEmail": new_email}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let sets = received_sets(&app, &receiver, 5).await;
    let (kind, event) = event_of(&sets[4]);
    assert_eq!(kind, ssf::IDENTIFIER_CHANGED);
    assert_eq!(
        sets[4]["sub_id"],
        json!({"format": "email", "email": email})
    );
    assert_eq!(event["new-value"], new_email.as_str());

    // 5. Everywhere: every session that was live, this one too, in one txn.
    let other = app
        .signed_in_browser_with(&new_email, "another good passphrase")
        .await;
    drop(other);
    assert_eq!(
        phone.post_empty("/api/auth/logout-all").await.status,
        StatusCode::OK
    );
    let sets = received_sets(&app, &receiver, 7).await;
    let everywhere = &sets[5..];
    assert!(everywhere.iter().all(|s| event_of(s).0 == CAEP_REVOKED));
    assert_eq!(everywhere[0]["txn"], everywhere[1]["txn"]);
    assert!(everywhere
        .iter()
        .all(|s| event_of(s).1["reason_admin"]["en"] == "sign_out_everywhere"));
    let jtis: std::collections::HashSet<_> = sets.iter().map(|s| s["jti"].clone()).collect();
    assert_eq!(jtis.len(), sets.len(), "every jti is unique");
    // Nothing more than that arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 7);
}

async fn poll(app: &TestApp, secret: &str, stream_id: &str, body: Value) -> Value {
    let res = app
        .post_anonymous(
            &format!("/ssf/poll/{stream_id}"),
            &[("authorization", format!("Bearer {secret}"))],
            Some(body),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json
}

async fn a_poll_stream_gets_events_acks_them_and_waits_for_more(backend: Backend) {
    let app = spawn_app(backend).await;
    let (secret, config) = stream_for(&app, "poller", json!({"method": ssf::POLL})).await;
    let stream_id = config["stream_id"].as_str().unwrap().to_owned();
    assert_eq!(
        config["delivery"]["endpoint_url"],
        format!("{}/ssf/poll/{stream_id}", app.config.app_origin)
    );
    let (mut browser, _) = app.signed_up_browser().await;
    let sid = browser.session_id().await;
    browser.post_empty("/api/auth/logout").await;

    let answer = poll(
        &app,
        &secret,
        &stream_id,
        json!({"returnImmediately": true}),
    )
    .await;
    let sets = answer["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 1);
    assert_eq!(answer["moreAvailable"], false);
    let (jti, set) = sets.iter().next().unwrap();
    let keys = jwks(&app).await;
    let claims = verified_set(
        &keys,
        set.as_str().unwrap(),
        &app.config.app_origin,
        "poller",
    );
    assert_eq!(claims["jti"], jti.as_str());
    assert_eq!(claims["sub_id"]["session"]["id"], sid.as_str());
    // Not acknowledged: sent again, the same jti.
    let again = poll(
        &app,
        &secret,
        &stream_id,
        json!({"returnImmediately": true}),
    )
    .await;
    assert!(again["sets"].get(jti).is_some());
    let acked = poll(
        &app,
        &secret,
        &stream_id,
        json!({"ack": [jti], "returnImmediately": true}),
    )
    .await;
    assert!(acked["sets"].as_object().unwrap().is_empty());

    // A long poll waits, and a sign-out made meanwhile ends the wait at once.
    let (mut other, _) = app.signed_up_browser().await;
    let waiting = {
        let (url, secret) = (app.url(&format!("/ssf/poll/{stream_id}")), secret.clone());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(secret)
                .json(&json!({"returnImmediately": false}))
                .send()
                .await
                .unwrap();
            (started.elapsed(), res.json::<Value>().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    other.post_empty("/api/auth/logout").await;
    let (waited, answer) = waiting.await.unwrap();
    assert_eq!(answer["sets"].as_object().unwrap().len(), 1, "{answer}");
    assert!(
        waited < Duration::from_secs(5),
        "woken by the sign-out, not the timeout"
    );
}

async fn a_receiver_that_was_down_gets_every_event_once_in_order(backend: Backend) {
    let app = spawn_app_with(backend, no_rate_limits).await;
    let receiver = PushReceiver::start().await;
    push_stream(&app, &receiver).await;
    receiver.answer(503);
    let (_, email) = app.signed_up_browser().await;
    let mut sessions = Vec::new();
    for _ in 0..4 {
        let mut device = app.signed_in_browser(&email).await;
        sessions.push(device.session_id().await);
        assert_eq!(
            device.post_empty("/api/auth/logout").await.status,
            StatusCode::OK
        );
    }
    // Sign-outs never waited for the receiver; the events wait in the outbox.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.received().is_empty());
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ssf_outbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting, 4);

    // Back up: once the retry is due, all of them arrive, once each, in order.
    receiver.answer(0);
    app.clock.advance(60);
    let sets = received_sets(&app, &receiver, 4).await;
    let order: Vec<&str> = sets
        .iter()
        .map(|s| s["sub_id"]["session"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        sessions.iter().map(String::as_str).collect::<Vec<_>>()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 4, "none twice");
}

async fn sessions_that_run_out_of_time_are_announced_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let receiver = PushReceiver::start().await;
    push_stream(&app, &receiver).await;
    let (mut browser, _) = app.signed_up_browser().await;
    let sid = browser.session_id().await;
    app.clock.advance(app.config.session_idle_timeout + 1);
    let now = app.clock.now();
    let announced = ssf::expiry::sweep(&app.db, app.state.dialect, now)
        .await
        .unwrap();
    assert_eq!(announced, 1);
    assert_eq!(
        ssf::expiry::sweep(&app.db, app.state.dialect, now)
            .await
            .unwrap(),
        0,
        "once"
    );
    app.state.ssf_wakes.committed();
    let sets = received_sets(&app, &receiver, 1).await;
    assert_eq!(sets[0]["sub_id"]["session"]["id"], sid.as_str());
    let event = event_of(&sets[0]).1;
    assert_eq!(event["reason_admin"]["en"], "idle_timeout");
    assert_eq!(event["initiating_entity"], "policy");
}

async fn stream_management_refuses_what_it_must(backend: Backend) {
    let app = spawn_app(backend).await;
    let create = |secret: Option<String>, body: Value| {
        let headers: Vec<(&str, String)> = secret
            .map(|s| vec![("authorization", format!("Bearer {s}"))])
            .unwrap_or_default();
        let app = &app;
        async move {
            app.post_anonymous("/ssf/streams", &headers, Some(body))
                .await
        }
    };
    let push_to = |url: &str| json!({"delivery": {"method": ssf::PUSH, "endpoint_url": url}});
    let res = create(None, push_to("http://127.0.0.1:9/e")).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = create(Some("not-a-secret".into()), push_to("http://127.0.0.1:9/e")).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    let secret = ssf::streams::add_receiver(&app.db, "r1", app.clock.now())
        .await
        .unwrap()
        .expose()
        .to_owned();
    assert!(
        ssf::streams::add_receiver(&app.db, "r1", app.clock.now())
            .await
            .is_err(),
        "names are unique"
    );
    for bad in [
        push_to("http://receiver.example/events"),
        push_to("not a url"),
        json!({"delivery": {"method": "urn:example:carrier-pigeon"}}),
        json!({"delivery": {"method": ssf::PUSH}}),
        json!({"delivery": {"method": ssf::POLL}, "unknown": 1}),
    ] {
        let res = create(Some(secret.clone()), bad.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.body);
        assert!(res.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let res = create(
        Some(secret.clone()),
        json!({"delivery": {"method": ssf::POLL}}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let stream_id = res.json["stream_id"].as_str().unwrap().to_owned();
    let res = create(
        Some(secret.clone()),
        json!({"delivery": {"method": ssf::POLL}}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // Another receiver cannot see, poll or delete this stream.
    let intruder = ssf::streams::add_receiver(&app.db, "r2", app.clock.now())
        .await
        .unwrap()
        .expose()
        .to_owned();
    let bearer = |s: &str| vec![("authorization", format!("Bearer {s}"))];
    let res = send(
        &reqwest::Client::new(),
        reqwest::Method::GET,
        &app.url(&format!("/ssf/streams?stream_id={stream_id}")),
        &bearer(&intruder),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .post_anonymous(
            &format!("/ssf/poll/{stream_id}"),
            &bearer(&intruder),
            Some(json!({})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Disabled: no events are kept for it.
    let res = app
        .post_anonymous(
            "/ssf/status",
            &bearer(&secret),
            Some(json!({"stream_id": stream_id, "status": "disabled"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (mut browser, _) = app.signed_up_browser().await;
    browser.post_empty("/api/auth/logout").await;
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ssf_outbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, 0);
    let res = send(
        &reqwest::Client::new(),
        reqwest::Method::DELETE,
        &app.url(&format!("/ssf/streams?stream_id={stream_id}")),
        &bearer(&secret),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
}

async fn a_killed_process_s_events_are_delivered_once_by_the_next_one(backend: Backend) {
    use crate::processes::{server_process, until_listening};
    let receiver = PushReceiver::start().await;
    receiver.answer(503);
    let database = crate::harness::fresh_database(backend).await;
    let (mut first, port) = server_process(&database, &[]);
    until_listening(port).await;
    // The receiver and its stream, through the shared database and the public API.
    let db = backend::db::connect_and_migrate(&database).await.unwrap();
    let secret = ssf::streams::add_receiver(&db, "notes", 0).await.unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{base}/ssf/streams"))
        .bearer_auth(secret.expose())
        .json(&json!({"delivery": {"method": ssf::PUSH, "endpoint_url": receiver.url}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let email = crate::harness::unique_email();
    let account = json!({"email": email, "password": PASSWORD});
    let res = http
        .post(format!("{base}/api/auth/register"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let tokens: Value = http
        .post(format!("{base}/api/auth/token"))
        .json(&json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = http
        .post(format!("{base}/api/auth/logout"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .json(&json!({"refreshToken": tokens["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Committed, tried against a receiver that is down, and then the process dies.
    let started = std::time::Instant::now();
    loop {
        let attempts: Option<i64> = sqlx::query_scalar("SELECT MAX(attempts) FROM ssf_outbox")
            .fetch_one(&db)
            .await
            .unwrap();
        if attempts.unwrap_or(0) > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never tried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().expect("kill");
    let _ = first.wait();

    // Started again with the receiver up: the event arrives, once. (Its retry is due
    // within a second or two; the dead process's lease on the stream runs out first.)
    receiver.answer(0);
    let (mut second, port) = server_process(&database, &[]);
    until_listening(port).await;
    let started = std::time::Instant::now();
    while receiver.received().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never delivered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "once");
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            received[0].set.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(event_of(&claims).0, CAEP_REVOKED);
    second.kill().expect("kill");
    let _ = second.wait();
}

/// The first start makes the first key; processes starting at once on a fresh database
/// must agree on one, or a token signed by one would be unknown to the other until its
/// next reload. Raced several times.
async fn processes_starting_together_make_one_first_key(backend: Backend) {
    // (Databases of this test are left to the sweep of old test databases.)
    for _ in 0..5 {
        let config = crate::harness::test_config(crate::harness::fresh_database(backend).await);
        let clock = backend::clock::Clock::frozen();
        let (first, second) = tokio::join!(
            spawn_on(config.clone(), clock.clone()),
            spawn_on(config.clone(), clock.clone())
        );
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys")
            .fetch_one(&first.db)
            .await
            .unwrap();
        assert_eq!(keys, 1);
        let (_, email) = first.signed_up_browser().await;
        let (token, _) = first.api_tokens(&email).await;
        assert_eq!(second.me_with_bearer(&token).await.status, StatusCode::OK);
    }
}

/// Verified tokens are remembered (the signature is not checked on every request), but
/// never past their key: a key deleted by hand (compromised, say) takes its tokens with it
/// at the next reload.
async fn a_withdrawn_key_s_tokens_are_refused_at_the_next_reload(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, email) = app.signed_up_browser().await;
    let (old_token, _) = app.api_tokens(&email).await;
    assert_eq!(app.me_with_bearer(&old_token).await.status, StatusCode::OK);
    rotate(&app, KeyAlg::EdDsa).await;
    app.clock.advance(keys::ROTATION_LEAD);
    app.state
        .keys
        .reload(&app.db, app.clock.now())
        .await
        .unwrap();
    assert_eq!(app.me_with_bearer(&old_token).await.status, StatusCode::OK);
    sqlx::query("DELETE FROM signing_keys WHERE kid = $1")
        .bind(kid_of(&old_token))
        .execute(&app.db)
        .await
        .unwrap();
    app.state
        .keys
        .reload(&app.db, app.clock.now())
        .await
        .unwrap();
    assert_eq!(
        app.me_with_bearer(&old_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (new_token, _) = app.api_tokens(&email).await;
    assert_eq!(app.me_with_bearer(&new_token).await.status, StatusCode::OK);
}

/// Events are written many rows per statement: every one of 250 sessions is announced.
async fn sign_out_everywhere_of_hundreds_of_sessions_announces_each(backend: Backend) {
    let app = spawn_app(backend).await;
    let (secret, config) = stream_for(&app, "poller", json!({"method": ssf::POLL})).await;
    let stream_id = config["stream_id"].as_str().unwrap().to_owned();
    let (mut browser, email) = app.signed_up_browser().await;
    let user_id = app.user_id(&email).await;
    app.insert_sessions(&user_id, 250).await;
    assert_eq!(
        browser.post_empty("/api/auth/logout-all").await.status,
        StatusCode::OK
    );
    let answer = poll(
        &app,
        &secret,
        &stream_id,
        json!({"returnImmediately": true, "maxEvents": 300}),
    )
    .await;
    let sets = answer["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 251);
    let sessions: std::collections::HashSet<String> = sets
        .values()
        .map(|set| {
            let payload = set.as_str().unwrap().split('.').nth(1).unwrap();
            let claims: Value = serde_json::from_slice(
                &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                    .unwrap(),
            )
            .unwrap();
            claims["sub_id"]["session"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(sessions.len(), 251, "one event per session");
}
