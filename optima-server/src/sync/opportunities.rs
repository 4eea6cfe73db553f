//! Sales opportunities from ConnectWise into `opportunities`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use optima_connectwise::models::{Opportunity, Reference};
use optima_core::store::new_id;
use sqlx::{Any, Transaction};

use super::catalog::since_conditions;
use super::{Source, SyncError};
use crate::db::timestamp;
use crate::state::AppState;

/// The opportunity sync.
#[derive(Debug, Clone, Copy)]
pub struct Opportunities;

/// A ConnectWise reference as Optima keeps it: `{"id", "identifier"?, "name"}` as JSON text.
pub fn reference_json(r: &Option<Reference>) -> Option<String> {
    let r = r.as_ref()?;
    if r.id.is_none() && r.name.is_none() && r.identifier.is_none() {
        return None;
    }
    let mut map = serde_json::Map::new();
    map.insert("id".into(), r.id.into());
    if let Some(identifier) = &r.identifier {
        map.insert("identifier".into(), identifier.clone().into());
    }
    map.insert("name".into(), r.name.clone().into());
    Some(serde_json::Value::Object(map).to_string())
}

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

/// Inserts or updates an opportunity by its ConnectWise id; `existing` is the row's id when
/// the caller knows it (a new row gets a new id).
pub async fn write_opportunity(
    tx: &mut Transaction<'_, Any>,
    o: &Opportunity,
    existing: Option<&str>,
    now: &str,
) -> Result<(), sqlx::Error> {
    let Some(cw_id) = o.id else {
        return Ok(());
    };
    let name = o.name.clone().unwrap_or_default();
    // An upsert on the ConnectWise id: two writers of the same opportunity (a sync and a
    // refresh, or two processes) cannot trip over the unique `cw_id`. `deleted_at` is cleared.
    let sql = "INSERT INTO opportunities (id, name, notes, type_ref, stage_ref, status_ref, priority_ref, rating_ref, \
         source, campaign_ref, primary_sales_rep, secondary_sales_rep, company_ref, contact_ref, site_ref, \
         customer_po, total_sales_tax, location_ref, department_ref, expected_close_date, pipeline_change_date, \
         date_became_lead, closed_date, closed_flag, closed_by, cw_company_id, search_key, cw_last_updated, \
         created_at, updated_at, cw_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $29, $30) \
         ON CONFLICT (cw_id) DO UPDATE SET name = excluded.name, notes = excluded.notes, \
         type_ref = excluded.type_ref, stage_ref = excluded.stage_ref, \
         status_ref = excluded.status_ref, priority_ref = excluded.priority_ref, \
         rating_ref = excluded.rating_ref, source = excluded.source, \
         campaign_ref = excluded.campaign_ref, primary_sales_rep = excluded.primary_sales_rep, \
         secondary_sales_rep = excluded.secondary_sales_rep, company_ref = excluded.company_ref, \
         contact_ref = excluded.contact_ref, site_ref = excluded.site_ref, \
         customer_po = excluded.customer_po, total_sales_tax = excluded.total_sales_tax, \
         location_ref = excluded.location_ref, department_ref = excluded.department_ref, \
         expected_close_date = excluded.expected_close_date, \
         pipeline_change_date = excluded.pipeline_change_date, \
         date_became_lead = excluded.date_became_lead, closed_date = excluded.closed_date, \
         closed_flag = excluded.closed_flag, closed_by = excluded.closed_by, \
         cw_company_id = excluded.cw_company_id, search_key = excluded.search_key, \
         cw_last_updated = excluded.cw_last_updated, updated_at = excluded.updated_at, \
         deleted_at = NULL";
    // Some codebases send a location id rather than a location reference.
    let location = reference_json(&o.location).or_else(|| {
        o.location_id
            .map(|id| serde_json::json!({"id": id, "name": null}).to_string())
    });
    sqlx::query(sql)
        .bind(existing.map(str::to_owned).unwrap_or_else(new_id))
        .bind(&name)
        .bind(o.notes.clone().filter(|n| !n.is_empty()))
        .bind(reference_json(&o.type_))
        .bind(reference_json(&o.stage))
        .bind(reference_json(&o.status))
        .bind(reference_json(&o.priority))
        .bind(reference_json(&o.rating))
        .bind(o.source.clone().filter(|s| !s.is_empty()))
        .bind(reference_json(&o.campaign))
        .bind(reference_json(&o.primary_sales_rep))
        .bind(reference_json(&o.secondary_sales_rep))
        .bind(reference_json(&o.company))
        .bind(reference_json(&o.contact))
        .bind(reference_json(&o.site))
        .bind(o.customer_po.clone().filter(|s| !s.is_empty()))
        .bind(o.total_sales_tax)
        .bind(location)
        .bind(reference_json(&o.department))
        .bind(o.expected_close_date.map(timestamp))
        .bind(o.pipeline_change_date.map(timestamp))
        .bind(o.date_became_lead.map(timestamp))
        .bind(o.closed_date.map(timestamp))
        .bind(i64::from(is_closed(o)))
        .bind(reference_json(&o.closed_by))
        .bind(o.company.as_ref().and_then(|c| c.id))
        .bind(super::catalog::truncate(
            name.to_lowercase(),
            super::catalog::MAX_SEARCH_KEY,
        ))
        .bind(o.info.as_ref().and_then(|i| i.last_updated).map(timestamp))
        .bind(now)
        .bind(cw_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl Source for Opportunities {
    type Item = Opportunity;
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

    async fn write(
        tx: &mut Transaction<'_, Any>,
        item: &Opportunity,
        existing: Option<&str>,
        now: &str,
    ) -> Result<(), sqlx::Error> {
        write_opportunity(tx, item, existing, now).await
    }
}
