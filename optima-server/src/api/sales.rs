//! `/sales`: opportunities synced from ConnectWise (read locally), refreshed on demand, with
//! their forecast, notes and contacts fetched live from ConnectWise.

use std::sync::Arc;

use chrono::Utc;
use optima_connectwise::models::{ForecastItem, Reference};
use poem_openapi::param::{Path, Query};
use poem_openapi::{Object, OpenApi};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::common::{ApiError, Ok200};
use super::listing::Listing;
use super::pagination::PageRequest;
use super::procurement::{Count, MetaPageResponse, meta_page};
use super::{ApiTags, Authorized};
use crate::db::timestamp;
use crate::routes;
use crate::state::AppState;
use crate::sync::write_opportunity;

/// `/sales`.
#[derive(Debug)]
pub struct SalesApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

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

fn cw_ref(r: &Option<Reference>) -> Option<CwRef> {
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

const SELECT: &str = "SELECT o.id, o.cw_id, o.name, o.notes, o.type_ref, o.stage_ref, o.status_ref, \
     o.priority_ref, o.rating_ref, o.source, o.campaign_ref, o.primary_sales_rep, o.secondary_sales_rep, \
     o.company_ref, o.contact_ref, o.site_ref, o.customer_po, o.total_sales_tax, o.location_ref, \
     o.department_ref, o.expected_close_date, o.pipeline_change_date, o.date_became_lead, o.closed_date, \
     o.closed_flag, o.closed_by, o.cw_last_updated, o.created_at, o.updated_at, c.id AS optima_company_id \
     FROM opportunities o LEFT JOIN companies c ON c.cw_id = o.cw_company_id AND c.deleted_at IS NULL";

/// Opportunities with their Optima company, for lists.
const OPPORTUNITIES: Listing<OpportunityOut> = Listing {
    table: "opportunities",
    alias: "o",
    select: SELECT,
    from_row: opportunity_from_row,
    id: |o| &o.id,
};

fn opportunity_from_row(row: &AnyRow) -> Result<OpportunityOut, sqlx::Error> {
    let r = |column: &str| -> Result<Option<CwRef>, sqlx::Error> {
        let text: Option<String> = row.try_get(column)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    Ok(OpportunityOut {
        id: row.try_get("id")?,
        cw_opportunity_id: row.try_get("cw_id")?,
        name: row.try_get("name")?,
        notes: row.try_get("notes")?,
        type_: r("type_ref")?,
        stage: r("stage_ref")?,
        status: r("status_ref")?,
        priority: r("priority_ref")?,
        rating: r("rating_ref")?,
        source: row.try_get("source")?,
        campaign: r("campaign_ref")?,
        primary_sales_rep: r("primary_sales_rep")?,
        secondary_sales_rep: r("secondary_sales_rep")?,
        company: r("company_ref")?,
        contact: r("contact_ref")?,
        site: r("site_ref")?,
        customer_po: row.try_get("customer_po")?,
        total_sales_tax: row.try_get("total_sales_tax")?,
        location: r("location_ref")?,
        department: r("department_ref")?,
        expected_close_date: row.try_get("expected_close_date")?,
        pipeline_change_date: row.try_get("pipeline_change_date")?,
        date_became_lead: row.try_get("date_became_lead")?,
        closed_date: row.try_get("closed_date")?,
        closed_flag: row.try_get::<i64, _>("closed_flag")? != 0,
        closed_by: r("closed_by")?,
        company_id: row.try_get("optima_company_id")?,
        cw_last_updated: row.try_get("cw_last_updated")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// An opportunity not marked deleted, by Optima id, or by ConnectWise id when numeric.
pub async fn find_opportunity(
    state: &AppState,
    identifier: &str,
) -> Result<Option<OpportunityOut>, ApiError> {
    let pool = &state.store.db().pool;
    let mut row = sqlx::query(&format!(
        "{SELECT} WHERE o.id = $1 AND o.deleted_at IS NULL"
    ))
    .bind(identifier)
    .fetch_optional(pool)
    .await?;
    if row.is_none()
        && let Ok(cw_id) = identifier.trim().parse::<i64>()
    {
        row = sqlx::query(&format!(
            "{SELECT} WHERE o.cw_id = $1 AND o.deleted_at IS NULL"
        ))
        .bind(cw_id)
        .fetch_optional(pool)
        .await?;
    }
    row.as_ref()
        .map(opportunity_from_row)
        .transpose()
        .map_err(ApiError::from)
}

fn not_found(identifier: &str) -> ApiError {
    ApiError::not_found(
        "OpportunityNotFound",
        format!("Opportunity with identifier '{identifier}' was not found."),
    )
}

async fn require_opportunity(
    state: &AppState,
    identifier: &str,
) -> Result<OpportunityOut, ApiError> {
    find_opportunity(state, identifier)
        .await?
        .ok_or_else(|| not_found(identifier))
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Sales")]
impl SalesApi {
    /// Opportunities, a page at a time, by name; open ones only unless `includeClosed=true`.
    async fn list(
        &self,
        caller: Authorized<routes::ListOpportunities>,
        /// Page number (default 1).
        #[oai(validator(minimum(value = "1"), maximum(value = "4294967295")))]
        page: Query<Option<i64>>,
        /// Records per page (default 30, at most 1000).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        rpp: Query<Option<i64>>,
        /// Matches anywhere in the name, ignoring case.
        search: Query<Option<String>>,
        /// Include closed opportunities (default false).
        #[oai(name = "includeClosed")]
        include_closed: Query<Option<bool>>,
    ) -> Result<MetaPageResponse<OpportunityOut>, ApiError> {
        let paging = PageRequest::new(page.0, rpp.0)?;
        let mut conditions = vec!["deleted_at IS NULL"];
        if !include_closed.0.unwrap_or(false) {
            conditions.push("closed_flag = 0");
        }
        let search = search.0.as_deref().unwrap_or_default();
        let (data, total) = OPPORTUNITIES
            .page(&self.state.store.db().pool, &conditions, search, &paging)
            .await?;
        let pagination = paging.pagination(total as u64, data.len());
        Ok(meta_page(caller.route(), data, pagination))
    }

    /// How many opportunities there are (not counting ones deleted in ConnectWise).
    async fn count(
        &self,
        caller: Authorized<routes::CountOpportunities>,
        /// Count only open opportunities (default false).
        #[oai(name = "openOnly")]
        open_only: Query<Option<bool>>,
    ) -> Result<Ok200<Count>, ApiError> {
        let filter = if open_only.0.unwrap_or(false) {
            "deleted_at IS NULL AND closed_flag = 0"
        } else {
            "deleted_at IS NULL"
        };
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM opportunities WHERE {filter}"
        ))
        .fetch_one(&self.state.store.db().pool)
        .await?;
        Ok(caller.ok(Count {
            count: count.max(0) as u64,
        }))
    }

    /// One opportunity, by Optima's id or the ConnectWise opportunity id.
    async fn get(
        &self,
        caller: Authorized<routes::GetOpportunity>,
        /// Optima's id or the ConnectWise opportunity id (numeric).
        identifier: Path<String>,
    ) -> Result<Ok200<OpportunityOut>, ApiError> {
        Ok(caller.ok(require_opportunity(&self.state, &identifier.0).await?))
    }

    /// Fetches the opportunity from ConnectWise and stores it. A ConnectWise id not synced yet
    /// is fetched and stored; one ConnectWise no longer has is marked deleted (404).
    async fn refresh(
        &self,
        caller: Authorized<routes::RefreshOpportunity>,
        /// Optima's id or the ConnectWise opportunity id (numeric).
        identifier: Path<String>,
    ) -> Result<Ok200<OpportunityOut>, ApiError> {
        let local = find_opportunity(&self.state, &identifier.0).await?;
        let cw_id = match &local {
            Some(o) => o.cw_opportunity_id,
            None => identifier
                .0
                .trim()
                .parse::<i64>()
                .map_err(|_| not_found(&identifier.0))?,
        };
        let cw = self.state.integrations.connectwise()?;
        let pool = &self.state.store.db().pool;
        let now = timestamp(Utc::now());
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM opportunities WHERE cw_id = $1")
                .bind(cw_id)
                .fetch_optional(pool)
                .await?;
        let live = match cw.opportunities().get(cw_id).await {
            Ok(o) => o,
            Err(e) if e.is_not_found() => {
                if let Some(id) = &existing {
                    sqlx::query(
                        "UPDATE opportunities SET deleted_at = $1, updated_at = $1 WHERE id = $2",
                    )
                    .bind(&now)
                    .bind(id)
                    .execute(pool)
                    .await?;
                }
                return Err(ApiError::not_found(
                    "OpportunityNotFound",
                    format!("ConnectWise has no opportunity {cw_id}."),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let mut tx = self.state.store.db().begin().await?;
        write_opportunity(&mut tx, &live, existing.as_deref(), &now).await?;
        tx.commit().await?;
        let refreshed = find_opportunity(&self.state, &cw_id.to_string())
            .await?
            .ok_or_else(|| not_found(&identifier.0))?;
        Ok(caller.ok(refreshed))
    }

    /// The opportunity's forecast (revenue lines), live from ConnectWise, whether ConnectWise
    /// answers with one forecast object or an array.
    async fn forecasts(
        &self,
        caller: Authorized<routes::GetOpportunityForecasts>,
        /// Optima's id or the ConnectWise opportunity id (numeric).
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<ForecastOut>>, ApiError> {
        let o = require_opportunity(&self.state, &identifier.0).await?;
        let cw = self.state.integrations.connectwise()?;
        let forecast = cw.opportunities().forecast(o.cw_opportunity_id).await?;
        Ok(caller.ok(forecast.items.iter().map(ForecastOut::from).collect()))
    }

    /// The opportunity's notes, live from ConnectWise.
    async fn notes(
        &self,
        caller: Authorized<routes::GetOpportunityNotes>,
        /// Optima's id or the ConnectWise opportunity id (numeric).
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<NoteOut>>, ApiError> {
        let o = require_opportunity(&self.state, &identifier.0).await?;
        let cw = self.state.integrations.connectwise()?;
        let notes = cw.opportunities().notes(o.cw_opportunity_id).all().await?;
        let data = notes
            .iter()
            .map(|n| NoteOut {
                id: n.id,
                text: n.text.clone(),
                type_: cw_ref(&n.type_),
                flagged: n.flagged.unwrap_or(false),
                entered_by: n
                    .entered_by
                    .clone()
                    .or_else(|| n.info.as_ref().and_then(|i| i.entered_by.clone())),
            })
            .collect();
        Ok(caller.ok(data))
    }

    /// The opportunity's contacts, live from ConnectWise.
    async fn contacts(
        &self,
        caller: Authorized<routes::GetOpportunityContacts>,
        /// Optima's id or the ConnectWise opportunity id (numeric).
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<ContactOut>>, ApiError> {
        let o = require_opportunity(&self.state, &identifier.0).await?;
        let cw = self.state.integrations.connectwise()?;
        let contacts = cw
            .opportunities()
            .contacts(o.cw_opportunity_id)
            .all()
            .await?;
        let data = contacts
            .iter()
            .map(|c| ContactOut {
                id: c.id,
                contact: cw_ref(&c.contact),
                company: cw_ref(&c.company),
                role: cw_ref(&c.role),
                notes: c.notes.clone(),
                referral_flag: c.referral_flag.unwrap_or(false),
            })
            .collect();
        Ok(caller.ok(data))
    }
}
