//! Retry policy shared by both clients.

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;

/// When and how requests are retried.
///
/// Idempotent requests (`GET`) are retried on `429 Too Many Requests`
/// (honouring `Retry-After`), `502`, `503`, `504`, a `500` whose body reports a
/// timeout, and connection failures or timeouts. Writes are retried only when
/// [`RetryPolicy::retry_writes`] is enabled. Delays grow exponentially from
/// `base_delay`, are capped at `max_delay`, and carry jitter.
///
/// ```
/// use std::time::Duration;
/// use optima_connectwise::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(200))
///     .max_delay(Duration::from_secs(10));
/// assert_eq!(policy.attempts(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    retry_writes: bool,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// Four attempts, 250 ms base delay, 8 s cap, `Retry-After` honoured up to 60 s, writes not retried.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            retry_writes: false,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts including the first (minimum 1).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Delay before the first retry; doubled on each further retry. Zero is allowed (tests).
    #[must_use]
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Upper bound of the exponential backoff.
    #[must_use]
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Upper bound applied to a server's `Retry-After` (so a server cannot stall a caller for hours).
    #[must_use]
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Also retry non-idempotent requests (`POST`, `PATCH`, `PUT`, `DELETE`). Off by default.
    #[must_use]
    pub fn retry_writes(mut self, yes: bool) -> Self {
        self.retry_writes = yes;
        self
    }

    /// Randomise delays (on by default); turn off for deterministic tests.
    #[must_use]
    pub fn jitter(mut self, yes: bool) -> Self {
        self.jitter = yes;
        self
    }

    /// Configured total attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether a request with this idempotency may be retried at all.
    pub(crate) fn may_retry(&self, idempotent: bool) -> bool {
        idempotent || self.retry_writes
    }

    /// Whether a response with this status and body is transient.
    pub(crate) fn is_retryable_status(status: StatusCode, body: &[u8]) -> bool {
        match status.as_u16() {
            429 | 502 | 503 | 504 => true,
            500 => crate::error::body_mentions_timeout(&String::from_utf8_lossy(body)),
            _ => false,
        }
    }

    /// The delay before retry number `retry` (1-based), given an optional `Retry-After`.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(ra) = retry_after {
            return ra.min(self.max_retry_after);
        }
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1).min(20)));
        let capped = exp.min(self.max_delay);
        if self.jitter && !capped.is_zero() {
            // "Equal jitter": half fixed, half random.
            let half = capped / 2;
            let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
            half + Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
        } else {
            capped
        }
    }
}

/// Parses `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(350))
            .jitter(false);
        assert_eq!(p.delay(1, None), Duration::from_millis(100));
        assert_eq!(p.delay(2, None), Duration::from_millis(200));
        assert_eq!(p.delay(3, None), Duration::from_millis(350));
        assert_eq!(p.delay(30, None), Duration::from_millis(350));
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let p = RetryPolicy::default().base_delay(Duration::from_millis(100));
        for _ in 0..100 {
            let d = p.delay(1, None);
            assert!(
                d >= Duration::from_millis(50) && d <= Duration::from_millis(100),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(120))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn retry_after_formats() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn retryable_statuses() {
        assert!(RetryPolicy::is_retryable_status(
            StatusCode::TOO_MANY_REQUESTS,
            b""
        ));
        assert!(RetryPolicy::is_retryable_status(
            StatusCode::BAD_GATEWAY,
            b""
        ));
        assert!(RetryPolicy::is_retryable_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"code":"Unexpected","message":"Execution Timeout Expired"}"#
        ));
        assert!(!RetryPolicy::is_retryable_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            b"{}"
        ));
        assert!(!RetryPolicy::is_retryable_status(
            StatusCode::BAD_REQUEST,
            b""
        ));
    }
}
