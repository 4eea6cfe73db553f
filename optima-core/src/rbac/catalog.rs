//! The permission catalog: every node a deployment knows, grouped in categories, with what each
//! is for, where it is used and what it depends on.

use std::collections::HashMap;

use serde::Serialize;

use super::node::{Grant, Node, Pattern, is_strictly_below};
use crate::{Error, Result};

/// The catalog key of the wildcard that grants everything.
pub const ALL: &str = "*";

/// One permission node as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionNode {
    /// The node (`company.fetch.address`), or `*`.
    pub node: String,
    /// What holding it allows.
    pub description: String,
    /// Where it is checked (for a server: its routes, `GET /v1/company/companies/{identifier}`).
    pub used_in: Vec<String>,
    /// Nodes that must also be granted for this one to count as granted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// Added at run time (a credential type's `permissionScope`) rather than built in.
    #[serde(skip)]
    pub dynamic: bool,
}

/// A group of related nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// The category key used in URLs (`credentialType`).
    #[serde(skip)]
    pub key: String,
    /// Display name.
    pub name: String,
    /// What the category covers.
    pub description: String,
    /// Its nodes, in the order they were added.
    pub permissions: Vec<PermissionNode>,
}

/// Every permission node known to a deployment, by category.
///
/// [`Catalog::optima`] is Optima's built-in catalog; [`Catalog::new`] starts an empty one for
/// other applications.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    categories: Vec<Category>,
    /// node → (category index, index in the category)
    index: HashMap<String, (usize, usize)>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a category; adding a key that exists again is a conflict.
    pub fn add_category(
        &mut self,
        key: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Result<()> {
        let key = key.into();
        if self.category(&key).is_some() {
            return Err(Error::Conflict {
                kind: "permission category",
                id: key,
            });
        }
        self.categories.push(Category {
            key,
            name: name.into(),
            description: description.into(),
            permissions: Vec::new(),
        });
        Ok(())
    }

    /// Adds a node to a category. The node must be well formed (or `*`), new, and its
    /// dependencies already in the catalog.
    pub fn add_node(
        &mut self,
        category: &str,
        node: &str,
        description: impl Into<String>,
        dependencies: &[&str],
    ) -> Result<()> {
        self.insert(category, node, description.into(), dependencies, false)
    }

    /// Adds a node discovered at run time, such as a credential type's `permissionScope`.
    /// Adding one that exists already is not an error, so callers can re-register on start.
    pub fn add_dynamic(
        &mut self,
        category: &str,
        node: &str,
        description: impl Into<String>,
    ) -> Result<()> {
        if self.index.contains_key(node) {
            return Ok(());
        }
        self.insert(category, node, description.into(), &[], true)
    }

    /// Removes a dynamic node; built-in nodes stay. Returns whether one was removed.
    pub fn remove_dynamic(&mut self, node: &str) -> bool {
        let Some(&(c, i)) = self.index.get(node) else {
            return false;
        };
        if !self.categories[c].permissions[i].dynamic {
            return false;
        }
        self.categories[c].permissions.remove(i);
        self.reindex();
        true
    }

    fn insert(
        &mut self,
        category: &str,
        node: &str,
        description: String,
        dependencies: &[&str],
        dynamic: bool,
    ) -> Result<()> {
        if node != ALL {
            Node::parse(node)?;
        }
        if self.index.contains_key(node) {
            return Err(Error::Conflict {
                kind: "permission node",
                id: node.to_owned(),
            });
        }
        if let Some(dep) = dependencies.iter().find(|d| !self.index.contains_key(**d)) {
            return Err(Error::UnknownNode {
                node: (*dep).to_owned(),
            });
        }
        let c = self
            .categories
            .iter()
            .position(|c| c.key == category)
            .ok_or_else(|| Error::NotFound {
                kind: "permission category",
                id: category.to_owned(),
            })?;
        let permissions = &mut self.categories[c].permissions;
        permissions.push(PermissionNode {
            node: node.to_owned(),
            description,
            used_in: Vec::new(),
            dependencies: dependencies.iter().map(|d| (*d).to_owned()).collect(),
            dynamic,
        });
        self.index
            .insert(node.to_owned(), (c, permissions.len() - 1));
        Ok(())
    }

    fn reindex(&mut self) {
        self.index = self
            .categories
            .iter()
            .enumerate()
            .flat_map(|(c, cat)| {
                cat.permissions
                    .iter()
                    .enumerate()
                    .map(move |(i, p)| (p.node.clone(), (c, i)))
            })
            .collect();
    }

    /// Records that `node` is checked at `place` (a route, a screen). Unknown nodes are an
    /// error, so a typo in a route table fails at start-up instead of guarding nothing.
    pub fn record_usage(&mut self, node: &str, place: impl Into<String>) -> Result<()> {
        let &(c, i) = self.index.get(node).ok_or_else(|| Error::UnknownNode {
            node: node.to_owned(),
        })?;
        let used_in = &mut self.categories[c].permissions[i].used_in;
        let place = place.into();
        if !used_in.contains(&place) {
            used_in.push(place);
        }
        Ok(())
    }

    /// The categories, in order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// One category by key.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// Every node, category by category.
    pub fn nodes(&self) -> impl Iterator<Item = &PermissionNode> {
        self.categories.iter().flat_map(|c| c.permissions.iter())
    }

    /// One node's entry.
    pub fn get(&self, node: &str) -> Option<&PermissionNode> {
        let &(c, i) = self.index.get(node)?;
        self.categories[c].permissions.get(i)
    }

    /// Whether the catalog has this node.
    pub fn contains(&self, node: &str) -> bool {
        self.index.contains_key(node)
    }

    /// Each node that has dependencies, with them.
    pub fn dependency_edges(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.nodes()
            .filter(|p| !p.dependencies.is_empty())
            .map(|p| (p.node.as_str(), p.dependencies.as_slice()))
    }

    /// Parses a grant and checks that it means something here: an exact node must be in the
    /// catalog, and `prefix.*` must cover at least one node. Typos must not silently grant
    /// nothing.
    pub fn validate_grant(&self, grant: &str) -> Result<Grant> {
        let parsed = Grant::parse(grant)?;
        let known = match &parsed.pattern {
            Pattern::All => true,
            Pattern::Exact(node) => self.contains(node.as_str()),
            Pattern::Below(prefix) => self
                .index
                .keys()
                .any(|n| is_strictly_below(n, prefix.as_str())),
        };
        if known {
            Ok(parsed)
        } else {
            Err(Error::UnknownNode {
                node: grant.to_owned(),
            })
        }
    }

    /// Validates every grant, returning them parsed or the first that fails.
    pub fn validate_grants<S: AsRef<str>>(
        &self,
        grants: impl IntoIterator<Item = S>,
    ) -> Result<Vec<Grant>> {
        grants
            .into_iter()
            .map(|g| self.validate_grant(g.as_ref()))
            .collect()
    }
}
