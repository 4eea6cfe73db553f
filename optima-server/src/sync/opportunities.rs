//! Sales opportunities from ConnectWise into `opportunities`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use optima_connectwise::models::Opportunity;
use sqlx::{Any, Transaction};

use super::catalog::since_conditions;
use super::{Source, SyncError};
use crate::state::AppState;
use crate::store::Stored;
use crate::store::opportunities::upsert_opportunity;

/// The opportunity sync.
#[derive(Debug, Clone, Copy)]
pub struct Opportunities;

/// Whether an opportunity is closed: ConnectWise's `closedFlag` where the codebase sends one,
/// else whether it has a closed date, else whether its status is named Won, Lost or Closed.
pub fn is_closed(o: &Opportunity) -> bool {
    if let Some(flag) = o.closed_flag {
        return flag;
    }
    if o.closed_date.is_some() {
        return true;
    }
    o.status
        .as_ref()
        .and_then(|s| s.name.as_deref())
        .map(|n| {
            let n = n.trim().to_ascii_lowercase();
            n == "won" || n == "lost" || n.starts_with("closed")
        })
        .unwrap_or(false)
}

#[async_trait]
impl Source for Opportunities {
    type Item = Opportunity;
    type Row = Opportunity;
    const KIND: &'static str = "opportunities";
    const TABLE: &'static str = "opportunities";

    async fn fetch(
        &self,
        state: &AppState,
        since: Option<DateTime<Utc>>,
    ) -> Result<BoxStream<'static, Result<Opportunity, SyncError>>, SyncError> {
        let cw = state
            .integrations
            .connectwise
            .as_ref()
            .ok_or(SyncError::NotConfigured("ConnectWise"))?;
        let mut list = cw.opportunities().list().page_size(1000).order_by("id asc");
        let c = since_conditions(since);
        if !c.is_empty() {
            list = list.conditions(c);
        }
        Ok(list.stream().map(|r| r.map_err(SyncError::from)).boxed())
    }

    async fn count(&self, state: &AppState, since: Option<DateTime<Utc>>) -> Option<u64> {
        let cw = state.integrations.connectwise.as_ref()?;
        cw.opportunities()
            .count(&since_conditions(since))
            .await
            .ok()
    }

    fn vendor_id(item: &Opportunity) -> Option<i64> {
        item.id
    }

    fn last_updated(item: &Opportunity) -> Option<DateTime<Utc>> {
        item.info.as_ref().and_then(|i| i.last_updated)
    }

    fn row(_: i64, item: Opportunity) -> Opportunity {
        item
    }

    async fn write(
        tx: &mut Transaction<'_, Any>,
        item: &Opportunity,
        existing: Option<&str>,
        now: &str,
    ) -> Stored<()> {
        upsert_opportunity(tx, item, existing, now).await
    }
}
