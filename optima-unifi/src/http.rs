//! HTTP plumbing shared by both clients: TLS (verification off, certificate pinning), the retry
//! policy and the per-request tracing span.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::error::{Error, Result};

/// When and how requests are retried.
///
/// Idempotent requests (GET, PUT, DELETE) are retried on HTTP 429, 502, 503, 504, timeouts and
/// connection errors; non-idempotent ones (POST) only when the connection could not be made.
/// `Retry-After` is honoured (capped by `max_backoff`); otherwise the delay grows exponentially
/// from `initial_backoff`, capped by `max_backoff`, with random jitter.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry.
    pub initial_backoff: Duration,
    /// Upper bound of any delay, including one asked for by `Retry-After`.
    pub max_backoff: Duration,
    /// Randomise each delay between 50% and 100% of its value.
    pub jitter: bool,
    /// Wait as long as `Retry-After` says (up to `max_backoff`).
    pub honor_retry_after: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            jitter: true,
            honor_retry_after: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the number of retries.
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets the first delay and the cap of all delays.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Turns jitter on or off.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Honours `Retry-After` or not.
    pub fn with_honor_retry_after(mut self, honor: bool) -> Self {
        self.honor_retry_after = honor;
        self
    }

    /// The delay before retry number `retry` (0-based), ignoring `Retry-After`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        exp_backoff(self.initial_backoff, self.max_backoff, retry, self.jitter)
    }

    pub(crate) fn delay(&self, retry: u32, headers: Option<&HeaderMap>) -> Duration {
        if self.honor_retry_after
            && let Some(d) = headers.and_then(retry_after)
        {
            return d.min(self.max_backoff);
        }
        self.backoff(retry)
    }
}

pub(crate) fn exp_backoff(initial: Duration, max: Duration, retry: u32, jitter: bool) -> Duration {
    let factor = 2u32.saturating_pow(retry.min(20));
    let d = initial.saturating_mul(factor).min(max);
    if jitter && !d.is_zero() {
        let f: f64 = rand::thread_rng().gen_range(0.5..=1.0);
        d.mul_f64(f)
    } else {
        d
    }
}

/// `Retry-After` in seconds (HTTP dates are not honoured).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn retryable_status(s: StatusCode) -> bool {
    matches!(s.as_u16(), 429 | 502 | 503 | 504)
}

pub(crate) fn is_idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Sends the request built by `make` (called once per attempt), retrying per `policy`.
/// Returns the last response whatever its status; errors only on transport failure.
pub(crate) async fn send_with_retry(
    policy: &RetryPolicy,
    method: &Method,
    path: &str,
    mut make: impl FnMut() -> RequestBuilder,
) -> Result<Response> {
    let idempotent = is_idempotent(method);
    let mut retry = 0u32;
    loop {
        let attempt = retry + 1;
        let span = tracing::info_span!(
            "unifi.request",
            method = %method,
            path = %path,
            attempt,
            status = tracing::field::Empty
        );
        let result = make().send().instrument(span.clone()).await;
        match result {
            Ok(resp) => {
                let status = resp.status();
                span.record("status", status.as_u16());
                if idempotent && retryable_status(status) && retry < policy.max_retries {
                    let delay = policy.delay(retry, Some(resp.headers()));
                    span.in_scope(|| {
                        tracing::warn!(status = status.as_u16(), ?delay, "retrying UniFi request")
                    });
                    drop(resp);
                    tokio::time::sleep(delay).await;
                    retry += 1;
                    continue;
                }
                return Ok(resp);
            }
            Err(e) => {
                let may_retry =
                    e.is_connect() || (idempotent && (e.is_timeout() || e.is_request()));
                if may_retry && retry < policy.max_retries {
                    let delay = policy.delay(retry, None);
                    span.in_scope(|| {
                        tracing::warn!(error = %e, ?delay, "retrying UniFi request after transport error")
                    });
                    tokio::time::sleep(delay).await;
                    retry += 1;
                    continue;
                }
                return Err(Error::from_reqwest(e));
            }
        }
    }
}

/// Runs one whole operation within `deadline`, if any; past it, [`Error::DeadlineExceeded`].
///
/// The operation is dropped at the deadline, and with it any lock it holds or waits on (the
/// single login in flight), so the other callers go on against their own deadlines.
pub(crate) async fn within_deadline<T>(
    deadline: Option<Duration>,
    path: &str,
    operation: impl Future<Output = Result<T>>,
) -> Result<T> {
    let Some(deadline) = deadline else {
        return operation.await;
    };
    match tokio::time::timeout(deadline, operation).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(path, ?deadline, "UniFi operation ran out of its deadline");
            Err(Error::DeadlineExceeded {
                path: path.to_owned(),
                deadline,
            })
        }
    }
}

/// TLS and timeout options used to build the default reqwest client.
#[derive(Debug, Clone)]
pub(crate) struct HttpOptions {
    pub verify_tls: bool,
    pub pin_sha256: Option<String>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            verify_tls: true,
            pin_sha256: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// Parses a SHA-256 fingerprint written as hex, with or without `:`/space separators.
pub(crate) fn parse_pin(pin: &str) -> Result<[u8; 32]> {
    let hex: String = pin
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    if hex.len() != 64 {
        return Err(Error::Config(format!(
            "certificate pin must be a SHA-256 fingerprint (64 hex digits), got {} digits",
            hex.len()
        )));
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk)
            .map_err(|_| Error::Config("certificate pin is not hex".into()))?;
        out[i] = u8::from_str_radix(s, 16)
            .map_err(|_| Error::Config("certificate pin is not hex".into()))?;
    }
    Ok(out)
}

pub(crate) fn build_http_client(opts: &HttpOptions) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(opts.timeout)
        .connect_timeout(opts.connect_timeout)
        .user_agent(opts.user_agent.clone());
    if let Some(pin) = &opts.pin_sha256 {
        let pin = parse_pin(pin)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = PinnedCertVerifier {
            pin,
            provider: provider.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        b = b.tls_backend_preconfigured(config);
    } else if !opts.verify_tls {
        b = b.tls_danger_accept_invalid_certs(true);
    }
    b.build()
        .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))
}

/// Accepts exactly the server certificate whose SHA-256 (over its DER) is the pin, whoever issued it.
/// Handshake signatures are still verified, so the server must hold the certificate's key.
#[derive(Debug)]
struct PinnedCertVerifier {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let digest = Sha256::digest(end_entity.as_ref());
        if digest.as_slice() == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Percent-encodes one path segment.
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_parsing_accepts_colons_and_rejects_bad_lengths() {
        let hex = "AB".repeat(32);
        assert_eq!(parse_pin(&hex).unwrap(), [0xAB; 32]);
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(parse_pin(&colons).unwrap(), [0xAB; 32]);
        assert!(matches!(parse_pin("abcd"), Err(Error::Config(_))));
        assert!(matches!(parse_pin(&"zz".repeat(32)), Err(Error::Config(_))));
    }

    #[test]
    fn pinned_client_builds() {
        let opts = HttpOptions {
            pin_sha256: Some("00".repeat(32)),
            ..HttpOptions::default()
        };
        build_http_client(&opts).unwrap();
    }

    #[test]
    fn the_pinned_verifier_accepts_exactly_the_pinned_certificate() {
        let cert = CertificateDer::from(b"not really DER, only hashed".to_vec());
        let other = CertificateDer::from(b"another certificate".to_vec());
        let pin: [u8; 32] = Sha256::digest(cert.as_ref()).into();
        let v = PinnedCertVerifier {
            pin,
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        };
        let name = ServerName::try_from("unifi.local").unwrap();
        assert!(
            v.verify_server_cert(&cert, &[], &name, &[], UnixTime::now())
                .is_ok()
        );
        assert!(
            v.verify_server_cert(&other, &[], &name, &[], UnixTime::now())
                .is_err()
        );
        assert!(!v.supported_verify_schemes().is_empty());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(350))
            .with_jitter(false);
        assert_eq!(p.backoff(0), Duration::from_millis(100));
        assert_eq!(p.backoff(1), Duration::from_millis(200));
        assert_eq!(p.backoff(2), Duration::from_millis(350));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "1".parse().unwrap());
        assert_eq!(p.delay(0, Some(&h)), Duration::from_millis(350));
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("default"), "default");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }
}
