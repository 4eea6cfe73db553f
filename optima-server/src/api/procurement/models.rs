//! Bodies of the procurement routes, and the paged envelope procurement and sales lists share.

use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object};

use crate::api::pagination::Pagination;
use crate::routes::RouteSpec;

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

impl CatalogItemOut {
    pub(crate) fn brief(&self) -> CatalogItemRef {
        CatalogItemRef {
            id: self.id.clone(),
            cw_catalog_id: self.cw_catalog_id,
            identifier: self.identifier.clone(),
            name: self.name.clone(),
        }
    }
}
