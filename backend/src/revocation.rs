//! The in-memory revocation view: what makes an unexpired access token dead without a
//! database query per request.
//!
//! Every revocation is written to `revocation_events` in the same transaction as the
//! change it describes, and applied to this process's view right after commit, so the
//! process that signed a user out refuses the token on the very next request. Other
//! processes learn of it by tailing the table (`tail.rs`).
//!
//! An entry is forgotten once no access token it could affect can still be valid: its
//! `forget_after` is the latest `exp` of those tokens, as recorded when they were issued
//! (`access_grant.rs`), never the revoker's clock plus its own TTL. The check compares
//! that `exp` and the token's with the same clock, so neither a different TTL, a restart,
//! nor a skewed clock can make a revoked token valid again.

use std::collections::HashMap;
use std::sync::RwLock;

use sqlx::{AnyConnection, Row};

use super::clock::UnixTime;
use super::db::Dialect;
use super::profiles::{Profiles, KEEP_FOR};
use super::tokens::AccessClaims;

/// The `NOTIFY` channel that wakes the tailers of other processes.
pub const NOTIFY_CHANNEL: &str = "revocation_events";

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
    /// Every access token of the user issued under an older token version is dead, except
    /// those of `kept_session` ("sign out other devices" keeps the caller's).
    UserVersion {
        user_id: String,
        version: i64,
        kept_session: Option<String>,
        forget_after: UnixTime,
    },
    /// No token dies: what the user's profile shows changed (an administrator granted or
    /// revoked). Every process drops the profile it kept (`profiles.rs`); `forget_after`
    /// only says when the row may go.
    Profile {
        user_id: String,
        forget_after: UnixTime,
    },
}

impl Revocation {
    fn kind(&self) -> &'static str {
        match self {
            Self::Session { .. } => "session",
            Self::AccessToken { .. } => "access_token",
            Self::UserVersion { .. } => "user_version",
            Self::Profile { .. } => "profile",
        }
    }

    fn forget_after(&self) -> UnixTime {
        match self {
            Self::Session { forget_after, .. }
            | Self::AccessToken { forget_after, .. }
            | Self::UserVersion { forget_after, .. }
            | Self::Profile { forget_after, .. } => *forget_after,
        }
    }
}

/// The newest user-level revocation of a user. One is enough: a session kept by a
/// revocation was still active after every earlier one (checked under the user's row
/// lock), so it is either the session the earlier ones kept too or one started after them,
/// whose tokens carry a version they do not reach. The newest revocation therefore kills
/// every token an older one did.
#[derive(Debug)]
struct UserEntry {
    min_version: i64,
    kept_session: Option<Box<str>>,
    forget_after: UnixTime,
}

/// Keys are boxed strings, not `String`s: 8 bytes less per entry, and they never grow.
#[derive(Default)]
struct Entries {
    sessions: HashMap<Box<str>, UnixTime>,
    access_tokens: HashMap<Box<str>, UnixTime>,
    users: HashMap<Box<str>, UserEntry>,
}

fn remember(map: &mut HashMap<Box<str>, UnixTime>, key: &str, forget_after: UnixTime) {
    match map.get_mut(key) {
        Some(slot) => *slot = (*slot).max(forget_after),
        None => {
            map.insert(key.into(), forget_after);
        }
    }
}

/// Also keeps the profiles of signed-in users (`profiles.rs`), which it drops when a
/// revocation or a `Revocation::Profile` names their user: the log that keeps the view
/// exact keeps them current too.
pub struct RevocationView {
    entries: RwLock<Entries>,
    profiles: Profiles,
    /// Rings after every applied revocation, so open push channels can re-check their
    /// token at once (`subscribe`).
    changed: tokio::sync::broadcast::Sender<()>,
}

impl Default for RevocationView {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
            profiles: Profiles::default(),
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
        if entries.sessions.contains_key(claims.sid.as_str())
            || entries.access_tokens.contains_key(claims.jti.as_str())
        {
            return false;
        }
        match entries.users.get(claims.sub.as_str()) {
            Some(user) => {
                claims.ver >= user.min_version
                    || user.kept_session.as_deref() == Some(claims.sid.as_str())
            }
            None => true,
        }
    }

    /// The profiles kept by this process, current as of the last event applied.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    pub fn apply(&self, revocation: &Revocation) {
        if let Revocation::UserVersion { user_id, .. } | Revocation::Profile { user_id, .. } =
            revocation
        {
            self.profiles.forget(user_id);
        }
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
            } => remember(&mut entries.sessions, session_id, *forget_after),
            Revocation::AccessToken { jti, forget_after } => {
                remember(&mut entries.access_tokens, jti, *forget_after)
            }
            Revocation::UserVersion {
                user_id,
                version,
                kept_session,
                forget_after,
            } => {
                let newest = UserEntry {
                    min_version: *version,
                    kept_session: kept_session.as_deref().map(Box::from),
                    forget_after: *forget_after,
                };
                match entries.users.get_mut(user_id.as_str()) {
                    None => {
                        entries.users.insert(user_id.as_str().into(), newest);
                    }
                    // Events arrive in any order: the newest version decides, and the
                    // entry lives as long as the longest of them needs.
                    Some(slot) => {
                        let forget_after = slot.forget_after.max(newest.forget_after);
                        if newest.min_version > slot.min_version {
                            *slot = newest;
                        }
                        slot.forget_after = forget_after;
                    }
                }
            }
            Revocation::Profile { .. } => {}
        }
    }

    /// Drops entries that can no longer affect any valid token.
    pub fn purge(&self, now: UnixTime) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        entries.sessions.retain(|_, until| *until > now);
        entries.access_tokens.retain(|_, until| *until > now);
        entries.users.retain(|_, user| user.forget_after > now);
    }

    pub fn len(&self) -> usize {
        self.entries
            .read()
            .map(|e| e.sessions.len() + e.access_tokens.len() + e.users.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Appends `revocation` to `revocation_events` inside the caller's transaction (the row
/// records that transaction, which is how the tailers of other processes follow commit
/// order, see `tail.rs`). The caller applies it to its own view after the commit.
pub async fn record(
    conn: &mut AnyConnection,
    dialect: Dialect,
    revocation: &Revocation,
    now: UnixTime,
) -> sqlx::Result<()> {
    let (user_id, session_id, kept_session, jti, version) = match revocation {
        Revocation::Session { session_id, .. } => {
            (None, Some(session_id.as_str()), None, None, None)
        }
        Revocation::AccessToken { jti, .. } => (None, None, None, Some(jti.as_str()), None),
        Revocation::UserVersion {
            user_id,
            version,
            kept_session,
            ..
        } => (
            Some(user_id.as_str()),
            None,
            kept_session.as_deref(),
            None,
            Some(*version),
        ),
        Revocation::Profile { user_id, .. } => (Some(user_id.as_str()), None, None, None, None),
    };
    sqlx::query(
        "INSERT INTO revocation_events (kind, user_id, session_id, kept_session_id, jti, token_version, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(revocation.kind())
    .bind(user_id)
    .bind(session_id)
    .bind(kept_session)
    .bind(jti)
    .bind(version)
    .bind(kept_until(revocation, now))
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

/// How long the row of `revocation` must stay readable by the other processes' tailers: as
/// long as the tokens it kills could be valid, and, for an event that names a user, as long
/// as a profile of that user may be kept (`profiles.rs`). A user-level revocation that
/// kills nothing (an email change when only the caller's kept session was signed in) still
/// drops the user's old profile everywhere.
fn kept_until(revocation: &Revocation, now: UnixTime) -> UnixTime {
    match revocation {
        Revocation::UserVersion { forget_after, .. } | Revocation::Profile { forget_after, .. } => {
            (*forget_after).max(now + KEEP_FOR)
        }
        other => other.forget_after(),
    }
}

/// The columns `from_row` reads, for the queries of the tailer.
pub const EVENT_COLUMNS: &str =
    "id, kind, user_id, session_id, kept_session_id, jti, token_version, expires_at";

/// Reads one row of `revocation_events` (selected with `EVENT_COLUMNS`). `None` for a
/// row this version does not understand.
pub fn from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Option<Revocation>> {
    let kind: String = row.try_get("kind")?;
    let forget_after: i64 = row.try_get("expires_at")?;
    Ok(match kind.as_str() {
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
            let kept_session: Option<String> = row.try_get("kept_session_id")?;
            user_id
                .zip(version)
                .map(|(user_id, version)| Revocation::UserVersion {
                    user_id,
                    version,
                    kept_session,
                    forget_after,
                })
        }
        "profile" => {
            row.try_get::<Option<String>, _>("user_id")?
                .map(|user_id| Revocation::Profile {
                    user_id,
                    forget_after,
                })
        }
        _ => None,
    })
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

    fn user_version(version: i64, kept: Option<&str>, forget_after: UnixTime) -> Revocation {
        Revocation::UserVersion {
            user_id: "u".into(),
            version,
            kept_session: kept.map(str::to_owned),
            forget_after,
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

        view.apply(&user_version(2, None, 100));
        assert!(!view.allows(&claims("u", "s2", "k", 1)));
        assert!(view.allows(&claims("u", "s2", "k", 2)));
        assert!(view.allows(&claims("someone-else", "s3", "m", 0)));
    }

    #[test]
    fn a_kept_session_survives_its_users_revocation_and_no_other_does() {
        let view = RevocationView::default();
        view.apply(&user_version(3, Some("kept"), 100));
        assert!(view.allows(&claims("u", "kept", "a", 2)));
        assert!(!view.allows(&claims("u", "other", "b", 2)));
        assert!(view.allows(&claims("u", "new", "c", 3)));
        // Then everywhere: the kept session's old tokens die too.
        view.apply(&user_version(4, None, 100));
        assert!(!view.allows(&claims("u", "kept", "a", 2)));
        assert!(!view.allows(&claims("u", "kept", "d", 3)));
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
        view.apply(&user_version(1, None, 70));
        view.purge(60);
        assert_eq!(view.len(), 2);
        view.purge(80);
        assert!(view.is_empty());
    }

    #[test]
    fn an_older_event_arriving_late_never_undoes_a_newer_one_nor_shortens_it() {
        let view = RevocationView::default();
        view.apply(&user_version(3, None, 100));
        view.apply(&user_version(2, Some("s"), 200));
        assert!(!view.allows(&claims("u", "s", "j", 2)));
        view.purge(150);
        assert!(!view.allows(&claims("u", "s", "j", 2)), "kept until 200");
    }
}
