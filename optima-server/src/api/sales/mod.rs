//! `/sales`: opportunities synced from ConnectWise (read locally), refreshed on demand, with
//! their forecast, notes and contacts fetched live from ConnectWise.

use std::sync::Arc;

pub mod models;

use chrono::Utc;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use self::models::{ContactOut, ForecastOut, NoteOut, OpportunityOut, cw_ref};
use super::common::{ApiError, Ok200};
use super::pagination::PageRequest;
use super::procurement::models::{Count, MetaPageResponse, meta_page};
use super::{ApiTags, Authorized};
use crate::db::timestamp;
use crate::routes;
use crate::state::AppState;

/// `/sales`.
#[derive(Debug)]
pub struct SalesApi {
    /// Shared state.
    pub state: Arc<AppState>,
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
    state
        .store
        .find_opportunity(identifier)
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
        /// The `nextCursor` of the page before: reaches the next page without skipping rows
        /// (`page` is then not used).
        #[oai(validator(pattern = "^[0-9a-f]{32}$"))]
        cursor: Query<Option<String>>,
        /// Matches anywhere in the name, ignoring case.
        search: Query<Option<String>>,
        /// Include closed opportunities (default false).
        #[oai(name = "includeClosed")]
        include_closed: Query<Option<bool>>,
    ) -> Result<MetaPageResponse<OpportunityOut>, ApiError> {
        let paging = PageRequest::with_cursor(page.0, rpp.0, cursor.0.as_deref())?;
        let search = search.0.as_deref().unwrap_or_default();
        let listed = self
            .state
            .store
            .opportunities_page(include_closed.0.unwrap_or(false), search, &paging)
            .await?;
        let pagination =
            paging.pagination_with(listed.total as u64, listed.data.len(), listed.next);
        Ok(meta_page(caller.route(), listed.data, pagination))
    }

    /// How many opportunities there are (not counting ones deleted in ConnectWise).
    async fn count(
        &self,
        caller: Authorized<routes::CountOpportunities>,
        /// Count only open opportunities (default false).
        #[oai(name = "openOnly")]
        open_only: Query<Option<bool>>,
    ) -> Result<Ok200<Count>, ApiError> {
        let count = self
            .state
            .store
            .count_opportunities(open_only.0.unwrap_or(false))
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
        let store = &self.state.store;
        let local = store.find_opportunity(&identifier.0).await?;
        let cw_id = match &local {
            Some(o) => o.cw_opportunity_id,
            None => identifier
                .0
                .trim()
                .parse::<i64>()
                .map_err(|_| not_found(&identifier.0))?,
        };
        let cw = self.state.integrations.connectwise()?;
        let now = timestamp(Utc::now());
        let existing = store.opportunity_id(cw_id).await?;
        let live = match cw.opportunities().get(cw_id).await {
            Ok(o) => o,
            Err(e) if e.is_not_found() => {
                if let Some(id) = &existing {
                    store.mark_opportunity_deleted(id, &now).await?;
                }
                return Err(ApiError::not_found(
                    "OpportunityNotFound",
                    format!("ConnectWise has no opportunity {cw_id}."),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        store
            .save_opportunity(&live, existing.as_deref(), &now)
            .await?;
        let refreshed = store
            .find_opportunity(&cw_id.to_string())
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
