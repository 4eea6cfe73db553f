//! Bodies of the credential and audit routes.
//!
//! Bodies that carry field values redact them in `Debug`: they may be secrets.

use std::collections::BTreeMap;

use optima_core::vault::{
    Credential, CredentialType, CredentialVersion, FieldInput, PasswordPolicy, RevealKind,
    RevealRecord, StoredValue, SubCredentialInput, SubCredentialInputs,
};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object};
use secrecy::ExposeSecret;
use secrecy::zeroize::Zeroize;
use serde::Deserialize;

use crate::api::common::{ApiError, FieldError};
use crate::api::credential_types::models::{CredentialTypeOut, PasswordPolicyIo, ValueTypeName};
use crate::api::pagination::Pagination;
use crate::db::timestamp;
use crate::routes::RouteSpec;

/// A field value as given: `{fieldId, value}` (an `id` is accepted and ignored).
#[derive(Clone, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase", rename = "CredentialFieldInput")]
pub struct FieldValueIn {
    /// Ignored; accepted because clients send back the ids they were given.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<String>,
    /// The field's id in the credential type.
    pub field_id: String,
    /// The value, in clear; secure fields are encrypted before they are stored. Leave it out
    /// with `generate: true`.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub value: Option<String>,
    /// `true` to have the server fill the field with a value it generates under the type's
    /// password policy (the client never chooses it; reveal it to see it).
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub generate: Option<bool>,
}

impl std::fmt::Debug for FieldValueIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldValueIn")
            .field("field_id", &self.field_id)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

/// Converts field values for the vault, generating those asked for under `policy`. Problems
/// are collected with their paths (under `at`, e.g. `["body", "fields"]`).
pub fn field_inputs(
    fields: Vec<FieldValueIn>,
    policy: &PasswordPolicy,
    at: &[String],
    problems: &mut Vec<FieldError>,
) -> Vec<FieldInput> {
    let mut out = Vec::with_capacity(fields.len());
    for (i, f) in fields.into_iter().enumerate() {
        let path = |leaf: &str| {
            let mut p = at.to_vec();
            p.push(i.to_string());
            p.push(leaf.to_owned());
            p
        };
        let value = match (f.value, f.generate.unwrap_or(false)) {
            (Some(value), false) => value,
            (None, true) => policy.generate().expose_secret().to_owned(),
            (Some(mut value), true) => {
                value.zeroize();
                problems.push(FieldError {
                    path: path("generate"),
                    message: "give a value or `generate: true`, not both".into(),
                });
                continue;
            }
            (None, false) => {
                problems.push(FieldError {
                    path: path("value"),
                    message: "is required (or `generate: true`)".into(),
                });
                continue;
            }
        };
        out.push(FieldInput {
            field_id: f.field_id,
            value,
        });
    }
    out
}

/// Field values (and inline sub-credentials) converted for the vault, or a 400 with every
/// problem.
pub fn all_or_problems<T>(value: T, problems: Vec<FieldError>) -> Result<T, ApiError> {
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::validation(problems))
    }
}

/// A sub-credential given inline: `{name, fields}`, with its own sub-credentials when its
/// fields nest further.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase", rename = "SubCredentialInput")]
pub struct SubCredentialIn {
    /// Display name.
    pub name: String,
    /// Values of the multi_credential field's sub-fields.
    #[serde(default)]
    pub fields: Vec<FieldValueIn>,
    /// Nested sub-credentials, keyed by multi_credential sub-field id.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub sub_credentials: Option<BTreeMap<String, Vec<SubCredentialIn>>>,
}

/// Converts inline sub-credentials for the vault (see [`field_inputs`]).
pub fn sub_inputs(
    map: Option<BTreeMap<String, Vec<SubCredentialIn>>>,
    policy: &PasswordPolicy,
    at: &[String],
    problems: &mut Vec<FieldError>,
) -> SubCredentialInputs {
    map.unwrap_or_default()
        .into_iter()
        .map(|(field, entries)| {
            let inputs = entries
                .into_iter()
                .enumerate()
                .map(|(i, entry)| {
                    let mut here = at.to_vec();
                    here.extend([field.clone(), i.to_string()]);
                    let fields_at: Vec<String> =
                        here.iter().cloned().chain(["fields".to_owned()]).collect();
                    let subs_at: Vec<String> = here
                        .iter()
                        .cloned()
                        .chain(["subCredentials".to_owned()])
                        .collect();
                    SubCredentialInput {
                        name: entry.name,
                        fields: field_inputs(entry.fields, policy, &fields_at, problems),
                        sub_credentials: sub_inputs(
                            entry.sub_credentials,
                            policy,
                            &subs_at,
                            problems,
                        ),
                    }
                })
                .collect();
            (field, inputs)
        })
        .collect()
}

/// `["body", …]`: a path under the request body.
pub fn body_path(parts: &[&str]) -> Vec<String> {
    std::iter::once("body")
        .chain(parts.iter().copied())
        .map(str::to_owned)
        .collect()
}

/// A new credential.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct CreateCredential {
    /// Display name.
    pub name: String,
    /// Free-form notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// The credential type's id.
    pub type_id: String,
    /// The owning company's id.
    pub company_id: String,
    /// Field values.
    #[serde(default)]
    pub fields: Vec<FieldValueIn>,
    /// Sub-credentials created with it, keyed by multi_credential field id.
    #[serde(default)]
    pub sub_credentials: Option<BTreeMap<String, Vec<SubCredentialIn>>>,
}

/// Changes to a credential: only what is given changes; given field values replace those
/// fields' values, others stay.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct UpdateCredential {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New notes; `null` or an empty string clears them.
    #[serde(default)]
    #[oai(nullable)]
    pub notes: MaybeUndefined<String>,
    /// New field values.
    #[serde(default)]
    pub fields: Option<Vec<FieldValueIn>>,
}

/// New field values.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct UpdateCredentialFields {
    /// The values; fields not listed keep theirs.
    pub fields: Vec<FieldValueIn>,
}

/// A new sub-credential under a credential's multi_credential field.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct CreateSubCredential {
    /// The multi_credential field of the parent it belongs to.
    pub field_id: String,
    /// Display name.
    pub name: String,
    /// Values of the field's sub-fields.
    #[serde(default)]
    pub fields: Vec<FieldValueIn>,
    /// Nested sub-credentials, keyed by multi_credential sub-field id.
    #[serde(default)]
    pub sub_credentials: Option<BTreeMap<String, Vec<SubCredentialIn>>>,
}

/// A credential's field: its definition and, unless secure, its value.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CredentialField")]
pub struct FieldViewOut {
    /// Field id.
    pub id: String,
    /// Field name.
    pub name: String,
    /// Whether the value is secure (and therefore null here; reveal it with the secure-values
    /// routes).
    pub secure: bool,
    /// Whether the field is required.
    pub required: bool,
    /// The value type.
    pub value_type: ValueTypeName,
    /// The value; null for secure fields.
    #[oai(nullable)]
    pub value: Option<String>,
}

/// A company, as a credential names it.
#[derive(Debug, Clone, Object)]
#[oai(rename = "CredentialCompany")]
pub struct CompanyRef {
    /// Optima's company id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A credential (or sub-credential), secure values left out.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "Credential")]
pub struct CredentialOut {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free-form notes.
    #[oai(nullable)]
    pub notes: Option<String>,
    /// The credential type's id.
    pub type_id: String,
    /// The owning company's id.
    pub company_id: String,
    /// For a sub-credential: its parent credential.
    #[oai(skip_serializing_if_is_none)]
    pub sub_credential_of_id: Option<String>,
    /// The fields, secure values null.
    pub fields: Vec<FieldViewOut>,
    // Object-typed fields carry no doc comment: poem-openapi would wrap their `$ref` in
    // `allOf`, which some client generators mistype. The types are documented instead.
    #[oai(rename = "type")]
    credential_type: CredentialTypeOut,
    company: CompanyRef,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
    /// Its version: 1 when created, one more with each change of its field values.
    pub version: u64,
    /// Whether its secure values are due to be changed (set from the offboarding report;
    /// cleared when a secure value changes).
    pub rotation_due: bool,
}

impl CredentialOut {
    /// A credential of `ty` owned by `company`.
    pub fn new(c: &Credential, ty: &CredentialType, company: CompanyRef) -> Self {
        let defs = ty.fields_at(&c.schema_path).unwrap_or_default();
        CredentialOut {
            id: c.id.clone(),
            name: c.name.clone(),
            notes: c.notes.clone(),
            type_id: c.type_id.clone(),
            company_id: c.company_id.clone(),
            sub_credential_of_id: c.sub_credential_of_id.clone(),
            fields: c
                .field_views(defs)
                .into_iter()
                .map(|v| FieldViewOut {
                    id: v.id,
                    name: v.name,
                    secure: v.secure,
                    required: v.required,
                    value_type: v.value_type.into(),
                    value: v.value,
                })
                .collect(),
            credential_type: CredentialTypeOut::new(ty, None),
            company,
            created_at: timestamp(c.created_at),
            updated_at: timestamp(c.updated_at),
            version: c.version,
            rotation_due: c.rotation_due,
        }
    }
}

/// The current one-time code of a `totp` field.
#[derive(Object)]
#[oai(rename_all = "camelCase", rename = "TotpCode")]
pub struct TotpCodeOut {
    /// The field.
    pub field_id: String,
    /// The code, zero-padded to `digits`.
    pub code: String,
    /// Seconds the code stays valid (1 to `period`).
    pub valid_for: u64,
    /// Seconds each code lasts.
    pub period: u64,
    /// Digits in a code (6 to 8).
    pub digits: u32,
}

impl std::fmt::Debug for TotpCodeOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpCodeOut")
            .field("field_id", &self.field_id)
            .field("code", &"[REDACTED]")
            .finish()
    }
}

/// One version of a credential: who made it, when, which fields it changed. No values.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CredentialVersion")]
pub struct CredentialVersionOut {
    /// The version number, from 1.
    pub version: u64,
    /// When it was made (RFC 3339).
    pub at: String,
    /// The user who made it, when known.
    #[oai(skip_serializing_if_is_none)]
    pub changed_by: Option<String>,
    /// The fields given a value in this version (all of them in version 1).
    pub changed_fields: Vec<String>,
    /// The version this one brought back, for a restore.
    #[oai(skip_serializing_if_is_none)]
    pub restored_from: Option<u64>,
}

impl From<CredentialVersion> for CredentialVersionOut {
    fn from(v: CredentialVersion) -> Self {
        CredentialVersionOut {
            version: v.version,
            at: timestamp(v.at),
            changed_by: v.changed_by,
            changed_fields: v.changed_fields,
            restored_from: v.restored_from,
        }
    }
}

/// A credential's versions, newest first, and whether the credential has been deleted (its
/// history is kept for the retention period).
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CredentialHistory")]
pub struct CredentialHistoryOut {
    /// The credential.
    pub credential_id: String,
    /// When it was deleted (RFC 3339), if it was.
    #[oai(skip_serializing_if_is_none)]
    pub deleted_at: Option<String>,
    /// The versions, newest first.
    pub versions: Vec<CredentialVersionOut>,
}

/// A field as it was at some version: plain values shown, secure ones `null` (reveal them
/// through the version's secure-values route).
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CredentialFieldAtVersion")]
pub struct FieldAtVersionOut {
    /// The field's id.
    pub field_id: String,
    /// Whether the value was secure.
    pub secure: bool,
    /// The value of a plain field (`null` for a secure one).
    #[oai(nullable)]
    pub value: Option<String>,
}

/// A credential's fields as they were at one version.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CredentialVersionDetail")]
pub struct CredentialVersionDetailOut {
    /// The version number.
    pub version: u64,
    /// When it was made (RFC 3339), when its record is kept.
    #[oai(skip_serializing_if_is_none)]
    pub at: Option<String>,
    /// Who made it, when known.
    #[oai(skip_serializing_if_is_none)]
    pub changed_by: Option<String>,
    /// The fields with a value at that version.
    pub fields: Vec<FieldAtVersionOut>,
}

/// A secure value as it was at an earlier version.
#[derive(Object)]
#[oai(rename_all = "camelCase", rename = "HistoricalSecureValue")]
pub struct HistoricalSecureValueOut {
    /// The field.
    pub field_id: String,
    /// The version it is the value of.
    pub version: u64,
    /// The value, decrypted.
    pub value: String,
}

impl std::fmt::Debug for HistoricalSecureValueOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoricalSecureValueOut")
            .field("field_id", &self.field_id)
            .field("version", &self.version)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

/// How many versions a purge removed.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "HistoryPurged")]
pub struct HistoryPurgedOut {
    /// The credential.
    pub credential_id: String,
    /// Versions removed with their kept values.
    pub removed_versions: u64,
}

/// `POST /credential/generate`: a policy given here, or a type's, or the default.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct GenerateValue {
    /// Use this credential type's password policy.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub type_id: Option<String>,
    // Documented on the type: a doc comment would wrap the `$ref` in `allOf`.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    policy: Option<PasswordPolicyIo>,
}

impl GenerateValue {
    /// The policy given inline, if any.
    pub fn take_policy(&mut self) -> Option<PasswordPolicyIo> {
        self.policy.take()
    }
}

/// A generated value.
#[derive(Object)]
#[oai(rename_all = "camelCase", rename = "GeneratedValue")]
pub struct GeneratedValueOut {
    /// The value, from the operating system's CSPRNG, meeting the policy.
    pub value: String,
    // Documented on the type.
    policy: PasswordPolicyIo,
}

impl GeneratedValueOut {
    /// `value`, generated under `policy`.
    pub fn new(value: String, policy: &PasswordPolicy) -> Self {
        GeneratedValueOut {
            value,
            policy: policy.into(),
        }
    }
}

impl std::fmt::Debug for GeneratedValueOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedValueOut")
            .field("value", &"[REDACTED]")
            .finish()
    }
}

/// A secure field a user revealed (or read a code of), for offboarding.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "RevealedField")]
pub struct RevealedFieldOut {
    /// The credential.
    pub credential_id: String,
    /// Its name (as when deleted, for a deleted one).
    pub credential_name: String,
    /// Its company.
    pub company_id: String,
    /// The field.
    pub field_id: String,
    /// What the user saw of it: live values, codes, earlier versions.
    pub kinds: Vec<ReadKind>,
    /// How many reads.
    pub reads: u64,
    /// The first read (RFC 3339).
    pub first_at: String,
    /// The last read (RFC 3339).
    pub last_at: String,
    /// Whether the field's value has changed since the last read (so what the user saw no
    /// longer works).
    pub changed_since: bool,
    /// Whether the credential is marked due for rotation.
    pub rotation_due: bool,
    /// Whether the credential has been deleted.
    pub deleted: bool,
}

/// `POST /audit/users/{id}/revealed/rotation-due`.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct MarkRotationDue {
    /// Only these of the user's revealed credentials (default: every one not changed since).
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub credential_ids: Option<Vec<String>>,
}

/// The credentials marked due for rotation.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "RotationDueMarked")]
pub struct RotationDueOut {
    /// Credentials marked.
    pub credential_ids: Vec<String>,
}

/// A stored field value: secure values as their encrypted text (`v1.<keyId>.<base64>`).
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CredentialStoredField")]
pub struct StoredFieldOut {
    /// `<credentialId>:<fieldId>`.
    pub id: String,
    /// The field's id in the credential type.
    pub field_id: String,
    /// Whether `value` is encrypted.
    pub secure: bool,
    /// The value in clear, or encrypted for secure fields.
    pub value: String,
}

impl StoredFieldOut {
    /// The stored fields of `c`, in stored order. A value left in clear in a field `ty` calls
    /// secure (stored before the field was made secure, and not yet sealed) is not shown: this
    /// route never hands out what a reveal would guard.
    pub fn list(c: &Credential, ty: &CredentialType) -> Vec<StoredFieldOut> {
        c.fields
            .iter()
            .filter(|f| {
                f.is_secure()
                    || ty
                        .field_at(&c.schema_path, &f.field_id)
                        .is_none_or(|def| !def.secure)
            })
            .map(|f| StoredFieldOut {
                id: format!("{}:{}", c.id, f.field_id),
                field_id: f.field_id.clone(),
                secure: f.is_secure(),
                value: match &f.value {
                    StoredValue::Plain(s) => s.clone(),
                    StoredValue::Sealed(s) => s.as_str().to_owned(),
                },
            })
            .collect()
    }
}

/// One revealed secure value.
#[derive(Object)]
#[oai(rename_all = "camelCase", rename = "SecureValue")]
pub struct SecureValueOut {
    /// The field.
    pub field_id: String,
    /// The value, decrypted.
    pub value: String,
}

impl std::fmt::Debug for SecureValueOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureValueOut")
            .field("field_id", &self.field_id)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

/// A record of secure values being revealed.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "SecureValueRead")]
pub struct SecureValueReadOut {
    /// Identifier.
    pub id: String,
    /// The user who revealed them.
    pub user_id: String,
    /// The credential.
    pub credential_id: String,
    /// The fields revealed.
    pub field_ids: Vec<String>,
    /// The client's address as the server saw it (with any `x-forwarded-for` the client sent).
    #[oai(skip_serializing_if_is_none)]
    pub address: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// What was read: the live values, a one-time code, or an earlier version's values.
    pub kind: ReadKind,
    /// For a read of an earlier version, which.
    #[oai(skip_serializing_if_is_none)]
    pub version: Option<u64>,
}

/// What a secure-value read showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReadKind {
    /// The live secure values.
    Value,
    /// A one-time code computed from a `totp` field (not its seed).
    Code,
    /// A value as it was in an earlier version.
    History,
}

impl From<RevealKind> for ReadKind {
    fn from(k: RevealKind) -> Self {
        match k {
            RevealKind::Value => ReadKind::Value,
            RevealKind::Code => ReadKind::Code,
            RevealKind::History => ReadKind::History,
        }
    }
}

impl From<ReadKind> for RevealKind {
    fn from(k: ReadKind) -> Self {
        match k {
            ReadKind::Value => RevealKind::Value,
            ReadKind::Code => RevealKind::Code,
            ReadKind::History => RevealKind::History,
        }
    }
}

impl From<RevealRecord> for SecureValueReadOut {
    fn from(r: RevealRecord) -> Self {
        SecureValueReadOut {
            id: r.id,
            user_id: r.user_id,
            credential_id: r.credential_id,
            field_ids: r.field_ids,
            address: r.address,
            at: timestamp(r.at),
            kind: r.kind.into(),
            version: r.version,
        }
    }
}

/// A page of secure-value reads: `{status, message, data, pagination, successful}`.
#[derive(Debug, Object)]
pub struct SecureValueReadPage {
    /// 200.
    pub status: u16,
    /// What happened.
    pub message: String,
    /// The records on this page, newest first.
    pub data: Vec<SecureValueReadOut>,
    /// Where this page stands.
    pub pagination: Pagination,
    /// True.
    pub successful: bool,
}

/// 200 with a page of secure-value reads.
#[derive(Debug, ApiResponse)]
pub enum SecureValueReadPageResponse {
    /// A page.
    #[oai(status = 200)]
    Ok(poem_openapi::payload::Json<SecureValueReadPage>),
}

/// The envelope of a deletion: `data` is null, as documented.
#[derive(Debug, Object)]
pub struct DeletedEnvelope {
    /// 200.
    pub status: u16,
    /// What happened.
    pub message: String,
    /// Always null.
    #[oai(nullable)]
    pub data: Option<String>,
    /// True.
    pub successful: bool,
}

/// 200 after a deletion.
#[derive(Debug, ApiResponse)]
pub enum Deleted200 {
    /// Deleted.
    #[oai(status = 200)]
    Ok(poem_openapi::payload::Json<DeletedEnvelope>),
}

/// The 200 of a deletion for route `r`, with its message from the route table.
pub fn deleted(r: &RouteSpec) -> Deleted200 {
    Deleted200::Ok(poem_openapi::payload::Json(DeletedEnvelope {
        status: r.status,
        message: r.message.to_owned(),
        data: None,
        successful: true,
    }))
}
