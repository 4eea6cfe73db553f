//! The permission engine.
//!
//! A **node** is a dot-separated path of `[A-Za-z0-9_-]` segments, case-sensitive
//! (`unifi.site.wifi.read.hideSSID`). A **grant** is a node, `*` (everything), `prefix.*`
//! (every node strictly below `prefix`), or any of those denied with a leading `-`.
//!
//! The most specific matching grant decides: an exact node beats `a.b.*`, which beats `a.*`,
//! which beats `*`. At equal specificity a denial wins. When nothing matches, the answer is no.
//! A node with dependencies in the [`Catalog`] is granted only when each of them is granted too.
//!
//! ```
//! use optima_core::rbac::{Catalog, GrantSet};
//! let catalog = Catalog::optima();
//! let grants = GrantSet::builder()
//!     .role("tech", ["*", "-credential.secure_values.read"])?
//!     .dependencies_from(&catalog)
//!     .build();
//! assert!(grants.check("credential.fetch"));
//! assert!(!grants.check("credential.secure_values.read"));
//! println!("{}", grants.explain("credential.secure_values.read"));
//! # Ok::<(), optima_core::rbac::NodeError>(())
//! ```
mod catalog;
mod delegation;
mod filter;
mod grants;
mod node;
mod optima;

pub use catalog::{ALL, Catalog, Category, PermissionNode};
pub use delegation::{Affected, DelegationError, Lacking, authorize_change};
pub use filter::{filter_fields, filter_fields_in_place};
pub use grants::{Explanation, GrantSet, GrantSetBuilder, GrantSource, SourcedGrant};
pub use node::{Grant, Node, NodeError, NodeErrorReason, Pattern};
pub use optima::{CREDENTIAL_SCOPE_CATEGORY, WIFI_FIELDS, WIFI_READ_PREFIX};
