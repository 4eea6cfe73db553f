//! Helpers for the tests of client crates built on this one (feature `test-util`).
//!
//! The send loop logs each retry with the delay it chose (`delay_ms`), so a test can show that a
//! `Retry-After` was honoured by reading the logs instead of timing the call.

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with a subscriber that records every log line of this thread (debug and up), and
/// returns its output with the text logged. Use on a current-thread runtime (`#[tokio::test]`).
pub async fn capture_logs<F: Future>(f: F) -> (F::Output, String) {
    let buf = SharedBuf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    let bytes = buf
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    (out, String::from_utf8_lossy(&bytes).into_owned())
}

/// The delays the send loop chose before each retry, in the order logged.
pub fn retry_delays(logs: &str) -> Vec<Duration> {
    logs.match_indices("delay_ms=")
        .filter_map(|(at, key)| {
            let digits: String = logs[at + key.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok().map(Duration::from_millis)
        })
        .collect()
}

/// `Retry-After` as an HTTP date (IMF-fixdate) `seconds` from now.
pub fn http_date_in(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}
