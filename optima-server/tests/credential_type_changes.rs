//! Editing a credential type can neither lift its scope nor leave values in the wrong shape:
//! a scope change needs both scopes, a field turned secure has every value sealed (nothing in
//! clear left in the database files), a field turned plain needs the right to reveal and a
//! confirmation, and removing a field that holds values needs a confirmation. SQLite and
//! PostgreSQL.

#[path = "support/vault_http.rs"]
mod vault_http;

use optima_core::vault::CredentialStore;
use optima_server::testing::postgres_test_url;
use serde_json::{Value, json};
use vault_http::*;

/// The environments to run on: SQLite, and PostgreSQL when configured.
async fn envs(test: &str) -> Vec<(&'static str, Env)> {
    let mut out = vec![("sqlite", env().await)];
    if let Some(url) = postgres_test_url(test).await {
        out.push(("postgres", env_on(&url).await));
    }
    out
}

/// The VPN type with `hostname` and the tunnels' `server` as given, and `password` and `psk`
/// secure as given.
fn vpn_fields(hostname_secure: bool, server_secure: bool, password_secure: bool) -> Value {
    json!([
        {"id": "hostname", "name": "Hostname", "required": true, "secure": hostname_secure, "valueType": "plain_text"},
        {"id": "gateway", "name": "Gateway", "required": false, "secure": false, "valueType": "ip_address"},
        {"id": "password", "name": "Password", "required": true, "secure": password_secure, "valueType": "password"},
        {"id": "tunnels", "name": "Tunnels", "required": false, "secure": false, "valueType": "multi_credential",
         "subFields": [
            {"id": "server", "name": "Server", "required": true, "secure": server_secure, "valueType": "plain_text"},
            {"id": "psk", "name": "Pre-Shared Key", "required": true, "secure": true, "valueType": "password"}
         ]}
    ])
}

async fn reveal(env: &Env, token: &str, credential: &str, field: &str) -> (u16, Value) {
    env.server
        .as_user(token)
        .get(&format!(
            "/v1/credential/credentials/{credential}/secure-values/{field}"
        ))
        .await
}

#[tokio::test]
async fn a_scope_change_needs_both_scopes() {
    for (name, env) in envs("a_scope_change_needs_both_scopes").await {
        let admin = env.server.as_user(&env.admin);
        let type_id = create_type(&env, "Scoped VPN", "vpn.secret").await;
        let credential = create_credential(&env, &type_id, "Edge", "hunter2").await;
        let id = credential["id"].as_str().unwrap();
        // Everything a reader of the plaintext needs, bar the type's own scope.
        let (_, token) = env
            .server
            .user_with_grants(&[
                "credential_type.*",
                "credential.*",
                "-vpn.secret",
                "role.read",
            ])
            .await;
        let (status, body) = env
            .server
            .as_user(&token)
            .patch(
                &format!("/v1/credential-type/{type_id}"),
                json!({"permissionScope": "vpn.open"}),
            )
            .await;
        assert_eq!(status, 403, "{name}: {body}");
        assert_eq!(body["error"], "PermissionEscalation", "{name}");
        assert!(
            body["message"].as_str().unwrap().contains("`vpn.secret`"),
            "{name}: {body}"
        );
        let (status, _) = reveal(&env, &token, id, "password").await;
        assert_eq!(status, 403, "{name}: the scope still guards the value");

        // Nor can a scope be one of Optima's own nodes, which everyone may hold.
        let (status, body) = admin
            .patch(
                &format!("/v1/credential-type/{type_id}"),
                json!({"permissionScope": "credential.fetch"}),
            )
            .await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(
            body["errors"][0]["path"],
            json!(["body", "permissionScope"])
        );

        // Toward a scope the caller lacks is refused too, and holding both is enough.
        let (status, body) = admin
            .patch(
                &format!("/v1/credential-type/{type_id}"),
                json!({"permissionScope": "vpn.other"}),
            )
            .await;
        assert_eq!(status, 200, "{name}: {body}");
        let (_, holder_of_one) = env
            .server
            .user_with_grants(&["credential_type.update", "vpn.other"])
            .await;
        let (status, body) = env
            .server
            .as_user(&holder_of_one)
            .patch(
                &format!("/v1/credential-type/{type_id}"),
                json!({"permissionScope": "vpn.third"}),
            )
            .await;
        assert_eq!(status, 403, "{name}: {body}");
        assert!(body["message"].as_str().unwrap().contains("`vpn.third`"));
    }
}

/// Every byte of the SQLite files under `dir`.
fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("optima.db") {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_field_turned_secure_has_every_value_sealed() {
    for (name, env) in envs("a_field_turned_secure_has_every_value_sealed").await {
        let admin = env.server.as_user(&env.admin);
        let type_id = create_type(&env, "VPN", "vpn.credentials").await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let body = credential_body(
                &type_id,
                "acme",
                &format!("Edge {i}"),
                "pw",
                &format!("psk-{i}"),
            );
            let mut body = body;
            body["fields"][0]["value"] = json!(format!("host-{i}-clear.example.com"));
            body["subCredentials"]["tunnels"][0]["fields"][0]["value"] =
                json!(format!("tunnel-{i}-clear.example.com"));
            let (status, created) = admin.post("/v1/credential/credentials", body).await;
            assert_eq!(status, 201, "{name}: {created}");
            ids.push(created["data"]["id"].as_str().unwrap().to_owned());
        }
        if name == "sqlite" {
            let dir = env.config.data_dir.clone();
            assert!(
                contains(&database_bytes(&dir), "host-1-clear.example.com"),
                "{name}: the probe must see clear text before the flip"
            );
        }

        let (status, body) = admin
            .patch(
                &format!("/v1/credential-type/{type_id}"),
                json!({"fields": vpn_fields(true, true, true)}),
            )
            .await;
        assert_eq!(status, 200, "{name}: {body}");

        for (i, id) in ids.iter().enumerate() {
            let (status, body) = reveal(&env, &env.admin, id, "hostname").await;
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(
                body["data"]["value"],
                format!("host-{i}-clear.example.com"),
                "{name}"
            );
            let stored = env
                .server
                .state
                .store
                .get_credential(id)
                .await
                .unwrap()
                .unwrap();
            assert!(stored.field("hostname").unwrap().is_secure(), "{name}");
            let subs = env
                .server
                .state
                .store
                .list_sub_credentials(id)
                .await
                .unwrap();
            assert!(subs[0].field("server").unwrap().is_secure(), "{name}");
        }
        let plain_left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM credential_fields WHERE secure = 0 AND field_id IN ('hostname', 'server')",
        )
        .fetch_one(&env.server.state.store.db().pool)
        .await
        .unwrap();
        assert_eq!(plain_left, 0, "{name}");
        if name == "sqlite" {
            let bytes = database_bytes(&env.config.data_dir);
            for i in 0..3 {
                for clear in [
                    format!("host-{i}-clear.example.com"),
                    format!("tunnel-{i}-clear.example.com"),
                ] {
                    assert!(!contains(&bytes, &clear), "{clear} is left in the files");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_field_turned_plain_needs_reveal_rights_and_a_confirmation() {
    for (name, env) in envs("a_field_turned_plain_needs_reveal_rights_and_a_confirmation").await {
        let admin = env.server.as_user(&env.admin);
        let type_id = create_type(&env, "VPN", "vpn.credentials").await;
        let credential = create_credential(&env, &type_id, "Edge", "hunter2").await;
        let id = credential["id"].as_str().unwrap();
        let path = format!("/v1/credential-type/{type_id}");
        let unseal = json!({"fields": vpn_fields(false, false, false), "confirmUnseal": true});

        let (_, editor) = env
            .server
            .user_with_grants(&["credential_type.update", "vpn.credentials"])
            .await;
        let (status, body) = env
            .server
            .as_user(&editor)
            .patch(&path, unseal.clone())
            .await;
        assert_eq!(status, 403, "{name}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("`credential.secure_values.read`"),
            "{name}: {body}"
        );

        let without = json!({"fields": vpn_fields(false, false, false)});
        let (status, body) = admin.patch(&path, without).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("ConfirmationRequired")),
            "{name}: {body}"
        );
        let stored = env
            .server
            .state
            .store
            .get_credential(id)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.field("password").unwrap().is_secure(), "{name}");

        let (status, body) = admin.patch(&path, unseal).await;
        assert_eq!(status, 200, "{name}: {body}");
        let stored = env
            .server
            .state
            .store
            .get_credential(id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.field("password").unwrap().value.as_str(),
            "hunter2",
            "{name}"
        );
        let (status, audit) = admin
            .get(&format!("/v1/audit/secure-value-reads?credentialId={id}"))
            .await;
        assert_eq!(status, 200, "{name}: {audit}");
        assert!(
            audit.to_string().contains("password"),
            "{name}: opening the values is recorded as a reveal: {audit}"
        );
        // ... on the audit trail too, in the rewrite's transaction, naming the field only.
        let revealed = env
            .server
            .state
            .store
            .audit_events(&optima_server::store::audit::EventQuery {
                operation_id: Some("updateCredentialType".into()),
                outcome: Some("revealed".into()),
                resource_id: Some(id.to_owned()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(revealed.len(), 1, "{name}: {revealed:?}");
        let changes = revealed[0].changes.as_deref().unwrap_or_default();
        assert!(
            changes.contains("password") && !changes.contains("hunter2"),
            "{name}: {changes}"
        );
    }
}

#[tokio::test]
async fn removing_a_field_that_holds_values_needs_a_confirmation() {
    for (name, env) in envs("removing_a_field_that_holds_values_needs_a_confirmation").await {
        let admin = env.server.as_user(&env.admin);
        let type_id = create_type(&env, "VPN", "vpn.credentials").await;
        for i in 0..2 {
            create_credential(&env, &type_id, &format!("Edge {i}"), "pw").await;
        }
        let path = format!("/v1/credential-type/{type_id}");
        let mut fields = vpn_fields(false, false, true);
        // Drop `hostname` (two values) and `tunnels` (two sub-credentials).
        fields
            .as_array_mut()
            .unwrap()
            .retain(|f| f["id"] != "hostname" && f["id"] != "tunnels");
        let (status, body) = admin.patch(&path, json!({"fields": fields})).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("FieldHasValues")),
            "{name}: {body}"
        );
        assert!(
            body["message"].as_str().unwrap().contains(" 4 "),
            "{name}: {body}"
        );
        let (status, body) = admin
            .patch(
                &path,
                json!({"fields": fields, "confirmRemoveValues": true}),
            )
            .await;
        assert_eq!(status, 200, "{name}: {body}");
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM credential_fields WHERE field_id IN ('hostname', 'server', 'psk')",
        )
        .fetch_one(&env.server.state.store.db().pool)
        .await
        .unwrap();
        assert_eq!(left, 0, "{name}");
        let subs: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE parent_id IS NOT NULL")
                .fetch_one(&env.server.state.store.db().pool)
                .await
                .unwrap();
        assert_eq!(subs, 0, "{name}");
    }
}

/// A credential sealed against the type as it was before an edit (a value left in clear in a
/// field since turned secure) is refused by the store, and the raw fields route never shows
/// such a value.
#[tokio::test]
async fn values_shaped_for_an_older_type_are_refused() {
    for (name, env) in envs("values_shaped_for_an_older_type_are_refused").await {
        let admin = env.server.as_user(&env.admin);
        let type_id = create_type(&env, "VPN", "vpn.credentials").await;
        let created = create_credential(&env, &type_id, "Edge", "pw").await;
        let id = created["id"].as_str().unwrap();
        let store = &env.server.state.store;
        let mut stale = store.get_credential(id).await.unwrap().unwrap();
        let (status, body) = admin
            .patch(
                &format!("/v1/credential-type/{type_id}"),
                json!({"fields": vpn_fields(true, false, true)}),
            )
            .await;
        assert_eq!(status, 200, "{name}: {body}");
        // Written by a request that read the type before the edit: `hostname` still plain.
        stale.name = "Edge renamed".into();
        let err = store.update_credential(&stale, None).await.unwrap_err();
        assert!(
            matches!(err, optima_core::Error::ChangedMeanwhile { .. }),
            "{name}: {err}"
        );
        let (status, body) = admin
            .get(&format!("/v1/credential/credentials/{id}/fields"))
            .await;
        assert_eq!(status, 200, "{name}: {body}");
        assert!(
            !body.to_string().contains("vpn.example.com"),
            "{name}: {body}"
        );
    }
}
