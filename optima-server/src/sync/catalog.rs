//! Procurement catalog items from ConnectWise into `catalog_items`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use optima_connectwise::models::CatalogItem;
use sqlx::{Any, Transaction};

use super::{Source, SyncError};
use crate::db::timestamp;
use crate::state::AppState;
use crate::store::Stored;
use crate::store::catalog::upsert_catalog_items;

/// The catalog sync. On-hand stock is not part of it (it would cost one request per item);
/// `POST /procurement/items/{id}/refresh-inventory` fetches it, and a sync keeps what it found.
#[derive(Debug, Clone, Copy)]
pub struct CatalogItems;

pub(crate) fn since_conditions(since: Option<DateTime<Utc>>) -> String {
    // `>=`: records changed in the same second as the watermark are fetched again and found
    // unchanged, rather than missed.
    since
        .map(|s| format!("lastUpdated >= {}", optima_connectwise::condition_date(s)))
        .unwrap_or_default()
}

/// The columns Optima keeps of a catalog item, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogRow {
    /// ConnectWise identifier (the product id as entered).
    pub identifier: String,
    /// Display name: ConnectWise's one-line `description`, else the identifier.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `customerDescription`.
    pub customer_description: Option<String>,
    /// `notes`.
    pub internal_notes: Option<String>,
    /// `manufacturer.name`.
    pub manufacturer: Option<String>,
    /// `manufacturer.id`.
    pub manufacturer_cw_id: Option<i64>,
    /// `manufacturerPartNumber`.
    pub part_number: Option<String>,
    /// `vendor.name`.
    pub vendor_name: Option<String>,
    /// `vendorSku`.
    pub vendor_sku: Option<String>,
    /// `vendor.id`.
    pub vendor_cw_id: Option<i64>,
    /// `price`.
    pub price: Option<f64>,
    /// `cost`.
    pub cost: Option<f64>,
    /// `inactiveFlag`.
    pub inactive: bool,
    /// `taxableFlag`.
    pub sales_taxable: bool,
    /// Lower-cased name, identifier, description, part number, vendor SKU and manufacturer,
    /// searched by the list route.
    pub search_key: String,
    /// `_info.lastUpdated`.
    pub cw_last_updated: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Longest search key kept (bytes): it is indexed, and PostgreSQL's btree entries are bounded.
pub(crate) const MAX_SEARCH_KEY: usize = 1000;

/// `s` cut to at most `max` bytes, on a character boundary.
pub(crate) fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

impl CatalogRow {
    /// Maps a ConnectWise catalog item to Optima's columns.
    pub fn from_cw(item: &CatalogItem) -> CatalogRow {
        let identifier = non_empty(&item.identifier).unwrap_or_default();
        let description = non_empty(&item.description);
        let name = description.clone().unwrap_or_else(|| identifier.clone());
        let manufacturer = item.manufacturer.as_ref().and_then(|m| non_empty(&m.name));
        let vendor_name = item.vendor.as_ref().and_then(|v| non_empty(&v.name));
        let part_number = non_empty(&item.manufacturer_part_number);
        let vendor_sku = non_empty(&item.vendor_sku);
        let customer_description = non_empty(&item.customer_description);
        let mut search_key = String::new();
        for part in [
            Some(&name),
            Some(&identifier),
            description.as_ref().filter(|d| **d != name),
            part_number.as_ref(),
            vendor_sku.as_ref(),
            manufacturer.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if !search_key.is_empty() {
                search_key.push(' ');
            }
            search_key.push_str(&part.to_lowercase());
        }
        let search_key = truncate(search_key, MAX_SEARCH_KEY);
        CatalogRow {
            identifier,
            name,
            description,
            customer_description,
            internal_notes: non_empty(&item.notes),
            manufacturer,
            manufacturer_cw_id: item.manufacturer.as_ref().and_then(|m| m.id),
            part_number,
            vendor_name,
            vendor_sku,
            vendor_cw_id: item.vendor.as_ref().and_then(|v| v.id),
            price: item.price,
            cost: item.cost,
            inactive: item.inactive_flag.unwrap_or(false),
            sales_taxable: item.taxable_flag.unwrap_or(false),
            search_key,
            cw_last_updated: item
                .info
                .as_ref()
                .and_then(|i| i.last_updated)
                .map(timestamp),
        }
    }
}

#[async_trait]
impl Source for CatalogItems {
    type Item = CatalogItem;
    type Row = (i64, CatalogRow);
    const KIND: &'static str = "catalog";
    const TABLE: &'static str = "catalog_items";

    async fn fetch(
        &self,
        state: &AppState,
        since: Option<DateTime<Utc>>,
    ) -> Result<BoxStream<'static, Result<CatalogItem, SyncError>>, SyncError> {
        let cw = state
            .integrations
            .connectwise
            .as_ref()
            .ok_or(SyncError::NotConfigured("ConnectWise"))?;
        let mut list = cw.catalog().list().page_size(1000).order_by("id asc");
        let c = since_conditions(since);
        if !c.is_empty() {
            list = list.conditions(c);
        }
        Ok(list.stream().map(|r| r.map_err(SyncError::from)).boxed())
    }

    async fn count(&self, state: &AppState, since: Option<DateTime<Utc>>) -> Option<u64> {
        let cw = state.integrations.connectwise.as_ref()?;
        cw.catalog().count(&since_conditions(since)).await.ok()
    }

    fn vendor_id(item: &CatalogItem) -> Option<i64> {
        item.id
    }

    fn last_updated(item: &CatalogItem) -> Option<DateTime<Utc>> {
        item.info.as_ref().and_then(|i| i.last_updated)
    }

    fn row(vendor_id: i64, item: CatalogItem) -> (i64, CatalogRow) {
        (vendor_id, CatalogRow::from_cw(&item))
    }

    async fn write(
        tx: &mut Transaction<'_, Any>,
        (cw_id, row): &(i64, CatalogRow),
        existing: Option<&str>,
        now: &str,
    ) -> Stored<()> {
        upsert_catalog_items(tx, &[(*cw_id, row, existing)], now).await
    }

    async fn write_batch(
        tx: &mut Transaction<'_, Any>,
        rows: &[((i64, CatalogRow), Option<String>)],
        now: &str,
    ) -> Stored<()> {
        let rows: Vec<_> = rows
            .iter()
            .map(|((cw_id, row), existing)| (*cw_id, row, existing.as_deref()))
            .collect();
        upsert_catalog_items(tx, &rows, now).await
    }
}
