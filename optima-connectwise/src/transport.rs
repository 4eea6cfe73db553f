//! The request executor shared by both clients: retries, tracing, body reading.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::retry::{RetryPolicy, parse_retry_after};

/// A response whose body has been read in full.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The HTTP settings both clients' builders take, and the [`Transport`] they make.
#[derive(Debug, Default)]
pub(crate) struct TransportSettings {
    pub timeout: Option<Duration>,
    pub deadline: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub retry: Option<RetryPolicy>,
    pub http: Option<reqwest::Client>,
    pub user_agent: Option<String>,
}

impl TransportSettings {
    /// The transport for `service`, with a default reqwest client unless one was given.
    pub fn build(self, service: &'static str) -> Result<Transport> {
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                .user_agent(self.user_agent.unwrap_or_else(|| {
                    concat!("optima-connectwise/", env!("CARGO_PKG_VERSION")).to_owned()
                }))
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Transport {
            http,
            retry: self.retry.unwrap_or_default(),
            timeout: Some(self.timeout.unwrap_or(Duration::from_secs(60))),
            deadline: self.deadline,
            service,
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub retry: RetryPolicy,
    pub timeout: Option<Duration>,
    /// Total time one call may take, all attempts, sleeps and discovery included.
    pub deadline: Option<Duration>,
    pub service: &'static str,
}

impl Transport {
    /// Runs one whole call (`call`) within the configured deadline, if any.
    ///
    /// Dropping `call` at the deadline also drops any lock it waits on or holds (codebase
    /// discovery), so one hung call never holds up others past their own deadlines.
    pub async fn within_deadline<T>(
        &self,
        path: &str,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let Some(deadline) = self.deadline else {
            return call.await;
        };
        match tokio::time::timeout(deadline, call).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    service = self.service,
                    path,
                    deadline_ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
                    "call ran out of its deadline"
                );
                Err(Error::DeadlineExceeded {
                    path: path.to_owned(),
                    deadline,
                })
            }
        }
    }

    /// Sends a request built by `build` (called once per attempt), retrying per policy.
    ///
    /// Returns the last response whatever its status; transport failures that
    /// exhaust the policy become [`Error::Transport`].
    pub async fn execute<F>(&self, method: &Method, path: &str, build: F) -> Result<RawResponse>
    where
        F: Fn() -> RequestBuilder,
    {
        let idempotent = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        let may_retry = self.retry.may_retry(idempotent);
        let max = if may_retry { self.retry.attempts() } else { 1 };
        let mut attempt = 1u32;
        loop {
            let span = tracing::debug_span!(
                "http.request",
                service = self.service,
                method = %method,
                path = %path,
                attempt,
                status = tracing::field::Empty,
            );
            let outcome = self.once(&build).instrument(span.clone()).await;
            match outcome {
                Ok(resp) => {
                    span.record("status", resp.status.as_u16());
                    let transient = RetryPolicy::is_retryable_status(resp.status, &resp.body);
                    if transient && attempt < max {
                        let retry_after = resp
                            .headers
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(parse_retry_after);
                        let delay = self.retry.delay(attempt, retry_after);
                        span.in_scope(|| {
                            tracing::warn!(
                                status = resp.status.as_u16(),
                                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                                "transient response, retrying"
                            );
                        });
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                        continue;
                    }
                    return Ok(resp);
                }
                Err(source) => {
                    let transient = source.is_connect() || source.is_timeout();
                    if transient && attempt < max {
                        let delay = self.retry.delay(attempt, None);
                        span.in_scope(|| {
                            tracing::warn!(
                                error = %source,
                                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                                "transport error, retrying"
                            );
                        });
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Transport {
                        path: path.to_owned(),
                        source,
                    });
                }
            }
        }
    }

    async fn once<F>(&self, build: &F) -> std::result::Result<RawResponse, reqwest::Error>
    where
        F: Fn() -> RequestBuilder,
    {
        let mut rb = build();
        if let Some(t) = self.timeout {
            rb = rb.timeout(t);
        }
        let resp = rb.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await?;
        tracing::debug!(status = status.as_u16(), bytes = body.len(), "response");
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}
