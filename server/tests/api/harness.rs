//! `spawn_app` and a cookie-keeping HTTP client that never follows redirects.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use backend::clock::Clock;
use backend::config::{Config, IntrospectionClient, RateLimitMode};
use backend::db::Db;
use backend::AppState;
use leptos::config::LeptosOptions;
use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::Server;

pub const PASSWORD: &str = "correct horse battery";

/// At most one reset mail per account in this many seconds.
pub const RESET_INTERVAL: i64 = backend::recovery::RESET_MAIL_INTERVAL;

/// The auth cookies' names as the tests' server sets them (Secure cookies: prefixed, see
/// `backend::authn::CookieNames`). Tests name them `access_token` and `refresh_token`;
/// `cookie_name` gives the name on the wire.
pub const ACCESS_COOKIE: &str = "__Host-access_token";
pub const REFRESH_COOKIE: &str = "__Secure-refresh_token";

pub fn cookie_name(name: &str) -> &str {
    match name {
        "access_token" => ACCESS_COOKIE,
        "refresh_token" => REFRESH_COOKIE,
        other => other,
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per database for a scenario `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::harness::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::harness::Backend::Postgres).await
                }
            }
        )*
    };
}

/// The PostgreSQL server the tests create their databases on.
/// A connection to the local PostgreSQL as its administrator, outside any app's pool.
pub async fn postgres_admin() -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(&postgres_admin_url())
        .await
        .expect("admin connection")
}

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Leftovers younger than this may belong to a suite running right now (another checkout,
/// a CI run) and are left alone.
const LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// The creation time of a test database, read back from the UUID v7 in its name.
fn created_at(name: &str) -> Option<std::time::SystemTime> {
    let id = uuid::Uuid::parse_str(name.rsplit('_').next()?.split('.').next()?).ok()?;
    let (secs, nanos) = id.get_timestamp()?.to_unix();
    Some(std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
}

fn is_old_leftover(name: &str) -> bool {
    created_at(name)
        .and_then(|at| at.elapsed().ok())
        .is_some_and(|age| age > LEFTOVER_AGE)
}

/// Drops what earlier runs of this suite left behind (a killed run cannot drop its own),
/// once per test process, before any test of this run creates its database.
async fn sweep_earlier_runs() {
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let dir = std::env::temp_dir().join("signout-tests");
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if is_old_leftover(&entry.file_name().to_string_lossy()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
            use sqlx::Connection;
            let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await else {
                return;
            };
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'signout_test_%'",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
            for name in names.into_iter().filter(|name| is_old_leftover(name)) {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        })
        .await;
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database(backend: Backend) -> String {
    sweep_earlier_runs().await;
    let name = format!("signout_test_{}", uuid::Uuid::now_v7().simple());
    match backend {
        Backend::Sqlite => {
            let dir: PathBuf = std::env::temp_dir().join("signout-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("sqlite://{}/{name}.db?mode=rwc", dir.display())
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin = postgres_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("the PostgreSQL server of the tests is reachable (TEST_POSTGRES_URL)");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    }
}

pub fn test_config(database_url: String) -> Config {
    Config::for_tests(database_url)
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub clock: Clock,
    pub db: Db,
    pub config: Config,
    /// The server's own state, to look into its revocation view.
    pub state: AppState,
    _database_guard: Option<DropDatabase>,
}

/// Drops a test's PostgreSQL database when the test ends, so runs do not pile them up.
struct DropDatabase {
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime; a thread with its own runtime can block on
        // the statement without stalling it.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                    let _ = sqlx::query(&statement).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = test_config(fresh_database(backend).await);
    adjust(&mut config);
    let database_guard = matches!(backend, Backend::Postgres).then(|| DropDatabase {
        name: config
            .database_url
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
    });
    TestApp {
        _database_guard: database_guard,
        ..spawn_on(config, Clock::frozen()).await
    }
}

/// Starts a server on an existing database, e.g. a second process sharing it.
pub async fn spawn_on(config: Config, clock: Clock) -> TestApp {
    // Warnings and internal errors of the server appear in the failing test's output.
    crate::logs::init();
    let options = LeptosOptions::builder()
        .output_name("signout")
        .site_root("target/site")
        .build();
    let server = Server::bind(
        config.clone(),
        clock.clone(),
        options,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("server starts");
    let addr = server.addr;
    let db = server.state.db.clone();
    let state = server.state.clone();
    tokio::spawn(server.serve(std::future::pending()));
    TestApp {
        addr,
        clock,
        db,
        config,
        state,
        _database_guard: None,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The name of the app's database (on PostgreSQL, as `pg_stat_activity` shows it).
    pub fn database_name(&self) -> &str {
        self.config
            .database_url
            .rsplit('/')
            .next()
            .unwrap_or_default()
    }

    /// A new browser-like client with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser {
            base: format!("http://{}", self.addr),
            jar: HashMap::new(),
            http: client(),
        }
    }

    /// A browser signed up as a fresh user.
    pub async fn signed_up_browser(&self) -> (Browser, String) {
        let mut browser = self.browser();
        let email = unique_email();
        let res = browser
            .post(
                "/api/auth/register",
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        (browser, email)
    }

    /// A second device of the same user: a new browser that signs in.
    pub async fn signed_in_browser(&self, email: &str) -> Browser {
        self.signed_in_browser_with(email, PASSWORD).await
    }

    /// A new browser signed in with this password.
    pub async fn signed_in_browser_with(&self, email: &str, password: &str) -> Browser {
        let mut browser = self.browser();
        let res = browser
            .post(
                "/api/auth/login",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        browser
    }

    /// Tokens from the token API for an existing user.
    pub async fn api_tokens(&self, email: &str) -> (String, String) {
        let res = send(
            &client(),
            Method::POST,
            &self.url("/api/auth/token"),
            &[],
            Some(json!({"grant_type": "password", "email": email, "password": PASSWORD})),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        (
            res.json["access_token"].as_str().unwrap().to_owned(),
            res.json["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// `POST /api/auth/login` from a new browser, whatever the answer.
    pub async fn sign_in_with(&self, email: &str, password: &str) -> Reply {
        self.browser()
            .post(
                "/api/auth/login",
                json!({"email": email, "password": password}),
            )
            .await
    }

    /// `POST /api/auth/refresh` presenting nothing but this refresh cookie (a replay).
    pub async fn refresh_with_cookie(&self, refresh_token: &str) -> Reply {
        let cookie = format!("{REFRESH_COOKIE}={refresh_token}");
        self.post_anonymous("/api/auth/refresh", &[("cookie", cookie)], None)
            .await
    }

    /// A refresh at the token API (`grant_type=refresh_token`).
    pub async fn refresh_with_api(&self, refresh_token: &str) -> Reply {
        let grant = json!({"grant_type": "refresh_token", "refresh_token": refresh_token});
        self.post_anonymous("/api/auth/token", &[], Some(grant))
            .await
    }

    /// A POST with a bearer token, as an API client sends it.
    pub async fn post_with_bearer(&self, path: &str, access: &str, body: Value) -> Reply {
        let bearer = [("authorization", format!("Bearer {access}"))];
        self.post_anonymous(path, &bearer, Some(body)).await
    }

    /// `GET /api/auth/me` with a bearer token.
    pub async fn me_with_bearer(&self, access: &str) -> Reply {
        send(
            &client(),
            Method::GET,
            &self.url("/api/auth/me"),
            &[("authorization", format!("Bearer {access}"))],
            None,
        )
        .await
    }

    /// A form-encoded POST, as OAuth clients send it (RFC 6749 §3.2).
    pub async fn post_form(
        &self,
        path: &str,
        headers: &[(&str, String)],
        form: &[(&str, &str)],
    ) -> Reply {
        let mut req = client().post(self.url(path)).form(form);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        read_reply(req).await
    }

    /// RFC 7009 revocation of `token`, by a public client.
    pub async fn revoke(&self, token: &str, hint: Option<&str>) -> Reply {
        let mut form = vec![("token", token), ("client_id", "tests")];
        form.extend(hint.map(|h| ("token_type_hint", h)));
        self.post_form("/api/auth/revoke", &[], &form).await
    }

    /// RFC 7662 introspection of `token`, as the configured resource server.
    pub async fn introspect(&self, token: &str) -> Reply {
        let client = self
            .config
            .introspection_client
            .as_ref()
            .expect("introspection is configured for this app");
        let auth = basic_auth(&client.id, client.secret.expose());
        self.post_form(
            "/api/auth/introspect",
            &[("authorization", auth)],
            &[("token", token)],
        )
        .await
    }

    /// Waits until this process refuses `access`, revoked by another process sharing the
    /// database. Bounded: the poll interval in tests is one second; a few are allowed.
    pub async fn wait_until_refused(&self, access: &str) {
        let started = std::time::Instant::now();
        while self.me_with_bearer(access).await.status == StatusCode::OK {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "this process never learned of the revocation"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The id of the account with this email.
    pub async fn user_id(&self, email: &str) -> String {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.db)
            .await
            .expect("the user exists")
    }

    /// Inserts `count` active sessions of the user straight into the database, in one
    /// statement: devices signed in long ago, for scenarios with many sessions.
    pub async fn insert_sessions(&self, user_id: &str, count: i64) {
        crate::bulk::insert_sessions(&self.db, user_id, count, self.clock.now())
            .await
            .expect("insert sessions");
    }

    /// A single number from the database.
    pub async fn count(&self, sql: &str, user_id: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(user_id)
            .fetch_one(&self.db)
            .await
            .expect("count query")
    }

    pub async fn post_anonymous(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Reply {
        send(&client(), Method::POST, &self.url(path), headers, body).await
    }
}

pub fn unique_email() -> String {
    format!("user-{}@example.com", uuid::Uuid::now_v7().simple())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // Shorter than the server's own limit: a hang fails the test that caused it.
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("http client")
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The `Set-Cookie` line for `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{}=", cookie_name(name))))
    }
}

pub async fn send(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Option<Value>,
) -> Reply {
    let mut req = http.request(method, url);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    read_reply(req).await
}

/// Sends `req` and reads the whole answer.
pub async fn read_reply(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("request reaches the server");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap_or_default();
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        json,
    }
}

/// Who calls a server function: a plain HTML form post, or the WASM client.
#[derive(Clone, Copy, Debug)]
pub enum Caller {
    PlainForm,
    WasmClient,
}

/// A stored cookie: value and Path, which decides where the browser sends it.
#[derive(Clone, Debug)]
pub struct StoredCookie {
    pub value: String,
    pub path: String,
}

/// Keeps cookies like a browser does (by name, honouring Path and removal), and can
/// replay old ones by hand.
pub struct Browser {
    base: String,
    pub jar: HashMap<String, StoredCookie>,
    http: reqwest::Client,
}

impl Browser {
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.get(cookie_name(name)).map(|c| c.value.clone())
    }

    pub fn snapshot(&self) -> HashMap<String, StoredCookie> {
        self.jar.clone()
    }

    pub fn restore(&mut self, jar: HashMap<String, StoredCookie>) {
        self.jar = jar;
    }

    fn cookie_header(&self, path: &str) -> Option<String> {
        let pairs: Vec<String> = self
            .jar
            .iter()
            .filter(|(_, c)| path.starts_with(&c.path))
            .map(|(name, c)| format!("{name}={}", c.value))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    fn store(&mut self, reply: &Reply) {
        for line in reply.set_cookies() {
            let mut parts = line.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
                continue;
            };
            let mut path = "/".to_owned();
            let mut removal = value.is_empty();
            for attr in parts {
                let lower = attr.to_ascii_lowercase();
                if let Some(p) = attr.strip_prefix("Path=") {
                    path = p.to_owned();
                }
                if lower == "max-age=0" {
                    removal = true;
                }
            }
            if removal {
                // A browser only removes the cookie whose name *and* Path match.
                if self.jar.get(name).is_some_and(|c| c.path == path) {
                    self.jar.remove(name);
                }
            } else {
                self.jar.insert(
                    name.to_owned(),
                    StoredCookie {
                        value: value.to_owned(),
                        path,
                    },
                );
            }
        }
    }

    pub async fn request(&mut self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let origin = self.base.clone();
        let mut headers = vec![("origin", origin)];
        if method == Method::GET && !path.starts_with("/api/") {
            // A page load, as a browser's navigation sends it.
            headers.push(("accept", "text/html,application/xhtml+xml".to_owned()));
        }
        if let Some(cookies) = self.cookie_header(path) {
            headers.push(("cookie", cookies));
        }
        let reply = send(
            &self.http,
            method,
            &format!("{}{}", self.base, path),
            &headers,
            body,
        )
        .await;
        self.store(&reply);
        reply
    }

    /// Submits a form to a server function: as a browser without JavaScript does it
    /// (`Caller::PlainForm`: navigation headers and a Referer), or as the WASM client does.
    pub async fn submit(
        &mut self,
        caller: Caller,
        path: &str,
        fields: &[(&str, &str)],
        referer: &str,
    ) -> Reply {
        let accept = match caller {
            Caller::PlainForm => "text/html,application/xhtml+xml",
            Caller::WasmClient => "application/json",
        };
        let mut req = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("origin", &self.base)
            .header("accept", accept)
            .header("referer", format!("{}{}", self.base, referer))
            .form(fields);
        if let Some(cookies) = self.cookie_header(path) {
            req = req.header("cookie", cookies);
        }
        let res = req.send().await.expect("request reaches the server");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap_or_default();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        let reply = Reply {
            status,
            headers,
            body,
            json,
        };
        self.store(&reply);
        reply
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&mut self, path: &str) -> Reply {
        self.request(Method::POST, path, None).await
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    pub async fn me(&mut self) -> Reply {
        self.get("/api/auth/me").await
    }

    /// The id of the session this browser is signed in with.
    pub async fn session_id(&mut self) -> String {
        let me = self.me().await;
        assert_eq!(me.status, reqwest::StatusCode::OK, "{}", me.body);
        me.json["sessionId"].as_str().expect("sessionId").to_owned()
    }
}

/// An `Authorization: Basic` value (RFC 7617; RFC 6749 §2.3.1 form-encodes each part,
/// which leaves the plain names used in the tests unchanged).
pub fn basic_auth(id: &str, secret: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    format!("Basic {encoded}")
}

/// Introspection on, for the resource server `resource-server`.
pub fn with_introspection(config: &mut Config) {
    config.introspection_client = Some(IntrospectionClient {
        id: "resource-server".into(),
        secret: backend::secret::Secret::new("introspection-secret-for-the-tests-0123"),
    });
}

/// Rate limits off, for scenarios that make many requests on purpose.
pub fn no_rate_limits(config: &mut Config) {
    config.rate_limits = RateLimitMode::Off;
}
