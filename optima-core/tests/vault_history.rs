//! Field history with the in-memory store: versions across create, update and restore for plain,
//! secure and sub-credential fields; old values after key rotation; kept ciphertext bound to its
//! place; deleted credentials' histories kept until pruned or purged.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use optima_core::Error;
use optima_core::vault::{
    Credential, CredentialInput, CredentialStore, CredentialType, CredentialTypeInput,
    CredentialTypeStore, FieldDefinition, FieldInput, KeyId, KeyRing, MemoryVaultStore, Sealed,
    StoredValue, SubCredentialInput, ValueType::*, Vault, VaultKey, rewrap_store,
};
use secrecy::ExposeSecret;

fn key(name: &str, byte: u8) -> VaultKey {
    VaultKey::from_bytes(KeyId::new(name).unwrap(), [byte; 32])
}

fn router_type() -> CredentialType {
    CredentialType::create(CredentialTypeInput {
        name: "Router".into(),
        permission_scope: "router.credentials".into(),
        icon: None,
        fields: vec![
            FieldDefinition::new("host", "Host", PlainText, true, false),
            FieldDefinition::new("password", "Password", Password, true, true),
            FieldDefinition::multi(
                "tunnels",
                "Tunnels",
                false,
                vec![FieldDefinition::new("psk", "PSK", Password, true, true)],
            ),
        ],
    })
    .unwrap()
}

struct World {
    vault: Vault,
    store: MemoryVaultStore,
    ty: CredentialType,
}

impl World {
    async fn new() -> World {
        let store = MemoryVaultStore::new();
        let ty = router_type();
        store.create_type(&ty).await.unwrap();
        World {
            vault: Vault::new(KeyRing::new(key("k1", 1), []).unwrap()),
            store,
            ty,
        }
    }

    async fn create(&self) -> Credential {
        let mut subs = BTreeMap::new();
        subs.insert(
            "tunnels".to_owned(),
            vec![SubCredentialInput {
                name: "T1".into(),
                fields: vec![FieldInput::new("psk", "psk-1")],
                sub_credentials: BTreeMap::new(),
            }],
        );
        let new = self
            .vault
            .create_credential(
                &self.ty,
                CredentialInput {
                    name: "Edge".into(),
                    notes: None,
                    type_id: self.ty.id.clone(),
                    company_id: "acme".into(),
                    fields: vec![
                        FieldInput::new("host", "10.0.0.1"),
                        FieldInput::new("password", "first"),
                    ],
                    sub_credentials: subs,
                },
            )
            .unwrap()
            .by("alice");
        self.store.create_credential(&new).await.unwrap();
        new.credential
    }

    async fn update(&self, id: &str, fields: Vec<FieldInput>, by: &str) -> Credential {
        let mut c = self.store.get_credential(id).await.unwrap().unwrap();
        let change = self
            .vault
            .update_fields(&self.ty, &mut c, fields)
            .unwrap()
            .by(by);
        self.store
            .update_credential(&c, Some(&change))
            .await
            .unwrap();
        c
    }

    async fn restore(&self, id: &str, version: u64) -> Credential {
        let mut c = self.store.get_credential(id).await.unwrap().unwrap();
        let history = self.store.history_values(id).await.unwrap();
        let change = self
            .vault
            .restore(&self.ty, &mut c, &history, version)
            .unwrap()
            .by("carol");
        self.store
            .update_credential(&c, Some(&change))
            .await
            .unwrap();
        c
    }

    async fn secret_at(&self, id: &str, field: &str, version: u64) -> Result<String, Error> {
        let c = self.store.get_credential(id).await.unwrap().unwrap();
        let history = self.store.history_values(id).await.unwrap();
        self.vault
            .reveal_at(&c, &history, field, version)
            .map(|s| s.expose_secret().to_owned())
    }
}

fn plain(c: &Credential, field: &str) -> String {
    c.field(field).unwrap().value.as_str().to_owned()
}

#[tokio::test]
async fn every_change_is_a_version_and_every_replaced_value_is_kept() {
    let w = World::new().await;
    let c = w.create().await;
    assert_eq!(c.version, 1);
    w.update(&c.id, vec![FieldInput::new("password", "second")], "bob")
        .await;
    let c3 = w
        .update(
            &c.id,
            vec![
                FieldInput::new("host", "10.0.0.2"),
                FieldInput::new("password", "third"),
            ],
            "bob",
        )
        .await;
    assert_eq!(c3.version, 3);

    let versions = w.store.list_versions(&c.id).await.unwrap();
    let listed: Vec<_> = versions
        .iter()
        .map(|v| {
            (
                v.version,
                v.changed_by.as_deref().unwrap(),
                v.changed_fields.clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (3, "bob", vec!["host".to_owned(), "password".to_owned()]),
            (2, "bob", vec!["password".to_owned()]),
            (1, "alice", vec!["host".to_owned(), "password".to_owned()]),
        ]
    );
    for (version, expected) in [(1, "first"), (2, "second"), (3, "third")] {
        assert_eq!(
            w.secret_at(&c.id, "password", version).await.unwrap(),
            expected
        );
    }
    // A plain field is not revealed as a secret; a version that never was is not found.
    assert!(matches!(
        w.secret_at(&c.id, "host", 1).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        w.secret_at(&c.id, "password", 4).await,
        Err(Error::NotFound { .. })
    ));

    // Restoring version 1 brings back both fields, as version 4.
    let c4 = w.restore(&c.id, 1).await;
    assert_eq!(c4.version, 4);
    assert_eq!(plain(&c4, "host"), "10.0.0.1");
    assert_eq!(
        w.vault.reveal(&c4, "password").unwrap().expose_secret(),
        "first"
    );
    let newest = &w.store.list_versions(&c.id).await.unwrap()[0];
    assert_eq!(newest.version, 4);
    assert_eq!(newest.restored_from, Some(1));
    assert_eq!(newest.changed_by.as_deref(), Some("carol"));
    // …and version 3 is still there to go back to.
    assert_eq!(w.secret_at(&c.id, "password", 3).await.unwrap(), "third");
    let c5 = w.restore(&c.id, 3).await;
    assert_eq!(plain(&c5, "host"), "10.0.0.2");
    assert_eq!(
        w.vault.reveal(&c5, "password").unwrap().expose_secret(),
        "third"
    );
}

#[tokio::test]
async fn sub_credentials_have_histories_of_their_own() {
    let w = World::new().await;
    let c = w.create().await;
    let sub = w.store.list_sub_credentials(&c.id).await.unwrap().remove(0);
    w.update(&sub.id, vec![FieldInput::new("psk", "psk-2")], "bob")
        .await;
    assert_eq!(w.secret_at(&sub.id, "psk", 1).await.unwrap(), "psk-1");
    assert_eq!(w.secret_at(&sub.id, "psk", 2).await.unwrap(), "psk-2");
    assert!(w.store.list_versions(&c.id).await.unwrap().len() == 1);
    let restored = w.restore(&sub.id, 1).await;
    assert_eq!(
        w.vault.reveal(&restored, "psk").unwrap().expose_secret(),
        "psk-1"
    );
}

#[tokio::test]
async fn a_write_over_a_stale_version_changes_nothing() {
    let w = World::new().await;
    let c = w.create().await;
    let mut stale = c.clone();
    w.update(&c.id, vec![FieldInput::new("password", "second")], "bob")
        .await;
    let change = w
        .vault
        .update_fields(&w.ty, &mut stale, vec![FieldInput::new("password", "lost")])
        .unwrap();
    let err = w
        .store
        .update_credential(&stale, Some(&change))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ChangedMeanwhile { .. }), "{err:?}");
    assert_eq!(w.secret_at(&c.id, "password", 2).await.unwrap(), "second");
    assert_eq!(w.store.list_versions(&c.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn old_values_open_after_rotation_and_rewrap() {
    let w = World::new().await;
    let c = w.create().await;
    w.update(&c.id, vec![FieldInput::new("password", "second")], "bob")
        .await;

    let mut ring = KeyRing::new(key("k1", 1), []).unwrap();
    ring.rotate(key("k2", 2)).unwrap();
    let rotated = Vault::new(ring);
    let report = rewrap_store(&rotated, &w.store, 2).await.unwrap();
    assert!(report.failures.is_empty());
    // Live: host is plain; password, the sub-credential's psk. Kept: version 1's password.
    assert_eq!(report.rewrapped, 3);

    let only_new = Vault::new(KeyRing::new(key("k2", 2), []).unwrap());
    let fresh = w.store.get_credential(&c.id).await.unwrap().unwrap();
    let history = w.store.history_values(&c.id).await.unwrap();
    let old = only_new.reveal_at(&fresh, &history, "password", 1).unwrap();
    assert_eq!(old.expose_secret(), "first");
    let kept = history
        .iter()
        .find_map(|h| match &h.value {
            Some(StoredValue::Sealed(s)) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(kept.key_id(), "k2");
}

#[tokio::test]
async fn a_kept_ciphertext_opens_only_in_its_place() {
    let w = World::new().await;
    let a = w.create().await;
    let b = w.create().await;
    for id in [&a.id, &b.id] {
        w.update(id, vec![FieldInput::new("password", "second")], "bob")
            .await;
        w.update(id, vec![FieldInput::new("password", "third")], "bob")
            .await;
    }
    let sealed_of = |history: &[optima_core::vault::SupersededValue], version: u64| -> Sealed {
        history
            .iter()
            .find_map(|h| match &h.value {
                Some(StoredValue::Sealed(s)) if h.version == version => Some(s.clone()),
                _ => None,
            })
            .unwrap()
    };
    let a_now = w.store.get_credential(&a.id).await.unwrap().unwrap();
    let mut a_history = w.store.history_values(&a.id).await.unwrap();
    let b_history = w.store.history_values(&b.id).await.unwrap();

    // Version 1's value copied over version 2's, within the credential.
    let v1 = sealed_of(&a_history, 1);
    let mut moved = a_history.clone();
    for h in &mut moved {
        if h.version == 2 {
            h.value = Some(StoredValue::Sealed(v1.clone()));
        }
    }
    assert!(matches!(
        w.vault.reveal_at(&a_now, &moved, "password", 2),
        Err(Error::Crypto(_))
    ));
    // Another credential's version 1 value, in this one's version 1.
    for h in &mut a_history {
        if h.version == 1 {
            h.value = Some(StoredValue::Sealed(sealed_of(&b_history, 1)));
        }
    }
    assert!(matches!(
        w.vault.reveal_at(&a_now, &a_history, "password", 1),
        Err(Error::Crypto(_))
    ));
    // A kept value put in place of the live one.
    let mut live = a_now.clone();
    live.fields[1].value = StoredValue::Sealed(v1);
    assert!(matches!(
        w.vault.reveal(&live, "password"),
        Err(Error::Crypto(_))
    ));
}

#[tokio::test]
async fn a_deleted_credential_keeps_its_history_until_pruned_or_purged() {
    let w = World::new().await;
    let a = w.create().await;
    let b = w.create().await;
    for id in [&a.id, &b.id] {
        w.update(id, vec![FieldInput::new("password", "second")], "bob")
            .await;
    }
    let sub = w.store.list_sub_credentials(&a.id).await.unwrap().remove(0);
    w.store.delete_credential(&a.id).await.unwrap();
    w.store.delete_credential(&b.id).await.unwrap();

    let gone = w.store.deleted_credential(&a.id).await.unwrap().unwrap();
    assert_eq!(gone.permission_scope, "router.credentials");
    assert!(w.store.deleted_credential(&sub.id).await.unwrap().is_some());
    assert_eq!(w.store.list_versions(&a.id).await.unwrap().len(), 2);
    assert_eq!(w.store.history_values(&a.id).await.unwrap().len(), 1);

    assert_eq!(w.store.purge_history(&b.id).await.unwrap(), 2);
    assert!(w.store.deleted_credential(&b.id).await.unwrap().is_none());
    assert!(w.store.list_versions(&b.id).await.unwrap().is_empty());

    assert_eq!(
        w.store
            .prune_history(Utc::now() - Duration::days(1))
            .await
            .unwrap(),
        0
    );
    // The first credential, its sub-credential, and the second's sub-credential (purging a
    // credential's history leaves its sub-credentials' own).
    assert_eq!(
        w.store
            .prune_history(Utc::now() + Duration::seconds(1))
            .await
            .unwrap(),
        3
    );
    assert!(w.store.list_versions(&a.id).await.unwrap().is_empty());
    assert!(w.store.history_values(&a.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_value_given_again_unchanged_is_no_change() {
    let w = World::new().await;
    let c = w.create().await;
    w.store
        .set_rotation_due(std::slice::from_ref(&c.id), true)
        .await
        .unwrap();
    let again = w
        .update(
            &c.id,
            vec![
                FieldInput::new("password", "first"),
                FieldInput::new("host", "10.0.0.1"),
            ],
            "bob",
        )
        .await;
    assert_eq!(again.version, 2);
    let newest = &w.store.list_versions(&c.id).await.unwrap()[0];
    assert!(newest.changed_fields.is_empty(), "{newest:?}");
    assert!(w.store.history_values(&c.id).await.unwrap().is_empty());
    // Writing a password back is not rotating it.
    assert!(
        w.store
            .get_credential(&c.id)
            .await
            .unwrap()
            .unwrap()
            .rotation_due
    );
}

#[tokio::test]
async fn restoring_a_secret_into_a_field_now_plain_is_refused() {
    let w = World::new().await;
    let c = w.create().await;
    w.update(&c.id, vec![FieldInput::new("password", "second")], "bob")
        .await;
    let mut now_plain = w.ty.clone();
    now_plain.fields[1].secure = false;
    let mut live = w.store.get_credential(&c.id).await.unwrap().unwrap();
    let history = w.store.history_values(&c.id).await.unwrap();
    let err = w
        .vault
        .restore(&now_plain, &mut live, &history, 1)
        .unwrap_err();
    let Error::Validation(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.iter().next().unwrap().path, "fields.password");
    assert!(!errors.to_string().contains("first"));
}

#[tokio::test]
async fn making_a_field_secure_drops_its_clear_history() {
    let w = World::new().await;
    let c = w.create().await;
    w.update(&c.id, vec![FieldInput::new("host", "10.0.0.2")], "bob")
        .await;
    let mut secure_host = w.ty.clone();
    secure_host.fields[0].secure = true;
    let vault = w.vault.clone();
    let rewrite = move |credential: &mut Credential| {
        vault.apply_field_changes(credential, &secure_host, &[], false)
    };
    let mut new_ty = w.ty.clone();
    new_ty.fields[0].secure = true;
    w.store
        .update_type_rewriting(&w.ty, &new_ty, &rewrite)
        .await
        .unwrap();
    let history = w.store.history_values(&c.id).await.unwrap();
    let host: Vec<_> = history.iter().filter(|h| h.field_id == "host").collect();
    assert_eq!(host.len(), 1);
    assert_eq!(
        host[0].value, None,
        "the clear value before it was secure is gone"
    );
}
