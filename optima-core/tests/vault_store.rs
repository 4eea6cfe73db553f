//! The vault with the in-memory store: sub-credentials, cascades, updates, the reveal log, rewrap.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use optima_core::Error;
use optima_core::vault::{
    CredentialInput, CredentialStore, CredentialType, CredentialTypeInput, CredentialTypePatch,
    CredentialTypeStore, FieldDefinition, FieldInput, KeyId, KeyRing, MemoryVaultStore,
    RevealAuditStore, RevealQuery, RevealRecord, StoredValue, SubCredentialInput, ValueType::*,
    Vault, VaultKey, rewrap_store, rewrap_store_with_progress,
};
use secrecy::ExposeSecret;

fn key(name: &str, byte: u8) -> VaultKey {
    VaultKey::from_bytes(KeyId::new(name).unwrap(), [byte; 32])
}

fn vpn_type() -> CredentialType {
    CredentialType::create(CredentialTypeInput {
        name: "VPN Config".into(),
        permission_scope: "vpn.credentials".into(),
        icon: Some("https://example.com/vpn.ico".into()),
        fields: vec![
            FieldDefinition::new("hostname", "Hostname", PlainText, true, false),
            FieldDefinition::new("adminPassword", "Admin password", Password, true, true),
            FieldDefinition::multi(
                "tunnels",
                "Tunnels",
                false,
                vec![
                    FieldDefinition::new("server", "Server", IpAddress, true, false),
                    FieldDefinition::new("psk", "Pre-Shared Key", Password, true, true),
                    FieldDefinition::multi(
                        "phases",
                        "Phases",
                        false,
                        vec![FieldDefinition::new(
                            "secret",
                            "Secret",
                            GenericSecret,
                            true,
                            true,
                        )],
                    ),
                ],
            ),
        ],
    })
    .unwrap()
}

fn tunnel(name: &str, server: &str, psk: &str) -> SubCredentialInput {
    SubCredentialInput {
        name: name.into(),
        fields: vec![
            FieldInput::new("server", server),
            FieldInput::new("psk", psk),
        ],
        sub_credentials: BTreeMap::new(),
    }
}

fn vpn_input(ty: &CredentialType, company: &str, name: &str) -> CredentialInput {
    let mut t1 = tunnel("Tunnel 1", "192.0.2.10", "psk-1");
    t1.sub_credentials.insert(
        "phases".into(),
        vec![SubCredentialInput {
            name: "Phase 1".into(),
            fields: vec![FieldInput::new("secret", "phase-secret")],
            sub_credentials: BTreeMap::new(),
        }],
    );
    CredentialInput {
        name: name.into(),
        notes: Some("main office".into()),
        type_id: ty.id.clone(),
        company_id: company.into(),
        fields: vec![
            FieldInput::new("hostname", "vpn.example.com"),
            FieldInput::new("adminPassword", "admin-pw"),
        ],
        sub_credentials: BTreeMap::from([(
            "tunnels".to_owned(),
            vec![t1, tunnel("Tunnel 2", "2001:db8::1", "psk-2")],
        )]),
    }
}

#[tokio::test]
async fn create_inline_sub_credentials_reveal_and_cascade() {
    let store = MemoryVaultStore::new();
    let vault = Vault::new(KeyRing::new(key("k1", 1), []).unwrap());
    let ty = vpn_type();
    store.create_type(&ty).await.unwrap();

    let new = vault
        .create_credential(&ty, vpn_input(&ty, "acme", "Office VPN"))
        .unwrap();
    assert_eq!(new.sub_credentials.len(), 3);
    store.create_credential(&new).await.unwrap();
    let parent = &new.credential;

    let json = serde_json::to_value(parent).unwrap();
    assert_eq!(json["typeId"], ty.id.as_str());
    assert_eq!(json["companyId"], "acme");
    assert_eq!(
        json["fields"][0],
        serde_json::json!({"fieldId": "hostname", "secure": false, "value": "vpn.example.com"})
    );
    assert_eq!(json["fields"][1]["secure"], true);
    assert!(
        json["fields"][1]["value"]
            .as_str()
            .unwrap()
            .starts_with("v1.k1.")
    );
    assert!(json.get("subCredentialOfId").is_none());

    let subs = store.list_sub_credentials(&parent.id).await.unwrap();
    assert_eq!(subs.len(), 2);
    let t1 = subs.iter().find(|s| s.name == "Tunnel 1").unwrap();
    assert_eq!(t1.sub_credential_of_id.as_deref(), Some(parent.id.as_str()));
    assert_eq!(t1.parent_field_id(), Some("tunnels"));
    assert_eq!(t1.company_id, "acme");
    assert_eq!(t1.type_id, ty.id);
    assert_eq!(vault.reveal(t1, "psk").unwrap().expose_secret(), "psk-1");
    let phases = store.list_sub_credentials(&t1.id).await.unwrap();
    assert_eq!(phases.len(), 1);
    assert_eq!(phases[0].schema_path, vec!["tunnels", "phases"]);
    assert_eq!(
        vault.reveal(&phases[0], "secret").unwrap().expose_secret(),
        "phase-secret"
    );

    // Field views hide secure values and follow the type's order.
    let views = parent.field_views(ty.fields_at(&parent.schema_path).unwrap());
    let views = serde_json::to_value(views).unwrap();
    assert_eq!(
        views,
        serde_json::json!([
            {"id": "hostname", "name": "Hostname", "secure": false, "required": true, "valueType": "plain_text", "value": "vpn.example.com"},
            {"id": "adminPassword", "name": "Admin password", "secure": true, "required": true, "valueType": "password", "value": null}
        ])
    );

    // Added later, under an existing tunnel.
    let later = vault
        .create_sub_credential(
            &ty,
            t1,
            "phases",
            SubCredentialInput {
                name: "Phase 2".into(),
                fields: vec![FieldInput::new("secret", "second")],
                sub_credentials: BTreeMap::new(),
            },
        )
        .unwrap();
    store.create_credential(&later).await.unwrap();
    assert_eq!(store.list_sub_credentials(&t1.id).await.unwrap().len(), 2);

    // Only top-level credentials are listed and counted.
    assert_eq!(store.list_by_company("acme").await.unwrap().len(), 1);
    assert_eq!(store.list_by_type(&ty.id).await.unwrap().len(), 1);
    assert_eq!(store.count_by_type(&ty.id).await.unwrap(), 1);

    // Deleting the parent takes every descendant with it.
    assert_eq!(store.delete_credential(&parent.id).await.unwrap(), 5);
    for c in new.all() {
        assert!(store.get_credential(&c.id).await.unwrap().is_none());
    }
    assert!(matches!(
        store.delete_credential(&parent.id).await,
        Err(Error::NotFound {
            kind: "credential",
            ..
        })
    ));
}

#[tokio::test]
async fn sub_credential_errors_are_validation_errors_with_paths() {
    let vault = Vault::new(KeyRing::generate(KeyId::new("k").unwrap()));
    let ty = vpn_type();
    let parent = vault
        .create_credential(&ty, vpn_input(&ty, "acme", "VPN"))
        .unwrap()
        .credential;
    let Err(Error::Validation(errs)) =
        vault.create_sub_credential(&ty, &parent, "hostname", tunnel("T", "1.1.1.1", "p"))
    else {
        panic!("expected a validation error")
    };
    assert_eq!(errs.errors()[0].path, "fieldId");
    let Err(Error::Validation(errs)) =
        vault.create_sub_credential(&ty, &parent, "tunnels", tunnel("", "not-an-ip", ""))
    else {
        panic!("expected a validation error")
    };
    let paths: Vec<_> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, vec!["name", "fields[0].value", "fields[1].value"]);

    // Inline errors carry the full path.
    let mut input = vpn_input(&ty, "acme", "VPN");
    input.sub_credentials.get_mut("tunnels").unwrap()[1].fields[0].value = "300.1.1.1".into();
    let Err(Error::Validation(errs)) = vault.create_credential(&ty, input) else {
        panic!("expected a validation error")
    };
    assert_eq!(
        errs.errors()[0].path,
        "subCredentials.tunnels[1].fields[0].value"
    );
}

#[tokio::test]
async fn update_fields_reseals_and_keeps_the_rest() {
    let store = MemoryVaultStore::new();
    let vault = Vault::new(KeyRing::generate(KeyId::new("k").unwrap()));
    let ty = vpn_type();
    store.create_type(&ty).await.unwrap();
    let new = vault
        .create_credential(&ty, vpn_input(&ty, "acme", "VPN"))
        .unwrap();
    store.create_credential(&new).await.unwrap();
    let mut c = new.credential.clone();
    let before = c.fields[1].value.clone();

    let change = vault
        .update_fields(
            &ty,
            &mut c,
            vec![FieldInput::new("adminPassword", "rotated")],
        )
        .unwrap();
    assert_ne!(c.fields[1].value, before);
    assert_eq!(
        c.fields[0].value,
        StoredValue::Plain("vpn.example.com".into())
    );
    assert!(c.updated_at >= c.created_at);
    store.update_credential(&c, Some(&change)).await.unwrap();
    let stored = store.get_credential(&c.id).await.unwrap().unwrap();
    assert_eq!(
        vault
            .reveal(&stored, "adminPassword")
            .unwrap()
            .expose_secret(),
        "rotated"
    );

    let err = vault
        .update_fields(
            &ty,
            &mut c,
            vec![FieldInput::new("hostname", ""), FieldInput::new("zzz", "1")],
        )
        .unwrap_err();
    let Error::Validation(errs) = err else {
        panic!()
    };
    assert_eq!(errs.len(), 2);
}

#[tokio::test]
async fn types_find_by_id_or_name_conflict_and_cascade() {
    let store = MemoryVaultStore::new();
    let vault = Vault::new(KeyRing::generate(KeyId::new("k").unwrap()));
    let ty = vpn_type();
    store.create_type(&ty).await.unwrap();
    let mut dup = vpn_type();
    dup.name = "vpn config".into();
    assert!(matches!(
        store.create_type(&dup).await,
        Err(Error::Conflict { .. })
    ));
    assert_eq!(store.find_type(&ty.id).await.unwrap().unwrap().id, ty.id);
    assert_eq!(
        store.find_type("VPN CONFIG").await.unwrap().unwrap().id,
        ty.id
    );
    assert!(store.find_type("nope").await.unwrap().is_none());

    let renamed = ty
        .patched(CredentialTypePatch {
            name: Some("VPN".into()),
            ..Default::default()
        })
        .unwrap();
    store.update_type(&renamed).await.unwrap();
    assert_eq!(store.list_types().await.unwrap()[0].name, "VPN");

    for (company, name) in [("a", "x"), ("a", "y"), ("b", "z")] {
        let new = vault
            .create_credential(&ty, vpn_input(&ty, company, name))
            .unwrap();
        store.create_credential(&new).await.unwrap();
    }
    assert_eq!(store.list_by_company("a").await.unwrap().len(), 2);
    // 3 credentials with 3 sub-credentials each.
    assert_eq!(store.delete_type(&ty.id).await.unwrap(), 12);
    assert!(store.list_by_company("a").await.unwrap().is_empty());
    assert!(store.list_page(None, 100).await.unwrap().is_empty());

    // A credential of an unknown type is refused, all or nothing.
    let orphan = vault
        .create_credential(&ty, vpn_input(&ty, "a", "x"))
        .unwrap();
    assert!(matches!(
        store.create_credential(&orphan).await,
        Err(Error::NotFound {
            kind: "credential type",
            ..
        })
    ));
    assert!(store.list_page(None, 100).await.unwrap().is_empty());
}

#[tokio::test]
async fn rewrap_store_moves_everything_to_the_new_key() {
    let store = MemoryVaultStore::new();
    let ty = vpn_type();
    store.create_type(&ty).await.unwrap();
    let old = Vault::new(KeyRing::new(key("old", 1), []).unwrap());
    for i in 0..7 {
        let new = old
            .create_credential(&ty, vpn_input(&ty, "acme", &format!("c{i}")))
            .unwrap();
        store.create_credential(&new).await.unwrap();
    }
    // One value that no longer opens (tampered in the database).
    let mut victim = store.list_page(None, 1).await.unwrap().remove(0);
    let sealed_field = victim.fields.iter_mut().find(|f| f.is_secure()).unwrap();
    let victim_field = sealed_field.field_id.clone();
    let StoredValue::Sealed(s) = &sealed_field.value else {
        unreachable!()
    };
    let broken = format!("{}AAAA", &s.as_str()[..s.as_str().len() - 4]);
    sealed_field.value = StoredValue::Sealed(optima_core::vault::Sealed::parse(broken).unwrap());
    store.update_credential(&victim, None).await.unwrap();

    let mut ring = KeyRing::new(key("old", 1), []).unwrap();
    ring.rotate(key("new", 2)).unwrap();
    let vault = Vault::new(ring);
    let mut seen = Vec::new();
    let report = rewrap_store_with_progress(&vault, &store, 3, |so_far| {
        seen.push((so_far.credentials, so_far.rewrapped));
    })
    .await
    .unwrap();
    // One call per batch of 3, counting up to the final figures.
    assert_eq!(seen.len(), 10);
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
    assert_eq!(seen.last(), Some(&(28, 27)));
    assert_eq!(report.credentials, 28);
    assert_eq!(report.values, 28);
    assert_eq!(report.rewrapped, 27);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].credential_id, victim.id);

    let again = rewrap_store(&vault, &store, 3).await.unwrap();
    assert_eq!(again.rewrapped, 0);
    assert_eq!(again.failures.len(), 1);

    // Everything opens under the new key alone.
    let mut only_new = KeyRing::new(key("new", 2), []).unwrap();
    assert!(!only_new.retire("new"));
    let new_only = Vault::new(only_new);
    for c in store.list_page(None, 1000).await.unwrap() {
        if c.id == victim.id {
            continue;
        }
        assert_eq!(new_only.reveal_all(&c).unwrap().len(), 1);
    }
    assert_eq!(
        new_only
            .reveal(
                &store.get_credential(&victim.id).await.unwrap().unwrap(),
                &victim_field
            )
            .map(|_| ())
            .unwrap_err()
            .to_string(),
        "ciphertext was sealed with key `old`, which is not in the key ring"
    );
}

#[tokio::test]
async fn swap_only_replaces_what_was_read() {
    let store = MemoryVaultStore::new();
    let ty = vpn_type();
    store.create_type(&ty).await.unwrap();
    let vault = Vault::new(KeyRing::new(key("old", 1), []).unwrap());
    let new = vault
        .create_credential(&ty, vpn_input(&ty, "a", "x"))
        .unwrap();
    store.create_credential(&new).await.unwrap();
    let c = &new.credential;
    let StoredValue::Sealed(current) = &c.fields[1].value else {
        unreachable!()
    };
    let other = vault.keyring().seal(&c.id, "adminPassword", b"x").unwrap();
    assert!(
        !store
            .swap_sealed_value(&c.id, "adminPassword", &other, &other)
            .await
            .unwrap()
    );
    assert!(
        store
            .swap_sealed_value(&c.id, "adminPassword", current, &other)
            .await
            .unwrap()
    );
    assert!(
        !store
            .swap_sealed_value(&c.id, "hostname", &other, &other)
            .await
            .unwrap()
    );
    assert!(
        !store
            .swap_sealed_value("nope", "adminPassword", &other, &other)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn reveal_log_filters_and_pages_newest_first() {
    let store = MemoryVaultStore::new();
    let t0 = Utc::now();
    for i in 0..10i64 {
        let mut r = RevealRecord::new(
            if i % 2 == 0 { "alice" } else { "bob" },
            if i < 5 { "c1" } else { "c2" },
            vec!["password".into()],
            Some("203.0.113.7".into()),
        );
        r.at = t0 + Duration::seconds(i);
        store.record_reveal(&r).await.unwrap();
    }
    let all = store.list_reveals(&RevealQuery::default()).await.unwrap();
    assert_eq!(all.total, 10);
    assert!(all.items.windows(2).all(|w| w[0].at >= w[1].at));

    let q = RevealQuery {
        user_id: Some("alice".into()),
        limit: 2,
        offset: 1,
        ..Default::default()
    };
    let page = store.list_reveals(&q).await.unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].at, t0 + Duration::seconds(6));

    let q = RevealQuery {
        credential_id: Some("c2".into()),
        since: Some(t0 + Duration::seconds(6)),
        until: Some(t0 + Duration::seconds(9)),
        ..Default::default()
    };
    let page = store.list_reveals(&q).await.unwrap();
    let secs: Vec<i64> = page
        .items
        .iter()
        .map(|r| (r.at - t0).num_seconds())
        .collect();
    assert_eq!(secs, vec![8, 7, 6]);

    let json = serde_json::to_value(&page.items[0]).unwrap();
    for key in ["id", "userId", "credentialId", "fieldIds", "address", "at"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}
