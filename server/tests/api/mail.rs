//! Security mails, the "Not me" link and the password reset, against a real SMTP server
//! (`mail_sink`): each mail arrives once, none is lost to a crash or to an SMTP server that
//! is down for a while, and two processes never send one twice.

use std::time::Duration;

use backend::config::MailTransport;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{no_rate_limits, spawn_app_with, spawn_on, Backend, TestApp, PASSWORD};
use crate::mail_sink::{free_port, SmtpSink};
use crate::on_both_databases;
use crate::processes::until_listening;

on_both_databases!(
    a_new_device_and_a_password_change_are_each_told_once,
    mail_committed_by_a_process_that_never_sent_it_arrives_once,
    an_smtp_server_down_for_a_minute_delays_mail_and_loses_none,
    two_processes_never_send_one_mail_twice,
    not_me_ends_every_session_on_another_process_and_works_once,
    a_password_reset_ends_every_session_and_its_link_works_once,
    a_killed_process_s_mail_is_sent_once_by_the_next_one,
);

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

fn mail_to(sink: &SmtpSink) -> impl FnOnce(&mut backend::config::Config) + '_ {
    move |config| {
        no_rate_limits(config);
        config.mail.transport = MailTransport::Smtp(sink.url());
    }
}

/// Signs in as a device whose browser says `user_agent`; its access token.
async fn sign_in_from(app: &TestApp, email: &str, user_agent: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/api/auth/token"))
        .header("user-agent", user_agent)
        .json(&json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Every message id once: nothing was sent twice.
fn assert_each_once(received: &[crate::mail_sink::Received]) {
    let mut ids: Vec<&str> = received.iter().map(|r| r.message_id.as_str()).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "a mail arrived twice: {ids:?}");
}

async fn a_new_device_and_a_password_change_are_each_told_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(backend, mail_to(&sink)).await;
    let (mut browser, email) = app.signed_up_browser().await;
    // The same device as the sign-up: nothing to tell.
    let _ = app.api_tokens(&email).await;
    sign_in_from(&app, &email, FIREFOX).await;
    // Firefox on Windows again: known now.
    sign_in_from(&app, &email, FIREFOX).await;
    let res = browser
        .post(
            "/api/auth/password",
            json!({"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let received = sink.wait_for(2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received_later = sink.received();
    assert_eq!(
        received_later.len(),
        2,
        "{:?}",
        received_later
            .iter()
            .map(|r| &r.subject)
            .collect::<Vec<_>>()
    );
    assert_each_once(&received_later);
    let sign_in = &received[0];
    assert_eq!(sign_in.to, std::slice::from_ref(&email));
    assert_eq!(sign_in.subject, "New sign-in: Firefox on Windows");
    assert!(
        sign_in.token_of("/account/not-me").is_some(),
        "{}",
        sign_in.text
    );
    assert!(sign_in.html.contains("Not me? Sign out everywhere"));
    assert!(!sign_in.html.contains("<img"), "no tracking pixel");
    assert_eq!(received[1].subject, "Your password was changed");
    // The password changed after the sign-in mail: its "Not me" link no longer leads to a
    // reset (whoever kept that mail cannot take the account); the newer mail's link does.
    let press = |token: String| {
        let app = &app;
        async move {
            let res = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .post(app.url("/account/not-me"))
                .header("origin", app.url(""))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap();
            res.headers()["location"].to_str().unwrap().to_owned()
        }
    };
    let older = press(sign_in.token_of("/account/not-me").unwrap()).await;
    assert!(older.starts_with("/account/not-me?token="), "{older}");
    let newer = press(received[1].token_of("/account/not-me").unwrap()).await;
    assert!(newer.starts_with("/reset-password?token="), "{newer}");
    let unsent = app
        .count(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND $1 = $1",
            "x",
        )
        .await;
    assert_eq!(unsent, 0);
}

async fn mail_committed_by_a_process_that_never_sent_it_arrives_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    // The process that commits the mail never sends it (as if killed right after the
    // commit): its worker is off.
    let first = spawn_app_with(backend, |config| {
        no_rate_limits(config);
        config.mail.transport = MailTransport::Off;
    })
    .await;
    let (_, email) = first.signed_up_browser().await;
    sign_in_from(&first, &email, FIREFOX).await;
    // A claim by a worker that died mid-send: its lease must run out first.
    let claimed =
        backend::mail::outbox::claim(&first.db, first.state.dialect, first.clock.now(), 60)
            .await
            .unwrap();
    assert!(claimed.is_some());

    let mut config = first.config.clone();
    config.mail.transport = MailTransport::Smtp(sink.url());
    let second = spawn_on(config, first.clock.clone()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        sink.received().is_empty(),
        "sent while another worker's claim held it"
    );
    first.clock.advance(61);
    let received = sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(received[0].subject, "New sign-in: Firefox on Windows");
    drop(second);
}

async fn an_smtp_server_down_for_a_minute_delays_mail_and_loses_none(backend: Backend) {
    let mut sink = SmtpSink::on(free_port());
    let app = spawn_app_with(backend, mail_to(&sink)).await;
    let (_, email) = app.signed_up_browser().await;
    sign_in_from(&app, &email, FIREFOX).await;
    // The first attempts fail: nothing listens.
    let started = std::time::Instant::now();
    while app
        .count(
            "SELECT COUNT(*) FROM outbox WHERE attempts > 0 AND $1 = $1",
            "x",
        )
        .await
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no attempt was made"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A minute passes, the server comes back, the retry that comes due delivers it.
    for _ in 0..6 {
        app.clock.advance(10);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    sink.listen().await;
    app.clock.advance(60);
    let received = sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(received[0].to, [email]);
    let failed = app
        .count("SELECT MAX(attempts) FROM outbox WHERE $1 = $1", "x")
        .await;
    assert!(failed >= 1);
}

async fn two_processes_never_send_one_mail_twice(backend: Backend) {
    let sink = SmtpSink::start().await;
    let first = spawn_app_with(backend, mail_to(&sink)).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let mut emails = Vec::new();
    for _ in 0..10 {
        let (_, email) = first.signed_up_browser().await;
        emails.push(email);
    }
    // Twenty mails at once, committed on both processes: each worker races the other.
    let mut sign_ins = tokio::task::JoinSet::new();
    for (i, email) in emails.iter().enumerate() {
        for (j, app) in [&first, &second].into_iter().enumerate() {
            let url = app.url("/api/auth/token");
            let (email, agent) = (email.clone(), format!("{FIREFOX} device-{i}-{j}"));
            let agent = if j == 0 {
                agent
            } else {
                agent.replace("Firefox", "Chrome-like Firefox")
            };
            sign_ins.spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .header("user-agent", agent)
                    .json(&json!({"grant_type": "password", "email": email, "password": PASSWORD}))
                    .send()
                    .await
                    .map(|r| r.status())
            });
        }
    }
    let statuses = sign_ins.join_all().await;
    assert!(
        statuses
            .iter()
            .all(|s| matches!(s, Ok(s) if *s == StatusCode::OK)),
        "{statuses:?}"
    );
    let queued = first
        .count("SELECT COUNT(*) FROM outbox WHERE $1 = $1", "x")
        .await as usize;
    assert!(queued >= 10, "{queued}");
    sink.wait_for(queued).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received = sink.received();
    assert_eq!(received.len(), queued);
    assert_each_once(&received);
}

async fn not_me_ends_every_session_on_another_process_and_works_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let first = spawn_app_with(backend, mail_to(&sink)).await;
    let second = spawn_on(first.config.clone(), first.clock.clone()).await;
    let (mut browser, email) = first.signed_up_browser().await;
    let thief = sign_in_from(&first, &email, FIREFOX).await;
    let mail = sink.wait_for(1).await.remove(0);
    let token = mail.token_of("/account/not-me").expect("the link");

    // Fetching the link (as a mail scanner does) changes nothing.
    let page = second
        .browser()
        .get(&format!("/account/not-me?token={token}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(first.me_with_bearer(&thief).await.status, StatusCode::OK);

    let press = |app: &TestApp| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(app.url("/account/not-me"))
            .header("origin", app.url(""))
            .form(&[("token", token.as_str())])
            .send()
    };
    let pressed = press(&second).await.unwrap();
    assert_eq!(pressed.status(), StatusCode::SEE_OTHER);
    let to = pressed.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/reset-password?token="), "{to}");
    // Every session, on the other process too.
    first.wait_until_refused(&thief).await;
    assert_eq!(browser.me().await.status, StatusCode::UNAUTHORIZED);
    // Once only.
    let again = press(&first).await.unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let back = again.headers()["location"].to_str().unwrap();
    assert!(back.starts_with("/account/not-me?token="), "{back}");
    // The reset link it led to works (and signs this browser in).
    let reset = to.trim_start_matches("/reset-password?token=");
    let res = second
        .post_anonymous(
            "/api/auth/password-reset/confirm",
            &[],
            Some(json!({"token": reset, "newPassword": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn a_password_reset_ends_every_session_and_its_link_works_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(backend, mail_to(&sink)).await;
    let (mut browser, email) = app.signed_up_browser().await;
    let (access, _) = app.api_tokens(&email).await;

    // The same answer, byte for byte, for an address with an account and one without.
    let ask = |email: String| {
        let app = &app;
        async move {
            app.post_anonymous(
                "/api/auth/password-reset/request",
                &[],
                Some(json!({"email": email})),
            )
            .await
        }
    };
    let known = ask(email.clone()).await;
    let unknown = ask(crate::harness::unique_email()).await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(known.body, unknown.body);
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, std::slice::from_ref(&email));
    assert_eq!(mail.subject, "Set a new password");
    let token = mail.token_of("/reset-password").expect("the link");
    // Asked again at once: no second mail.
    ask(email.clone()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.received().len(), 1);

    let confirm = |token: String, password: &'static str| {
        let app = &app;
        async move {
            app.post_anonymous(
                "/api/auth/password-reset/confirm",
                &[],
                Some(json!({"token": token, "newPassword": password})),
            )
            .await
        }
    };
    let res = confirm(token.clone(), "short").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    let res = confirm(token.clone(), "a brand new passphrase").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.set_cookie(crate::harness::ACCESS_COOKIE).is_some(),
        "signed in here"
    );
    // Every earlier session ended; only the new password works.
    assert_eq!(
        app.me_with_bearer(&access).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(browser.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.sign_in_with(&email, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in_with(&email, "a brand new passphrase")
            .await
            .status,
        StatusCode::OK
    );
    let told = sink.wait_for(2).await;
    assert_eq!(told[1].subject, "Your password was changed");
    // The link worked once.
    let res = confirm(token, "yet another passphrase").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json["error"], "invalid_link");

    // A newer link, then the password changes another way: the link is dead.
    app.clock.advance(crate::harness::RESET_INTERVAL + 1);
    ask(email.clone()).await;
    let newer = sink
        .wait_for(3)
        .await
        .remove(2)
        .token_of("/reset-password")
        .unwrap();
    let usable = backend::mail::links::is_usable(
        &app.db,
        &backend::secret::Secret::new(newer.clone()),
        backend::mail::links::Purpose::PasswordReset,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(usable, "the newer link works until the password changes");
    let mut signed_in = app
        .signed_in_browser_with(&email, "a brand new passphrase")
        .await;
    let res = signed_in
        .post(
            "/api/auth/password",
            json!({"currentPassword": "a brand new passphrase", "newPassword": "the third passphrase"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = confirm(newer, "a fourth passphrase").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json["error"], "invalid_link");
}

/// The server binary on `database_url`, sending to `smtp_url`: a process the test can kill.
fn server_process(database_url: &str, smtp_url: &str) -> (std::process::Child, u16) {
    crate::processes::server_process(database_url, &[("SMTP_URL", smtp_url)])
}

async fn a_killed_process_s_mail_is_sent_once_by_the_next_one(backend: Backend) {
    let sink = SmtpSink::start().await;
    let database = crate::harness::fresh_database(backend).await;
    // The first process commits the mail, but its SMTP server is down: it is killed (no
    // shutdown, no goodbye) while the mail waits for its retry.
    let down = format!("smtp://127.0.0.1:{}", free_port());
    let (mut first, port) = server_process(&database, &down);
    until_listening(port).await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let email = crate::harness::unique_email();
    let account = json!({"email": email, "password": PASSWORD});
    let res = http
        .post(format!("{base}/api/auth/register"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = http
        .post(format!("{base}/api/auth/token"))
        .header("user-agent", FIREFOX)
        .json(&json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill().expect("kill");
    let _ = first.wait();

    // Started again, with its SMTP server up: the mail arrives, once.
    let (mut second, port) = server_process(&database, &sink.url());
    until_listening(port).await;
    let received = sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(received[0].to, [email]);
    assert_eq!(received[0].subject, "New sign-in: Firefox on Windows");
    second.kill().expect("kill");
    let _ = second.wait();
}
