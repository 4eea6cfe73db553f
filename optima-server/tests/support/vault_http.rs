//! Helpers for the vault's HTTP tests: a server on SQLite with two companies and an admin.

#![allow(dead_code)]

use optima_server::config::Config;
use optima_server::testing::{TestServer, sqlite_test_url};
use serde_json::{Value, json};

pub struct Env {
    pub server: TestServer,
    pub config: Config,
    pub admin: String,
    _dir: tempfile::TempDir,
}

pub fn config_in(dir: &std::path::Path) -> Config {
    let mut config = Config::for_database(sqlite_test_url(dir), dir);
    config.jwt_secret = Some(secrecy::SecretString::from("credential-tests".to_owned()));
    config
}

pub async fn insert_companies(server: &TestServer) {
    for (id, cw_id, name) in [("acme", 1_i64, "Acme Corp"), ("globex", 2, "Globex")] {
        sqlx::query(
            "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
             VALUES ($1, $2, $1, $3, $1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        )
        .bind(id)
        .bind(cw_id)
        .bind(name)
        .execute(&server.state.store.db().pool)
        .await
        .unwrap();
    }
}

pub async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    env_with(config, dir).await
}

/// An environment on the database `url` (keys in a temporary data dir).
pub async fn env_on(url: &str) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    config.database_url = url.to_owned();
    env_with(config, dir).await
}

async fn env_with(config: Config, dir: tempfile::TempDir) -> Env {
    let server = TestServer::start(config.clone()).await.unwrap();
    insert_companies(&server).await;
    let (_, admin) = server.user_with_grants(&["*"]).await;
    Env {
        server,
        config,
        admin,
        _dir: dir,
    }
}

pub fn vpn_type(name: &str, scope: &str) -> Value {
    json!({
        "name": name,
        "permissionScope": scope,
        "icon": "https://example.com/vpn.ico",
        "fields": [
            {"id": "hostname", "name": "Hostname", "required": true, "secure": false, "valueType": "plain_text"},
            {"id": "gateway", "name": "Gateway", "required": false, "secure": false, "valueType": "ip_address"},
            {"id": "password", "name": "Password", "required": true, "secure": true, "valueType": "password"},
            {"id": "tunnels", "name": "Tunnels", "required": false, "secure": false, "valueType": "multi_credential",
             "subFields": [
                {"id": "server", "name": "Server", "required": true, "secure": false, "valueType": "plain_text"},
                {"id": "psk", "name": "Pre-Shared Key", "required": true, "secure": true, "valueType": "password"}
             ]}
        ]
    })
}

pub async fn create_type(env: &Env, name: &str, scope: &str) -> String {
    let (status, body) = env
        .server
        .as_user(&env.admin)
        .post("/v1/credential-type", vpn_type(name, scope))
        .await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

pub fn credential_body(
    type_id: &str,
    company: &str,
    name: &str,
    password: &str,
    psk: &str,
) -> Value {
    json!({
        "name": name,
        "notes": "Used for production",
        "typeId": type_id,
        "companyId": company,
        "fields": [
            {"id": "ignored", "fieldId": "hostname", "value": "vpn.example.com"},
            {"fieldId": "password", "value": password}
        ],
        "subCredentials": {"tunnels": [
            {"name": "Tunnel 1", "fields": [
                {"fieldId": "server", "value": "vpn1.example.com"},
                {"fieldId": "psk", "value": psk}
            ]}
        ]}
    })
}

pub async fn create_credential(env: &Env, type_id: &str, name: &str, password: &str) -> Value {
    let (status, body) = env
        .server
        .as_user(&env.admin)
        .post(
            "/v1/credential/credentials",
            credential_body(type_id, "acme", name, password, &format!("psk-of-{name}")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["data"].clone()
}

pub fn paths(body: &Value) -> Vec<Vec<String>> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"))
        .iter()
        .map(|e| {
            e["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

pub fn p(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| (*s).to_owned()).collect()
}
