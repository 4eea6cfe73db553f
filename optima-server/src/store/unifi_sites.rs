//! UniFi site records: the controller's sites as Optima tracks them (`unifi_sites`), each
//! optionally linked to a company. A site is known by its short name on the controller
//! (`site_id`, the name used in API paths); its description is the record's `name`.

use chrono::Utc;
use optima_core::store::new_id;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::UNIFI_SITE;
use super::{SqlStore, StoreError, Stored};
use crate::db::timestamp;

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

fn record_from_row(row: &AnyRow) -> Stored<SiteRecord> {
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

/// What [`SqlStore::upsert_unifi_site`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteChange {
    /// A new record.
    Created,
    /// The record's name changed.
    Renamed,
    /// Nothing changed.
    Unchanged,
}

impl SqlStore {
    /// Every site record, by name.
    pub async fn list_unifi_sites(&self) -> Stored<Vec<SiteRecord>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY s.name, s.id"))
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The site records linked to `company_id`, by name.
    pub async fn unifi_sites_of_company(&self, company_id: &str) -> Stored<Vec<SiteRecord>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE s.company_id = $1 ORDER BY s.name, s.id"
        ))
        .bind(company_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// One site record by Optima's id.
    pub async fn find_unifi_site(&self, id: &str) -> Stored<Option<SiteRecord>> {
        let row = sqlx::query(&format!("{SELECT} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn find_unifi_site_by_site_id(&self, site_id: &str) -> Stored<Option<SiteRecord>> {
        let row = sqlx::query(&format!("{SELECT} WHERE s.site_id = $1"))
            .bind(site_id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// Links the record `id` to `company_id` (or unlinks it with `None`); `None` when there is no
    /// such record. The company must exist (the caller checks; the foreign key insists).
    pub async fn link_unifi_site(
        &self,
        id: &str,
        company_id: Option<&str>,
    ) -> Stored<Option<SiteRecord>> {
        let done = self
            .audited_write(
                &UNIFI_SITE,
                id,
                sqlx::query(
                    "UPDATE unifi_sites SET company_id = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(company_id)
                .bind(timestamp(Utc::now()))
                .bind(id),
            )
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.find_unifi_site(id).await
    }

    async fn rename_unifi_site(&self, id: &str, name: &str, now: &str) -> Stored<()> {
        self.audited_write(
            &UNIFI_SITE,
            id,
            sqlx::query("UPDATE unifi_sites SET name = $1, updated_at = $2 WHERE id = $3")
                .bind(name)
                .bind(now)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Makes sure a record exists for the controller's site `site_id` with this `name`: creates it,
    /// renames it, or leaves it be. Safe against a concurrent upsert of the same site.
    pub async fn upsert_unifi_site(
        &self,
        site_id: &str,
        name: &str,
    ) -> Stored<(SiteRecord, SiteChange)> {
        let now = timestamp(Utc::now());
        if let Some(existing) = self.find_unifi_site_by_site_id(site_id).await? {
            if existing.name == name {
                return Ok((existing, SiteChange::Unchanged));
            }
            self.rename_unifi_site(&existing.id, name, &now).await?;
            let record = self
                .find_unifi_site(&existing.id)
                .await?
                .ok_or(StoreError::from(sqlx::Error::RowNotFound))?;
            return Ok((record, SiteChange::Renamed));
        }
        let id = new_id();
        let inserted = self
            .audited_write(&UNIFI_SITE, &id, sqlx::query(
                    "INSERT INTO unifi_sites (id, name, site_id, company_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, NULL, $4, $4) ON CONFLICT (site_id) DO NOTHING",
                )
                .bind(&id)
                .bind(name)
                .bind(site_id)
                .bind(&now))
            .await?;
        let record = self
            .find_unifi_site_by_site_id(site_id)
            .await?
            .ok_or(StoreError::from(sqlx::Error::RowNotFound))?;
        let change = if inserted.rows_affected() > 0 {
            SiteChange::Created
        } else if record.name == name {
            SiteChange::Unchanged
        } else {
            // Another request created it a moment ago under another name.
            self.rename_unifi_site(&record.id, name, &now).await?;
            let record = self
                .find_unifi_site(&record.id)
                .await?
                .ok_or(StoreError::from(sqlx::Error::RowNotFound))?;
            return Ok((record, SiteChange::Renamed));
        };
        Ok((record, change))
    }
}
