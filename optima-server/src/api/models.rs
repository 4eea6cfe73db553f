//! Request and response bodies of the user, role, permission and auth routes.

use optima_core::rbac::{Category, PermissionNode};
use optima_core::store::{Role, User};
use poem_openapi::Object;
use serde::Deserialize;

use crate::db::timestamp;

/// A user.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "User")]
pub struct UserOut {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Login name.
    pub login: String,
    /// Avatar URL; absent when none is set.
    #[oai(skip_serializing_if_is_none)]
    pub image: Option<String>,
    /// Roles held (monikers on user routes, ids on `GET /role/{identifier}/users`).
    pub roles: Vec<String>,
    /// Grants held directly, beside the roles'.
    pub permissions: Vec<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl UserOut {
    /// The user with `roles` as given (monikers or ids).
    pub fn new(user: User, roles: Vec<String>) -> UserOut {
        UserOut {
            id: user.id,
            name: user.name,
            email: user.email,
            login: user.login,
            image: user.image,
            roles,
            permissions: user.permissions,
            created_at: timestamp(user.created_at),
            updated_at: timestamp(user.updated_at),
        }
    }
}

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

/// Changes to your own profile.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct UpdateMe {
    /// New display name (null leaves it as it is).
    #[oai(
        nullable,
        validator(
            min_length = 1,
            max_length = 200,
            pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
        )
    )]
    pub name: Option<String>,
    /// New avatar URL, http or https (null leaves it as it is).
    #[oai(
        nullable,
        validator(
            max_length = 2048,
            pattern = r"^https?://[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$"
        )
    )]
    pub image: Option<String>,
}

/// Changes to another user; each list replaces the current one.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct UpdateUser {
    /// New display name (null leaves it as it is).
    #[oai(
        nullable,
        validator(
            min_length = 1,
            max_length = 200,
            pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
        )
    )]
    pub name: Option<String>,
    /// New avatar URL, http or https (null leaves it as it is).
    #[oai(
        nullable,
        validator(
            max_length = 2048,
            pattern = r"^https?://[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$"
        )
    )]
    pub image: Option<String>,
    /// Role ids or monikers (needs `user.roles.other`).
    #[oai(nullable, validator(max_items = 100, max_length = 64))]
    pub roles: Option<Vec<String>>,
    /// Direct grants (needs `user.permissions.other`); each must name a node of the catalog.
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

/// Nodes to check.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct CheckPermissions {
    /// Permission nodes (at most 500).
    #[oai(validator(max_items = 500, max_length = 256))]
    pub permissions: Vec<String>,
}

/// The outcome of checking one node.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct PermissionResult {
    /// The node.
    pub permission: String,
    /// Whether it is granted.
    pub has_permission: bool,
    /// Which grant decided and where it came from; only for callers with `permission.explain`.
    #[oai(skip_serializing_if_is_none)]
    pub explanation: Option<String>,
}

/// Results of a permission check, in the order asked.
#[derive(Debug, Object)]
pub struct PermissionResults {
    /// One per node.
    pub results: Vec<PermissionResult>,
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

/// The login URL and the key that collects the sign-in's tokens.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct AuthUri {
    /// Open this in a browser.
    pub uri: String,
    /// Secret: present it on `GET /v1/auth/socket?callbackKey=…` or `POST /v1/auth/exchange`.
    pub callback_key: String,
}

/// An access token and its refresh token.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct Tokens {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use token for `POST /v1/auth/refresh` (`x-refresh-token`).
    pub refresh_token: String,
}

/// A callback key to redeem.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct Exchange {
    /// The key `GET /v1/auth/uri` returned.
    #[oai(validator(max_length = 256))]
    pub callback_key: String,
}

/// A teapot's answer.
#[derive(Debug, Object)]
pub struct TeapotBody {
    /// 418.
    pub status: u16,
    /// "I'm a teapot".
    pub message: String,
    /// False: a teapot brews no coffee.
    pub successful: bool,
}
