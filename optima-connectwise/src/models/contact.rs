//! Contacts and their communication items.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{CustomField, Info, Reference};
/// A phone number, e-mail address or other channel of a contact (`communicationItems[]`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CommunicationItem {
    /// Item id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Type, e.g. `{"id":2,"name":"Direct"}` or `Email`.
    #[serde(default)]
    pub type_: Option<Reference>,
    /// Number or address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub value: Option<String>,
    /// Phone extension.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub extension: Option<String>,
    /// Default item of its kind.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub default_flag: Option<bool>,
    /// Kind: `Phone`, `Email`, `Fax`, …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub communication_type: Option<String>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A contact (`company/contacts`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Contact id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// First name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub last_name: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<Reference>,
    /// Site.
    #[serde(default)]
    pub site: Option<Reference>,
    /// Job title.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub title: Option<String>,
    /// Department.
    #[serde(default)]
    pub department: Option<Reference>,
    /// Inactive flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub inactive_flag: Option<bool>,
    /// Primary contact of its company.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub default_flag: Option<bool>,
    /// Default billing contact.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub default_billing_flag: Option<bool>,
    /// Default phone type.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub default_phone_type: Option<String>,
    /// Default phone number (older codebases).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub default_phone_nbr: Option<String>,
    /// Default phone extension.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub default_phone_extension: Option<String>,
    /// Phones, e-mails and other channels.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub communication_items: Vec<CommunicationItem>,
    /// Contact types.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub types: Vec<Reference>,
    /// Address line 1.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub address_line1: Option<String>,
    /// Address line 2.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub address_line2: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub city: Option<String>,
    /// State.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub zip: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<Reference>,
    /// Relationship.
    #[serde(default)]
    pub relationship: Option<Reference>,
    /// Nickname.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub nick_name: Option<String>,
    /// Custom fields; `value` may be any JSON.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub custom_fields: Vec<CustomField>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
