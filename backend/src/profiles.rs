//! Who a signed-in caller is (`GET /api/auth/me`, every page render) without a database
//! read per request: each process keeps the profiles it has read, and drops one as soon as
//! the change log says the user changed.
//!
//! Every write to what a profile shows (email, administrator, deletion; the display name
//! and the creation time never change) records an event naming the user in
//! `revocation_events`, in its own transaction: an email change, a deletion or a disabled
//! account end sessions (`Revocation::UserVersion`), an administrator granted or revoked
//! records `Revocation::Profile`. The process that wrote applies it right after its commit;
//! the others as they tail the log. So a kept profile is stale exactly as long as a revoked
//! token would still be accepted there, and never on the process that made the change.
//!
//! A read from the database that raced a change must not be kept: `forget` moves the
//! generation on, and `keep` stores only what was read under the current one.
//!
//! What is kept is a profile, never a permission: whether the caller may use `/admin` is
//! read from the database on each such request (`users::is_admin`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use wire::UserView;

use super::clock::UnixTime;

/// Seconds a profile is kept at most: a bound on memory and on the cost of any writer that
/// forgot its event, not part of the correctness argument above.
pub const KEEP_FOR: i64 = 60;
/// Beyond this many profiles, the process starts over from an empty map.
const MAX_KEPT: usize = 100_000;

#[derive(Default)]
pub struct Profiles {
    kept: RwLock<HashMap<Box<str>, (UserView, UnixTime)>>,
    generation: AtomicU64,
}

impl Profiles {
    /// The user's kept profile, if it was read less than `KEEP_FOR` ago.
    pub fn get(&self, user_id: &str, now: UnixTime) -> Option<UserView> {
        let kept = self.kept.read().ok()?;
        let (view, read_at) = kept.get(user_id)?;
        (now - read_at < KEEP_FOR).then(|| view.clone())
    }

    /// Taken before reading a profile from the database, and handed to `keep`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `view`, read from the database under `generation`, unless a change was applied
    /// since that read began (it may predate the change).
    pub fn keep(&self, view: &UserView, generation: u64, now: UnixTime) {
        let Ok(mut kept) = self.kept.write() else {
            return;
        };
        // Under the write lock, as `forget` moves the generation: the two cannot interleave.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if kept.len() >= MAX_KEPT {
            kept.clear();
        }
        kept.insert(view.id.as_str().into(), (view.clone(), now));
    }

    /// Drops the user's profile: it changed, or the user is gone.
    pub fn forget(&self, user_id: &str) {
        // A poisoned lock is recovered rather than skipped: a profile must not outlive its
        // change because some other writer panicked.
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        kept.remove(user_id);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: &str, email: &str) -> UserView {
        UserView {
            id: id.into(),
            email: email.into(),
            display_name: "A".into(),
            created_at: 0,
            is_admin: false,
        }
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let profiles = Profiles::default();
        let before = profiles.generation();
        // The change commits and is applied while the read is on its way.
        profiles.forget("u");
        profiles.keep(&view("u", "old@example.com"), before, 100);
        assert!(profiles.get("u", 100).is_none());
        let after = profiles.generation();
        profiles.keep(&view("u", "new@example.com"), after, 100);
        assert_eq!(profiles.get("u", 100).unwrap().email, "new@example.com");
    }

    #[test]
    fn a_change_drops_the_kept_profile_and_time_does_too() {
        let profiles = Profiles::default();
        profiles.keep(&view("u", "a@example.com"), profiles.generation(), 100);
        assert!(profiles.get("u", 100 + KEEP_FOR - 1).is_some());
        assert!(profiles.get("u", 100 + KEEP_FOR).is_none());
        profiles.forget("u");
        assert!(profiles.get("u", 100).is_none());
    }
}
