//! A fake UniFi Network controller for tests, this crate's and its users' (feature `test-util`,
//! off by default).
//!
//! The fake is a [`wiremock`] server that behaves like a controller of either [`Kind`]:
//!
//! - classic (self-hosted Network application): `GET /` redirects, login `POST /api/login`
//!   sets the cookies `unifises` and `csrf_token`, the API sits at the root;
//! - UniFi OS console: `GET /` answers 200, login `POST /api/auth/login` sets the cookie `TOKEN`
//!   and answers `X-CSRF-Token`, writes without that token are refused with 403, the Network
//!   API sits under `/proxy/network`.
//!
//! Both answer the v1 envelope ([`ok`], [`error`]), refuse calls without a session (classic:
//! 401 `api.err.LoginRequired`; UniFi OS: a bare 401), and refuse a wrong password the way each
//! kind does. Login `n` (counted from 1) hands out the session [`session_cookie`]`(kind, n)` and
//! the token [`csrf_token`]`(n)`, so a test can tell a first session from a second.
//!
//! There are two ways to use it:
//!
//! - [`FakeController::start`]: a whole controller serving the site [`SITE`] from the payloads
//!   in this module (sites, health, sysinfo, devices, WLANs, networks, WLAN groups, user groups,
//!   AP groups), with the writes a client makes (create a site, update a WLAN, create a WLAN
//!   group or a user group) answered statelessly. Unknown sites answer `api.err.NoSiteContext`.
//! - [`mount_login`] on a `MockServer` of the test's own: detection and login only, with the
//!   test mounting exactly the responses it wants to check.
//!
//! ```
//! # #[tokio::main]
//! # async fn main() {
//! use optima_unifi::testing::{FakeController, Kind, SITE, client};
//!
//! let fake = FakeController::start(Kind::UnifiOs).await;
//! let unifi = client(&fake.server);
//! let wlans = unifi.site(SITE).wlans().list().await.unwrap();
//! assert_eq!(wlans.len(), 2);
//! assert_eq!(fake.logins(), 1);
//! # }
//! ```
//!
//! [`silent_server`] stands in for a vendor that accepts connections and never answers, for
//! tests of deadlines.

mod payloads;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub use payloads::*;

use crate::{LoginBackoff, RetryPolicy, UnifiClient, UnifiClientBuilder};

/// The user name the fake accepts (any name is accepted; this one is what [`client`] sends).
pub const USERNAME: &str = "admin";
/// The only password the fake accepts.
pub const PASSWORD: &str = "hunter2-very-secret";
/// How long a login takes on a [`FakeController`], so that concurrent callers in a test overlap
/// one login in flight.
pub const LOGIN_DELAY: Duration = Duration::from_millis(150);

/// Which controller the fake imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A classic, self-hosted Network application.
    Classic,
    /// A UniFi OS console.
    UnifiOs,
}

impl Kind {
    /// Where the Network API starts: `` or `/proxy/network`.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Classic => "",
            Kind::UnifiOs => "/proxy/network",
        }
    }

    /// `p` (`/api/…`, `/v2/api/…`) under [`Kind::prefix`].
    pub fn api(self, p: &str) -> String {
        format!("{}{p}", self.prefix())
    }

    /// The login path.
    pub fn login_path(self) -> &'static str {
        match self {
            Kind::Classic => "/api/login",
            Kind::UnifiOs => "/api/auth/login",
        }
    }

    /// The name of the session cookie.
    pub fn cookie(self) -> &'static str {
        match self {
            Kind::Classic => "unifises",
            Kind::UnifiOs => "TOKEN",
        }
    }
}

/// The v1 envelope of a successful answer: `{"meta": {"rc": "ok"}, "data": data}`.
pub fn ok(data: Value) -> Value {
    json!({"meta": {"rc": "ok"}, "data": data})
}

/// The v1 envelope of an error: `{"meta": {"rc": "error", "msg": msg}, "data": data}`, `msg`
/// such as `api.err.NoSiteContext` and `data` the details (`[]` for most errors).
pub fn error(msg: &str, data: Value) -> Value {
    json!({"meta": {"rc": "error", "msg": msg}, "data": data})
}

/// The session cookie (`name=value`) that login `n` of a `kind` controller hands out.
pub fn session_cookie(kind: Kind, n: usize) -> String {
    format!("{}=session-{n}", kind.cookie())
}

/// The CSRF token that login `n` hands out.
pub fn csrf_token(n: usize) -> String {
    format!("csrf-{n}")
}

/// Answers logins like a `kind` controller: [`PASSWORD`] opens session `n` (the count of
/// logins so far, failed ones included), any other password is refused.
#[derive(Debug, Clone)]
pub struct LoginResponder {
    kind: Kind,
    count: Arc<AtomicUsize>,
    delay: Duration,
}

impl LoginResponder {
    /// A responder of `kind` that answers at once.
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            count: Arc::new(AtomicUsize::new(0)),
            delay: Duration::ZERO,
        }
    }

    /// Answers every successful login after `delay`.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The number of logins answered so far, shared with every clone of this responder.
    pub fn counter(&self) -> Arc<AtomicUsize> {
        self.count.clone()
    }
}

impl Respond for LoginResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        if body["password"] != PASSWORD {
            return match self.kind {
                Kind::Classic => {
                    ResponseTemplate::new(400).set_body_json(error("api.err.Invalid", json!([])))
                }
                Kind::UnifiOs => ResponseTemplate::new(401).set_body_json(json!({
                    "code": "AUTHENTICATION_FAILED_INVALID_CREDENTIALS",
                    "message": "Invalid username or password",
                    "level": "debug"
                })),
            };
        }
        let session = format!("{}; path=/; secure; httponly", session_cookie(self.kind, n));
        let answer = ResponseTemplate::new(200)
            .set_delay(self.delay)
            .append_header("set-cookie", session.as_str());
        match self.kind {
            // A classic controller sends its CSRF token as a cookie.
            Kind::Classic => answer
                .append_header(
                    "set-cookie",
                    format!("csrf_token={}; path=/; secure", csrf_token(n)).as_str(),
                )
                .set_body_json(ok(json!([]))),
            Kind::UnifiOs => answer
                .append_header("x-csrf-token", csrf_token(n).as_str())
                .set_body_json(json!({
                    "unique_id": "1", "first_name": "Admin", "username": USERNAME,
                    "isOwner": true
                })),
        }
    }
}

/// Mounts detection, `GET /` as a `kind` controller answers it: a redirect to `/manage` on a
/// classic controller, 200 with a page on UniFi OS.
pub async fn mount_detection(server: &MockServer, kind: Kind) {
    let answer = match kind {
        Kind::Classic => ResponseTemplate::new(302).append_header("location", "/manage"),
        Kind::UnifiOs => ResponseTemplate::new(200)
            .set_body_string("<!doctype html><html><title>UniFi OS</title></html>"),
    };
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Mounts detection and a [`LoginResponder`] of `kind`; answers its login counter.
pub async fn mount_login(server: &MockServer, kind: Kind) -> Arc<AtomicUsize> {
    mount_login_with(server, LoginResponder::new(kind)).await
}

async fn mount_login_with(server: &MockServer, login: LoginResponder) -> Arc<AtomicUsize> {
    let kind = login.kind;
    mount_detection(server, kind).await;
    let count = login.counter();
    Mock::given(method("POST"))
        .and(path(kind.login_path()))
        .respond_with(login)
        .mount(server)
        .await;
    count
}

/// `builder` with retries and login backoff of a millisecond or two and a 5 s timeout, so that
/// tests of failure paths run quickly.
pub fn quick_retries(builder: UnifiClientBuilder) -> UnifiClientBuilder {
    builder
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2)),
        )
        .login_backoff(LoginBackoff::new(
            3,
            Duration::from_millis(1),
            Duration::from_millis(2),
        ))
        .timeout(Duration::from_secs(5))
}

/// A client of the controller at `server` that signs in as [`USERNAME`] with [`PASSWORD`],
/// detects the kind, and retries quickly ([`quick_retries`]).
pub fn client(server: &MockServer) -> UnifiClient {
    quick_retries(
        UnifiClient::builder()
            .url(server.uri())
            .username(USERNAME)
            .password(PASSWORD.into()),
    )
    .build()
    .expect("a valid client of the fake")
}

/// A server on `127.0.0.1` that accepts every connection and never writes a byte, as a hung
/// vendor does; answers its base URL (`http://127.0.0.1:<port>`). The connections stay open
/// until the runtime ends.
pub async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

/// A whole controller of one [`Kind`] serving the site [`SITE`] (see the module docs).
#[derive(Debug)]
pub struct FakeController {
    /// The mock server, to mount more (or overriding, with a higher priority) responses on.
    pub server: MockServer,
    /// Its kind.
    pub kind: Kind,
    logins: Arc<AtomicUsize>,
}

impl FakeController {
    /// Starts a controller of `kind` whose logins take [`LOGIN_DELAY`].
    pub async fn start(kind: Kind) -> FakeController {
        let server = MockServer::start().await;
        let logins =
            mount_login_with(&server, LoginResponder::new(kind).with_delay(LOGIN_DELAY)).await;
        let fake = FakeController {
            server,
            kind,
            logins,
        };
        fake.mount_guards().await;
        fake.mount_site().await;
        fake
    }

    /// The base URL.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// How many logins the controller has answered.
    pub fn logins(&self) -> usize {
        self.logins.load(Ordering::SeqCst)
    }

    /// The requests received whose path is exactly `p`.
    pub async fn requests_to(&self, p: &str) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == p)
            .collect()
    }

    /// The path of `rest` (such as `rest/wlanconf`) on [`SITE`]: `{prefix}/api/s/{SITE}/{rest}`.
    pub fn site_path(&self, rest: &str) -> String {
        self.kind.api(&format!("/api/s/{SITE}/{rest}"))
    }

    /// What a controller answers before anything else: no session, no CSRF token on a UniFi OS
    /// write, a site it does not know.
    async fn mount_guards(&self) {
        let kind = self.kind;
        let prefix = kind.prefix();
        let api = format!("^{prefix}/(api/s|api/self|v2/api)/");
        let session = format!("{}=session-", kind.cookie());
        Mock::given(path_regex(api.clone()))
            .and(move |req: &Request| !header_contains(req, "cookie", &session))
            .respond_with(match kind {
                Kind::Classic => ResponseTemplate::new(401)
                    .set_body_json(error("api.err.LoginRequired", json!([]))),
                Kind::UnifiOs => ResponseTemplate::new(401)
                    .set_body_json(json!({"error": {"code": 401, "message": "Unauthorized"}})),
            })
            .with_priority(1)
            .mount(&self.server)
            .await;
        if kind == Kind::UnifiOs {
            Mock::given(path_regex(api))
                .and(|req: &Request| {
                    req.method != wiremock::http::Method::GET
                        && !header_contains(req, "x-csrf-token", "csrf-")
                })
                .respond_with(ResponseTemplate::new(403).set_body_string("CSRF token mismatch"))
                .with_priority(1)
                .mount(&self.server)
                .await;
        }
        Mock::given(path_regex(format!("^{prefix}/api/s/[^/]+/")))
            .respond_with(
                ResponseTemplate::new(400).set_body_json(error("api.err.NoSiteContext", json!([]))),
            )
            .with_priority(10)
            .mount(&self.server)
            .await;
    }

    async fn mount_site(&self) {
        let s = &self.server;
        let api = |p: &str| self.kind.api(p);
        let answer = |data: Value| ResponseTemplate::new(200).set_body_json(ok(data));
        Mock::given(method("GET"))
            .and(path(api("/api/self/sites")))
            .respond_with(answer(sites()))
            .mount(s)
            .await;
        for (rest, data) in [
            ("stat/health", health()),
            ("stat/sysinfo", sysinfo()),
            ("stat/device", json!([ap_new(), switch()])),
            ("rest/wlanconf", json!([wlan_old(), wlan_new()])),
            ("rest/networkconf", networks()),
            ("rest/wlangroup", wlan_groups()),
            ("rest/usergroup", user_groups()),
        ] {
            Mock::given(method("GET"))
                .and(path(self.site_path(rest)))
                .respond_with(answer(data))
                .mount(s)
                .await;
        }
        // v2 answers bare JSON.
        Mock::given(method("GET"))
            .and(path(api(&format!("/v2/api/site/{SITE}/apgroups"))))
            .respond_with(ResponseTemplate::new(200).set_body_json(ap_groups()))
            .mount(s)
            .await;
        Mock::given(method("POST"))
            .and(path(api("/api/s/default/cmd/sitemgr")))
            .respond_with(|req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                if body["cmd"] != "add-site" {
                    return invalid_payload();
                }
                ResponseTemplate::new(200).set_body_json(ok(json!([{
                    "_id": "6650f00d0000000000000001", "name": "n3wsite1", "desc": body["desc"]
                }])))
            })
            .mount(s)
            .await;
        let one_wlan = format!("^{}/([^/]+)$", self.site_path("rest/wlanconf"));
        Mock::given(method("GET"))
            .and(path_regex(one_wlan.clone()))
            .respond_with(|req: &Request| match wlan_of(req) {
                Some(w) => ResponseTemplate::new(200).set_body_json(ok(json!([w]))),
                None => id_invalid(),
            })
            .mount(s)
            .await;
        // A PUT accepts a partial body and answers the WLAN with it applied.
        Mock::given(method("PUT"))
            .and(path_regex(one_wlan))
            .respond_with(|req: &Request| {
                let Some(mut w) = wlan_of(req) else {
                    return id_invalid();
                };
                let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
                    return invalid_payload();
                };
                for (k, v) in body {
                    w[k] = v;
                }
                ResponseTemplate::new(200).set_body_json(ok(json!([w])))
            })
            .mount(s)
            .await;
        Mock::given(method("POST"))
            .and(path(self.site_path("rest/wlangroup")))
            .respond_with(|req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(ok(json!([{
                    "_id": "6650f00d00000000000000aa", "name": body["name"],
                    "site_id": DEFAULT_SITE_ID
                }])))
            })
            .mount(s)
            .await;
        Mock::given(method("POST"))
            .and(path(self.site_path("rest/usergroup")))
            .respond_with(|req: &Request| {
                let mut body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                body["_id"] = json!("6650f00d00000000000000bb");
                body["site_id"] = json!(DEFAULT_SITE_ID);
                // Some firmware echoes numbers as strings.
                body["qos_rate_max_down"] = json!(body["qos_rate_max_down"].to_string());
                ResponseTemplate::new(200).set_body_json(ok(json!([body])))
            })
            .mount(s)
            .await;
    }
}

fn header_contains(req: &Request, name: &str, part: &str) -> bool {
    req.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(part))
}

fn wlan_of(req: &Request) -> Option<Value> {
    let id = req.url.path().rsplit('/').next()?;
    [wlan_old(), wlan_new()]
        .into_iter()
        .find(|w| w["_id"] == id)
}

fn id_invalid() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(error("api.err.IdInvalid", json!([])))
}

fn invalid_payload() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(error("api.err.InvalidPayload", json!([])))
}
