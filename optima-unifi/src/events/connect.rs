//! Opening one events WebSocket with the client's session and TLS choices, and telling the
//! failures that retrying may cure from those it cannot.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::client::UnifiClient;
use crate::error::{Error, Result, truncate_body};
use crate::http::TlsOptions;
use optima_http::StatusCode;
use optima_http::segment as seg;

/// An open events WebSocket.
pub(crate) type Socket = WebSocketStream<Box<dyn Io>>;

/// The client's TLS choices, kept by the client for its events WebSockets, and the timeouts
/// and `User-Agent` of a handshake, from its HTTP settings.
#[derive(Debug, Clone)]
pub(crate) struct ConnectOptions {
    verify_tls: bool,
    pin_sha256: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
}

impl ConnectOptions {
    /// The TLS choices and the timeouts and `User-Agent` of the client's HTTP settings.
    pub(crate) fn new(tls: &TlsOptions, transport: &optima_http::Transport) -> Self {
        Self {
            verify_tls: tls.verify,
            pin_sha256: tls.pin_sha256.clone(),
            connect_timeout: transport.connect_timeout(),
            timeout: transport.timeout(),
            user_agent: transport.user_agent().to_owned(),
        }
    }
}

/// Where and with what an events WebSocket authenticates; made by the client.
#[derive(Debug)]
pub(crate) struct SessionHeaders {
    /// The Network application's root URL (`https://console/proxy/network` on UniFi OS).
    pub(crate) root: String,
    /// The generation of the session whose cookies `headers` carry (0 with an API key).
    pub(crate) generation: u64,
    /// `cookie` and `x-csrf-token`, or `x-api-key` (names in lowercase).
    pub(crate) headers: Vec<(&'static str, SecretString)>,
}

/// Why a connection could not be opened.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Trying again later may work (the controller is down, restarting, unreachable …).
    Transient(Error),
    /// Trying again cannot work (rejected credentials or API key, no such endpoint, bad
    /// configuration): the stream ends.
    Fatal(Error),
}

/// A WebSocket failure below HTTP, as the crate's error. tungstenite's messages carry no
/// headers, so no secret.
pub(crate) fn ws_error(
    message: impl Into<String>,
    source: Option<tokio_tungstenite::tungstenite::Error>,
) -> Error {
    Error::WebSocket {
        message: message.into(),
        source: source.map(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
    }
}

/// `{root}/wss/s/{site}/events`, with `http(s)` turned into `ws(s)`.
pub(crate) fn events_url(root: &str, site: &str) -> Result<String> {
    let rest = if let Some(rest) = root.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = root.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        return Err(Error::Config(format!(
            "the controller URL {root:?} is neither http nor https"
        )));
    };
    Ok(format!("{rest}/wss/s/{}/events", seg(site)))
}

/// Opens the events WebSocket of `site`: logs in when no session is open, and, when the
/// controller refuses the session (HTTP 401/403, it expired), logs in again and retries, once
/// until a connection proves healthy (`relogged`, kept by the stream, says it was done): a
/// refusal that outlives a fresh login is not an expired session, and logging in on every
/// reconnect would get every caller of the shared session throttled. A 403 then ends the
/// stream (the account may not see the site); a 401 is retried later without a login.
/// `tls` caches the rustls configuration across attempts.
pub(crate) async fn open(
    client: &UnifiClient,
    site: &str,
    tls: &mut Option<Arc<rustls::ClientConfig>>,
    relogged: &mut bool,
) -> Result<Socket, Failure> {
    loop {
        let session = client.events_session().await.map_err(classify)?;
        let url = events_url(&session.root, site).map_err(Failure::Fatal)?;
        match handshake(client, &url, &session, tls).await {
            Err(Refused { status, body }) => {
                let error = Error::Http { status, body };
                if client.uses_api_key() {
                    return Err(Failure::Fatal(if status == StatusCode::FORBIDDEN {
                        error
                    } else {
                        Error::Unauthorized { envelope: None }
                    }));
                }
                if *relogged {
                    // Refused after a fresh login: not (only) an expired session.
                    return Err(if status == StatusCode::FORBIDDEN {
                        Failure::Fatal(error)
                    } else {
                        Failure::Transient(error)
                    });
                }
                *relogged = true;
                tracing::debug!(
                    status = status.as_u16(),
                    "UniFi events session refused; logging in again"
                );
                client
                    .events_session_expired(session.generation)
                    .await
                    .map_err(classify)?;
            }
            Err(Other(failure)) => return Err(failure),
            Ok(socket) => return Ok(socket),
        }
    }
}

/// Why a handshake failed.
enum HandshakeError {
    /// HTTP 401 or 403: the session (or key) was refused.
    Refused {
        status: StatusCode,
        body: String,
    },
    Other(Failure),
}
use HandshakeError::{Other, Refused};

async fn handshake(
    client: &UnifiClient,
    url: &str,
    session: &SessionHeaders,
    tls: &mut Option<Arc<rustls::ClientConfig>>,
) -> Result<Socket, HandshakeError> {
    let options = client.events_options();
    let fatal = |e: Error| Other(Failure::Fatal(e));
    let parsed = url::Url::parse(url)
        .map_err(|e| fatal(Error::Config(format!("invalid events URL {url:?}: {e}"))))?;
    let (Some(host), Some(port)) = (parsed.host(), parsed.port_or_known_default()) else {
        return Err(fatal(Error::Config(format!(
            "invalid events URL {url:?}: no host"
        ))));
    };
    let host = match host {
        url::Host::Domain(d) => d.to_owned(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    let tls_config = if parsed.scheme() == "wss" {
        Some(tls_config(tls, options).map_err(fatal)?)
    } else {
        None
    };
    let server_name = match tls_config {
        Some(_) => Some(ServerName::try_from(host.clone()).map_err(|_| {
            fatal(Error::Config(format!(
                "{host:?} is not a valid TLS server name"
            )))
        })?),
        None => None,
    };
    let key = generate_key();
    let request = request(&parsed, &key, &options.user_agent, session).map_err(fatal)?;
    let exchange = async {
        let tcp = tokio::time::timeout(
            options.connect_timeout,
            TcpStream::connect((host.as_str(), port)),
        )
        .await
        .map_err(|_| {
            transient(format!(
                "no connection within {:?}",
                options.connect_timeout
            ))
        })?
        .map_err(|e| transient_io("could not connect", e))?;
        let _ = tcp.set_nodelay(true);
        let mut io: Box<dyn Io> = match (tls_config, server_name) {
            (Some(config), Some(name)) => Box::new(
                tokio_rustls::TlsConnector::from(config)
                    .connect(name, tcp)
                    .await
                    .map_err(tls_failure)?,
            ),
            _ => Box::new(tcp),
        };
        io.write_all(request.as_bytes())
            .await
            .map_err(|e| transient_io("could not send the handshake", e))?;
        io.flush()
            .await
            .map_err(|e| transient_io("could not send the handshake", e))?;
        let (head, rest) = read_head(&mut io).await?;
        Ok::<_, HandshakeError>((io, head, rest))
    };
    let (mut io, head, rest) = tokio::time::timeout(options.timeout, exchange)
        .await
        .map_err(|_| transient(format!("no handshake within {:?}", options.timeout)))??;
    if head.status != 101 {
        let body = read_body(&mut io, &head, rest).await;
        let body = truncate_body(&body);
        let Ok(status) = StatusCode::from_u16(head.status) else {
            return Err(transient(format!(
                "the controller answered with status {}",
                head.status
            )));
        };
        return Err(match head.status {
            401 | 403 => Refused { status, body },
            // No such site or endpoint, or a request the controller will never take.
            400..=499 if !matches!(head.status, 408 | 429) => fatal(Error::Http { status, body }),
            _ => Other(Failure::Transient(Error::Http { status, body })),
        });
    }
    let upgraded = head
        .header("upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    if !upgraded || head.header("sec-websocket-accept") != Some(&derive_accept_key(key.as_bytes()))
    {
        return Err(transient(
            "the controller answered 101 but not a WebSocket upgrade".to_owned(),
        ));
    }
    Ok(WebSocketStream::from_partially_read(io, rest, Role::Client, None).await)
}

/// The rustls configuration of `options`, made once per stream.
fn tls_config(
    cache: &mut Option<Arc<rustls::ClientConfig>>,
    options: &ConnectOptions,
) -> Result<Arc<rustls::ClientConfig>> {
    if let Some(config) = cache {
        return Ok(config.clone());
    }
    let config = Arc::new(crate::tls::client_config(
        options.verify_tls,
        options.pin_sha256.as_deref(),
    )?);
    *cache = Some(config.clone());
    Ok(config)
}

/// The upgrade request, with the session's cookies (and CSRF token) or API key. It is written
/// here rather than by tungstenite, which would log it whole, cookies included, at trace level;
/// nothing logs it.
fn request(
    url: &url::Url,
    key: &str,
    user_agent: &str,
    session: &SessionHeaders,
) -> Result<String> {
    let host = url.host_str().unwrap_or_default();
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let mut request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\nUser-Agent: {}\r\n",
        user_agent.replace(['\r', '\n'], " "),
    );
    for (name, value) in &session.headers {
        let value = value.expose_secret();
        if value.contains(['\r', '\n']) {
            return Err(Error::Config(format!(
                "the {name} header holds a line break"
            )));
        }
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    Ok(request)
}

/// The status line and headers of the handshake's answer.
struct Head {
    status: u16,
    /// Header names in lowercase.
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The longest handshake answer head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// Reads the answer's head; answers it and the bytes read past it (the first frames, maybe).
async fn read_head(io: &mut Box<dyn Io>) -> Result<(Head, Vec<u8>), HandshakeError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Err(transient("the handshake answer's head is too long".into()));
        }
        let n = io
            .read(&mut chunk)
            .await
            .map_err(|e| transient_io("could not read the handshake answer", e))?;
        if n == 0 {
            return Err(transient(
                "the connection closed during the handshake".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let rest = buf.split_off(end + 4);
    let text = String::from_utf8_lossy(&buf[..end]);
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.strip_prefix("HTTP/1."))
        .and_then(|l| l.get(2..5))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| transient("the handshake answer is not HTTP/1.x".into()))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok((Head { status, headers }, rest))
}

/// The start of a refusal's body (what fits the error), read briefly: bytes already read and
/// up to `Content-Length` more, at most 512.
async fn read_body(io: &mut Box<dyn Io>, head: &Head, mut body: Vec<u8>) -> Vec<u8> {
    let wanted = head
        .header("content-length")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0)
        .min(512);
    let mut chunk = [0u8; 512];
    // One second for the whole body, however slowly it trickles in.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while body.len() < wanted {
            match io.read(&mut chunk).await {
                Ok(n) if n > 0 => body.extend_from_slice(&chunk[..n]),
                _ => break,
            }
        }
    })
    .await;
    body.truncate(512);
    body
}

/// A byte stream a WebSocket runs on: TCP, or TLS over TCP.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

fn transient(message: String) -> HandshakeError {
    Other(Failure::Transient(ws_error(message, None)))
}

/// A refused certificate is configuration (verification, the pin): retrying cannot help. Other
/// TLS failures may pass.
fn tls_failure(e: std::io::Error) -> HandshakeError {
    let refused_certificate = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|e| matches!(e, rustls::Error::InvalidCertificate(_)));
    if refused_certificate {
        return Other(Failure::Fatal(Error::WebSocket {
            message: "the controller's certificate was refused (see verify_tls and the pin)"
                .to_owned(),
            source: Some(Box::new(e)),
        }));
    }
    transient_io("the TLS handshake failed", e)
}

fn transient_io(message: &str, e: std::io::Error) -> HandshakeError {
    Other(Failure::Transient(Error::WebSocket {
        message: message.to_owned(),
        source: Some(Box::new(e)),
    }))
}

/// A failure to get a session: rejected credentials and bad configuration are fatal.
fn classify(e: Error) -> Failure {
    if matches!(e, Error::Config(_)) || e.is_invalid_credentials() {
        Failure::Fatal(e)
    } else {
        Failure::Transient(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_follows_the_scheme_and_encodes_the_site() {
        assert_eq!(
            events_url("https://192.168.1.1/proxy/network", "default").unwrap(),
            "wss://192.168.1.1/proxy/network/wss/s/default/events"
        );
        assert_eq!(
            events_url("http://127.0.0.1:8443", "a b").unwrap(),
            "ws://127.0.0.1:8443/wss/s/a%20b/events"
        );
    }

    #[test]
    fn the_request_names_the_host_and_carries_the_session() {
        let session = SessionHeaders {
            root: String::new(),
            generation: 1,
            headers: vec![
                ("cookie", SecretString::from("TOKEN=abc")),
                ("x-csrf-token", SecretString::from("t")),
            ],
        };
        let url = url::Url::parse("wss://[::1]:8443/proxy/network/wss/s/default/events").unwrap();
        let sent = request(&url, "a2V5", "agent", &session).unwrap();
        assert!(sent.starts_with("GET /proxy/network/wss/s/default/events HTTP/1.1\r\n"));
        assert!(sent.contains("\r\nHost: [::1]:8443\r\n"));
        assert!(sent.contains("\r\nSec-WebSocket-Key: a2V5\r\n"));
        assert!(sent.contains("\r\ncookie: TOKEN=abc\r\nx-csrf-token: t\r\n\r\n"));

        let url = url::Url::parse("ws://unifi.local/wss/s/default/events?x=1").unwrap();
        let sent = super::request(&url, "k", "agent", &session).unwrap();
        assert!(
            sent.starts_with("GET /wss/s/default/events?x=1 HTTP/1.1\r\nHost: unifi.local\r\n")
        );

        let smuggled = SessionHeaders {
            headers: vec![("cookie", SecretString::from("a\r\nX-Evil: 1"))],
            ..session
        };
        assert!(matches!(
            super::request(&url, "k", "agent", &smuggled),
            Err(Error::Config(_))
        ));
    }
}
