//! The credential vault end to end, in memory: define a type, validate and seal a credential,
//! reveal a value (and log it), rotate the key and rewrap everything.
//!
//! Run: `cargo run -p optima-examples --example vault_walkthrough`

use std::collections::BTreeMap;

use optima_core::vault::{
    CredentialInput, CredentialStore, CredentialType, CredentialTypeInput, CredentialTypeStore,
    FieldDefinition, FieldInput, KeyId, KeyRing, MemoryVaultStore, RevealAuditStore, RevealQuery,
    RevealRecord, SubCredentialInput, ValueType, Vault, VaultKey, rewrap_store,
};
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> Result<(), optima_core::Error> {
    let store = MemoryVaultStore::new();

    // 1. A credential type; a broken definition is rejected with every problem and its path.
    let broken = CredentialTypeInput {
        name: "VPN".into(),
        permission_scope: "vpn..credentials".into(),
        icon: None,
        fields: vec![
            FieldDefinition::new("host", "Host", ValueType::PlainText, true, false),
            FieldDefinition::new("host", "", ValueType::Password, true, true),
        ],
    };
    if let Err(errors) = optima_core::vault::validate_type(&broken) {
        println!(
            "type rejected:\n{}",
            serde_json::to_string_pretty(&errors).unwrap_or_default()
        );
    }
    let ty = CredentialType::create(CredentialTypeInput {
        name: "VPN Config".into(),
        permission_scope: "vpn.credentials".into(),
        icon: Some("https://example.com/vpn.ico".into()),
        fields: vec![
            FieldDefinition::new("hostname", "Hostname", ValueType::IpAddress, true, false),
            FieldDefinition::new(
                "adminPassword",
                "Admin password",
                ValueType::Password,
                true,
                true,
            ),
            FieldDefinition::multi(
                "tunnels",
                "Tunnels",
                false,
                vec![
                    FieldDefinition::new("server", "Server", ValueType::PlainText, true, false),
                    FieldDefinition::new("psk", "Pre-Shared Key", ValueType::Password, true, true),
                ],
            ),
        ],
    })?;
    store.create_type(&ty).await?;
    println!(
        "\ntype `{}` created: {}",
        ty.name,
        serde_json::to_string(&ty.fields).unwrap_or_default()
    );

    // 2. A key ring (a server generates one on first start and keeps `to_config()` safe).
    let first_key = VaultKey::generate(KeyId::new("k2025")?);
    let vault = Vault::new(KeyRing::new(first_key, [])?);
    println!("\nkey ring: {:?}", vault.keyring());

    // 3. Invalid credential input: all problems at once, values never echoed.
    let bad = CredentialInput {
        name: "Office VPN".into(),
        notes: None,
        type_id: ty.id.clone(),
        company_id: "acme".into(),
        fields: vec![
            FieldInput::new("hostname", "vpn.example.com"),
            FieldInput::new("adminPasswrd", "hunter2"),
        ],
        sub_credentials: BTreeMap::from([(
            "tunnels".to_owned(),
            vec![SubCredentialInput {
                name: "Tunnel 1".into(),
                fields: vec![FieldInput::new("server", "vpn1.example.com")],
                sub_credentials: BTreeMap::new(),
            }],
        )]),
    };
    if let Err(e) = vault.create_credential(&ty, bad) {
        println!("\ncredential rejected: {e}");
    }

    // 4. A valid one: secure values are sealed, bound to the credential and field.
    let input = CredentialInput {
        name: "Office VPN".into(),
        notes: Some("main office".into()),
        type_id: ty.id.clone(),
        company_id: "acme".into(),
        fields: vec![
            FieldInput::new("hostname", "192.0.2.1"),
            FieldInput::new("adminPassword", "correct horse battery staple"),
        ],
        sub_credentials: BTreeMap::from([(
            "tunnels".to_owned(),
            vec![SubCredentialInput {
                name: "Tunnel 1".into(),
                fields: vec![
                    FieldInput::new("server", "vpn1.example.com"),
                    FieldInput::new("psk", "tunnel-one-psk"),
                ],
                sub_credentials: BTreeMap::new(),
            }],
        )]),
    };
    let new = vault.create_credential(&ty, input)?;
    store.create_credential(&new).await?;
    let credential = &new.credential;
    println!(
        "\nstored credential:\n{}",
        serde_json::to_string_pretty(credential).unwrap_or_default()
    );
    println!(
        "as the API shows it: {}",
        serde_json::to_string(&credential.field_views(&ty.fields)).unwrap_or_default()
    );

    // 5. Reveal one value, and record who did.
    let secret = vault.reveal(credential, "adminPassword")?;
    println!("\nrevealed adminPassword: {:?} (Debug is redacted)", secret);
    println!("exposed on purpose: {}", secret.expose_secret());
    store
        .record_reveal(&RevealRecord::new(
            "user-1",
            &credential.id,
            vec!["adminPassword".into()],
            Some("203.0.113.7".into()),
        ))
        .await?;
    let log = store.list_reveals(&RevealQuery::default()).await?;
    println!(
        "reveal log: {} record(s), first by {}",
        log.total, log.items[0].user_id
    );

    // 6. Rotate: a new primary key, the old one kept for opening; rewrap moves every value.
    let mut ring = vault.keyring().clone();
    ring.rotate(VaultKey::generate(KeyId::new("k2026")?))?;
    let rotated = Vault::new(ring);
    let report = rewrap_store(&rotated, &store, 100).await?;
    println!(
        "\nrewrap: {} credentials, {} secure values, {} rewrapped, {} failures",
        report.credentials,
        report.values,
        report.rewrapped,
        report.failures.len()
    );

    // 7. The old key can go: everything opens under the new one alone.
    let mut ring = rotated.keyring().clone();
    ring.retire("k2025");
    let current = Vault::new(ring);
    let stored =
        store
            .get_credential(&credential.id)
            .await?
            .ok_or(optima_core::Error::NotFound {
                kind: "credential",
                id: credential.id.clone(),
            })?;
    let sealed = stored
        .field("adminPassword")
        .map(|f| f.value.as_str())
        .unwrap_or_default();
    println!(
        "\nafter rewrap the value is sealed as {}…",
        &sealed[..sealed.len().min(20)]
    );
    println!(
        "and still reveals: {}",
        current.reveal(&stored, "adminPassword")?.expose_secret()
    );
    for sub in store.list_sub_credentials(&credential.id).await? {
        println!(
            "sub-credential `{}` ({}): psk = {}",
            sub.name,
            sub.parent_field_id().unwrap_or_default(),
            current.reveal(&sub, "psk")?.expose_secret()
        );
    }

    // 8. Deleting the credential removes its sub-credentials too.
    let removed = store.delete_credential(&credential.id).await?;
    println!("\ndeleted {removed} records (credential + sub-credentials)");
    Ok(())
}
