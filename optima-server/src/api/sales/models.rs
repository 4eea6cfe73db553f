//! Bodies of the sales routes.

use optima_connectwise::models::{ForecastItem, Reference};
use poem_openapi::Object;

/// A reference to a ConnectWise record: `{id, identifier?, name}`.
#[derive(Debug, Clone, Default, PartialEq, Object, serde::Deserialize)]
#[oai(rename = "CwReference")]
pub struct CwRef {
    /// ConnectWise record id.
    #[oai(nullable)]
    #[serde(default)]
    pub id: Option<i64>,
    /// Short identifier, for members and companies.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub identifier: Option<String>,
    /// Display name.
    #[oai(nullable)]
    #[serde(default)]
    pub name: Option<String>,
}

impl From<&Reference> for CwRef {
    fn from(r: &Reference) -> Self {
        CwRef {
            id: r.id,
            identifier: r.identifier.clone(),
            name: r.name.clone(),
        }
    }
}

pub(crate) fn cw_ref(r: &Option<Reference>) -> Option<CwRef> {
    r.as_ref().map(CwRef::from)
}

// Reference-typed fields carry no doc comment (it would wrap the `$ref` in `allOf`); the
// `CwReference` type is documented instead.

/// A sales opportunity as Optima keeps it.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "Opportunity")]
pub struct OpportunityOut {
    /// Optima's id.
    pub id: String,
    /// ConnectWise opportunity id.
    pub cw_opportunity_id: i64,
    /// Name.
    pub name: String,
    /// Notes.
    #[oai(nullable)]
    pub notes: Option<String>,
    #[oai(nullable, rename = "type")]
    pub(crate) type_: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) stage: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) status: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) priority: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) rating: Option<CwRef>,
    /// Source.
    #[oai(nullable)]
    pub source: Option<String>,
    #[oai(nullable)]
    pub(crate) campaign: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) primary_sales_rep: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) secondary_sales_rep: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) company: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) contact: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) site: Option<CwRef>,
    /// Customer purchase order.
    #[oai(nullable, rename = "customerPO")]
    pub customer_po: Option<String>,
    /// Total sales tax.
    #[oai(nullable)]
    pub total_sales_tax: Option<f64>,
    #[oai(nullable)]
    pub(crate) location: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) department: Option<CwRef>,
    /// Expected close date.
    #[oai(nullable)]
    pub expected_close_date: Option<String>,
    /// When the opportunity last moved in the pipeline.
    #[oai(nullable)]
    pub pipeline_change_date: Option<String>,
    /// When it became a lead.
    #[oai(nullable)]
    pub date_became_lead: Option<String>,
    /// When it closed.
    #[oai(nullable)]
    pub closed_date: Option<String>,
    /// Whether it is closed (won or lost).
    pub closed_flag: bool,
    #[oai(nullable)]
    pub(crate) closed_by: Option<CwRef>,
    /// Optima's id of the company, when that company is synced.
    #[oai(nullable)]
    pub company_id: Option<String>,
    /// When ConnectWise last changed it.
    #[oai(nullable)]
    pub cw_last_updated: Option<String>,
    /// When Optima first stored it.
    pub created_at: String,
    /// When Optima last changed it.
    pub updated_at: String,
}

/// One revenue line of an opportunity's forecast.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "OpportunityForecast")]
pub struct ForecastOut {
    /// ConnectWise forecast item id.
    #[oai(nullable)]
    pub id: Option<i64>,
    /// Type: `Product`, `Service`, `Agreement`, `Revenue`, …
    #[oai(nullable)]
    pub forecast_type: Option<String>,
    /// The month it is forecast for, where ConnectWise sends one.
    #[oai(nullable)]
    pub forecast_month: Option<String>,
    /// Revenue.
    #[oai(nullable)]
    pub revenue: Option<f64>,
    /// Cost.
    #[oai(nullable)]
    pub cost: Option<f64>,
    /// Probability, in percent.
    #[oai(nullable)]
    pub forecast_percentage: Option<f64>,
    #[oai(nullable)]
    pub(crate) status: Option<CwRef>,
    /// Included in the totals.
    pub included_flag: bool,
    /// Linked to a product.
    pub linked_flag: bool,
    /// Recurring.
    pub recurring_flag: bool,
    /// Product description, where sent.
    #[oai(skip_serializing_if_is_none)]
    pub product_description: Option<String>,
    /// Quantity, where sent.
    #[oai(skip_serializing_if_is_none)]
    pub quantity: Option<f64>,
}

impl From<&ForecastItem> for ForecastOut {
    fn from(f: &ForecastItem) -> Self {
        let month = ["forecastMonth", "forecastDate", "expectedCloseDate"]
            .iter()
            .find_map(|k| f.extra.get(*k).and_then(|v| v.as_str()))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        ForecastOut {
            id: f.id,
            forecast_type: f.forecast_type.clone(),
            forecast_month: month,
            revenue: f.revenue,
            cost: f.cost,
            forecast_percentage: f.percentage,
            status: cw_ref(&f.status),
            included_flag: f.include_flag.unwrap_or(false),
            linked_flag: f.link_flag.unwrap_or(false),
            recurring_flag: f.recurring_flag.unwrap_or(false),
            product_description: f.product_description.clone(),
            quantity: f.quantity,
        }
    }
}

/// A note on an opportunity.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "OpportunityNote")]
pub struct NoteOut {
    /// ConnectWise note id.
    #[oai(nullable)]
    pub id: Option<i64>,
    /// Text.
    #[oai(nullable)]
    pub text: Option<String>,
    #[oai(nullable, rename = "type")]
    pub(crate) type_: Option<CwRef>,
    /// Flagged.
    pub flagged: bool,
    /// Who wrote it.
    #[oai(nullable)]
    pub entered_by: Option<String>,
}

/// A contact on an opportunity.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "OpportunityContact")]
pub struct ContactOut {
    /// ConnectWise row id.
    #[oai(nullable)]
    pub id: Option<i64>,
    #[oai(nullable)]
    pub(crate) contact: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) company: Option<CwRef>,
    #[oai(nullable)]
    pub(crate) role: Option<CwRef>,
    /// Notes.
    #[oai(nullable)]
    pub notes: Option<String>,
    /// Whether the contact referred the deal.
    pub referral_flag: bool,
}
