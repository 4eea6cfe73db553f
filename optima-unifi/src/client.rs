//! The UniFi Network client: builder, controller detection, session handling and the request core.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use reqwest::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::{Mutex as AsyncMutex, OnceCell};

use crate::error::{Error, Result, truncate_body};
use crate::handlers::{SiteHandler, SitesHandler};
use crate::http::{TlsOptions, parse_base_url, tls_setters};
use optima_http::{HttpSettings, RetryPolicy, Transport};

/// Which kind of controller the client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ControllerKind {
    /// Detect it: `GET /` without following redirects answers 200 on UniFi OS.
    #[default]
    Auto,
    /// A classic (self-hosted) Network application, usually on `:8443`: login `POST /api/login`, cookie `unifises`.
    Classic,
    /// A UniFi OS console (UDM, UCG, Cloud Key Gen2+, UniFi OS Server): login `POST /api/auth/login`,
    /// cookie `TOKEN`, the Network API under `/proxy/network`.
    UnifiOs,
}

impl std::str::FromStr for ControllerKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "" | "auto" => Ok(Self::Auto),
            "classic" => Ok(Self::Classic),
            "unifi-os" | "unifios" | "os" => Ok(Self::UnifiOs),
            other => Err(Error::Config(format!(
                "unknown controller kind {other:?} (expected auto, classic or unifi-os)"
            ))),
        }
    }
}

/// How to back off when the controller throttles logins (HTTP 429, usually without `Retry-After`,
/// for a window of about 45 seconds).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoginBackoff {
    /// Login attempts in all (at least 1).
    pub max_attempts: u32,
    /// Delay after the first throttled attempt; doubles after each further one.
    pub initial_delay: Duration,
    /// Upper bound of a delay.
    pub max_delay: Duration,
}

impl Default for LoginBackoff {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_delay: Duration::from_secs(15),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl LoginBackoff {
    /// The pacing between throttled logins, as the core's policy: no jitter, a `Retry-After`
    /// capped like the backoff.
    fn policy(&self) -> RetryPolicy {
        RetryPolicy::default()
            .base_delay(self.initial_delay)
            .max_delay(self.max_delay)
            .max_retry_after(self.max_delay)
            .jitter(false)
    }

    /// `max_attempts` attempts, waiting `initial_delay` (doubling, capped by `max_delay`) between them.
    pub fn new(max_attempts: u32, initial_delay: Duration, max_delay: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            initial_delay,
            max_delay,
        }
    }
}

enum Auth {
    Credentials {
        username: String,
        password: SecretString,
    },
    ApiKey(SecretString),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Credentials { username, .. } => f
                .debug_struct("Credentials")
                .field("username", username)
                .field("password", &"[REDACTED]")
                .finish(),
            Auth::ApiKey(_) => f.write_str("ApiKey([REDACTED])"),
        }
    }
}

#[derive(Default)]
struct Session {
    cookies: BTreeMap<String, String>,
    csrf: Option<String>,
    generation: u64,
    logged_in: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("cookies", &self.cookies.keys().collect::<Vec<_>>())
            .field("csrf", &self.csrf.as_ref().map(|_| "[REDACTED]"))
            .field("generation", &self.generation)
            .field("logged_in", &self.logged_in)
            .finish()
    }
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    base: String,
    auth: Auth,
    configured_kind: ControllerKind,
    kind: OnceCell<ControllerKind>,
    login_backoff: LoginBackoff,
    session: StdMutex<Session>,
    login_lock: AsyncMutex<()>,
    /// TLS choices and timeouts of the live events WebSocket, the same as the HTTP client's.
    events: crate::events::ConnectOptions,
}

/// A client of one UniFi Network controller (classic or UniFi OS).
///
/// Cheap to clone: every clone shares the HTTP client and one login session, and at most one
/// login is in flight at any time whatever the number of concurrent callers.
///
/// ```no_run
/// # async fn run() -> Result<(), optima_unifi::Error> {
/// use optima_unifi::UnifiClient;
/// use secrecy::SecretString;
///
/// let unifi = UnifiClient::builder()
///     .url("https://unifi.example.com:8443")
///     .username("admin")
///     .password(SecretString::from("secret"))
///     .verify_tls(false)
///     .build()?;
/// for wlan in unifi.site("default").wlans().list().await? {
///     println!("{:?}", wlan.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct UnifiClient {
    inner: Arc<Inner>,
}

/// Builds a [`UnifiClient`].
#[derive(Debug, Default)]
pub struct UnifiClientBuilder {
    url: Option<String>,
    username: Option<String>,
    password: Option<SecretString>,
    api_key: Option<SecretString>,
    kind: ControllerKind,
    http: HttpSettings,
    tls: TlsOptions,
    login_backoff: Option<LoginBackoff>,
}

impl UnifiClientBuilder {
    /// The controller's URL: scheme, host and port (`https://unifi.example.com:8443` for a
    /// classic controller, `https://192.168.1.1` for a console). A path prefix is kept.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The username of a local admin account.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The password of that account.
    pub fn password(mut self, password: SecretString) -> Self {
        self.password = Some(password);
        self
    }

    /// An API key (UniFi OS consoles that support them): sent as `X-API-KEY`, no login ever happens.
    pub fn api_key(mut self, key: SecretString) -> Self {
        self.api_key = Some(key);
        self
    }

    /// The controller kind (default: detect).
    pub fn kind(mut self, kind: ControllerKind) -> Self {
        self.kind = kind;
        self
    }

    tls_setters!(tls);

    optima_http::http_settings_setters!(http);

    /// How to back off when logins are throttled (default: 4 attempts, 15 s doubling up to 60 s).
    pub fn login_backoff(mut self, backoff: LoginBackoff) -> Self {
        self.login_backoff = Some(backoff);
        self
    }

    /// Builds the client. Nothing is sent yet.
    pub fn build(self) -> Result<UnifiClient> {
        let base = parse_base_url(self.url, "controller", "http(s)://host[:port]")?;
        let auth = match (self.username, self.password, self.api_key) {
            (None, None, Some(key)) => {
                if HeaderValue::from_str(key.expose_secret()).is_err() {
                    return Err(Error::Config(
                        "the API key holds characters a header cannot carry (a trailing newline?)"
                            .into(),
                    ));
                }
                Auth::ApiKey(key)
            }
            (Some(username), Some(password), None) => Auth::Credentials { username, password },
            (_, _, Some(_)) => {
                return Err(Error::Config(
                    "set either an API key or a username and password, not both".into(),
                ));
            }
            _ => {
                return Err(Error::Config(
                    "a username and password, or an API key, are required".into(),
                ));
            }
        };
        let transport = crate::http::transport(self.http, &self.tls, "unifi")?;
        let events = crate::events::ConnectOptions::new(&self.tls, &transport);
        let kind = OnceCell::new();
        if self.kind != ControllerKind::Auto {
            kind.set(self.kind).expect("fresh cell");
        }
        Ok(UnifiClient {
            inner: Arc::new(Inner {
                transport,
                base,
                auth,
                configured_kind: self.kind,
                kind,
                login_backoff: self.login_backoff.unwrap_or_default(),
                session: StdMutex::new(Session::default()),
                login_lock: AsyncMutex::new(()),
                events,
            }),
        })
    }
}

/// How a response body is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// `{"meta":{"rc":..},"data":[..]}`
    V1,
    /// Bare JSON (v2 API).
    Bare,
}

impl UnifiClient {
    /// Starts building a client.
    pub fn builder() -> UnifiClientBuilder {
        UnifiClientBuilder::default()
    }

    /// The sites of the controller.
    pub fn sites(&self) -> SitesHandler {
        SitesHandler::new(self.clone())
    }

    /// The handler of one site, by its short name (`default`, `km9b1v8i`), not its description.
    pub fn site(&self, name: impl Into<String>) -> SiteHandler {
        SiteHandler::new(self.clone(), name.into())
    }

    /// The controller's kind, detecting it on first use when configured as [`ControllerKind::Auto`].
    pub async fn kind(&self) -> Result<ControllerKind> {
        self.inner
            .transport
            .within_deadline("/", self.resolve_kind())
            .await
    }

    async fn resolve_kind(&self) -> Result<ControllerKind> {
        self.inner
            .kind
            .get_or_try_init(|| self.detect())
            .await
            .copied()
    }

    /// True when the client authenticates with an API key.
    pub fn uses_api_key(&self) -> bool {
        matches!(self.inner.auth, Auth::ApiKey(_))
    }

    /// Logs in now unless a session is already open (requests log in by themselves when needed).
    /// Does nothing in API key mode.
    pub async fn login(&self) -> Result<()> {
        if self.uses_api_key() {
            return Ok(());
        }
        self.inner
            .transport
            .within_deadline("login", async {
                let kind = self.resolve_kind().await?;
                self.ensure_login(kind).await.map(|_| ())
            })
            .await
    }

    /// Logs out and forgets the session. The next request logs in again.
    pub async fn logout(&self) -> Result<()> {
        if self.uses_api_key() {
            return Ok(());
        }
        self.inner
            .transport
            .within_deadline("logout", self.logout_unbounded())
            .await
    }

    async fn logout_unbounded(&self) -> Result<()> {
        let kind = self.resolve_kind().await?;
        let _guard = self.inner.login_lock.lock().await;
        if !self.session().logged_in {
            return Ok(());
        }
        let auth = self.auth_headers(true);
        let path = match kind {
            ControllerKind::UnifiOs => "/api/auth/logout",
            _ => "/api/logout",
        };
        let url = format!("{}{}", self.inner.base, path);
        let once = RetryPolicy::none();
        let result = self
            .inner
            .transport
            .request(Method::POST, url)
            .headers(auth)
            .json(&json!({}))
            .retry_policy(&once)
            .send(path)
            .await;
        {
            let mut s = self.session();
            s.cookies.clear();
            s.csrf = None;
            s.logged_in = false;
            s.generation += 1;
        }
        let resp = result?;
        if resp.status.is_success() || resp.status == StatusCode::UNAUTHORIZED {
            Ok(())
        } else {
            Err(Error::Http {
                status: resp.status,
                body: truncate_body(&resp.body),
            })
        }
    }

    /// What proves who we are on a request: the `X-API-KEY`, or the session's cookies and, on a
    /// change (`write`), its CSRF token. Secrets are marked sensitive.
    pub(crate) fn auth_headers(&self, write: bool) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let sensitive = |v: &str| {
            HeaderValue::from_str(v).ok().map(|mut v| {
                v.set_sensitive(true);
                v
            })
        };
        match &self.inner.auth {
            Auth::ApiKey(key) => {
                if let Some(v) = sensitive(key.expose_secret()) {
                    headers.insert("x-api-key", v);
                }
            }
            Auth::Credentials { .. } => {
                let s = self.session();
                if let Some(v) = cookie_header(&s.cookies).as_deref().and_then(sensitive) {
                    headers.insert(COOKIE, v);
                }
                if write && let Some(v) = s.csrf.as_deref().and_then(sensitive) {
                    headers.insert("x-csrf-token", v);
                }
            }
        }
        headers
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.inner
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn detect(&self) -> Result<ControllerKind> {
        if self.inner.configured_kind != ControllerKind::Auto {
            return Ok(self.inner.configured_kind);
        }
        let url = format!("{}/", self.inner.base);
        // A bare GET, as a browser's first visit: no `Accept: application/json`, which a
        // console might answer differently.
        let http = self.inner.transport.http();
        let resp = self
            .inner
            .transport
            .send(&Method::GET, "/", || http.get(&url))
            .await?;
        // A client that follows redirects ends somewhere else on classic controllers (`/manage`).
        let redirected = resp.url.path()
            != url::Url::parse(&url)
                .map(|u| u.path().to_string())
                .unwrap_or_default();
        let kind = if resp.status == StatusCode::OK && !redirected {
            ControllerKind::UnifiOs
        } else {
            ControllerKind::Classic
        };
        tracing::debug!(
            ?kind,
            status = resp.status.as_u16(),
            "detected UniFi controller kind"
        );
        Ok(kind)
    }

    /// Makes sure a session is open; returns its generation.
    async fn ensure_login(&self, kind: ControllerKind) -> Result<u64> {
        let seen = {
            let s = self.session();
            if s.logged_in {
                return Ok(s.generation);
            }
            s.generation
        };
        self.relogin(kind, seen).await?;
        Ok(self.session().generation)
    }

    /// Logs in unless another caller already replaced session `seen` while we waited.
    async fn relogin(&self, kind: ControllerKind, seen: u64) -> Result<()> {
        let _guard = self.inner.login_lock.lock().await;
        {
            let s = self.session();
            if s.logged_in && s.generation != seen {
                return Ok(());
            }
        }
        self.do_login(kind).await
    }

    async fn do_login(&self, kind: ControllerKind) -> Result<()> {
        let Auth::Credentials { username, password } = &self.inner.auth else {
            return Ok(());
        };
        let (path, body) = match kind {
            ControllerKind::UnifiOs => (
                "/api/auth/login",
                json!({"username": username, "password": password.expose_secret(), "rememberMe": true}),
            ),
            _ => (
                "/api/login",
                json!({"username": username, "password": password.expose_secret(), "remember": true}),
            ),
        };
        let url = format!("{}{}", self.inner.base, path);
        let backoff = &self.inner.login_backoff;
        let max_attempts = backoff.max_attempts.max(1);
        let pacing = backoff.policy();
        let once = RetryPolicy::none();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let resp = self
                .inner
                .transport
                .request(Method::POST, url.as_str())
                .json(&body)
                .retry_policy(&once)
                .send(path)
                .await?;
            let status = resp.status;
            if status == StatusCode::TOO_MANY_REQUESTS {
                if attempt >= max_attempts {
                    return Err(Error::LoginThrottled { attempts: attempt });
                }
                let delay = pacing.delay(attempt, Some(&resp.headers));
                tracing::warn!(attempt, ?delay, "UniFi login throttled; backing off");
                tokio::time::sleep(delay).await;
                continue;
            }
            let headers = resp.headers;
            let bytes = resp.body;
            let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
            if let Some(err) = envelope_error(status, parsed.as_ref()) {
                return Err(err);
            }
            if !status.is_success() {
                return Err(match status.as_u16() {
                    400 | 401 | 403 => Error::Api {
                        status,
                        code: "api.err.Invalid".into(),
                        message: parsed.as_ref().and_then(|v| {
                            v.get("message")
                                .or_else(|| v.get("code"))
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        }),
                        details: Vec::new(),
                    },
                    _ => Error::Http {
                        status,
                        body: truncate_body(&bytes),
                    },
                });
            }
            let mut cookies = BTreeMap::new();
            apply_set_cookies(&mut cookies, &headers);
            if cookies.is_empty() {
                return Err(Error::UnexpectedResponse(
                    "login succeeded but the controller set no session cookie".into(),
                ));
            }
            let csrf = csrf_from_headers(&headers).or_else(|| cookies.get("csrf_token").cloned());
            let mut s = self.session();
            s.cookies = cookies;
            s.csrf = csrf;
            s.logged_in = true;
            s.generation += 1;
            tracing::debug!(generation = s.generation, "logged in to UniFi controller");
            return Ok(());
        }
    }

    /// Sends one API request (path relative to the Network API root, e.g. `/api/s/default/stat/health`),
    /// logging in and re-logging in as needed, and returns the unwrapped payload (`data` for v1),
    /// all within the client's deadline.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        envelope: Envelope,
    ) -> Result<Value> {
        self.inner
            .transport
            .within_deadline(
                path,
                self.call_unbounded(method, path, query, body, envelope),
            )
            .await
    }

    async fn call_unbounded(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        envelope: Envelope,
    ) -> Result<Value> {
        let kind = self.resolve_kind().await?;
        let prefix = match kind {
            ControllerKind::UnifiOs => "/proxy/network",
            _ => "",
        };
        let url = format!("{}{}{}", self.inner.base, prefix, path);
        let with_session = !self.uses_api_key();
        let mut relogged = false;
        loop {
            let generation = if with_session {
                self.ensure_login(kind).await?
            } else {
                0
            };
            let mut request = self
                .inner
                .transport
                .request(method.clone(), url.as_str())
                .headers(self.auth_headers(method != Method::GET))
                .query(query);
            if let Some(b) = body {
                request = request.json(b);
            }
            let resp = request.send(path).await?;
            let status = resp.status;
            if with_session {
                let mut s = self.session();
                if s.generation == generation && s.logged_in {
                    if let Some(t) = csrf_from_headers(&resp.headers) {
                        s.csrf = Some(t);
                    }
                    apply_set_cookies(&mut s.cookies, &resp.headers);
                }
            }
            let bytes = resp.body;
            let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
            let login_required = status == StatusCode::UNAUTHORIZED
                || parsed
                    .as_ref()
                    .and_then(|v| v.pointer("/meta/msg"))
                    .and_then(Value::as_str)
                    == Some("api.err.LoginRequired");
            if login_required && with_session && !relogged {
                relogged = true;
                tracing::debug!(path, "UniFi session expired; logging in again");
                {
                    let mut s = self.session();
                    if s.generation == generation {
                        s.logged_in = false;
                    }
                }
                self.relogin(kind, generation).await?;
                continue;
            }
            return interpret(status, &bytes, parsed, envelope);
        }
    }

    /// Sends a v1 request and decodes `data` as `Vec<T>`.
    pub(crate) async fn v1_list<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Vec<T>> {
        let data = self.call(method, path, &[], body, Envelope::V1).await?;
        decode(data, "data")
    }

    /// Sends a v1 request and decodes the first element of `data`.
    pub(crate) async fn v1_first<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T> {
        let data = self.call(method, path, &[], body, Envelope::V1).await?;
        first(data, path)
    }

    /// Sends any request to the Network API (path relative to its root, e.g.
    /// `/api/s/default/stat/ccode`) with the client's session, and returns the raw payload: the
    /// `data` of a v1 envelope (errors in `meta` become [`Error::Api`]), or the bare JSON of a v2
    /// path (`/v2/...`).
    pub async fn request_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let envelope = if path.starts_with("/v2/") {
            Envelope::Bare
        } else {
            Envelope::V1
        };
        self.call(method, path, &[], body, envelope).await
    }
}

pub(crate) fn decode<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::decode(prefix, e))
}

pub(crate) fn first<T: DeserializeOwned>(data: Value, what: &str) -> Result<T> {
    match data {
        Value::Array(mut items) if !items.is_empty() => decode(items.swap_remove(0), "data[0]"),
        Value::Array(_) => Err(Error::UnexpectedResponse(format!(
            "empty data[] from {what}"
        ))),
        other => decode(other, "data"),
    }
}

fn cookie_header(cookies: &BTreeMap<String, String>) -> Option<String> {
    if cookies.is_empty() {
        return None;
    }
    Some(
        cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn apply_set_cookies(cookies: &mut BTreeMap<String, String>, headers: &HeaderMap) {
    for h in headers.get_all(SET_COOKIE) {
        let Ok(h) = h.to_str() else { continue };
        let mut parts = h.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim().trim_matches('"'));
        if name.is_empty() {
            continue;
        }
        let expired = parts.any(|a| {
            let a = a.trim().to_ascii_lowercase();
            a == "max-age=0" || a.starts_with("max-age=-") || a.contains("expires=thu, 01 jan 1970")
        });
        if value.is_empty() || expired {
            cookies.remove(name);
        } else {
            cookies.insert(name.to_string(), value.to_string());
        }
    }
}

fn csrf_from_headers(headers: &HeaderMap) -> Option<String> {
    ["x-updated-csrf-token", "x-csrf-token"]
        .iter()
        .find_map(|h| headers.get(*h))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The error a v1 envelope reports (`meta.rc == "error"`), if any.
fn envelope_error(status: StatusCode, parsed: Option<&Value>) -> Option<Error> {
    let v = parsed?;
    let meta = v.get("meta")?;
    let rc = meta.get("rc").and_then(Value::as_str);
    let msg = meta.get("msg").and_then(Value::as_str);
    if rc == Some("ok") && status.is_success() {
        return None;
    }
    if rc != Some("error") && status.is_success() {
        return None;
    }
    let details = match v.get("data") {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    };
    let mut message = None;
    for d in &details {
        if let Some(m) = d
            .get("msg")
            .or_else(|| d.get("message"))
            .and_then(Value::as_str)
        {
            message = Some(m.to_string());
            break;
        }
    }
    Some(Error::Api {
        status,
        code: msg.unwrap_or("api.err.Unknown").to_string(),
        message,
        details,
    })
}

fn interpret(
    status: StatusCode,
    bytes: &[u8],
    parsed: Option<Value>,
    envelope: Envelope,
) -> Result<Value> {
    if envelope == Envelope::V1
        && let Some(err) = envelope_error(status, parsed.as_ref())
    {
        return Err(err);
    }
    if !status.is_success() {
        if let Some(Value::Object(m)) = &parsed
            && let Some(code) = m
                .get("code")
                .or_else(|| m.get("errorCode"))
                .and_then(Value::as_str)
        {
            return Err(Error::Api {
                status,
                code: code.to_string(),
                message: m.get("message").and_then(Value::as_str).map(str::to_string),
                details: Vec::new(),
            });
        }
        return Err(Error::Http {
            status,
            body: truncate_body(bytes),
        });
    }
    let value = match parsed {
        Some(v) => v,
        None if bytes.iter().all(u8::is_ascii_whitespace) => Value::Null,
        None => {
            return Err(match serde_json::from_slice::<Value>(bytes) {
                Err(source) => Error::Decode {
                    path: ".".into(),
                    source,
                },
                Ok(_) => Error::UnexpectedResponse("unparseable body".into()),
            });
        }
    };
    match envelope {
        Envelope::V1 => match value {
            Value::Object(mut m) if m.contains_key("meta") || m.contains_key("data") => {
                Ok(m.remove("data").unwrap_or(Value::Array(Vec::new())))
            }
            other => Ok(other),
        },
        Envelope::Bare => Ok(value),
    }
}

/// What the live events WebSocket (`crate::events`) needs of the client's session.
impl UnifiClient {
    /// The TLS choices and timeouts the events WebSocket connects with.
    pub(crate) fn events_options(&self) -> &crate::events::ConnectOptions {
        &self.inner.events
    }

    /// The root of the Network application (with `/proxy/network` on UniFi OS) and the headers
    /// that authenticate an events WebSocket: the session's cookies (logging in first when no
    /// session is open) and, on UniFi OS, its CSRF token; or the API key. Within the deadline.
    pub(crate) async fn events_session(&self) -> Result<crate::events::SessionHeaders> {
        self.inner
            .transport
            .within_deadline("events", async {
                let kind = self.resolve_kind().await?;
                let root = match kind {
                    ControllerKind::UnifiOs => format!("{}/proxy/network", self.inner.base),
                    _ => self.inner.base.clone(),
                };
                let mut headers = Vec::new();
                let generation = match &self.inner.auth {
                    Auth::ApiKey(key) => {
                        headers.push(("x-api-key", key.clone()));
                        0
                    }
                    Auth::Credentials { .. } => {
                        self.ensure_login(kind).await?;
                        let s = self.session();
                        if let Some(cookie) = cookie_header(&s.cookies) {
                            headers.push(("cookie", SecretString::from(cookie)));
                        }
                        if kind == ControllerKind::UnifiOs
                            && let Some(token) = &s.csrf
                        {
                            headers.push(("x-csrf-token", SecretString::from(token.clone())));
                        }
                        s.generation
                    }
                };
                Ok(crate::events::SessionHeaders {
                    root,
                    generation,
                    headers,
                })
            })
            .await
    }

    /// An events WebSocket was refused (HTTP 401/403) with session `generation`: forgets that
    /// session and logs in again, sharing the login with every concurrent caller.
    pub(crate) async fn events_session_expired(&self, generation: u64) -> Result<()> {
        self.inner
            .transport
            .within_deadline("login", async {
                let kind = self.resolve_kind().await?;
                {
                    let mut s = self.session();
                    if s.generation == generation {
                        s.logged_in = false;
                    }
                }
                self.relogin(kind, generation).await
            })
            .await
    }
}
