//! Procurement catalog items and inventory.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{CustomField, Info, Reference};
/// A procurement catalog item (`procurement/catalog`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CatalogItem {
    /// Catalog item id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// Unique identifier (part number as entered).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub identifier: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub description: Option<String>,
    /// Customer-facing description.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub customer_description: Option<String>,
    /// Inactive flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub inactive_flag: Option<bool>,
    /// Subcategory.
    #[serde(default)]
    pub subcategory: Option<Reference>,
    /// Category.
    #[serde(default)]
    pub category: Option<Reference>,
    /// Product type.
    #[serde(default)]
    pub type_: Option<Reference>,
    /// Product class: `Agreement`, `Bundle`, `Inventory`, `NonInventory`, `Service`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub product_class: Option<String>,
    /// Serialised stock.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub serialized_flag: Option<bool>,
    /// Cost tracked per serial.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub serialized_cost_flag: Option<bool>,
    /// Phase product.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub phase_product_flag: Option<bool>,
    /// Unit of measure.
    #[serde(default)]
    pub unit_of_measure: Option<Reference>,
    /// Minimum stock level.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub min_stock_level: Option<f64>,
    /// Sell price.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub price: Option<f64>,
    /// Cost.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub cost: Option<f64>,
    /// Price attribute: `FixedFee`, `NotToExceed`, …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub price_attribute: Option<String>,
    /// Taxable flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub taxable_flag: Option<bool>,
    /// Drop-ship flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub drop_ship_flag: Option<bool>,
    /// Special-order flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub special_order_flag: Option<bool>,
    /// Manufacturer.
    #[serde(default)]
    pub manufacturer: Option<Reference>,
    /// Manufacturer part number.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub manufacturer_part_number: Option<String>,
    /// Vendor (company).
    #[serde(default)]
    pub vendor: Option<Reference>,
    /// Vendor SKU.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub vendor_sku: Option<String>,
    /// Internal notes.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub notes: Option<String>,
    /// Integration cross reference.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub integration_x_ref: Option<String>,
    /// SLA.
    #[serde(default)]
    pub sla: Option<Reference>,
    /// Entity type.
    #[serde(default)]
    pub entity_type: Option<Reference>,
    /// Recurring flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub recurring_flag: Option<bool>,
    /// Recurring revenue.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub recurring_revenue: Option<f64>,
    /// Recurring cost.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub recurring_cost: Option<f64>,
    /// Recurring one-time flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub recurring_one_time_flag: Option<bool>,
    /// Recurring bill cycle.
    #[serde(default)]
    pub recurring_bill_cycle: Option<Reference>,
    /// Recurring cycle type.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub recurring_cycle_type: Option<String>,
    /// Price is calculated.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub calculated_price_flag: Option<bool>,
    /// Cost is calculated.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub calculated_cost_flag: Option<bool>,
    /// Calculated price.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub calculated_price: Option<f64>,
    /// Calculated cost.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub calculated_cost: Option<f64>,
    /// Billable option.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub billable_option: Option<String>,
    /// Cross-instance id.
    #[serde(
        rename = "connectWiseID",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub connectwise_id: Option<String>,
    /// Agreement type.
    #[serde(default)]
    pub agreement_type: Option<Reference>,
    /// Markup percentage.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub markup_percentage: Option<f64>,
    /// Markup flag.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub markup_flag: Option<bool>,
    /// Auto-update unit cost.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub auto_update_unit_cost_flag: Option<bool>,
    /// Auto-update unit price.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub auto_update_unit_price_flag: Option<bool>,
    /// Custom fields; `value` may be any JSON.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub custom_fields: Vec<CustomField>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One row of `GET procurement/catalog/{id}/inventory`: stock of an item in a warehouse bin.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "camelCase")]
pub struct CatalogInventory {
    /// Row id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// The catalog item.
    #[serde(default)]
    pub catalog_item: Option<Reference>,
    /// Warehouse.
    #[serde(default)]
    pub warehouse: Option<Reference>,
    /// Warehouse bin.
    #[serde(default)]
    pub warehouse_bin: Option<Reference>,
    /// Quantity on hand.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub on_hand: Option<f64>,
    /// Serial numbers, as sent.
    #[serde(
        default,
        deserialize_with = "crate::lenient::vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub serial_numbers: Vec<Value>,
    /// Record metadata (`_info`): `lastUpdated`, `updatedBy`, `dateEntered`, …
    #[serde(rename = "_info", default)]
    pub info: Option<Info>,
    /// Fields this model does not name, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
