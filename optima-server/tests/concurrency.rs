//! Many writers and several processes on one database: concurrent credential creates over
//! HTTP, the server and a command-line verb starting together on a fresh data dir, overlapping
//! syncs from different processes, a scheduled run that finds one kind locked elsewhere, and
//! the modes of the files SQLite keeps.

#[path = "support/fake_connectwise.rs"]
#[allow(dead_code)] // this file changes no records between syncs
mod fake_connectwise;
#[path = "support/vault_http.rs"]
mod vault_http;

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use fake_connectwise::FakeConnectWise;
use optima_server::app::build_state;
use optima_server::config::Config;
use optima_server::sync::{
    SyncError, SyncMode, SyncTarget, WhenBusy, lock_kind, run_scheduled, run_target_with,
};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use serde_json::{Value, json};
use vault_http::{Env, create_type, credential_body, env, env_on};

/// Bounds a wait that should end long before it, so a broken test fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(120);

// ---- 64 concurrent credential creates ----

async fn concurrent_creates(env: &Env) {
    let type_id = create_type(env, "Concurrent VPN", "vpn").await;
    let creates = (0..64).map(|i| {
        let body = credential_body(
            &type_id,
            "acme",
            &format!("vpn {i}"),
            &format!("password {i}"),
            &format!("psk {i}"),
        );
        let server = &env.server;
        let admin = &env.admin;
        async move {
            let (status, body) = server
                .as_user(admin)
                .post("/v1/credential/credentials", body)
                .await;
            (i, status, body)
        }
    });
    let results = futures::future::join_all(creates).await;
    let failures: Vec<String> = results
        .iter()
        .filter(|(_, status, _)| *status != 201)
        .map(|(i, status, body)| format!("#{i}: {status} {body}"))
        .collect();
    assert!(failures.is_empty(), "not created: {failures:#?}");

    for (i, _, body) in &results {
        let id = body["data"]["id"].as_str().expect("an id");
        let (status, read) = env
            .server
            .as_user(&env.admin)
            .get(&format!("/v1/credential/credentials/{id}"))
            .await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(read["data"]["name"], format!("vpn {i}"));
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE parent_id IS NULL")
        .fetch_one(&env.server.state.store.db().pool)
        .await
        .unwrap();
    assert_eq!(count, 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_creates_all_succeed_on_sqlite() {
    concurrent_creates(&env().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_creates_all_succeed_on_postgres() {
    let Some(url) = postgres_test_url("sixty_four_concurrent_creates").await else {
        return;
    };
    concurrent_creates(&env_on(&url).await).await;
}

// ---- the binary ----

/// `optima-server` with only the settings given (none inherited from the test's environment).
fn optima(dir: &Path, settings: &[(&str, String)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_optima-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OPTIMA_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(dir)
        .env("OPTIMA_LOG", "info,sqlx=warn")
        .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process that is killed if the test ends without waiting for it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_and_a_cli_verb_start_together_on_a_fresh_data_dir() {
    let http = reqwest::Client::new();
    for round in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let port = free_port();
        let settings = [
            ("OPTIMA_DATA_DIR", data.display().to_string()),
            ("OPTIMA_LISTEN", format!("127.0.0.1:{port}")),
        ];
        let server_log = dir.path().join("server.log");
        let mut server = Running(
            optima(dir.path(), &settings, &["serve"])
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&server_log).unwrap())
                .spawn()
                .unwrap(),
        );
        let token = optima(
            dir.path(),
            &settings,
            &["token", "--email", "ops@example.com", "--role", "admin"],
        )
        .output()
        .unwrap();
        assert!(
            token.status.success(),
            "round {round}: token failed: {}",
            text(&token.stderr)
        );
        let token = text(&token.stdout).trim().to_owned();

        // The server is up, and honours the token the other process minted (one JWT secret).
        let me = format!("http://127.0.0.1:{port}/v1/user/@me");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let status = loop {
            if let Some(exit) = server.0.try_wait().unwrap() {
                let log = std::fs::read_to_string(&server_log).unwrap_or_default();
                panic!("round {round}: the server exited ({exit}): {log}");
            }
            match http.get(&me).bearer_auth(&token).send().await {
                Ok(response) => break response.status().as_u16(),
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(e) => panic!("round {round}: the server never answered: {e}"),
            }
        };
        assert_eq!(status, 200, "round {round}");
    }
}

// ---- overlapping syncs ----

fn catalog_item(id: i64) -> Value {
    json!({
        "id": id,
        "identifier": format!("ITEM-{id}"),
        "description": format!("Item {id}"),
        "price": 10.5,
        "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}
    })
}

fn connectwise_settings(cw: &FakeConnectWise) -> Vec<(&'static str, String)> {
    let c = cw.config();
    vec![
        ("OPTIMA_CONNECTWISE_URL", c.url),
        ("OPTIMA_CONNECTWISE_COMPANY_ID", c.company_id),
        ("OPTIMA_CONNECTWISE_PUBLIC_KEY", c.public_key),
        (
            "OPTIMA_CONNECTWISE_PRIVATE_KEY",
            secrecy::ExposeSecret::expose_secret(&c.private_key).to_owned(),
        ),
        ("OPTIMA_CONNECTWISE_CLIENT_ID", c.client_id),
        (
            "OPTIMA_CONNECTWISE_CODEBASE",
            c.codebase.unwrap_or_default(),
        ),
    ]
}

fn config_for(url: &str, dir: &Path, cw: &FakeConnectWise) -> Config {
    let mut config = Config::for_database(url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from("concurrency".to_owned()));
    config.connectwise = Some(cw.config());
    config
}

async fn catalog_rows(server: &TestServer) -> (i64, i64) {
    let row: (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT cw_id) FROM catalog_items")
            .fetch_one(&server.state.store.db().pool)
            .await
            .unwrap();
    row
}

/// Reads a child's stderr on a thread: every line, and a signal once a line has `needle`.
fn watch_stderr(
    child: &mut Child,
    needle: &'static str,
) -> (
    std::thread::JoinHandle<String>,
    std::sync::mpsc::Receiver<()>,
) {
    let stderr = child.stderr.take().unwrap();
    let (seen, saw) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains(needle) {
                let _ = seen.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    (reader, saw)
}

async fn overlapping_syncs(url: String, dir: &Path) {
    const ITEMS: i64 = 40;
    let cw = FakeConnectWise::start(
        "procurement/catalog",
        (1..=ITEMS).map(catalog_item).collect(),
        7,
    )
    .await;
    let server = TestServer::start(config_for(&url, dir, &cw)).await.unwrap();
    let mut settings = connectwise_settings(&cw);
    settings.push(("OPTIMA_DATABASE_URL", url.clone()));
    settings.push(("OPTIMA_DATA_DIR", dir.display().to_string()));
    settings.push(("OPTIMA_JWT_SECRET", "concurrency".into()));

    // This test process runs a catalog sync: a command-line sync is refused, says which
    // kind, since when and who, and changes nothing.
    let held = lock_kind(&server.state, "catalog", WhenBusy::Fail)
        .await
        .unwrap();
    let refused: Output = {
        let mut cmd = optima(dir, &settings, &["sync", "catalog"]);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    };
    let stderr = text(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("a catalog sync is already running (since ")
            && stderr.contains(&format!("pid {}", std::process::id()))
            && stderr.contains("--wait"),
        "{stderr}"
    );
    assert_eq!(catalog_rows(&server).await, (0, 0));

    // Two command-line syncs that wait, and one here: they take turns, and every item is
    // created exactly once.
    let mut waiters = Vec::new();
    for _ in 0..2 {
        let mut child = optima(dir, &settings, &["sync", "catalog", "--wait"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (log, waiting) = watch_stderr(&mut child, "waiting for it to finish");
        waiters.push((Running(child), log, waiting));
    }
    for (_, _, waiting) in &waiters {
        waiting
            .recv_timeout(PATIENCE)
            .expect("a --wait sync says it is waiting");
    }
    let here = {
        let state = server.state.clone();
        tokio::spawn(async move {
            run_target_with(
                &state,
                SyncTarget::Catalog,
                SyncMode::Full,
                &optima_server::sync::Quiet,
                WhenBusy::Wait,
            )
            .await
        })
    };
    held.release().await;

    let mut summaries = Vec::new();
    let report = tokio::time::timeout(PATIENCE, here)
        .await
        .expect("the sync here finished")
        .unwrap()
        .unwrap();
    summaries.push((report[0].created, report[0].unchanged));
    for (mut child, log, _) in waiters {
        let output = tokio::task::spawn_blocking(move || {
            let status = child.0.wait().unwrap();
            let mut stdout = String::new();
            std::io::Read::read_to_string(child.0.stdout.as_mut().unwrap(), &mut stdout).unwrap();
            (status, stdout)
        })
        .await
        .unwrap();
        let log = log.join().unwrap();
        assert!(output.0.success(), "{log}");
        let line = output.1.trim();
        let number = |label: &str| -> u64 {
            let before = line.split(&format!(" {label}")).next().unwrap();
            before.rsplit(' ').next().unwrap().parse().unwrap()
        };
        assert!(line.starts_with("catalog (full): 40 fetched"), "{line}");
        summaries.push((number("created"), number("unchanged")));
    }
    summaries.sort();
    assert_eq!(summaries, vec![(0, 40), (0, 40), (40, 0)]);
    assert_eq!(catalog_rows(&server).await, (ITEMS, ITEMS));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_syncs_take_turns_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    overlapping_syncs(sqlite_test_url(dir.path()), dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_syncs_take_turns_on_postgres() {
    let Some(url) = postgres_test_url("overlapping_syncs").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    overlapping_syncs(url, dir.path()).await;
}

// ---- the schedule ----

async fn schedule_goes_past_a_locked_kind(url: String, dir: &Path) {
    let cw = FakeConnectWise::start("procurement/catalog", vec![catalog_item(1)], 5).await;
    let updated = json!({"lastUpdated": "2026-01-01T00:00:00Z"});
    cw.mock(
        "/company/companies",
        200,
        json!([
            {"id": 11, "identifier": "acme", "name": "Acme", "_info": updated},
            {"id": 12, "identifier": "globex", "name": "Globex", "_info": updated}
        ]),
    )
    .await;
    cw.mock("/company/companies/count", 200, json!({"count": 2}))
        .await;
    cw.mock(
        "/sales/opportunities",
        200,
        json!([{"id": 21, "name": "New firewall", "_info": updated}]),
    )
    .await;
    cw.mock("/sales/opportunities/count", 200, json!({"count": 1}))
        .await;
    let config = config_for(&url, dir, &cw);
    let server = TestServer::start(config.clone()).await.unwrap();
    // Another process (its own state, so its own in-process locks) is syncing the catalog.
    let other = build_state(config).await.unwrap();
    let held = lock_kind(&other, "catalog", WhenBusy::Fail).await.unwrap();

    let outcomes = run_scheduled(&server.state, SyncMode::Full).await;
    held.release().await;

    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    let companies = outcomes[0].as_ref().expect("companies synced");
    assert_eq!(
        (companies.kind.as_str(), companies.created),
        ("companies", 2)
    );
    match &outcomes[1] {
        Err(SyncError::Busy(running)) => {
            assert_eq!(running.kind, "catalog");
            let holder = running.holder.as_ref().expect("the holder is known");
            assert!(
                holder.who.contains(&format!("pid {}", std::process::id())),
                "{holder}"
            );
        }
        other => panic!("catalog should be busy: {other:?}"),
    }
    let opportunities = outcomes[2].as_ref().expect("opportunities synced");
    assert_eq!(
        (opportunities.kind.as_str(), opportunities.created),
        ("opportunities", 1)
    );
    assert_eq!(catalog_rows(&server).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_schedule_goes_past_a_kind_locked_elsewhere_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    schedule_goes_past_a_locked_kind(sqlite_test_url(dir.path()), dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_schedule_goes_past_a_kind_locked_elsewhere_on_postgres() {
    let Some(url) = postgres_test_url("schedule_goes_past_a_locked_kind").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    schedule_goes_past_a_locked_kind(url, dir.path()).await;
}

// ---- file modes ----

#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut config = Config::for_database(sqlite_test_url(&data), &data);
    config.jwt_secret = Some(secrecy::SecretString::from("modes".to_owned()));
    let server = TestServer::start(config).await.unwrap();
    // A write, so the write-ahead log has content.
    server.user_with_grants(&["*"]).await;

    let mode = |name: &str| {
        let path = data.join(name);
        let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        meta.permissions().mode() & 0o777
    };
    let dir_mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700, "the data dir");
    for file in [
        "optima.db",
        "optima.db-wal",
        "optima.db-shm",
        "optima.db.migrate.lock",
    ] {
        assert_eq!(mode(file), 0o600, "{file} is {:o}", mode(file));
    }
}
