//! Companies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{CustomField, Info, Reference};
/// A company (`company/companies`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// Company record id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Short unique identifier, e.g. `AcmeCorp`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub identifier: Option<String>,
    /// Company name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Status (`Active`, `Inactive`, …).
    #[serde(default)]
    pub status: Option<Reference>,
    /// Legacy single type (older codebases).
    #[serde(default)]
    pub type_: Option<Reference>,
    /// Company types (`Client`, `Prospect`, …).
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
    /// State or region.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub zip: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<Reference>,
    /// Main phone number.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub phone_number: Option<String>,
    /// Fax number.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub fax_number: Option<String>,
    /// Web site.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub website: Option<String>,
    /// Territory (location).
    #[serde(default)]
    pub territory: Option<Reference>,
    /// Market.
    #[serde(default)]
    pub market: Option<Reference>,
    /// Account number.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub account_number: Option<String>,
    /// Default (primary) contact.
    #[serde(default)]
    pub default_contact: Option<Reference>,
    /// Billing contact.
    #[serde(default)]
    pub billing_contact: Option<Reference>,
    /// When the company became a client.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub date_acquired: Option<DateTime<Utc>>,
    /// Annual revenue.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub annual_revenue: Option<f64>,
    /// Number of employees.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub number_of_employees: Option<i64>,
    /// Lead flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub lead_flag: Option<bool>,
    /// Soft-deleted flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub deleted_flag: Option<bool>,
    /// Primary site.
    #[serde(default)]
    pub site: Option<Reference>,
    /// Parent company.
    #[serde(default)]
    pub parent_company: Option<Reference>,
    /// Tax code.
    #[serde(default)]
    pub tax_code: Option<Reference>,
    /// Billing terms.
    #[serde(default)]
    pub billing_terms: Option<Reference>,
    /// Identifier of this company as a vendor.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub vendor_identifier: Option<String>,
    /// Invoice e-mail address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub invoice_to_email_address: Option<String>,
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
