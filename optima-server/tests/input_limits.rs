//! Input the server refuses before it does any work with it, the same on SQLite and PostgreSQL:
//! U+0000 anywhere (bodies, query and path parameters), bodies over `OPTIMA_MAX_BODY_BYTES`
//! (declared or chunked), arrays over their `maxItems`, access tokens issued in the future; and
//! a key file rotated and rewrapped from the command line while the server runs.

use std::time::Duration;

use optima_server::testing::{TestServer, postgres_test_url};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "support/vault_http.rs"]
mod vault_http;

use vault_http::*;

fn only_error(body: &Value) -> (Vec<String>, String) {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    (
        paths(body).remove(0),
        errors[0]["message"].as_str().unwrap().to_owned(),
    )
}

fn assert_nul_refused(status: u16, body: &Value, path: &[&str]) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "ValidationError", "{body}");
    let (at, message) = only_error(body);
    assert_eq!(at, p(path), "{body}");
    assert!(message.contains("U+0000"), "{message}");
}

async fn nul_is_refused_with_its_path(env: &Env) {
    let s = &env.server;
    let admin = &env.admin;

    let (status, body) = s
        .as_user(admin)
        .get("/v1/company/companies?search=ac%00me")
        .await;
    assert_nul_refused(status, &body, &["query", "search"]);
    let (status, body) = s
        .as_user(admin)
        .get("/v1/company/companies?search=acme")
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = s
        .as_user(admin)
        .post(
            "/v1/role",
            json!({"title": "Night\u{0}shift", "moniker": "night"}),
        )
        .await;
    assert_nul_refused(status, &body, &["body", "title"]);
    let (status, body) = s
        .as_user(admin)
        .post(
            "/v1/role",
            json!({"title": "Night shift", "moniker": "night"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let type_id = create_type(env, "VPN", "vpn.credentials").await;
    let (status, body) = s
        .as_user(admin)
        .post(
            "/v1/credential/credentials",
            credential_body(&type_id, "acme", "Edge\u{0}VPN", "pw", "psk"),
        )
        .await;
    assert_nul_refused(status, &body, &["body", "name"]);
    // Inside a sub-credential's secure value too, wherever it sits.
    let mut nested = credential_body(&type_id, "acme", "Edge VPN", "pw", "psk");
    nested["subCredentials"]["tunnels"][0]["fields"][1]["value"] = json!("p\u{0}sk");
    let (status, body) = s
        .as_user(admin)
        .post("/v1/credential/credentials", nested)
        .await;
    assert_nul_refused(
        status,
        &body,
        &[
            "body",
            "subCredentials",
            "tunnels",
            "0",
            "fields",
            "1",
            "value",
        ],
    );
    let (status, body) = s
        .as_user(admin)
        .post(
            "/v1/credential/credentials",
            credential_body(&type_id, "acme", "Edge VPN", "pw", "psk"),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let (status, body) = s.as_user(admin).get("/v1/role/night%00").await;
    assert_nul_refused(status, &body, &["path", "identifier"]);
    let (status, body) = s.as_user(admin).get("/v1/role/night").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = s
        .as_user(admin)
        .get("/v1/credential/credentials/x%00/secure-values/password")
        .await;
    assert_nul_refused(status, &body, &["path", "id"]);

    // Refused before authentication: nothing about the caller is looked up for it.
    let (status, body) = s.as_user("not-a-token").get("/v1/role/a%00").await;
    assert_nul_refused(status, &body, &["path", "identifier"]);
}

#[tokio::test]
async fn nul_is_refused_with_its_path_on_sqlite() {
    nul_is_refused_with_its_path(&env().await).await;
}

#[tokio::test]
async fn nul_is_refused_with_its_path_on_postgres() {
    let Some(url) = postgres_test_url("nul_is_refused_with_its_path_on_postgres").await else {
        return;
    };
    nul_is_refused_with_its_path(&env_on(&url).await).await;
}

/// Sends `head` (a request line and headers, without the blank line) and then `body` on a raw
/// connection, and reads the one response. The body is written only as far as the server reads
/// it; the response must come without the body ever being finished.
async fn raw_exchange(server: &TestServer, head: &str, body: Vec<u8>) -> (u16, Value) {
    let addr = server.base_url.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // Errors are expected once the server has answered and closed.
    let sender = tokio::spawn(async move {
        let _ = writer.write_all(&body).await;
        // Keep the connection half-open: the body never ends.
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(writer);
    });
    let mut response = Vec::new();
    // An upper bound so a server that waits for the rest of the body fails the test, not hangs it.
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
            }
            if complete(&response) {
                break;
            }
        }
    })
    .await;
    sender.abort();
    assert!(read.is_ok(), "no response while the body was unfinished");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Whether `response` holds the head and a `content-length` body.
fn complete(response: &[u8]) -> bool {
    let text = String::from_utf8_lossy(response);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .is_some_and(|len| body.len() >= len)
}

fn chunked(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in data.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn assert_too_large(status: u16, body: &Value, limit: usize) {
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["status"], 413, "{body}");
    assert_eq!(body["error"], "PayloadTooLarge", "{body}");
    assert_eq!(body["successful"], false, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&limit.to_string()),
        "{body}"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_without_being_read() {
    let env = env().await;
    let limit = env.server.state.config.max_body_bytes;
    assert_eq!(limit, 4 * 1024 * 1024, "the documented default");
    let twenty_mb = 20_000_000;
    let head = |extra: &str| {
        format!(
            "POST /v1/role HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\n{extra}",
            env.admin
        )
    };

    // Declared: answered from the header alone, not a byte of the body sent.
    let (status, body) = raw_exchange(
        &env.server,
        &head(&format!("Content-Length: {twenty_mb}")),
        Vec::new(),
    )
    .await;
    assert_too_large(status, &body, limit);

    // Chunked: 20 MB offered, the final chunk never sent; the answer comes once the limit is
    // passed. Everything up to one byte past the limit is sent, so the server has read all of it.
    let mut payload = vec![b' '; limit + 1];
    payload[0] = b'[';
    let mut stream = chunked(&payload, 64 * 1024);
    stream.truncate(stream.len() - 2); // the last chunk's trailing CRLF: not needed to pass the limit
    let (status, body) = raw_exchange(
        &env.server,
        &head(&format!(
            "Transfer-Encoding: chunked\r\nX-Offered-Length: {twenty_mb}"
        )),
        stream,
    )
    .await;
    assert_too_large(status, &body, limit);

    // Under the limit, chunked or not, the body is read as usual.
    let role = br#"{"title": "Chunked", "moniker": "chunked"}"#;
    let mut stream = chunked(role, 7);
    stream.extend_from_slice(b"0\r\n\r\n");
    let (status, body) =
        raw_exchange(&env.server, &head("Transfer-Encoding: chunked"), stream).await;
    assert_eq!(status, 201, "{body}");
    let padded = format!(
        "{}{}",
        " ".repeat(limit - 100),
        r#"{"title":"P","moniker":"padded"}"#
    );
    let (status, body) = raw_exchange(
        &env.server,
        &head(&format!("Content-Length: {}", padded.len())),
        padded.into_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn a_smaller_body_limit_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    config.max_body_bytes = 1024;
    let server = TestServer::start(config).await.unwrap();
    let (_, admin) = server.user_with_grants(&["*"]).await;
    let big = json!({"title": "x".repeat(1100), "moniker": "big"});
    let (status, body) = server.as_user(&admin).post("/v1/role", big).await;
    assert_too_large(status, &body, 1024);
}

#[tokio::test]
async fn too_many_grants_are_refused_by_max_items_before_any_item_is_checked() {
    let env = env().await;
    let s = &env.server;
    let (user, _) = s.user_with_grants(&[]).await;
    // Every item breaks the grant pattern: were items checked first, the error would name one.
    let many: Vec<String> = (0..5000).map(|i| format!("not a node {i}!")).collect();
    let expected = "must have at most 1000 items, not 5000";
    for (method, path, body) in [
        (
            "POST",
            "/v1/role".to_owned(),
            json!({"title": "Many", "moniker": "many", "permissions": many}),
        ),
        (
            "POST",
            "/v1/role/admin/permissions".to_owned(),
            json!({"permissions": many}),
        ),
        (
            "PATCH",
            format!("/v1/user/users/{}", user.id),
            json!({"permissions": many}),
        ),
    ] {
        let (status, body) = s.as_user(&env.admin).send(method, &path, Some(body)).await;
        assert_eq!(status, 400, "{method} {path}: {body}");
        let (at, message) = only_error(&body);
        assert_eq!(at, p(&["body", "permissions"]), "{method} {path}");
        assert_eq!(message, expected, "{method} {path}");
    }
    // At the limit, the items are checked as before.
    let thousand: Vec<String> = (0..1000).map(|i| format!("bad node {i}")).collect();
    let (status, body) = s
        .as_user(&env.admin)
        .post(
            "/v1/role/admin/permissions",
            json!({"permissions": thousand}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("pattern")
            || body["message"].as_str().unwrap().contains("permission"),
        "{body}"
    );
}

fn token_issued_at(env: &Env, user_id: &str, issued: chrono::DateTime<chrono::Utc>) -> String {
    let claims = optima_server::auth::tokens::Claims {
        sub: user_id.to_owned(),
        iat: issued.timestamp(),
        exp: issued.timestamp() + 900,
        iat_ms: issued.timestamp_millis(),
        typ: "access".into(),
    };
    let secret =
        secrecy::ExposeSecret::expose_secret(env.config.jwt_secret.as_ref().unwrap()).to_owned();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_refused() {
    let env = env().await;
    let (user, _) = env.server.user_with_grants(&["user.read"]).await;
    let now = chrono::Utc::now();

    let honest = token_issued_at(&env, &user.id, now);
    let (status, body) = env.server.as_user(&honest).get("/v1/user/@me").await;
    assert_eq!(status, 200, "a token minted the same way but now: {body}");

    let future = token_issued_at(&env, &user.id, now + chrono::Duration::minutes(10));
    let (status, body) = env.server.as_user(&future).get("/v1/user/@me").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "Unauthorized");
    assert!(
        body["message"].as_str().unwrap().contains("future"),
        "{body}"
    );
}

fn cli(env: &Env, args: &[&str]) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_optima-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OPTIMA_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .env("OPTIMA_DATA_DIR", &env.config.data_dir)
        .env("OPTIMA_DATABASE_URL", &env.config.database_url)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn sealed_values(env: &Env, credential_id: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT value FROM credential_fields WHERE credential_id = $1 AND secure = 1 \
         ORDER BY field_id",
    )
    .bind(credential_id)
    .fetch_all(&env.server.state.store.db().pool)
    .await
    .unwrap()
}

async fn rotate_and_rewrap_need_no_restart(env: &Env) {
    let type_id = create_type(env, "VPN", "vpn.credentials").await;
    let created = create_credential(env, &type_id, "Edge", "hunter2").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let key_file = env.config.data_dir.join(optima_server::vault::KEY_FILE);
    let old_ring = std::fs::read_to_string(&key_file).unwrap();

    cli(env, &["vault", "rotate"]);
    cli(env, &["vault", "rewrap"]);
    let new_ring = std::fs::read_to_string(&key_file).unwrap();
    let new_primary = new_ring.split(':').next().unwrap().to_owned();
    assert_ne!(old_ring, new_ring);
    let sealed = sealed_values(env, &id).await;
    assert!(!sealed.is_empty());
    assert!(
        sealed
            .iter()
            .all(|v| v.starts_with(&format!("v1.{new_primary}."))),
        "the rewrap moved the stored value onto the new key: {sealed:?}"
    );

    // The same server, not restarted, opens what the rewrap sealed under the new key.
    let (status, body) = env
        .server
        .as_user(&env.admin)
        .get(&format!(
            "/v1/credential/credentials/{id}/secure-values/password"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["value"], "hunter2", "{body}");

    // And seals new values under the new primary.
    let newer = create_credential(env, &type_id, "Core", "swordfish").await;
    let sealed = sealed_values(env, newer["id"].as_str().unwrap()).await;
    assert!(
        sealed
            .iter()
            .all(|v| v.starts_with(&format!("v1.{new_primary}."))),
        "{sealed:?}"
    );
}

#[tokio::test]
async fn rotate_and_rewrap_need_no_restart_on_sqlite() {
    rotate_and_rewrap_need_no_restart(&env().await).await;
}

#[tokio::test]
async fn rotate_and_rewrap_need_no_restart_on_postgres() {
    let Some(url) = postgres_test_url("rotate_and_rewrap_need_no_restart_on_postgres").await else {
        return;
    };
    rotate_and_rewrap_need_no_restart(&env_on(&url).await).await;
}
