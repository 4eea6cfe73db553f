//! Bodies of the permission-catalog routes.

use optima_core::rbac::{Category, PermissionNode};
use poem_openapi::Object;

/// One node of the permission catalog.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase", rename = "PermissionNode")]
pub struct PermissionNodeOut {
    /// The node, or `*`.
    pub node: String,
    /// What it allows.
    pub description: String,
    /// The routes that check it.
    pub used_in: Vec<String>,
    /// Nodes that must be granted too; absent when none.
    #[oai(skip_serializing_if_is_none)]
    pub dependencies: Option<Vec<String>>,
}

impl From<&PermissionNode> for PermissionNodeOut {
    fn from(n: &PermissionNode) -> Self {
        PermissionNodeOut {
            node: n.node.clone(),
            description: n.description.clone(),
            used_in: n.used_in.clone(),
            dependencies: (!n.dependencies.is_empty()).then(|| n.dependencies.clone()),
        }
    }
}

/// A category of the permission catalog.
#[derive(Debug, Object)]
#[oai(rename = "PermissionCategory")]
pub struct CategoryOut {
    /// Display name.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// Its nodes.
    pub permissions: Vec<PermissionNodeOut>,
}

impl From<&Category> for CategoryOut {
    fn from(c: &Category) -> Self {
        CategoryOut {
            name: c.name.clone(),
            description: c.description.clone(),
            permissions: c.permissions.iter().map(Into::into).collect(),
        }
    }
}
