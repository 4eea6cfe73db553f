//! Live events (`site.events()`) against a local stand-in controller that serves detection,
//! login and the events WebSocket on one port, and drops, silences or refuses connections on
//! cue.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use optima_http::testing::{everything_logged, install_log_capture};
use optima_unifi::events::{ConfigChange, EventMessage, EventStream};
use optima_unifi::testing::{Kind, PASSWORD, USERNAME, csrf_token, quick_retries, session_cookie};
use optima_unifi::{Error, UnifiClient};
use poem::http::{HeaderMap, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::websocket::{Message, WebSocket};
use poem::web::{Data, Json};
use poem::{EndpointExt, IntoResponse, Request, Response, Route, Server, get, handler, post};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// How long a test waits for something that must happen.
const PATIENCE: Duration = Duration::from_secs(10);
const API_KEY: &str = "stand-in-api-key";

/// What the stand-in does with one events handshake, in order of arrival.
enum Cue {
    /// Sends these frames, then drops the connection without a close frame and forgets the
    /// session, so the next handshake with its cookie is refused with 401.
    SendDropExpire(Vec<String>),
    /// Sends these frames, then reads until the client goes away and reports it on `closed`.
    SendAndWait(Vec<String>),
    /// Accepts, then neither sends nor reads (so it answers no ping) until the test ends.
    Silent,
    /// Refuses the handshake with this status.
    Refuse(u16),
}

struct StandIn {
    kind: Kind,
    url: String,
    logins: AtomicUsize,
    /// The session cookie (`name=value`) and CSRF token it accepts; none once expired.
    session: Mutex<Option<(String, String)>>,
    cues: Mutex<VecDeque<Cue>>,
    /// Handshakes accepted.
    upgrades: AtomicUsize,
    /// Handshakes refused with 401 for want of a current session.
    unauthorised: AtomicUsize,
    /// The number of an accepted connection whose client went away.
    closed: mpsc::UnboundedSender<usize>,
}

impl StandIn {
    async fn start(kind: Kind, cues: Vec<Cue>) -> (Arc<Self>, mpsc::UnboundedReceiver<usize>) {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
        let (closed, closed_rx) = mpsc::unbounded_channel();
        let stand_in = Arc::new(Self {
            kind,
            url: format!("http://{addr}"),
            logins: AtomicUsize::new(0),
            session: Mutex::new(None),
            cues: Mutex::new(cues.into()),
            upgrades: AtomicUsize::new(0),
            unauthorised: AtomicUsize::new(0),
            closed,
        });
        let app = Route::new()
            .at("/", get(detect))
            .at(kind.login_path(), post(login))
            .at(kind.api("/wss/s/default/events"), get(events_socket))
            .data(stand_in.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        (stand_in, closed_rx)
    }

    fn client(&self) -> UnifiClient {
        quick_retries(
            UnifiClient::builder()
                .url(&self.url)
                .username(USERNAME)
                .password(PASSWORD.into()),
        )
        .build()
        .unwrap()
    }

    fn api_key_client(&self) -> UnifiClient {
        quick_retries(
            UnifiClient::builder()
                .url(&self.url)
                .api_key(SecretString::from(API_KEY)),
        )
        .build()
        .unwrap()
    }

    /// The current session's cookie is in the `Cookie` header (and, on UniFi OS, its CSRF
    /// token in `X-CSRF-Token`), or the API key in `X-API-KEY`.
    fn authorised(&self, headers: &HeaderMap) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if header("x-api-key") == Some(API_KEY) {
            return true;
        }
        let Some((cookie, csrf)) = self.session.lock().unwrap().clone() else {
            return false;
        };
        let has_cookie = header("cookie").is_some_and(|c| c.split(';').any(|c| c.trim() == cookie));
        let has_csrf = self.kind == Kind::Classic || header("x-csrf-token") == Some(&csrf);
        has_cookie && has_csrf
    }

    fn logins(&self) -> usize {
        self.logins.load(Ordering::SeqCst)
    }
}

#[handler]
async fn detect(Data(s): Data<&Arc<StandIn>>) -> Response {
    match s.kind {
        Kind::Classic => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", "/manage")
            .finish(),
        Kind::UnifiOs => "<!doctype html><title>UniFi OS</title>".into_response(),
    }
}

#[handler]
async fn login(Data(s): Data<&Arc<StandIn>>, Json(body): Json<Value>) -> Response {
    if body["password"] != PASSWORD {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
    let cookie = session_cookie(s.kind, n);
    *s.session.lock().unwrap() = Some((cookie.clone(), csrf_token(n)));
    let answer = Response::builder()
        .header("set-cookie", format!("{cookie}; path=/; httponly"))
        .content_type("application/json");
    match s.kind {
        Kind::Classic => answer
            .header(
                "set-cookie",
                format!("csrf_token={}; path=/", csrf_token(n)),
            )
            .body(json!({"meta": {"rc": "ok"}, "data": []}).to_string()),
        Kind::UnifiOs => answer
            .header("x-csrf-token", csrf_token(n))
            .body(json!({"username": USERNAME}).to_string()),
    }
}

#[handler]
async fn events_socket(req: &Request, ws: WebSocket, Data(s): Data<&Arc<StandIn>>) -> Response {
    let cue = s.cues.lock().unwrap().pop_front();
    if let Some(Cue::Refuse(status)) = cue {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    if !s.authorised(req.headers()) {
        s.unauthorised.fetch_add(1, Ordering::SeqCst);
        // Not this handshake's cue: keep it for the next one.
        if let Some(cue) = cue {
            s.cues.lock().unwrap().push_front(cue);
        }
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let n = s.upgrades.fetch_add(1, Ordering::SeqCst) + 1;
    let s = s.clone();
    let cue = cue.unwrap_or(Cue::SendAndWait(Vec::new()));
    ws.on_upgrade(move |mut socket| async move {
        match cue {
            Cue::SendDropExpire(frames) => {
                for f in frames {
                    socket.send(Message::Text(f)).await.unwrap();
                }
                *s.session.lock().unwrap() = None;
                // Dropping the socket ends the connection mid-stream, without a close frame.
            }
            Cue::SendAndWait(frames) => {
                for f in frames {
                    socket.send(Message::Text(f)).await.unwrap();
                }
                while let Some(Ok(frame)) = socket.next().await {
                    if frame.is_close() {
                        break;
                    }
                }
                let _ = s.closed.send(n);
            }
            Cue::Silent => {
                std::future::pending::<()>().await;
                drop(socket);
            }
            Cue::Refuse(_) => unreachable!("refused before the upgrade"),
        }
    })
    .into_response()
}

/// A text frame of the controller: `{"meta": {"rc": "ok", "message": kind}, "data": data}`.
fn frame(kind: &str, data: Value) -> String {
    json!({"meta": {"rc": "ok", "message": kind}, "data": data}).to_string()
}

async fn next_message(events: &mut EventStream) -> EventMessage {
    timeout(PATIENCE, events.next())
        .await
        .expect("a message in time")
        .expect("the stream goes on")
        .expect("a message, not an error")
}

fn quick(events: optima_unifi::Events) -> EventStream {
    events
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(50))
        .stream()
}

/// Messages arrive in order and typed, an unknown kind is kept with its data, a connection
/// dropped mid-stream is replaced, a session expired meanwhile is renewed with exactly one more
/// login, and dropping the stream closes the connection.
async fn survives_a_drop_and_an_expired_session(kind: Kind) {
    let speed_test = json!([{"status_summary": 3, "xput_download": 512.5, "new": {"a": 1}}]);
    let first = vec![
        frame(
            "device:sync",
            json!([{"mac": "f4:e2:c6:00:00:01", "type": "uap", "name": "Lobby AP", "state": 1}]),
        ),
        frame("speed-test:update", speed_test.clone()),
        frame(
            "events",
            json!([{"key": "EVT_WU_Connected", "user": "3c:22:fb:00:00:02", "ap": "f4:e2:c6:00:00:01",
                    "ssid": "Office", "msg": "User connected", "time": 1_700_000_000_000_i64,
                    "subsystem": "wlan"}]),
        ),
    ];
    let second = vec![
        frame(
            "sta:sync",
            json!([{"mac": "3c:22:fb:00:00:02", "hostname": "laptop", "is_wired": false}]),
        ),
        frame("wlanconf:sync", json!([{"_id": "w1", "name": "Office"}])),
    ];
    let (stand_in, mut closed) = StandIn::start(
        kind,
        vec![Cue::SendDropExpire(first), Cue::SendAndWait(second)],
    )
    .await;
    install_log_capture();
    let unifi = stand_in.client();
    let mut events = quick(unifi.site("default").events());

    let mut received = Vec::new();
    for _ in 0..5 {
        received.push(next_message(&mut events).await);
    }
    let kinds: Vec<String> = received.iter().map(|m| m.kind().into_owned()).collect();
    assert_eq!(
        kinds,
        [
            "device:sync",
            "speed-test:update",
            "events",
            "sta:sync",
            "wlanconf:sync"
        ]
    );
    let EventMessage::DeviceSync(devices) = &received[0] else {
        panic!("{:?}", received[0])
    };
    assert_eq!(devices[0].name.as_deref(), Some("Lobby AP"));
    assert!(devices[0].is_access_point());
    let EventMessage::Other { kind: k, data, .. } = &received[1] else {
        panic!("{:?}", received[1])
    };
    assert_eq!(k, "speed-test:update");
    assert_eq!(Value::Array(data.clone()), speed_test);
    let EventMessage::Events(controller_events) = &received[2] else {
        panic!("{:?}", received[2])
    };
    assert_eq!(
        controller_events[0].key.as_deref(),
        Some("EVT_WU_Connected")
    );
    assert_eq!(controller_events[0].client_mac(), Some("3c:22:fb:00:00:02"));
    let EventMessage::ClientSync(stations) = &received[3] else {
        panic!("{:?}", received[3])
    };
    assert_eq!(stations[0].hostname.as_deref(), Some("laptop"));
    assert!(matches!(
        &received[4],
        EventMessage::WlanConf { change: ConfigChange::Changed, wlans } if wlans[0].name.as_deref() == Some("Office")
    ));

    assert_eq!(
        stand_in.logins(),
        2,
        "exactly one login more, after the expiry"
    );
    assert_eq!(stand_in.unauthorised.load(Ordering::SeqCst), 1);
    assert_eq!(stand_in.upgrades.load(Ordering::SeqCst), 2);

    drop(events);
    let gone = timeout(PATIENCE, closed.recv())
        .await
        .expect("the stand-in sees the connection closed once the stream is dropped");
    assert_eq!(gone, Some(2));

    // Every level, `log` records included (tungstenite's, for one).
    let logs = everything_logged();
    assert!(
        logs.contains("unifi.events") && logs.contains("reconnecting"),
        "the connections are logged:\n{logs}"
    );
    for secret in [
        session_cookie(kind, 1),
        session_cookie(kind, 2),
        csrf_token(1),
        csrf_token(2),
        PASSWORD.to_owned(),
    ] {
        assert!(!logs.contains(&secret), "{secret} was logged");
    }
}

#[tokio::test]
async fn unifi_os_stream_survives_a_drop_and_an_expired_session() {
    survives_a_drop_and_an_expired_session(Kind::UnifiOs).await;
}

#[tokio::test]
async fn classic_stream_survives_a_drop_and_an_expired_session() {
    survives_a_drop_and_an_expired_session(Kind::Classic).await;
}

/// A connection that goes silent (no frame, no pong) is found out by the heartbeat and
/// replaced; the session, still valid, is kept.
#[tokio::test]
async fn the_heartbeat_replaces_a_silent_connection() {
    let device = frame("device:sync", json!([{"mac": "f4:e2:c6:00:00:01"}]));
    let (stand_in, mut closed) = StandIn::start(
        Kind::UnifiOs,
        vec![Cue::Silent, Cue::SendAndWait(vec![device])],
    )
    .await;
    let unifi = stand_in.client();
    let mut events = quick(
        unifi
            .site("default")
            .events()
            .heartbeat(Duration::from_millis(50)),
    );

    let message = next_message(&mut events).await;
    assert!(matches!(message, EventMessage::DeviceSync(ref d) if d.len() == 1));
    assert_eq!(stand_in.upgrades.load(Ordering::SeqCst), 2);
    assert_eq!(stand_in.logins(), 1);
    assert_eq!(stand_in.unauthorised.load(Ordering::SeqCst), 0);

    // The second connection answers pings, so it stays up until the stream is dropped.
    drop(events);
    let gone = timeout(PATIENCE, closed.recv()).await.unwrap();
    assert_eq!(gone, Some(2));
}

/// With an API key the handshake carries `X-API-KEY` and no login ever happens.
#[tokio::test]
async fn an_api_key_opens_the_socket_without_a_login() {
    let (stand_in, _closed) = StandIn::start(
        Kind::UnifiOs,
        vec![Cue::SendAndWait(vec![frame(
            "device:update",
            json!([{"mac": "a"}]),
        )])],
    )
    .await;
    let unifi = stand_in.api_key_client();
    let mut events = quick(unifi.site("default").events());
    assert!(matches!(
        next_message(&mut events).await,
        EventMessage::DeviceUpdate(_)
    ));
    assert_eq!(stand_in.logins(), 0);
}

/// Failed attempts are retried; after `failures_before_error` of them in a row the last one is
/// an error item, and the stream goes on.
#[tokio::test]
async fn repeated_failures_are_reported_and_the_stream_goes_on() {
    let (stand_in, _closed) = StandIn::start(
        Kind::UnifiOs,
        vec![
            Cue::Refuse(503),
            Cue::Refuse(502),
            Cue::SendAndWait(vec![frame("alert", json!([{"key": "EVT_IPS_IpsAlert"}]))]),
        ],
    )
    .await;
    let unifi = stand_in.client();
    let mut events = quick(unifi.site("default").events().failures_before_error(2));
    let first = timeout(PATIENCE, events.next()).await.unwrap().unwrap();
    assert!(
        matches!(first, Err(Error::Http { status, .. }) if status == StatusCode::BAD_GATEWAY),
        "{first:?}"
    );
    assert!(matches!(
        next_message(&mut events).await,
        EventMessage::Alerts(ref a) if a[0].key.as_deref() == Some("EVT_IPS_IpsAlert")
    ));
}

/// A handshake retrying cannot cure (here 404: no such site) is yielded, and the stream ends.
#[tokio::test]
async fn an_unknown_site_ends_the_stream_with_its_error() {
    let (stand_in, _closed) = StandIn::start(Kind::UnifiOs, Vec::new()).await;
    let unifi = stand_in.client();
    let mut events = quick(unifi.site("nowhere").events());
    let first = timeout(PATIENCE, events.next()).await.unwrap();
    assert!(
        matches!(first, Some(Err(Error::Http { status, .. })) if status == StatusCode::NOT_FOUND),
        "{first:?}"
    );
    assert!(timeout(PATIENCE, events.next()).await.unwrap().is_none());
    assert_eq!(stand_in.upgrades.load(Ordering::SeqCst), 0);
}

/// A frame that is not JSON is an error item; the stream goes on with the next frame.
#[tokio::test]
async fn a_frame_that_is_not_json_does_not_end_the_stream() {
    let (stand_in, _closed) = StandIn::start(
        Kind::UnifiOs,
        vec![Cue::SendAndWait(vec![
            "this is not JSON".into(),
            frame("device:sync", json!([])),
        ])],
    )
    .await;
    let unifi = stand_in.client();
    let mut events = quick(unifi.site("default").events());
    let first = timeout(PATIENCE, events.next()).await.unwrap().unwrap();
    assert!(matches!(first, Err(Error::Decode { .. })), "{first:?}");
    assert!(matches!(
        next_message(&mut events).await,
        EventMessage::DeviceSync(ref d) if d.is_empty()
    ));
}

/// A `wss://` stand-in with a self-signed certificate (for `localhost` and 127.0.0.1) that
/// sends one `device:sync` to every WebSocket it accepts. Only the socket: the tests using it
/// give the kind and an API key, so nothing else is asked.
async fn tls_stand_in() -> String {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let cert = CertificateDer::from(include_bytes!("data/self-signed.der").to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        include_bytes!("data/self-signed.key.der").to_vec(),
    ));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
                    return;
                };
                let device = frame("device:sync", json!([{"mac": "f4:e2:c6:00:00:01"}]));
                let _ = ws
                    .send(tokio_tungstenite::tungstenite::Message::text(device))
                    .await;
                while let Some(Ok(_)) = ws.next().await {}
            });
        }
    });
    format!("https://{addr}")
}

/// The first item of the events of `default` through a client made by `tls` (an API key and
/// the UniFi OS kind are added), reporting the first failure.
async fn first_item_over_tls(
    url: &str,
    tls: impl FnOnce(optima_unifi::UnifiClientBuilder) -> optima_unifi::UnifiClientBuilder,
) -> optima_unifi::Result<EventMessage> {
    let builder = UnifiClient::builder()
        .url(url)
        .api_key(SecretString::from(API_KEY))
        .kind(optima_unifi::ControllerKind::UnifiOs);
    let unifi = tls(builder).build().unwrap();
    let mut events = quick(unifi.site("default").events().failures_before_error(1));
    timeout(PATIENCE, events.next())
        .await
        .expect("an item in time")
        .expect("an item")
}

/// The client's TLS choices carry over to the socket: a self-signed certificate is refused by
/// default, accepted with verification off or with its pin, and refused with another pin.
#[tokio::test]
async fn the_clients_tls_choices_carry_over_to_the_socket() {
    use sha2::{Digest, Sha256};
    let url = tls_stand_in().await;
    let pin: String = Sha256::digest(include_bytes!("data/self-signed.der"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let off = first_item_over_tls(&url, |b| b.verify_tls(false)).await;
    assert!(matches!(off, Ok(EventMessage::DeviceSync(_))), "{off:?}");
    let pinned = first_item_over_tls(&url, |b| b.pin_certificate_sha256(&pin)).await;
    assert!(
        matches!(pinned, Ok(EventMessage::DeviceSync(_))),
        "{pinned:?}"
    );

    let verified = first_item_over_tls(&url, |b| b.verify_tls(true)).await;
    assert!(
        matches!(verified, Err(Error::WebSocket { .. })),
        "a self-signed certificate is refused: {verified:?}"
    );
    let other_pin = first_item_over_tls(&url, |b| {
        b.verify_tls(false).pin_certificate_sha256("00".repeat(32))
    })
    .await;
    assert!(
        matches!(other_pin, Err(Error::WebSocket { .. })),
        "another certificate's pin is refused: {other_pin:?}"
    );
}
