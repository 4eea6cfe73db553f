//! Companies synced from ConnectWise: the rows the sync upserts and the API lists.

use optima_connectwise::models::Company;
use optima_core::store::new_id;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::listing::{ListedPage, Listing};
use super::{SqlStore, Stored};
use crate::api::companies::models::CompanyOut;
use crate::api::pagination::PageRequest;

/// A company's columns, as `company_from_row` reads them (a macro so `concat!` can use it).
macro_rules! company_columns {
    () => {
        "id, name, cw_id, identifier"
    };
}
const COLUMNS: &str = company_columns!();

/// Live companies, for lists.
const COMPANIES: Listing<CompanyOut> = Listing {
    table: "companies",
    alias: "",
    select: concat!("SELECT ", company_columns!(), " FROM companies"),
    from_row: company_from_row,
    id: |company| &company.id,
    by_name: None,
};

fn company_from_row(row: &AnyRow) -> Stored<CompanyOut> {
    Ok(CompanyOut {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        cw_company_id: row.try_get("cw_id")?,
        cw_identifier: row.try_get("identifier")?,
    })
}

/// What a company search matches: its name and identifier, lower-cased.
pub fn search_key(name: &str, identifier: &str) -> String {
    format!("{} {}", name.to_lowercase(), identifier.to_lowercase())
}

impl SqlStore {
    /// A live company (not marked deleted) by Optima id, or by ConnectWise id when numeric.
    pub async fn find_company(&self, identifier: &str) -> Stored<Option<CompanyOut>> {
        let pool = &self.db.pool;
        let mut row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM companies WHERE id = $1 AND deleted_at IS NULL"
        ))
        .bind(identifier)
        .fetch_optional(pool)
        .await?;
        if row.is_none()
            && let Ok(cw_id) = identifier.parse::<i64>()
        {
            row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM companies WHERE cw_id = $1 AND deleted_at IS NULL"
            ))
            .bind(cw_id)
            .fetch_optional(pool)
            .await?;
        }
        row.as_ref().map(company_from_row).transpose()
    }

    /// A company's name by Optima id, marked-deleted companies included.
    pub async fn company_name(&self, id: &str) -> Stored<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?,
        )
    }

    /// One page of live companies in name order, matching `search` (unless blank) anywhere in
    /// the name or identifier; with how many match in all.
    pub async fn companies_page(
        &self,
        search: &str,
        paging: &PageRequest,
    ) -> Stored<ListedPage<CompanyOut>> {
        COMPANIES
            .page(&self.db, &["deleted_at IS NULL"], search, None, paging)
            .await
    }
}

/// Writes a company from ConnectWise inside a sync's transaction: an upsert on the ConnectWise
/// id, so two writers of the same company cannot trip over the unique `cw_id`; `existing` (when
/// known) keeps the row's id for a new row.
pub async fn upsert_company(
    tx: &mut Transaction<'_, Any>,
    item: &Company,
    last_updated: Option<String>,
    existing: Option<&str>,
    now: &str,
) -> Stored<()> {
    let name = item.name.clone().unwrap_or_default();
    let identifier = item.identifier.clone().unwrap_or_default();
    let deleted = (item.deleted_flag == Some(true)).then_some(now);
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
