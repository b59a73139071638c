//! Sign-outs the database could not take, retried by the server until they land, so that
//! one is not lost while its client cannot retry (a plain form post, a tab closed, a client
//! that gave up). Only sessions named by a verified access token are retried (anyone can
//! send made-up refresh tokens; nobody can forge an access token), each session once at a
//! time however often its client retries too, and at most `MAX_SESSIONS` at once. What is
//! kept is the token's claims, never a raw token.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;

use crate::audit::ClientInfo;
use crate::error::ApiError;
use crate::signout::{self, LeavingDevice};
use crate::state::AppState;
use crate::tokens::AccessClaims;

/// At most this many sessions wait for the database at once (a few hundred bytes each).
pub const MAX_SESSIONS: usize = 10_000;
/// How long a sign-out is retried for, and how often at most.
const RETRY_FOR: Duration = Duration::from_secs(3600);
const RETRY_EVERY_AT_MOST: Duration = Duration::from_secs(5);

/// The sessions whose sign-out is being retried.
#[derive(Default)]
pub struct RetriedSignOuts {
    sessions: Mutex<HashSet<String>>,
}

impl RetriedSignOuts {
    /// Takes on the sessions of `claims` not already being retried; `None` if there is
    /// nothing new to retry or no room.
    fn claim(&self, claims: &[AccessClaims]) -> Option<Vec<AccessClaims>> {
        let mut sessions = self.sessions.lock().ok()?;
        let new: Vec<AccessClaims> = claims
            .iter()
            .filter(|c| !sessions.contains(&c.sid))
            .cloned()
            .collect();
        if new.is_empty() || sessions.len() + new.len() > MAX_SESSIONS {
            return None;
        }
        sessions.extend(new.iter().map(|c| c.sid.clone()));
        Some(new)
    }

    fn release(&self, claims: &[AccessClaims]) {
        if let Ok(mut sessions) = self.sessions.lock() {
            for c in claims {
                sessions.remove(&c.sid);
            }
        }
    }
}

/// Retries, in a task of its own, the sign-out of the sessions of these verified access
/// tokens (their `jti`s deny-listed too) until it lands or `RETRY_FOR` has passed.
pub(super) fn keep_trying(state: &AppState, claims: Vec<AccessClaims>, client: ClientInfo) {
    let retried: Arc<RetriedSignOuts> = state.sign_out_retries.clone();
    let Some(claims) = retried.claim(&claims) else {
        return;
    };
    let state = state.clone();
    let retries = async move {
        let given_up_at = tokio::time::Instant::now() + RETRY_FOR;
        let mut wait = Duration::from_millis(500);
        loop {
            // A little jitter, so that the sign-outs of one outage do not all land at once
            // on a database that has just come back.
            let jitter = Duration::from_millis(rand::thread_rng().gen_range(0..500));
            tokio::time::sleep(wait + jitter).await;
            let leaving = LeavingDevice {
                access: claims.clone(),
                refresh_sessions: Vec::new(),
            };
            match signout::sign_out_device(&state, leaving, &client).await {
                Ok(_) => {
                    tracing::info!("a sign-out the database could not take has landed");
                    break;
                }
                Err(ApiError::Unavailable) if tokio::time::Instant::now() < given_up_at => {
                    wait = (wait * 2).min(RETRY_EVERY_AT_MOST);
                }
                Err(error) => {
                    tracing::warn!(%error, "a sign-out retried in the background was not recorded");
                    break;
                }
            }
        }
        retried.release(&claims);
    };
    tokio::spawn(tracing::Instrument::in_current_span(retries));
}
