//! Bodies of the user routes.

use optima_core::store::User;
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
