//! The SQL store against the core store contract and the server's own tables, once on SQLite
//! and once on PostgreSQL (when OPTIMA_TEST_POSTGRES_URL is set).

use chrono::Utc;
use optima_server::db::Db;
use optima_server::store::{RefreshOutcome, SqlStore};
use optima_server::testing::{postgres_test_url, sqlite_test_url};

async fn store_at(url: &str) -> SqlStore {
    let db = Db::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    // Migrating twice is harmless (a restart does it).
    db.migrate().await.unwrap();
    SqlStore::new(db)
}

async fn suite(store: SqlStore) {
    optima_core::store::conformance::run(&store).await;
    server_tables(&store).await;
}

async fn server_tables(store: &SqlStore) {
    use optima_core::store::{NewUser, UserStore};
    let now = Utc::now().timestamp();
    let user = store
        .create_user(NewUser {
            name: "R".into(),
            email: "r@example.com".into(),
            login: "r".into(),
            image: None,
            roles: vec![],
        })
        .await
        .unwrap();

    // Sign-in state: single use, expiring.
    store
        .create_auth_request("state-1", "keyhash-1", "verifier", now + 60)
        .await
        .unwrap();
    assert!(store.callback_key_known("keyhash-1", now).await.unwrap());
    assert_eq!(
        store.take_auth_request("state-1", now).await.unwrap(),
        Some(("keyhash-1".into(), "verifier".into()))
    );
    assert_eq!(
        store.take_auth_request("state-1", now).await.unwrap(),
        None,
        "single use"
    );
    store
        .create_auth_request("state-2", "keyhash-2", "v", now - 1)
        .await
        .unwrap();
    assert_eq!(
        store.take_auth_request("state-2", now).await.unwrap(),
        None,
        "expired"
    );
    store
        .put_auth_result("keyhash-1", Ok(&user.id), now + 60)
        .await
        .unwrap();
    assert_eq!(
        store.take_auth_result("keyhash-1", now).await.unwrap(),
        Some(Ok(user.id.clone()))
    );
    assert_eq!(
        store.take_auth_result("keyhash-1", now).await.unwrap(),
        None,
        "single use"
    );
    store
        .put_auth_result("keyhash-3", Err("refused"), now + 60)
        .await
        .unwrap();
    assert_eq!(
        store.take_auth_result("keyhash-3", now).await.unwrap(),
        Some(Err("refused".into()))
    );

    // Refresh tokens: rotate once, reuse detected, family revoked.
    store
        .insert_refresh_token("h1", "fam", &user.id, now, now + 60)
        .await
        .unwrap();
    assert_eq!(
        store.rotate_refresh_token("h1", now).await.unwrap(),
        RefreshOutcome::Rotated {
            family_id: "fam".into(),
            user_id: user.id.clone()
        }
    );
    store
        .insert_refresh_token("h2", "fam", &user.id, now, now + 60)
        .await
        .unwrap();
    assert_eq!(
        store.rotate_refresh_token("h1", now).await.unwrap(),
        RefreshOutcome::Reused {
            family_id: "fam".into()
        }
    );
    store.revoke_family("fam", now).await.unwrap();
    assert_eq!(
        store.rotate_refresh_token("h2", now).await.unwrap(),
        RefreshOutcome::Dead
    );
    assert_eq!(
        store.rotate_refresh_token("nope", now).await.unwrap(),
        RefreshOutcome::Unknown
    );
    store
        .insert_refresh_token("h3", "fam2", &user.id, now - 100, now - 1)
        .await
        .unwrap();
    assert_eq!(
        store.rotate_refresh_token("h3", now).await.unwrap(),
        RefreshOutcome::Dead,
        "expired"
    );

    // The grants version moves with every change to users and roles.
    let before = store.rbac_version().await.unwrap();
    let mut edited = user.clone();
    edited.permissions = vec!["user.read".into()];
    store.update_user(&edited).await.unwrap();
    assert!(store.rbac_version().await.unwrap() > before);

    // Sign-out everywhere.
    store
        .insert_refresh_token("h4", "fam3", &user.id, now, now + 60)
        .await
        .unwrap();
    store
        .revoke_user_sessions(&user.id, Utc::now().timestamp_millis())
        .await
        .unwrap();
    assert_eq!(
        store.rotate_refresh_token("h4", now).await.unwrap(),
        RefreshOutcome::Dead
    );
    let (_, valid_after, _) = store.user_for_request(&user.id).await.unwrap().unwrap();
    assert!(valid_after > 0);
}

#[tokio::test]
async fn sqlite_store_meets_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    suite(store_at(&sqlite_test_url(dir.path())).await).await;
}

#[tokio::test]
async fn postgres_store_meets_the_contract() {
    let Some(url) = postgres_test_url("postgres_store_meets_the_contract").await else {
        return;
    };
    let store = store_at(&url).await;
    assert_eq!(store.backend(), optima_server::db::Backend::Postgres);
    suite(store).await;
}

#[tokio::test]
async fn concurrent_migrations_on_postgres_take_turns() {
    let Some(url) = postgres_test_url("concurrent_migrations_on_postgres_take_turns").await else {
        return;
    };
    let a = Db::connect(&url).await.unwrap();
    let b = Db::connect(&url).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
}

#[tokio::test]
async fn unsupported_database_urls_are_named() {
    let err = Db::connect("mysql://u:pw@h/db").await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("sqlite: or postgres:"), "{message}");
    assert!(
        !message.contains("pw@"),
        "password must be redacted: {message}"
    );
}
