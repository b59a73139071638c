//! The in-memory revocation view: what makes an unexpired access token dead without a
//! database query per request.
//!
//! Every revocation is written to `revocation_events` in the same transaction as the
//! change it describes, and applied to this process's view right after commit, so the
//! process that signed a user out refuses the token on the very next request. Other
//! processes learn of it by tailing the table: PostgreSQL `NOTIFY` wakes them at once, and
//! a periodic poll is the fallback (and the only mechanism on SQLite).
//!
//! An entry is forgotten once no access token it could affect can still be valid, so the
//! view stays as small as the number of revocations within one access-token lifetime.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::{AnyConnection, Row};

use super::clock::{Clock, UnixTime};
use super::db::{new_id, Db, Dialect};
use super::tokens::AccessClaims;

/// The `NOTIFY` channel that wakes the tailers of other processes.
const NOTIFY_CHANNEL: &str = "revocation_events";
/// Re-read this many seconds before the last poll, so that an event committed a little
/// after its `created_at` is never missed. Applying an event twice is harmless.
const POLL_OVERLAP_SECS: i64 = 60;

/// One fact that makes some access tokens invalid until `forget_after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Every access token naming this session is dead.
    Session {
        session_id: String,
        forget_after: UnixTime,
    },
    /// This one access token is dead (a single sign-out deny-lists the presented token).
    AccessToken { jti: String, forget_after: UnixTime },
    /// Every access token of the user issued under an older token version is dead.
    UserVersion {
        user_id: String,
        version: i64,
        forget_after: UnixTime,
    },
}

impl Revocation {
    fn kind(&self) -> &'static str {
        match self {
            Self::Session { .. } => "session",
            Self::AccessToken { .. } => "access_token",
            Self::UserVersion { .. } => "user_version",
        }
    }

    fn forget_after(&self) -> UnixTime {
        match self {
            Self::Session { forget_after, .. }
            | Self::AccessToken { forget_after, .. }
            | Self::UserVersion { forget_after, .. } => *forget_after,
        }
    }
}

#[derive(Default)]
struct Entries {
    sessions: HashMap<String, UnixTime>,
    access_tokens: HashMap<String, UnixTime>,
    /// user id -> (lowest valid token version, forget after)
    user_versions: HashMap<String, (i64, UnixTime)>,
}

pub struct RevocationView {
    entries: RwLock<Entries>,
    /// Rings after every applied revocation, so open push channels can re-check their
    /// token at once (`subscribe`).
    changed: tokio::sync::broadcast::Sender<()>,
}

impl Default for RevocationView {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
            changed: tokio::sync::broadcast::channel(64).0,
        }
    }
}

impl RevocationView {
    /// A receiver that wakes after each revocation applied to this view, whether made by
    /// this process or tailed from another one.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<()> {
        self.changed.subscribe()
    }

    /// Whether an access token whose signature and expiry are already verified may be used.
    pub fn allows(&self, claims: &AccessClaims) -> bool {
        let Ok(entries) = self.entries.read() else {
            // A poisoned lock means a writer panicked mid-update: refuse rather than guess.
            return false;
        };
        if entries.sessions.contains_key(&claims.sid)
            || entries.access_tokens.contains_key(&claims.jti)
        {
            return false;
        }
        match entries.user_versions.get(&claims.sub) {
            Some((min_version, _)) => claims.ver >= *min_version,
            None => true,
        }
    }

    pub fn apply(&self, revocation: &Revocation) {
        self.insert(revocation);
        // No receiver is fine: nobody is listening.
        let _ = self.changed.send(());
    }

    fn insert(&self, revocation: &Revocation) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        match revocation {
            Revocation::Session {
                session_id,
                forget_after,
            } => {
                let slot = entries.sessions.entry(session_id.clone()).or_default();
                *slot = (*slot).max(*forget_after);
            }
            Revocation::AccessToken { jti, forget_after } => {
                let slot = entries.access_tokens.entry(jti.clone()).or_default();
                *slot = (*slot).max(*forget_after);
            }
            Revocation::UserVersion {
                user_id,
                version,
                forget_after,
            } => {
                let slot = entries
                    .user_versions
                    .entry(user_id.clone())
                    .or_insert((0, 0));
                slot.0 = slot.0.max(*version);
                slot.1 = slot.1.max(*forget_after);
            }
        }
    }

    /// Drops entries that can no longer affect any valid token.
    pub fn purge(&self, now: UnixTime) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        entries.sessions.retain(|_, until| *until > now);
        entries.access_tokens.retain(|_, until| *until > now);
        entries.user_versions.retain(|_, (_, until)| *until > now);
    }

    pub fn len(&self) -> usize {
        self.entries
            .read()
            .map(|e| e.sessions.len() + e.access_tokens.len() + e.user_versions.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Appends `revocation` to `revocation_events` inside the caller's transaction. The caller
/// applies it to its own view after the transaction commits.
pub async fn record(
    conn: &mut AnyConnection,
    dialect: Dialect,
    revocation: &Revocation,
    now: UnixTime,
) -> sqlx::Result<()> {
    let (user_id, session_id, jti, version) = match revocation {
        Revocation::Session { session_id, .. } => (None, Some(session_id.as_str()), None, None),
        Revocation::AccessToken { jti, .. } => (None, None, Some(jti.as_str()), None),
        Revocation::UserVersion {
            user_id, version, ..
        } => (Some(user_id.as_str()), None, None, Some(*version)),
    };
    sqlx::query(
        "INSERT INTO revocation_events (id, kind, user_id, session_id, jti, token_version, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(revocation.kind())
    .bind(user_id)
    .bind(session_id)
    .bind(jti)
    .bind(version)
    .bind(revocation.forget_after())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if dialect == Dialect::Postgres {
        // Delivered when the transaction commits, never before.
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(NOTIFY_CHANNEL)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Reads every still-relevant event created at or after `since` and applies it.
pub async fn load_since(
    db: &Db,
    view: &RevocationView,
    since: UnixTime,
    now: UnixTime,
) -> sqlx::Result<usize> {
    let rows = sqlx::query(
        "SELECT kind, user_id, session_id, jti, token_version, expires_at
         FROM revocation_events WHERE created_at >= $1 AND expires_at > $2",
    )
    .bind(since)
    .bind(now)
    .fetch_all(db)
    .await?;
    let mut applied = 0;
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let forget_after: i64 = row.try_get("expires_at")?;
        let revocation = match kind.as_str() {
            "session" => row
                .try_get::<Option<String>, _>("session_id")?
                .map(|session_id| Revocation::Session {
                    session_id,
                    forget_after,
                }),
            "access_token" => row
                .try_get::<Option<String>, _>("jti")?
                .map(|jti| Revocation::AccessToken { jti, forget_after }),
            "user_version" => {
                let user_id: Option<String> = row.try_get("user_id")?;
                let version: Option<i64> = row.try_get("token_version")?;
                user_id
                    .zip(version)
                    .map(|(user_id, version)| Revocation::UserVersion {
                        user_id,
                        version,
                        forget_after,
                    })
            }
            _ => None,
        };
        if let Some(revocation) = revocation {
            view.apply(&revocation);
            applied += 1;
        } else {
            tracing::warn!(%kind, "skipping an unreadable revocation event");
        }
    }
    Ok(applied)
}

/// Keeps `view` in step with revocations written by other processes, until the runtime
/// stops. Also forgets entries that can no longer matter (the table is purged by
/// `purge::purge_expired`).
pub fn spawn_tailer(
    db: Db,
    dialect: Dialect,
    database_url: String,
    view: Arc<RevocationView>,
    clock: Clock,
    poll_every: Duration,
) {
    let wake = Arc::new(tokio::sync::Notify::new());
    if dialect == Dialect::Postgres {
        spawn_postgres_listener(database_url, wake.clone());
    }
    tokio::spawn(async move {
        let mut last_poll = clock.now();
        loop {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(poll_every) => {}
            }
            let now = clock.now();
            match load_since(&db, &view, last_poll - POLL_OVERLAP_SECS, now).await {
                Ok(_) => last_poll = now,
                Err(err) => {
                    tracing::warn!(error = %err, "could not read revocation events; will retry")
                }
            }
            view.purge(now);
        }
    });
}

fn spawn_postgres_listener(database_url: String, wake: Arc<tokio::sync::Notify>) {
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&database_url).await {
                Ok(mut listener) => {
                    if let Err(err) = listener.listen(NOTIFY_CHANNEL).await {
                        tracing::warn!(error = %err, "LISTEN failed; polling only");
                    } else {
                        while listener.recv().await.is_ok() {
                            wake.notify_one();
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot open a LISTEN connection; polling only")
                }
            }
            // The poll keeps the view right meanwhile; retry the push channel later.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sub: &str, sid: &str, jti: &str, ver: i64) -> AccessClaims {
        AccessClaims {
            sub: sub.into(),
            sid: sid.into(),
            ver,
            jti: jti.into(),
            iat: 0,
            exp: 100,
            iss: "signout".into(),
        }
    }

    #[test]
    fn each_kind_of_revocation_kills_exactly_its_tokens() {
        let view = RevocationView::default();
        let token = claims("u", "s", "j", 1);
        assert!(view.allows(&token));

        view.apply(&Revocation::AccessToken {
            jti: "j".into(),
            forget_after: 100,
        });
        assert!(!view.allows(&token));
        assert!(view.allows(&claims("u", "s", "other-jti", 1)));

        view.apply(&Revocation::Session {
            session_id: "s".into(),
            forget_after: 100,
        });
        assert!(!view.allows(&claims("u", "s", "other-jti", 1)));
        assert!(view.allows(&claims("u", "s2", "k", 1)));

        view.apply(&Revocation::UserVersion {
            user_id: "u".into(),
            version: 2,
            forget_after: 100,
        });
        assert!(!view.allows(&claims("u", "s2", "k", 1)));
        assert!(view.allows(&claims("u", "s2", "k", 2)));
        assert!(view.allows(&claims("someone-else", "s3", "m", 0)));
    }

    #[test]
    fn entries_are_forgotten_when_no_token_they_affect_can_be_valid() {
        let view = RevocationView::default();
        view.apply(&Revocation::Session {
            session_id: "s".into(),
            forget_after: 50,
        });
        view.apply(&Revocation::AccessToken {
            jti: "j".into(),
            forget_after: 80,
        });
        view.purge(60);
        assert_eq!(view.len(), 1);
        view.purge(80);
        assert!(view.is_empty());
    }

    #[test]
    fn a_lower_version_event_never_undoes_a_higher_one() {
        let view = RevocationView::default();
        view.apply(&Revocation::UserVersion {
            user_id: "u".into(),
            version: 3,
            forget_after: 100,
        });
        view.apply(&Revocation::UserVersion {
            user_id: "u".into(),
            version: 2,
            forget_after: 100,
        });
        assert!(!view.allows(&claims("u", "s", "j", 2)));
    }
}
