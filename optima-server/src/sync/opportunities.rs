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

/// Inserts or updates (by `existing` row id) an opportunity; `deleted_at` is cleared.
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
    let sql = match existing {
        Some(_) => {
            "UPDATE opportunities SET name = $2, notes = $3, type_ref = $4, stage_ref = $5, status_ref = $6, \
             priority_ref = $7, rating_ref = $8, source = $9, campaign_ref = $10, primary_sales_rep = $11, \
             secondary_sales_rep = $12, company_ref = $13, contact_ref = $14, site_ref = $15, customer_po = $16, \
             total_sales_tax = $17, location_ref = $18, department_ref = $19, expected_close_date = $20, \
             pipeline_change_date = $21, date_became_lead = $22, closed_date = $23, closed_flag = $24, \
             closed_by = $25, cw_company_id = $26, search_key = $27, cw_last_updated = $28, deleted_at = NULL, \
             updated_at = $29 WHERE id = $1"
        }
        None => {
            "INSERT INTO opportunities (id, name, notes, type_ref, stage_ref, status_ref, priority_ref, rating_ref, \
             source, campaign_ref, primary_sales_rep, secondary_sales_rep, company_ref, contact_ref, site_ref, \
             customer_po, total_sales_tax, location_ref, department_ref, expected_close_date, pipeline_change_date, \
             date_became_lead, closed_date, closed_flag, closed_by, cw_company_id, search_key, cw_last_updated, \
             created_at, updated_at, cw_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $29, $30)"
        }
    };
    // Some codebases send a location id rather than a location reference.
    let location = reference_json(&o.location).or_else(|| {
        o.location_id
            .map(|id| serde_json::json!({"id": id, "name": null}).to_string())
    });
    let mut q = sqlx::query(sql)
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
        .bind(now);
    if existing.is_none() {
        q = q.bind(cw_id);
    }
    q.execute(&mut **tx).await?;
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
