//! ConnectWise Manage (PSA): client, handlers, queries and pages.

mod client;
mod handlers;
mod query;

pub use client::{
    ConnectWiseClient, ConnectWiseClientBuilder, DEFAULT_API_VERSION, PatchOperation,
};
pub use handlers::{
    CatalogHandler, CompaniesHandler, ConfigurationsHandler, ContactsHandler, OpportunitiesHandler,
};
pub use query::{
    ItemStream, ListParams, ListRequest, MAX_PAGE_SIZE, Page, PageStream, condition_date,
    condition_string,
};
