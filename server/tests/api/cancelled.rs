//! Clients that hang up mid-request (a load generator, a closed tab) cancel the server's
//! work at whatever point it had reached. That must never leave a pooled connection
//! inside a transaction.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::db_proxy::spawn_behind_proxy;
use crate::harness::{no_rate_limits, postgres_admin, TestApp, ACCESS_COOKIE, REFRESH_COOKIE};
use crate::logs::transaction_state_warnings;

/// Hung-up requests per client thread, and client threads.
const HANG_UPS: usize = 200;
const CLIENTS: usize = 4;
/// How long the database's answers take to arrive: every await on the database becomes a
/// window of at least this long in which a hang-up can land.
const DB_LATENCY: Duration = Duration::from_millis(2);

/// A small deterministic generator: the cancellation points only need to be spread.
struct Jitter(u64);

impl Jitter {
    fn micros(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// How long `request` takes when the client waits for the answer.
fn time_to_answer(addr: SocketAddr, request: &str) -> Duration {
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream.write_all(request.as_bytes()).expect("sends");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let mut status_line = [0u8; 12];
    stream.read_exact(&mut status_line).expect("an answer");
    started.elapsed()
}

/// Sends `request` and closes the connection at a random point of the time it takes,
/// `HANG_UPS` times, from a plain thread so that the delays are finer than a timer tick.
fn hang_up_repeatedly(addr: SocketAddr, request: String, seed: u64) {
    let takes = time_to_answer(addr, &request).as_micros() as u64;
    let mut jitter = Jitter(seed | 1);
    for _ in 0..HANG_UPS {
        let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
            continue;
        };
        let _ = stream.write_all(request.as_bytes());
        std::thread::sleep(Duration::from_micros(jitter.micros(takes.max(1))));
        // Dropped with the answer (if any) unread: the server sees the client go away.
        drop(stream);
    }
}

/// The app's connections that sit inside a transaction with nothing running.
async fn idle_in_transaction(app: &TestApp) -> i64 {
    let database = app.database_name();
    let mut admin = postgres_admin().await;
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
    )
    .bind(database)
    .fetch_one(&mut admin)
    .await
    .expect("pg_stat_activity")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_cancelled_at_random_points_leave_no_connection_inside_a_transaction() {
    let (_proxy, app) = spawn_behind_proxy(DB_LATENCY, no_rate_limits).await;
    let warnings_before = transaction_state_warnings();
    let (mut browser, email) = app.signed_up_browser().await;
    // A signed-out device's access token: every logout with it still writes (it is
    // deny-listed again), so each one runs a whole transaction and commits.
    let mut signed_out = app.signed_in_browser(&email).await;
    let stale_access = signed_out.cookie("access_token").expect("access cookie");
    signed_out.post_empty("/api/auth/logout").await;

    let host = app.addr;
    let requests = [
        // Opens a write transaction at once and rolls it back (no such token).
        format!("POST /api/auth/refresh HTTP/1.1\r\nHost: {host}\r\nCookie: {REFRESH_COOKIE}=not-a-token\r\nContent-Length: 0\r\n\r\n"),
        format!("POST /api/auth/logout HTTP/1.1\r\nHost: {host}\r\nCookie: {ACCESS_COOKIE}={stale_access}\r\nContent-Length: 0\r\n\r\n"),
    ];
    let seed = uuid::Uuid::now_v7().as_u128() as u64;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let request = requests[i % requests.len()].clone();
            let seed = seed.wrapping_add(i as u64);
            std::thread::spawn(move || hang_up_repeatedly(host, request, seed))
        })
        .collect();
    for client in clients {
        client.join().expect("client thread");
    }

    // Whatever was cut short settles within moments; a leaked transaction never does.
    let started = Instant::now();
    let mut leaked = idle_in_transaction(&app).await;
    while leaked > 0 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        leaked = idle_in_transaction(&app).await;
    }
    assert_eq!(leaked, 0, "pooled connections left inside a transaction");

    // Every later request is served normally, on whichever pooled connection it gets.
    for _ in 0..10 {
        let mut device = app.signed_in_browser(&email).await;
        assert_eq!(device.me().await.status, StatusCode::OK);
        let out = device.post_empty("/api/auth/logout").await;
        assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    }
    assert_eq!(browser.me().await.status, StatusCode::OK);
    assert_eq!(idle_in_transaction(&app).await, 0);
    assert_eq!(
        transaction_state_warnings() - warnings_before,
        0,
        "PostgreSQL saw a BEGIN inside a transaction, or a ROLLBACK outside one"
    );
}
