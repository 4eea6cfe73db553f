//! Helpers for the tests of client crates built on this one (feature `test-util`).
//!
//! The send loop logs each retry with the delay it chose (`delay_ms`), so a test can show that a
//! `Retry-After` was honoured by reading the logs instead of timing the call; and a test can
//! read everything the process logged, at every level, to show that no secret reaches a log.
//!
//! Both read one global subscriber (installed on first use, at TRACE, `log` records included),
//! which writes each line to the process-wide record and to the capture of the thread that
//! wrote it: tests running side by side each read their own lines, and no per-thread
//! subscriber is left out by the callsite interest cache. A process that already has a global
//! subscriber captures nothing.

use std::cell::RefCell;
use std::future::Future;
use std::io::Write;
use std::time::Duration;

/// Every line logged in the process since the subscriber was installed.
static EVERYTHING: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

thread_local! {
    /// The log text of the capture running on this thread, if one is.
    static CAPTURED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Writes each log line to the process-wide record and to the capture of the thread that
/// logged it, if any.
struct ThreadCapture;

impl Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        EVERYTHING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        CAPTURED.with_borrow_mut(|buf| {
            if let Some(buf) = buf {
                buf.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber, once per process. Call it before the code whose logs a
/// test will read with [`everything_logged`].
pub fn install_log_capture() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // Fails only when the process has a subscriber already: then nothing is captured.
        let _ = tracing_subscriber::fmt()
            .with_writer(|| ThreadCapture)
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .try_init();
    });
}

/// Everything the process logged since [`install_log_capture`], every test's lines included.
pub fn everything_logged() -> String {
    let bytes = EVERYTHING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs `f` and returns its output with the text logged meanwhile on this thread. Use on a
/// current-thread runtime (`#[tokio::test]`), where all of `f` runs here.
pub async fn capture_logs<F: Future>(f: F) -> (F::Output, String) {
    install_log_capture();
    CAPTURED.with_borrow_mut(|buf| *buf = Some(Vec::new()));
    let out = f.await;
    let bytes = CAPTURED.with_borrow_mut(Option::take).unwrap_or_default();
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
