//! The procurement catalog: items synced from ConnectWise, their on-hand stock, and the links
//! between items (Optima's own data).

use optima_core::store::new_id;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::audit::CATALOG_ITEM;
use super::listing::{ListedPage, Listing, NameOrderedIndex};
use super::{SqlStore, Stored};
use crate::api::pagination::PageRequest;
use crate::api::procurement::models::CatalogItemOut;
use crate::sync::CatalogRow;

/// A catalog item's columns, as `item_from_row` reads them (a macro so `concat!` can use it).
macro_rules! item_columns {
    () => {
        "id, cw_id, identifier, name, description, customer_description, internal_notes, \
     manufacturer, manufacturer_cw_id, part_number, vendor_name, vendor_sku, vendor_cw_id, price, cost, \
     inactive, sales_taxable, on_hand, cw_last_updated, created_at, updated_at"
    };
}
const COLUMNS: &str = item_columns!();

/// Catalog items, for lists.
const CATALOG: Listing<CatalogItemOut> = Listing {
    table: "catalog_items",
    alias: "",
    select: concat!("SELECT ", item_columns!(), " FROM catalog_items"),
    from_row: item_from_row,
    id: |item| &item.id,
    by_name: Some(NameOrderedIndex {
        fts: "catalog_items_by_name_fts",
        buckets: "catalog_items_name_buckets",
        postgres_copy: "catalog_items_by_name",
    }),
};

fn item_from_row(row: &AnyRow) -> Stored<CatalogItemOut> {
    Ok(CatalogItemOut {
        id: row.try_get("id")?,
        cw_catalog_id: row.try_get("cw_id")?,
        identifier: row.try_get("identifier")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        customer_description: row.try_get("customer_description")?,
        internal_notes: row.try_get("internal_notes")?,
        manufacturer: row.try_get("manufacturer")?,
        manufacture_cw_id: row.try_get("manufacturer_cw_id")?,
        part_number: row.try_get("part_number")?,
        vendor_name: row.try_get("vendor_name")?,
        vendor_sku: row.try_get("vendor_sku")?,
        vendor_cw_id: row.try_get("vendor_cw_id")?,
        price: row.try_get("price")?,
        cost: row.try_get("cost")?,
        inactive: row.try_get::<i64, _>("inactive")? != 0,
        sales_taxable: row.try_get::<i64, _>("sales_taxable")? != 0,
        on_hand: row.try_get("on_hand")?,
        cw_last_updated: row.try_get("cw_last_updated")?,
        linked_items: None,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// How an item may be named in a path or body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKey {
    /// Optima's id or the ConnectWise catalog id.
    IdOrCwId,
    /// Also the ConnectWise identifier string.
    AnyIdentifier,
}

impl SqlStore {
    /// A catalog item not marked deleted, by Optima id, ConnectWise id (numeric), or — with
    /// [`ItemKey::AnyIdentifier`] — ConnectWise identifier, tried in that order.
    pub async fn find_catalog_item(
        &self,
        identifier: &str,
        key: ItemKey,
    ) -> Stored<Option<CatalogItemOut>> {
        let pool = &self.db.pool;
        let by = |column: &str| {
            format!(
                "SELECT {COLUMNS} FROM catalog_items WHERE {column} = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1"
            )
        };
        let mut row = sqlx::query(&by("id"))
            .bind(identifier)
            .fetch_optional(pool)
            .await?;
        if row.is_none()
            && let Ok(cw_id) = identifier.trim().parse::<i64>()
        {
            row = sqlx::query(&by("cw_id"))
                .bind(cw_id)
                .fetch_optional(pool)
                .await?;
        }
        if row.is_none() && key == ItemKey::AnyIdentifier {
            row = sqlx::query(&by("identifier"))
                .bind(identifier)
                .fetch_optional(pool)
                .await?;
        }
        row.as_ref().map(item_from_row).transpose()
    }

    /// The live items `source_id` links to, by name.
    pub async fn linked_catalog_items(&self, source_id: &str) -> Stored<Vec<CatalogItemOut>> {
        let columns = COLUMNS
            .split(", ")
            .map(|c| format!("t.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns} FROM catalog_links l JOIN catalog_items t ON t.id = l.target_id \
         WHERE l.source_id = $1 AND t.deleted_at IS NULL ORDER BY t.name, t.id"
        ))
        .bind(source_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// One page of catalog items in name order (inactive ones only when asked), matching
    /// `search` unless it is blank; with how many match in all.
    pub async fn catalog_page(
        &self,
        include_inactive: bool,
        search: &str,
        paging: &PageRequest,
    ) -> Stored<ListedPage<CatalogItemOut>> {
        let mut conditions = vec!["deleted_at IS NULL"];
        // The search index keeps live items' keys by state (migration 15): active items in one
        // column, inactive ones in the other, deleted ones in neither.
        let mut index_columns = "{active_key inactive_key}";
        if !include_inactive {
            conditions.push("inactive = 0");
            index_columns = "active_key";
        }
        CATALOG
            .page(&self.db, &conditions, search, Some(index_columns), paging)
            .await
    }

    /// How many catalog items there are (not counting items deleted in ConnectWise), or active
    /// ones only.
    pub async fn count_catalog_items(&self, active_only: bool) -> Stored<i64> {
        let filter = if active_only {
            "deleted_at IS NULL AND inactive = 0"
        } else {
            "deleted_at IS NULL"
        };
        Ok(self.db.live_count("catalog_items", filter).await?)
    }

    /// Keeps an item's on-hand stock as ConnectWise last reported it.
    pub async fn set_on_hand(&self, id: &str, on_hand: f64, now: &str) -> Stored<()> {
        self.audited_write(
            &CATALOG_ITEM,
            id,
            sqlx::query("UPDATE catalog_items SET on_hand = $1, updated_at = $2 WHERE id = $3")
                .bind(on_hand)
                .bind(now)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Links `source_id` to `target_id` (linking twice changes nothing).
    pub async fn link_catalog_items(
        &self,
        source_id: &str,
        target_id: &str,
        now: &str,
    ) -> Stored<()> {
        self.audited_write(
            &CATALOG_ITEM,
            source_id,
            sqlx::query(
                "INSERT INTO catalog_links (source_id, target_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (source_id, target_id) DO NOTHING",
            )
            .bind(source_id)
            .bind(target_id)
            .bind(now),
        )
        .await?;
        Ok(())
    }

    /// Removes the link from `source_id` to `target_id` (unlinking what is not linked changes
    /// nothing).
    pub async fn unlink_catalog_items(&self, source_id: &str, target_id: &str) -> Stored<()> {
        self.audited_write(
            &CATALOG_ITEM,
            source_id,
            sqlx::query("DELETE FROM catalog_links WHERE source_id = $1 AND target_id = $2")
                .bind(source_id)
                .bind(target_id),
        )
        .await?;
        Ok(())
    }
}

/// Catalog rows per statement of [`upsert_catalog_items`]: one statement per row would spend more
/// in the driver than in the database; 100 rows are 2,100 parameters, well under both backends'
/// limits.
const UPSERT_ROWS: usize = 100;

/// One row for [`upsert_catalog_items`]: its ConnectWise id, its columns, and its Optima id when
/// the caller knows the row exists.
pub type CatalogUpsert<'a> = (i64, &'a CatalogRow, Option<&'a str>);

/// Inserts or updates catalog items, by their ConnectWise ids, many rows per statement: an
/// upsert, so two writers of the same item (a sync and a refresh, or two processes) cannot trip
/// over the unique `cw_id`. A row the caller does not know gets a new id. `on_hand`, links and
/// `created_at` are left alone on update; `deleted_at` is cleared. A ConnectWise id may appear
/// once per call.
pub async fn upsert_catalog_items(
    tx: &mut Transaction<'_, Any>,
    rows: &[CatalogUpsert<'_>],
    now: &str,
) -> Stored<()> {
    // The bound columns in order, with the types PostgreSQL is told: in a many-row `VALUES`
    // list a parameter's type is not taken from the column it lands in, and a null bound
    // without a type would be read as text.
    const TYPES: [&str; 21] = [
        "BIGINT",
        "TEXT",
        "TEXT",
        "TEXT",
        "TEXT",
        "TEXT",
        "TEXT",
        "TEXT",
        "BIGINT",
        "TEXT",
        "TEXT",
        "TEXT",
        "BIGINT",
        "DOUBLE PRECISION",
        "DOUBLE PRECISION",
        "BIGINT",
        "BIGINT",
        "TEXT",
        "TEXT",
        "TEXT",
        "TEXT",
    ];
    // SQLite looks a numbered parameter up by walking a list of them all, which makes binding
    // `$1 … $n` quadratic in n; anonymous `?`s are bound by position at no such cost.
    let anonymous = tx.backend_name() == "SQLite";
    for chunk in rows.chunks(UPSERT_ROWS) {
        let values = (0..chunk.len())
            .map(|r| {
                let params = if anonymous {
                    vec!["?"; TYPES.len()].join(", ")
                } else {
                    TYPES
                        .iter()
                        .enumerate()
                        .map(|(c, ty)| format!("CAST(${} AS {ty})", 1 + r * TYPES.len() + c))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!("({params}, NULL, 0)")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO catalog_items (cw_id, id, identifier, name, description, customer_description, \
             internal_notes, manufacturer, manufacturer_cw_id, part_number, vendor_name, vendor_sku, \
             vendor_cw_id, price, cost, inactive, sales_taxable, search_key, cw_last_updated, \
             created_at, updated_at, deleted_at, on_hand) VALUES {values} \
             ON CONFLICT (cw_id) DO UPDATE SET identifier = excluded.identifier, name = excluded.name, \
             description = excluded.description, customer_description = excluded.customer_description, \
             internal_notes = excluded.internal_notes, manufacturer = excluded.manufacturer, \
             manufacturer_cw_id = excluded.manufacturer_cw_id, part_number = excluded.part_number, \
             vendor_name = excluded.vendor_name, vendor_sku = excluded.vendor_sku, \
             vendor_cw_id = excluded.vendor_cw_id, price = excluded.price, cost = excluded.cost, \
             inactive = excluded.inactive, sales_taxable = excluded.sales_taxable, \
             search_key = excluded.search_key, cw_last_updated = excluded.cw_last_updated, \
             deleted_at = NULL, updated_at = excluded.updated_at"
        );
        let mut query = sqlx::query(&sql);
        // sqlx's Any driver declares a null f64 to PostgreSQL as a 4-byte float, and a prepared
        // statement keeps the types of its first use: a price bound after a missing one would
        // not parse. On PostgreSQL prices therefore travel as text, read exactly by the
        // `CAST(… AS DOUBLE PRECISION)` around them.
        for (cw_id, row, existing) in chunk {
            query = query
                .bind(*cw_id)
                .bind(existing.map(str::to_owned).unwrap_or_else(new_id))
                .bind(&row.identifier)
                .bind(&row.name)
                .bind(&row.description)
                .bind(&row.customer_description)
                .bind(&row.internal_notes)
                .bind(&row.manufacturer)
                .bind(row.manufacturer_cw_id)
                .bind(&row.part_number)
                .bind(&row.vendor_name)
                .bind(&row.vendor_sku)
                .bind(row.vendor_cw_id);
            query = if anonymous {
                query.bind(row.price).bind(row.cost)
            } else {
                let text = |v: Option<f64>| v.map(|v| v.to_string());
                query.bind(text(row.price)).bind(text(row.cost))
            };
            query = query
                .bind(i64::from(row.inactive))
                .bind(i64::from(row.sales_taxable))
                .bind(&row.search_key)
                .bind(&row.cw_last_updated)
                .bind(now)
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
