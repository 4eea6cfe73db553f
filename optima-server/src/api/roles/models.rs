//! Bodies of the role routes.

use optima_core::store::Role;
use poem_openapi::Object;
use serde::Deserialize;

use crate::db::timestamp;

/// A role.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "Role")]
pub struct RoleOut {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub title: String,
    /// Unique short name.
    pub moniker: String,
    /// Grants: nodes, `prefix.*` wildcards, `*`, and denials written `-node`.
    pub permissions: Vec<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<Role> for RoleOut {
    fn from(r: Role) -> Self {
        RoleOut {
            id: r.id,
            title: r.title,
            moniker: r.moniker,
            permissions: r.permissions,
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
        }
    }
}

/// A new role.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct CreateRole {
    /// Display name.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
    ))]
    pub title: String,
    /// Unique short name: lower-case letters, digits, `_` and `-`.
    #[oai(validator(pattern = r"^[a-z0-9_-]{1,64}$"))]
    pub moniker: String,
    /// Grants; each must name a node of the catalog (or a wildcard covering some).
    #[serde(default)]
    #[oai(
        nullable,
        validator(
            max_items = 1000,
            max_length = 256,
            pattern = r"^-?(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$"
        )
    )]
    pub permissions: Option<Vec<String>>,
}

/// Changes to a role.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct UpdateRole {
    /// New display name.
    #[oai(
        nullable,
        validator(
            min_length = 1,
            max_length = 200,
            pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
        )
    )]
    pub title: Option<String>,
    /// New moniker.
    #[oai(nullable, validator(pattern = r"^[a-z0-9_-]{1,64}$"))]
    pub moniker: Option<String>,
    /// Grants replacing the current ones.
    #[oai(
        nullable,
        validator(
            max_items = 1000,
            max_length = 256,
            pattern = r"^-?(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$"
        )
    )]
    pub permissions: Option<Vec<String>>,
}

/// Grants to add or remove.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct PermissionList {
    /// Grants.
    #[oai(validator(
        max_items = 1000,
        max_length = 256,
        pattern = r"^-?(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$"
    ))]
    pub permissions: Vec<String>,
}
