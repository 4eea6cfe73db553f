//! Live events of a site: the controller's WebSocket (`/wss/s/{site}/events` on a classic
//! controller, `/proxy/network/wss/s/{site}/events` on UniFi OS) as a [`Stream`] of typed
//! [`EventMessage`]s.
//!
//! ```no_run
//! # async fn run() -> Result<(), optima_unifi::Error> {
//! use futures::StreamExt;
//! use optima_unifi::{EventMessage, UnifiClient};
//! use secrecy::SecretString;
//!
//! let unifi = UnifiClient::builder()
//!     .url("https://192.168.1.1")
//!     .username("admin")
//!     .password(SecretString::from("secret"))
//!     .build()?;
//! let mut events = unifi.site("default").events().stream();
//! while let Some(item) = events.next().await {
//!     match item {
//!         Ok(EventMessage::Events(events)) => {
//!             for e in events {
//!                 println!("{:?}: {:?}", e.key, e.msg);
//!             }
//!         }
//!         Ok(other) => println!("{}", other.kind()),
//!         // The stream goes on after an error item; it ends only after a fatal one.
//!         Err(e) => eprintln!("{e}"),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Connecting
//!
//! The stream connects when it is first polled. It opens the WebSocket with the client's
//! session, shared with every HTTP call: the session's cookies, and on UniFi OS its CSRF token,
//! logging in first when no session is open; with an API key it sends `X-API-KEY` instead.
//! The client's TLS choices apply (certificate verification against the platform's roots, no
//! verification, or the SHA-256 pin). The handshake has the builder's `connect_timeout` and
//! `timeout` (10 s and 30 s by default) and its `User-Agent`; a reqwest client given to the
//! builder is not used (its TLS settings are unknown), nor are HTTP proxies. The client's deadline bounds
//! the login, not the life of the stream. Each connection runs in a tracing span
//! `unifi.events` with the site and the attempt number; cookies, tokens and keys are never
//! logged.
//!
//! # Heartbeat and reconnection
//!
//! The controller's socket can go silent without closing, so the stream pings it every
//! [`heartbeat`](Events::heartbeat) (30 s) and takes a connection that sent no frame at all
//! (message, ping or pong) for two heartbeats as dropped. After a drop (a close frame, an error,
//! the end of the connection, a missed heartbeat) it reconnects, waiting a capped exponential
//! backoff with jitter ([`reconnect_backoff`](Events::reconnect_backoff): from 1 s, doubling,
//! up to 30 s). The backoff starts over once a connection has proved healthy by sending a frame.
//! Messages sent while no connection is open are lost: the controller does not replay them.
//!
//! When the controller refuses the handshake with HTTP 401 or 403, the session has expired: the
//! stream logs in again once, through the client's single login in flight (so concurrent HTTP
//! callers share that login), and reconnects at once.
//!
//! # Errors
//!
//! Errors are items of the stream; they don't end it, except a fatal one:
//!
//! - a frame that is not JSON, or a message of a modelled kind whose data has the wrong shape,
//!   is an [`Error::Decode`] item, and the stream goes on with the next frame. Any other JSON is
//!   an `Ok` item: a message of a kind this crate does not model is [`EventMessage::Other`];
//! - failed connection attempts are retried silently (logged with `tracing`), but after
//!   [`failures_before_error`](Events::failures_before_error) (5) consecutive failures the last
//!   one is yielded as an `Err` item, and again after every further 5, while the stream keeps
//!   trying: the consumer learns that the controller is unreachable without having to start
//!   over when it comes back;
//! - fatal errors end the stream after being yielded: rejected credentials
//!   ([`Error::is_invalid_credentials`]), a rejected API key ([`Error::Unauthorized`]), a
//!   handshake answered with another 4xx than 401, 403, 408 or 429 (e.g. 404 for an unknown
//!   site or endpoint, as [`Error::Http`]) and bad configuration ([`Error::Config`]).
//!
//! # Ending
//!
//! Drop the stream to end it: nothing runs in the background (no task is spawned), so dropping
//! it closes the connection and stops every timer at once.
//!
//! [`Stream`]: futures::Stream

mod connect;
mod message;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::{BoxStream, FusedStream};
use futures::{SinkExt, Stream, StreamExt};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tracing::Instrument;

pub(crate) use connect::{ConnectOptions, SessionHeaders};
pub use message::{ConfigChange, ControllerEvent, EventMessage, Station};

use crate::client::UnifiClient;
use crate::error::{Error, Result};
use connect::{Failure, Socket, ws_error};

/// Default ping interval of [`Events::heartbeat`].
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(30);

/// The live events of one site, to be set up and turned into a [`stream`](Events::stream):
/// `unifi.site("default").events()`. See the [module](self) for how the stream behaves.
#[derive(Debug, Clone)]
#[must_use = "call .stream() to receive the events"]
pub struct Events {
    client: UnifiClient,
    site: String,
    settings: Settings,
}

#[derive(Debug, Clone)]
struct Settings {
    heartbeat: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
    failures_before_error: u32,
}

impl Events {
    pub(crate) fn new(client: UnifiClient, site: String) -> Self {
        Self {
            client,
            site,
            settings: Settings {
                heartbeat: DEFAULT_HEARTBEAT,
                initial_backoff: Duration::from_secs(1),
                max_backoff: Duration::from_secs(30),
                failures_before_error: 5,
            },
        }
    }

    /// How often to ping the controller (default 30 s, at least 1 ms). A connection that sends
    /// no frame for twice this long is taken as dropped and replaced.
    pub fn heartbeat(mut self, every: Duration) -> Self {
        self.settings.heartbeat = every.max(Duration::from_millis(1));
        self
    }

    /// The wait before reconnecting: `initial` after a drop, doubling after each consecutive
    /// failure up to `max`, each wait randomised between 50% and 100% of its value
    /// (default 1 s up to 30 s).
    pub fn reconnect_backoff(mut self, initial: Duration, max: Duration) -> Self {
        // A zero wait would reconnect in a tight loop against a controller that is down.
        let initial = initial.max(Duration::from_millis(10));
        self.settings.initial_backoff = initial;
        self.settings.max_backoff = max.max(initial);
        self
    }

    /// After how many consecutive failed connection attempts the last failure is yielded as
    /// an `Err` item (default 5, at least 1); the stream keeps trying all the same.
    pub fn failures_before_error(mut self, n: u32) -> Self {
        self.settings.failures_before_error = n.max(1);
        self
    }

    /// The stream of the site's events. It connects when first polled, reconnects by itself,
    /// and ends when dropped or after a fatal error.
    pub fn stream(self) -> EventStream {
        let pump = Pump {
            client: self.client,
            site: self.site,
            settings: self.settings,
            tls: None,
            connection: None,
            failures: 0,
            attempts: 0,
            wait: None,
            relogged: false,
            finished: false,
        };
        let inner = futures::stream::unfold(pump, |mut pump| async move {
            let item = pump.next().await?;
            Some((item, pump))
        })
        .boxed();
        EventStream {
            inner,
            terminated: false,
        }
    }
}

/// The live events of a site, from [`Events::stream`]: a [`Stream`] of
/// `Result<`[`EventMessage`]`>` that connects, pings and reconnects by itself. See the
/// [module](self) for which errors it yields and when it ends.
#[must_use = "streams do nothing unless polled"]
pub struct EventStream {
    inner: BoxStream<'static, Result<EventMessage>>,
    terminated: bool,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("terminated", &self.terminated)
            .finish_non_exhaustive()
    }
}

impl Stream for EventStream {
    type Item = Result<EventMessage>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.terminated {
            return Poll::Ready(None);
        }
        let polled = self.inner.as_mut().poll_next(cx);
        if let Poll::Ready(None) = polled {
            self.terminated = true;
        }
        polled
    }
}

impl FusedStream for EventStream {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

/// The state behind an [`EventStream`]: the connection, if one is open, and the reconnection
/// bookkeeping.
struct Pump {
    client: UnifiClient,
    site: String,
    settings: Settings,
    tls: Option<Arc<rustls::ClientConfig>>,
    connection: Option<Connection>,
    /// Consecutive failures: attempts that failed and connections that dropped before sending
    /// a frame. Zero again once a connection sends one.
    failures: u32,
    /// Connection attempts so far, for the span.
    attempts: u64,
    /// How long to wait before the next attempt.
    wait: Option<Duration>,
    /// Whether the session was renewed for this stream since a connection last proved healthy.
    relogged: bool,
    finished: bool,
}

impl Pump {
    /// The next item: `None` only after a fatal error.
    async fn next(&mut self) -> Option<Result<EventMessage>> {
        loop {
            if self.finished {
                return None;
            }
            if let Some(connection) = &mut self.connection {
                let span = connection.span.clone();
                let read = connection
                    .read(self.settings.heartbeat)
                    .instrument(span.clone())
                    .await;
                if connection.healthy {
                    self.failures = 0;
                    self.relogged = false;
                }
                match read {
                    Read::Message(item) => return Some(item),
                    Read::Dropped(error) => {
                        let healthy = connection.healthy;
                        self.connection = None;
                        if healthy {
                            let wait = self.backoff(0);
                            span.in_scope(|| {
                                tracing::warn!(%error, ?wait, "UniFi events connection dropped; reconnecting")
                            });
                            self.wait = Some(wait);
                        } else if let Some(error) = self.failed(error, &span) {
                            return Some(Err(error));
                        }
                        continue;
                    }
                }
            }
            if let Some(wait) = self.wait.take() {
                tokio::time::sleep(wait).await;
            }
            self.attempts += 1;
            let span =
                tracing::info_span!("unifi.events", site = %self.site, attempt = self.attempts);
            let opened = connect::open(&self.client, &self.site, &mut self.tls, &mut self.relogged)
                .instrument(span.clone())
                .await;
            match opened {
                Ok(socket) => {
                    span.in_scope(|| tracing::debug!("UniFi events connection open"));
                    self.connection = Some(Connection::new(socket, self.settings.heartbeat, span));
                }
                Err(Failure::Fatal(error)) => {
                    span.in_scope(
                        || tracing::warn!(%error, "UniFi events stream ends: retrying cannot help"),
                    );
                    self.finished = true;
                    return Some(Err(error));
                }
                Err(Failure::Transient(error)) => {
                    if let Some(error) = self.failed(error, &span) {
                        return Some(Err(error));
                    }
                }
            }
        }
    }

    /// Counts a failure and sets the wait before the next attempt; answers the error when it
    /// is to be yielded.
    fn failed(&mut self, error: Error, span: &tracing::Span) -> Option<Error> {
        let wait = self.backoff(self.failures);
        self.failures = self.failures.saturating_add(1);
        self.wait = Some(wait);
        let failures = self.failures;
        span.in_scope(
            || tracing::warn!(%error, failures, ?wait, "UniFi events connection failed; retrying"),
        );
        failures
            .is_multiple_of(self.settings.failures_before_error)
            .then_some(error)
    }

    /// The wait before retry `retry` (0 after a healthy connection dropped).
    fn backoff(&self, retry: u32) -> Duration {
        optima_http::RetryPolicy::default()
            .base_delay(self.settings.initial_backoff)
            .max_delay(self.settings.max_backoff)
            .backoff(retry + 1)
    }
}

/// One open WebSocket and its heartbeat.
struct Connection {
    socket: Socket,
    ticker: Interval,
    last_frame: Instant,
    /// Whether the controller sent a frame on this connection.
    healthy: bool,
    span: tracing::Span,
}

enum Read {
    Message(Result<EventMessage>),
    Dropped(Error),
}

impl Connection {
    fn new(socket: Socket, heartbeat: Duration, span: tracing::Span) -> Self {
        let now = Instant::now();
        let mut ticker = tokio::time::interval_at(now + heartbeat, heartbeat);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            socket,
            ticker,
            last_frame: now,
            healthy: false,
            span,
        }
    }

    /// Reads until a message arrives or the connection is found dropped, pinging on the way.
    async fn read(&mut self, heartbeat: Duration) -> Read {
        // The silence counts while we wait for the controller, not while the consumer was busy
        // with the last message.
        self.last_frame = Instant::now();
        loop {
            tokio::select! {
                // Frames already received come before the heartbeat's verdict.
                biased;
                frame = self.socket.next() => {
                    let frame = match frame {
                        Some(Ok(frame)) => frame,
                        Some(Err(e)) => return Read::Dropped(ws_error("the connection broke", Some(e))),
                        None => return Read::Dropped(ws_error("the controller closed the connection", None)),
                    };
                    self.last_frame = Instant::now();
                    self.healthy = true;
                    match frame {
                        Message::Text(text) => {
                            return Read::Message(EventMessage::from_json(text.as_str()));
                        }
                        Message::Binary(bytes) => {
                            let parsed = serde_json::from_slice(&bytes).map_err(|source| {
                                Error::Decode { path: ".".into(), source }
                            });
                            return Read::Message(parsed.and_then(EventMessage::from_value));
                        }
                        Message::Close(frame) => {
                            let why = frame
                                .map(|f| format!(" ({} {})", u16::from(f.code), f.reason.as_str()))
                                .unwrap_or_default();
                            return Read::Dropped(ws_error(
                                format!("the controller closed the connection{why}"),
                                None,
                            ));
                        }
                        // tungstenite answers pings by itself.
                        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                    }
                }
                _ = self.ticker.tick() => {
                    let silent = self.last_frame.elapsed();
                    if silent >= heartbeat.saturating_mul(2) {
                        return Read::Dropped(ws_error(
                            format!("no frame from the controller for {silent:?}"),
                            None,
                        ));
                    }
                    let ping = self.socket.send(Message::Ping(Default::default()));
                    match tokio::time::timeout(heartbeat, ping).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            return Read::Dropped(ws_error("could not send a ping", Some(e)));
                        }
                        Err(_) => {
                            return Read::Dropped(ws_error("a ping could not be sent in time", None));
                        }
                    }
                }
            }
        }
    }
}
