//! The deny state: which otherwise valid access tokens this service refuses, because the
//! auth server said so (a CAEP signal) or because we cannot know (the restart fail-safe).
//!
//! Bounded in time and in memory, without ever letting a revoked token back in:
//! - every accepted token lives at most `MAX_TOKEN_LIFETIME` (longer ones are refused at
//!   the door), so an entry can be forgotten once every token it could match has expired;
//! - when the entries still do not fit, the oldest one is folded into the global cutoff
//!   ("refuse every token issued until T"), which refuses more, never less. Its users
//!   just refresh.
//!
//! Times are unix seconds. `iat` and `event_timestamp` come from the auth server's clock,
//! `now` from ours; `CLOCK_MARGIN` covers the difference.

use std::collections::HashMap;

/// The longest access token lifetime (`exp - iat`) this service accepts.
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 3600;
/// Clock difference tolerated between the auth server and this service.
pub const CLOCK_MARGIN: i64 = 5 * 60;
/// Entries kept (sessions and users together) before the oldest is folded.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Why a token is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    SessionRevoked,
    /// The user's credentials changed, or all their sessions ended, after it was issued.
    UserRevoked,
    /// Issued before this service could hear about revocations (restart), or before an
    /// entry that had to be folded for room.
    IssuedBeforeCutoff,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Tokens issued (`iat`) at or before this may be affected: what the entry folds into.
    issued_until: i64,
    /// After this no token the entry matches can still be unexpired.
    forget_at: i64,
}

pub struct Revocations {
    sessions: HashMap<String, Entry>,
    users: HashMap<String, Entry>,
    /// Every token with `iat <= refuse_issued_until` is refused.
    refuse_issued_until: i64,
    capacity: usize,
}

impl Revocations {
    pub fn new(capacity: usize) -> Self {
        Self {
            sessions: HashMap::new(),
            users: HashMap::new(),
            refuse_issued_until: i64::MIN,
            capacity: capacity.max(1),
        }
    }

    /// The restart fail-safe, and where folded entries go: refuse every token issued at or
    /// before `cutoff`. `iat` has whole seconds, so a token from the same second is refused
    /// too: it may have been issued, and revoked, just before the cutoff.
    pub fn refuse_everything_issued_until(&mut self, cutoff: i64) {
        self.refuse_issued_until = self.refuse_issued_until.max(cutoff);
    }

    /// CAEP `session-revoked` for one session: its tokens are refused whatever their `iat`
    /// (no token of a revoked session is issued afterwards).
    pub fn revoke_session(&mut self, session_id: &str, now: i64) {
        self.make_room(now);
        let entry = Entry {
            // Its tokens were issued before the auth server revoked it, on its clock.
            issued_until: now + CLOCK_MARGIN,
            forget_at: now + MAX_TOKEN_LIFETIME + 2 * CLOCK_MARGIN,
        };
        self.sessions.insert(session_id.to_owned(), entry);
    }

    /// A user-level signal (`session-revoked` naming a user and no session): the user's tokens issued at or before `issued_until` are
    /// refused. A later signal never lowers an earlier cutoff.
    pub fn revoke_user_tokens_issued_until(&mut self, user_id: &str, issued_until: i64, now: i64) {
        self.make_room(now);
        let previous = self.users.get(user_id).map_or(i64::MIN, |e| e.issued_until);
        let issued_until = issued_until.max(previous);
        let entry = Entry {
            issued_until,
            forget_at: issued_until.max(now) + MAX_TOKEN_LIFETIME + CLOCK_MARGIN,
        };
        self.users.insert(user_id.to_owned(), entry);
    }

    /// Whether a token of `user_id`'s session `session_id`, issued at `iat`, is refused.
    /// Entries past their `forget_at` still refuse until pruned; that only matters for
    /// tokens that have expired anyway.
    pub fn check(&self, user_id: &str, session_id: &str, iat: i64) -> Result<(), Denied> {
        if iat <= self.refuse_issued_until {
            return Err(Denied::IssuedBeforeCutoff);
        }
        if self.sessions.contains_key(session_id) {
            return Err(Denied::SessionRevoked);
        }
        if self
            .users
            .get(user_id)
            .is_some_and(|e| iat <= e.issued_until)
        {
            return Err(Denied::UserRevoked);
        }
        Ok(())
    }

    /// Forgets the entries that can no longer match an unexpired token.
    pub fn prune(&mut self, now: i64) {
        self.sessions.retain(|_, e| e.forget_at > now);
        self.users.retain(|_, e| e.forget_at > now);
    }

    pub fn len(&self) -> usize {
        self.sessions.len() + self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Before an insert: prune, and if still full, fold the entry that would be forgotten
    /// first into the global cutoff. A rare path (a flood of signals), so a scan is fine.
    fn make_room(&mut self, now: i64) {
        if self.len() < self.capacity {
            return;
        }
        self.prune(now);
        while self.len() >= self.capacity {
            let oldest_session = oldest(&self.sessions);
            let oldest_user = oldest(&self.users);
            let (map, key, entry) = match (oldest_session, oldest_user) {
                (Some(s), Some(u)) if u.1.forget_at < s.1.forget_at => (&mut self.users, u.0, u.1),
                (Some(s), _) => (&mut self.sessions, s.0, s.1),
                (None, Some(u)) => (&mut self.users, u.0, u.1),
                (None, None) => return,
            };
            map.remove(&key);
            self.refuse_issued_until = self.refuse_issued_until.max(entry.issued_until);
            tracing::warn!(
                "deny state full: refusing every token issued until {}",
                entry.issued_until
            );
        }
    }
}

fn oldest(map: &HashMap<String, Entry>) -> Option<(String, Entry)> {
    map.iter()
        .min_by_key(|(_, e)| e.forget_at)
        .map(|(k, e)| (k.clone(), *e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_revoked_session_refuses_its_tokens_and_only_its_tokens() {
        let mut deny = Revocations::new(10);
        deny.revoke_session("s1", NOW);
        assert_eq!(deny.check("u", "s1", NOW - 60), Err(Denied::SessionRevoked));
        assert_eq!(deny.check("u", "s1", NOW + 60), Err(Denied::SessionRevoked));
        assert_eq!(
            deny.check("u", "s2", NOW - 60),
            Ok(()),
            "the user's other device"
        );
    }

    #[test]
    fn a_user_level_signal_refuses_tokens_issued_up_to_and_including_its_second() {
        let mut deny = Revocations::new(10);
        deny.revoke_user_tokens_issued_until("u", NOW, NOW);
        assert_eq!(deny.check("u", "s", NOW - 1), Err(Denied::UserRevoked));
        assert_eq!(deny.check("u", "s", NOW), Err(Denied::UserRevoked));
        assert_eq!(
            deny.check("u", "s", NOW + 1),
            Ok(()),
            "signed in again after"
        );
        assert_eq!(deny.check("other", "s", NOW - 1), Ok(()));

        // A delayed, older signal does not lower the cutoff.
        deny.revoke_user_tokens_issued_until("u", NOW - 100, NOW);
        assert_eq!(deny.check("u", "s", NOW), Err(Denied::UserRevoked));
    }

    #[test]
    fn entries_are_forgotten_only_once_their_tokens_have_expired() {
        let mut deny = Revocations::new(10);
        deny.revoke_session("s1", NOW);
        deny.revoke_user_tokens_issued_until("u", NOW, NOW);
        let session_lasts = MAX_TOKEN_LIFETIME + 2 * CLOCK_MARGIN;
        let user_lasts = MAX_TOKEN_LIFETIME + CLOCK_MARGIN;

        deny.prune(NOW + user_lasts - 1);
        assert_eq!(deny.len(), 2);
        deny.prune(NOW + user_lasts);
        assert_eq!(deny.check("u", "s", NOW), Ok(()), "user entry forgotten");
        deny.prune(NOW + session_lasts - 1);
        assert_eq!(deny.check("x", "s1", NOW), Err(Denied::SessionRevoked));
        deny.prune(NOW + session_lasts);
        assert!(deny.is_empty());
    }

    #[test]
    fn when_full_the_oldest_entry_is_folded_into_the_cutoff_and_still_refuses() {
        let mut deny = Revocations::new(2);
        deny.revoke_session("s1", NOW);
        deny.revoke_session("s2", NOW + 10);
        deny.revoke_session("s3", NOW + 20);
        assert_eq!(deny.len(), 2);
        // s1's tokens were issued before the auth server revoked it: still refused.
        assert_eq!(deny.check("u", "s1", NOW), Err(Denied::IssuedBeforeCutoff));
        let later = NOW + CLOCK_MARGIN + 5;
        assert_eq!(
            deny.check("u", "s2", later),
            Err(Denied::SessionRevoked),
            "kept"
        );
        // Tokens issued later than the folded entry could concern are untouched.
        assert_eq!(deny.check("u", "s9", NOW + CLOCK_MARGIN + 1), Ok(()));
    }

    #[test]
    fn after_a_restart_tokens_issued_before_it_are_refused() {
        let started = NOW;
        let mut deny = Revocations::new(10);
        deny.refuse_everything_issued_until(started);
        assert_eq!(
            deny.check("u", "s", started - 3600),
            Err(Denied::IssuedBeforeCutoff)
        );
        assert_eq!(
            deny.check("u", "s", started),
            Err(Denied::IssuedBeforeCutoff)
        );
        assert_eq!(
            deny.check("u", "s", started + 1),
            Ok(()),
            "a refreshed token"
        );
        deny.refuse_everything_issued_until(started - 100);
        assert_eq!(
            deny.check("u", "s", started),
            Err(Denied::IssuedBeforeCutoff),
            "never lowered"
        );
    }
}
