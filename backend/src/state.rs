//! Everything a request handler needs, built once at start-up and shared.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos_config::LeptosOptions;

use super::activity::ActivityThrottle;
use super::bundle::SiteBundle;
use super::clock::Clock;
use super::config::Config;
use super::db::{self, Db, Dialect};
use super::error::{ApiError, ApiResult};
use super::rate_limit::{Policy, RateLimiter, Slot};
use super::revocation::RevocationView;
use super::rotations::Rotations;
use super::sessions::SessionPolicy;
use super::tail;
use super::tokens::TokenKeys;

/// Everything a request may need, behind one `Arc`: axum clones the state for each
/// middleware and extractor of every request, and cloning this many fields (the Leptos
/// options alone hold a dozen) was 8 % of the session check's time (`make bench`, perf).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub db: Db,
    pub dialect: Dialect,
    pub config: Arc<Config>,
    pub keys: Arc<TokenKeys>,
    pub revocations: Arc<RevocationView>,
    pub limiter: Arc<RateLimiter>,
    pub activity: Arc<ActivityThrottle>,
    /// Where refresh tokens are rotated, several at a time (`rotations.rs`).
    pub rotations: Arc<Rotations>,
    pub clock: Clock,
    /// Sign-outs the database could not take, retried in the background
    /// (`service::retry`).
    pub sign_out_retries: Arc<crate::service::retry::RetriedSignOuts>,
    pub leptos_options: LeptosOptions,
    pub bundle: Arc<SiteBundle>,
    /// Rung after a transaction that wrote mail to the outbox commits: this process's mail
    /// worker sends it at once (`mail::worker`).
    pub mail_ready: Arc<tokio::sync::Notify>,
    /// Rung when Shared Signals events were committed (`ssf`).
    pub ssf_wakes: Arc<crate::ssf::Wakes>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Connects, migrates, loads the revocation view and starts its tailer.
    pub async fn start(
        config: Config,
        clock: Clock,
        leptos_options: LeptosOptions,
    ) -> anyhow::Result<Self> {
        let db = db::connect_and_migrate(&config.database_url).await?;
        let dialect = Dialect::of(&config.database_url)?;
        let revocations = Arc::new(RevocationView::default());
        let tail = tail::Tail::start(&db, dialect, &revocations, clock.now()).await?;
        tail::spawn_tailer(
            db.clone(),
            dialect,
            config.database_url.clone(),
            revocations.clone(),
            clock.clone(),
            Duration::from_secs(config.revocation_poll_interval_secs.max(1)),
            tail,
        );
        let mail_ready = Arc::new(tokio::sync::Notify::new());
        crate::mail::worker::start(&config, &db, dialect, &clock, &mail_ready)?;
        let keys = Arc::new(TokenKeys::load(&db, dialect, &config, clock.now()).await?);
        // Keys whose last token has expired are of no use to anyone any more.
        let keys_kept = config.access_token_ttl + crate::keys::RETIRED_MARGIN;
        spawn_purger(db.clone(), clock.clone(), keys_kept);
        spawn_key_reloader(db.clone(), keys.clone(), clock.clone());
        let ssf_wakes = Arc::new(crate::ssf::Wakes::default());
        crate::ssf::push::Transmitter::new(
            db.clone(),
            clock.clone(),
            keys.clone(),
            config.app_origin.clone(),
            ssf_wakes.clone(),
            revocations.clone(),
        )?
        .spawn();
        crate::ssf::expiry::spawn_sweeper(db.clone(), dialect, clock.clone(), ssf_wakes.clone());
        Ok(Self(Arc::new(Shared {
            keys,
            limiter: Arc::new(RateLimiter::new(config.rate_limits)),
            activity: Arc::new(ActivityThrottle::default()),
            rotations: Arc::new(Rotations::start(&db, dialect)),
            sign_out_retries: Arc::default(),
            db,
            dialect,
            revocations,
            clock,
            bundle: Arc::new(SiteBundle::load(&leptos_options)),
            leptos_options,
            config: Arc::new(config),
            mail_ready,
            ssf_wakes,
        })))
    }

    /// Who `auth` is, as the client may know them (`users::signed_in_as`, with this
    /// process's kept profiles and clock).
    pub async fn signed_in_as(
        &self,
        auth: &crate::authn::Authenticated,
        freshness: crate::users::Freshness,
    ) -> sqlx::Result<Option<wire::SignedIn>> {
        let profiles = self.revocations.profiles();
        crate::users::signed_in_as(&self.db, profiles, auth, freshness, self.clock.now()).await
    }

    /// Mail was committed to the outbox: send it now rather than at the next poll.
    pub fn mail_committed(&self) {
        self.mail_ready.notify_one();
    }

    /// Counts this request against `policy` for `key`; over the limit is a 429.
    pub fn rate_limit(&self, policy: Policy, key: &str) -> ApiResult<()> {
        self.limiter
            .hit(policy, key, self.clock.now())
            .map_err(ApiError::RateLimited)
    }

    /// Takes a slot of `policy` for `key` before an attempt that policy limits; a full
    /// window is a 429. See `rate_limit::Slot` for when to refund it.
    pub fn reserve(&self, policy: Policy, key: &str) -> ApiResult<Slot> {
        self.limiter
            .reserve(policy, key, self.clock.now())
            .map_err(ApiError::RateLimited)
    }

    /// Runs `work` in a task of its own, so that it finishes even if the request that
    /// started it is dropped (the client hung up, the request timed out). For sign-outs:
    /// once this process has refused the session, its end must reach the database too,
    /// whether or not anyone is still waiting for the answer.
    pub async fn run_to_completion<T, Work>(
        &self,
        work: impl FnOnce(AppState) -> Work,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        Work: std::future::Future<Output = ApiResult<T>> + Send + 'static,
    {
        // In the caller's span, so that what it logs names the same session and user.
        let work = tracing::Instrument::in_current_span(work(self.clone()));
        tokio::spawn(work)
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a sign-out task failed: {e}")))?
    }

    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            refresh_ttl: self.config.refresh_token_ttl,
            idle_timeout: self.config.session_idle_timeout,
            reuse_grace: self.config.refresh_reuse_grace,
        }
    }
}

/// How often expired sessions, tokens and revocation events are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// Keeps this process's keys current: a rotation made elsewhere reaches it within
/// `keys::RELOAD_EVERY`, well before the new key signs (`keys::ROTATION_LEAD`).
fn spawn_key_reloader(db: Db, keys: Arc<TokenKeys>, clock: Clock) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(crate::keys::RELOAD_EVERY).await;
            if let Err(err) = keys.reload(&db, clock.now()).await {
                tracing::warn!(error = %err, "could not reload the signing keys; keeping the ones held");
            }
        }
    });
}

fn spawn_purger(db: Db, clock: Clock, keys_kept: i64) {
    tokio::spawn(async move {
        loop {
            match super::purge::purge_expired(&db, clock.now()).await {
                Ok(purged) => tracing::debug!(?purged, "purged expired rows"),
                Err(err) => tracing::warn!(error = %err, "purge failed; will retry"),
            }
            if let Err(err) = crate::keys::store::purge(&db, keys_kept, clock.now()).await {
                tracing::warn!(error = %err, "could not delete retired signing keys; will retry");
            }
            tokio::time::sleep(PURGE_EVERY).await;
        }
    });
}
