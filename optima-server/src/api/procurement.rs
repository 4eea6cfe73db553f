//! `/procurement`: the catalog synced from ConnectWise (read locally), live on-hand stock, and
//! links between items, which are Optima's own data.

use std::sync::Arc;

use chrono::Utc;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object, OpenApi};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::common::{ApiError, JsonBody, Ok200};
use super::listing::Listing;
use super::pagination::{PageRequest, Pagination};
use super::{ApiTags, Authorized};
use crate::db::timestamp;
use crate::routes;
use crate::routes::RouteSpec;
use crate::state::AppState;

/// `/procurement`.
#[derive(Debug)]
pub struct ProcurementApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// The `meta` block of procurement and sales lists.
#[derive(Debug, Clone, Object)]
#[oai(rename = "ListMeta")]
pub struct ListMeta {
    // Documented on the type: a doc comment here would wrap the reference in `allOf`.
    pub(crate) pagination: Pagination,
}

/// A page of records: `{status, message, data, meta: {pagination}, successful}`.
#[derive(Debug, Object)]
pub struct MetaPage<T: ParseFromJSON + ToJSON> {
    /// 200.
    pub status: u16,
    /// What happened.
    pub message: String,
    /// The records on this page.
    pub data: Vec<T>,
    // Where this page stands.
    pub(crate) meta: ListMeta,
    /// True.
    pub successful: bool,
}

/// 200 with a page of records and `meta.pagination`.
#[derive(Debug, ApiResponse)]
pub enum MetaPageResponse<T: ParseFromJSON + ToJSON> {
    /// A page.
    #[oai(status = 200)]
    Ok(Json<MetaPage<T>>),
}

/// The page envelope for route `r`.
pub fn meta_page<T: ParseFromJSON + ToJSON>(
    r: &RouteSpec,
    data: Vec<T>,
    pagination: Pagination,
) -> MetaPageResponse<T> {
    MetaPageResponse::Ok(Json(MetaPage {
        status: r.status,
        message: r.message.to_owned(),
        data,
        meta: ListMeta { pagination },
        successful: true,
    }))
}

/// A count: `{count}`.
#[derive(Debug, Clone, Object)]
#[oai(rename = "Count")]
pub struct Count {
    /// How many.
    pub count: u64,
}

/// A catalog item as Optima keeps it.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CatalogItem")]
pub struct CatalogItemOut {
    /// Optima's id.
    pub id: String,
    /// ConnectWise catalog item id.
    pub cw_catalog_id: i64,
    /// ConnectWise identifier (the product id as entered in ConnectWise).
    pub identifier: String,
    /// Display name (ConnectWise's one-line description, else the identifier).
    pub name: String,
    /// Description.
    #[oai(nullable)]
    pub description: Option<String>,
    /// Customer-facing description.
    #[oai(nullable)]
    pub customer_description: Option<String>,
    /// Internal notes.
    #[oai(nullable)]
    pub internal_notes: Option<String>,
    /// Manufacturer name.
    #[oai(nullable)]
    pub manufacturer: Option<String>,
    /// ConnectWise manufacturer id.
    #[oai(nullable)]
    pub manufacture_cw_id: Option<i64>,
    /// Manufacturer part number.
    #[oai(nullable)]
    pub part_number: Option<String>,
    /// Vendor name.
    #[oai(nullable)]
    pub vendor_name: Option<String>,
    /// Vendor SKU.
    #[oai(nullable)]
    pub vendor_sku: Option<String>,
    /// ConnectWise vendor (company) id.
    #[oai(nullable)]
    pub vendor_cw_id: Option<i64>,
    /// Sell price.
    #[oai(nullable)]
    pub price: Option<f64>,
    /// Cost.
    #[oai(nullable)]
    pub cost: Option<f64>,
    /// Whether the item is inactive in ConnectWise.
    pub inactive: bool,
    /// Whether sales tax applies.
    pub sales_taxable: bool,
    /// Quantity on hand, as of the last inventory refresh (0 before any).
    pub on_hand: f64,
    /// When ConnectWise last changed the item.
    #[oai(nullable)]
    pub cw_last_updated: Option<String>,
    /// With `includeLinkedItems=true`: the items linked to this one.
    #[oai(skip_serializing_if_is_none)]
    pub linked_items: Option<Vec<CatalogItemRef>>,
    /// When Optima first stored it.
    pub created_at: String,
    /// When Optima last changed it.
    pub updated_at: String,
}

/// A linked catalog item, in brief.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CatalogItemRef")]
pub struct CatalogItemRef {
    /// Optima's id.
    pub id: String,
    /// ConnectWise catalog item id.
    pub cw_catalog_id: i64,
    /// ConnectWise identifier.
    pub identifier: String,
    /// Display name.
    pub name: String,
}

/// A catalog item after an inventory refresh.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CatalogItemInventory")]
pub struct InventoryOut {
    /// Optima's id.
    pub id: String,
    /// ConnectWise catalog item id.
    pub cw_catalog_id: i64,
    /// Display name.
    pub name: String,
    /// Quantity on hand: the sum of `onHand` over the item's ConnectWise inventory rows.
    pub on_hand: f64,
    /// Sell price.
    #[oai(nullable)]
    pub price: Option<f64>,
    /// Cost.
    #[oai(nullable)]
    pub cost: Option<f64>,
    /// Whether the item is inactive.
    pub inactive: bool,
    /// When Optima first stored it.
    pub created_at: String,
    /// When Optima last changed it.
    pub updated_at: String,
}

/// An item linked to another, as the linked-items route lists it.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "LinkedCatalogItem")]
pub struct LinkedItemOut {
    /// Optima's id.
    pub id: String,
    /// ConnectWise catalog item id.
    pub cw_catalog_id: i64,
    /// ConnectWise identifier.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[oai(nullable)]
    pub description: Option<String>,
    /// Sell price.
    #[oai(nullable)]
    pub price: Option<f64>,
    /// Cost.
    #[oai(nullable)]
    pub cost: Option<f64>,
    /// Whether the item is inactive.
    pub inactive: bool,
    /// Quantity on hand.
    pub on_hand: f64,
    /// When Optima first stored it.
    pub created_at: String,
    /// When Optima last changed it.
    pub updated_at: String,
}

/// A catalog item with the items linked to it, after a link or unlink.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "CatalogItemLinks")]
pub struct LinksOut {
    /// Optima's id.
    pub id: String,
    /// ConnectWise catalog item id.
    pub cw_catalog_id: i64,
    /// ConnectWise identifier.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// The items linked to this one.
    pub linked_items: Vec<CatalogItemRef>,
    /// When Optima first stored it.
    pub created_at: String,
    /// When Optima last changed it.
    pub updated_at: String,
}

/// Which item to link to or unlink from the item in the path.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", rename = "CatalogLinkRequest")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkRequest {
    /// The target item: Optima's id, the ConnectWise catalog id, or the ConnectWise identifier.
    #[oai(validator(
        min_length = 1,
        max_length = 128,
        pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
    ))]
    pub target_id: String,
}

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
};

fn item_from_row(row: &AnyRow) -> Result<CatalogItemOut, sqlx::Error> {
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

impl CatalogItemOut {
    fn brief(&self) -> CatalogItemRef {
        CatalogItemRef {
            id: self.id.clone(),
            cw_catalog_id: self.cw_catalog_id,
            identifier: self.identifier.clone(),
            name: self.name.clone(),
        }
    }
}

/// How an item may be named in a path or body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKey {
    /// Optima's id or the ConnectWise catalog id.
    IdOrCwId,
    /// Also the ConnectWise identifier string.
    AnyIdentifier,
}

/// A catalog item not marked deleted, by Optima id, ConnectWise id (numeric), or — with
/// [`ItemKey::AnyIdentifier`] — ConnectWise identifier, tried in that order.
pub async fn find_item(
    state: &AppState,
    identifier: &str,
    key: ItemKey,
) -> Result<Option<CatalogItemOut>, ApiError> {
    let pool = &state.store.db().pool;
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
    row.as_ref()
        .map(item_from_row)
        .transpose()
        .map_err(ApiError::from)
}

async fn require_item(
    state: &AppState,
    identifier: &str,
    key: ItemKey,
) -> Result<CatalogItemOut, ApiError> {
    find_item(state, identifier, key).await?.ok_or_else(|| {
        ApiError::not_found(
            "CatalogItemNotFound",
            format!("Catalog item with identifier '{identifier}' was not found."),
        )
    })
}

/// The live items `source_id` links to, by name.
async fn linked(state: &AppState, source_id: &str) -> Result<Vec<CatalogItemOut>, ApiError> {
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
    .fetch_all(&state.store.db().pool)
    .await?;
    rows.iter()
        .map(item_from_row)
        .collect::<Result<_, _>>()
        .map_err(ApiError::from)
}

async fn links_out(state: &AppState, item: &CatalogItemOut) -> Result<LinksOut, ApiError> {
    let linked_items = linked(state, &item.id)
        .await?
        .iter()
        .map(CatalogItemOut::brief)
        .collect();
    Ok(LinksOut {
        id: item.id.clone(),
        cw_catalog_id: item.cw_catalog_id,
        identifier: item.identifier.clone(),
        name: item.name.clone(),
        linked_items,
        created_at: item.created_at.clone(),
        updated_at: item.updated_at.clone(),
    })
}

/// The source and target of a link request; 400 for a self-link, 404 for an unknown item.
async fn link_ends(
    state: &AppState,
    identifier: &str,
    body: &LinkRequest,
) -> Result<(CatalogItemOut, CatalogItemOut), ApiError> {
    if body.target_id.trim().is_empty() {
        return Err(ApiError::invalid(
            &["body", "targetId"],
            "targetId names the item to link: Optima's id, the ConnectWise id or identifier",
        ));
    }
    let source = require_item(state, identifier, ItemKey::AnyIdentifier).await?;
    let target = find_item(state, body.target_id.trim(), ItemKey::AnyIdentifier)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "CatalogItemNotFound",
                format!(
                    "Target catalog item with identifier '{}' was not found.",
                    body.target_id
                ),
            )
        })?;
    if source.id == target.id {
        return Err(ApiError::invalid(
            &["body", "targetId"],
            "A catalog item cannot be linked to itself",
        ));
    }
    Ok((source, target))
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Procurement")]
impl ProcurementApi {
    /// Catalog items, a page at a time, by name. `search` matches anywhere in the name,
    /// identifier, description, part number, vendor SKU or manufacturer, ignoring case.
    async fn list(
        &self,
        caller: Authorized<routes::ListCatalogItems>,
        /// Page number (default 1).
        #[oai(validator(minimum(value = "1"), maximum(value = "4294967295")))]
        page: Query<Option<i64>>,
        /// Records per page (default 30, at most 1000).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        rpp: Query<Option<i64>>,
        /// Matches anywhere in the name, identifier, description, part number, vendor SKU or
        /// manufacturer, ignoring case.
        search: Query<Option<String>>,
        /// Include inactive items (default false).
        #[oai(name = "includeInactive")]
        include_inactive: Query<Option<bool>>,
    ) -> Result<MetaPageResponse<CatalogItemOut>, ApiError> {
        let paging = PageRequest::new(page.0, rpp.0)?;
        let mut conditions = vec!["deleted_at IS NULL"];
        if !include_inactive.0.unwrap_or(false) {
            conditions.push("inactive = 0");
        }
        let search = search.0.as_deref().unwrap_or_default();
        let (data, total) = CATALOG
            .page(&self.state.store.db().pool, &conditions, search, &paging)
            .await?;
        let pagination = paging.pagination(total as u64, data.len());
        Ok(meta_page(caller.route(), data, pagination))
    }

    /// One catalog item, by Optima's id or the ConnectWise catalog id.
    async fn get(
        &self,
        caller: Authorized<routes::GetCatalogItem>,
        /// Optima's id or the ConnectWise catalog id (numeric).
        identifier: Path<String>,
        /// Include the items linked to this one (default false).
        #[oai(name = "includeLinkedItems")]
        include_linked_items: Query<Option<bool>>,
    ) -> Result<Ok200<CatalogItemOut>, ApiError> {
        let mut item = require_item(&self.state, &identifier.0, ItemKey::IdOrCwId).await?;
        if include_linked_items.0.unwrap_or(false) {
            item.linked_items = Some(
                linked(&self.state, &item.id)
                    .await?
                    .iter()
                    .map(CatalogItemOut::brief)
                    .collect(),
            );
        }
        Ok(caller.ok(item))
    }

    /// How many catalog items there are (not counting items deleted in ConnectWise).
    async fn count(
        &self,
        caller: Authorized<routes::CountCatalogItems>,
        /// Count only active items (default false).
        #[oai(name = "activeOnly")]
        active_only: Query<Option<bool>>,
    ) -> Result<Ok200<Count>, ApiError> {
        let filter = if active_only.0.unwrap_or(false) {
            "deleted_at IS NULL AND inactive = 0"
        } else {
            "deleted_at IS NULL"
        };
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM catalog_items WHERE {filter}"
        ))
        .fetch_one(&self.state.store.db().pool)
        .await?;
        Ok(caller.ok(Count {
            count: count.max(0) as u64,
        }))
    }

    /// Refreshes an item's on-hand stock from ConnectWise: the sum of `onHand` over its
    /// inventory rows (every warehouse and bin).
    async fn refresh_inventory(
        &self,
        caller: Authorized<routes::RefreshCatalogItemInventory>,
        /// Optima's id or the ConnectWise catalog id (numeric).
        identifier: Path<String>,
    ) -> Result<Ok200<InventoryOut>, ApiError> {
        let item = require_item(&self.state, &identifier.0, ItemKey::IdOrCwId).await?;
        let cw = self.state.integrations.connectwise()?;
        let on_hand = cw.catalog().on_hand(item.cw_catalog_id).await?;
        let now = timestamp(Utc::now());
        sqlx::query("UPDATE catalog_items SET on_hand = $1, updated_at = $2 WHERE id = $3")
            .bind(on_hand)
            .bind(&now)
            .bind(&item.id)
            .execute(&self.state.store.db().pool)
            .await?;
        Ok(caller.ok(InventoryOut {
            id: item.id,
            cw_catalog_id: item.cw_catalog_id,
            name: item.name,
            on_hand,
            price: item.price,
            cost: item.cost,
            inactive: item.inactive,
            created_at: item.created_at,
            updated_at: now,
        }))
    }

    /// The items linked to an item.
    async fn linked_items(
        &self,
        caller: Authorized<routes::GetLinkedCatalogItems>,
        /// Optima's id, the ConnectWise identifier, or the ConnectWise catalog id (numeric).
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<LinkedItemOut>>, ApiError> {
        let item = require_item(&self.state, &identifier.0, ItemKey::AnyIdentifier).await?;
        let data = linked(&self.state, &item.id)
            .await?
            .into_iter()
            .map(|t| LinkedItemOut {
                id: t.id,
                cw_catalog_id: t.cw_catalog_id,
                identifier: t.identifier,
                name: t.name,
                description: t.description,
                price: t.price,
                cost: t.cost,
                inactive: t.inactive,
                on_hand: t.on_hand,
                created_at: t.created_at,
                updated_at: t.updated_at,
            })
            .collect();
        Ok(caller.ok(data))
    }

    /// Links `targetId` to the item in the path (linking twice changes nothing). Linking an
    /// item to itself is a 400; an unknown item, in the path or the body, a 404.
    async fn link(
        &self,
        caller: Authorized<routes::LinkCatalogItem>,
        /// The source item: Optima's id, the ConnectWise identifier, or the ConnectWise catalog id.
        identifier: Path<String>,
        body: JsonBody<LinkRequest>,
    ) -> Result<Ok200<LinksOut>, ApiError> {
        let (source, target) = link_ends(&self.state, &identifier.0, &body.0).await?;
        sqlx::query(
            "INSERT INTO catalog_links (source_id, target_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (source_id, target_id) DO NOTHING",
        )
        .bind(&source.id)
        .bind(&target.id)
        .bind(timestamp(Utc::now()))
        .execute(&self.state.store.db().pool)
        .await?;
        Ok(caller.ok(links_out(&self.state, &source).await?))
    }

    /// Removes the link from the item in the path to `targetId` (unlinking what is not linked
    /// changes nothing). An unknown item is a 404.
    async fn unlink(
        &self,
        caller: Authorized<routes::UnlinkCatalogItem>,
        /// The source item: Optima's id, the ConnectWise identifier, or the ConnectWise catalog id.
        identifier: Path<String>,
        body: JsonBody<LinkRequest>,
    ) -> Result<Ok200<LinksOut>, ApiError> {
        let (source, target) = link_ends(&self.state, &identifier.0, &body.0).await?;
        sqlx::query("DELETE FROM catalog_links WHERE source_id = $1 AND target_id = $2")
            .bind(&source.id)
            .bind(&target.id)
            .execute(&self.state.store.db().pool)
            .await?;
        Ok(caller.ok(links_out(&self.state, &source).await?))
    }
}
