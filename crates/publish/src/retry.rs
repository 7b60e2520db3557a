//! Retry timing: exponential backoff with jitter, honouring the server's `Retry-After`.
//!
//! See: pypi-upload.md section 8 item 5; sensmetry/sysand#223 (502/503 bursts at PyPI).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How often and how patiently an upload is retried after transport errors, 429 and 5xx.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts per file, the first included.
    pub max_attempts: u32,
    /// The delay before the first retry; it doubles each time.
    pub base_delay: Duration,
    /// The longest computed delay.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one ends the retries.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// 5 attempts, 2 s doubling up to 60 s, `Retry-After` up to 5 minutes.
    #[must_use]
    pub fn standard() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_mins(1),
            max_retry_after: Duration::from_mins(5),
        }
    }

    /// The delay before retry number `retry` (1 for the first retry): backoff with jitter in
    /// [50 %, 100 %], raised to the server's `Retry-After` if that is longer. `None` when the
    /// server asks for more than `max_retry_after`.
    #[must_use]
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let exponent = retry.saturating_sub(1).min(20);
        let backoff = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let jittered = backoff.mul_f64(0.5 + 0.5 * random_fraction());
        match retry_after {
            Some(wanted) if wanted > self.max_retry_after => None,
            Some(wanted) => Some(jittered.max(wanted)),
            None => Some(jittered),
        }
    }
}

/// A number in [0, 1) from the standard library's per-process random hash keys; plenty for
/// spreading retries, and no dependency.
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    #[expect(
        clippy::cast_precision_loss,
        reason = "53 random bits are all a fraction needs"
    )]
    let fraction = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
    fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_retry_after: Duration::from_secs(10),
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for _ in 0..50 {
            let first = policy().delay(1, None).unwrap();
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy().delay(3, None).unwrap();
            assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350));
            let tenth = policy().delay(10, None).unwrap();
            assert!(tenth <= Duration::from_millis(350));
        }
    }

    #[test]
    fn retry_after_raises_the_delay_and_too_long_gives_up() {
        let delay = policy().delay(1, Some(Duration::from_secs(2))).unwrap();
        assert_eq!(delay, Duration::from_secs(2));
        assert_eq!(policy().delay(1, Some(Duration::from_secs(11))), None);
    }

    #[test]
    fn jitter_varies() {
        let delays: std::collections::HashSet<Duration> =
            (0..20).filter_map(|_| policy().delay(2, None)).collect();
        assert!(delays.len() > 1);
    }
}
