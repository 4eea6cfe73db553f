//! API keys as an attacker with a small foothold would try them: a key never holds more than
//! its owner at the moment of the request, nor more than its own grants; a key cannot be made
//! with more than its maker holds; revoked, expired, unknown and mistyped keys are refused; a
//! revocation bites on every replica. On SQLite and PostgreSQL.

use optima_core::store::{RoleStore, UserStore};
use optima_server::config::Config;
use optima_server::testing::{TestServer, sqlite_test_url};
use serde_json::{Value, json};

const SECRET: &str = "api-key-test-signing-secret-0123456789";

fn config(url: String, dir: &std::path::Path) -> Config {
    let mut cfg = Config::for_database(url, dir);
    cfg.jwt_secret = Some(secrecy::SecretString::from(SECRET.to_owned()));
    cfg
}

#[macro_use]
#[path = "support/backends.rs"]
mod backends;

/// A server on SQLite in `dir`.
async fn sqlite_server(dir: &std::path::Path) -> TestServer {
    TestServer::start(config(sqlite_test_url(dir), dir))
        .await
        .unwrap()
}

/// Creates a key through the API as the holder of `token`; answers the status and body.
async fn create(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    server.as_user(token).post("/v1/api-keys", body).await
}

/// Creates a key that must be created; answers the whole key and its id.
async fn key_for(server: &TestServer, token: &str, permissions: &[&str]) -> (String, String) {
    let (status, body) = create(
        server,
        token,
        json!({"name": "script", "permissions": permissions}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["data"]["key"].as_str().unwrap().to_owned(),
        body["data"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn me(server: &TestServer, key: &str) -> (u16, Value) {
    server.as_user(key).get("/v1/user/@me").await
}

async fn scenario(url: String, dir: &std::path::Path) {
    let server = TestServer::start(config(url, dir)).await.unwrap();
    let (owner, token) = server
        .user_with_grants(&["api_key.*", "user.read", "role.read", "role.list"])
        .await;

    // The secret is shown once, shaped as documented, and acts for its owner: as a bearer
    // token and as X-API-Key.
    let (key, key_id) = key_for(&server, &token, &["user.read", "api_key.read"]).await;
    assert!(key.starts_with("optima_"), "{key}");
    let (status, body) = me(&server, &key).await;
    assert_eq!(
        (status, body["data"]["id"].as_str()),
        (200, Some(owner.id.as_str()))
    );
    let (status, _) = server
        .anonymous()
        .header("x-api-key", &key)
        .get("/v1/user/@me")
        .await;
    assert_eq!(status, 200, "X-API-Key works too");

    // Lists show the prefix, never the secret.
    let (status, body) = server.as_user(&token).get("/v1/api-keys").await;
    assert_eq!(status, 200);
    let listed = &body["data"][0];
    assert_eq!(listed["id"], key_id.as_str());
    assert!(key.contains(listed["keyPrefix"].as_str().unwrap()));
    assert!(
        !body.to_string().contains(&key),
        "the secret is never listed"
    );
    assert!(listed.get("key").is_none());

    // The key holds only its own grants: its owner may read roles, the key may not.
    assert_eq!(server.as_user(&token).get("/v1/role").await.0, 200);
    let (status, body) = server.as_user(&key).get("/v1/role").await;
    assert_eq!(status, 403, "{body}");

    // Nor more than its owner: `*` on the key gives only what the owner holds.
    let (star, _) = key_for(&server, &token, &["*"]).await;
    assert_eq!(server.as_user(&star).get("/v1/role").await.0, 200);
    assert_eq!(server.as_user(&star).get("/v1/user/users").await.0, 403);

    // Writing a grant its owner lacks gives the key nothing.
    let (wider, _) = key_for(&server, &token, &["user.read.other", "user.list.other"]).await;
    assert_eq!(server.as_user(&wider).get("/v1/user/users").await.0, 403);
    // A key makes keys only when it may, and never with more than itself.
    let (status, _) = create(&server, &key, json!({"name": "child", "permissions": []})).await;
    assert_eq!(status, 403, "the key lacks api_key.create");
    let (maker, maker_id) = key_for(&server, &token, &["api_key.create", "user.read"]).await;
    let (status, body) = create(
        &server,
        &maker,
        json!({"name": "child", "permissions": ["role.read"]}),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("PermissionEscalation")),
        "{body}"
    );
    let (status, body) = create(
        &server,
        &maker,
        json!({"name": "child", "permissions": ["*"]}),
    )
    .await;
    assert_eq!(
        status, 403,
        "`*` through a key is all its owner holds: more than the key {body}"
    );
    let (child, _) = key_for(&server, &maker, &["user.read"]).await;
    assert_eq!(
        me(&server, &child).await.0,
        200,
        "within itself, a key may make keys"
    );
    // Revoking a key revokes what it made: a thief's copies end with the leaked key.
    let (status, body) = server.as_user(&token).get("/v1/api-keys").await;
    assert_eq!(status, 200);
    assert!(
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["createdByKeyId"] == maker_id.as_str()),
        "the list says which key made which: {body}"
    );
    let (status, _) = server
        .as_user(&token)
        .delete(&format!("/v1/api-keys/{maker_id}"))
        .await;
    assert_eq!(status, 200);
    let (status, body) = me(&server, &child).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("This API key was revoked"))
    );
    // A key does not end its owner's sessions.
    assert_eq!(
        server
            .as_user(&star)
            .post("/v1/auth/logout-all", None)
            .await
            .0,
        403
    );

    // Check-permission through a key says which side decided.
    let (_, explainer) = server
        .user_with_grants(&["api_key.*", "user.read", "permission.explain", "role.read"])
        .await;
    let (narrow, _) = key_for(&server, &explainer, &["user.read", "permission.explain"]).await;
    let (status, body) = server
        .as_user(&narrow)
        .post(
            "/v1/user/@me/check-permission",
            json!({"permissions": ["role.read", "user.read.other"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let results = &body["data"]["results"];
    assert_eq!(results[0]["hasPermission"], false);
    assert!(
        results[0]["explanation"]
            .as_str()
            .unwrap()
            .starts_with("API key")
    );
    assert!(
        results[1]["explanation"]
            .as_str()
            .unwrap()
            .starts_with("owner:")
    );

    // Demoting the owner shrinks the key at once.
    let demoted = server
        .state
        .store
        .find_user(&owner.id)
        .await
        .unwrap()
        .unwrap();
    let role_id = demoted.roles[0].clone();
    let mut role = server
        .state
        .store
        .find_role(&role_id)
        .await
        .unwrap()
        .unwrap();
    role.permissions.retain(|p| p != "user.read");
    server.state.store.update_role(&role).await.unwrap();
    assert_eq!(
        me(&server, &key).await.0,
        403,
        "the owner no longer reads themself"
    );
    role.permissions.push("user.read".into());
    server.state.store.update_role(&role).await.unwrap();
    assert_eq!(me(&server, &key).await.0, 200);

    // A mistyped secret with a real prefix is simply invalid; so is an unknown prefix.
    let mistyped = format!("{}x", &key[..key.len() - 1]);
    let (status, body) = me(&server, &mistyped).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Invalid API key"))
    );
    let (status, body) = me(&server, "optima_zzzzzzzzzz_nothere").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Invalid API key"))
    );

    // Someone else cannot see or revoke the key without the `.all` permissions: a 404, as if
    // it did not exist.
    let (_, other) = server
        .user_with_grants(&["api_key.read", "api_key.revoke"])
        .await;
    let path = format!("/v1/api-keys/{key_id}");
    assert_eq!(server.as_user(&other).get(&path).await.0, 404);
    assert_eq!(server.as_user(&other).delete(&path).await.0, 404);
    assert_eq!(me(&server, &key).await.0, 200, "still working");
    let (_, auditor) = server
        .user_with_grants(&["api_key.read", "api_key.read.all"])
        .await;
    assert_eq!(
        server.as_user(&auditor).get("/v1/api-keys/all").await.0,
        200
    );
    assert_eq!(server.as_user(&auditor).get(&path).await.0, 200);

    // Revoked: refused at the next request, and said so to the key's holder.
    let (status, body) = server.as_user(&token).delete(&path).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["revokedAt"].is_string());
    let (status, body) = me(&server, &key).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("This API key was revoked"))
    );

    // Expiry: a time in the past is refused at creation; a key past its time is refused.
    let (status, body) = create(
        &server,
        &token,
        json!({"name": "old", "permissions": [], "expiresAt": "2000-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["path"].clone()),
        (400, json!(["body", "expiresAt"]))
    );
    let minted = optima_server::auth::api_keys::mint();
    server
        .state
        .store
        .create_api_key(&optima_server::store::api_keys::NewApiKey {
            owner_id: owner.id.clone(),
            name: "lapsed".into(),
            description: None,
            prefix: minted.prefix,
            secret_hash: minted.hash,
            permissions: vec!["user.read".into()],
            expires_at: Some(chrono::Utc::now() - chrono::Duration::seconds(1)),
            created_by_key: None,
        })
        .await
        .unwrap();
    use secrecy::ExposeSecret;
    let (status, body) = me(&server, minted.key.expose_secret()).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("This API key has expired"))
    );

    // Deleting the owner ends every key at once.
    server.state.store.delete_user(&owner.id).await.unwrap();
    assert_eq!(me(&server, &star).await.0, 401);
}

on_both_backends!(
    scenario,
    keys_act_for_their_owner_and_never_beyond_on_sqlite,
    keys_act_for_their_owner_and_never_beyond_on_postgres
);

/// Two replicas on one database: a key revoked through one is refused there at once, and on
/// the other once its grants version has aged past the documented bound.
async fn revocation_reaches_every_replica(url: String, dir: &std::path::Path) {
    let here = TestServer::start(config(url.clone(), dir)).await.unwrap();
    let there = TestServer::start(config(url, dir)).await.unwrap();
    let (_, token) = here.user_with_grants(&["api_key.*", "user.read"]).await;
    let (key, id) = key_for(&here, &token, &["user.read"]).await;
    assert_eq!(me(&here, &key).await.0, 200);
    assert_eq!(me(&there, &key).await.0, 200);
    let (status, _) = there
        .as_user(&token)
        .delete(&format!("/v1/api-keys/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        me(&there, &key).await.0,
        401,
        "at once where it was revoked"
    );
    tokio::time::sleep(
        optima_server::store::rbac_version::CROSS_PROCESS_STALENESS
            + std::time::Duration::from_millis(50),
    )
    .await;
    let (status, body) = me(&here, &key).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("This API key was revoked")),
        "on the other replica once the bound has passed"
    );
}

on_both_backends!(
    revocation_reaches_every_replica,
    revocation_reaches_every_replica_on_sqlite,
    revocation_reaches_every_replica_on_postgres
);

/// Only the hash of a key is kept: the secret is nowhere in the database files.
#[tokio::test]
async fn the_secret_is_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = sqlite_server(dir.path()).await;
    let (_, token) = server
        .user_with_grants(&["api_key.create", "user.read"])
        .await;
    let (key, _) = key_for(&server, &token, &["user.read"]).await;
    assert_eq!(me(&server, &key).await.0, 200);
    // `optima_<prefix>_<secret>`: the secret is URL-safe base64 and may itself hold `_`, so it
    // is everything after the prefix (a fragment after its last `_` could be two characters,
    // found in any file by chance).
    let secret = key.splitn(3, '_').nth(2).unwrap().to_owned();
    assert_eq!(secret.len(), 43, "{key}");
    drop(server);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the key's secret is in {}",
                path.display()
            );
        }
    }
}

/// Adds `nodes` to the first role of user `user_id`, through the store: a promotion.
async fn promote(server: &TestServer, user_id: &str, nodes: &[&str]) {
    let user = server
        .state
        .store
        .find_user(user_id)
        .await
        .unwrap()
        .unwrap();
    let mut role = server
        .state
        .store
        .find_role(&user.roles[0])
        .await
        .unwrap()
        .unwrap();
    role.permissions
        .extend(nodes.iter().map(|n| (*n).to_owned()));
    server.state.store.update_role(&role).await.unwrap();
}

/// A key made by a key holds at most what its maker holds, then and later: checking only what
/// the owner holds at creation would let it write grants the owner lacks today and outgrow its
/// maker at the owner's next promotion.
async fn a_key_made_by_a_key_never_outgrows_it(url: String, dir: &std::path::Path) {
    let server = TestServer::start(config(url, dir)).await.unwrap();
    let (owner, token) = server
        .user_with_grants(&["api_key.create", "user.read"])
        .await;
    let (maker, _) = key_for(&server, &token, &["api_key.create", "user.read"]).await;
    let mut children = Vec::new();
    // What the owner lacks today gives a child nothing today; the maker lacks it for good.
    for permissions in [json!(["*"]), json!(["user.read", "role.read", "role.list"])] {
        let (status, body) = create(
            &server,
            &maker,
            json!({"name": "child", "permissions": permissions}),
        )
        .await;
        if status == 201 {
            children.push(body["data"]["key"].as_str().unwrap().to_owned());
        } else {
            assert_eq!(
                (status, body["error"].as_str()),
                (403, Some("PermissionEscalation")),
                "{body}"
            );
        }
    }
    let (within, _) = key_for(&server, &maker, &["user.read"]).await;
    children.push(within);

    promote(&server, &owner.id, &["role.read", "role.list"]).await;
    assert_eq!(server.as_user(&token).get("/v1/role").await.0, 200);
    assert_eq!(server.as_user(&maker).get("/v1/role").await.0, 403);
    for child in &children {
        assert_eq!(
            server.as_user(child).get("/v1/role").await.0,
            403,
            "a key made by a key that cannot read roles reads them"
        );
        assert_eq!(me(&server, child).await.0, 200);
    }
}

on_both_backends!(
    a_key_made_by_a_key_never_outgrows_it,
    a_key_made_by_a_key_never_outgrows_it_on_sqlite,
    a_key_made_by_a_key_never_outgrows_it_on_postgres
);

/// A key made by a key expires no later than its maker: otherwise a stolen key that is about to
/// expire buys the thief a key that never does.
#[tokio::test]
async fn a_key_made_by_a_key_never_outlives_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = sqlite_server(dir.path()).await;
    let (_, token) = server
        .user_with_grants(&["api_key.create", "user.read"])
        .await;
    let at = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339();
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    let (status, body) = create(
        &server,
        &token,
        json!({"name": "maker", "permissions": ["api_key.create", "user.read"], "expiresAt": at(in_an_hour)}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let maker = body["data"]["key"].as_str().unwrap().to_owned();
    for expires_at in [None, Some(at(in_an_hour + chrono::Duration::days(365)))] {
        let (status, body) = create(
            &server,
            &maker,
            json!({"name": "child", "permissions": ["user.read"], "expiresAt": expires_at}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("PermissionEscalation")),
            "a child expiring at {expires_at:?} outlives its maker: {body}"
        );
    }
    let sooner = at(in_an_hour - chrono::Duration::minutes(30));
    let (status, body) = create(
        &server,
        &maker,
        json!({"name": "child", "permissions": ["user.read"], "expiresAt": sooner}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // A user's own key, made with a token, may live as long as they like.
    let (status, body) = create(
        &server,
        &token,
        json!({"name": "forever", "permissions": ["user.read"]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}
