//! notes-api: a resource server that trusts signout's access tokens without calling it on
//! every request, yet refuses a token the moment its session ends.
//!
//! Tokens are verified locally against the auth server's JWKS (`jwks`, `access`); the auth
//! server's Shared Signals stream tells us which sessions and users to refuse (`ssf`,
//! `revoked`). Until the stream is set up no token is accepted, and afterwards no token
//! issued before that moment: we cannot know what was revoked while we were not listening.

pub mod access;
pub mod config;
pub mod jwks;
pub mod notes;
pub mod revoked;
pub mod ssf;
#[cfg(test)]
mod test_keys;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use config::{Config, Delivery, Secret};
use jwks::Jwks;
use notes::Notebook;
use revoked::Revocations;
use ssf::set::SetRules;
use ssf::stream::{self, DeliveryRequest, SetupError};

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub jwks: Arc<Jwks>,
    pub access_token_issuer: Arc<str>,
    pub set_rules: Arc<SetRules>,
    /// The whole `Authorization` value the auth server must present when it pushes; `None`
    /// with poll delivery.
    pub push_authorization: Option<Secret>,
    revocations: Arc<Mutex<Revocations>>,
    notebook: Arc<Mutex<Notebook>>,
    ready: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(
        jwks: Jwks,
        access_token_issuer: &str,
        set_rules: SetRules,
        push_authorization: Option<Secret>,
    ) -> Self {
        Self {
            jwks: Arc::new(jwks),
            access_token_issuer: access_token_issuer.into(),
            set_rules: Arc::new(set_rules),
            push_authorization,
            revocations: Arc::new(Mutex::new(Revocations::new(revoked::DEFAULT_CAPACITY))),
            notebook: Arc::new(Mutex::new(Notebook::new())),
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Starts accepting tokens, those issued after `cutoff` only (the restart fail-safe).
    pub fn open(&self, cutoff: i64) {
        self.revocations().refuse_everything_issued_until(cutoff);
        self.ready.store(true, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// The deny state. A poisoned lock still holds consistent data (every change is a
    /// single insert or max), so it is used rather than turned into a panic.
    pub fn revocations(&self) -> MutexGuard<'_, Revocations> {
        self.revocations.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn notebook(&self) -> MutexGuard<'_, Notebook> {
        self.notebook.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/notes", get(notes::list_notes).post(notes::create_note))
        .route("/ssf/events", post(ssf::push::receive_event))
        .route("/healthz", get(health))
        .with_state(state)
}

/// 200 once the event stream is set up; 503 before, while no token is accepted.
async fn health(State(state): State<AppState>) -> Response {
    let ready = state.is_ready();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(json!({ "ready": ready }))).into_response()
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Why the service stopped before serving.
#[derive(Debug)]
pub enum StartError {
    /// The operator must change a setting (exit code 2).
    Config(String),
    Other(anyhow::Error),
}

/// Reads the auth server's SSF configuration and keys, starts listening, points the stream
/// at us, and serves until `shutdown` completes.
pub async fn run(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| StartError::Other(e.into()))?;
    let ssf = retrying("read the SSF configuration", || {
        stream::discover(&http, &config.signout_url)
    })
    .await?;
    // Access tokens and SETs are signed with the same keys (the contract), published here.
    let jwks_url = format!("{}/.well-known/jwks.json", config.signout_url);
    let jwks = retrying("fetch the auth server's keys", || async {
        Jwks::fetch(jwks_url.clone(), http.clone())
            .await
            .map_err(SetupError::Unavailable)
    })
    .await?;
    let push_authorization = (config.delivery == Delivery::Push)
        .then(|| Secret::new(format!("Bearer {}", Secret::random().expose())));
    let set_rules = SetRules {
        issuer: ssf.issuer.clone(),
        audience: config.receiver_name.clone(),
    };
    let state = AppState::new(
        jwks,
        &config.access_token_issuer,
        set_rules,
        push_authorization.clone(),
    );

    // Listening before the stream points at us: the first pushed SET may come at once.
    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|e| {
            StartError::Config(format!(
                "cannot listen on {} (NOTES_ADDR): {e}",
                config.listen_addr
            ))
        })?;
    tracing::info!("listening on http://{}", config.listen_addr);
    let router = app(state.clone());
    let mut server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
    });

    let push_url = format!("{}/ssf/events", config.public_url);
    let subscribe = async {
        let stream = retrying("set up the event stream", || {
            let delivery = match &push_authorization {
                Some(authorization) => DeliveryRequest::Push {
                    endpoint_url: &push_url,
                    authorization,
                },
                None => DeliveryRequest::Poll,
            };
            stream::subscribe(&http, &ssf, &config.receiver_secret, delivery)
        })
        .await?;
        tracing::info!(stream_id = %stream.stream_id, method = %stream.delivery.method, "event stream set up");
        if let Delivery::Poll { interval } = config.delivery {
            let poll_url = stream.delivery.endpoint_url.clone().ok_or_else(|| {
                StartError::Other(anyhow::anyhow!("the poll stream has no endpoint_url"))
            })?;
            let secret = config.receiver_secret.clone();
            tokio::spawn(ssf::poll::poll_forever(
                state.clone(),
                http.clone(),
                poll_url,
                secret,
                interval,
            ));
        }
        // `iat` has whole seconds: tokens from the cutoff's second are refused. Opening at
        // the next second means a client that refreshes after a refusal is accepted.
        let cutoff = unix_now();
        sleep_until_unix(cutoff + 1).await;
        state.open(cutoff);
        tracing::info!("ready: accepting access tokens issued after {cutoff}");
        Ok::<_, StartError>(())
    };
    tokio::select! {
        // Shut down (or failed) while still setting up.
        served = &mut server => return finished(served),
        subscribed = subscribe => subscribed?,
    }
    finished(server.await)
}

fn finished(served: Result<std::io::Result<()>, tokio::task::JoinError>) -> Result<(), StartError> {
    match served {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(StartError::Other(e.into())),
        Err(e) => Err(StartError::Other(e.into())),
    }
}

/// Runs `attempt` until it works; `SetupError::Rejected` stops at once. The auth server may
/// start after us, so waiting for it is normal; the back-off is bounded to 30 s.
async fn retrying<T, F, Fut>(what: &str, mut attempt: F) -> Result<T, StartError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SetupError>>,
{
    let mut backoff = Duration::from_millis(250);
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(SetupError::Rejected(why)) => return Err(StartError::Config(why)),
            Err(SetupError::Unavailable(err)) => {
                tracing::warn!("could not {what}, retrying in {backoff:?}: {err:#}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

async fn sleep_until_unix(secs: i64) {
    let at = UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64);
    if let Ok(wait) = at.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests;
