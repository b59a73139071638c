//! The one source of "now" for the server, so that tests can move time instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds. Every stored time in the schema uses this unit.
pub type UnixTime = i64;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// `None`: follow the system time. `Some`: stand still at that time (tests).
    frozen_at: Option<UnixTime>,
    /// Seconds added to the time; only tests change it.
    offset: Arc<AtomicI64>,
    /// A fixed difference from the clocks it shares `offset` with (tests of skew between
    /// processes).
    skew: i64,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that stands still at the current time and moves only by `advance`, so a
    /// test of an expiry edge never depends on when a real second ticks.
    pub fn frozen() -> Self {
        Self {
            frozen_at: Some(system_now()),
            offset: Arc::default(),
            skew: 0,
        }
    }

    /// The same clock, `seconds` ahead (or behind, if negative), moving with it: another
    /// process whose clock is off. For tests.
    pub fn skewed(&self, seconds: i64) -> Self {
        Self {
            skew: self.skew + seconds,
            ..self.clone()
        }
    }

    pub fn now(&self) -> UnixTime {
        self.frozen_at.unwrap_or_else(system_now) + self.offset.load(Ordering::Relaxed) + self.skew
    }

    /// Moves this clock (and every clone of it) forward. For tests.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }
}

fn system_now() -> UnixTime {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
