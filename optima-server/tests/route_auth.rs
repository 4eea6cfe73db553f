//! For every bearer route in the route table: 401 without a token, 403 without each of its
//! permissions, and success with exactly its permissions; and the audit trail each answer
//! leaves: one event per success of a route that changes something, per reveal and per 403,
//! none otherwise, never a secure value. Generated from the table, so a new route is covered the
//! moment it is added (its path parameters and body are looked up below).

use optima_server::audit::AuditEvent;
use optima_server::config::{Config, ConnectWiseConfig};
use optima_server::routes::{Auth, ROUTES, RouteSpec};
use optima_server::testing::{TestServer, sqlite_test_url};
use optima_unifi::testing::{FakeController, Kind, SITE, WLAN_ID};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "support/fake_unifi.rs"]
mod fake_unifi;

#[path = "support/vault_fixture.rs"]
mod vault_fixture;

struct Fixture {
    server: TestServer,
    _vendor: MockServer,
    _unifi: FakeController,
    _dir: tempfile::TempDir,
}

const CW: &str = "/v4_6_release/apis/3.0";

/// A stand-in ConnectWise with just enough for every route to succeed.
async fn vendor() -> MockServer {
    let mock = MockServer::start().await;
    let routes: &[(&str, Value)] = &[
        (
            "/company/companies/1",
            json!({"id": 1, "identifier": "Acme", "name": "Acme", "_info": {}}),
        ),
        ("/company/contacts", json!([])),
        ("/company/configurations", json!([])),
        // procurement
        (
            "/procurement/catalog/1001/inventory",
            json!([{"id": 1, "catalogItem": {"id": 1001}, "warehouse": {"id": 1, "name": "Main"}, "onHand": "3"}]),
        ),
        // sales
        (
            "/sales/opportunities/2001",
            json!({"id": 2001, "name": "Acme Refresh", "company": {"id": 1, "identifier": "Acme", "name": "Acme"}, "_info": {"lastUpdated": "2026-02-26T10:00:00Z"}}),
        ),
        (
            "/sales/opportunities/2001/forecast",
            json!({"id": 1, "forecastItems": [{"id": 1, "forecastType": "Product", "revenue": 100.0, "cost": 50.0, "percentage": 75, "status": {"id": 1, "name": "Open"}, "includeFlag": true}]}),
        ),
        (
            "/sales/opportunities/2001/notes",
            json!([{"id": 1, "text": "Called", "type": {"id": 2, "name": "Discussion"}, "flagged": false, "enteredBy": "JDoe"}]),
        ),
        (
            "/sales/opportunities/2001/contacts",
            json!([{"id": 1, "contact": {"id": 200, "name": "Jane Smith"}, "role": {"id": 1, "name": "Decision Maker"}, "referralFlag": false}]),
        ),
    ];
    for (p, body) in routes {
        Mock::given(path(format!("{CW}{p}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .mount(&mock)
            .await;
    }
    mock
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let vendor = vendor().await;
    let mut config = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    config.jwt_secret = Some(secrecy::SecretString::from("route-auth-tests".to_owned()));
    config.connectwise = Some(ConnectWiseConfig {
        url: vendor.uri(),
        company_id: "optima".into(),
        public_key: "pub".into(),
        private_key: secrecy::SecretString::from("key".to_owned()),
        client_id: "client".into(),
        codebase: Some("v4_6_release/".into()),
        api_version: None,
        callback_url: None,
        callback_origins: Vec::new(),
    });
    let unifi = FakeController::start(Kind::Classic).await;
    config.unifi = Some(fake_unifi::config(&unifi));
    let server = TestServer::start(config).await.unwrap();
    sqlx::query(
        "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ('company-1', 1, 'Acme', 'Acme', 'acme acme', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
    // credential: a type, a credential with a secure field and a sub-credential
    vault_fixture::install(&server).await;
    sqlx::query(
        "INSERT INTO unifi_sites (id, name, site_id, company_id, created_at, updated_at) \
         VALUES ('unifi-site-1', 'Total Tech - Murray Office', $1, 'company-1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .bind(SITE)
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
    // procurement: two catalog items (one to link to the other)
    for (id, cw_id) in [("item-1", 1001), ("item-2", 1002)] {
        sqlx::query(
            "INSERT INTO catalog_items (id, cw_id, identifier, name, search_key, created_at, updated_at) \
             VALUES ($1, $2, $1, $1, $1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        )
        .bind(id)
        .bind(cw_id)
        .execute(&server.state.store.db().pool)
        .await
        .unwrap();
    }
    // sales: one opportunity
    sqlx::query(
        "INSERT INTO opportunities (id, cw_id, name, cw_company_id, search_key, created_at, updated_at) \
         VALUES ('opp-1', 2001, 'Acme Refresh', 1, 'acme refresh', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
    Fixture {
        server,
        _vendor: vendor,
        _unifi: unifi,
        _dir: dir,
    }
}

/// An API key of the holder of `token` (or of nobody in particular, for a token that is not
/// valid): keys are found only by their owner without the `.all` permissions.
async fn api_key_of(f: &Fixture, token: Option<&str>) -> String {
    let owner = match token {
        Some(token) => match f.server.state.caller(token, None).await {
            Ok(caller) => caller.user,
            Err(_) => return "no-such-key".into(),
        },
        None => return "no-such-key".into(),
    };
    let minted = optima_server::auth::api_keys::mint();
    f.server
        .state
        .store
        .create_api_key(&optima_server::store::api_keys::NewApiKey {
            owner_id: owner.id,
            name: "fixture".into(),
            description: None,
            prefix: minted.prefix,
            secret_hash: minted.hash,
            permissions: vec!["user.read".into()],
            expires_at: None,
            created_by_key: None,
        })
        .await
        .unwrap()
        .id
}

/// A path for `route` whose parameters name records that exist (an API key: the caller's own).
async fn concrete_path(f: &Fixture, route: &RouteSpec, token: Option<&str>) -> String {
    let (target, _) = f.server.user_with_grants(&[]).await;
    // A role nobody holds: changing one that others hold needs holding what they hold (no
    // escalation), which the users_roles tests cover.
    let role_moniker = {
        let moniker = format!("fixture-{}", optima_core::store::new_id());
        optima_core::store::RoleStore::create_role(
            &f.server.state.store,
            optima_core::store::NewRole {
                title: "Fixture".into(),
                moniker: moniker.clone(),
                permissions: vec!["user.read".into()],
            },
        )
        .await
        .unwrap();
        moniker
    };
    let mut path = String::new();
    let mut previous = "";
    for segment in route.path.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        if let Some(value) = vault_fixture::path_param(&f.server, route, previous, segment).await {
            path.push_str(&value);
            previous = segment;
            continue;
        }
        let value = match (previous, segment) {
            ("users", ":identifier" | ":id") => target.id.clone(),
            ("role", ":identifier") => role_moniker.clone(),
            ("permissions", ":category") => "company".into(),
            ("companies", ":identifier") => "company-1".into(),
            ("items", ":identifier") => "item-1".into(),
            ("opportunities", ":identifier") => "opp-1".into(),
            ("site", ":id") => "unifi-site-1".into(),
            ("wifi", ":wlanId") => WLAN_ID.into(),
            ("api-keys", ":id") => api_key_of(f, token).await,
            (_, s) if s.starts_with(':') => panic!("no fixture for {} in {}", s, route.path),
            (_, s) => s.to_owned(),
        };
        path.push_str(&value);
        previous = segment;
    }
    format!("/v1{path}")
}

/// A body that makes `route` succeed.
fn sample_body(route: &RouteSpec) -> Option<Value> {
    let unique = optima_core::store::new_id();
    Some(match route.operation_id {
        "updateMe" => json!({"name": "New Name"}),
        "checkMyPermissions" | "checkUserPermissions" => json!({"permissions": ["user.read"]}),
        "updateUser" => json!({"name": "Renamed"}),
        "createRole" => json!({"title": "Sample", "moniker": format!("sample-{unique}")}),
        "updateRole" => json!({"title": "Renamed"}),
        // Anyone who may edit a role may add a denial; adding `user.read` would need holding it.
        "addRolePermissions" => json!({"permissions": ["-user.read"]}),
        "removeRolePermissions" => json!({"permissions": ["user.read"]}),
        "linkCatalogItem" | "unlinkCatalogItem" => json!({"targetId": "item-2"}),
        "createUnifiSite" => json!({"description": "New Office Site"}),
        "updateUnifiWifi" => {
            json!({"name": "NewSSIDName", "x_passphrase": "NewPassword123", "band": "both"})
        }
        "createUnifiWlanGroup" => json!({"name": "Lobby APs"}),
        "createUnifiSpeedProfile" => {
            json!({"name": "Guest 10Mbps", "downloadLimitKbps": 10000, "uploadLimitKbps": 5000})
        }
        "createUnifiPpsk" => {
            json!({"key": format!("key-{unique}"), "name": "John's Laptop", "mac": "AA:BB:CC:DD:EE:FF", "vlanId": 100})
        }
        "linkUnifiSite" => json!({"companyId": "company-1"}),
        // A key with no grants of its own: anyone may make one that holds nothing.
        "createApiKey" => json!({"name": "Nightly export", "permissions": []}),
        _ => return vault_fixture::sample_body(route),
    })
}

/// Requests `route` with a body that makes it succeed, as the holder of `token` (or anonymously).
async fn call(f: &Fixture, route: &RouteSpec, token: Option<&str>) -> (u16, Value) {
    let path = concrete_path(f, route, token).await;
    let caller = match token {
        Some(token) => f.server.as_user(token),
        None => f.server.anonymous(),
    };
    caller.send(route.method, &path, sample_body(route)).await
}

fn bearer_routes() -> impl Iterator<Item = &'static RouteSpec> {
    ROUTES
        .iter()
        .filter(|r| r.auth == Auth::Bearer && r.in_openapi)
}

#[tokio::test]
async fn every_bearer_route_refuses_a_missing_or_bad_token() {
    let f = fixture().await;
    for route in bearer_routes() {
        for token in [None, Some("not-a-jwt")] {
            let (status, body) = call(&f, route, token).await;
            assert_eq!(status, 401, "{} with {token:?}", route.operation_id);
            assert_eq!(body["successful"], false, "{}", route.operation_id);
            assert_eq!(body["status"], 401);
        }
    }
}

#[tokio::test]
async fn every_bearer_route_refuses_each_missing_permission() {
    let f = fixture().await;
    for route in bearer_routes() {
        let (_, nothing) = f.server.user_with_grants(&[]).await;
        if !route.permissions.is_empty() {
            let (status, body) = call(&f, route, Some(&nothing)).await;
            assert_eq!(status, 403, "{} with no grants", route.operation_id);
            assert_eq!(body["error"], "InsufficientPermission");
        }
        for missing in route.permissions {
            let others: Vec<&str> = route
                .permissions
                .iter()
                .copied()
                .filter(|p| p != missing)
                .collect();
            // The fixture type's scope is granted where a route acts on credentials, so that
            // the missing route permission is what is refused.
            let others = vault_fixture::with_scope(route, &others);
            let others: Vec<&str> = others.iter().map(String::as_str).collect();
            let (_, token) = f.server.user_with_grants(&others).await;
            let seen = last_seq(&f).await;
            let (status, body) = call(&f, route, Some(&token)).await;
            assert_eq!(status, 403, "{} without {missing}", route.operation_id);
            let events = events_after(&f, seen).await;
            let denied: Vec<_> = events.iter().filter(|e| e.outcome == "denied").collect();
            assert_eq!(denied.len(), 1, "{}: {events:?}", route.operation_id);
            assert_eq!(denied[0].operation_id, route.operation_id);
            assert!(denied[0].actor_user_id.is_some() && denied[0].changes.is_none());
            let message = body["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(missing),
                "{}: {message}",
                route.operation_id
            );
        }
    }
}

#[tokio::test]
async fn every_bearer_route_succeeds_with_exactly_its_permissions() {
    let f = fixture().await;
    let nullable = nullable_fields().await;
    let mut covered = Vec::new();
    let mut secure_values = stored_secure_values(&f).await;
    for route in bearer_routes() {
        let (_, token) = f
            .server
            .user_with_grants(
                &vault_fixture::with_scope(route, &[])
                    .into_iter()
                    .chain(with_dependencies(route.permissions))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .await;
        let caller = f.server.state.caller(&token, None).await.unwrap().user.id;
        let seen = last_seq(&f).await;
        let (status, body) = call(&f, route, Some(&token)).await;
        assert_eq!(status, route.status, "{}: {body}", route.operation_id);
        assert_eq!(body["successful"], true, "{}", route.operation_id);
        // The fixture's path may make records (a role, an API key) before the call: only the
        // call's own events count.
        let events: Vec<AuditEvent> = events_after(&f, seen)
            .await
            .into_iter()
            .filter(|e| e.operation_id == route.operation_id)
            .collect();
        let expected = if route.changes_state {
            Some("succeeded")
        } else if route.operation_id.starts_with("getSecureValue")
            || ["getTotpCode", "getHistoricalSecureValue"].contains(&route.operation_id)
        {
            Some("revealed")
        } else {
            None
        };
        match expected {
            Some(outcome) => {
                assert_eq!(events.len(), 1, "{}: {events:?}", route.operation_id);
                assert_eq!(events[0].outcome, outcome, "{}", route.operation_id);
                assert_eq!(events[0].actor_user_id.as_deref(), Some(caller.as_str()));
                assert!(events[0].request_id.is_some() && events[0].client_address.is_some());
                covered.push(route.operation_id);
            }
            None => assert!(events.is_empty(), "{}: {events:?}", route.operation_id),
        }
        secure_values.extend(stored_secure_values(&f).await);
        assert_eq!(body["message"], route.message, "{}", route.operation_id);
        // Optional fields are left out rather than sent as null, which strict generated
        // clients would reject for fields the spec does not mark nullable.
        assert!(
            !has_null(&body, &nullable, None),
            "{} answered a null where the spec does not allow one: {body}",
            route.operation_id
        );
    }
    // Every bearer route that changes something was seen to leave its event.
    for route in bearer_routes().filter(|r| r.changes_state) {
        assert!(
            covered.contains(&route.operation_id),
            "{}",
            route.operation_id
        );
    }
    // No audit row holds a secure value: not its plaintext, not its ciphertext.
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT COALESCE(changes, '') || ' ' || operation_id FROM audit_events")
            .fetch_all(&f.server.state.store.db().pool)
            .await
            .unwrap();
    assert!(rows.len() >= covered.len(), "{} events", rows.len());
    assert!(!secure_values.is_empty());
    let field_values = vault_fixture::FIELD_VALUES.iter().copied();
    for value in secure_values.iter().map(String::as_str).chain(field_values) {
        for row in &rows {
            assert!(
                !row.contains(value),
                "a field's value is in the trail: {row}"
            );
        }
    }
    // Nor is a secure value's plaintext anywhere in the database's files.
    let mut files = Vec::new();
    for name in ["optima.db", "optima.db-wal"] {
        if let Ok(bytes) = std::fs::read(f._dir.path().join(name)) {
            files.extend(bytes);
        }
    }
    assert!(!files.is_empty());
    for secret in vault_fixture::SECURE_VALUES {
        let found = files.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{secret} is in the database's files");
    }
    // The whole chain verifies.
    optima_server::audit::cli::verify(&f.server.state.store)
        .await
        .unwrap();
}

/// The newest event's seq (0 when there is none).
async fn last_seq(f: &Fixture) -> i64 {
    f.server
        .state
        .store
        .audit_events(&optima_server::store::audit::EventQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .first()
        .map_or(0, |e| e.seq)
}

/// Events after `seq`, oldest first.
async fn events_after(f: &Fixture, seq: i64) -> Vec<AuditEvent> {
    f.server
        .state
        .store
        .audit_events_after(seq, 1000)
        .await
        .unwrap()
}

/// Every secure value as stored now (its ciphertext).
async fn stored_secure_values(f: &Fixture) -> Vec<String> {
    sqlx::query_scalar("SELECT value FROM credential_fields WHERE secure = 1")
        .fetch_all(&f.server.state.store.db().pool)
        .await
        .unwrap()
}

/// A route's permissions plus what they depend on: a node whose dependencies are not granted
/// is not granted (`procurement.catalog.link` needs `procurement.catalog.fetch`), so "exactly
/// its permissions" means these and their dependencies.
fn with_dependencies(permissions: &[&str]) -> Vec<String> {
    let catalog = optima_core::rbac::Catalog::optima();
    let mut out: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
    let mut i = 0;
    while i < out.len() {
        if let Some(node) = catalog.get(&out[i]) {
            for dep in &node.dependencies {
                if !out.contains(dep) {
                    out.push(dep.clone());
                }
            }
        }
        i += 1;
    }
    out
}

/// Property names the OpenAPI document marks nullable (anywhere).
async fn nullable_fields() -> std::collections::HashSet<String> {
    let spec: Value =
        serde_json::from_str(&optima_server::app::openapi_json().await.unwrap()).unwrap();
    let mut names = std::collections::HashSet::new();
    for schema in spec["components"]["schemas"].as_object().unwrap().values() {
        if let Some(props) = schema["properties"].as_object() {
            for (name, prop) in props {
                if prop["nullable"] == true {
                    names.insert(name.clone());
                }
            }
        }
    }
    names
}

/// Whether a null appears under a key the spec does not mark nullable. Vendor data passed
/// through as free-form JSON (`serde_json::Value` fields) is not checked.
fn has_null(
    value: &Value,
    nullable: &std::collections::HashSet<String>,
    key: Option<&str>,
) -> bool {
    match value {
        Value::Null => !key.is_some_and(|k| nullable.contains(k)),
        Value::Array(items) => items.iter().any(|v| has_null(v, nullable, key)),
        Value::Object(map) => map.iter().any(|(k, v)| has_null(v, nullable, Some(k))),
        _ => false,
    }
}

#[tokio::test]
async fn denial_beats_a_wildcard_on_a_route() {
    let f = fixture().await;
    let (_, token) = f.server.user_with_grants(&["*", "-role.read"]).await;
    let caller = f.server.as_user(&token);
    assert_eq!(caller.get("/v1/permissions").await.0, 403);
    assert_eq!(caller.get("/v1/user/@me").await.0, 200);
}
