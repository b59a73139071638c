//! The server binary itself as a process the test can kill (no shutdown, no goodbye) and
//! start again on the same database.

use std::time::Duration;

use crate::mail_sink::free_port;

/// `server` on `database_url`, listening on a free port of 127.0.0.1, with `env` added.
pub fn server_process(database_url: &str, env: &[(&str, &str)]) -> (std::process::Child, u16) {
    let port = free_port();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env("DATABASE_URL", database_url)
        .env("JWT_SECRET", "process-test-secret-process-test-secret-0123")
        .env("LEPTOS_ENV", "PROD")
        .env("LEPTOS_OUTPUT_NAME", "signout")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RATE_LIMITS", "off")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    (command.spawn().expect("the server binary starts"), port)
}

pub async fn until_listening(port: u16) {
    let started = std::time::Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
