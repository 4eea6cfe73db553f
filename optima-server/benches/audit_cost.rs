//! What the audit trail costs a write: the same credential update made through the store with
//! auditing (inside a request's audit context, as `PATCH /v1/credential/credentials/{id}` makes
//! it) and without (outside one, as a sync writes), one after the other, then the whole PATCH
//! over HTTP for scale. On SQLite and, when `OPTIMA_TEST_POSTGRES_URL` is set, PostgreSQL.
//!
//! ```text
//! cargo bench -p optima-server --bench audit_cost
//! OPTIMA_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p optima-server --bench audit_cost
//! ```
//!
//! `OPTIMA_BENCH_WRITES` (default 1000) sets the writes per measurement.

use std::time::{Duration, Instant};

use optima_core::vault::{CredentialInput, CredentialStore, FieldInput};
use optima_server::audit::context::{Actor, RequestAudit, scope};
use optima_server::config::Config;
use optima_server::routes;
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use serde_json::json;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Mean, p50 and p99 of `samples`, in milliseconds.
fn summary(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
    let at = |q: f64| ms(samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)]);
    (mean, at(0.50), at(0.99))
}

async fn run(backend: &str, url: String, dir: &std::path::Path) {
    let writes = env_or("OPTIMA_BENCH_WRITES", 1000);
    let mut config = Config::for_database(url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from(
        "audit-bench-signing-secret".to_owned(),
    ));
    let server = TestServer::start(config).await.expect("server");
    let (user, token) = server.user_with_grants(&["*"]).await;
    sqlx::query(
        "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ('bench', 1, 'bench', 'Bench', 'bench', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&server.state.store.db().pool)
    .await
    .expect("company");
    let (status, body) = server
        .as_user(&token)
        .post(
            "/v1/credential-type",
            json!({"name": "Bench", "permissionScope": "bench", "icon": "https://example.com/b.ico",
                   "fields": [
                     {"id": "hostname", "name": "Hostname", "required": true, "secure": false, "valueType": "plain_text"},
                     {"id": "password", "name": "Password", "required": true, "secure": true, "valueType": "password"}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let type_id = body["data"]["id"].as_str().expect("type id").to_owned();
    let ty = optima_core::vault::CredentialTypeStore::get_type(&server.state.store, &type_id)
        .await
        .expect("type")
        .expect("type exists");
    let new = server
        .state
        .vault()
        .create_credential(
            &ty,
            CredentialInput {
                name: "Bench".into(),
                notes: None,
                type_id: type_id.clone(),
                company_id: "bench".into(),
                fields: vec![
                    FieldInput::new("hostname", "vpn.example.com"),
                    FieldInput::new("password", "bench-password"),
                ],
                sub_credentials: Default::default(),
            },
        )
        .expect("credential");
    server
        .state
        .store
        .create_credential(&new)
        .await
        .expect("stored");
    let id = new.credential.id.clone();

    let store = &server.state.store;
    let mut credential = store
        .get_credential(&id)
        .await
        .expect("read")
        .expect("exists");
    let mut update = async |i: usize| {
        credential.notes = Some(format!("note {i}"));
        credential.updated_at = chrono::Utc::now();
        let started = Instant::now();
        store
            .update_credential(&credential, None)
            .await
            .expect("update");
        started.elapsed()
    };
    let context = RequestAudit {
        request_id: Some("bench".into()),
        client_address: Some("127.0.0.1".into()),
        route: Some(routes::UpdateCredential::SPEC),
        command: None,
        actor: Some(Actor {
            user_id: user.id.clone(),
            api_key_id: None,
        }),
        recorded: 0,
    };
    // Interleaved, so that neither side gets a warmer cache or a fuller table.
    let (mut plain, mut audited) = (Vec::new(), Vec::new());
    for i in 0..writes {
        plain.push(update(2 * i).await);
        let (took, _) = scope(context.clone(), update(2 * i + 1)).await;
        audited.push(took);
    }
    let mut http = Vec::new();
    for i in 0..writes {
        let started = Instant::now();
        let (status, body) = server
            .as_user(&token)
            .patch(
                &format!("/v1/credential/credentials/{id}"),
                json!({"notes": format!("over http {i}")}),
            )
            .await;
        http.push(started.elapsed());
        assert_eq!(status, 200, "{body}");
    }
    println!("== {backend}: {writes} sequential writes each (ms)");
    println!("{:<44} {:>8} {:>8} {:>8}", "", "mean", "p50", "p99");
    for (label, samples) in [
        ("update_credential, not audited", &mut plain),
        ("update_credential, audited", &mut audited),
        ("PATCH /v1/credential/credentials/{id}", &mut http),
    ] {
        let (mean, p50, p99) = summary(samples);
        println!("{label:<44} {mean:>8.3} {p50:>8.3} {p99:>8.3}");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing to run.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        run("SQLite", sqlite_test_url(dir.path()), dir.path()).await;
        if let Some(url) = postgres_test_url("the audit benchmark").await {
            run("PostgreSQL", url, dir.path()).await;
        }
    });
}
