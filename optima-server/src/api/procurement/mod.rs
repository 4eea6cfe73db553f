//! `/procurement`: the catalog synced from ConnectWise (read locally), live on-hand stock, and
//! links between items, which are Optima's own data.

use std::sync::Arc;

pub mod models;

use chrono::Utc;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use self::models::{
    CatalogItemOut, Count, InventoryOut, LinkRequest, LinkedItemOut, LinksOut, MetaPageResponse,
    meta_page,
};
use super::common::{ApiError, JsonBody, Ok200};
use super::pagination::PageRequest;
use super::{ApiTags, Authorized};
use crate::db::timestamp;
use crate::routes;
use crate::state::AppState;
use crate::store::catalog::ItemKey;

/// `/procurement`.
#[derive(Debug)]
pub struct ProcurementApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

async fn require_item(
    state: &AppState,
    identifier: &str,
    key: ItemKey,
) -> Result<CatalogItemOut, ApiError> {
    state
        .store
        .find_catalog_item(identifier, key)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "CatalogItemNotFound",
                format!("Catalog item with identifier '{identifier}' was not found."),
            )
        })
}

async fn links_out(state: &AppState, item: &CatalogItemOut) -> Result<LinksOut, ApiError> {
    let linked_items = state
        .store
        .linked_catalog_items(&item.id)
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
    let target = state
        .store
        .find_catalog_item(body.target_id.trim(), ItemKey::AnyIdentifier)
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
        /// The `nextCursor` of the page before: reaches the next page without skipping rows
        /// (`page` is then not used).
        #[oai(validator(pattern = "^[0-9a-f]{32}$"))]
        cursor: Query<Option<String>>,
        /// Matches anywhere in the name, identifier, description, part number, vendor SKU or
        /// manufacturer, ignoring case.
        search: Query<Option<String>>,
        /// Include inactive items (default false).
        #[oai(name = "includeInactive")]
        include_inactive: Query<Option<bool>>,
    ) -> Result<MetaPageResponse<CatalogItemOut>, ApiError> {
        let paging = PageRequest::with_cursor(page.0, rpp.0, cursor.0.as_deref())?;
        let search = search.0.as_deref().unwrap_or_default();
        let listed = self
            .state
            .store
            .catalog_page(include_inactive.0.unwrap_or(false), search, &paging)
            .await?;
        let pagination =
            paging.pagination_with(listed.total as u64, listed.data.len(), listed.next);
        Ok(meta_page(caller.route(), listed.data, pagination))
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
                self.state
                    .store
                    .linked_catalog_items(&item.id)
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
        let count = self
            .state
            .store
            .count_catalog_items(active_only.0.unwrap_or(false))
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
        self.state
            .store
            .set_on_hand(&item.id, on_hand, &now)
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
        let data = self
            .state
            .store
            .linked_catalog_items(&item.id)
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
        self.state
            .store
            .link_catalog_items(&source.id, &target.id, &timestamp(Utc::now()))
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
        self.state
            .store
            .unlink_catalog_items(&source.id, &target.id)
            .await?;
        Ok(caller.ok(links_out(&self.state, &source).await?))
    }
}
