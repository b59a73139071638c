//! The worker each process runs: claims due mail, sends it, marks it, and retries failures
//! with back-off. Woken at once after a transaction that enqueued mail commits
//! (`AppState::mail_ready`), and every poll interval besides (another process's mail, a
//! retry that came due, a claim that ran out).

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use tokio::sync::Notify;

use super::outbox;
use super::transport::Transport;
use crate::clock::Clock;
use crate::db::{Db, Dialect};

/// How long a claim holds a message: longer than any send may take (`SEND_TIMEOUT`), so
/// that a live worker is never overtaken, and short enough that a crashed one's mail goes
/// out soon.
const LEASE_SECS: i64 = 60;

/// The longest a send may take: well inside the lease.
const SEND_TIMEOUT: Duration = Duration::from_secs(40);

/// The longest wait between two attempts of one message.
const MAX_BACKOFF_SECS: i64 = 60;

/// 2, 4, 8 … seconds after each failure, at most `MAX_BACKOFF_SECS`.
pub fn backoff(attempts: i64) -> i64 {
    let doubled = 2_i64.saturating_pow(attempts.clamp(0, 30) as u32 + 1);
    doubled.min(MAX_BACKOFF_SECS)
}

pub struct Worker {
    pub db: Db,
    pub dialect: Dialect,
    pub clock: Clock,
    pub transport: Transport,
    pub from: Mailbox,
    pub poll: Duration,
    pub ready: Arc<Notify>,
}

/// Starts this process's worker, unless mail is off.
pub fn start(
    config: &crate::config::Config,
    db: &Db,
    dialect: Dialect,
    clock: &Clock,
    ready: &Arc<Notify>,
) -> anyhow::Result<()> {
    use crate::config::MailTransport;
    let transport = match &config.mail.transport {
        MailTransport::Off => return Ok(()),
        MailTransport::Smtp(url) => Transport::new(Some(url), Default::default())?,
        MailTransport::Files(dir) => Transport::new(None, dir.clone())?,
    };
    let from: Mailbox = config
        .mail
        .from
        .parse()
        .map_err(|e| anyhow::anyhow!("MAIL_FROM is not a mail address: {e}"))?;
    Worker {
        db: db.clone(),
        dialect,
        clock: clock.clone(),
        transport,
        from,
        poll: Duration::from_secs(config.mail.poll_interval_secs.max(1)),
        ready: ready.clone(),
    }
    .spawn();
    Ok(())
}

impl Worker {
    pub fn spawn(self) {
        tokio::spawn(async move { self.run().await });
    }

    async fn run(self) {
        loop {
            match self.send_one().await {
                // Sent or failed: there may be more right away.
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "the mail outbox could not be read"),
            }
            let _ = tokio::time::timeout(self.poll, self.ready.notified()).await;
        }
    }

    /// Claims and handles one message; `false` when none was due.
    async fn send_one(&self) -> sqlx::Result<bool> {
        let now = self.clock.now();
        let Some(claimed) = outbox::claim(&self.db, self.dialect, now, LEASE_SECS).await? else {
            return Ok(false);
        };
        // Bounded well inside the lease: lettre's own timeout covers only the connection,
        // and a server that stalls mid-conversation must neither hold this worker nor
        // outlive the claim (another worker would then send the mail too).
        let sending = self.transport.send(&self.from, &claimed.id, &claimed.mail);
        let sent = match tokio::time::timeout(SEND_TIMEOUT, sending).await {
            Ok(sent) => sent,
            Err(_) => Err(format!("no answer within {} s", SEND_TIMEOUT.as_secs())),
        };
        match sent {
            Ok(()) => outbox::mark_sent(&self.db, &claimed.id, self.clock.now()).await?,
            Err(error) => {
                let retry_at = self.clock.now() + backoff(claimed.attempts);
                tracing::warn!(id = %claimed.id, %error, retry_at, "a mail could not be sent; it will be tried again");
                outbox::mark_failed(&self.db, &claimed.id, &error, retry_at).await?;
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn the_back_off_doubles_up_to_a_minute() {
        assert_eq!(
            (0..7).map(backoff).collect::<Vec<_>>(),
            [2, 4, 8, 16, 32, 60, 60]
        );
        assert_eq!(backoff(1_000), 60);
    }
}
