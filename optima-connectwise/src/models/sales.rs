//! Sales opportunities, forecasts, notes and opportunity contacts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{CustomField, Info, Reference};
/// A sales opportunity (`sales/opportunities`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct Opportunity {
    /// Opportunity id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Expected close date.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub expected_close_date: Option<DateTime<Utc>>,
    /// Type.
    #[serde(default)]
    pub type_: Option<Reference>,
    /// Stage.
    #[serde(default)]
    pub stage: Option<Reference>,
    /// Status (`Open`, `Won`, `Lost`, …).
    #[serde(default)]
    pub status: Option<Reference>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<Reference>,
    /// Notes.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub notes: Option<String>,
    /// Probability.
    #[serde(default)]
    pub probability: Option<Reference>,
    /// Source.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub source: Option<String>,
    /// Rating.
    #[serde(default)]
    pub rating: Option<Reference>,
    /// Marketing campaign.
    #[serde(default)]
    pub campaign: Option<Reference>,
    /// Primary sales rep (member).
    #[serde(default)]
    pub primary_sales_rep: Option<Reference>,
    /// Secondary sales rep (member).
    #[serde(default)]
    pub secondary_sales_rep: Option<Reference>,
    /// Location id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub location_id: Option<i64>,
    /// Location (some codebases).
    #[serde(default)]
    pub location: Option<Reference>,
    /// Business unit id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub business_unit_id: Option<i64>,
    /// Department (some codebases).
    #[serde(default)]
    pub department: Option<Reference>,
    /// Company.
    #[serde(default)]
    pub company: Option<Reference>,
    /// Contact.
    #[serde(default)]
    pub contact: Option<Reference>,
    /// Site.
    #[serde(default)]
    pub site: Option<Reference>,
    /// Customer PO.
    #[serde(
        rename = "customerPO",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub customer_po: Option<String>,
    /// Last pipeline change.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub pipeline_change_date: Option<DateTime<Utc>>,
    /// When it became a lead.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub date_became_lead: Option<DateTime<Utc>>,
    /// Closed date.
    #[serde(default, deserialize_with = "crate::lenient::opt_datetime")]
    pub closed_date: Option<DateTime<Utc>>,
    /// Closed by (member).
    #[serde(default)]
    pub closed_by: Option<Reference>,
    /// Closed flag (where the codebase sends one).
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub closed_flag: Option<bool>,
    /// Total sales tax.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub total_sales_tax: Option<f64>,
    /// Ship-to company.
    #[serde(default)]
    pub ship_to_company: Option<Reference>,
    /// Ship-to contact.
    #[serde(default)]
    pub ship_to_contact: Option<Reference>,
    /// Ship-to site.
    #[serde(default)]
    pub ship_to_site: Option<Reference>,
    /// Bill-to company.
    #[serde(default)]
    pub bill_to_company: Option<Reference>,
    /// Bill-to contact.
    #[serde(default)]
    pub bill_to_contact: Option<Reference>,
    /// Bill-to site.
    #[serde(default)]
    pub bill_to_site: Option<Reference>,
    /// Billing terms.
    #[serde(default)]
    pub billing_terms: Option<Reference>,
    /// Tax code.
    #[serde(default)]
    pub tax_code: Option<Reference>,
    /// Currency object, as sent.
    #[serde(default)]
    pub currency: Option<Value>,
    /// Company location.
    #[serde(default)]
    pub company_location: Option<Reference>,
    /// Technical contact.
    #[serde(default)]
    pub technical_contact: Option<Reference>,
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

/// One revenue line of an opportunity forecast (`forecastItems[]`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ForecastItem {
    /// Forecast item id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Type: `Product`, `Service`, `Agreement`, `Other1`, `Other2`, …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub forecast_type: Option<String>,
    /// Product description.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub product_description: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub quantity: Option<f64>,
    /// Status (`Open`, `Won`, `Lost`).
    #[serde(default)]
    pub status: Option<Reference>,
    /// Catalog item.
    #[serde(default)]
    pub catalog_item: Option<Reference>,
    /// Description.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub forecast_description: Option<String>,
    /// Product class.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub product_class: Option<String>,
    /// Revenue.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub revenue: Option<f64>,
    /// Cost.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub cost: Option<f64>,
    /// Margin.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub margin: Option<f64>,
    /// Probability percentage.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub percentage: Option<f64>,
    /// Included in totals.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub include_flag: Option<bool>,
    /// Linked to a product.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub link_flag: Option<bool>,
    /// Recurring.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub recurring_flag: Option<bool>,
    /// Taxable.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub taxable_flag: Option<bool>,
    /// Recurring revenue.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub recurring_revenue: Option<f64>,
    /// Recurring cost.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub recurring_cost: Option<f64>,
    /// Recurring cycles.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub cycles: Option<f64>,
    /// Sequence number.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub sequence_number: Option<f64>,
    /// Sub number.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub sub_number: Option<i64>,
    /// Owning opportunity.
    #[serde(default)]
    pub opportunity: Option<Reference>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A revenue / cost / margin summary inside a forecast.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct RevenueTotals {
    /// Id (when sent).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Revenue.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub revenue: Option<f64>,
    /// Cost.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub cost: Option<f64>,
    /// Margin.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub margin: Option<f64>,
    /// Percentage.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub percentage: Option<f64>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The object form of an opportunity forecast (what ConnectWise returns in practice).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct ForecastObject {
    /// Forecast id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Revenue lines.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub forecast_items: Vec<ForecastItem>,
    /// Product revenue.
    #[serde(default)]
    pub product_revenue: Option<RevenueTotals>,
    /// Service revenue.
    #[serde(default)]
    pub service_revenue: Option<RevenueTotals>,
    /// Agreement revenue.
    #[serde(default)]
    pub agreement_revenue: Option<RevenueTotals>,
    /// Time revenue.
    #[serde(default)]
    pub time_revenue: Option<RevenueTotals>,
    /// Expense revenue.
    #[serde(default)]
    pub expense_revenue: Option<RevenueTotals>,
    /// Forecast totals.
    #[serde(default)]
    pub forecast_revenue_totals: Option<RevenueTotals>,
    /// Inclusive totals.
    #[serde(default)]
    pub inclusive_revenue_totals: Option<RevenueTotals>,
    /// Recurring total.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub recurring_total: Option<f64>,
    /// Won revenue.
    #[serde(default)]
    pub won_revenue: Option<RevenueTotals>,
    /// Lost revenue.
    #[serde(default)]
    pub lost_revenue: Option<RevenueTotals>,
    /// Open revenue.
    #[serde(default)]
    pub open_revenue: Option<RevenueTotals>,
    /// Other revenue 1.
    #[serde(default)]
    pub other_revenue1: Option<RevenueTotals>,
    /// Other revenue 2.
    #[serde(default)]
    pub other_revenue2: Option<RevenueTotals>,
    /// Sales tax revenue.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub sales_tax_revenue: Option<f64>,
    /// Total with taxes.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub forecast_total_with_taxes: Option<f64>,
    /// Expected probability (percent).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub expected_probability: Option<i64>,
    /// Tax code.
    #[serde(default)]
    pub tax_code: Option<Reference>,
    /// Billing terms.
    #[serde(default)]
    pub billing_terms: Option<Reference>,
    /// Currency, as sent.
    #[serde(default)]
    pub currency: Option<Value>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A note on an opportunity (`sales/opportunities/{id}/notes`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct OpportunityNote {
    /// Note id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Opportunity id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub opportunity_id: Option<i64>,
    /// Note type.
    #[serde(default)]
    pub type_: Option<Reference>,
    /// Text.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub text: Option<String>,
    /// Flagged.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub flagged: Option<bool>,
    /// Who entered the note.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub entered_by: Option<String>,
    /// Mobile GUID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub mobile_guid: Option<String>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A contact attached to an opportunity (`sales/opportunities/{id}/contacts`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct OpportunityContact {
    /// Row id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Contact.
    #[serde(default)]
    pub contact: Option<Reference>,
    /// Company.
    #[serde(default)]
    pub company: Option<Reference>,
    /// Role (`Decision Maker`, …).
    #[serde(default)]
    pub role: Option<Reference>,
    /// Notes.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub notes: Option<String>,
    /// Referral flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub referral_flag: Option<bool>,
    /// Opportunity id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub opportunity_id: Option<i64>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
