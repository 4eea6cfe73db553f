//! The history of a credential's field values: a [`CredentialVersion`] per change, and the values
//! each change replaced ([`SupersededValue`]), secure ones sealed for their version.
//!
//! A credential starts at version 1; each change of its field values (an update, a restore)
//! makes the next version and keeps, for every field it touched, the value the field had until
//! then. The value of a field at version `v` is therefore the superseded value with the smallest
//! version at or after `v`, or the live value when the field has not changed since.
//!
//! A superseded secure value is sealed for the place `<field id>@<version>` of its credential
//! (field ids hold no `@`), so it opens only as that field's value at that version: copied to
//! another version, field or credential it fails to open.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::StoredValue;

/// The place a superseded value of `field_id`, last live in `version`, is sealed for.
pub(crate) fn history_place(field_id: &str, version: u64) -> String {
    format!("{field_id}@{version}")
}

/// One version of a credential: who made it, when, and which fields it changed. No values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialVersion {
    /// The credential (or sub-credential).
    pub credential_id: String,
    /// The version number, from 1.
    pub version: u64,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The user who made it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    /// The fields given a value in this version (all of them for version 1).
    pub changed_fields: Vec<String>,
    /// The version this one brought back, when it is a restore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<u64>,
}

/// A field's value as it was up to and including `version`, kept when the next version replaced
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupersededValue {
    /// The credential.
    pub credential_id: String,
    /// The field.
    pub field_id: String,
    /// The last version in which this was the field's value.
    pub version: u64,
    /// The value: in clear for a plain field, sealed for `<field id>@<version>` for a secure one.
    /// `None` when the field had no value then, or its value could not be opened to be kept.
    pub value: Option<StoredValue>,
}

/// A change of a credential's field values, to be stored with it by
/// [`CredentialStore::update_credential`](super::CredentialStore::update_credential).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionChange {
    /// The new version.
    pub version: CredentialVersion,
    /// The values it replaced.
    pub superseded: Vec<SupersededValue>,
    /// Whether it changed a secure value (which clears the credential's `rotation_due`).
    pub rotates_secret: bool,
}

impl VersionChange {
    /// The same change, attributed to `user_id`.
    pub fn by(mut self, user_id: impl Into<String>) -> Self {
        self.version.changed_by = Some(user_id.into());
        self
    }
}

/// What remains of a deleted credential while its history is kept: enough to decide who may
/// read or purge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedCredential {
    /// The credential's id.
    pub credential_id: String,
    /// Its name when deleted.
    pub name: String,
    /// Its type.
    pub type_id: String,
    /// Its type's permission scope when deleted (the type may be gone since).
    pub permission_scope: String,
    /// Its company.
    pub company_id: String,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
}

/// Where a field's value at some version is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueAt<'a> {
    /// The live value (the field has not changed since that version).
    Live(&'a StoredValue),
    /// A superseded value, last live in `version`.
    Superseded {
        /// The value.
        value: &'a StoredValue,
        /// The version the value is sealed for.
        version: u64,
    },
    /// The field had no value at that version (or it was not kept).
    Absent,
}

/// Where `field_id`'s value at `version` is, given the credential's live `fields` value and its
/// `history` (any order).
pub fn value_at<'a>(
    live: Option<&'a StoredValue>,
    history: &'a [SupersededValue],
    field_id: &str,
    version: u64,
) -> ValueAt<'a> {
    let kept = history
        .iter()
        .filter(|h| h.field_id == field_id && h.version >= version)
        .min_by_key(|h| h.version);
    match (kept, live) {
        (Some(h), _) => match &h.value {
            Some(value) => ValueAt::Superseded {
                value,
                version: h.version,
            },
            None => ValueAt::Absent,
        },
        (None, Some(value)) => ValueAt::Live(value),
        (None, None) => ValueAt::Absent,
    }
}
