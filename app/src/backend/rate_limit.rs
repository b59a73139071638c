//! Fixed-window rate limits per (policy, key), kept in memory per process.
//!
//! Limits are a brake on guessing and on floods, not an accounting system: a restart
//! forgets them, and several processes each keep their own count.

use std::collections::HashMap;
use std::sync::Mutex;

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
/// Account creation per client IP.
pub const REGISTER_PER_IP: Policy = Policy {
    name: "register",
    limit: 30,
    window_secs: 600,
};
/// The sign-out family (logout, logout-all, revoke, report-concern) per *session*, or per
/// IP when anonymous. Per session, not per user: whoever holds a stolen session of the
/// user can exhaust only that session's budget, never block the user's own sign-outs.
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
    pub fn hit(&self, policy: Policy, key: &str, now: UnixTime) -> Result<(), RateLimitExceeded> {
        self.check(policy, key, now)?;
        self.record(policy, key, now);
        Ok(())
    }

    /// Refuses if `key` is already over the limit, without counting this request. Sign-in
    /// uses it so that only failures count.
    pub fn check(&self, policy: Policy, key: &str, now: UnixTime) -> Result<(), RateLimitExceeded> {
        if self.mode == RateLimitMode::Off {
            return Ok(());
        }
        let Ok(windows) = self.windows.lock() else {
            return Ok(());
        };
        match windows.get(&(policy, key.to_owned())) {
            Some(w) if now < w.started_at + policy.window_secs && w.count >= policy.limit => {
                Err(RateLimitExceeded {
                    policy,
                    retry_after: (w.started_at + policy.window_secs - now).max(1),
                })
            }
            _ => Ok(()),
        }
    }

    pub fn record(&self, policy: Policy, key: &str, now: UnixTime) {
        if self.mode == RateLimitMode::Off {
            return;
        }
        let Ok(mut windows) = self.windows.lock() else {
            return;
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
        window.count += 1;
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

    #[test]
    fn the_request_over_the_limit_is_refused_until_the_window_ends() {
        let limiter = RateLimiter::new(RateLimitMode::On);
        assert!(limiter.hit(P, "k", 100).is_ok());
        assert!(limiter.hit(P, "k", 101).is_ok());
        let refused = limiter.hit(P, "k", 103).unwrap_err();
        assert_eq!(refused.retry_after, 7);
        assert!(limiter.hit(P, "other", 103).is_ok());
        assert!(limiter.hit(P, "k", 110).is_ok());
    }

    #[test]
    fn off_means_off() {
        let limiter = RateLimiter::new(RateLimitMode::Off);
        for t in 0..10 {
            assert!(limiter.hit(P, "k", t).is_ok());
        }
    }
}
