//! Companies from ConnectWise into `companies`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use optima_connectwise::condition_date;
use optima_connectwise::models::Company;
use sqlx::{Any, Transaction};

use super::{Source, SyncError};
use crate::state::AppState;
use crate::store::Stored;
use crate::store::companies::upsert_company;

/// The company sync.
#[derive(Debug, Clone, Copy)]
pub struct Companies;

fn conditions(since: Option<DateTime<Utc>>) -> String {
    // `>=`: records changed in the same second as the watermark are fetched again and found
    // unchanged, rather than missed.
    since
        .map(|s| format!("lastUpdated >= {}", condition_date(s)))
        .unwrap_or_default()
}

#[async_trait]
impl Source for Companies {
    type Item = Company;
    type Row = Company;
    const KIND: &'static str = "companies";
    const TABLE: &'static str = "companies";

    async fn fetch(
        &self,
        state: &AppState,
        since: Option<DateTime<Utc>>,
    ) -> Result<BoxStream<'static, Result<Company, SyncError>>, SyncError> {
        let cw = state
            .integrations
            .connectwise
            .as_ref()
            .ok_or(SyncError::NotConfigured("ConnectWise"))?;
        let mut list = cw.companies().list().page_size(1000).order_by("id asc");
        let c = conditions(since);
        if !c.is_empty() {
            list = list.conditions(c);
        }
        Ok(list.stream().map(|r| r.map_err(SyncError::from)).boxed())
    }

    async fn count(&self, state: &AppState, since: Option<DateTime<Utc>>) -> Option<u64> {
        let cw = state.integrations.connectwise.as_ref()?;
        cw.companies().count(&conditions(since)).await.ok()
    }

    fn vendor_id(item: &Company) -> Option<i64> {
        item.id
    }

    fn last_updated(item: &Company) -> Option<DateTime<Utc>> {
        item.info.as_ref().and_then(|i| i.last_updated)
    }

    fn row(_: i64, item: Company) -> Company {
        item
    }

    async fn write(
        tx: &mut Transaction<'_, Any>,
        item: &Company,
        existing: Option<&str>,
        now: &str,
    ) -> Stored<()> {
        let last_updated = Self::last_updated(item).map(crate::db::timestamp);
        upsert_company(tx, item, last_updated, existing, now).await
    }
}
