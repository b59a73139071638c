//! A real SMTP server for the mail tests: aiosmtpd (from the project's Python venv,
//! `target/py`, which `make test` installs) with `scripts/mail/sink.py`, which writes each
//! message it accepts as a JSON file. Listens on 127.0.0.1 only; stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One message as the sink received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

impl Received {
    /// The token of the first link in the text that goes to `path`.
    pub fn token_of(&self, path: &str) -> Option<String> {
        let at = self.text.find(&format!("{path}?token="))?;
        let rest = &self.text[at + path.len() + "?token=".len()..];
        Some(
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// A port of 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// A sink on a free port, listening.
    pub async fn start() -> Self {
        let mut sink = Self::on(free_port());
        sink.listen().await;
        sink
    }

    /// A sink for `port` that does not listen yet (`listen` starts it): an SMTP server
    /// that is down.
    pub fn on(port: u16) -> Self {
        let dir = std::env::temp_dir()
            .join("signout-tests")
            .join(format!("mail-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("the sink's directory");
        Self {
            port,
            dir,
            child: None,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub async fn listen(&mut self) {
        let root = repo_root();
        let python = root.join("target/py/bin/python");
        assert!(
            python.exists(),
            "no Python venv at {}: run `scripts/setup.sh python` (make test does)",
            python.display()
        );
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "sink.JsonSink"])
            .arg(&self.dir)
            .env("PYTHONPATH", root.join("scripts/mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("aiosmtpd starts");
        self.child = Some(child);
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd never listened"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The server goes down (what it received stays readable).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|s| serde_json::from_str::<Value>(&s).ok())
            .map(|v| Received {
                to: v["to"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect(),
                subject: v["subject"].as_str().unwrap_or_default().to_owned(),
                message_id: v["message_id"].as_str().unwrap_or_default().to_owned(),
                text: v["text"].as_str().unwrap_or_default().to_owned(),
                html: v["html"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Waits (at most 15 s) until `count` messages have arrived, then returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{} of {count} mails arrived: {:?}",
                received.len(),
                received.iter().map(|r| &r.subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
