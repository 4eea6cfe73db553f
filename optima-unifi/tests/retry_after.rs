//! `Retry-After` honoured by the UniFi clients on the shared core, as seconds and as an HTTP
//! date, read from the delay the client logged rather than timed.

use std::time::Duration;

use optima_http::testing::{capture_logs, http_date_in, retry_delays};
use optima_unifi::{ControllerKind, IntegrationClient, RetryPolicy, UnifiClient};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// No backoff of its own: any wait comes from `Retry-After`.
fn no_backoff() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
}

/// Answers `at` once with `status` and this `Retry-After`, then with `ok`.
async fn throttled_once(server: &MockServer, at: &str, retry_after: &str, ok: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", retry_after))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok))
        .with_priority(2)
        .mount(server)
        .await;
}

async fn classic_waits(retry_after: &str) -> Vec<Duration> {
    let server = MockServer::start().await;
    throttled_once(
        &server,
        "/proxy/network/api/s/default/stat/health",
        retry_after,
        json!({"meta": {"rc": "ok"}, "data": []}),
    )
    .await;
    let unifi = UnifiClient::builder()
        .url(server.uri())
        .api_key(SecretString::from("key"))
        .kind(ControllerKind::UnifiOs)
        .retry_policy(no_backoff())
        .build()
        .unwrap();
    let (health, logs) = capture_logs(unifi.site("default").health()).await;
    health.unwrap();
    retry_delays(&logs)
}

async fn integration_waits(retry_after: &str) -> Vec<Duration> {
    let server = MockServer::start().await;
    throttled_once(
        &server,
        "/proxy/network/integration/v1/info",
        retry_after,
        json!({"applicationVersion": "10.1.78"}),
    )
    .await;
    let unifi = IntegrationClient::builder()
        .url(server.uri())
        .api_key(SecretString::from("key"))
        .retry_policy(no_backoff())
        .build()
        .unwrap();
    let (info, logs) = capture_logs(unifi.info()).await;
    info.unwrap();
    retry_delays(&logs)
}

fn about_two_seconds(waits: &[Duration]) {
    assert_eq!(waits.len(), 1, "{waits:?}");
    // The date has whole seconds and was two ahead when written.
    assert!(
        waits[0] > Duration::from_millis(500) && waits[0] <= Duration::from_secs(2),
        "{waits:?}"
    );
}

#[tokio::test]
async fn the_network_client_honours_retry_after_in_seconds() {
    assert_eq!(classic_waits("1").await, [Duration::from_secs(1)]);
}

#[tokio::test]
async fn the_network_client_honours_retry_after_as_an_http_date() {
    about_two_seconds(&classic_waits(&http_date_in(2)).await);
}

#[tokio::test]
async fn the_integration_client_honours_retry_after_in_seconds() {
    assert_eq!(integration_waits("1").await, [Duration::from_secs(1)]);
}

#[tokio::test]
async fn the_integration_client_honours_retry_after_as_an_http_date() {
    about_two_seconds(&integration_waits(&http_date_in(2)).await);
}
