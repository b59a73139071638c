//! "Last active" without a database write per request: each process writes a session's
//! activity at most once per interval, off the request path.

use std::collections::HashMap;
use std::sync::Mutex;

use super::clock::UnixTime;

/// Seconds between two activity writes for the same session.
pub const WRITE_EVERY: i64 = 60;

#[derive(Default)]
pub struct ActivityThrottle {
    last_write: Mutex<HashMap<String, UnixTime>>,
}

impl ActivityThrottle {
    /// Whether this use of `session_id` should be written (and, if so, notes that it is).
    pub fn should_write(&self, session_id: &str, now: UnixTime) -> bool {
        let Ok(mut map) = self.last_write.lock() else {
            return false;
        };
        if map.len() > 100_000 {
            map.retain(|_, at| now - *at < WRITE_EVERY);
        }
        match map.get(session_id) {
            Some(at) if now - at < WRITE_EVERY => false,
            _ => {
                map.insert(session_id.to_owned(), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_write_per_interval_per_session() {
        let throttle = ActivityThrottle::default();
        assert!(throttle.should_write("s", 100));
        assert!(!throttle.should_write("s", 100 + WRITE_EVERY - 1));
        assert!(throttle.should_write("other", 101));
        assert!(throttle.should_write("s", 100 + WRITE_EVERY));
    }
}
