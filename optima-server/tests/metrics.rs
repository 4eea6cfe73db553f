//! `/metrics`: Prometheus text from the request middleware and the syncs, with operation ids
//! (never raw paths) as labels, on SQLite and PostgreSQL; and off when `OPTIMA_METRICS=false`.
//! Every server in this process shares one recorder, so tests compare counts before and after.

#[path = "support/fake_connectwise.rs"]
#[allow(dead_code)] // this file changes no records between syncs
mod fake_connectwise;

use fake_connectwise::FakeConnectWise;
use optima_server::config::Config;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use serde_json::json;

async fn scrape(server: &TestServer) -> String {
    let response = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
    );
    response.text().await.unwrap()
}

/// The value of the sample of `name` whose labels include every one of `labels`, or 0.
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// The counters are process-wide: the tests that compare them take turns.
static COUNTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn requests_and_syncs_are_counted(database_url: String, dir: &std::path::Path) {
    let _turn = COUNTING.lock().await;
    let cw = FakeConnectWise::start(
        "company/companies",
        vec![json!({"id": 1, "identifier": "Acme", "name": "Acme Corp",
            "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}})],
        10,
    )
    .await;
    let mut config = Config::for_database(database_url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from("metrics".to_owned()));
    config.connectwise = Some(cw.config());
    let server = TestServer::start(config).await.unwrap();
    let (_, token) = server.user_with_grants(&["role.read", "role.list"]).await;

    let before = scrape(&server).await;
    let (status, _) = server.as_user(&token).get("/v1/role").await;
    assert_eq!(status, 200);
    let (status, _) = server.as_user(&token).get("/v1/role/no-such-role").await;
    assert_eq!(status, 404);
    let (status, _) = server.as_user("not-a-token").get("/v1/role").await;
    assert_eq!(status, 401);
    run_target(&server.state, SyncTarget::Companies, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let after = scrape(&server).await;

    let grew =
        |name: &str, labels: &[&str]| sample(&after, name, labels) - sample(&before, name, labels);
    let requests = "optima_http_requests_total";
    assert_eq!(
        grew(requests, &[r#"operation="listRoles""#, r#"status="200""#]),
        1.0,
        "{after}"
    );
    assert_eq!(
        grew(requests, &[r#"operation="listRoles""#, r#"status="401""#]),
        1.0,
        "{after}"
    );
    assert_eq!(
        grew(requests, &[r#"operation="getRole""#, r#"status="404""#]),
        1.0,
        "{after}"
    );
    assert!(
        !after.contains("no-such-role"),
        "raw paths never become labels"
    );
    let latency = "optima_http_request_duration_seconds_count";
    assert_eq!(grew(latency, &[r#"operation="listRoles""#]), 2.0, "{after}");
    assert!(after.contains(
        "optima_http_request_duration_seconds_bucket{operation=\"listRoles\",le=\"0.005\"}"
    ));
    let runs = "optima_sync_runs_total";
    assert_eq!(
        grew(runs, &[r#"kind="companies""#, r#"outcome="ok""#]),
        1.0,
        "{after}"
    );
    let items = "optima_sync_items_total";
    assert_eq!(
        grew(items, &[r#"kind="companies""#, r#"change="created""#]),
        1.0,
        "{after}"
    );
}

#[tokio::test]
async fn requests_and_syncs_are_counted_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    requests_and_syncs_are_counted(sqlite_test_url(dir.path()), dir.path()).await;
}

#[tokio::test]
async fn requests_and_syncs_are_counted_on_postgres() {
    let Some(url) = postgres_test_url("requests_and_syncs_are_counted").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    requests_and_syncs_are_counted(url, dir.path()).await;
}

#[tokio::test]
async fn metrics_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    config.metrics = false;
    let server = TestServer::start(config).await.unwrap();
    let response = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "NotFound");
}

/// Every HTTP attempt at a vendor is counted from the vendor client's own request spans, with
/// the layer the server installs beside its log (whatever the log filter says).
#[tokio::test(flavor = "current_thread")]
async fn vendor_calls_are_counted_from_the_clients_spans() {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    let _turn = COUNTING.lock().await;
    let subscriber = tracing_subscriber::registry().with(
        optima_server::metrics::VendorCalls
            .with_filter(optima_server::metrics::VendorCalls::filter()),
    );
    // One thread runs the server, the client and the sync, so a thread-local subscriber sees all.
    let _installed = tracing::subscriber::set_default(subscriber);
    let cw = FakeConnectWise::start(
        "company/companies",
        vec![json!({"id": 1, "identifier": "Acme", "name": "Acme Corp",
            "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}})],
        10,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    config.jwt_secret = Some(secrecy::SecretString::from("metrics".to_owned()));
    config.connectwise = Some(cw.config());
    let server = TestServer::start(config).await.unwrap();
    let before = scrape(&server).await;
    run_target(&server.state, SyncTarget::Companies, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let after = scrape(&server).await;
    let calls = |text: &str| {
        sample(
            text,
            "optima_vendor_calls_total",
            &[r#"vendor="ConnectWise""#, r#"outcome="2xx""#],
        )
    };
    assert!(
        calls(&after) - calls(&before) >= 1.0,
        "a sync's requests to ConnectWise are counted: {after}"
    );
}
