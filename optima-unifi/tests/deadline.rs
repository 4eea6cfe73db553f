//! The total deadline of an operation: against a controller that accepts connections and never
//! answers, and a hung login shared by concurrent callers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use optima_unifi::identity::IdentityClient;
use optima_unifi::testing::*;
use optima_unifi::{ControllerKind, Error, LoginBackoff, RetryPolicy, UnifiClient};
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Stops a broken test from hanging the suite; far above every deadline used here.
const HANG_GUARD: Duration = Duration::from_secs(10);

/// Retries and login backoff that would take minutes if the deadline did not bound them.
fn patient(url: &str) -> optima_unifi::UnifiClientBuilder {
    UnifiClient::builder()
        .url(url)
        .username("admin")
        .password(SecretString::from(PASSWORD))
        .retry_policy(RetryPolicy::default().max_attempts(4))
        .login_backoff(LoginBackoff::new(
            4,
            Duration::from_secs(15),
            Duration::from_secs(60),
        ))
        .timeout(Duration::from_secs(60))
}

#[tokio::test]
async fn a_silent_controller_fails_the_call_at_its_deadline() {
    let url = silent_server().await;
    let deadline = Duration::from_millis(500);
    // Auto: the first thing that hangs is detecting the controller kind.
    let unifi = patient(&url).deadline(deadline).build().unwrap();
    let err = tokio::time::timeout(HANG_GUARD, unifi.site("default").health())
        .await
        .expect("the deadline ends the call")
        .unwrap_err();
    match &err {
        Error::DeadlineExceeded { path, deadline: d } => {
            assert_eq!(path, "/api/s/default/stat/health");
            assert_eq!(*d, deadline);
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    assert!(err.is_timeout() && err.is_transient() && err.is_deadline_exceeded());
    assert!(
        !err.to_string().contains(PASSWORD),
        "no secret in the message"
    );

    for result in [
        tokio::time::timeout(HANG_GUARD, unifi.login())
            .await
            .unwrap(),
        tokio::time::timeout(HANG_GUARD, unifi.kind())
            .await
            .unwrap()
            .map(|_| ()),
    ] {
        assert!(result.unwrap_err().is_deadline_exceeded());
    }
}

/// Logins hang (answer after a minute) while `hung` is set, and succeed once it is cleared.
struct SwitchableLogin {
    hung: Arc<AtomicBool>,
    login: LoginResponder,
}

impl Respond for SwitchableLogin {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if self.hung.load(Ordering::SeqCst) {
            ResponseTemplate::new(200).set_delay(Duration::from_secs(60))
        } else {
            self.login.respond(req)
        }
    }
}

#[tokio::test]
async fn a_hung_login_releases_every_waiter_at_its_own_deadline() {
    let server = MockServer::start().await;
    let kind = Kind::Classic;
    let hung = Arc::new(AtomicBool::new(true));
    Mock::given(method("POST"))
        .and(path(kind.login_path()))
        .respond_with(SwitchableLogin {
            hung: hung.clone(),
            login: LoginResponder::new(kind),
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/s/default/stat/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(health())))
        .mount(&server)
        .await;
    let deadline = Duration::from_secs(1);
    let unifi = patient(&server.uri())
        .kind(ControllerKind::Classic)
        .deadline(deadline)
        .build()
        .unwrap();

    // Eight callers behind one login: waiting in turn would take 8 deadlines, more than the
    // guard; waiting side by side takes about one.
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let unifi = unifi.clone();
            tokio::spawn(async move { unifi.site("default").health().await })
        })
        .collect();
    let results = tokio::time::timeout(deadline * 5, futures::future::join_all(callers))
        .await
        .expect("no caller waits for the others' deadlines");
    for result in results {
        let err = result.unwrap().unwrap_err();
        assert!(err.is_deadline_exceeded(), "{err:?}");
    }

    // The abandoned login left nothing locked: once the controller answers, calls succeed.
    hung.store(false, Ordering::SeqCst);
    let health = tokio::time::timeout(HANG_GUARD, unifi.site("default").health())
        .await
        .unwrap()
        .unwrap();
    assert!(!health.is_empty());
}

#[tokio::test]
async fn throttled_login_backoff_counts_against_the_deadline() {
    let server = MockServer::start().await;
    let kind = Kind::Classic;
    Mock::given(method("POST"))
        .and(path(kind.login_path()))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let unifi = patient(&server.uri())
        .kind(ControllerKind::Classic)
        .deadline(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, unifi.site("default").health())
        .await
        .expect("a 15 s login backoff does not outlast the deadline")
        .unwrap_err();
    assert!(err.is_deadline_exceeded(), "{err:?}");
    let logins = server.received_requests().await.unwrap().len();
    assert_eq!(logins, 1, "the deadline ran out during the first backoff");
}

#[tokio::test]
async fn a_quick_controller_is_unaffected_by_a_deadline() {
    let server = MockServer::start().await;
    mount_login(&server, Kind::UnifiOs).await;
    Mock::given(method("GET"))
        .and(path(Kind::UnifiOs.api("/api/s/default/stat/health")))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(health())))
        .mount(&server)
        .await;
    let unifi = quick_retries(
        UnifiClient::builder()
            .url(server.uri())
            .username("admin")
            .password(SecretString::from(PASSWORD)),
    )
    .deadline(Duration::from_secs(30))
    .build()
    .unwrap();
    assert!(!unifi.site("default").health().await.unwrap().is_empty());
}

#[tokio::test]
async fn identity_operations_are_bounded() {
    let url = silent_server().await;
    let identity = IdentityClient::builder()
        .url(url)
        .token(SecretString::from("access-token"))
        .retry_policy(RetryPolicy::default().max_attempts(4))
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, identity.user_resources("u1"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_deadline_exceeded(), "{err:?}");
}
