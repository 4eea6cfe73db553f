//! A secure value's plaintext never reaches the SQLite files or the logs, after create, update
//! and reveal. Alone in its test binary: it installs the process-wide log subscriber, so that
//! every line the server writes, on any thread, is captured.

use std::sync::{Arc, Mutex};

use serde_json::json;

#[path = "support/vault_http.rs"]
mod vault_http;

use vault_http::*;

/// Every log line of the process.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn install(&self) {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn plaintext_never_reaches_the_database_files_or_the_logs() {
    let logs = Captured::default();
    logs.install();
    let env = env().await;
    let admin = env.server.as_user(&env.admin);
    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let secrets = [
        "PLAINTEXT-create-7f3a9c",
        "PLAINTEXT-subpsk-2b8e41",
        "PLAINTEXT-patch-91bc0d",
        "PLAINTEXT-put-55de7a",
        "PLAINTEXT-sub-post-c4a1",
    ];
    let visible = "VISIBLE-hostname-marker";
    let (status, body) = admin.post("/v1/credential/credentials", json!({
            "name": "Scan me",
            "typeId": type_id,
            "companyId": "acme",
            "fields": [{"fieldId": "hostname", "value": visible}, {"fieldId": "password", "value": secrets[0]}],
            "subCredentials": {"tunnels": [{"name": "T", "fields": [
                {"fieldId": "server", "value": "s"}, {"fieldId": "psk", "value": secrets[1]}]}]}
        }))
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    let (status, _) = admin
        .patch(
            &format!("/v1/credential/credentials/{id}"),
            json!({"fields": [{"fieldId": "password", "value": secrets[2]}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = admin
        .put(
            &format!("/v1/credential/credentials/{id}/fields"),
            json!({"fields": [{"fieldId": "password", "value": secrets[3]}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = admin
        .post(
            &format!("/v1/credential/credentials/{id}/sub-credentials"),
            json!({"fieldId": "tunnels", "name": "T2", "fields": [{"fieldId": "server", "value": "s2"}, {"fieldId": "psk", "value": secrets[4]}]}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{id}/secure-values"))
        .await;
    assert_eq!(body["data"]["password"], secrets[3], "the reveal works");
    let (_, body) = admin
        .get(&format!(
            "/v1/credential/credentials/{id}/secure-values/password"
        ))
        .await;
    assert_eq!(body["data"]["value"], secrets[3]);
    // A failed validation of a secure value is logged nowhere either.
    let (status, _) = admin
        .put(
            &format!("/v1/credential/credentials/{id}/fields"),
            json!({"fields": [{"fieldId": "nope", "value": "PLAINTEXT-rejected-0000"}]}),
        )
        .await;
    assert_eq!(status, 400);

    let dir = env.config.data_dir.clone();
    let mut bytes = Vec::new();
    for name in ["optima.db", "optima.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            bytes.extend(b);
        }
    }
    assert!(
        contains(&bytes, visible),
        "the scan sees what is stored in clear"
    );
    let text = logs.text();
    assert!(
        text.contains("secure values revealed"),
        "the logs were captured: {text}"
    );
    for secret in secrets.iter().chain(&["PLAINTEXT-rejected-0000"]) {
        assert!(
            !contains(&bytes, secret),
            "{secret} is in the database files"
        );
        assert!(!text.contains(secret), "{secret} is in the logs");
    }
    // Neither is the vault key.
    let keys = std::fs::read_to_string(dir.join(optima_server::vault::KEY_FILE)).unwrap();
    let key = keys.split(':').nth(1).unwrap().trim();
    assert!(!text.contains(key), "the key is in the logs");
    assert!(
        text.contains("vault-keys"),
        "the warning names the key file"
    );
}
