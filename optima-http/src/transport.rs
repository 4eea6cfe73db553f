//! The send loop: builder settings, one reqwest client, retries, deadline and tracing.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{ClientBuilder, Method, RequestBuilder, StatusCode};
use serde::Serialize;
use tracing::Instrument;

use crate::error::Error;
use crate::retry::{RetryPolicy, is_transient_status};

/// Default timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default timeout of establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A response whose body has been read in full. Its `Debug` shows the status, URL, header
/// names and body length: headers such as `Set-Cookie` and bodies may hold secrets.
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The URL that answered (after any redirect the reqwest client followed).
    pub url: reqwest::Url,
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// How many attempts the response took (1 when the first one answered). A delete answered
    /// 404 on a later attempt may have been done by an earlier one.
    pub attempts: u32,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("url", &self.url.as_str())
            .field("headers", &header_names(&self.headers))
            .field("body_bytes", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

fn header_names(headers: &HeaderMap) -> Vec<&str> {
    headers.keys().map(HeaderName::as_str).collect()
}

/// Who a [`Transport`] talks to: the name in its spans and errors, its default `User-Agent`,
/// and what else than `429`/`502`/`503`/`504` it considers transient.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    name: &'static str,
    user_agent: &'static str,
    transient: Option<fn(StatusCode, &[u8]) -> bool>,
}

impl Service {
    /// A service named `name` (e.g. `"unifi"`) whose requests say `user_agent` unless the
    /// settings choose another.
    pub const fn new(name: &'static str, user_agent: &'static str) -> Self {
        Self {
            name,
            user_agent,
            transient: None,
        }
    }

    /// Also treat a response as transient when `transient(status, body)` says so (ConnectWise
    /// answers some timeouts with a `500` whose body says "timeout").
    #[must_use]
    pub const fn transient_when(mut self, transient: fn(StatusCode, &[u8]) -> bool) -> Self {
        self.transient = Some(transient);
        self
    }

    /// The service's name, as in spans and errors.
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn is_transient(&self, status: StatusCode, body: &[u8]) -> bool {
        is_transient_status(status) || self.transient.is_some_and(|f| f(status, body))
    }
}

/// The HTTP settings every client builder takes: timeouts, deadline, retry policy, user agent,
/// and optionally a ready reqwest client.
///
/// Client builders expose them as their own methods through [`http_settings_setters!`](crate::http_settings_setters).
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    deadline: Option<Duration>,
    retry: Option<RetryPolicy>,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
}

impl HttpSettings {
    /// Timeout of each attempt (default [`DEFAULT_TIMEOUT`]).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Timeout of establishing a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Total time one call may take, every attempt and backoff sleep included (default: none).
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The `User-Agent` header (default: the service's).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Uses this reqwest client (proxies, roots, pools) instead of building one. Its own
    /// timeout then applies unless [`timeout`](Self::timeout) is set too.
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Whether a reqwest client of the caller's is used (a client crate's own TLS settings
    /// cannot then apply).
    pub fn has_http_client(&self) -> bool {
        self.http.is_some()
    }

    /// The configured deadline, if any.
    pub fn configured_deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Builds the transport for `service` with a default reqwest client.
    ///
    /// # Errors
    /// [`Error::Config`] when reqwest cannot build the client.
    pub fn build(self, service: Service) -> Result<Transport, Error> {
        self.build_with(service, Ok)
    }

    /// Builds the transport for `service`; `customise` adds what the vendor needs to the
    /// reqwest client builder (TLS choices, redirects). Unused with a client of the caller's.
    ///
    /// # Errors
    /// [`Error::Config`] when `customise` fails or reqwest cannot build the client.
    pub fn build_with(
        self,
        service: Service,
        customise: impl FnOnce(ClientBuilder) -> Result<ClientBuilder, String>,
    ) -> Result<Transport, Error> {
        let config = |message: String| Error::Config {
            service: service.name,
            message,
        };
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| service.user_agent.to_owned());
        let caller_client = self.http.is_some();
        let http = match self.http {
            Some(client) => client,
            None => {
                let builder = reqwest::Client::builder()
                    .connect_timeout(connect_timeout)
                    .user_agent(user_agent.clone());
                customise(builder)
                    .map_err(config)?
                    .build()
                    .map_err(|e| config(format!("could not build the HTTP client: {e}")))?
            }
        };
        // A caller's own client keeps its own timeout unless one was set here.
        let timeout = match (self.timeout, caller_client) {
            (Some(t), _) => Some(t),
            (None, false) => Some(DEFAULT_TIMEOUT),
            (None, true) => None,
        };
        Ok(Transport {
            http,
            retry: self.retry.unwrap_or_default(),
            timeout,
            connect_timeout,
            user_agent,
            deadline: self.deadline,
            service,
        })
    }
}

/// Sends requests for one client: retries per policy, one span per attempt, the per-attempt
/// timeout and the per-call deadline. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: String,
    deadline: Option<Duration>,
    service: Service,
}

impl Transport {
    /// The reqwest client requests are built on.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The retry policy of [`send`](Self::send).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The per-call deadline, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The timeout of one attempt ([`DEFAULT_TIMEOUT`] unless set; with a caller's own
    /// reqwest client and none set, that client's own, which this does not know).
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The connect timeout of the settings, for connections made outside reqwest (a
    /// WebSocket); a client given to `http_client` keeps its own.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The `User-Agent` of the settings, for connections made outside reqwest.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The service's name.
    pub fn service(&self) -> &'static str {
        self.service.name
    }

    /// Runs one whole call within the deadline, if any; past it, [`Error::DeadlineExceeded`]
    /// converted into the caller's error.
    ///
    /// The call is dropped at the deadline, and with it any lock it holds or waits on (a login
    /// or a discovery in flight), so one hung call never holds others past their own deadlines.
    pub async fn within_deadline<T, E: From<Error>>(
        &self,
        path: &str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let Some(deadline) = self.deadline else {
            return call.await;
        };
        match tokio::time::timeout(deadline, call).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    service = self.service.name,
                    path,
                    deadline_ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
                    "call ran out of its deadline"
                );
                Err(Error::DeadlineExceeded {
                    service: self.service.name,
                    path: path.to_owned(),
                    deadline,
                }
                .into())
            }
        }
    }

    /// Describes a request to `url`, sent with [`Request::send`]: `Accept: application/json`
    /// unless a header replaces it, no query, no body.
    pub fn request(&self, method: Method, url: impl Into<String>) -> Request<'_> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        Request {
            transport: self,
            policy: None,
            method,
            url: url.into(),
            headers,
            query: Vec::new(),
            body: Ok(None),
        }
    }

    /// Sends the request `build` makes (once per attempt), retrying per the client's policy.
    ///
    /// The lower-level form of [`request`](Self::request), for a request a [`Request`] cannot
    /// describe.
    ///
    /// Returns the last response whatever its status; [`Error::Transport`] when the last
    /// allowed attempt failed to connect, send or read.
    pub async fn send(
        &self,
        method: &Method,
        path: &str,
        build: impl FnMut() -> RequestBuilder,
    ) -> Result<RawResponse, Error> {
        self.send_with(&self.retry, method, path, build).await
    }

    /// [`send`](Self::send) with another policy, e.g. [`RetryPolicy::none`] for a login that
    /// paces itself.
    pub async fn send_with(
        &self,
        policy: &RetryPolicy,
        method: &Method,
        path: &str,
        mut build: impl FnMut() -> RequestBuilder,
    ) -> Result<RawResponse, Error> {
        let may_retry = policy.retries(method);
        let mut attempt = 1u32;
        loop {
            let span = tracing::debug_span!(
                "http.request",
                service = self.service.name,
                method = %method,
                path = %path,
                attempt,
                status = tracing::field::Empty,
            );
            let outcome = self.once(build()).instrument(span.clone()).await;
            let more = attempt < policy.attempts();
            let delay = match outcome {
                Ok(resp) => {
                    span.record("status", resp.status.as_u16());
                    if !(more && may_retry && self.service.is_transient(resp.status, &resp.body)) {
                        return Ok(RawResponse {
                            attempts: attempt,
                            ..resp
                        });
                    }
                    let delay = policy.delay(attempt, Some(&resp.headers));
                    span.in_scope(|| {
                        tracing::warn!(
                            status = resp.status.as_u16(),
                            delay_ms = millis(delay),
                            "transient response, retrying"
                        );
                    });
                    delay
                }
                Err(source) => {
                    // A failed connect reached no server, so even a write may go again.
                    let retryable = source.is_connect()
                        || (may_retry
                            && (source.is_timeout() || source.is_request() || source.is_body()));
                    if !(more && retryable) {
                        return Err(Error::Transport {
                            service: self.service.name,
                            path: path.to_owned(),
                            source,
                        });
                    }
                    let delay = policy.delay(attempt, None);
                    span.in_scope(|| {
                        tracing::warn!(
                            error = %source,
                            delay_ms = millis(delay),
                            "transport error, retrying"
                        );
                    });
                    delay
                }
            };
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn once(&self, request: RequestBuilder) -> Result<RawResponse, reqwest::Error> {
        let request = match self.timeout {
            Some(t) => request.timeout(t),
            None => request,
        };
        let resp = request.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let url = resp.url().clone();
        let body = resp.bytes().await?;
        tracing::debug!(status = status.as_u16(), bytes = body.len(), "response");
        Ok(RawResponse {
            url,
            status,
            headers,
            body,
            attempts: 1,
        })
    }
}

/// A request described once and built again for every attempt: method, URL, headers, query
/// and body. Made by [`Transport::request`]. Its `Debug` shows the method, URL, header names,
/// query names and body length, never a value that may be secret.
#[must_use = "a request does nothing until sent"]
pub struct Request<'t> {
    transport: &'t Transport,
    policy: Option<&'t RetryPolicy>,
    method: Method,
    url: String,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    body: Result<Option<Bytes>, serde_json::Error>,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &header_names(&self.headers))
            .field(
                "query",
                &self
                    .query
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>(),
            )
            .field(
                "body_bytes",
                &self
                    .body
                    .as_ref()
                    .ok()
                    .and_then(|b| b.as_ref().map(Bytes::len)),
            )
            .finish_non_exhaustive()
    }
}

impl<'t> Request<'t> {
    /// Sets a header, replacing any of the same name. Mark secrets sensitive
    /// ([`HeaderValue::set_sensitive`]) so they stay out of debug output.
    pub fn header(mut self, name: impl Into<HeaderName>, value: HeaderValue) -> Self {
        self.headers.insert(name.into(), value);
        self
    }

    /// Sets every header of `headers`, replacing those of the same names.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        for (name, value) in &headers {
            self.headers.insert(name.clone(), value.clone());
        }
        self
    }

    /// Appends query parameters.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        self.query.extend(
            pairs
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())),
        );
        self
    }

    /// A JSON body (`Content-Type: application/json` unless a header says otherwise). A value
    /// that cannot be serialised fails at [`send`](Self::send) with [`Error::Encode`].
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.headers
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("application/json"));
        self.body = serde_json::to_vec(body).map(|b| Some(Bytes::from(b)));
        self
    }

    /// A body already encoded; set its `Content-Type` with [`header`](Self::header).
    pub fn body(mut self, body: Bytes) -> Self {
        self.body = Ok(Some(body));
        self
    }

    /// Sends with this policy instead of the client's (e.g. [`RetryPolicy::none`] for a login
    /// that paces itself).
    pub fn retry_policy(mut self, policy: &'t RetryPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Sends the request, retrying per policy; `path` (no host, no query) names it in spans and
    /// errors. Returns the last response whatever its status.
    ///
    /// The per-call deadline is not applied here: a call is often more than one request (a
    /// login, a discovery), so wrap the whole call in [`Transport::within_deadline`].
    ///
    /// # Errors
    /// [`Error::Transport`] when the last allowed attempt failed to connect, send or read;
    /// [`Error::Encode`] when the JSON body could not be serialised.
    pub async fn send(self, path: &str) -> Result<RawResponse, Error> {
        let transport = self.transport;
        let body = self.body.map_err(|source| Error::Encode {
            service: transport.service.name,
            path: path.to_owned(),
            source,
        })?;
        let http = &transport.http;
        let build = || {
            let mut rb = http
                .request(self.method.clone(), &self.url)
                .headers(self.headers.clone());
            if !self.query.is_empty() {
                rb = rb.query(&self.query);
            }
            if let Some(b) = &body {
                rb = rb.body(b.clone());
            }
            rb
        };
        let policy = self.policy.unwrap_or(&transport.retry);
        transport.send_with(policy, &self.method, path, build).await
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Gives a client builder the settings of [`HttpSettings`] as its own methods, with the same
/// names and meaning in every client: `timeout`, `connect_timeout`, `deadline`,
/// `retry_policy`, `user_agent` and `http_client`.
///
/// Use inside an `impl` block, naming the builder's `HttpSettings` field:
///
/// ```
/// use optima_http::HttpSettings;
///
/// #[derive(Debug, Default)]
/// pub struct MyClientBuilder {
///     http: HttpSettings,
/// }
///
/// impl MyClientBuilder {
///     optima_http::http_settings_setters!(http);
/// }
///
/// let b = MyClientBuilder::default().timeout(std::time::Duration::from_secs(5));
/// # let _ = b;
/// ```
#[macro_export]
macro_rules! http_settings_setters {
    ($field:ident) => {
        /// Timeout of each attempt (default 30 s).
        #[must_use]
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field = self.$field.timeout(timeout);
            self
        }

        /// Timeout of establishing a connection (default 10 s; a client given to
        /// `http_client` keeps its own).
        #[must_use]
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field = self.$field.connect_timeout(timeout);
            self
        }

        /// Total time one call may take (default: no limit beyond the per-attempt timeout).
        ///
        /// The deadline bounds everything one call does: discovery or login (including waiting
        /// for another caller's), every attempt and the backoff sleeps between them. Past it the
        /// call fails with the crate's `DeadlineExceeded` error. Each page of a list or stream
        /// is one call with a deadline of its own.
        #[must_use]
        pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.$field = self.$field.deadline(deadline);
            self
        }

        /// The retry policy (default `RetryPolicy::default()`: four attempts; idempotent
        /// requests retried on 429/502/503/504 and transport failures, `Retry-After` honoured).
        #[must_use]
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$field = self.$field.retry_policy(policy);
            self
        }

        /// The `User-Agent` header (default: the crate's name and version).
        #[must_use]
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.$field = self.$field.user_agent(user_agent);
            self
        }

        /// Uses this reqwest client (proxies, TLS roots, pools). Its own connect timeout, user
        /// agent and TLS settings then apply; the per-attempt timeout still does.
        #[must_use]
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.$field = self.$field.http_client(client);
            self
        }
    };
}
