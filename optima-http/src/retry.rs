//! The retry policy: which requests are tried again, when, and how long to wait.

use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// When and how requests are retried.
///
/// The policy counts **attempts**, the first one included: `max_attempts(1)` never retries.
///
/// - Idempotent requests (`GET`, `HEAD`, `OPTIONS`, `TRACE`, `PUT`, `DELETE`, as RFC 9110 defines
///   them) are retried on `429`, `502`, `503` and `504` (and on whatever else the client declares
///   transient, such as ConnectWise's `500` reporting a timeout), and on connection failures,
///   timeouts and broken bodies.
/// - Other requests (`POST`, `PATCH`) are retried only when the connection could not be made,
///   since then nothing reached the server; [`retry_writes`](Self::retry_writes) retries them
///   like idempotent ones.
/// - A `Retry-After` header, in seconds or as an HTTP date, sets the delay, capped at
///   [`max_retry_after`](Self::max_retry_after) so a server cannot stall a caller for hours.
/// - Otherwise delays grow exponentially from `base_delay`, capped at `max_delay`, with "equal
///   jitter" (half fixed, half random) unless jitter is turned off.
///
/// ```
/// use std::time::Duration;
/// use optima_http::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(200))
///     .max_delay(Duration::from_secs(10));
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    honor_retry_after: bool,
    retry_writes: bool,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// Four attempts, 250 ms base delay doubling up to 8 s, `Retry-After` honoured up to 60 s,
    /// writes retried only when the connection failed, jitter on.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            honor_retry_after: true,
            retry_writes: false,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: one attempt.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts, the first one included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Delay before the first retry, doubled for each further one. Zero is allowed (tests).
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Upper bound of the exponential backoff.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Upper bound of a wait asked for by `Retry-After`.
    #[must_use]
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Whether `Retry-After` sets the delay (on by default); off, the backoff applies.
    #[must_use]
    pub fn honor_retry_after(mut self, yes: bool) -> Self {
        self.honor_retry_after = yes;
        self
    }

    /// Retry `POST` and `PATCH` like idempotent requests (off by default: a retried write may
    /// be applied twice).
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

    /// Total attempts, the first one included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether a request with this method may be retried after the server saw it.
    pub fn retries(&self, method: &Method) -> bool {
        is_idempotent(method) || self.retry_writes
    }

    /// The backoff before retry number `retry` (1 for the first retry), ignoring `Retry-After`:
    /// `base_delay × 2^(retry-1)`, capped at `max_delay`, with jitter if on.
    ///
    /// Also useful to pace anything else that reconnects (a WebSocket, a login).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1).min(20)));
        let capped = exp.min(self.max_delay);
        if self.jitter && !capped.is_zero() {
            let half = capped / 2;
            let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
            half + Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
        } else {
            capped
        }
    }

    /// The delay before retry number `retry` (1-based) after a response with these headers:
    /// its `Retry-After` when honoured and present (capped), the backoff otherwise.
    pub fn delay(&self, retry: u32, headers: Option<&HeaderMap>) -> Duration {
        if self.honor_retry_after
            && let Some(wait) = headers.and_then(retry_after)
        {
            return wait.min(self.max_retry_after);
        }
        self.backoff(retry)
    }
}

/// Whether RFC 9110 calls this method idempotent (sending it twice has the effect of once).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// Whether a status is transient for every vendor: `429`, `502`, `503`, `504`.
pub fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// The wait a response's `Retry-After` asks for: delta-seconds (whole or fractional) or an
/// HTTP date (a date in the past is no wait). `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?)
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110's IMF-fixdate, and the
/// RFC 2822 dates some servers send).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        // Absurd values (1e20 seconds) are no wait at all rather than a panic; the policy caps
        // real ones anyway.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = http_date(v)?;
    let delta = when - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// An HTTP date in any of the three formats RFC 9110 asks a recipient to read: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`, read with RFC 2822's parser), RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
fn http_date(v: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(when) = chrono::DateTime::parse_from_rfc2822(v) {
        return Some(when.with_timezone(&chrono::Utc));
    }
    let squeezed = v.split_whitespace().collect::<Vec<_>>().join(" ");
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(&squeezed, f).ok())
        .map(|naive| naive.and_utc())
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
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(350));
        assert_eq!(p.backoff(30), Duration::from_millis(350));
    }

    #[test]
    fn jitter_stays_between_half_and_whole() {
        let p = RetryPolicy::default().base_delay(Duration::from_millis(100));
        for _ in 0..100 {
            let d = p.backoff(1);
            assert!(
                d >= Duration::from_millis(50) && d <= Duration::from_millis(100),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_capped_or_ignored() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        let p = RetryPolicy::default()
            .max_retry_after(Duration::from_secs(5))
            .jitter(false);
        assert_eq!(p.delay(1, Some(&h)), Duration::from_secs(3));
        h.insert(RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(p.delay(1, Some(&h)), Duration::from_secs(5));
        let ignoring = p.honor_retry_after(false);
        assert_eq!(ignoring.delay(1, Some(&h)), Duration::from_millis(250));
    }

    #[test]
    fn retry_after_formats() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let wait = parse_retry_after(&soon).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:37 1994"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("99999999999999999999"), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-3"), None);
    }

    #[test]
    fn idempotency_follows_rfc_9110() {
        for m in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD] {
            assert!(is_idempotent(&m), "{m}");
        }
        for m in [Method::POST, Method::PATCH] {
            assert!(!is_idempotent(&m), "{m}");
            assert!(!RetryPolicy::default().retries(&m));
            assert!(RetryPolicy::default().retry_writes(true).retries(&m));
        }
    }
}
