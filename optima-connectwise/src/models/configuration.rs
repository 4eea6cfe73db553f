//! Company configurations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{CustomField, Info, Reference};
/// A configuration (asset) of a company (`company/configurations`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Configuration {
    /// Configuration id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Configuration type.
    #[serde(default)]
    pub type_: Option<Reference>,
    /// Status.
    #[serde(default)]
    pub status: Option<Reference>,
    /// Company.
    #[serde(default)]
    pub company: Option<Reference>,
    /// Contact.
    #[serde(default)]
    pub contact: Option<Reference>,
    /// Site.
    #[serde(default)]
    pub site: Option<Reference>,
    /// Location id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub location_id: Option<i64>,
    /// Business unit id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub business_unit_id: Option<i64>,
    /// Device identifier.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub device_identifier: Option<String>,
    /// Serial number.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub serial_number: Option<String>,
    /// Model number.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub model_number: Option<String>,
    /// Asset tag.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub tag_number: Option<String>,
    /// Purchase date.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub purchase_date: Option<DateTime<Utc>>,
    /// Installation date.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub installation_date: Option<DateTime<Utc>>,
    /// Installed by (member).
    #[serde(default)]
    pub installed_by: Option<Reference>,
    /// Warranty expiration.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub warranty_expiration_date: Option<DateTime<Utc>>,
    /// Vendor notes.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub vendor_notes: Option<String>,
    /// Notes.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub notes: Option<String>,
    /// MAC address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub mac_address: Option<String>,
    /// Last login name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub last_login_name: Option<String>,
    /// Billable flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub bill_flag: Option<bool>,
    /// IP address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ip_address: Option<String>,
    /// Default gateway.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub default_gateway: Option<String>,
    /// Operating system type.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub os_type: Option<String>,
    /// Operating system details.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub os_info: Option<String>,
    /// CPU speed.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub cpu_speed: Option<String>,
    /// Memory.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ram: Option<String>,
    /// Local drives.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub local_hard_drives: Option<String>,
    /// Manufacturer.
    #[serde(default)]
    pub manufacturer: Option<Reference>,
    /// Vendor (company).
    #[serde(default)]
    pub vendor: Option<Reference>,
    /// Active flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub active_flag: Option<bool>,
    /// Configuration questions and answers, as sent.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub questions: Vec<Value>,
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
