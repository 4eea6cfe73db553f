//! The audit trail as someone with the database in hand would try to bend it: an edited, a
//! removed and an inserted event are each named by `verify`; replicas writing at once keep one
//! chain; a cursor does not shift while others write; pruning leaves a chain that verifies; the
//! sign-in routes leave their events too. On SQLite and PostgreSQL.

use optima_server::audit::AuditEvent;
use optima_server::audit::chain::{Break, event_hash};
use optima_server::audit::cli::{export, verify};
use optima_server::auth::tokens::hash_secret;
use optima_server::config::Config;
use optima_server::routes::{Auth, ROUTES};
use optima_server::testing::TestServer;
use serde_json::{Value, json};

#[macro_use]
#[path = "support/backends.rs"]
mod backends;

fn config(url: String, dir: &std::path::Path) -> Config {
    let mut cfg = Config::for_database(url, dir);
    cfg.jwt_secret = Some(secrecy::SecretString::from(
        "audit-test-signing-secret-0123456789".to_owned(),
    ));
    cfg
}

/// A server, and the token of a user who may change roles and read the trail.
async fn server_and_admin(url: String, dir: &std::path::Path) -> (TestServer, String) {
    let server = TestServer::start(config(url, dir)).await.unwrap();
    let (_, token) = server
        .user_with_grants(&["role.*", "audit.events.read"])
        .await;
    (server, token)
}

/// Creates a role through the API; answers its id.
async fn create_role(server: &TestServer, token: &str, moniker: &str) -> String {
    let (status, body) = server
        .as_user(token)
        .post("/v1/role", json!({"title": "Audited", "moniker": moniker}))
        .await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

async fn rows(server: &TestServer) -> Vec<AuditEvent> {
    server
        .state
        .store
        .audit_events_after(0, 10_000)
        .await
        .unwrap()
}

async fn execute(server: &TestServer, sql: &str, seq: i64) {
    sqlx::query(sql)
        .bind(seq)
        .execute(&server.state.store.db().pool)
        .await
        .unwrap();
}

async fn put_back(server: &TestServer, event: &AuditEvent) {
    sqlx::query(
        "INSERT INTO audit_events (seq, at, outcome, operation_id, actor_user_id, api_key_id, \
         resource_kind, resource_id, request_id, client_address, changes, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(event.seq)
    .bind(&event.at)
    .bind(&event.outcome)
    .bind(&event.operation_id)
    .bind(&event.actor_user_id)
    .bind(&event.api_key_id)
    .bind(&event.resource_kind)
    .bind(&event.resource_id)
    .bind(&event.request_id)
    .bind(&event.client_address)
    .bind(&event.changes)
    .bind(&event.prev_hash)
    .bind(&event.hash)
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
}

async fn broken(server: &TestServer) -> Break {
    match verify(&server.state.store).await {
        Err(optima_server::audit::cli::AuditCliError::Broken(b)) => b,
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

async fn tampering_is_named(url: String, dir: &std::path::Path) {
    let (server, token) = server_and_admin(url, dir).await;
    for i in 0..6 {
        create_role(&server, &token, &format!("audited-{i}")).await;
    }
    let verified = verify(&server.state.store).await.unwrap();
    assert_eq!(verified.events, 6);
    assert_eq!(verified.head_seq, 6);
    let original = rows(&server).await;

    // Edited: someone rewrites what event 3 says was changed.
    execute(
        &server,
        "UPDATE audit_events SET changes = '{}' WHERE seq = $1",
        3,
    )
    .await;
    assert_eq!(broken(&server).await, Break::Altered { seq: 3 });
    // ... and recomputes its hash to match: the next event no longer follows it.
    let mut forged = original[2].clone();
    forged.changes = Some("{}".into());
    forged.hash = event_hash(&forged);
    execute(&server, "DELETE FROM audit_events WHERE seq = $1", 3).await;
    put_back(&server, &forged).await;
    assert_eq!(broken(&server).await, Break::Unlinked { seq: 4 });
    execute(&server, "DELETE FROM audit_events WHERE seq = $1", 3).await;
    put_back(&server, &original[2]).await;
    verify(&server.state.store).await.unwrap();

    // Removed: event 4 disappears.
    execute(&server, "DELETE FROM audit_events WHERE seq = $1", 4).await;
    assert_eq!(
        broken(&server).await,
        Break::Gap {
            seq: 5,
            expected_seq: 4
        }
    );
    put_back(&server, &original[3]).await;
    verify(&server.state.store).await.unwrap();

    // Inserted: a made-up event after the last one, and one squeezed in by renumbering.
    let mut made_up = original[5].clone();
    made_up.seq = 7;
    made_up.prev_hash = original[5].hash.clone();
    made_up.resource_id = Some("made-up".into());
    put_back(&server, &made_up).await;
    assert_eq!(broken(&server).await, Break::Altered { seq: 7 });
    execute(&server, "DELETE FROM audit_events WHERE seq = $1", 7).await;
    for seq in (5..=6).rev() {
        execute(
            &server,
            "UPDATE audit_events SET seq = seq + 1 WHERE seq = $1",
            seq,
        )
        .await;
    }
    let mut squeezed = original[4].clone();
    squeezed.resource_id = Some("squeezed-in".into());
    squeezed.hash = event_hash(&squeezed);
    put_back(&server, &squeezed).await;
    // The squeezed-in event links to event 4, but the one after it was moved: it no longer
    // matches its hash.
    assert_eq!(broken(&server).await, Break::Altered { seq: 6 });
}

on_both_backends!(
    tampering_is_named,
    tampering_is_named_on_sqlite,
    tampering_is_named_on_postgres
);

/// Two replicas on one database, each taking many changes at once: one chain, no gaps, no fork.
async fn replicas_writing_at_once_keep_one_chain(url: String, dir: &std::path::Path) {
    let (here, token) = server_and_admin(url.clone(), dir).await;
    let there = TestServer::start(config(url, dir)).await.unwrap();
    let per_replica = 15;
    let token = &token;
    let writes = (0..per_replica).flat_map(|i| {
        [&here, &there]
            .into_iter()
            .enumerate()
            .map(move |(r, server)| async move {
                create_role(server, token, &format!("r{r}-{i}")).await
            })
    });
    futures::future::join_all(writes).await;
    let verified = verify(&here.state.store).await.unwrap();
    assert_eq!(verified.events, 2 * per_replica);
    let events = rows(&there).await;
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=2 * per_replica as i64).collect::<Vec<_>>());
}

on_both_backends!(
    replicas_writing_at_once_keep_one_chain,
    replicas_writing_at_once_keep_one_chain_on_sqlite,
    replicas_writing_at_once_keep_one_chain_on_postgres
);

async fn list(server: &TestServer, token: &str, query: &str) -> (u16, Value) {
    server
        .as_user(token)
        .get(&format!("/v1/audit/events{query}"))
        .await
}

/// Pages by cursor hold still while others write, and every filter narrows.
async fn cursor_and_filters(url: String, dir: &std::path::Path) {
    let (server, token) = server_and_admin(url, dir).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(create_role(&server, &token, &format!("paged-{i}")).await);
    }
    let (status, first) = list(&server, &token, "?limit=2").await;
    assert_eq!(status, 200, "{first}");
    let seqs = |page: &Value| -> Vec<i64> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&first), vec![5, 4]);
    // Someone writes between two pages: the next page is still the next two older events.
    create_role(&server, &token, "meanwhile").await;
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let (_, second) = list(&server, &token, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(seqs(&second), vec![3, 2]);
    let cursor = second["nextCursor"].as_str().unwrap().to_owned();
    let (_, last) = list(&server, &token, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(seqs(&last), vec![1]);
    assert!(last["nextCursor"].is_null(), "{last}");

    let (_, about) = list(
        &server,
        &token,
        &format!("?resourceKind=role&resourceId={}", ids[2]),
    )
    .await;
    assert_eq!(seqs(&about), vec![3]);
    assert_eq!(about["data"][0]["changes"]["moniker"]["after"], "paged-2");
    let (_, by_operation) = list(&server, &token, "?operationId=createRole").await;
    assert_eq!(by_operation["data"].as_array().unwrap().len(), 6);

    // A refusal is on the trail, under its own outcome, with who was refused.
    let (nobody, nobody_token) = server.user_with_grants(&[]).await;
    let (status, _) = server
        .as_user(&nobody_token)
        .post("/v1/role", json!({"title": "X", "moniker": "x"}))
        .await;
    assert_eq!(status, 403);
    let (_, denied) = list(
        &server,
        &token,
        &format!("?outcome=denied&actorUserId={}", nobody.id),
    )
    .await;
    assert_eq!(seqs(&denied), vec![7], "{denied}");
    assert_eq!(denied["data"][0]["operationId"], "createRole");
    // ... and reading the trail needs its own permission (and is refused, and recorded).
    let (status, _) = list(&server, &nobody_token, "").await;
    assert_eq!(status, 403);

    let future = "2999-01-01T00:00:00Z";
    let (_, none) = list(&server, &token, &format!("?since={future}")).await;
    assert_eq!(seqs(&none), Vec::<i64>::new());
    let (_, all) = list(&server, &token, &format!("?until={future}&limit=1000")).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 8);

    for (query, parameter) in [
        ("?cursor=abc", "cursor"),
        ("?cursor=-1", "cursor"),
        ("?outcome=maybe", "outcome"),
    ] {
        let (status, body) = list(&server, &token, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.to_string().contains(parameter), "{query}: {body}");
    }
}

on_both_backends!(
    cursor_and_filters,
    cursor_and_filters_on_sqlite,
    cursor_and_filters_on_postgres
);

/// Export writes JSON lines from a time; pruning keeps a chain that verifies from its
/// checkpoint, says so on the trail, and later events follow it.
async fn export_and_prune(url: String, dir: &std::path::Path) {
    let (server, token) = server_and_admin(url, dir).await;
    for i in 0..4 {
        create_role(&server, &token, &format!("kept-{i}")).await;
    }
    let mut out = Vec::new();
    assert_eq!(
        export(&server.state.store, None, &mut out).await.unwrap(),
        4
    );
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[3]["operationId"], "createRole");
    assert!(lines[3]["hash"].is_string() && lines[3]["prevHash"] == lines[2]["hash"]);
    let since: chrono::DateTime<chrono::Utc> = lines[2]["at"].as_str().unwrap().parse().unwrap();
    let mut out = Vec::new();
    assert!(
        export(&server.state.store, Some(since), &mut out)
            .await
            .unwrap()
            >= 2
    );

    // Everything but the newest event is older than a cutoff in the future.
    let cutoff = chrono::Utc::now() + chrono::Duration::hours(1);
    let pruned = server.state.store.prune_audit_events(cutoff).await.unwrap();
    assert_eq!(pruned, 3);
    let verified = verify(&server.state.store).await.unwrap();
    assert_eq!(verified.from_seq, 3);
    let kept = rows(&server).await;
    assert_eq!(kept.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 5]);
    assert_eq!(kept[1].operation_id, "pruneAuditEvents");
    create_role(&server, &token, "after-pruning").await;
    assert_eq!(verify(&server.state.store).await.unwrap().head_seq, 6);
    // Removing the first kept events is still seen, even behind a checkpoint moved to match:
    // no pruning on the trail says the chain starts there.
    let kept = rows(&server).await;
    assert_eq!(
        kept.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![4, 5, 6]
    );
    execute(&server, "DELETE FROM audit_events WHERE seq <= $1", 5).await;
    assert_eq!(
        broken(&server).await,
        Break::Gap {
            seq: 6,
            expected_seq: 4
        }
    );
    sqlx::query("UPDATE audit_checkpoint SET seq = $1, hash = $2")
        .bind(kept[1].seq)
        .bind(&kept[1].hash)
        .execute(&server.state.store.db().pool)
        .await
        .unwrap();
    assert_eq!(broken(&server).await, Break::Checkpoint { seq: 5 });
}

on_both_backends!(
    export_and_prune,
    export_and_prune_on_sqlite,
    export_and_prune_on_postgres
);

/// The public routes that change something leave their events, naming who once known.
async fn sign_in_routes_are_audited(url: String, dir: &std::path::Path) {
    let server = TestServer::start(config(url, dir)).await.unwrap();
    let (user, _) = server.user_with_grants(&[]).await;

    let callback_key = "callback-key-for-the-audit-test";
    let expires = chrono::Utc::now().timestamp() + 300;
    server
        .state
        .store
        .put_auth_result(&hash_secret(callback_key), Ok(&user.id), expires)
        .await
        .unwrap();
    let (status, body) = server
        .anonymous()
        .post("/v1/auth/exchange", json!({"callbackKey": callback_key}))
        .await;
    assert_eq!(status, 201, "{body}");
    let refresh = body["data"]["refreshToken"].as_str().unwrap().to_owned();
    let (status, body) = server
        .anonymous()
        .header("x-refresh-token", &refresh)
        .post("/v1/auth/refresh", None)
        .await;
    assert_eq!(status, 201, "{body}");
    let refresh = body["data"]["refreshToken"].as_str().unwrap().to_owned();
    let (status, _) = server
        .anonymous()
        .header("x-refresh-token", &refresh)
        .post("/v1/auth/logout", None)
        .await;
    assert_eq!(status, 200);

    let events = rows(&server).await;
    let operations: Vec<&str> = events.iter().map(|e| e.operation_id.as_str()).collect();
    assert_eq!(
        operations,
        vec!["exchangeCallbackKey", "refreshToken", "logout"]
    );
    // These are every route without a bearer token that changes something (the bearer ones are
    // covered route by route in route_auth.rs): a new one must join this scenario. (ConnectWise's
    // callbacks are covered in connectwise_callbacks.rs, against a stand-in ConnectWise.)
    let mut public_changes: Vec<&str> = ROUTES
        .iter()
        .filter(|r| r.changes_state && r.auth != Auth::Bearer)
        .filter(|r| r.operation_id != "connectWiseCallback")
        .map(|r| r.operation_id)
        .collect();
    public_changes.sort_unstable();
    let mut seen = operations.clone();
    seen.sort_unstable();
    assert_eq!(public_changes, seen);
    for event in &events {
        assert_eq!(event.actor_user_id.as_deref(), Some(user.id.as_str()));
        assert_eq!(event.outcome, "succeeded");
    }
    verify(&server.state.store).await.unwrap();
}

on_both_backends!(
    sign_in_routes_are_audited,
    sign_in_routes_are_audited_on_sqlite,
    sign_in_routes_are_audited_on_postgres
);

/// What goes with a record is itemised: revoking a key revokes, and records, every key made
/// through it; a key revoked already is not recorded again.
async fn cascades_are_itemised(url: String, dir: &std::path::Path) {
    let server = TestServer::start(config(url, dir)).await.unwrap();
    let (owner, token) = server
        .user_with_grants(&["api_key.*", "audit.events.read"])
        .await;
    let make = async |bearer: &str, name: &str| {
        let (status, body) = server
            .as_user(bearer)
            .post(
                "/v1/api-keys",
                json!({"name": name, "permissions": ["api_key.*"]}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["data"]["key"].as_str().unwrap().to_owned(),
            body["data"]["id"].as_str().unwrap().to_owned(),
        )
    };
    let (parent_key, parent) = make(&token, "parent").await;
    let (_, child) = make(&parent_key, "child").await;
    let (_, other) = make(&token, "unrelated").await;
    let (status, body) = server
        .as_user(&token)
        .delete(&format!("/v1/api-keys/{parent}"))
        .await;
    assert_eq!(status, 200, "{body}");
    let revoked: Vec<AuditEvent> = rows(&server)
        .await
        .into_iter()
        .filter(|e| e.operation_id == "revokeApiKey")
        .collect();
    let mut ids: Vec<&str> = revoked
        .iter()
        .map(|e| e.resource_id.as_deref().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![parent.as_str(), child.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(!ids.contains(&other.as_str()));
    for event in &revoked {
        assert!(event.changes.as_deref().unwrap().contains("revoked_at"));
        assert_eq!(event.actor_user_id.as_deref(), Some(owner.id.as_str()));
    }
    // Revoking again changes nothing: one event for the request, without a difference.
    let (status, _) = server
        .as_user(&token)
        .delete(&format!("/v1/api-keys/{parent}"))
        .await;
    assert_eq!(status, 200);
    let again: Vec<AuditEvent> = rows(&server)
        .await
        .into_iter()
        .filter(|e| e.operation_id == "revokeApiKey")
        .collect();
    assert_eq!(again.len(), 3);
    assert!(again[2].changes.is_none());
    verify(&server.state.store).await.unwrap();
}

on_both_backends!(
    cascades_are_itemised,
    cascades_are_itemised_on_sqlite,
    cascades_are_itemised_on_postgres
);
