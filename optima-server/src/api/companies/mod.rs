//! `/company`: companies synced from ConnectWise, with live ConnectWise data on demand.

use std::sync::Arc;

pub mod models;

use optima_connectwise::models::Contact;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use self::models::{CompanyDetail, CompanyOut, CompanyPage, CompanyPageResponse, CwData};
use super::common::{ApiError, Ok200};
use super::pagination::PageRequest;
use super::{ApiTags, Authorized};
use crate::routes;
use crate::state::AppState;

/// A live company (not marked deleted) by Optima id, or by ConnectWise id when numeric; 404
/// when there is none.
pub async fn find_company(state: &AppState, identifier: &str) -> Result<CompanyOut, ApiError> {
    state.store.find_company(identifier).await?.ok_or_else(|| {
        ApiError::not_found(
            "CompanyNotFound",
            format!("Company with identifier '{identifier}' was not found."),
        )
    })
}

/// `/company`.
#[derive(Debug)]
pub struct CompanyApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Company")]
impl CompanyApi {
    /// Companies, a page at a time, searchable by name or ConnectWise identifier.
    async fn list(
        &self,
        caller: Authorized<routes::ListCompanies>,
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
        /// Matches anywhere in the name or identifier, ignoring case.
        search: Query<Option<String>>,
    ) -> Result<CompanyPageResponse, ApiError> {
        let paging = PageRequest::with_cursor(page.0, rpp.0, cursor.0.as_deref())?;
        let listed = self
            .state
            .store
            .companies_page(search.0.as_deref().unwrap_or_default(), &paging)
            .await?;
        let r = caller.route();
        Ok(CompanyPageResponse::Ok(poem_openapi::payload::Json(
            CompanyPage {
                status: r.status,
                message: r.message.to_owned(),
                pagination: paging.pagination_with(
                    listed.total as u64,
                    listed.data.len(),
                    listed.next,
                ),
                data: listed.data,
                successful: true,
            },
        )))
    }

    /// One company with fresh data from ConnectWise. `includeAddress` needs
    /// `company.fetch.address`; `includeAllContacts` needs `company.fetch.contacts`.
    async fn get(
        &self,
        caller: Authorized<routes::GetCompany>,
        /// Optima's company id (or the ConnectWise company id).
        identifier: Path<String>,
        /// Include the address.
        #[oai(name = "includeAddress")]
        include_address: Query<Option<bool>>,
        /// Include the primary contact.
        #[oai(name = "includePrimaryContact")]
        include_primary_contact: Query<Option<bool>>,
        /// Include every contact.
        #[oai(name = "includeAllContacts")]
        include_all_contacts: Query<Option<bool>>,
    ) -> Result<Ok200<CompanyDetail>, ApiError> {
        let (address, primary, all) = (
            include_address.0.unwrap_or(false),
            include_primary_contact.0.unwrap_or(false),
            include_all_contacts.0.unwrap_or(false),
        );
        if address {
            caller.require(
                routes::GetCompany::ADDRESS,
                "You may not view company addresses",
            )?;
        }
        if all {
            caller.require(
                routes::GetCompany::CONTACTS,
                "You may not view company contacts",
            )?;
        }
        let company = find_company(&self.state, &identifier.0).await?;
        let cw = self.state.integrations.connectwise()?;
        let live = cw.companies().get(company.cw_company_id).await?;
        let mut data = CwData::default();
        if address {
            data.address = Some((&live).into());
        }
        if primary || all {
            let contacts = cw
                .companies()
                .contacts(company.cw_company_id)
                .page_size(1000)
                .all()
                .await?;
            if primary {
                data.primary_contact = Contact::primary_of(Some(&live), &contacts).map(Into::into);
            }
            if all {
                data.all_contacts = Some(contacts.iter().map(Into::into).collect());
            }
        }
        Ok(caller.ok(CompanyDetail {
            id: company.id,
            name: live.name.unwrap_or(company.name),
            cw_company_id: company.cw_company_id,
            cw_identifier: live.identifier.unwrap_or(company.cw_identifier),
            cw_data: data,
        }))
    }

    /// A company's configurations (devices and assets) from ConnectWise, as ConnectWise
    /// shapes them.
    async fn configurations(
        &self,
        caller: Authorized<routes::GetCompanyConfigurations>,
        /// Optima's company id (or the ConnectWise company id).
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<serde_json::Value>>, ApiError> {
        let company = find_company(&self.state, &identifier.0).await?;
        let cw = self.state.integrations.connectwise()?;
        let configurations = cw
            .companies()
            .configurations(company.cw_company_id)
            .page_size(1000)
            .all()
            .await?;
        let data = configurations
            .iter()
            .map(|c| serde_json::to_value(c).unwrap_or_default())
            .collect();
        Ok(caller.ok(data))
    }
}
