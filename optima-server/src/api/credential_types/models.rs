//! Bodies of the credential-type routes.

use optima_core::vault::{CredentialType, FieldDefinition, PasswordPolicy, ValueType};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};
use serde::Deserialize;

use crate::db::timestamp;

/// The kind of value a credential field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case", rename = "ValueType")]
#[serde(rename_all = "snake_case")]
pub enum ValueTypeName {
    /// Free text.
    PlainText,
    /// A product or license key.
    LicenseKey,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// An opaque secret (API key, token).
    GenericSecret,
    /// A BitLocker recovery key: 8 groups of 6 digits.
    BitlockerKey,
    /// A password.
    Password,
    /// A TOTP seed (base32, or an `otpauth://totp/…` URI); always secure. Its current code is read
    /// through `/credential/credentials/{id}/totp/{fieldId}`.
    Totp,
    /// Sub-credentials described by `subFields`.
    MultiCredential,
}

impl From<ValueType> for ValueTypeName {
    fn from(v: ValueType) -> Self {
        match v {
            ValueType::PlainText => ValueTypeName::PlainText,
            ValueType::LicenseKey => ValueTypeName::LicenseKey,
            ValueType::IpAddress => ValueTypeName::IpAddress,
            ValueType::GenericSecret => ValueTypeName::GenericSecret,
            ValueType::BitlockerKey => ValueTypeName::BitlockerKey,
            ValueType::Password => ValueTypeName::Password,
            ValueType::Totp => ValueTypeName::Totp,
            ValueType::MultiCredential => ValueTypeName::MultiCredential,
        }
    }
}

impl From<ValueTypeName> for ValueType {
    fn from(v: ValueTypeName) -> Self {
        match v {
            ValueTypeName::PlainText => ValueType::PlainText,
            ValueTypeName::LicenseKey => ValueType::LicenseKey,
            ValueTypeName::IpAddress => ValueType::IpAddress,
            ValueTypeName::GenericSecret => ValueType::GenericSecret,
            ValueTypeName::BitlockerKey => ValueType::BitlockerKey,
            ValueTypeName::Password => ValueType::Password,
            ValueTypeName::Totp => ValueType::Totp,
            ValueTypeName::MultiCredential => ValueType::MultiCredential,
        }
    }
}

/// A field of a credential type; multi_credential fields describe their sub-credentials'
/// fields in `subFields`, recursively.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase", rename = "CredentialTypeField")]
pub struct FieldDef {
    /// Identifier, unique among its siblings: letters, digits, `_` and `-`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether a credential must give a value.
    pub required: bool,
    /// Whether the value is encrypted at rest and hidden until revealed.
    pub secure: bool,
    /// What the value is.
    pub value_type: ValueTypeName,
    /// Only for multi_credential fields: the fields of each sub-credential.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub sub_fields: Option<Vec<FieldDef>>,
}

impl From<FieldDef> for FieldDefinition {
    fn from(f: FieldDef) -> Self {
        FieldDefinition {
            id: f.id,
            name: f.name,
            required: f.required,
            secure: f.secure,
            value_type: f.value_type.into(),
            sub_fields: f
                .sub_fields
                .map(|s| s.into_iter().map(Into::into).collect()),
        }
    }
}

impl From<&FieldDefinition> for FieldDef {
    fn from(f: &FieldDefinition) -> Self {
        FieldDef {
            id: f.id.clone(),
            name: f.name.clone(),
            required: f.required,
            secure: f.secure,
            value_type: f.value_type.into(),
            sub_fields: f
                .sub_fields
                .as_ref()
                .map(|s| s.iter().map(Into::into).collect()),
        }
    }
}

/// How generated values are made: a password of `length` characters from the enabled classes
/// (at least one of each), or a passphrase of `words` words from the EFF large word list.
/// Every setting left out takes its default. Out-of-range settings are a 400 naming each
/// (`["body", "policy", "length"]`); they are checked by the vault rather than by this schema so
/// that the path is exact.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase", rename = "PasswordPolicy")]
pub struct PasswordPolicyIo {
    /// Characters in a password, 8 to 256 (default 20).
    #[serde(default)]
    pub length: Option<u32>,
    /// Use `a`-`z` (default true).
    #[serde(default)]
    pub lowercase: Option<bool>,
    /// Use `A`-`Z` (default true).
    #[serde(default)]
    pub uppercase: Option<bool>,
    /// Use `0`-`9`; in a passphrase, one word gets a digit (default true).
    #[serde(default)]
    pub digits: Option<bool>,
    /// Use the symbols `!#$%&()*+,-./:;<=>?@[]^_{|}~` (default true).
    #[serde(default)]
    pub symbols: Option<bool>,
    /// Leave out `I`, `l`, `1`, `|`, `O`, `0` and `o` (default true).
    #[serde(default)]
    pub exclude_look_alikes: Option<bool>,
    /// Make a passphrase of this many words (3 to 20) instead of a password.
    #[serde(default)]
    pub words: Option<u32>,
    /// Between a passphrase's words: up to 3 characters, no letters or digits (default `-`).
    #[serde(default)]
    pub separator: Option<String>,
}

impl From<PasswordPolicyIo> for PasswordPolicy {
    fn from(p: PasswordPolicyIo) -> Self {
        let d = PasswordPolicy::default();
        PasswordPolicy {
            length: p.length.unwrap_or(d.length),
            lowercase: p.lowercase.unwrap_or(d.lowercase),
            uppercase: p.uppercase.unwrap_or(d.uppercase),
            digits: p.digits.unwrap_or(d.digits),
            symbols: p.symbols.unwrap_or(d.symbols),
            exclude_look_alikes: p.exclude_look_alikes.unwrap_or(d.exclude_look_alikes),
            words: p.words,
            separator: p.separator.unwrap_or(d.separator),
        }
    }
}

impl From<&PasswordPolicy> for PasswordPolicyIo {
    fn from(p: &PasswordPolicy) -> Self {
        PasswordPolicyIo {
            length: Some(p.length),
            lowercase: Some(p.lowercase),
            uppercase: Some(p.uppercase),
            digits: Some(p.digits),
            symbols: Some(p.symbols),
            exclude_look_alikes: Some(p.exclude_look_alikes),
            words: p.words,
            separator: Some(p.separator.clone()),
        }
    }
}

/// A credential type.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CredentialType")]
pub struct CredentialTypeOut {
    /// Identifier.
    pub id: String,
    /// Display name (unique, ignoring case).
    pub name: String,
    /// Permission node needed, besides the route's own, to act on credentials of this type.
    pub permission_scope: String,
    /// Icon URL or name.
    #[oai(nullable)]
    pub icon: Option<String>,
    /// The fields.
    pub fields: Vec<FieldDef>,
    // How values generated for its fields are made (the default policy when none was set).
    // Documented on the type: a doc comment would wrap the `$ref` in `allOf`.
    pub(crate) password_policy: PasswordPolicyIo,
    /// How many (top-level) credentials have this type; on the credential-type routes only.
    #[oai(skip_serializing_if_is_none)]
    pub credential_count: Option<u64>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl CredentialTypeOut {
    /// The type, with `count` as its `credentialCount` when given.
    pub fn new(ty: &CredentialType, count: Option<u64>) -> Self {
        CredentialTypeOut {
            id: ty.id.clone(),
            name: ty.name.clone(),
            permission_scope: ty.permission_scope.clone(),
            icon: ty.icon.clone(),
            fields: ty.fields.iter().map(Into::into).collect(),
            password_policy: (&ty.policy()).into(),
            credential_count: count,
            created_at: timestamp(ty.created_at),
            updated_at: timestamp(ty.updated_at),
        }
    }
}

/// A new credential type.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct CreateCredentialType {
    /// Display name, unique ignoring case.
    pub name: String,
    /// Permission node needed to act on credentials of this type (`aws.credentials`).
    pub permission_scope: String,
    /// Icon URL or name.
    #[serde(default)]
    pub icon: Option<String>,
    /// The fields.
    pub fields: Vec<FieldDef>,
    // How values generated for its fields are made (default: 20 characters of all classes).
    // Documented on the type: a doc comment would wrap the `$ref` in `allOf`.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub(crate) password_policy: Option<PasswordPolicyIo>,
}

/// Changes to a credential type: only what is given changes; `fields` replaces the list.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct UpdateCredentialType {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New permission scope.
    #[serde(default)]
    pub permission_scope: Option<String>,
    /// New icon; `null` removes it.
    #[serde(default)]
    #[oai(nullable)]
    pub icon: MaybeUndefined<String>,
    /// New field list.
    #[serde(default)]
    pub fields: Option<Vec<FieldDef>>,
    // A new password policy (`{}` is the default one). Not nullable: a nullable `$ref` is an
    // `allOf` that linters and some generators refuse.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub(crate) password_policy: Option<PasswordPolicyIo>,
    /// Must be `true` to turn a secure field plain: its values are then opened and stored in
    /// clear, which needs `credential.secure_values.read` and the type's scope, and is recorded
    /// as a reveal of each value.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub confirm_unseal: Option<bool>,
    /// Must be `true` to remove a field (or a multi_credential field's sub-credentials) that
    /// holds values; without it the answer says how many values would go.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub confirm_remove_values: Option<bool>,
}
