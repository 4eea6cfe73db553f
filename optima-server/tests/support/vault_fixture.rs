//! Vault records for the generated route tests: a credential type whose `permissionScope` the
//! test users are given on credential routes, a credential of it with a secure field and a
//! sub-credential, and fresh throwaway records for the routes that delete.

#![allow(dead_code)]

use optima_core::vault::{
    CredentialInput, CredentialStore, CredentialType, CredentialTypeInput, CredentialTypeStore,
    FieldDefinition, FieldInput, SubCredentialInput, ValueType,
};
use optima_server::routes::RouteSpec;
use optima_server::testing::TestServer;
use serde_json::{Value, json};

/// The fixture type's id.
pub const TYPE_ID: &str = "ctype-fixture";
/// The fixture type's permission scope.
pub const SCOPE: &str = "fixture.credentials";
/// The fixture credential's name.
pub const CREDENTIAL_NAME: &str = "Fixture credential";
/// The fixture credential's TOTP seed (base32).
pub const TOTP_SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DP";
/// The fixture company (inserted by the route tests).
pub const COMPANY_ID: &str = "company-1";

fn fields() -> Vec<FieldDefinition> {
    vec![
        FieldDefinition::new("username", "Username", ValueType::PlainText, true, false),
        FieldDefinition::new("password", "Password", ValueType::Password, true, true),
        FieldDefinition::new("otp", "One-time code", ValueType::Totp, false, true),
        FieldDefinition::multi(
            "tunnels",
            "Tunnels",
            false,
            vec![
                FieldDefinition::new("server", "Server", ValueType::PlainText, true, false),
                FieldDefinition::new("psk", "Pre-shared key", ValueType::Password, true, true),
            ],
        ),
    ]
}

fn new_type(name: &str) -> CredentialType {
    CredentialType::create(CredentialTypeInput {
        name: name.into(),
        permission_scope: SCOPE.into(),
        icon: None,
        fields: fields(),
    })
    .unwrap()
}

/// Creates the fixture type (with a fixed id) and one credential of it with a sub-credential.
/// The company must exist.
pub async fn install(server: &TestServer) {
    let mut ty = new_type("Fixture");
    ty.id = TYPE_ID.into();
    server.state.store.create_type(&ty).await.unwrap();
    server.state.sync_credential_scopes().await.unwrap();
    create_credential(server, &ty, CREDENTIAL_NAME).await;
}

async fn create_credential(server: &TestServer, ty: &CredentialType, name: &str) -> String {
    let mut subs = std::collections::BTreeMap::new();
    subs.insert(
        "tunnels".to_owned(),
        vec![SubCredentialInput {
            name: "Tunnel 1".into(),
            fields: vec![
                FieldInput::new("server", "vpn1.example.com"),
                FieldInput::new("psk", "fixture-tunnel-psk"),
            ],
            sub_credentials: Default::default(),
        }],
    );
    let new = server
        .state
        .vault()
        .create_credential(
            ty,
            CredentialInput {
                name: name.into(),
                notes: None,
                type_id: ty.id.clone(),
                company_id: COMPANY_ID.into(),
                fields: vec![
                    FieldInput::new("username", "fixture-user"),
                    FieldInput::new("password", "fixture-password"),
                    FieldInput::new("otp", TOTP_SEED),
                ],
                sub_credentials: subs,
            },
        )
        .unwrap();
    server.state.store.create_credential(&new).await.unwrap();
    new.credential.id
}

/// The fixture credential's id.
pub async fn credential_id(server: &TestServer) -> String {
    sqlx::query_scalar("SELECT id FROM credentials WHERE name = $1 AND parent_id IS NULL")
        .bind(CREDENTIAL_NAME)
        .fetch_one(&server.state.store.db().pool)
        .await
        .unwrap()
}

/// A new credential of the fixture type, to delete.
pub async fn fresh_credential(server: &TestServer) -> String {
    let ty = server.state.store.get_type(TYPE_ID).await.unwrap().unwrap();
    create_credential(server, &ty, &format!("Throwaway {}", uuid())).await
}

/// A new sub-credential of `parent`, to delete.
pub async fn fresh_sub_credential(server: &TestServer, parent: &str) -> String {
    let ty = server.state.store.get_type(TYPE_ID).await.unwrap().unwrap();
    let parent = server
        .state
        .store
        .get_credential(parent)
        .await
        .unwrap()
        .unwrap();
    let new = server
        .state
        .vault()
        .create_sub_credential(
            &ty,
            &parent,
            "tunnels",
            SubCredentialInput {
                name: "Throwaway tunnel".into(),
                fields: vec![
                    FieldInput::new("server", "vpn9.example.com"),
                    FieldInput::new("psk", "throwaway-psk"),
                ],
                sub_credentials: Default::default(),
            },
        )
        .unwrap();
    server.state.store.create_credential(&new).await.unwrap();
    new.credential.id
}

/// A new credential type, to delete.
pub async fn fresh_type(server: &TestServer) -> String {
    let ty = new_type(&format!("Throwaway {}", uuid()));
    server.state.store.create_type(&ty).await.unwrap();
    ty.id
}

fn uuid() -> String {
    optima_core::store::new_id()
}

/// Whether acting on `route` needs the fixture type's scope too.
pub fn needs_scope(route: &RouteSpec) -> bool {
    route.path.starts_with("/credential/credentials")
        || route.path == "/credential-type/:id/credentials"
}

/// `grants`, plus the fixture scope where the route acts on credentials.
pub fn with_scope(route: &RouteSpec, grants: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = grants.iter().map(|g| (*g).to_owned()).collect();
    if needs_scope(route) {
        out.push(SCOPE.to_owned());
    }
    out
}

/// A path parameter of a vault route, or `None` when `segment` is not one.
pub async fn path_param(
    server: &TestServer,
    route: &RouteSpec,
    previous: &str,
    segment: &str,
) -> Option<String> {
    let deleting_it = route.method == "DELETE" && route.path.ends_with(segment);
    Some(match (previous, segment) {
        ("credentials", ":id") if deleting_it => fresh_credential(server).await,
        ("credentials", ":id") => credential_id(server).await,
        ("company", ":companyId") => COMPANY_ID.into(),
        ("secure-values", ":fieldId") => "password".into(),
        ("totp", ":fieldId") => "otp".into(),
        ("versions", ":version") => "1".into(),
        ("sub-credentials", ":subId") => {
            let parent = credential_id(server).await;
            fresh_sub_credential(server, &parent).await
        }
        ("credential-type", ":identifier") if deleting_it => fresh_type(server).await,
        ("credential-type", ":identifier" | ":id") => TYPE_ID.into(),
        _ => return None,
    })
}

/// Every field value the fixture and the sample bodies write: none may reach the audit trail
/// (secure ones never; the others are written only as "changed" too).
#[allow(dead_code)] // Used by the tests that check the audit trail.
pub const FIELD_VALUES: &[&str] = &[
    "fixture-password",
    "fixture-tunnel-psk",
    TOTP_SEED,
    "fixture-user",
    "sample-password",
    "sample-psk",
    "sample-user",
    "another-psk",
    "throwaway-psk",
    "vpn2.example.com",
    "Updated notes",
];

/// The secure values among them: never in the database's files in clear.
#[allow(dead_code)] // Used by the tests that check the audit trail.
pub const SECURE_VALUES: &[&str] = &[
    "fixture-password",
    TOTP_SEED,
    "fixture-tunnel-psk",
    "sample-password",
    "sample-psk",
    "another-psk",
    "throwaway-psk",
];

/// A body that makes a vault route succeed.
pub fn sample_body(route: &RouteSpec) -> Option<Value> {
    let unique = uuid();
    Some(match route.operation_id {
        "createCredentialType" => json!({
            "name": format!("Sample {unique}"),
            "permissionScope": "sample.credentials",
            "icon": "https://example.com/sample.ico",
            "fields": [
                {"id": "username", "name": "Username", "required": true, "secure": false, "valueType": "plain_text"},
                {"id": "token", "name": "Token", "required": true, "secure": true, "valueType": "password"}
            ]
        }),
        "updateCredentialType" => json!({"icon": "https://example.com/fixture.ico"}),
        "createCredential" => json!({
            "name": format!("Sample {unique}"),
            "typeId": TYPE_ID,
            "companyId": COMPANY_ID,
            "fields": [
                {"fieldId": "username", "value": "sample-user"},
                {"fieldId": "password", "value": "sample-password"}
            ],
            "subCredentials": {"tunnels": [{"name": "Tunnel A", "fields": [
                {"fieldId": "server", "value": "vpn2.example.com"},
                {"fieldId": "psk", "value": "sample-psk"}
            ]}]}
        }),
        "updateCredential" => json!({"name": CREDENTIAL_NAME, "notes": "Updated notes"}),
        "updateCredentialFields" => {
            json!({"fields": [{"fieldId": "password", "value": "fixture-password"}]})
        }
        "createSubCredential" => json!({
            "fieldId": "tunnels",
            "name": "Tunnel B",
            "fields": [
                {"fieldId": "server", "value": "vpn3.example.com"},
                {"fieldId": "psk", "value": "another-psk"}
            ]
        }),
        "generateCredentialValue" => json!({"policy": {"length": 24, "symbols": false}}),
        "markRevealedRotationDue" => json!({}),
        _ => return None,
    })
}
