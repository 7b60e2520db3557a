//! Time as a seam: every wait (pacing, rate limits, backoff) goes through [`Clock`], so tests
//! run a full rate-limit scenario in milliseconds while asserting the waits that were asked for.

use std::time::{Duration, SystemTime};

/// The source of "now" and the way to wait.
pub trait Clock: Send + Sync {
    /// The current wall-clock time (rate-limit resets are epoch seconds).
    fn now(&self) -> SystemTime;
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);
}

/// The real clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
