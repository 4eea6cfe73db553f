//! UniFi site records: the controller's sites as Optima tracks them (`unifi_sites`), each
//! optionally linked to a company, and the sync that copies them from the controller.
//!
//! A site is known by its short name on the controller (`site_id`, the name used in API paths);
//! its description is the record's `name`. Syncing creates a record for every site not yet
//! tracked and renames records whose description changed. Sites that disappear from the
//! controller keep their record (and their company link): they are only counted.

use std::time::Instant;

use chrono::Utc;
use optima_core::store::new_id;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SyncError, SyncReport, WhenBusy};
use crate::db::{Db, timestamp};
use crate::state::AppState;

/// The name of this sync in reports and locks.
pub const UNIFI_SITES_KIND: &str = "unifi-sites";

/// A UniFi site record, with the name of its company when linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRecord {
    /// Optima's id.
    pub id: String,
    /// The site's description on the controller.
    pub name: String,
    /// The controller's short site name (used in its API paths).
    pub site_id: String,
    /// The linked company, if any.
    pub company_id: Option<String>,
    /// The linked company's name, when it is linked.
    pub company_name: Option<String>,
    /// When the record was created (RFC 3339).
    pub created_at: String,
    /// When the record last changed (RFC 3339).
    pub updated_at: String,
}

const SELECT: &str = "SELECT s.id, s.name, s.site_id, s.company_id, c.name AS company_name, \
                      s.created_at, s.updated_at \
                      FROM unifi_sites s LEFT JOIN companies c ON c.id = s.company_id";

fn record_from_row(row: &AnyRow) -> Result<SiteRecord, sqlx::Error> {
    Ok(SiteRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        site_id: row.try_get("site_id")?,
        company_id: row.try_get("company_id")?,
        company_name: row.try_get("company_name")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Every site record, by name.
pub async fn list_sites(db: &Db) -> Result<Vec<SiteRecord>, sqlx::Error> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY s.name, s.id"))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(record_from_row).collect()
}

/// The site records linked to `company_id`, by name.
pub async fn sites_of_company(db: &Db, company_id: &str) -> Result<Vec<SiteRecord>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE s.company_id = $1 ORDER BY s.name, s.id"
    ))
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(record_from_row).collect()
}

/// One site record by Optima's id.
pub async fn find_site(db: &Db, id: &str) -> Result<Option<SiteRecord>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(record_from_row).transpose()
}

async fn find_by_site_id(db: &Db, site_id: &str) -> Result<Option<SiteRecord>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE s.site_id = $1"))
        .bind(site_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(record_from_row).transpose()
}

/// Links the record `id` to `company_id` (or unlinks it with `None`); `None` when there is no
/// such record. The company must exist (the caller checks; the foreign key insists).
pub async fn set_company(
    db: &Db,
    id: &str,
    company_id: Option<&str>,
) -> Result<Option<SiteRecord>, sqlx::Error> {
    let done = sqlx::query("UPDATE unifi_sites SET company_id = $1, updated_at = $2 WHERE id = $3")
        .bind(company_id)
        .bind(timestamp(Utc::now()))
        .bind(id)
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    find_site(db, id).await
}

/// What [`upsert_site`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteChange {
    /// A new record.
    Created,
    /// The record's name changed.
    Renamed,
    /// Nothing changed.
    Unchanged,
}

/// Makes sure a record exists for the controller's site `site_id` with this `name`: creates it,
/// renames it, or leaves it be. Safe against a concurrent upsert of the same site.
pub async fn upsert_site(
    db: &Db,
    site_id: &str,
    name: &str,
) -> Result<(SiteRecord, SiteChange), sqlx::Error> {
    let now = timestamp(Utc::now());
    if let Some(existing) = find_by_site_id(db, site_id).await? {
        if existing.name == name {
            return Ok((existing, SiteChange::Unchanged));
        }
        sqlx::query("UPDATE unifi_sites SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(name)
            .bind(&now)
            .bind(&existing.id)
            .execute(&db.pool)
            .await?;
        let record = find_site(db, &existing.id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        return Ok((record, SiteChange::Renamed));
    }
    let inserted = sqlx::query(
        "INSERT INTO unifi_sites (id, name, site_id, company_id, created_at, updated_at) \
         VALUES ($1, $2, $3, NULL, $4, $4) ON CONFLICT (site_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(name)
    .bind(site_id)
    .bind(&now)
    .execute(&db.pool)
    .await?;
    let record = find_by_site_id(db, site_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let change = if inserted.rows_affected() > 0 {
        SiteChange::Created
    } else if record.name == name {
        SiteChange::Unchanged
    } else {
        // Another request created it a moment ago under another name.
        sqlx::query("UPDATE unifi_sites SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(name)
            .bind(&now)
            .bind(&record.id)
            .execute(&db.pool)
            .await?;
        let record = find_site(db, &record.id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        return Ok((record, SiteChange::Renamed));
    };
    Ok((record, change))
}

/// The outcome of a site sync.
#[derive(Debug, Clone)]
pub struct SiteSync {
    /// The record of every site the controller listed, in the controller's order.
    pub records: Vec<SiteRecord>,
    /// The counts (`deleted` is always 0: records of vanished sites are kept).
    pub report: SyncReport,
    /// Records whose site the controller no longer lists (kept, not deleted).
    pub missing: u64,
}

/// Copies the controller's sites into `unifi_sites`: new sites get a record, renamed sites
/// are renamed. One sync at a time, across processes too; a second is [`SyncError::Busy`].
pub async fn sync_unifi_sites(state: &AppState) -> Result<SiteSync, SyncError> {
    sync_unifi_sites_with(state, WhenBusy::Fail).await
}

/// [`sync_unifi_sites`], waiting for a running site sync when `when_busy` says so.
pub async fn sync_unifi_sites_with(
    state: &AppState,
    when_busy: WhenBusy,
) -> Result<SiteSync, SyncError> {
    let result = if state.integrations.unifi.is_none() {
        Err(SyncError::NotConfigured("UniFi"))
    } else {
        match super::lock_kind(state, UNIFI_SITES_KIND, when_busy).await {
            Ok(lock) => {
                let result = sync_locked(state).await;
                lock.release().await;
                result
            }
            Err(busy) => Err(busy),
        }
    };
    crate::metrics::sync_run(UNIFI_SITES_KIND, result.as_ref().map(|s| &s.report));
    result
}

async fn sync_locked(state: &AppState) -> Result<SiteSync, SyncError> {
    let unifi = state
        .integrations
        .unifi
        .as_ref()
        .ok_or(SyncError::NotConfigured("UniFi"))?;
    let started = Instant::now();
    let sites = unifi.sites().list().await?;
    let db = state.store.db();
    let mut report = SyncReport {
        kind: UNIFI_SITES_KIND.to_owned(),
        full: true,
        ..SyncReport::default()
    };
    let mut records = Vec::with_capacity(sites.len());
    let mut seen = std::collections::HashSet::new();
    for site in sites {
        report.fetched += 1;
        let Some(site_id) = site.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            report.skipped += 1;
            continue;
        };
        if !seen.insert(site_id.to_owned()) {
            continue;
        }
        let name = site
            .desc
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(site_id);
        let (record, change) = upsert_site(db, site_id, name).await?;
        match change {
            SiteChange::Created => report.created += 1,
            SiteChange::Renamed => report.updated += 1,
            SiteChange::Unchanged => report.unchanged += 1,
        }
        records.push(record);
    }
    let missing = list_sites(db)
        .await?
        .iter()
        .filter(|r| !seen.contains(&r.site_id))
        .count() as u64;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(%report, missing, "UniFi site sync finished");
    Ok(SiteSync {
        records,
        report,
        missing,
    })
}
