//! Fixed-window rate limits per (policy, key), kept in memory per process.
//!
//! Limits are a brake on guessing and on floods, not an accounting system: a restart
//! forgets them, and several processes each keep their own count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue};

use super::clock::UnixTime;
use super::config::RateLimitMode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    pub name: &'static str,
    pub limit: u32,
    pub window_secs: i64,
}

/// Failed sign-ins per client IP.
pub const SIGN_IN_PER_IP: Policy = Policy {
    name: "sign-in-ip",
    limit: 20,
    window_secs: 300,
};
/// Failed sign-ins per account, whatever the IP.
pub const SIGN_IN_PER_ACCOUNT: Policy = Policy {
    name: "sign-in-account",
    limit: 10,
    window_secs: 900,
};
/// Password-reset requests per client IP (each may send a mail).
pub const PASSWORD_RESET_PER_IP: Policy = Policy {
    name: "password_reset",
    limit: 10,
    window_secs: 600,
};
/// Account creation per client IP.
pub const REGISTER_PER_IP: Policy = Policy {
    name: "register",
    limit: 30,
    window_secs: 600,
};
/// Sign-out requests that ended nothing (an anonymous logout, a revoke of an unknown
/// session, "sign out other devices" with none left), per *session*, or per IP when
/// anonymous. A request that ends a live session never counts and is never refused: a
/// flood from the same IP (behind a proxy, everyone's) must not keep anyone signed in.
/// Per session, not per user: whoever holds a stolen session can exhaust only that
/// session's budget.
pub const SIGN_OUT: Policy = Policy {
    name: "sign-out",
    limit: 20,
    window_secs: 300,
};
/// Wrong current passwords on account changes, per session: a stolen session cannot be
/// used to guess the password, nor to lock the user out of changing it.
pub const CONFIRM_PASSWORD: Policy = Policy {
    name: "confirm-password",
    limit: 10,
    window_secs: 900,
};
/// Failed resource-server authentications on introspection, per client IP: a wrong
/// secret is a guess. Only failures count; the right secret is never refused.
pub const INTROSPECTION_AUTH_PER_IP: Policy = Policy {
    name: "introspection-auth-ip",
    limit: 20,
    window_secs: 300,
};
/// The same per presented client id, whatever the IP: guessing spread over many
/// addresses.
pub const INTROSPECTION_AUTH_PER_CLIENT: Policy = Policy {
    name: "introspection-auth-client",
    limit: 100,
    window_secs: 300,
};
/// Refresh-token exchanges per client IP.
pub const REFRESH_PER_IP: Policy = Policy {
    name: "refresh",
    limit: 120,
    window_secs: 300,
};

/// The answer to a request over its limit, with what the client needs to back off.
#[derive(Clone, Debug)]
pub struct RateLimitExceeded {
    pub policy: Policy,
    pub retry_after: i64,
}

impl RateLimitExceeded {
    /// `Retry-After`, and the IETF `RateLimit-Policy` / `RateLimit` structured fields.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let p = self.policy;
        let fields = [
            ("retry-after", self.retry_after.to_string()),
            (
                "ratelimit-policy",
                format!("\"{}\";q={};w={}", p.name, p.limit, p.window_secs),
            ),
            (
                "ratelimit",
                format!("\"{}\";r=0;t={}", p.name, self.retry_after),
            ),
        ];
        for (name, value) in fields {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
}

struct Window {
    started_at: UnixTime,
    count: u32,
}

/// A slot taken in a window *before* the work it limits is done. Taking it is the check
/// and the count in one step under one lock, so requests sent together cannot all pass a
/// check that none of them has counted yet. Dropping it keeps it counted (the safe side:
/// a cancelled attempt still counts); `refund` gives it back when the attempt turned out
/// not to count (a right password, under a policy that counts failures only).
#[must_use = "a slot is counted when dropped; refund it if the attempt does not count"]
pub struct Slot {
    taken: Option<TakenSlot>,
}

struct TakenSlot {
    limiter: Arc<RateLimiter>,
    policy: Policy,
    key: String,
    window_started_at: UnixTime,
}

impl Slot {
    /// Gives the slot back to the window it was taken from (a window that has ended since
    /// is left alone: its successor never counted this attempt).
    pub fn refund(self) {
        let Some(taken) = self.taken else {
            return;
        };
        let Ok(mut windows) = taken.limiter.windows.lock() else {
            return;
        };
        if let Some(window) = windows.get_mut(&(taken.policy, taken.key)) {
            if window.started_at == taken.window_started_at {
                window.count = window.count.saturating_sub(1);
            }
        }
    }
}

pub struct RateLimiter {
    mode: RateLimitMode,
    windows: Mutex<HashMap<(Policy, String), Window>>,
}

impl RateLimiter {
    pub fn new(mode: RateLimitMode) -> Self {
        Self {
            mode,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request against `policy` for `key`, refusing it if over the limit.
    pub fn hit(
        self: &Arc<Self>,
        policy: Policy,
        key: &str,
        now: UnixTime,
    ) -> Result<(), RateLimitExceeded> {
        // Kept: this request counts whatever comes of it.
        let _kept = self.reserve(policy, key, now)?;
        Ok(())
    }

    /// Takes a slot for one attempt, or refuses if the window is full. The attempt itself
    /// (an Argon2 verification, say) runs only after this returns.
    pub fn reserve(
        self: &Arc<Self>,
        policy: Policy,
        key: &str,
        now: UnixTime,
    ) -> Result<Slot, RateLimitExceeded> {
        if self.mode == RateLimitMode::Off {
            return Ok(Slot { taken: None });
        }
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock means a panic mid-update; refusing everything would turn
            // a bug into an outage, so the limit lapses instead.
            return Ok(Slot { taken: None });
        };
        // Keep memory bounded: forget finished windows once the map grows.
        if windows.len() > 50_000 {
            windows.retain(|(p, _), w| now < w.started_at + p.window_secs);
        }
        let window = windows.entry((policy, key.to_owned())).or_insert(Window {
            started_at: now,
            count: 0,
        });
        if now >= window.started_at + policy.window_secs {
            *window = Window {
                started_at: now,
                count: 0,
            };
        }
        if window.count >= policy.limit {
            return Err(RateLimitExceeded {
                policy,
                retry_after: (window.started_at + policy.window_secs - now).max(1),
            });
        }
        window.count += 1;
        Ok(Slot {
            taken: Some(TakenSlot {
                limiter: Arc::clone(self),
                policy,
                key: key.to_owned(),
                window_started_at: window.started_at,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy {
        name: "t",
        limit: 2,
        window_secs: 10,
    };

    fn limiter(mode: RateLimitMode) -> Arc<RateLimiter> {
        Arc::new(RateLimiter::new(mode))
    }

    #[test]
    fn the_request_over_the_limit_is_refused_until_the_window_ends() {
        let limiter = limiter(RateLimitMode::On);
        assert!(limiter.hit(P, "k", 100).is_ok());
        assert!(limiter.hit(P, "k", 101).is_ok());
        let refused = limiter.hit(P, "k", 103).unwrap_err();
        assert_eq!(refused.retry_after, 7);
        assert!(limiter.hit(P, "other", 103).is_ok());
        assert!(limiter.hit(P, "k", 110).is_ok());
    }

    #[test]
    fn off_means_off() {
        let limiter = limiter(RateLimitMode::Off);
        for t in 0..10 {
            assert!(limiter.hit(P, "k", t).is_ok());
        }
    }

    #[test]
    fn slots_held_by_attempts_in_flight_count_before_those_attempts_finish() {
        let limiter = limiter(RateLimitMode::On);
        let first = limiter.reserve(P, "k", 100).unwrap();
        let second = limiter.reserve(P, "k", 100).unwrap();
        // Both still in flight: a third attempt finds the window full.
        assert!(limiter.reserve(P, "k", 100).is_err());
        // One turned out not to count (a right password): its slot is free again.
        first.refund();
        let third = limiter.reserve(P, "k", 101).unwrap();
        drop(second);
        drop(third);
        assert!(
            limiter.reserve(P, "k", 102).is_err(),
            "dropped slots stay counted"
        );
    }

    #[test]
    fn a_refund_never_reaches_into_a_later_window() {
        let limiter = limiter(RateLimitMode::On);
        let old = limiter.reserve(P, "k", 100).unwrap();
        let _a = limiter.reserve(P, "k", 110).unwrap();
        let _b = limiter.reserve(P, "k", 110).unwrap();
        old.refund();
        assert!(limiter.reserve(P, "k", 111).is_err());
    }
}
