//! Sales opportunities synced from ConnectWise: the rows the sync and the refresh route upsert
//! and the API lists.

use optima_connectwise::models::{Opportunity, Reference};
use optima_core::store::new_id;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::audit::{OPPORTUNITY, Recorder};
use super::listing::{ListedPage, Listing};
use super::{SqlStore, Stored};
use crate::api::pagination::PageRequest;
use crate::api::sales::models::{CwRef, OpportunityOut};
use crate::db::timestamp;

const SELECT: &str = "SELECT o.id, o.cw_id, o.name, o.notes, o.type_ref, o.stage_ref, o.status_ref, \
     o.priority_ref, o.rating_ref, o.source, o.campaign_ref, o.primary_sales_rep, o.secondary_sales_rep, \
     o.company_ref, o.contact_ref, o.site_ref, o.customer_po, o.total_sales_tax, o.location_ref, \
     o.department_ref, o.expected_close_date, o.pipeline_change_date, o.date_became_lead, o.closed_date, \
     o.closed_flag, o.closed_by, o.cw_last_updated, o.created_at, o.updated_at, c.id AS optima_company_id \
     FROM opportunities o LEFT JOIN companies c ON c.cw_id = o.cw_company_id AND c.deleted_at IS NULL";

/// Opportunities with their Optima company, for lists.
const OPPORTUNITIES: Listing<OpportunityOut> = Listing {
    table: "opportunities",
    alias: "o",
    select: SELECT,
    from_row: opportunity_from_row,
    id: |o| &o.id,
    by_name: None,
};

fn opportunity_from_row(row: &AnyRow) -> Stored<OpportunityOut> {
    let r = |column: &str| -> Stored<Option<CwRef>> {
        let text: Option<String> = row.try_get(column)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    Ok(OpportunityOut {
        id: row.try_get("id")?,
        cw_opportunity_id: row.try_get("cw_id")?,
        name: row.try_get("name")?,
        notes: row.try_get("notes")?,
        type_: r("type_ref")?,
        stage: r("stage_ref")?,
        status: r("status_ref")?,
        priority: r("priority_ref")?,
        rating: r("rating_ref")?,
        source: row.try_get("source")?,
        campaign: r("campaign_ref")?,
        primary_sales_rep: r("primary_sales_rep")?,
        secondary_sales_rep: r("secondary_sales_rep")?,
        company: r("company_ref")?,
        contact: r("contact_ref")?,
        site: r("site_ref")?,
        customer_po: row.try_get("customer_po")?,
        total_sales_tax: row.try_get("total_sales_tax")?,
        location: r("location_ref")?,
        department: r("department_ref")?,
        expected_close_date: row.try_get("expected_close_date")?,
        pipeline_change_date: row.try_get("pipeline_change_date")?,
        date_became_lead: row.try_get("date_became_lead")?,
        closed_date: row.try_get("closed_date")?,
        closed_flag: row.try_get::<i64, _>("closed_flag")? != 0,
        closed_by: r("closed_by")?,
        company_id: row.try_get("optima_company_id")?,
        cw_last_updated: row.try_get("cw_last_updated")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl SqlStore {
    /// An opportunity not marked deleted, by Optima id, or by ConnectWise id when numeric.
    pub async fn find_opportunity(&self, identifier: &str) -> Stored<Option<OpportunityOut>> {
        let pool = &self.db.pool;
        let mut row = sqlx::query(&format!(
            "{SELECT} WHERE o.id = $1 AND o.deleted_at IS NULL"
        ))
        .bind(identifier)
        .fetch_optional(pool)
        .await?;
        if row.is_none()
            && let Ok(cw_id) = identifier.trim().parse::<i64>()
        {
            row = sqlx::query(&format!(
                "{SELECT} WHERE o.cw_id = $1 AND o.deleted_at IS NULL"
            ))
            .bind(cw_id)
            .fetch_optional(pool)
            .await?;
        }
        row.as_ref().map(opportunity_from_row).transpose()
    }

    /// One page of opportunities in name order (closed ones only when asked), matching `search`
    /// unless it is blank; with how many match in all.
    pub async fn opportunities_page(
        &self,
        include_closed: bool,
        search: &str,
        paging: &PageRequest,
    ) -> Stored<ListedPage<OpportunityOut>> {
        let mut conditions = vec!["deleted_at IS NULL"];
        if !include_closed {
            conditions.push("closed_flag = 0");
        }
        OPPORTUNITIES
            .page(&self.db, &conditions, search, None, paging)
            .await
    }

    /// How many opportunities there are (not counting those deleted in ConnectWise), or open ones
    /// only.
    pub async fn count_opportunities(&self, open_only: bool) -> Stored<i64> {
        let filter = if open_only {
            "deleted_at IS NULL AND closed_flag = 0"
        } else {
            "deleted_at IS NULL"
        };
        Ok(self.db.live_count("opportunities", filter).await?)
    }

    /// Optima's id of the opportunity with this ConnectWise id, deleted or not.
    pub async fn opportunity_id(&self, cw_id: i64) -> Stored<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM opportunities WHERE cw_id = $1")
                .bind(cw_id)
                .fetch_optional(&self.db.pool)
                .await?,
        )
    }

    /// Marks an opportunity deleted (ConnectWise no longer has it).
    pub async fn mark_opportunity_deleted(&self, id: &str, now: &str) -> Stored<()> {
        self.audited_write(
            &OPPORTUNITY,
            id,
            sqlx::query("UPDATE opportunities SET deleted_at = $1, updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Writes one opportunity as ConnectWise has it now, in its own transaction.
    pub async fn save_opportunity(
        &self,
        live: &Opportunity,
        existing: Option<&str>,
        now: &str,
    ) -> Stored<()> {
        let mut tx = self.db.begin().await?;
        // A new row's id is made by the upsert: only a known one is audited here (a new one is
        // recorded after the request, without a difference).
        let audit = match existing {
            Some(id) => Some(Recorder::before(&mut tx, &OPPORTUNITY, id).await?),
            None => None,
        };
        upsert_opportunity(&mut tx, live, existing, now).await?;
        if let Some(audit) = audit {
            audit.after(&mut tx, self.db.backend).await?;
        }
        Ok(tx.commit().await?)
    }
}

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

/// Inserts or updates an opportunity by its ConnectWise id; `existing` is the row's id when
/// the caller knows it (a new row gets a new id).
pub async fn upsert_opportunity(
    tx: &mut Transaction<'_, Any>,
    o: &Opportunity,
    existing: Option<&str>,
    now: &str,
) -> Stored<()> {
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
        .bind(i64::from(crate::sync::is_closed(o)))
        .bind(reference_json(&o.closed_by))
        .bind(o.company.as_ref().and_then(|c| c.id))
        .bind(crate::sync::catalog::truncate(
            name.to_lowercase(),
            crate::sync::catalog::MAX_SEARCH_KEY,
        ))
        .bind(o.info.as_ref().and_then(|i| i.last_updated).map(timestamp))
        .bind(now)
        .bind(cw_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
