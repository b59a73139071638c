//! The real processes, talking over HTTP as in production: the auth server binary and
//! notes-api. Every kind of sign-out must reach notes-api within 100 ms by push, and within
//! one poll interval by poll; a restarted notes-api reuses its stream and refuses what was
//! issued before it.
//!
//! Needs the auth server built (`cargo build -p server`, found at `target/debug/server`) or
//! named by `SIGNOUT_SERVER_BIN`; without it each test says so and passes, except under CI
//! (`CI` set), where a missing binary fails: a suite that skips is no evidence.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new passphrase";
const PUSH_DEADLINE: Duration = Duration::from_millis(100);
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// A poll answer's trip and the SET checks, on top of the interval.
const POLL_MARGIN: Duration = Duration::from_millis(200);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_delivery_refuses_every_kind_of_signed_out_token_within_100_ms() {
    let Some(mut world) = World::start().await else {
        return;
    };
    let notes = world.start_notes_api("push", &[]).await;
    every_kind_of_sign_out_is_refused_within(&world.auth, &notes, PUSH_DEADLINE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_delivery_refuses_every_kind_of_signed_out_token_within_one_poll_interval() {
    let Some(mut world) = World::start().await else {
        return;
    };
    let interval = POLL_INTERVAL.as_millis().to_string();
    let notes = world
        .start_notes_api("poll", &[("SSF_POLL_INTERVAL_MS", interval.as_str())])
        .await;
    every_kind_of_sign_out_is_refused_within(&world.auth, &notes, POLL_INTERVAL + POLL_MARGIN)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_notes_api_reuses_its_stream_and_refuses_tokens_issued_before_it() {
    let Some(mut world) = World::start().await else {
        return;
    };
    let notes = world.start_notes_api("push", &[]).await;
    let email = world.auth.sign_up().await;
    let (before, _) = world.auth.password_grant(&email, PASSWORD).await;
    assert_eq!(notes.status(&before).await, StatusCode::OK);

    // Killed, not stopped: whatever it missed while down, it cannot know.
    world.processes.kill("notes-api");
    let notes = world.start_notes_api("push", &[]).await;
    assert_eq!(
        notes.status(&before).await,
        StatusCode::UNAUTHORIZED,
        "issued before the restart"
    );
    let (after, refresh) = world.auth.password_grant(&email, PASSWORD).await;
    assert_eq!(
        notes.status(&after).await,
        StatusCode::OK,
        "a fresh token is served"
    );

    // The stream was reused, not recreated: signals still arrive.
    let answered = world.auth.sign_out(&after, &refresh).await;
    notes.refused_within(&after, answered, PUSH_DEADLINE).await;
}

/// Each way a session ends, for a fresh user, then `GET /notes` every 5 ms until refused.
async fn every_kind_of_sign_out_is_refused_within(
    auth: &AuthServer,
    notes: &NotesApi,
    deadline: Duration,
) {
    // Sign out (this device): bearer and refresh token, as an API client does it.
    let email = auth.sign_up().await;
    let (access, refresh) = auth.password_grant(&email, PASSWORD).await;
    assert_eq!(notes.status(&access).await, StatusCode::OK);
    let answered = auth.sign_out(&access, &refresh).await;
    notes.refused_within(&access, answered, deadline).await;

    // One device revoked from another; the other keeps working.
    let email = auth.sign_up().await;
    let (phone, _) = auth.password_grant(&email, PASSWORD).await;
    let (laptop, _) = auth.password_grant(&email, PASSWORD).await;
    assert_eq!(notes.status(&phone).await, StatusCode::OK);
    let phone_session = auth.session_id(&phone).await;
    let answered = auth
        .post_ok(
            &laptop,
            "/api/auth/sessions/revoke",
            json!({ "sessionId": phone_session }),
        )
        .await;
    notes.refused_within(&phone, answered, deadline).await;
    assert_eq!(
        notes.status(&laptop).await,
        StatusCode::OK,
        "the revoking device is untouched"
    );

    // Sign out everywhere: every device.
    let email = auth.sign_up().await;
    let (phone, _) = auth.password_grant(&email, PASSWORD).await;
    let (laptop, _) = auth.password_grant(&email, PASSWORD).await;
    assert_eq!(notes.status(&phone).await, StatusCode::OK);
    let answered = auth
        .post_ok(&laptop, "/api/auth/logout-all", json!({}))
        .await;
    notes.refused_within(&phone, answered, deadline).await;
    notes.refused_within(&laptop, answered, deadline).await;

    // A password change ends the other sessions. (notes-api refuses the changing device's
    // token too: a user-level signal cannot name the session kept; that client refreshes.)
    let email = auth.sign_up().await;
    let (phone, _) = auth.password_grant(&email, PASSWORD).await;
    let (laptop, _) = auth.password_grant(&email, PASSWORD).await;
    assert_eq!(notes.status(&phone).await, StatusCode::OK);
    let change = json!({ "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD });
    let answered = auth.post_ok(&laptop, "/api/auth/password", change).await;
    notes.refused_within(&phone, answered, deadline).await;
}

/// One auth server with its own database, and whatever else the test starts.
struct World {
    processes: Processes,
    auth: AuthServer,
    receiver_secret: String,
    notes_port: u16,
}

impl World {
    /// Starts the auth server and registers the receiver `notes-api`; `None` (after saying
    /// why) when the auth server binary is not built.
    async fn start() -> Option<Self> {
        let Some(server_bin) = server_binary() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "no auth server binary under CI: `cargo test --workspace` builds it, or set SIGNOUT_SERVER_BIN"
            );
            eprintln!(
                "skipped: no auth server binary; run `cargo build -p server` or set SIGNOUT_SERVER_BIN"
            );
            return None;
        };
        let mut processes = Processes::new();
        let port = free_port();
        let auth = AuthServer {
            base: format!("http://127.0.0.1:{port}"),
            http: http_client(),
        };
        let env = auth_server_env(&processes, port);
        processes.spawn("server", Command::new(&server_bin).envs(env.clone()));
        let ssf_configuration = format!("{}/.well-known/ssf-configuration", auth.base);
        wait_until_ok(
            &auth.http,
            &ssf_configuration,
            Duration::from_secs(60),
            &mut processes,
        )
        .await;

        let output = Command::new(&server_bin)
            .args(["ssf", "add-receiver", "notes-api"])
            .envs(env)
            .current_dir(&processes.dir)
            .output()
            .expect("the auth server binary runs");
        assert!(
            output.status.success(),
            "ssf add-receiver failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let receiver_secret = stdout
            .lines()
            .map(str::trim)
            .rfind(|line| !line.is_empty())
            .expect("add-receiver prints the secret")
            .to_owned();
        Some(Self {
            processes,
            auth,
            receiver_secret,
            notes_port: free_port(),
        })
    }

    /// Starts notes-api (`push` or `poll`) and waits until `/healthz` says it is ready.
    async fn start_notes_api(&mut self, delivery: &str, extra: &[(&str, &str)]) -> NotesApi {
        let addr = format!("127.0.0.1:{}", self.notes_port);
        let mut command = Command::new(env!("CARGO_BIN_EXE_notes-api"));
        command
            .env("SIGNOUT_URL", &self.auth.base)
            .env("SSF_RECEIVER_SECRET", &self.receiver_secret)
            .env("SSF_RECEIVER_NAME", "notes-api")
            .env("NOTES_ADDR", &addr)
            .env("SSF_DELIVERY", delivery)
            .env("RUST_LOG", "info")
            .envs(extra.iter().copied());
        self.processes.spawn("notes-api", &mut command);
        let notes = NotesApi {
            base: format!("http://{addr}"),
            http: http_client(),
        };
        let health = format!("{}/healthz", notes.base);
        wait_until_ok(
            &notes.http,
            &health,
            Duration::from_secs(30),
            &mut self.processes,
        )
        .await;
        notes
    }
}

/// The auth server's environment: a fresh SQLite database in the test's directory, no
/// rate limits (the scenarios sign in often), plain http.
fn auth_server_env(processes: &Processes, port: u16) -> Vec<(String, String)> {
    let database = processes.dir.join("db.sqlite");
    vec![
        (
            "DATABASE_URL".into(),
            format!("sqlite://{}?mode=rwc", database.display()),
        ),
        ("LEPTOS_SITE_ADDR".into(), format!("127.0.0.1:{port}")),
        ("RATE_LIMITS".into(), "false".into()),
        ("COOKIE_SECURE".into(), "false".into()),
    ]
}

/// `SIGNOUT_SERVER_BIN`, or `server` in the target directory this test was built into
/// (`target/debug/deps/processes-…` → `target/debug/server`).
fn server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SIGNOUT_SERVER_BIN") {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "SIGNOUT_SERVER_BIN={} does not exist",
            path.display()
        );
        return Some(path);
    }
    let exe = std::env::current_exe().ok()?;
    let candidate = exe
        .parent()?
        .parent()?
        .join(format!("server{}", std::env::consts::EXE_SUFFIX));
    candidate.exists().then_some(candidate)
}

struct AuthServer {
    base: String,
    http: reqwest::Client,
}

impl AuthServer {
    /// A fresh account; returns its email.
    async fn sign_up(&self) -> String {
        let email = format!("user-{}@example.com", uuid::Uuid::now_v7().simple());
        let body = json!({ "email": email, "password": PASSWORD });
        let response = self
            .http
            .post(self.url("/api/auth/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{}",
            response.text().await.unwrap_or_default()
        );
        email
    }

    /// A new session through the token API (RFC 6749 password grant, form-encoded): its
    /// access and refresh tokens.
    async fn password_grant(&self, email: &str, password: &str) -> (String, String) {
        let form = [
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ];
        let response = self
            .http
            .post(self.url("/api/auth/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = |name: &str| body[name].as_str().expect(name).to_owned();
        (token("access_token"), token("refresh_token"))
    }

    async fn session_id(&self, access: &str) -> String {
        let response = self
            .http
            .get(self.url("/api/auth/me"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["sessionId"].as_str().expect("sessionId").to_owned()
    }

    /// Signs this device out; returns when the answer came.
    async fn sign_out(&self, access: &str, refresh: &str) -> Instant {
        self.post_ok(
            access,
            "/api/auth/logout",
            json!({ "refreshToken": refresh }),
        )
        .await
    }

    /// A POST with a bearer token that must answer 200; returns when the answer came.
    async fn post_ok(&self, access: &str, path: &str, body: Value) -> Instant {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(access)
            .json(&body)
            .send()
            .await
            .unwrap();
        let answered = Instant::now();
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            response.text().await.unwrap_or_default()
        );
        answered
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

struct NotesApi {
    base: String,
    http: reqwest::Client,
}

impl NotesApi {
    async fn status(&self, access: &str) -> StatusCode {
        let response = self
            .http
            .get(format!("{}/notes", self.base))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        response.status()
    }

    /// Asks every 5 ms until `access` is refused, failing if it is still served `deadline`
    /// after `since`.
    async fn refused_within(&self, access: &str, since: Instant, deadline: Duration) {
        loop {
            match self.status(access).await {
                StatusCode::UNAUTHORIZED => return,
                StatusCode::OK => assert!(
                    since.elapsed() <= deadline,
                    "still served {:?} after the sign-out answered (allowed: {deadline:?})",
                    since.elapsed()
                ),
                other => panic!("GET /notes answered {other}"),
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// The child processes of one test, their logs and working directory. Dropping it kills
/// them, also when the test panics, and then shows the end of their logs.
struct Processes {
    dir: PathBuf,
    children: Vec<(String, Child)>,
}

impl Processes {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("notes-api-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self {
            dir,
            children: Vec::new(),
        }
    }

    fn spawn(&mut self, name: &str, command: &mut Command) {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))
            .expect("log file");
        let child = command
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        self.children.push((name.to_owned(), child));
    }

    fn kill(&mut self, name: &str) {
        for (_, child) in self.children.iter_mut().filter(|(n, _)| n == name) {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.retain(|(n, _)| n != name);
    }

    /// The name of a child that has exited, if any.
    fn exited(&mut self) -> Option<String> {
        self.children
            .iter_mut()
            .find_map(|(name, child)| matches!(child.try_wait(), Ok(Some(_))).then(|| name.clone()))
    }

    fn log_tail(&self, name: &str) -> String {
        let log = std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            for name in ["server", "notes-api"] {
                eprintln!("--- end of the {name} log ---\n{}", self.log_tail(name));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until `url` answers 200, failing early if a child process exits.
async fn wait_until_ok(
    http: &reqwest::Client,
    url: &str,
    limit: Duration,
    processes: &mut Processes,
) {
    let started = Instant::now();
    loop {
        if let Ok(response) = http.get(url).send().await {
            if response.status() == StatusCode::OK {
                return;
            }
        }
        if let Some(name) = processes.exited() {
            panic!(
                "{name} exited while waiting for {url}:\n{}",
                processes.log_tail(&name)
            );
        }
        assert!(
            started.elapsed() < limit,
            "{url} did not answer 200 within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("http client")
}
