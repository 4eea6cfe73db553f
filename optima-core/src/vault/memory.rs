//! [`MemoryVaultStore`]: all three vault stores in memory, for tests and small programs.

use std::collections::{BTreeMap, HashSet};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::crypto::Sealed;
use super::engine::NewCredential;
use super::history::{CredentialVersion, DeletedCredential, SupersededValue, VersionChange};
use super::model::{Credential, RevealRecord, StoredValue, now};
use super::schema::CredentialType;
use super::store::{
    CredentialStore, CredentialTypeStore, RevealAuditStore, RevealPage, RevealQuery, Rewrite,
    RewriteCounts, RewriteFn,
};
use crate::{Error, Result};

#[derive(Debug, Default)]
struct Inner {
    types: BTreeMap<String, CredentialType>,
    credentials: BTreeMap<String, Credential>,
    reveals: Vec<RevealRecord>,
    /// Versions by credential, oldest first.
    versions: BTreeMap<String, Vec<CredentialVersion>>,
    /// Kept values by (credential, field, version).
    superseded: BTreeMap<(String, String, u64), SupersededValue>,
    deleted: BTreeMap<String, DeletedCredential>,
}

/// Credential types, credentials and the reveal log, in memory. Deletes cascade as the traits say.
#[derive(Debug, Default)]
pub struct MemoryVaultStore {
    inner: RwLock<Inner>,
}

impl MemoryVaultStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    // A panic while holding the lock leaves plain data behind, still consistent per operation
    // (every write checks before it mutates), so a poisoned lock is taken over.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

fn by_name(mut v: Vec<Credential>) -> Vec<Credential> {
    v.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    v
}

impl Inner {
    fn name_taken(&self, name: &str, except_id: &str) -> bool {
        self.types
            .values()
            .any(|t| t.id != except_id && t.name.to_lowercase() == name.to_lowercase())
    }

    /// Ids of `roots` and all their descendants.
    /// NotFound unless `ty` is stored; Conflict when another type has its name.
    fn check_replaceable(&self, ty: &CredentialType) -> Result<()> {
        if !self.types.contains_key(&ty.id) {
            return Err(Error::NotFound {
                kind: "credential type",
                id: ty.id.clone(),
            });
        }
        if self.name_taken(&ty.name, &ty.id) {
            return Err(Error::Conflict {
                kind: "credential type",
                id: ty.name.clone(),
            });
        }
        Ok(())
    }

    /// Removes these credentials, keeping what their histories need.
    fn remove_credentials(&mut self, ids: &HashSet<String>) {
        let at = now();
        for id in ids {
            let Some(c) = self.credentials.remove(id) else {
                continue;
            };
            let scope = self
                .types
                .get(&c.type_id)
                .map(|t| t.permission_scope.clone())
                .unwrap_or_default();
            self.deleted.insert(
                c.id.clone(),
                DeletedCredential {
                    credential_id: c.id,
                    name: c.name,
                    type_id: c.type_id,
                    permission_scope: scope,
                    company_id: c.company_id,
                    deleted_at: at,
                },
            );
        }
    }

    fn purge(&mut self, credential_id: &str) -> u64 {
        self.superseded.retain(|(c, _, _), _| c != credential_id);
        self.deleted.remove(credential_id);
        self.versions
            .remove(credential_id)
            .map_or(0, |v| v.len() as u64)
    }

    fn with_descendants(&self, roots: impl IntoIterator<Item = String>) -> HashSet<String> {
        let mut out: HashSet<String> = roots.into_iter().collect();
        loop {
            let before = out.len();
            let found: Vec<String> = self
                .credentials
                .values()
                .filter(|c| {
                    c.sub_credential_of_id
                        .as_ref()
                        .is_some_and(|p| out.contains(p))
                })
                .map(|c| c.id.clone())
                .collect();
            out.extend(found);
            if out.len() == before {
                return out;
            }
        }
    }
}

#[async_trait]
impl CredentialTypeStore for MemoryVaultStore {
    async fn create_type(&self, ty: &CredentialType) -> Result<()> {
        let mut inner = self.write();
        if inner.types.contains_key(&ty.id) {
            return Err(Error::Conflict {
                kind: "credential type",
                id: ty.id.clone(),
            });
        }
        if inner.name_taken(&ty.name, &ty.id) {
            return Err(Error::Conflict {
                kind: "credential type",
                id: ty.name.clone(),
            });
        }
        inner.types.insert(ty.id.clone(), ty.clone());
        Ok(())
    }

    async fn get_type(&self, id: &str) -> Result<Option<CredentialType>> {
        Ok(self.read().types.get(id).cloned())
    }

    async fn find_type(&self, id_or_name: &str) -> Result<Option<CredentialType>> {
        let inner = self.read();
        if let Some(t) = inner.types.get(id_or_name) {
            return Ok(Some(t.clone()));
        }
        let wanted = id_or_name.to_lowercase();
        Ok(inner
            .types
            .values()
            .find(|t| t.name.to_lowercase() == wanted)
            .cloned())
    }

    async fn list_types(&self) -> Result<Vec<CredentialType>> {
        let mut v: Vec<_> = self.read().types.values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(v)
    }

    async fn update_type(&self, ty: &CredentialType) -> Result<()> {
        let mut inner = self.write();
        inner.check_replaceable(ty)?;
        inner.types.insert(ty.id.clone(), ty.clone());
        Ok(())
    }

    async fn update_type_rewriting(
        &self,
        previous: &CredentialType,
        ty: &CredentialType,
        rewrite: &RewriteFn<'_>,
    ) -> Result<RewriteCounts> {
        let mut inner = self.write();
        inner.check_replaceable(ty)?;
        if inner.types.get(&ty.id) != Some(previous) {
            return Err(Error::ChangedMeanwhile {
                kind: "credential type",
                id: ty.id.clone(),
            });
        }
        // Work on copies, so that an error leaves the store as it was.
        let mut counts = RewriteCounts::default();
        let mut rewritten = Vec::new();
        let mut removed = Vec::new();
        for credential in inner.credentials.values().filter(|c| c.type_id == ty.id) {
            let mut copy = credential.clone();
            match rewrite(&mut copy)? {
                Rewrite::Unchanged => {}
                Rewrite::Changed { .. } => rewritten.push(copy),
                Rewrite::Remove => removed.push(copy.id),
            }
        }
        counts.changed = rewritten.len() as u64;
        counts.removed = removed.len() as u64;
        let doomed = inner.with_descendants(removed);
        inner.remove_credentials(&doomed);
        for credential in rewritten {
            if inner.credentials.contains_key(&credential.id) {
                inner.credentials.insert(credential.id.clone(), credential);
            }
        }
        // Values a field held in clear before it was made secure are not kept in clear in its
        // history either.
        for at in previous.field_changes(ty).sealed {
            let owners: HashSet<String> = inner
                .credentials
                .values()
                .filter(|c| c.type_id == ty.id && c.schema_path == at.schema_path)
                .map(|c| c.id.clone())
                .chain(
                    inner
                        .deleted
                        .values()
                        .filter(|d| d.type_id == ty.id)
                        .map(|d| d.credential_id.clone()),
                )
                .collect();
            for kept in inner.superseded.values_mut() {
                if kept.field_id == at.field_id
                    && owners.contains(&kept.credential_id)
                    && matches!(kept.value, Some(StoredValue::Plain(_)))
                {
                    kept.value = None;
                }
            }
        }
        inner.types.insert(ty.id.clone(), ty.clone());
        Ok(counts)
    }

    async fn delete_type(&self, id: &str) -> Result<u64> {
        let mut inner = self.write();
        if !inner.types.contains_key(id) {
            return Err(Error::NotFound {
                kind: "credential type",
                id: id.to_owned(),
            });
        }
        let doomed: HashSet<String> = inner
            .credentials
            .values()
            .filter(|c| c.type_id == id)
            .map(|c| c.id.clone())
            .collect();
        inner.remove_credentials(&doomed);
        inner.types.remove(id);
        Ok(doomed.len() as u64)
    }
}

#[async_trait]
impl CredentialStore for MemoryVaultStore {
    async fn create_credential(&self, new: &NewCredential) -> Result<()> {
        let mut inner = self.write();
        let mut ids = HashSet::new();
        // Check everything before inserting anything: all or nothing.
        for c in new.all() {
            if !inner.types.contains_key(&c.type_id) {
                return Err(Error::NotFound {
                    kind: "credential type",
                    id: c.type_id.clone(),
                });
            }
            if inner.credentials.contains_key(&c.id) || !ids.insert(c.id.as_str()) {
                return Err(Error::Conflict {
                    kind: "credential",
                    id: c.id.clone(),
                });
            }
            if let Some(parent) = &c.sub_credential_of_id
                && !inner.credentials.contains_key(parent)
                && !ids.contains(parent.as_str())
            {
                return Err(Error::NotFound {
                    kind: "credential",
                    id: parent.clone(),
                });
            }
        }
        for c in new.all() {
            inner.credentials.insert(c.id.clone(), c.clone());
        }
        for v in new.first_versions() {
            inner.versions.insert(v.credential_id.clone(), vec![v]);
        }
        Ok(())
    }

    async fn get_credential(&self, id: &str) -> Result<Option<Credential>> {
        Ok(self.read().credentials.get(id).cloned())
    }

    async fn list_by_company(&self, company_id: &str) -> Result<Vec<Credential>> {
        Ok(by_name(
            self.read()
                .credentials
                .values()
                .filter(|c| c.company_id == company_id && !c.is_sub_credential())
                .cloned()
                .collect(),
        ))
    }

    async fn list_by_type(&self, type_id: &str) -> Result<Vec<Credential>> {
        Ok(by_name(
            self.read()
                .credentials
                .values()
                .filter(|c| c.type_id == type_id && !c.is_sub_credential())
                .cloned()
                .collect(),
        ))
    }

    async fn count_by_type(&self, type_id: &str) -> Result<u64> {
        Ok(self
            .read()
            .credentials
            .values()
            .filter(|c| c.type_id == type_id && !c.is_sub_credential())
            .count() as u64)
    }

    async fn list_sub_credentials(&self, parent_id: &str) -> Result<Vec<Credential>> {
        let mut v: Vec<_> = self
            .read()
            .credentials
            .values()
            .filter(|c| c.sub_credential_of_id.as_deref() == Some(parent_id))
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(v)
    }

    async fn update_credential(
        &self,
        credential: &Credential,
        change: Option<&VersionChange>,
    ) -> Result<()> {
        let mut inner = self.write();
        let Some(stored) = inner.credentials.get_mut(&credential.id) else {
            return Err(Error::NotFound {
                kind: "credential",
                id: credential.id.clone(),
            });
        };
        let expected = change.map_or(credential.version, |c| c.version.version - 1);
        if stored.version != expected {
            return Err(Error::ChangedMeanwhile {
                kind: "credential",
                id: credential.id.clone(),
            });
        }
        stored.name.clone_from(&credential.name);
        stored.notes.clone_from(&credential.notes);
        stored.fields.clone_from(&credential.fields);
        stored.updated_at = credential.updated_at;
        stored.version = credential.version;
        // The flag is the store's: a write only clears it, by rotating a secret, so that a
        // concurrent mark is not lost to a copy read before it.
        if change.is_some_and(|c| c.rotates_secret) {
            stored.rotation_due = false;
        }
        if let Some(change) = change {
            inner
                .versions
                .entry(credential.id.clone())
                .or_default()
                .push(change.version.clone());
            for kept in &change.superseded {
                let key = (
                    kept.credential_id.clone(),
                    kept.field_id.clone(),
                    kept.version,
                );
                inner.superseded.insert(key, kept.clone());
            }
        }
        Ok(())
    }

    async fn delete_credential(&self, id: &str) -> Result<u64> {
        let mut inner = self.write();
        if !inner.credentials.contains_key(id) {
            return Err(Error::NotFound {
                kind: "credential",
                id: id.to_owned(),
            });
        }
        let doomed = inner.with_descendants([id.to_owned()]);
        inner.remove_credentials(&doomed);
        Ok(doomed.len() as u64)
    }

    async fn set_rotation_due(&self, ids: &[String], due: bool) -> Result<u64> {
        let mut inner = self.write();
        let mut n = 0;
        for id in ids {
            if let Some(c) = inner.credentials.get_mut(id) {
                c.rotation_due = due;
                n += 1;
            }
        }
        Ok(n)
    }

    async fn list_versions(&self, credential_id: &str) -> Result<Vec<CredentialVersion>> {
        let mut v = self
            .read()
            .versions
            .get(credential_id)
            .cloned()
            .unwrap_or_default();
        v.reverse();
        Ok(v)
    }

    async fn history_values(&self, credential_id: &str) -> Result<Vec<SupersededValue>> {
        Ok(self
            .read()
            .superseded
            .values()
            .filter(|h| h.credential_id == credential_id)
            .cloned()
            .collect())
    }

    async fn deleted_credential(&self, credential_id: &str) -> Result<Option<DeletedCredential>> {
        Ok(self.read().deleted.get(credential_id).cloned())
    }

    async fn purge_history(&self, credential_id: &str) -> Result<u64> {
        Ok(self.write().purge(credential_id))
    }

    async fn prune_history(&self, deleted_before: DateTime<Utc>) -> Result<u64> {
        let mut inner = self.write();
        let old: Vec<String> = inner
            .deleted
            .values()
            .filter(|d| d.deleted_at < deleted_before)
            .map(|d| d.credential_id.clone())
            .collect();
        for id in &old {
            inner.purge(id);
        }
        Ok(old.len() as u64)
    }

    async fn history_page(
        &self,
        after: Option<&SupersededValue>,
        limit: usize,
    ) -> Result<Vec<SupersededValue>> {
        use std::ops::Bound;
        let inner = self.read();
        let start = match after {
            Some(a) => Bound::Excluded((a.credential_id.clone(), a.field_id.clone(), a.version)),
            None => Bound::Unbounded,
        };
        Ok(inner
            .superseded
            .range((start, Bound::Unbounded))
            .take(limit)
            .map(|(_, v)| v.clone())
            .collect())
    }

    async fn swap_history_value(
        &self,
        kept: &SupersededValue,
        expected: &Sealed,
        new: &Sealed,
    ) -> Result<bool> {
        let mut inner = self.write();
        let key = (
            kept.credential_id.clone(),
            kept.field_id.clone(),
            kept.version,
        );
        match inner.superseded.get_mut(&key) {
            Some(h) if matches!(&h.value, Some(StoredValue::Sealed(s)) if s == expected) => {
                h.value = Some(StoredValue::Sealed(new.clone()));
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn list_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<Credential>> {
        let inner = self.read();
        let range = match after {
            Some(a) => inner
                .credentials
                .range::<str, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
            None => inner.credentials.range::<str, _>(..),
        };
        Ok(range.take(limit).map(|(_, c)| c.clone()).collect())
    }

    async fn swap_sealed_value(
        &self,
        credential_id: &str,
        field_id: &str,
        expected: &Sealed,
        new: &Sealed,
    ) -> Result<bool> {
        let mut inner = self.write();
        let Some(c) = inner.credentials.get_mut(credential_id) else {
            return Ok(false);
        };
        match c.fields.iter_mut().find(|f| f.field_id == field_id) {
            Some(f) if matches!(&f.value, StoredValue::Sealed(s) if s == expected) => {
                f.value = StoredValue::Sealed(new.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl RevealAuditStore for MemoryVaultStore {
    async fn record_reveal(&self, record: &RevealRecord) -> Result<()> {
        let mut inner = self.write();
        if inner.reveals.iter().any(|r| r.id == record.id) {
            return Err(Error::Conflict {
                kind: "reveal record",
                id: record.id.clone(),
            });
        }
        inner.reveals.push(record.clone());
        Ok(())
    }

    async fn list_reveals(&self, query: &RevealQuery) -> Result<RevealPage> {
        let inner = self.read();
        let mut matching: Vec<&RevealRecord> =
            inner.reveals.iter().filter(|r| query.matches(r)).collect();
        // Newest first; records appended in the same millisecond keep reverse insertion order.
        matching.reverse();
        matching.sort_by_key(|r| std::cmp::Reverse(r.at));
        let total = matching.len() as u64;
        let offset = usize::try_from(query.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let items = matching
            .into_iter()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect();
        Ok(RevealPage { items, total })
    }
}
