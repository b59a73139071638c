//! Poll delivery (RFC 8936): ask the auth server for SETs, apply them, and acknowledge them
//! in the next request. Runs for the life of the process; on errors it backs off (at most
//! 30 s) and keeps going, and what was not acknowledged is sent again.

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::set::{self, NotApplied};
use crate::config::Secret;
use crate::AppState;

const MAX_EVENTS: usize = 100;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const MIN_LONG_POLL: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
struct PollAnswer {
    #[serde(default)]
    sets: HashMap<String, String>,
    #[serde(rename = "moreAvailable", default)]
    more_available: bool,
}

/// Polls `poll_url` forever. Without `interval`, long polls (the auth server holds each
/// request until an event exists, up to ~25 s); with it, asks every `interval`.
pub async fn poll_forever(
    state: AppState,
    http: reqwest::Client,
    poll_url: String,
    receiver_secret: Secret,
    interval: Option<Duration>,
) {
    let mut ack: Vec<String> = Vec::new();
    let mut set_errs = serde_json::Map::new();
    let mut backoff = Duration::from_millis(500);
    loop {
        let mut body = json!({
            "ack": ack,
            "maxEvents": MAX_EVENTS,
            "returnImmediately": interval.is_some(),
        });
        if !set_errs.is_empty() {
            body["setErrs"] = Value::Object(set_errs.clone());
        }
        let asked_at = std::time::Instant::now();
        let answer = async {
            let response = http
                .post(&poll_url)
                .bearer_auth(receiver_secret.expose())
                // Longer than the auth server holds a long poll.
                .timeout(Duration::from_secs(60))
                .json(&body)
                .send()
                .await?
                .error_for_status()?;
            response.json::<PollAnswer>().await
        }
        .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(err) => {
                // Keep `ack` and `set_errs`: they may not have arrived.
                tracing::warn!(
                    "polling for security events failed, retrying in {backoff:?}: {err}"
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_millis(500);
        ack.clear();
        set_errs.clear();
        for (jti, token) in answer.sets {
            match set::receive(&state, &token).await {
                Ok(_) => ack.push(jti),
                Err(NotApplied::Invalid(error)) => {
                    tracing::warn!(%jti, err = error.err, description = %error.description, "security event refused");
                    set_errs.insert(
                        jti,
                        json!({"err": error.err, "description": error.description}),
                    );
                }
                // Neither acknowledged nor refused: it will come again.
                Err(NotApplied::KeysUnreachable) => {}
            }
        }
        let pause = match interval {
            Some(interval) if !answer.more_available => interval,
            // A long poll that came back empty at once: not holding requests, so do not
            // spin on it.
            None if ack.is_empty() && set_errs.is_empty() => {
                MIN_LONG_POLL.saturating_sub(asked_at.elapsed())
            }
            _ => Duration::ZERO,
        };
        tokio::time::sleep(pause).await;
    }
}
