//! Vendors that accept connections and never answer: live ConnectWise and UniFi routes answer
//! 504 naming the vendor once their deadline (`OPTIMA_CONNECTWISE_DEADLINE`,
//! `OPTIMA_UNIFI_DEADLINE`) runs out, concurrent requests do not queue behind one another, and
//! this holds on SQLite and PostgreSQL.

use std::time::Duration;

use optima_server::config::{Config, ConnectWiseConfig, UnifiConfig};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use optima_unifi::testing::silent_server;
use serde_json::Value;

/// The deadline every vendor gets in these tests.
const DEADLINE: Duration = Duration::from_secs(1);

/// Both vendors pointed at silent servers: ConnectWise with its codebase discovered (so the
/// discovery hangs) or fixed (so the request itself hangs), UniFi detected.
async fn server_on(database_url: &str, dir: &std::path::Path, discover: bool) -> TestServer {
    let mut config = Config::for_database(database_url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from("vendor-deadlines".to_owned()));
    config.connectwise = Some(ConnectWiseConfig {
        url: silent_server().await,
        company_id: "optima".into(),
        public_key: "pub".into(),
        private_key: secrecy::SecretString::from("cw-private-key".to_owned()),
        client_id: "client".into(),
        codebase: (!discover).then(|| "v4_6_release/".into()),
        api_version: None,
        callback_url: None,
        callback_origins: Vec::new(),
    });
    config.unifi = Some(UnifiConfig {
        url: silent_server().await,
        username: Some("optima".into()),
        password: Some(secrecy::SecretString::from("controller-pass".to_owned())),
        api_key: None,
        kind: "auto".into(),
        verify_tls: false,
        cert_sha256: None,
    });
    config.connectwise_deadline = DEADLINE;
    config.unifi_deadline = DEADLINE;
    let server = TestServer::start(config).await.unwrap();
    let pool = &server.state.store.db().pool;
    for statement in [
        "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ('company-1', 1, 'Acme', 'Acme', 'acme', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        "INSERT INTO catalog_items (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ('item-1', 1, 'A', 'A', 'a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        "INSERT INTO opportunities (id, cw_id, name, search_key, created_at, updated_at) \
         VALUES ('opportunity-1', 1, 'A', 'a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        "INSERT INTO unifi_sites (id, name, site_id, company_id, created_at, updated_at) \
         VALUES ('site-1', 'Murray Office', 'default', NULL, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    ] {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
    server
}

fn assert_vendor_timeout(route: &str, (status, body): &(u16, Value), vendor: &str) {
    assert_eq!(*status, 504, "{route}: {body}");
    assert_eq!(body["error"], format!("{vendor}Timeout"), "{route}: {body}");
    assert_eq!(body["successful"], false, "{route}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(vendor) && message.contains("1s"),
        "{route}: the message names the vendor and the deadline: {body}"
    );
    let text = body.to_string();
    assert!(
        !text.contains("cw-private-key") && !text.contains("controller-pass"),
        "{route}: no secret in the answer: {body}"
    );
}

/// The live routes of both vendors against silent vendors, two requests at a time each.
async fn live_routes_answer_504_on(database_url: &str, dir: &std::path::Path, discover: bool) {
    let server = server_on(database_url, dir, discover).await;
    let (_, token) = server.user_with_grants(&["*"]).await;
    let routes: [(&str, &str, &str); 5] = [
        ("GET", "/v1/company/companies/company-1", "ConnectWise"),
        (
            "POST",
            "/v1/procurement/items/item-1/refresh-inventory",
            "ConnectWise",
        ),
        (
            "GET",
            "/v1/sales/opportunities/opportunity-1/forecasts",
            "ConnectWise",
        ),
        ("GET", "/v1/unifi/site/site-1/overview", "UniFi"),
        ("GET", "/v1/unifi/site/site-1/wifi", "UniFi"),
    ];
    // A guard far above the deadline, so a regression fails instead of hanging; the deadline
    // itself is what must end each request.
    let caller = server.as_user(&token).timeout(DEADLINE * 4);
    for (verb, path, vendor) in routes {
        // Two at once: the second must not wait for the first one's deadline on top of its own
        // (the guard is shorter than the two deadlines of a queue plus slack).
        let (first, second) =
            tokio::join!(caller.send(verb, path, None), caller.send(verb, path, None));
        assert_vendor_timeout(path, &first, vendor);
        assert_vendor_timeout(path, &second, vendor);
    }
}

#[tokio::test]
async fn silent_vendors_answer_504_on_sqlite() {
    for discover in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        live_routes_answer_504_on(&sqlite_test_url(dir.path()), dir.path(), discover).await;
    }
}

#[tokio::test]
async fn silent_vendors_answer_504_on_postgres() {
    let Some(url) = postgres_test_url("silent_vendors_answer_504_on_postgres").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    live_routes_answer_504_on(&url, dir.path(), true).await;
}

#[tokio::test]
async fn many_concurrent_callers_of_a_hung_unifi_login_all_answer_504() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_on(&sqlite_test_url(dir.path()), dir.path(), true).await;
    let (_, token) = server.user_with_grants(&["*"]).await;
    // Six requests behind one hung detection/login: queued, they would need six deadlines,
    // more than the guard of four.
    let caller = server.as_user(&token).timeout(DEADLINE * 4);
    let answers =
        futures::future::join_all((0..6).map(|_| caller.get("/v1/unifi/site/site-1/overview")))
            .await;
    for answer in &answers {
        assert_vendor_timeout("/v1/unifi/site/site-1/overview", answer, "UniFi");
    }
}
