//! The async store traits a vault backend implements.
//!
//! Values reach a store already validated and sealed: stores keep text, never keys. Missing records
//! are `Ok(None)` from getters and [`Error::NotFound`](crate::Error::NotFound) from writers;
//! clashes are [`Error::Conflict`](crate::Error::Conflict); backend failures
//! [`Error::Store`](crate::Error::Store).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::crypto::Sealed;
use super::engine::NewCredential;
use super::history::{CredentialVersion, DeletedCredential, SupersededValue, VersionChange};
use super::model::{Credential, RevealKind, RevealRecord};
use super::schema::CredentialType;
use crate::Result;

/// Credential types.
#[async_trait]
pub trait CredentialTypeStore: Send + Sync {
    /// Stores a new type. Conflict when the id, or the name compared case-insensitively, is taken.
    async fn create_type(&self, ty: &CredentialType) -> Result<()>;

    /// The type with this id.
    async fn get_type(&self, id: &str) -> Result<Option<CredentialType>>;

    /// The type with this id or else this name (case-insensitive), as `GET /credential-type/:identifier`
    /// looks it up.
    async fn find_type(&self, id_or_name: &str) -> Result<Option<CredentialType>>;

    /// Every type, by name.
    async fn list_types(&self) -> Result<Vec<CredentialType>>;

    /// Replaces a type (matched by id). NotFound, or Conflict on a name another type has.
    async fn update_type(&self, ty: &CredentialType) -> Result<()>;

    /// Deletes a type and every credential of it (sub-credentials included), in one go. Returns how
    /// many credentials went with it. NotFound when there is no such type.
    async fn delete_type(&self, id: &str) -> Result<u64>;

    /// Replaces a type and rewrites every credential of it, sub-credentials included, in one
    /// transaction, so that no credential is ever stored under the new type in the old shape (a
    /// field turned secure holding clear text, say). `rewrite` is called on each credential, with
    /// its fields, and its answer stored; an error from it leaves everything as it was.
    /// NotFound, or Conflict on a name another type has, as [`Self::update_type`].
    /// `previous` is the type as read when the change was decided on: if the stored type is no
    /// longer that, nothing is written and the answer is [`Error::ChangedMeanwhile`](crate::Error::ChangedMeanwhile).
    async fn update_type_rewriting(
        &self,
        previous: &CredentialType,
        ty: &CredentialType,
        rewrite: &RewriteFn<'_>,
    ) -> Result<RewriteCounts>;
}

/// The function [`CredentialTypeStore::update_type_rewriting`] applies to each credential.
pub type RewriteFn<'a> = dyn Fn(&mut Credential) -> Result<Rewrite> + Send + Sync + 'a;

/// What an edit of its type does to one stored credential (see
/// [`Vault::apply_field_changes`](super::Vault::apply_field_changes)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// Nothing to store.
    Unchanged,
    /// Store the credential's fields as they now are.
    Changed {
        /// Ids of the fields whose values were dropped.
        dropped: Vec<String>,
    },
    /// Delete the credential (a sub-credential whose field is gone) and its descendants.
    Remove,
}

/// How many credentials [`CredentialTypeStore::update_type_rewriting`] rewrote and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RewriteCounts {
    /// Credentials whose fields changed.
    pub changed: u64,
    /// Credentials and sub-credentials removed (a removed one's descendants go with it).
    pub removed: u64,
}

/// Credentials and sub-credentials.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Stores a credential with the sub-credentials created with it, all or nothing, each with its
    /// first version ([`NewCredential::first_versions`]). NotFound when its type (or, for a
    /// sub-credential, its parent) does not exist; Conflict when an id is taken.
    async fn create_credential(&self, new: &NewCredential) -> Result<()>;

    /// The credential or sub-credential with this id.
    async fn get_credential(&self, id: &str) -> Result<Option<Credential>>;

    /// A company's top-level credentials (not sub-credentials), by name.
    async fn list_by_company(&self, company_id: &str) -> Result<Vec<Credential>>;

    /// A type's top-level credentials, by name.
    async fn list_by_type(&self, type_id: &str) -> Result<Vec<Credential>>;

    /// How many top-level credentials a type has (`credentialCount`).
    async fn count_by_type(&self, type_id: &str) -> Result<u64>;

    /// The direct sub-credentials of a credential, oldest first.
    async fn list_sub_credentials(&self, parent_id: &str) -> Result<Vec<Credential>>;

    /// Replaces a credential's name, notes, fields, `updatedAt`, `version` and `rotationDue`
    /// (matched by id; the id, type, company, parent and schema path never change), and keeps
    /// `change` (a new version of its fields, from [`Vault::update_fields`](super::Vault::update_fields)
    /// or [`Vault::restore`](super::Vault::restore)) in its history, all in one go.
    ///
    /// The stored credential must be at the version the change was made on (`change`'s version
    /// less one, or `credential.version` without a change), or nothing is written and the answer
    /// is [`Error::ChangedMeanwhile`](crate::Error::ChangedMeanwhile). NotFound when it does not
    /// exist.
    async fn update_credential(
        &self,
        credential: &Credential,
        change: Option<&VersionChange>,
    ) -> Result<()>;

    /// Deletes a credential and all its sub-credentials, recursively. Returns how many records went.
    /// Their histories stay (see [`Self::deleted_credential`]) until pruned or purged. NotFound
    /// when it does not exist.
    async fn delete_credential(&self, id: &str) -> Result<u64>;

    /// Sets or clears the "rotation due" flag of these credentials. Returns how many exist.
    async fn set_rotation_due(&self, ids: &[String], due: bool) -> Result<u64>;

    /// A credential's versions, newest first (none before history was kept).
    async fn list_versions(&self, credential_id: &str) -> Result<Vec<CredentialVersion>>;

    /// Every value a credential's changes replaced, any order.
    async fn history_values(&self, credential_id: &str) -> Result<Vec<SupersededValue>>;

    /// A deleted credential whose history is still kept.
    async fn deleted_credential(&self, credential_id: &str) -> Result<Option<DeletedCredential>>;

    /// Removes a credential's history (versions and replaced values; for a deleted credential,
    /// all that remains of it). Returns how many versions went.
    async fn purge_history(&self, credential_id: &str) -> Result<u64>;

    /// Removes what remains of credentials deleted before `deleted_before`. Returns how many.
    async fn prune_history(&self, deleted_before: DateTime<Utc>) -> Result<u64>;

    /// Up to `limit` kept values after `after` (all when `None`), ordered by credential, field and
    /// version: a stable walk over every history, for rewrapping.
    async fn history_page(
        &self,
        after: Option<&SupersededValue>,
        limit: usize,
    ) -> Result<Vec<SupersededValue>>;

    /// Replaces the sealed text of a kept value if it is still `expected`. Returns whether it was
    /// replaced.
    async fn swap_history_value(
        &self,
        kept: &SupersededValue,
        expected: &Sealed,
        new: &Sealed,
    ) -> Result<bool>;

    /// Up to `limit` credentials and sub-credentials with an id greater than `after` (all when
    /// `None`), by id: a stable walk over everything, for rewrapping.
    async fn list_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<Credential>>;

    /// Replaces the sealed value of one field if it is still `expected` (compare and swap, so a rewrap
    /// never overwrites a concurrent update). Returns whether it was replaced.
    async fn swap_sealed_value(
        &self,
        credential_id: &str,
        field_id: &str,
        expected: &Sealed,
        new: &Sealed,
    ) -> Result<bool>;
}

/// Which reveal records to list. Records come newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealQuery {
    /// Only reveals of this credential.
    #[serde(default)]
    pub credential_id: Option<String>,
    /// Only reveals by this user.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Only reads of this kind.
    #[serde(default)]
    pub kind: Option<RevealKind>,
    /// Only reveals at or after this time.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Only reveals before this time.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// How many matching records to skip.
    #[serde(default)]
    pub offset: u64,
    /// How many records at most.
    #[serde(default = "default_limit")]
    pub limit: u64,
}

fn default_limit() -> u64 {
    50
}

impl Default for RevealQuery {
    fn default() -> Self {
        RevealQuery {
            credential_id: None,
            user_id: None,
            kind: None,
            since: None,
            until: None,
            offset: 0,
            limit: default_limit(),
        }
    }
}

impl RevealQuery {
    /// Whether `r` passes the filters (not the paging).
    pub fn matches(&self, r: &RevealRecord) -> bool {
        self.credential_id
            .as_deref()
            .is_none_or(|c| c == r.credential_id)
            && self.user_id.as_deref().is_none_or(|u| u == r.user_id)
            && self.kind.is_none_or(|k| k == r.kind)
            && self.since.is_none_or(|s| r.at >= s)
            && self.until.is_none_or(|u| r.at < u)
    }
}

/// One page of reveal records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealPage {
    /// The records, newest first.
    pub items: Vec<RevealRecord>,
    /// How many records match the filters in all.
    pub total: u64,
}

/// The log of secure values being revealed. Records outlive the credentials they name.
#[async_trait]
pub trait RevealAuditStore: Send + Sync {
    /// Appends a record.
    async fn record_reveal(&self, record: &RevealRecord) -> Result<()>;

    /// Lists records matching `query`, newest first.
    async fn list_reveals(&self, query: &RevealQuery) -> Result<RevealPage>;
}
