//! The credential vault end to end, in memory: define a type, validate and seal a credential,
//! reveal a value (and log it), read a one-time code, change a value to a generated one and
//! restore the earlier version, rotate the key and rewrap everything (history included).
//!
//! Run: `cargo run -p optima-examples --example vault_walkthrough`

use std::collections::BTreeMap;

use optima_core::vault::{
    CredentialInput, CredentialStore, CredentialType, CredentialTypeInput, CredentialTypeStore,
    FieldDefinition, FieldInput, KeyId, KeyRing, MemoryVaultStore, RevealAuditStore, RevealQuery,
    RevealRecord, SubCredentialInput, TotpSeed, ValueType, Vault, VaultKey, rewrap_store,
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
            // A TOTP seed: always secure; what technicians read is the current code.
            FieldDefinition::new("mfa", "Admin 2FA", ValueType::Totp, false, true),
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
            FieldInput::new(
                "mfa",
                "otpauth://totp/Acme:admin?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Acme",
            ),
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
    let new = vault.create_credential(&ty, input)?.by("user-1");
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

    // 6. The current one-time code of the TOTP field (the seed stays sealed; a server records
    //    this as a code read).
    let seed = TotpSeed::parse(vault.reveal(credential, "mfa")?.expose_secret())?;
    let code = seed.now();
    println!(
        "
one-time code: {} (valid {} more seconds of {}, {:?})",
        code.code,
        code.valid_for,
        code.period,
        seed.algorithm()
    );

    // 7. Change the password to a generated one: a new version, the old value kept sealed for
    //    its version. Then restore version 1, as version 3.
    let generated = ty.policy().generate();
    let mut changed = credential.clone();
    let change = vault
        .update_fields(
            &ty,
            &mut changed,
            vec![FieldInput::new(
                "adminPassword",
                generated.expose_secret().to_owned(),
            )],
        )?
        .by("user-1");
    store.update_credential(&changed, Some(&change)).await?;
    for v in store.list_versions(&credential.id).await? {
        println!(
            "version {} by {:?}: changed {:?}",
            v.version, v.changed_by, v.changed_fields
        );
    }
    let history = store.history_values(&credential.id).await?;
    println!(
        "version 1's adminPassword: {}",
        vault
            .reveal_at(&changed, &history, "adminPassword", 1)?
            .expose_secret()
    );
    let change = vault.restore(&ty, &mut changed, &history, 1)?.by("user-1");
    store.update_credential(&changed, Some(&change)).await?;
    println!(
        "restored version 1 as version {}: adminPassword = {}",
        changed.version,
        vault.reveal(&changed, "adminPassword")?.expose_secret()
    );

    // 8. Rotate: a new primary key, the old one kept for opening; rewrap moves every value.
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

    // 9. The old key can go: everything opens under the new one alone.
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

    let history = store.history_values(&credential.id).await?;
    println!(
        "and so does the history: version 2's adminPassword is {} characters long",
        current
            .reveal_at(&stored, &history, "adminPassword", 2)?
            .expose_secret()
            .len()
    );

    // 10. Deleting the credential removes its sub-credentials too (their histories stay until
    //     pruned or purged).
    let removed = store.delete_credential(&credential.id).await?;
    println!("\ndeleted {removed} records (credential + sub-credentials)");
    Ok(())
}
