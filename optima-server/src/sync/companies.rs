//! Companies from ConnectWise into `companies`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use optima_connectwise::condition_date;
use optima_connectwise::models::Company;
use optima_core::store::new_id;
use sqlx::{Any, Transaction};

use super::{Source, SyncError};
use crate::state::AppState;

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

/// What Optima keeps of a company: its name, identifier, and a lower-cased copy for search.
pub fn search_key(name: &str, identifier: &str) -> String {
    format!("{} {}", name.to_lowercase(), identifier.to_lowercase())
}

#[async_trait]
impl Source for Companies {
    type Item = Company;
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

    async fn write(
        tx: &mut Transaction<'_, Any>,
        item: &Company,
        existing: Option<&str>,
        now: &str,
    ) -> Result<(), sqlx::Error> {
        let name = item.name.clone().unwrap_or_default();
        let identifier = item.identifier.clone().unwrap_or_default();
        let last_updated = Self::last_updated(item).map(crate::db::timestamp);
        let deleted = (item.deleted_flag == Some(true)).then_some(now);
        // An upsert on the ConnectWise id: two writers of the same company cannot trip over
        // the unique `cw_id`; `existing` (when known) keeps the row's id for a new row.
        sqlx::query(
            "INSERT INTO companies (id, cw_id, identifier, name, search_key, cw_last_updated, deleted_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (cw_id) DO UPDATE SET identifier = excluded.identifier, name = excluded.name, \
             search_key = excluded.search_key, cw_last_updated = excluded.cw_last_updated, \
             deleted_at = excluded.deleted_at, updated_at = excluded.updated_at",
        )
        .bind(existing.map(str::to_owned).unwrap_or_else(new_id))
        .bind(item.id)
        .bind(&identifier)
        .bind(&name)
        .bind(search_key(&name, &identifier))
        .bind(last_updated)
        .bind(deleted)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
