//! The SQL vault store against the store traits' contract, on SQLite and on PostgreSQL (when
//! OPTIMA_TEST_POSTGRES_URL is set), with the in-memory store of optima-core as the reference:
//! the same suite runs on all three.

use chrono::{Duration, SubsecRound, Utc};
use optima_core::Error;
use optima_core::vault::{
    CredentialInput, CredentialStore, CredentialType, CredentialTypeInput, CredentialTypeStore,
    FieldDefinition, FieldInput, KeyId, KeyRing, MemoryVaultStore, RevealAuditStore, RevealQuery,
    RevealRecord, StoredValue, SubCredentialInput, ValueType, Vault, rewrap_store,
};
use optima_server::db::Db;
use optima_server::store::SqlStore;
use optima_server::testing::{postgres_test_url, sqlite_test_url};

trait VaultStore: CredentialStore + CredentialTypeStore + RevealAuditStore {}
impl<T: CredentialStore + CredentialTypeStore + RevealAuditStore> VaultStore for T {}

async fn sql_store(url: &str) -> SqlStore {
    let db = Db::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    for (id, cw_id) in [("acme", 1_i64), ("globex", 2)] {
        sqlx::query(
            "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
             VALUES ($1, $2, $1, $1, $1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        )
        .bind(id)
        .bind(cw_id)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    SqlStore::new(db)
}

fn vpn_type(name: &str) -> CredentialType {
    CredentialType::create(CredentialTypeInput {
        name: name.into(),
        permission_scope: "vpn.credentials".into(),
        icon: Some("https://example.com/vpn.ico".into()),
        fields: vec![
            FieldDefinition::new("host", "Host", ValueType::PlainText, true, false),
            FieldDefinition::new("password", "Password", ValueType::Password, true, true),
            FieldDefinition::multi(
                "tunnels",
                "Tunnels",
                false,
                vec![
                    FieldDefinition::new("server", "Server", ValueType::PlainText, true, false),
                    FieldDefinition::new("psk", "PSK", ValueType::Password, true, true),
                ],
            ),
        ],
    })
    .unwrap()
}

fn input(ty: &CredentialType, name: &str, company: &str, tunnels: usize) -> CredentialInput {
    let mut subs = std::collections::BTreeMap::new();
    if tunnels > 0 {
        subs.insert(
            "tunnels".to_owned(),
            (0..tunnels)
                .map(|i| SubCredentialInput {
                    name: format!("Tunnel {i}"),
                    fields: vec![
                        FieldInput::new("server", format!("vpn{i}.example.com")),
                        FieldInput::new("psk", format!("psk-{i}")),
                    ],
                    sub_credentials: Default::default(),
                })
                .collect(),
        );
    }
    CredentialInput {
        name: name.into(),
        notes: Some("notes".into()),
        type_id: ty.id.clone(),
        company_id: company.into(),
        fields: vec![
            FieldInput::new("host", "gw.example.com"),
            FieldInput::new("password", format!("secret of {name}")),
        ],
        sub_credentials: subs,
    }
}

/// The same key every time, so that values one step leaves (kept in histories) open in the next.
fn vault() -> Vault {
    let key = optima_core::vault::VaultKey::from_bytes(KeyId::new("k1").unwrap(), [7; 32]);
    Vault::new(KeyRing::new(key, []).unwrap())
}

/// What only the SQL store offers: counting the values sealed under a key (for `vault retire`).
async fn sql_only(store: &SqlStore) {
    let vault = vault();
    let ty = vpn_type("Counted");
    store.create_type(&ty).await.unwrap();
    let new = vault
        .create_credential(&ty, input(&ty, "C", "acme", 2))
        .unwrap();
    store.create_credential(&new).await.unwrap();
    let under = |key: &'static str| store.values_under_key(key);
    assert_eq!(under("k1").await.unwrap(), 3);
    assert_eq!(under("k").await.unwrap(), 0, "a key id is matched whole");
    assert_eq!(under("k2").await.unwrap(), 0);
    store.delete_type(&ty.id).await.unwrap();
    assert_eq!(under("k1").await.unwrap(), 0);
}

async fn suite(store: &dyn VaultStore, enforces_companies: bool) {
    types(store).await;
    credentials(store, enforces_companies).await;
    reveals(store).await;
    rewrap(store).await;
    history(store).await;
}

/// Versions, kept values, restores, stale writes, deleted credentials' histories, rotation flags.
async fn history(store: &dyn VaultStore) {
    let vault = vault();
    let ty = vpn_type("History");
    store.create_type(&ty).await.unwrap();
    let new = vault
        .create_credential(&ty, input(&ty, "H", "acme", 1))
        .unwrap()
        .by("alice");
    store.create_credential(&new).await.unwrap();
    let id = new.credential.id.clone();
    let sub_id = new.sub_credentials[0].id.clone();
    let edit = async |fields: Vec<FieldInput>, by: &str| {
        let mut c = store.get_credential(&id).await.unwrap().unwrap();
        let change = vault.update_fields(&ty, &mut c, fields).unwrap().by(by);
        store.update_credential(&c, Some(&change)).await.unwrap();
        c
    };
    edit(vec![FieldInput::new("password", "second")], "bob").await;
    let stale = store.get_credential(&id).await.unwrap().unwrap();
    let c3 = edit(
        vec![
            FieldInput::new("host", "gw2.example.com"),
            FieldInput::new("password", "third"),
        ],
        "bob",
    )
    .await;
    assert_eq!(store.get_credential(&id).await.unwrap().unwrap(), c3);
    let versions = store.list_versions(&id).await.unwrap();
    let summary: Vec<_> = versions
        .iter()
        .map(|v| {
            (
                v.version,
                v.changed_by.clone().unwrap(),
                v.changed_fields.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (3, "bob".to_owned(), 2),
            (2, "bob".to_owned(), 1),
            (1, "alice".to_owned(), 2)
        ]
    );
    assert_eq!(store.list_versions(&sub_id).await.unwrap().len(), 1);
    let history = store.history_values(&id).await.unwrap();
    assert_eq!(history.len(), 3, "password twice, host once");
    for (version, expected) in [(1, "secret of H"), (2, "second"), (3, "third")] {
        let value = vault.reveal_at(&c3, &history, "password", version).unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&value), expected);
    }

    // A write over a version that is no longer the stored one changes nothing.
    let mut late = stale.clone();
    let change = vault
        .update_fields(&ty, &mut late, vec![FieldInput::new("password", "lost")])
        .unwrap();
    assert!(matches!(
        store.update_credential(&late, Some(&change)).await,
        Err(Error::ChangedMeanwhile { .. })
    ));
    assert!(matches!(
        store.update_credential(&stale, None).await,
        Err(Error::ChangedMeanwhile { .. })
    ));
    assert_eq!(store.list_versions(&id).await.unwrap().len(), 3);

    // Restore version 1 as version 4.
    let mut c = store.get_credential(&id).await.unwrap().unwrap();
    let change = vault.restore(&ty, &mut c, &history, 1).unwrap().by("carol");
    store.update_credential(&c, Some(&change)).await.unwrap();
    let c4 = store.get_credential(&id).await.unwrap().unwrap();
    assert_eq!(c4.version, 4);
    assert_eq!(c4.field("host").unwrap().value.as_str(), "gw.example.com");
    let pw = vault.reveal(&c4, "password").unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&pw), "secret of H");
    assert_eq!(
        store.list_versions(&id).await.unwrap()[0].restored_from,
        Some(1)
    );

    // Rotation due: set, then cleared by a change of a secure value.
    assert_eq!(
        store
            .set_rotation_due(&[id.clone(), "nope".into()], true)
            .await
            .unwrap(),
        1
    );
    assert!(
        store
            .get_credential(&id)
            .await
            .unwrap()
            .unwrap()
            .rotation_due
    );
    // A write from a copy read before the mark (a rename) does not lose it.
    let mut renamed = c4.clone();
    renamed.name = "H renamed".into();
    store.update_credential(&renamed, None).await.unwrap();
    let flagged = store.get_credential(&id).await.unwrap().unwrap();
    assert!(flagged.rotation_due && flagged.name == "H renamed");
    let c5 = edit(vec![FieldInput::new("password", "rotated")], "bob").await;
    assert!(!c5.rotation_due);
    assert!(
        !store
            .get_credential(&id)
            .await
            .unwrap()
            .unwrap()
            .rotation_due
    );

    // After a key rotation and a rewrap, earlier values open under the new key alone.
    let mut ring = vault.keyring().clone();
    ring.rotate(optima_core::vault::VaultKey::generate(
        KeyId::new("k3").unwrap(),
    ))
    .unwrap();
    let rotated = Vault::new(ring);
    let report = rewrap_store(&rotated, store, 3).await.unwrap();
    // (Values the `rewrap` step moved to its own random key cannot open here: not this one's.)
    assert!(
        report.failures.iter().all(|f| f.credential_id != id),
        "{:?}",
        report.failures
    );
    let mut only_new = rotated.keyring().clone();
    assert!(only_new.retire("k1"));
    let only_new = Vault::new(only_new);
    let now = store.get_credential(&id).await.unwrap().unwrap();
    let history = store.history_values(&id).await.unwrap();
    for (version, expected) in [
        (1, "secret of H"),
        (2, "second"),
        (3, "third"),
        (5, "rotated"),
    ] {
        let value = only_new
            .reveal_at(&now, &history, "password", version)
            .unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&value), expected);
    }

    // Deleting keeps the history, with the scope needed to read it, until purged or pruned.
    store.delete_credential(&id).await.unwrap();
    let gone = store.deleted_credential(&id).await.unwrap().unwrap();
    assert_eq!(gone.permission_scope, "vpn.credentials");
    assert_eq!(gone.name, "H renamed");
    assert!(store.deleted_credential(&sub_id).await.unwrap().is_some());
    assert_eq!(store.list_versions(&id).await.unwrap().len(), 5);
    assert_eq!(store.purge_history(&id).await.unwrap(), 5);
    assert!(store.deleted_credential(&id).await.unwrap().is_none());
    assert!(store.history_values(&id).await.unwrap().is_empty());
    assert_eq!(
        store
            .prune_history(Utc::now() - Duration::days(1))
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .prune_history(Utc::now() + Duration::seconds(1))
            .await
            .unwrap()
            >= 1
    );
    assert!(store.deleted_credential(&sub_id).await.unwrap().is_none());
    assert!(store.list_versions(&sub_id).await.unwrap().is_empty());
}

async fn types(store: &dyn VaultStore) {
    let vpn = vpn_type("VPN");
    store.create_type(&vpn).await.unwrap();
    assert_eq!(store.get_type(&vpn.id).await.unwrap(), Some(vpn.clone()));
    // By name, ignoring case.
    assert_eq!(store.find_type("vpn").await.unwrap(), Some(vpn.clone()));
    assert_eq!(store.find_type(&vpn.id).await.unwrap(), Some(vpn.clone()));
    assert_eq!(store.find_type("nope").await.unwrap(), None);

    let same_name = vpn_type("vPn");
    assert!(matches!(
        store.create_type(&same_name).await,
        Err(Error::Conflict { .. })
    ));
    let mut same_id = vpn_type("Other");
    same_id.id = vpn.id.clone();
    assert!(matches!(
        store.create_type(&same_id).await,
        Err(Error::Conflict { .. })
    ));

    let aws = vpn_type("AWS");
    store.create_type(&aws).await.unwrap();
    let names: Vec<String> = store
        .list_types()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["AWS", "VPN"]);

    let mut renamed = aws.clone();
    renamed.name = "Amazon".into();
    renamed.icon = None;
    store.update_type(&renamed).await.unwrap();
    assert_eq!(
        store.get_type(&aws.id).await.unwrap(),
        Some(renamed.clone())
    );
    renamed.name = "VPN".into();
    assert!(matches!(
        store.update_type(&renamed).await,
        Err(Error::Conflict { .. })
    ));
    let ghost = vpn_type("Ghost");
    assert!(matches!(
        store.update_type(&ghost).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_type(&ghost.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(store.delete_type(&aws.id).await.unwrap(), 0);
    assert_eq!(store.get_type(&aws.id).await.unwrap(), None);
}

async fn credentials(store: &dyn VaultStore, enforces_companies: bool) {
    let vault = vault();
    let ty = vpn_type("Creds");
    store.create_type(&ty).await.unwrap();

    let b = vault
        .create_credential(&ty, input(&ty, "B", "acme", 2))
        .unwrap();
    let a = vault
        .create_credential(&ty, input(&ty, "A", "acme", 0))
        .unwrap();
    let g = vault
        .create_credential(&ty, input(&ty, "G", "globex", 1))
        .unwrap();
    for new in [&b, &a, &g] {
        store.create_credential(new).await.unwrap();
    }
    assert!(matches!(
        store.create_credential(&a).await,
        Err(Error::Conflict { .. })
    ));
    // Read back exactly as written, fields in order, sealed values intact.
    assert_eq!(
        store.get_credential(&b.credential.id).await.unwrap(),
        Some(b.credential.clone())
    );
    assert_eq!(
        store
            .get_credential(&b.sub_credentials[1].id)
            .await
            .unwrap(),
        Some(b.sub_credentials[1].clone())
    );
    let secret = vault.reveal(&b.credential, "password").unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&secret), "secret of B");

    let names = |v: Vec<optima_core::vault::Credential>| -> Vec<String> {
        v.into_iter().map(|c| c.name).collect()
    };
    assert_eq!(
        names(store.list_by_company("acme").await.unwrap()),
        ["A", "B"]
    );
    assert_eq!(
        names(store.list_by_type(&ty.id).await.unwrap()),
        ["A", "B", "G"]
    );
    assert_eq!(store.count_by_type(&ty.id).await.unwrap(), 3);
    // Oldest first; created together, they come by id.
    let mut expected = b.sub_credentials.clone();
    expected.sort_by(|x, y| (x.created_at, &x.id).cmp(&(y.created_at, &y.id)));
    assert_eq!(
        store.list_sub_credentials(&b.credential.id).await.unwrap(),
        expected
    );

    // Unknown type, parent or company: nothing is stored.
    let mut orphan = vault
        .create_credential(&ty, input(&ty, "O", "acme", 1))
        .unwrap();
    orphan.credential.type_id = "no-such-type".into();
    assert!(matches!(
        store.create_credential(&orphan).await,
        Err(Error::NotFound {
            kind: "credential type",
            ..
        })
    ));
    let sub = vault
        .create_sub_credential(
            &ty,
            &a.credential,
            "tunnels",
            SubCredentialInput {
                name: "late".into(),
                fields: vec![FieldInput::new("server", "s"), FieldInput::new("psk", "p")],
                sub_credentials: Default::default(),
            },
        )
        .unwrap();
    let mut lost = sub.clone();
    lost.credential.sub_credential_of_id = Some("no-such-parent".into());
    assert!(matches!(
        store.create_credential(&lost).await,
        Err(Error::NotFound {
            kind: "credential",
            ..
        })
    ));
    if enforces_companies {
        let homeless = vault
            .create_credential(&ty, input(&ty, "H", "no-such-company", 1))
            .unwrap();
        assert!(matches!(
            store.create_credential(&homeless).await,
            Err(Error::NotFound {
                kind: "company",
                ..
            })
        ));
        assert_eq!(
            store.get_credential(&homeless.credential.id).await.unwrap(),
            None
        );
        assert_eq!(
            store
                .get_credential(&homeless.sub_credentials[0].id)
                .await
                .unwrap(),
            None,
            "all or nothing"
        );
    }
    store.create_credential(&sub).await.unwrap();
    assert_eq!(
        store.list_sub_credentials(&a.credential.id).await.unwrap(),
        vec![sub.credential.clone()]
    );

    // Update replaces name, notes, fields.
    let mut changed = a.credential.clone();
    changed.name = "A2".into();
    changed.notes = None;
    let change = vault
        .update_fields(
            &ty,
            &mut changed,
            vec![FieldInput::new("password", "new secret")],
        )
        .unwrap();
    store
        .update_credential(&changed, Some(&change))
        .await
        .unwrap();
    let back = store.get_credential(&changed.id).await.unwrap().unwrap();
    assert_eq!(back, changed);
    let ghost = vault
        .create_credential(&ty, input(&ty, "X", "acme", 0))
        .unwrap();
    assert!(matches!(
        store.update_credential(&ghost.credential, None).await,
        Err(Error::NotFound { .. })
    ));

    // Compare and swap of one sealed value.
    let StoredValue::Sealed(current) = &back.field("password").unwrap().value else {
        panic!("password is sealed")
    };
    let StoredValue::Sealed(other) = &b.credential.field("password").unwrap().value else {
        panic!("password is sealed")
    };
    assert!(
        !store
            .swap_sealed_value(&back.id, "password", other, current)
            .await
            .unwrap(),
        "a stale expected value does not swap"
    );
    assert!(
        !store
            .swap_sealed_value(&back.id, "host", current, other)
            .await
            .unwrap(),
        "a plain field is never swapped"
    );
    assert!(
        store
            .swap_sealed_value(&back.id, "password", current, other)
            .await
            .unwrap()
    );
    let swapped = store.get_credential(&back.id).await.unwrap().unwrap();
    assert_eq!(
        swapped.field("password").unwrap().value,
        StoredValue::Sealed(other.clone())
    );

    // A stable walk over everything, in pages.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_page(after.as_deref(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|c| c.id.clone());
        seen.extend(page.into_iter().map(|c| c.id));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    // 3 top-level + 2 + 1 inline subs + 1 added sub.
    assert_eq!(seen.len(), 7);

    // Deleting cascades to sub-credentials.
    assert_eq!(store.delete_credential(&b.credential.id).await.unwrap(), 3);
    assert_eq!(
        store
            .get_credential(&b.sub_credentials[0].id)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store.delete_credential(&b.credential.id).await,
        Err(Error::NotFound { .. })
    ));
    // Deleting the type takes every credential of it.
    assert_eq!(store.delete_type(&ty.id).await.unwrap(), 4);
    assert_eq!(store.get_credential(&g.credential.id).await.unwrap(), None);
    assert_eq!(
        store.get_credential(&sub.credential.id).await.unwrap(),
        None
    );
    assert!(store.list_by_company("acme").await.unwrap().is_empty());
}

async fn reveals(store: &dyn VaultStore) {
    let base = (Utc::now() - Duration::hours(1)).trunc_subsecs(3);
    let mut records = Vec::new();
    for i in 0..5_i64 {
        let mut r = RevealRecord::new(
            if i % 2 == 0 { "alice" } else { "bob" },
            if i < 3 { "cred-1" } else { "cred-2" },
            vec!["password".into(), format!("f{i}")],
            (i == 0).then(|| "10.0.0.1".to_owned()),
        );
        r.at = base + Duration::minutes(i);
        store.record_reveal(&r).await.unwrap();
        records.push(r);
    }
    assert!(matches!(
        store.record_reveal(&records[0]).await,
        Err(Error::Conflict { .. })
    ));
    let all = store.list_reveals(&RevealQuery::default()).await.unwrap();
    assert_eq!(all.total, 5);
    let newest_first: Vec<RevealRecord> = records.iter().rev().cloned().collect();
    assert_eq!(all.items, newest_first);

    let q = RevealQuery {
        user_id: Some("alice".into()),
        credential_id: Some("cred-1".into()),
        ..Default::default()
    };
    let page = store.list_reveals(&q).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items, vec![records[2].clone(), records[0].clone()]);

    let q = RevealQuery {
        since: Some(base + Duration::minutes(1)),
        until: Some(base + Duration::minutes(4)),
        offset: 1,
        limit: 1,
        ..Default::default()
    };
    let page = store.list_reveals(&q).await.unwrap();
    assert_eq!(page.total, 3, "since inclusive, until exclusive");
    assert_eq!(page.items, vec![records[2].clone()]);
}

async fn rewrap(store: &dyn VaultStore) {
    let old = vault();
    let ty = vpn_type("Rewrap");
    store.create_type(&ty).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        let new = old
            .create_credential(&ty, input(&ty, &format!("R{i}"), "acme", 1))
            .unwrap();
        store.create_credential(&new).await.unwrap();
        ids.push(new.credential.id.clone());
    }
    let mut ring = old.keyring().clone();
    ring.rotate(optima_core::vault::VaultKey::generate(
        KeyId::new("k2").unwrap(),
    ))
    .unwrap();
    let rotated = Vault::new(ring);
    let report = rewrap_store(&rotated, store, 2).await.unwrap();
    assert_eq!(report.credentials, 10);
    // And the password the update in `credentials` replaced, kept in its (since deleted)
    // credential's history.
    assert_eq!(report.values, 11);
    assert_eq!(report.rewrapped, 11);
    assert!(report.failures.is_empty());
    // Again: nothing left to do.
    let again = rewrap_store(&rotated, store, 2).await.unwrap();
    assert_eq!(again.rewrapped, 0);
    // Only the new key is needed now.
    let mut only_new = rotated.keyring().clone();
    assert!(only_new.retire("k1"));
    let only_new = Vault::new(only_new);
    for (i, id) in ids.iter().enumerate() {
        let c = store.get_credential(id).await.unwrap().unwrap();
        let value = only_new.reveal(&c, "password").unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&value),
            format!("secret of R{i}")
        );
    }
    store.delete_type(&ty.id).await.unwrap();
}

#[tokio::test]
async fn memory_store_is_the_reference() {
    suite(&MemoryVaultStore::new(), false).await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = sql_store(&sqlite_test_url(dir.path())).await;
    suite(&store, true).await;
    sql_only(&store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_contract() {
    let Some(url) = postgres_test_url("postgres_store_keeps_the_contract").await else {
        return;
    };
    let store = sql_store(&url).await;
    suite(&store, true).await;
    sql_only(&store).await;
}
