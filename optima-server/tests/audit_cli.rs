//! The audit verbs as an operator runs them, on the binary and a fresh SQLite data dir: `token`
//! leaves its changes on the trail; `audit verify` passes, then names an edited event and exits
//! non-zero; `audit export` writes JSON lines, from a time; `audit prune` says what it needs.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_optima-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OPTIMA_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(dir)
        .env("OPTIMA_LOG", "error")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn an_operator_verifies_and_exports_the_trail() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["token", "--email", "ops@example.com", "--role", "admin"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = run(dir.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("audit trail verified: 2 events"),
        "{}",
        text(&out.stdout)
    );

    // The user made and the role given, as the CLI verb's, from the command line.
    let out = run(dir.path(), &["audit", "export"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    for event in &events {
        assert_eq!(event["operationId"], "cli token");
        assert_eq!(event["resourceKind"], "user");
        let from = event["clientAddress"].as_str().unwrap();
        assert!(from.starts_with("command line"), "{from}");
    }
    assert!(events[1]["changes"].as_str().unwrap().contains("admin"));
    let out = run(dir.path(), &["audit", "export", "--since", "2999-01-01"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).is_empty());
    let out = run(dir.path(), &["audit", "export", "--since", "last tuesday"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--since"),
        "{}",
        text(&out.stderr)
    );

    let out = run(dir.path(), &["audit", "prune"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("OPTIMA_AUDIT_RETENTION_DAYS"),
        "{}",
        text(&out.stderr)
    );

    // Someone edits the first event in the database file.
    let url = optima_server::testing::sqlite_test_url(&dir.path().join("data"));
    let db = optima_server::db::Db::connect(&url).await.unwrap();
    sqlx::query("UPDATE audit_events SET actor_user_id = 'someone-else' WHERE seq = 1")
        .execute(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    let out = run(dir.path(), &["audit", "verify"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("event 1 was altered"),
        "{}",
        text(&out.stderr)
    );
}
