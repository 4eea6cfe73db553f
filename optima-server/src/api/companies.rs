//! `/company`: companies synced from ConnectWise, with live ConnectWise data on demand.

use std::sync::Arc;

use optima_connectwise::models::{Company, Contact};
use poem_openapi::param::{Path, Query};
use poem_openapi::{ApiResponse, Object, OpenApi};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::common::{ApiError, Ok200};
use super::pagination::{PageRequest, Pagination, like_pattern};
use super::{ApiTags, Authorized};
use crate::routes;
use crate::state::AppState;

/// `/company`.
#[derive(Debug)]
pub struct CompanyApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// A company as Optima keeps it.
#[derive(Debug, Clone, Object)]
#[oai(rename = "Company")]
pub struct CompanyOut {
    /// Optima's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// ConnectWise company record id.
    #[oai(rename = "cw_CompanyId")]
    pub cw_company_id: i64,
    /// ConnectWise identifier (`AcmeCorp`).
    #[oai(rename = "cw_Identifier")]
    pub cw_identifier: String,
}

/// A company's address, from ConnectWise.
#[derive(Debug, Clone, Object)]
pub struct Address {
    /// Line 1.
    #[oai(nullable)]
    pub line1: Option<String>,
    /// Line 2.
    #[oai(nullable)]
    pub line2: Option<String>,
    /// City.
    #[oai(nullable)]
    pub city: Option<String>,
    /// State or region.
    #[oai(nullable)]
    pub state: Option<String>,
    /// Postal code.
    #[oai(nullable)]
    pub zip: Option<String>,
    /// Country name.
    #[oai(nullable)]
    pub country: Option<String>,
}

/// A contact of a company, from ConnectWise.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CompanyContact")]
pub struct ContactOut {
    /// First name.
    #[oai(nullable)]
    pub first_name: Option<String>,
    /// Last name.
    #[oai(nullable)]
    pub last_name: Option<String>,
    /// ConnectWise contact id.
    #[oai(nullable)]
    pub cw_id: Option<i64>,
    /// Whether the contact is inactive.
    pub inactive: bool,
    /// Job title.
    #[oai(nullable)]
    pub title: Option<String>,
    /// Default phone number.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Default email address.
    #[oai(nullable)]
    pub email: Option<String>,
}

impl From<&Contact> for ContactOut {
    fn from(c: &Contact) -> Self {
        ContactOut {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            cw_id: c.id,
            inactive: c.inactive_flag.unwrap_or(false),
            title: c.title.clone(),
            phone: c.phone().map(str::to_owned),
            email: c.email().map(str::to_owned),
        }
    }
}

/// The live ConnectWise data asked for.
#[derive(Debug, Clone, Default, Object)]
#[oai(rename_all = "camelCase", rename = "CompanyConnectWiseData")]
pub struct CwData {
    /// With `includeAddress=true`.
    #[oai(skip_serializing_if_is_none)]
    pub address: Option<Address>,
    /// With `includePrimaryContact=true`; null when the company has none.
    #[oai(skip_serializing_if_is_none)]
    pub primary_contact: Option<ContactOut>,
    /// With `includeAllContacts=true`.
    #[oai(skip_serializing_if_is_none)]
    pub all_contacts: Option<Vec<ContactOut>>,
}

/// A company with live ConnectWise data.
#[derive(Debug, Clone, Object)]
#[oai(rename = "CompanyDetail")]
pub struct CompanyDetail {
    /// Optima's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// ConnectWise company record id.
    #[oai(rename = "cw_CompanyId")]
    pub cw_company_id: i64,
    /// ConnectWise identifier.
    #[oai(rename = "cw_Identifier")]
    pub cw_identifier: String,
    /// What was asked for with the `include…` parameters.
    #[oai(rename = "cw_Data")]
    pub cw_data: CwData,
}

/// A page of companies: `{status, message, data, pagination, successful}`.
#[derive(Debug, Object)]
pub struct CompanyPage {
    /// 200.
    pub status: u16,
    /// What happened.
    pub message: String,
    /// The companies on this page.
    pub data: Vec<CompanyOut>,
    /// Where this page stands.
    pub pagination: Pagination,
    /// True.
    pub successful: bool,
}

/// 200 with a page of companies.
#[derive(Debug, ApiResponse)]
pub enum CompanyPageResponse {
    /// A page.
    #[oai(status = 200)]
    Ok(poem_openapi::payload::Json<CompanyPage>),
}

fn company_from_row(row: &AnyRow) -> Result<CompanyOut, sqlx::Error> {
    Ok(CompanyOut {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        cw_company_id: row.try_get("cw_id")?,
        cw_identifier: row.try_get("identifier")?,
    })
}

/// A live company (not marked deleted) by Optima id, or by ConnectWise id when numeric.
pub async fn find_company(state: &AppState, identifier: &str) -> Result<CompanyOut, ApiError> {
    let pool = &state.store.db().pool;
    let mut row = sqlx::query(
        "SELECT id, name, cw_id, identifier FROM companies WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(identifier)
    .fetch_optional(pool)
    .await
    .map_err(|e| ApiError::internal(&e))?;
    if row.is_none()
        && let Ok(cw_id) = identifier.parse::<i64>()
    {
        row = sqlx::query(
            "SELECT id, name, cw_id, identifier FROM companies WHERE cw_id = $1 AND deleted_at IS NULL",
        )
        .bind(cw_id)
        .fetch_optional(pool)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    }
    let row = row.ok_or_else(|| {
        ApiError::not_found(
            "CompanyNotFound",
            format!("Company with identifier '{identifier}' was not found."),
        )
    })?;
    company_from_row(&row).map_err(|e| ApiError::internal(&e))
}

fn address_of(c: &Company) -> Address {
    Address {
        line1: c.address_line1.clone(),
        line2: c.address_line2.clone(),
        city: c.city.clone(),
        state: c.state.clone(),
        zip: c.zip.clone(),
        country: c.country.as_ref().and_then(|r| r.name.clone()),
    }
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
        /// Matches anywhere in the name or identifier, ignoring case.
        search: Query<Option<String>>,
    ) -> Result<CompanyPageResponse, ApiError> {
        let paging = PageRequest::new(page.0, rpp.0)?;
        let pattern = like_pattern(search.0.as_deref().unwrap_or_default());
        let pool = &self.state.store.db().pool;
        let filter = "deleted_at IS NULL AND search_key LIKE $1 ESCAPE '\\'";
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM companies WHERE {filter}"))
                .bind(&pattern)
                .fetch_one(pool)
                .await
                .map_err(|e| ApiError::internal(&e))?;
        let rows = sqlx::query(&format!(
            "SELECT id, name, cw_id, identifier FROM companies WHERE {filter} ORDER BY name, id LIMIT $2 OFFSET $3"
        ))
        .bind(&pattern)
        .bind(paging.rpp as i64)
        .bind(paging.offset())
        .fetch_all(pool)
        .await
        .map_err(|e| ApiError::internal(&e))?;
        let data = rows
            .iter()
            .map(company_from_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::internal(&e))?;
        let r = caller.route();
        Ok(CompanyPageResponse::Ok(poem_openapi::payload::Json(
            CompanyPage {
                status: r.status,
                message: r.message.to_owned(),
                pagination: paging.pagination(total as u64, data.len()),
                data,
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
            data.address = Some(address_of(&live));
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
