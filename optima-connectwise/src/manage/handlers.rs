//! One handler per ConnectWise resource.

use futures::TryStreamExt as _;

use super::client::ConnectWiseClient;
use super::query::{ListRequest, MAX_PAGE_SIZE, condition_string, count};
use crate::error::Result;
use crate::models::{
    CatalogInventory, CatalogItem, Company, Configuration, Contact, Forecast, Opportunity,
    OpportunityContact, OpportunityNote,
};

fn cond_query(conditions: &str) -> Vec<(String, String)> {
    if conditions.trim().is_empty() {
        Vec::new()
    } else {
        vec![("conditions".into(), conditions.to_owned())]
    }
}

impl ConnectWiseClient {
    /// Companies (`company/companies`).
    pub fn companies(&self) -> CompaniesHandler {
        CompaniesHandler {
            client: self.clone(),
        }
    }

    /// Contacts (`company/contacts`).
    pub fn contacts(&self) -> ContactsHandler {
        ContactsHandler {
            client: self.clone(),
        }
    }

    /// Company configurations (`company/configurations`).
    pub fn configurations(&self) -> ConfigurationsHandler {
        ConfigurationsHandler {
            client: self.clone(),
        }
    }

    /// The procurement catalog (`procurement/catalog`).
    pub fn catalog(&self) -> CatalogHandler {
        CatalogHandler {
            client: self.clone(),
        }
    }

    /// Sales opportunities (`sales/opportunities`).
    pub fn opportunities(&self) -> OpportunitiesHandler {
        OpportunitiesHandler {
            client: self.clone(),
        }
    }
}

/// Companies: `cw.companies()`.
#[derive(Debug, Clone)]
pub struct CompaniesHandler {
    client: ConnectWiseClient,
}

impl CompaniesHandler {
    /// `GET company/companies`.
    pub fn list(&self) -> ListRequest<Company> {
        ListRequest::new(self.client.clone(), "company/companies")
    }

    /// `GET company/companies/{id}`.
    ///
    /// # Errors
    /// Transport, API (404 for an unknown id) or decode errors.
    pub async fn get(&self, id: i64) -> Result<Company> {
        self.client
            .get_decoded(&format!("company/companies/{id}"), &[])
            .await
    }

    /// `GET company/companies/count?conditions=..` (`""` counts all).
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn count(&self, conditions: &str) -> Result<u64> {
        count(&self.client, "company/companies", &cond_query(conditions)).await
    }

    /// The contacts of a company (`company/contacts?conditions=company/id={id}`).
    pub fn contacts(&self, company_id: i64) -> ListRequest<Contact> {
        self.client.contacts().for_company(company_id)
    }

    /// The configurations of a company (`company/configurations?conditions=company/id={id}`).
    pub fn configurations(&self, company_id: i64) -> ListRequest<Configuration> {
        self.client.configurations().for_company(company_id)
    }

    /// The primary contact of a company: its `defaultContact`, else its contact with `defaultFlag`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn primary_contact(&self, company_id: i64) -> Result<Option<Contact>> {
        self.client.contacts().primary_for_company(company_id).await
    }
}

/// Contacts: `cw.contacts()`.
#[derive(Debug, Clone)]
pub struct ContactsHandler {
    client: ConnectWiseClient,
}

impl ContactsHandler {
    /// `GET company/contacts`.
    pub fn list(&self) -> ListRequest<Contact> {
        ListRequest::new(self.client.clone(), "company/contacts")
    }

    /// `GET company/contacts?conditions=company/id={company_id}`; add more with `and_condition`.
    pub fn for_company(&self, company_id: i64) -> ListRequest<Contact> {
        self.list().conditions(format!("company/id={company_id}"))
    }

    /// `GET company/contacts/{id}`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get(&self, id: i64) -> Result<Contact> {
        self.client
            .get_decoded(&format!("company/contacts/{id}"), &[])
            .await
    }

    /// `GET company/contacts/count?conditions=..`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn count(&self, conditions: &str) -> Result<u64> {
        count(&self.client, "company/contacts", &cond_query(conditions)).await
    }

    /// A company's primary contact: the company's `defaultContact` (fetched by id), or
    /// else the company's contact with `defaultFlag=true`. `None` when it has neither.
    ///
    /// # Errors
    /// Transport, API or decode errors (a dangling `defaultContact` falls back to `defaultFlag`).
    pub async fn primary_for_company(&self, company_id: i64) -> Result<Option<Contact>> {
        let company = self.client.companies().get(company_id).await?;
        if let Some(id) = company.default_contact.as_ref().and_then(|r| r.id) {
            match self.get(id).await {
                Ok(c) => return Ok(Some(c)),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let page = self
            .for_company(company_id)
            .and_condition("defaultFlag=true")
            .page_size(1)
            .send()
            .await?;
        Ok(page.items.into_iter().next())
    }
}

/// Company configurations: `cw.configurations()`.
#[derive(Debug, Clone)]
pub struct ConfigurationsHandler {
    client: ConnectWiseClient,
}

impl ConfigurationsHandler {
    /// `GET company/configurations`.
    pub fn list(&self) -> ListRequest<Configuration> {
        ListRequest::new(self.client.clone(), "company/configurations")
    }

    /// `GET company/configurations?conditions=company/id={company_id}`.
    pub fn for_company(&self, company_id: i64) -> ListRequest<Configuration> {
        self.list().conditions(format!("company/id={company_id}"))
    }

    /// `GET company/configurations/{id}`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get(&self, id: i64) -> Result<Configuration> {
        self.client
            .get_decoded(&format!("company/configurations/{id}"), &[])
            .await
    }

    /// `GET company/configurations/count?conditions=..`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn count(&self, conditions: &str) -> Result<u64> {
        count(
            &self.client,
            "company/configurations",
            &cond_query(conditions),
        )
        .await
    }
}

/// The procurement catalog: `cw.catalog()`.
#[derive(Debug, Clone)]
pub struct CatalogHandler {
    client: ConnectWiseClient,
}

impl CatalogHandler {
    /// `GET procurement/catalog`.
    pub fn list(&self) -> ListRequest<CatalogItem> {
        ListRequest::new(self.client.clone(), "procurement/catalog")
    }

    /// `GET procurement/catalog/{id}`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get(&self, id: i64) -> Result<CatalogItem> {
        self.client
            .get_decoded(&format!("procurement/catalog/{id}"), &[])
            .await
    }

    /// The item whose `identifier` equals `identifier` (`conditions=identifier="…"`), if any.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get_by_identifier(&self, identifier: &str) -> Result<Option<CatalogItem>> {
        let page = self
            .list()
            .conditions(format!("identifier={}", condition_string(identifier)))
            .page_size(1)
            .send()
            .await?;
        Ok(page.items.into_iter().next())
    }

    /// `GET procurement/catalog/count?conditions=..`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn count(&self, conditions: &str) -> Result<u64> {
        count(&self.client, "procurement/catalog", &cond_query(conditions)).await
    }

    /// The stock rows of an item (`GET procurement/catalog/{id}/inventory`), one per warehouse bin.
    pub fn inventory(&self, id: i64) -> ListRequest<CatalogInventory> {
        ListRequest::new(
            self.client.clone(),
            format!("procurement/catalog/{id}/inventory"),
        )
    }

    /// Total quantity on hand of an item: the sum of `onHand` over every inventory row.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn on_hand(&self, id: i64) -> Result<f64> {
        self.inventory(id)
            .page_size(MAX_PAGE_SIZE)
            .stream()
            .try_fold(0.0, |acc, row| async move {
                Ok(acc + row.on_hand.unwrap_or(0.0))
            })
            .await
    }
}

/// Sales opportunities: `cw.opportunities()`.
#[derive(Debug, Clone)]
pub struct OpportunitiesHandler {
    client: ConnectWiseClient,
}

impl OpportunitiesHandler {
    /// `GET sales/opportunities`.
    pub fn list(&self) -> ListRequest<Opportunity> {
        ListRequest::new(self.client.clone(), "sales/opportunities")
    }

    /// `GET sales/opportunities/{id}`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get(&self, id: i64) -> Result<Opportunity> {
        self.client
            .get_decoded(&format!("sales/opportunities/{id}"), &[])
            .await
    }

    /// `GET sales/opportunities/count?conditions=..`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn count(&self, conditions: &str) -> Result<u64> {
        count(&self.client, "sales/opportunities", &cond_query(conditions)).await
    }

    /// `GET sales/opportunities/{id}/forecast`, accepted as an object or an array.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn forecast(&self, id: i64) -> Result<Forecast> {
        self.client
            .get_decoded(&format!("sales/opportunities/{id}/forecast"), &[])
            .await
    }

    /// `GET sales/opportunities/{id}/notes`.
    pub fn notes(&self, id: i64) -> ListRequest<OpportunityNote> {
        ListRequest::new(
            self.client.clone(),
            format!("sales/opportunities/{id}/notes"),
        )
    }

    /// `GET sales/opportunities/{id}/contacts`.
    pub fn contacts(&self, id: i64) -> ListRequest<OpportunityContact> {
        ListRequest::new(
            self.client.clone(),
            format!("sales/opportunities/{id}/contacts"),
        )
    }
}
