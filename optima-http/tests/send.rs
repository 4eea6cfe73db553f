//! The send loop against a real HTTP server on loopback (wiremock).

use std::time::Duration;

use optima_http::testing::{capture_logs, http_date_in, retry_delays};
use optima_http::{Error, HttpSettings, Method, RetryPolicy, Service, StatusCode, Transport};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SERVICE: Service = Service::new("test", "optima-http-tests");

fn transport(policy: RetryPolicy) -> Transport {
    HttpSettings::default()
        .retry_policy(policy)
        .timeout(Duration::from_secs(5))
        .build(SERVICE)
        .unwrap()
}

fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::ZERO)
        .jitter(false)
}

async fn send(t: &Transport, m: Method, url: &str) -> Result<optima_http::RawResponse, Error> {
    let http = t.http().clone();
    let url = url.to_owned();
    let m2 = m.clone();
    t.send(&m, "/thing", move || http.request(m2.clone(), &url))
        .await
}

async fn flaky(server: &MockServer, verb: &str, first: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path("/thing"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(verb))
        .and(path("/thing"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_transient_statuses() {
    for verb in [Method::GET, Method::PUT, Method::DELETE] {
        let server = MockServer::start().await;
        flaky(&server, verb.as_str(), ResponseTemplate::new(503)).await;
        let resp = send(
            &transport(quick()),
            verb.clone(),
            &format!("{}/thing", server.uri()),
        )
        .await
        .unwrap();
        assert_eq!(resp.status, StatusCode::OK, "{verb}");
        assert_eq!(server.received_requests().await.unwrap().len(), 2, "{verb}");
    }
}

#[tokio::test]
async fn writes_are_not_retried_unless_the_policy_says_so() {
    let server = MockServer::start().await;
    flaky(&server, "POST", ResponseTemplate::new(503)).await;
    let url = format!("{}/thing", server.uri());
    let resp = send(&transport(quick()), Method::POST, &url).await.unwrap();
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    let server = MockServer::start().await;
    flaky(&server, "POST", ResponseTemplate::new(503)).await;
    let url = format!("{}/thing", server.uri());
    let resp = send(&transport(quick().retry_writes(true)), Method::POST, &url)
        .await
        .unwrap();
    assert_eq!(resp.status, StatusCode::OK);
}

#[tokio::test]
async fn attempts_count_the_first_one() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let url = format!("{}/thing", server.uri());
    let resp = send(&transport(quick().max_attempts(3)), Method::GET, &url)
        .await
        .unwrap();
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    send(&transport(RetryPolicy::none()), Method::GET, &url)
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_service_can_declare_more_statuses_transient() {
    let server = MockServer::start().await;
    flaky(
        &server,
        "GET",
        ResponseTemplate::new(500).set_body_string("Execution Timeout Expired"),
    )
    .await;
    let url = format!("{}/thing", server.uri());
    let plain = send(&transport(quick()), Method::GET, &url).await.unwrap();
    assert_eq!(plain.status, StatusCode::INTERNAL_SERVER_ERROR);

    let server = MockServer::start().await;
    flaky(
        &server,
        "GET",
        ResponseTemplate::new(500).set_body_string("Execution Timeout Expired"),
    )
    .await;
    let url = format!("{}/thing", server.uri());
    let service = SERVICE.transient_when(|status, body| {
        status == StatusCode::INTERNAL_SERVER_ERROR && body.windows(7).any(|w| w == b"Timeout")
    });
    let t = HttpSettings::default()
        .retry_policy(quick())
        .build(service)
        .unwrap();
    assert_eq!(
        send(&t, Method::GET, &url).await.unwrap().status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_connection_refused_is_a_transport_error_naming_service_and_path() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/thing", closed.local_addr().unwrap());
    drop(closed);
    let err = send(&transport(quick().max_attempts(2)), Method::POST, &url)
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("test") && text.contains("/thing"), "{text}");
}

#[tokio::test]
async fn a_hung_server_ends_at_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let t = HttpSettings::default()
        .deadline(Duration::from_millis(200))
        .build(SERVICE)
        .unwrap();
    let url = format!("{}/thing", server.uri());
    let err = t
        .within_deadline("/thing", send(&t, Method::GET, &url))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    assert!(err.is_timeout());
}

#[tokio::test]
async fn retry_after_in_seconds_sets_the_wait() {
    let server = MockServer::start().await;
    flaky(
        &server,
        "GET",
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
    )
    .await;
    let url = format!("{}/thing", server.uri());
    let t = transport(quick());
    let (resp, logs) = capture_logs(send(&t, Method::GET, &url)).await;
    assert_eq!(resp.unwrap().status, StatusCode::OK);
    assert_eq!(retry_delays(&logs), [Duration::from_secs(1)], "{logs}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_sets_the_wait() {
    let server = MockServer::start().await;
    let when = http_date_in(2);
    flaky(
        &server,
        "GET",
        ResponseTemplate::new(503).insert_header("Retry-After", when.as_str()),
    )
    .await;
    let url = format!("{}/thing", server.uri());
    let t = transport(quick());
    let (resp, logs) = capture_logs(send(&t, Method::GET, &url)).await;
    assert_eq!(resp.unwrap().status, StatusCode::OK);
    let waited = retry_delays(&logs);
    // The date has whole seconds and is two ahead of when it was written.
    assert_eq!(waited.len(), 1, "{logs}");
    assert!(
        waited[0] > Duration::from_millis(500) && waited[0] <= Duration::from_secs(2),
        "{waited:?}: {logs}"
    );
}
