//! `make bench`: throughput and latency of the auth paths, on the release build, against
//! real server processes on 127.0.0.1 (SQLite, and the local PostgreSQL). Every loop is
//! bounded by a duration or a count. Prints one Markdown table.
//!
//! These are measurements, not tests: nothing here fails on a slow machine.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::AnyPool;

#[path = "../tests/api/bulk.rs"]
mod bulk;

const PASSWORD: &str = "correct horse battery";
/// How long each throughput measurement runs.
const RUN_FOR: Duration = Duration::from_secs(3);
/// Concurrent clients of the throughput measurements.
const CLIENTS: usize = 16;
/// Independent refresh-token chains rotated by those clients.
const CHAINS: usize = 400;

/// A server binary started for the benchmark, stopped (by its own id) when dropped.
struct ServerProcess {
    child: Child,
    base: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The server builds measured: another build first when `SIGNOUT_SERVER_BIN` names one
/// (the "before" of a before/after comparison, in the same run), then this one.
fn server_builds() -> Vec<(String, String)> {
    let this = (
        "this build".to_owned(),
        env!("CARGO_BIN_EXE_server").to_owned(),
    );
    match std::env::var("SIGNOUT_SERVER_BIN") {
        Ok(other) if !other.is_empty() => vec![("SIGNOUT_SERVER_BIN".to_owned(), other), this],
        _ => vec![this],
    }
}

/// The core the server under test runs on, when the machine has two or more and
/// `taskset` is there: the load generators (`wrk`, and this process) keep to the other one,
/// so that the server's figures are one core's work, the same on every run.
const SERVER_CORE: &str = "0";
const LOAD_CORE: &str = "1";

fn can_pin() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2) && on_path("taskset")
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A command for `program`, pinned to `core` when pinning is possible.
fn pinned(program: &str, core: &str) -> Command {
    if can_pin() {
        let mut command = Command::new("taskset");
        command.args(["-c", core, program]);
        command
    } else {
        Command::new(program)
    }
}

/// Moves every thread of this process (the reqwest clients) to the load generators' core.
fn pin_this_process() {
    if can_pin() {
        let _ = Command::new("taskset")
            .args(["-a", "-p", "-c", LOAD_CORE, &std::process::id().to_string()])
            .stdout(Stdio::null())
            .status();
    }
}

async fn start_server(binary: &str, database_url: &str) -> ServerProcess {
    let port = free_port();
    let child = pinned(binary, SERVER_CORE)
        .env("DATABASE_URL", database_url)
        .env("JWT_SECRET", "bench-secret-bench-secret-bench-secret-0")
        .env("LEPTOS_ENV", "PROD")
        .env("LEPTOS_OUTPUT_NAME", "signout")
        .env(
            "LEPTOS_SITE_ROOT",
            std::env::temp_dir().join("signout-bench-site"),
        )
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RATE_LIMITS", "off")
        .env("RUST_LOG", "error")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let server = ServerProcess {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http
        .get(format!("{}/api/auth/me", server.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut req = http.post(url).json(&body);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A new account, and tokens of an API session of it: `(email, access, refresh)`.
async fn new_user(http: &reqwest::Client, base: &str) -> (String, String, String) {
    let email = format!("bench-{}@example.com", uuid::Uuid::now_v7().simple());
    let (status, _) = post(
        http,
        &format!("{base}/api/auth/register"),
        None,
        json!({"email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "register");
    let (access, refresh) = sign_in(http, base, &email).await;
    (email, access, refresh)
}

async fn sign_in(http: &reqwest::Client, base: &str, email: &str) -> (String, String) {
    let (status, body) = post(
        http,
        &format!("{base}/api/auth/token"),
        None,
        json!({"grant_type": "password", "email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "sign in: {body}");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `GET /api/auth/me` with a bearer from `CLIENTS` connections: requests per second, p99.
/// Measured by `wrk` on the other core when it is installed (`scripts/setup.sh bench`),
/// else by this process's own clients.
async fn session_checks(base: &str) -> (f64, Duration) {
    let http = reqwest::Client::new();
    let (_, access, _) = new_user(&http, base).await;
    let url = format!("{base}/api/auth/me");
    if on_path("wrk") {
        return wrk(&url, &access);
    }
    let until = Instant::now() + RUN_FOR;
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (http, url, access) = (http.clone(), url.clone(), access.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let sent = Instant::now();
                let res = http
                    .get(&url)
                    .bearer_auth(&access)
                    .send()
                    .await
                    .expect("me");
                assert_eq!(res.status(), 200);
                let _ = res.bytes().await;
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed().max(RUN_FOR);
    all.sort();
    (
        all.len() as f64 / elapsed.as_secs_f64(),
        percentile(&all, 0.99),
    )
}

/// One `wrk` run (one thread, `CLIENTS` connections, `RUN_FOR`) against `url` with the
/// bearer `access`: requests per second and p99. Any answer but 200 fails the bench.
fn wrk(url: &str, access: &str) -> (f64, Duration) {
    let out = pinned("wrk", LOAD_CORE)
        .args(["-t1", &format!("-c{CLIENTS}")])
        .arg(format!("-d{}s", RUN_FOR.as_secs()))
        .args([
            "--latency",
            "-H",
            &format!("Authorization: Bearer {access}"),
            url,
        ])
        .output()
        .expect("wrk runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !report.contains("Non-2xx"),
        "wrk: {report}"
    );
    let field = |prefix: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| panic!("no {prefix} in wrk's report: {report}"))
    };
    let rate = field("Requests/sec:").parse().expect("a rate");
    (rate, wrk_duration(&field("99%")))
}

/// A duration as wrk prints it: `812.00us`, `1.23ms`, `2.01s`.
fn wrk_duration(text: &str) -> Duration {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().expect("a number");
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        other => panic!("unknown unit {other} in wrk's report"),
    };
    Duration::from_secs_f64(seconds)
}

/// Refresh-token rotations per second: `CHAINS` API sessions, each rotating its own token
/// in a chain, shared out among `CLIENTS` clients.
async fn refresh_rotations(base: &str) -> f64 {
    let http = reqwest::Client::new();
    // Twenty sessions per user, well under the server's cap on a user's sessions.
    let mut chains = Vec::new();
    for _ in 0..CHAINS / 20 {
        let (email, _, refresh) = new_user(&http, base).await;
        chains.push(refresh);
        for _ in 1..20 {
            chains.push(sign_in(&http, base, &email).await.1);
        }
    }
    let mut tasks = Vec::new();
    let until = Instant::now() + RUN_FOR;
    for client in 0..CLIENTS {
        let mut own: Vec<String> = chains
            .iter()
            .skip(client)
            .step_by(CLIENTS)
            .cloned()
            .collect();
        let (http, url) = (http.clone(), format!("{base}/api/auth/token"));
        tasks.push(tokio::spawn(async move {
            let mut rotations = 0u64;
            'run: loop {
                for refresh in own.iter_mut() {
                    if Instant::now() >= until {
                        break 'run;
                    }
                    let body = json!({"grant_type": "refresh_token", "refresh_token": refresh});
                    let (status, reply) = post(&http, &url, None, body).await;
                    assert_eq!(status, 200, "refresh: {reply}");
                    *refresh = reply["refresh_token"].as_str().unwrap().to_owned();
                    rotations += 1;
                }
            }
            rotations
        }));
    }
    let started = Instant::now();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("client");
    }
    total as f64 / started.elapsed().max(RUN_FOR).as_secs_f64()
}

/// Medians over three users with `sessions` sessions each (inserted straight into the
/// database): `GET /api/auth/sessions?limit=50` (the first page), then
/// `POST /api/auth/logout-all`.
async fn logout_all(base: &str, db: &AnyPool, sessions: i64) -> (Duration, Duration) {
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    let mut times = Vec::new();
    for _ in 0..3 {
        let (email, access, _) = new_user(&http, base).await;
        let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(db)
            .await
            .expect("user id");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        bulk::insert_sessions(db, &user_id, sessions - 2, now)
            .await
            .expect("insert sessions");
        let started = Instant::now();
        let page = http
            .get(format!("{base}/api/auth/sessions?limit=50"))
            .bearer_auth(&access)
            .send()
            .await
            .expect("sessions page");
        assert_eq!(page.status(), 200);
        let _ = page.bytes().await;
        pages.push(started.elapsed());
        let started = Instant::now();
        let (status, body) = post(
            &http,
            &format!("{base}/api/auth/logout-all"),
            Some(&access),
            json!({}),
        )
        .await;
        let took = started.elapsed();
        assert_eq!(status, 200, "logout-all: {body}");
        assert_eq!(body["revoked"], sessions, "every session ended");
        times.push(took);
    }
    times.sort();
    pages.sort();
    (pages[1], times[1])
}

/// How a sign-out reaches the server.
#[derive(Clone, Copy)]
enum Door {
    /// `POST /api/auth/logout`, as curl or an API client sends it.
    Json,
    /// The `logout` server function, as the WASM client calls it.
    ServerFunction,
    /// The same server function, as a browser without JavaScript posts its form.
    PlainForm,
}

impl Door {
    const ALL: [Door; 3] = [Door::Json, Door::ServerFunction, Door::PlainForm];

    fn label(self) -> &'static str {
        match self {
            Door::Json => "sign-out, JSON API (POST /api/auth/logout)",
            Door::ServerFunction => "sign-out, server function (WASM client)",
            Door::PlainForm => "sign-out, server function (plain form post)",
        }
    }

    /// Signs out the session of these tokens, presented as this door's client does.
    async fn sign_out(self, http: &reqwest::Client, base: &str, access: &str, refresh: &str) {
        let cookies = format!("access_token={access}; refresh_token={refresh}");
        let req = match self {
            Door::Json => http
                .post(format!("{base}/api/auth/logout"))
                .header("cookie", cookies)
                .json(&json!({})),
            Door::ServerFunction | Door::PlainForm => {
                let accept = match self {
                    Door::PlainForm => "text/html,application/xhtml+xml",
                    _ => "application/json",
                };
                http.post(format!("{base}/api/auth/web/logout"))
                    .header("cookie", cookies)
                    .header("accept", accept)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("")
            }
        };
        let res = req.send().await.expect("sign-out");
        let ok = match self {
            Door::PlainForm => res.status().as_u16() == 302,
            _ => res.status().as_u16() == 200,
        };
        assert!(ok, "sign-out answered {}", res.status());
        let _ = res.bytes().await;
    }
}

/// Sign-out latency through each door, p50 and p99 over `rounds` sessions a door, the
/// doors taking turns so that they share the machine's ups and downs.
async fn sign_outs(base: &str, rounds: usize) -> Vec<(Door, Duration, Duration)> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let (email, _, _) = new_user(&http, base).await;
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); Door::ALL.len()];
    for _ in 0..rounds {
        for (i, door) in Door::ALL.into_iter().enumerate() {
            let (access, refresh) = sign_in(&http, base, &email).await;
            let started = Instant::now();
            door.sign_out(&http, base, &access, &refresh).await;
            times[i].push(started.elapsed());
        }
    }
    Door::ALL
        .into_iter()
        .zip(times)
        .map(|(door, mut t)| {
            t.sort();
            (door, percentile(&t, 0.5), percentile(&t, 0.99))
        })
        .collect()
}

/// How long after a sign-out on one process a second process refuses the token: p50, p99
/// over `rounds` sign-outs.
async fn cross_process_delay(first: &str, second: &str, rounds: usize) -> (Duration, Duration) {
    let http = reqwest::Client::new();
    let (email, _, _) = new_user(&http, first).await;
    let mut delays = Vec::new();
    for _ in 0..rounds {
        let (access, refresh) = sign_in(&http, first, &email).await;
        let me = format!("{second}/api/auth/me");
        let seen = http.get(&me).bearer_auth(&access).send().await.expect("me");
        assert_eq!(seen.status(), 200);
        let (status, _) = post(
            &http,
            &format!("{first}/api/auth/logout"),
            Some(&access),
            json!({"refreshToken": refresh}),
        )
        .await;
        assert_eq!(status, 200);
        let signed_out = Instant::now();
        loop {
            let res = http.get(&me).bearer_auth(&access).send().await.expect("me");
            if res.status() == 401 {
                break;
            }
            assert!(
                signed_out.elapsed() < Duration::from_secs(10),
                "the second process never refused the token"
            );
        }
        delays.push(signed_out.elapsed());
    }
    delays.sort();
    (percentile(&delays, 0.5), percentile(&delays, 0.99))
}

/// notes-api, the example resource server, beside this build's server binary (`make
/// bench` builds it); `None` if it is not there.
fn notes_api_binary() -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_BIN_EXE_server")).with_file_name("notes-api");
    path.exists().then_some(path)
}

/// How long after a sign-out answers the resource server (notes-api, subscribed by push)
/// refuses the same token: p50 and p99 over `rounds` sign-outs. `None` when this build
/// has no Shared Signals (an older `SIGNOUT_SERVER_BIN`) or notes-api was not built.
async fn other_service_delay(
    binary: &str,
    database_url: &str,
    base: &str,
    rounds: usize,
) -> Option<(Duration, Duration)> {
    let notes_api = notes_api_binary()?;
    let registered = Command::new(binary)
        .args(["ssf", "add-receiver", "notes-api"])
        .env("DATABASE_URL", database_url)
        .env("JWT_SECRET", "bench-secret-bench-secret-bench-secret-0")
        .env("LEPTOS_ENV", "PROD")
        .env("RUST_LOG", "error")
        .output()
        .ok()
        .filter(|out| out.status.success())?;
    let secret = String::from_utf8(registered.stdout).ok()?.trim().to_owned();
    let port = free_port();
    let child = Command::new(notes_api)
        .env("SIGNOUT_URL", base)
        .env("SSF_RECEIVER_SECRET", secret)
        .env("SSF_RECEIVER_NAME", "notes-api")
        .env("NOTES_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .ok()?;
    // Stopped when dropped, like a server.
    let notes = ServerProcess {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = http.get(format!("{}/healthz", notes.base)).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "notes-api never got ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (email, _, _) = new_user(&http, base).await;
    let notes_url = format!("{}/notes", notes.base);
    let mut delays = Vec::new();
    for _ in 0..rounds {
        let (access, refresh) = sign_in(&http, base, &email).await;
        let served = http
            .get(&notes_url)
            .bearer_auth(&access)
            .send()
            .await
            .ok()?;
        assert_eq!(served.status(), 200, "notes-api serves a live token");
        let (status, _) = post(
            &http,
            &format!("{base}/api/auth/logout"),
            Some(&access),
            json!({"refreshToken": refresh}),
        )
        .await;
        assert_eq!(status, 200);
        let signed_out = Instant::now();
        loop {
            let res = http
                .get(&notes_url)
                .bearer_auth(&access)
                .send()
                .await
                .ok()?;
            if res.status() == 401 {
                break;
            }
            assert!(
                signed_out.elapsed() < Duration::from_secs(10),
                "notes-api never refused the token"
            );
        }
        delays.push(signed_out.elapsed());
    }
    delays.sort();
    Some((percentile(&delays, 0.5), percentile(&delays, 0.99)))
}

struct Database {
    url: String,
    pool: AnyPool,
    drop_with: Option<(String, String)>,
}

async fn sqlite_database() -> Database {
    let dir = std::env::temp_dir().join("signout-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.db", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    Database {
        pool: AnyPool::connect(&url).await.expect("sqlite"),
        url,
        drop_with: None,
    }
}

async fn postgres_database() -> Database {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("signout_bench_{}", uuid::Uuid::now_v7().simple());
    let admin_pool = AnyPool::connect(&admin)
        .await
        .expect("PostgreSQL on 127.0.0.1");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin_pool)
        .await
        .expect("create database");
    admin_pool.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    let url = format!("{base}/{name}");
    Database {
        pool: AnyPool::connect(&url).await.expect("bench database"),
        url,
        drop_with: Some((admin, name)),
    }
}

impl Database {
    async fn close(self) {
        self.pool.close().await;
        if let Some((admin, name)) = self.drop_with {
            if let Ok(pool) = AnyPool::connect(&admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await;
            }
        }
    }
}

/// One row of the table: a measurement on a database, and its result on each build.
type Rows = Vec<((String, String), Vec<String>)>;

fn put(rows: &mut Rows, what: String, database: &str, result: String) {
    let key = (what, database.to_owned());
    match rows.iter_mut().find(|(k, _)| *k == key) {
        Some((_, results)) => results.push(result),
        None => rows.push((key, vec![result])),
    }
}

/// Every measurement of one server build on one database.
async fn measure(binary: &str, label: &str, postgres: bool, rows: &mut Rows) {
    let db = if postgres {
        postgres_database().await
    } else {
        sqlite_database().await
    };
    let server = start_server(binary, &db.url).await;
    let (rate, p99) = session_checks(&server.base).await;
    put(
        rows,
        "session check (GET /api/auth/me, bearer)".into(),
        label,
        format!("{rate:.0} req/s, p99 {}", ms(p99)),
    );
    let rotations = refresh_rotations(&server.base).await;
    put(
        rows,
        format!("refresh rotations ({CHAINS} chains)"),
        label,
        format!("{rotations:.0} /s"),
    );
    for (door, p50, p99) in sign_outs(&server.base, 40).await {
        put(
            rows,
            format!("{} (40 sessions)", door.label()),
            label,
            format!("p50 {}, p99 {}", ms(p50), ms(p99)),
        );
    }
    for sessions in [1_000, 10_000] {
        let (page, took) = logout_all(&server.base, &db.pool, sessions).await;
        put(
            rows,
            format!("sessions list, first page of 50 out of {sessions} (median of 3)"),
            label,
            ms(page),
        );
        put(
            rows,
            format!("logout-all, {sessions} sessions (median of 3)"),
            label,
            ms(took),
        );
    }
    let delay = match other_service_delay(binary, &db.url, &server.base, 100).await {
        Some((p50, p99)) => format!("p50 {}, p99 {}", ms(p50), ms(p99)),
        None => "n/a".into(),
    };
    put(
        rows,
        "sign-out to refusal at another service (notes-api, SSF push, 100 sign-outs)".into(),
        label,
        delay,
    );
    if postgres {
        let second = start_server(binary, &db.url).await;
        let (p50, p99) = cross_process_delay(&server.base, &second.base, 100).await;
        put(
            rows,
            "cross-process revocation delay (2 processes, 100 sign-outs)".into(),
            label,
            format!("p50 {}, p99 {}", ms(p50), ms(p99)),
        );
    }
    drop(server);
    db.close().await;
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    pin_this_process();
    let builds = server_builds();
    let mut rows: Rows = Vec::new();
    for (label, postgres) in [("SQLite", false), ("PostgreSQL", true)] {
        // The builds take turns on each database, so both meet the same machine.
        for (_, binary) in &builds {
            measure(binary, label, postgres, &mut rows).await;
        }
    }
    let names: Vec<&str> = builds.iter().map(|(name, _)| name.as_str()).collect();
    println!(
        "\n| measurement | database | {} |\n|---|---|{}",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for ((what, database), results) in rows {
        println!("| {what} | {database} | {} |", results.join(" | "));
    }
}
