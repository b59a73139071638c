//! Push delivery (RFC 8935): each process runs a worker that finds push streams with due
//! events and delivers each stream's events one at a time, oldest first, under a lease on
//! the stream (so two processes never send one stream's events out of order). A receiver
//! that is down holds back only its own stream: its oldest event is retried with back-off
//! and the ones behind it wait. At least once: an event is deleted only after the
//! receiver's 202, so a crash between the two sends it again, with the same `jti`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::outbox::{self, Pending};
use super::streams::{self, Delivery, Stream};
use super::Wakes;
use crate::clock::{Clock, UnixTime};
use crate::db::Db;
use crate::revocation::RevocationView;
use crate::tokens::TokenKeys;

/// The longest a receiver may take to answer one push.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a worker holds a stream: renewed before each send, so longer than one.
const LEASE_SECS: i64 = 30;

/// A look at the outbox this often even when nothing rings (another process's events on
/// SQLite, a retry that came due).
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The longest wait between two attempts of one event.
const MAX_BACKOFF_SECS: i64 = 60;

/// 1, 2, 4 … seconds after each failure, at most `MAX_BACKOFF_SECS`.
pub fn backoff(attempts: i64) -> i64 {
    2_i64
        .saturating_pow(attempts.clamp(0, 30) as u32)
        .min(MAX_BACKOFF_SECS)
}

#[derive(Clone)]
pub struct Transmitter {
    pub db: Db,
    pub clock: Clock,
    pub keys: Arc<TokenKeys>,
    /// `iss` of every SET: the SSF configuration's issuer.
    pub issuer: String,
    pub wakes: Arc<Wakes>,
    pub revocations: Arc<RevocationView>,
    client: reqwest::Client,
    /// Streams this process is delivering right now.
    busy: Arc<Mutex<HashSet<String>>>,
}

/// What became of one push.
#[derive(Debug, PartialEq, Eq)]
enum Pushed {
    /// 202 (any 2xx): done.
    Delivered,
    /// 400 (RFC 8935 §2.3): the receiver refuses this SET; sending it again cannot help.
    Refused(String),
    /// Anything else: try again later.
    Failed(String),
}

impl Transmitter {
    pub fn new(
        db: Db,
        clock: Clock,
        keys: Arc<TokenKeys>,
        issuer: String,
        wakes: Arc<Wakes>,
        revocations: Arc<RevocationView>,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            // A receiver's endpoint is where its events go, not a hop to somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(SEND_TIMEOUT)
            .build()?;
        Ok(Self {
            db,
            clock,
            keys,
            issuer,
            wakes,
            revocations,
            client,
            busy: Arc::default(),
        })
    }

    pub fn spawn(self) {
        tokio::spawn(async move { self.run().await });
    }

    async fn run(self) {
        let mut changed = self.revocations.subscribe();
        loop {
            match streams::push_streams_with_events(&self.db, self.clock.now()).await {
                Ok(streams) => {
                    for stream in streams {
                        let claimed = self
                            .busy
                            .lock()
                            .map(|mut busy| busy.insert(stream.id.clone()))
                            .unwrap_or(false);
                        if claimed {
                            let this = self.clone();
                            tokio::spawn(async move { this.deliver_stream(stream).await });
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "could not look for events to push"),
            }
            tokio::select! {
                _ = self.wakes.push.notified() => {}
                _ = changed.recv() => {}
                _ = tokio::time::sleep(LOOK_EVERY) => {}
            }
        }
    }

    async fn deliver_stream(self, stream: Stream) {
        if let Err(err) = self.deliver_in_order(&stream).await {
            tracing::warn!(stream_id = %stream.id, error = %err, "pushing events failed; will retry");
        }
        if let Ok(mut busy) = self.busy.lock() {
            busy.remove(&stream.id);
        }
    }

    async fn deliver_in_order(&self, stream: &Stream) -> anyhow::Result<()> {
        let now = self.clock.now();
        let owner = crate::db::new_id();
        if !streams::lease(&self.db, &stream.id, &owner, now, now + LEASE_SECS).await? {
            return Ok(()); // Another process is delivering this stream.
        }
        let outcome = self.deliver_due(&stream.id, &owner).await;
        streams::release(&self.db, &stream.id, &owner).await?;
        outcome
    }

    async fn deliver_due(&self, stream_id: &str, owner: &str) -> anyhow::Result<()> {
        loop {
            let now = self.clock.now();
            // Read again before each event: a pause, a new endpoint or a deletion counts
            // from the next event on.
            let Some(stream) = streams::by_id(&self.db, stream_id).await? else {
                return Ok(());
            };
            let Delivery::Push {
                endpoint_url,
                authorization,
            } = &stream.delivery
            else {
                return Ok(());
            };
            if stream.status != streams::Status::Enabled {
                return Ok(());
            }
            let Some(head) = outbox::oldest(&self.db, stream_id, 1).await?.pop() else {
                return Ok(());
            };
            if head.next_attempt_at > now {
                return Ok(()); // Its retry is not due: the events behind it wait too.
            }
            // Renewed before a send that may take up to SEND_TIMEOUT; a lease that ran out
            // and was taken by another worker ends this run, so only one sends.
            if !streams::renew(&self.db, stream_id, owner, now + LEASE_SECS).await? {
                return Ok(());
            }
            let authorization = match authorization {
                Some(sealed) => match self.keys.sealer().open(stream_id, sealed) {
                    Ok(header) => Some(String::from_utf8_lossy(&header).into_owned()),
                    Err(err) => {
                        self.postpone(&head, now, &err.to_string()).await?;
                        return Ok(());
                    }
                },
                None => None,
            };
            let claims = outbox::compose(&head, &self.issuer, &stream.receiver.name);
            let set = self.keys.sign_security_event(&claims, now)?;
            match self.push(endpoint_url, authorization.as_deref(), set).await {
                Pushed::Delivered => {
                    outbox::remove(&self.db, stream_id, &head.jti).await?;
                }
                Pushed::Refused(why) => {
                    tracing::warn!(%stream_id, jti = %head.jti, %why, "the receiver refused an event; it is dropped");
                    outbox::remove(&self.db, stream_id, &head.jti).await?;
                }
                Pushed::Failed(why) => {
                    self.postpone(&head, now, &why).await?;
                    return Ok(());
                }
            }
        }
    }

    async fn postpone(&self, head: &Pending, now: UnixTime, why: &str) -> sqlx::Result<()> {
        let attempts = head.attempts + 1;
        tracing::info!(jti = %head.jti, attempts, %why, "an event could not be pushed; retrying later");
        outbox::postpone(
            &self.db,
            head.id,
            attempts,
            now + backoff(head.attempts),
            why,
        )
        .await
    }

    async fn push(&self, endpoint: &str, authorization: Option<&str>, set: String) -> Pushed {
        let mut request = self
            .client
            .post(endpoint)
            .header(http::header::CONTENT_TYPE, "application/secevent+jwt")
            .header(http::header::ACCEPT, "application/json")
            .body(set);
        if let Some(authorization) = authorization {
            request = request.header(http::header::AUTHORIZATION, authorization);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => Pushed::Delivered,
            Ok(response) if response.status() == http::StatusCode::BAD_REQUEST => {
                let body = response.text().await.unwrap_or_default();
                Pushed::Refused(body.chars().take(300).collect())
            }
            Ok(response) => Pushed::Failed(format!("answered {}", response.status())),
            Err(err) => Pushed::Failed(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn retries_back_off_to_a_minute() {
        let waits: Vec<i64> = (0..8).map(backoff).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(10_000), 60);
    }
}
