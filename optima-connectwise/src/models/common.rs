//! Shared building blocks: references, `_info`, custom fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Record metadata, the `_info` object on every ConnectWise record.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// When the record last changed (use it for incremental sync).
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub last_updated: Option<DateTime<Utc>>,
    /// Who last changed the record.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub updated_by: Option<String>,
    /// When the record was created.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub date_entered: Option<DateTime<Utc>>,
    /// Who created the record.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub entered_by: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A reference to another record, as ConnectWise embeds them: `{id, identifier, name, _info}`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// Record id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Short identifier (companies, members, catalog items).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub identifier: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A custom field. `value` is any JSON: text, number, boolean, date text or `null`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// Custom field id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Caption shown in ConnectWise.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub caption: Option<String>,
    /// Field type: `Text`, `Number`, `Checkbox`, `Date`, `Hyperlink`, `Percent`, `TextArea`, …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub type_: Option<String>,
    /// Entry method: `EntryField`, `List`, `Date`, …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub entry_method: Option<String>,
    /// Decimals for numeric fields.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub number_of_decimals: Option<i64>,
    /// The value, as sent.
    #[serde(default)]
    pub value: Option<Value>,
    /// Cross-instance id of the custom field definition.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub connect_wise_id: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Answer of `GET {site}/login/companyinfo/{companyId}` (PascalCase, unauthenticated).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "PascalCase")]
pub struct CompanyInfo {
    /// Company name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub company_name: Option<String>,
    /// Codebase path segment, e.g. `v2025_1/`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub codebase: Option<String>,
    /// Version code, e.g. `v2025.1`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub version_code: Option<String>,
    /// Version number, e.g. `v4.6.x`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub version_number: Option<String>,
    /// The company id (login company).
    #[serde(
        rename = "CompanyID",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub company_id: Option<String>,
    /// Whether the instance is ConnectWise-hosted.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_cloud: Option<bool>,
    /// Canonical site host.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub site_url: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
