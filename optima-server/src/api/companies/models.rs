//! Bodies of the company routes.

use optima_connectwise::models::{Company, Contact};
use poem_openapi::{ApiResponse, Object};

use crate::api::pagination::Pagination;

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

impl From<&Company> for Address {
    fn from(c: &Company) -> Self {
        Address {
            line1: c.address_line1.clone(),
            line2: c.address_line2.clone(),
            city: c.city.clone(),
            state: c.state.clone(),
            zip: c.zip.clone(),
            country: c.country.as_ref().and_then(|r| r.name.clone()),
        }
    }
}
