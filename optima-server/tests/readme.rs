//! README's promise: on a fresh data dir the binary serves the API on SQLite, answers
//! /v1/teapot, and /v1/user/@me with a token minted by `optima-server token`.

use std::process::{Command, Stdio};
use std::time::Duration;

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn binary_serves_on_a_fresh_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_optima-server");
    let listen = format!("127.0.0.1:{}", free_port());
    let clean_env = |cmd: &mut Command| {
        for (key, _) in std::env::vars() {
            if key.starts_with("OPTIMA_") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(dir.path()).env("OPTIMA_LISTEN", &listen);
    };

    let mut serve = Command::new(bin);
    clean_env(&mut serve);
    let _server = Child(
        serve
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let client = reqwest::Client::new();
    let base = format!("http://{listen}");
    let mut teapot = None;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/v1/teapot")).send().await {
            teapot = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let teapot = teapot.expect("the server came up");
    assert_eq!(teapot.status(), 418);
    assert!(data.join("optima.db").exists(), "SQLite file under ./data");
    assert!(
        data.join("jwt-secret").exists(),
        "signing secret kept in the data dir"
    );

    let mut token = Command::new(bin);
    clean_env(&mut token);
    let out = token
        .args(["token", "--email", "admin@example.com", "--role", "admin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let me: serde_json::Value = client
        .get(format!("{base}/v1/user/@me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["email"], "admin@example.com");
    assert_eq!(me["data"]["roles"], serde_json::json!(["member", "admin"]));

    let mut help = Command::new(bin);
    clean_env(&mut help);
    let out = help.arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for setting in [
        "OPTIMA_LISTEN",
        "OPTIMA_DATA_DIR",
        "OPTIMA_DATABASE_URL",
        "OPTIMA_CONFIG",
        "OPTIMA_JWT_SECRET",
        "OPTIMA_VAULT_KEYS",
        "OPTIMA_BOOTSTRAP_ADMINS",
        "OPTIMA_MICROSOFT_CLIENT_ID",
        "OPTIMA_CONNECTWISE_URL",
        "OPTIMA_UNIFI_URL",
        "OPTIMA_UNIFI_CERT_SHA256",
        "OPTIMA_CONNECTWISE_DEADLINE",
        "OPTIMA_UNIFI_DEADLINE",
        "OPTIMA_LOG (",
        "OPTIMA_SYNC_INTERVAL",
        "OPTIMA_DEFAULT_ROLES",
    ] {
        assert!(help.contains(setting), "--help lists {setting}");
    }
}
