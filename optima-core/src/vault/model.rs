//! Credentials as stored, the input that creates and updates them, and the reveal audit record.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::crypto::Sealed;
use super::errors::CryptoError;
use super::schema::FieldDefinition;
use super::value_type::ValueType;

/// A new random id (UUID v4 text).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Now, to the millisecond, so that timestamps survive a round trip through any store unchanged.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// One field value as given by a client: `{ "fieldId": "…", "value": "…" }`.
///
/// `Debug` hides the value: at this point nobody has looked up whether the field is secure.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldInput {
    /// The field's id in the credential type.
    pub field_id: String,
    /// The value, in clear.
    pub value: String,
}

impl FieldInput {
    /// A field value.
    pub fn new(field_id: impl Into<String>, value: impl Into<String>) -> Self {
        FieldInput {
            field_id: field_id.into(),
            value: value.into(),
        }
    }
}

impl fmt::Debug for FieldInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldInput")
            .field("field_id", &self.field_id)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

/// Sub-credentials given inline, keyed by the multi_credential field they belong to.
pub type SubCredentialInputs = BTreeMap<String, Vec<SubCredentialInput>>;

/// One sub-credential as given by a client: `{ "name": "Tunnel 1", "fields": [...] }`, with its own
/// sub-credentials when its fields nest further.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubCredentialInput {
    /// Display name.
    pub name: String,
    /// Values of the multi_credential field's sub-fields.
    #[serde(default)]
    pub fields: Vec<FieldInput>,
    /// Nested sub-credentials, keyed by multi_credential sub-field id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sub_credentials: SubCredentialInputs,
}

/// The body of `POST /credential/credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialInput {
    /// Display name.
    pub name: String,
    /// Free-form notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// The credential type.
    pub type_id: String,
    /// The owning company.
    pub company_id: String,
    /// Field values.
    #[serde(default)]
    pub fields: Vec<FieldInput>,
    /// Inline sub-credentials, keyed by multi_credential field id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sub_credentials: SubCredentialInputs,
}

/// A stored field value: in clear for plain fields, sealed for secure ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredValue {
    /// A value of a field that is not secure.
    Plain(String),
    /// A secure value, sealed for its credential and field.
    Sealed(Sealed),
}

impl StoredValue {
    /// Whether the value is sealed.
    pub fn is_secure(&self) -> bool {
        matches!(self, StoredValue::Sealed(_))
    }

    /// The stored text: the clear value or the sealed text.
    pub fn as_str(&self) -> &str {
        match self {
            StoredValue::Plain(s) => s,
            StoredValue::Sealed(s) => s.as_str(),
        }
    }
}

/// One stored field value. Serialized as `{ "fieldId", "secure", "value" }`, `value` being the sealed
/// text for secure fields (what `GET /credential/credentials/:id/fields` shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredFieldRepr", into = "StoredFieldRepr")]
pub struct StoredField {
    /// The field's id in the credential type.
    pub field_id: String,
    /// The value.
    pub value: StoredValue,
}

impl StoredField {
    /// Whether the value is sealed.
    pub fn is_secure(&self) -> bool {
        self.value.is_secure()
    }

    /// Builds a stored field from its columns (`secure` says whether `value` is sealed text), as a
    /// SQL store reads them back.
    pub fn from_parts(
        field_id: String,
        secure: bool,
        value: String,
    ) -> Result<StoredField, CryptoError> {
        let value = if secure {
            StoredValue::Sealed(Sealed::parse(value)?)
        } else {
            StoredValue::Plain(value)
        };
        Ok(StoredField { field_id, value })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredFieldRepr {
    field_id: String,
    secure: bool,
    value: String,
}

impl TryFrom<StoredFieldRepr> for StoredField {
    type Error = CryptoError;
    fn try_from(r: StoredFieldRepr) -> Result<Self, Self::Error> {
        StoredField::from_parts(r.field_id, r.secure, r.value)
    }
}

impl From<StoredField> for StoredFieldRepr {
    fn from(f: StoredField) -> Self {
        let secure = f.is_secure();
        let value = match f.value {
            StoredValue::Plain(s) => s,
            StoredValue::Sealed(s) => s.into_string(),
        };
        StoredFieldRepr {
            field_id: f.field_id,
            secure,
            value,
        }
    }
}

/// A stored credential, or a sub-credential when `sub_credential_of_id` is set.
///
/// A sub-credential shares its parent's type and company; its fields follow the `subFields` of the
/// multi_credential field it belongs to, found by following `schema_path` from the type's top-level
/// fields (`["tunnels"]` for a direct child of a `tunnels` field, `["tunnels", "hops"]` one deeper).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// Identifier. Secure values are sealed for it, so it never changes.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free-form notes.
    pub notes: Option<String>,
    /// The credential type.
    pub type_id: String,
    /// The owning company.
    pub company_id: String,
    /// The parent credential, for a sub-credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_credential_of_id: Option<String>,
    /// Multi_credential field ids from the type's top level to the field this sub-credential belongs
    /// to; empty for a top-level credential.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_path: Vec<String>,
    /// Field values, in the order they were given.
    pub fields: Vec<StoredField>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its version: 1 when created, one more with each change of its field values (see
    /// [`CredentialVersion`](super::CredentialVersion)). A store writes a credential only over
    /// the version it was read at, so a write based on an older read fails instead of
    /// overwriting what happened in between.
    #[serde(default = "first_version")]
    pub version: u64,
    /// Set when its secure values should be changed (someone who saw them left, say); cleared
    /// when a secure value of it changes.
    #[serde(default)]
    pub rotation_due: bool,
}

fn first_version() -> u64 {
    1
}

impl Credential {
    /// The multi_credential field (in the parent) this sub-credential belongs to.
    pub fn parent_field_id(&self) -> Option<&str> {
        self.schema_path.last().map(String::as_str)
    }

    /// Whether this is a sub-credential.
    pub fn is_sub_credential(&self) -> bool {
        self.sub_credential_of_id.is_some()
    }

    /// The stored value of `field_id`.
    pub fn field(&self, field_id: &str) -> Option<&StoredField> {
        self.fields.iter().find(|f| f.field_id == field_id)
    }

    /// Field values joined with their definitions, secure values left out, in the order of `defs`
    /// (the fields of this credential's level: `type.fields_at(&credential.schema_path)`).
    /// multi_credential fields are skipped: their content is the sub-credentials.
    pub fn field_views(&self, defs: &[FieldDefinition]) -> Vec<FieldView> {
        defs.iter()
            .filter(|d| !d.value_type.is_multi())
            .filter_map(|d| {
                let stored = self.field(&d.id)?;
                Some(FieldView {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    secure: d.secure || stored.is_secure(),
                    required: d.required,
                    value_type: d.value_type,
                    value: match &stored.value {
                        StoredValue::Plain(s) if !d.secure => Some(s.clone()),
                        _ => None,
                    },
                })
            })
            .collect()
    }
}

/// A field as the credential routes show it: its definition and, unless secure, its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldView {
    /// Field id.
    pub id: String,
    /// Field name.
    pub name: String,
    /// Whether the value is secure (and therefore `null` here).
    pub secure: bool,
    /// Whether the field is required.
    pub required: bool,
    /// The value type.
    pub value_type: ValueType,
    /// The value, `None` for secure fields.
    pub value: Option<String>,
}

/// What a [`RevealRecord`] records being read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealKind {
    /// The live secure values.
    #[default]
    Value,
    /// A one-time code computed from a `totp` field (the seed itself is not shown).
    Code,
    /// A value as it was in an earlier version (its `version`).
    History,
}

impl RevealKind {
    /// The wire name (`value`, `code`, `history`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RevealKind::Value => "value",
            RevealKind::Code => "code",
            RevealKind::History => "history",
        }
    }

    /// The kind with this wire name.
    pub fn parse(name: &str) -> Option<Self> {
        [RevealKind::Value, RevealKind::Code, RevealKind::History]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// A record of secure values being revealed: who, when, which credential and fields, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealRecord {
    /// Identifier.
    pub id: String,
    /// The user who revealed.
    pub user_id: String,
    /// The credential whose values were revealed.
    pub credential_id: String,
    /// The fields revealed.
    pub field_ids: Vec<String>,
    /// The client's address, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// What was read: live values, a one-time code, or an earlier version's values.
    #[serde(default)]
    pub kind: RevealKind,
    /// For [`RevealKind::History`], the version read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

impl RevealRecord {
    /// A record of `user_id` revealing `field_ids` of `credential_id` now.
    pub fn new(
        user_id: impl Into<String>,
        credential_id: impl Into<String>,
        field_ids: Vec<String>,
        address: Option<String>,
    ) -> Self {
        RevealRecord {
            id: new_id(),
            user_id: user_id.into(),
            credential_id: credential_id.into(),
            field_ids,
            address,
            at: now(),
            kind: RevealKind::Value,
            version: None,
        }
    }

    /// The same record for a read of another kind (a code, or `version`'s values).
    pub fn of_kind(mut self, kind: RevealKind, version: Option<u64>) -> Self {
        self.kind = kind;
        self.version = version;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_fields_serialize_with_a_secure_flag() {
        let sealed = "v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let f = StoredField::from_parts("pw".into(), true, sealed.into()).unwrap();
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"fieldId": "pw", "secure": true, "value": sealed})
        );
        assert_eq!(serde_json::from_value::<StoredField>(json).unwrap(), f);
        let bad = serde_json::json!({"fieldId": "pw", "secure": true, "value": "hunter2"});
        assert!(serde_json::from_value::<StoredField>(bad).is_err());
    }

    #[test]
    fn field_input_debug_hides_the_value() {
        let f = FieldInput::new("password", "hunter2-very-secret");
        assert!(!format!("{f:?}").contains("hunter2"));
    }

    #[test]
    fn credential_input_reads_the_spec_body() {
        let body = serde_json::json!({
          "name": "Production AWS Credentials",
          "notes": "Used for production S3 access",
          "typeId": "cky",
          "companyId": "ckz",
          "fields": [
            {"id": "ckx1", "fieldId": "accessKeyId", "value": "AKIAIOSFODNN7EXAMPLE"},
            {"id": "ckx2", "fieldId": "secretAccessKey", "value": "wJalr"}
          ],
          "subCredentials": {"tunnels": [{"name": "Tunnel 1", "fields": [
              {"fieldId": "server", "value": "vpn1.example.com"},
              {"fieldId": "port", "value": "443"}]}]}
        });
        let input: CredentialInput = serde_json::from_value(body).unwrap();
        assert_eq!(input.fields[1].field_id, "secretAccessKey");
        assert_eq!(input.sub_credentials["tunnels"][0].fields.len(), 2);
    }
}
