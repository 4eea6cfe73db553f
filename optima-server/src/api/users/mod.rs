//! `/user`: your own profile and other users.

pub mod models;

use std::collections::HashMap;
use std::sync::Arc;

use optima_core::rbac::GrantSet;
use optima_core::store::{RoleStore, User, UserStore, resolve_grants};
use poem_openapi::OpenApi;
use poem_openapi::param::Path;

use self::models::{
    CheckPermissions, PermissionResult, PermissionResults, UpdateMe, UpdateUser, UserOut,
};
use super::common::{ApiError, FieldError, JsonBody, Ok200};
use super::delegation::Delegation;
use super::roles::models::RoleOut;
use super::roles::validate_grants;
use super::{ApiTags, Authorized};
use crate::auth::caller::KeyCaller;
use crate::routes;
use crate::state::AppState;

/// `/user`.
#[derive(Debug)]
pub struct UserApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// At most this many nodes in one permission check.
const MAX_CHECKS: usize = 500;

impl UserApi {
    /// Users with their role ids shown as monikers.
    async fn with_monikers(&self, users: Vec<User>) -> Result<Vec<UserOut>, ApiError> {
        let monikers: HashMap<String, String> = self
            .state
            .store
            .list_roles()
            .await?
            .into_iter()
            .map(|r| (r.id, r.moniker))
            .collect();
        Ok(users
            .into_iter()
            .map(|u| {
                let roles = u
                    .roles
                    .iter()
                    .filter_map(|id| monikers.get(id).cloned())
                    .collect();
                UserOut::new(u, roles)
            })
            .collect())
    }

    async fn one_out(&self, user: User) -> Result<UserOut, ApiError> {
        let mut out = self.with_monikers(vec![user]).await?;
        out.pop()
            .ok_or_else(|| ApiError::internal(&"user disappeared while reading it"))
    }

    async fn find(&self, identifier: &str) -> Result<User, ApiError> {
        self.state
            .store
            .find_user(identifier)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "UserNotFound",
                    format!("User with identifier '{identifier}' was not found."),
                )
            })
    }

    /// `explain`: whether the caller holds the route's `permission.explain`.
    fn check(
        explain: bool,
        of: &GrantSet,
        key: Option<&KeyCaller>,
        nodes: Vec<String>,
    ) -> Result<PermissionResults, ApiError> {
        if nodes.len() > MAX_CHECKS {
            return Err(ApiError::invalid(
                &["body", "permissions"],
                format!("at most {MAX_CHECKS} nodes per check"),
            ));
        }
        Ok(PermissionResults {
            results: nodes
                .into_iter()
                .map(|node| {
                    let has_permission = of.check(&node);
                    let explanation = explain.then(|| match key {
                        None => of.explain(&node).to_string(),
                        // Through an API key: say which side decided, the owner or the key.
                        Some(k) if !k.owner_grants.check(&node) => {
                            format!("owner: {}", k.owner_grants.explain(&node))
                        }
                        Some(k) => format!(
                            "API key `{}`: {}; owner: {}",
                            k.name,
                            k.key_grants.explain(&node),
                            k.owner_grants.explain(&node)
                        ),
                    });
                    PermissionResult {
                        permission: node,
                        has_permission,
                        explanation,
                    }
                })
                .collect(),
        })
    }
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::User")]
impl UserApi {
    /// The signed-in user.
    async fn me(&self, caller: Authorized<routes::GetMe>) -> Result<Ok200<UserOut>, ApiError> {
        let me = UserOut::new(caller.user.clone(), caller.role_monikers.clone());
        Ok(caller.ok(me))
    }

    /// Change your own name or avatar.
    async fn update_me(
        &self,
        caller: Authorized<routes::UpdateMe>,
        body: JsonBody<UpdateMe>,
    ) -> Result<Ok200<UserOut>, ApiError> {
        let user = &caller.user;
        let name = body.0.name.as_deref().map_or(user.name.as_str(), str::trim);
        let image = body.0.image.as_deref().or(user.image.as_deref());
        let user = self
            .state
            .store
            .update_profile(&user.id, name, image)
            .await?;
        Ok(caller.ok(self.one_out(user).await?))
    }

    /// Whether you hold each node. With `permission.explain`, each result also says which grant
    /// decided it and where that grant came from.
    async fn check_mine(
        &self,
        caller: Authorized<routes::CheckMyPermissions>,
        body: JsonBody<CheckPermissions>,
    ) -> Result<Ok200<PermissionResults>, ApiError> {
        let grants = caller.grants.clone();
        let explain = caller.holds(routes::CheckMyPermissions::EXPLAIN);
        let key = caller.api_key.as_ref();
        Ok(caller.ok(Self::check(explain, &grants, key, body.0.permissions)?))
    }

    /// Every user.
    async fn list(
        &self,
        caller: Authorized<routes::ListUsers>,
    ) -> Result<Ok200<Vec<UserOut>>, ApiError> {
        let users = self.state.store.list_users().await?;
        Ok(caller.ok(self.with_monikers(users).await?))
    }

    /// One user by id.
    async fn get(
        &self,
        caller: Authorized<routes::GetUser>,
        /// User id.
        identifier: Path<String>,
    ) -> Result<Ok200<UserOut>, ApiError> {
        let user = self.find(&identifier.0).await?;
        Ok(caller.ok(self.one_out(user).await?))
    }

    /// Update another user. `roles` (ids or monikers) needs `user.roles.other`; `permissions`
    /// needs `user.permissions.other`; each replaces the current list.
    async fn update(
        &self,
        caller: Authorized<routes::UpdateUser>,
        /// User id.
        identifier: Path<String>,
        body: JsonBody<UpdateUser>,
    ) -> Result<Ok200<UserOut>, ApiError> {
        let body = body.0;
        if body.roles.is_some() {
            caller.require(
                routes::UpdateUser::ROLES,
                "You do not have permission to modify roles on another user.",
            )?;
        }
        if body.permissions.is_some() {
            caller.require(
                routes::UpdateUser::PERMISSIONS,
                "You do not have permission to modify permissions on another user.",
            )?;
        }
        let changes_grants = body.roles.is_some() || body.permissions.is_some();
        let _one_change_at_a_time = if changes_grants {
            Some(self.state.serialize_grant_changes().await?)
        } else {
            None
        };
        let mut user = self.find(&identifier.0).await?;
        let original = user.clone();
        if user.id == caller.user.id && (body.roles.is_some() || body.permissions.is_some()) {
            return Err(ApiError::forbidden(
                "You cannot change your own roles or permissions; another administrator must.",
            ));
        }
        if let Some(name) = &body.name {
            user.name = name.trim().to_owned();
        }
        if let Some(image) = &body.image {
            user.image = Some(image.clone());
        }
        if let Some(roles) = &body.roles {
            let mut ids = Vec::with_capacity(roles.len());
            let mut errors = Vec::new();
            for (i, r) in roles.iter().enumerate() {
                match self.state.store.find_role(r).await? {
                    Some(role) => ids.push(role.id),
                    None => errors.push(FieldError {
                        path: vec!["body".into(), "roles".into(), i.to_string()],
                        message: format!("no role has the id or moniker `{r}`"),
                    }),
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            user.roles = ids;
        }
        if let Some(permissions) = &body.permissions {
            user.permissions = validate_grants(&self.state, "permissions", permissions).await?;
        }
        if user.id != caller.user.id {
            Delegation::new(&self.state, &caller)
                .user_change(&original, Some(&user))
                .await?;
        }
        let user = if changes_grants {
            self.state.store.update_user(&user).await?
        } else {
            self.state
                .store
                .update_profile(&user.id, &user.name, user.image.as_deref())
                .await?
        };
        Ok(caller.ok(self.one_out(user).await?))
    }

    /// Delete a user; their sessions end with them.
    async fn delete(
        &self,
        caller: Authorized<routes::DeleteUser>,
        /// User id.
        identifier: Path<String>,
    ) -> Result<Ok200<UserOut>, ApiError> {
        let _one_change_at_a_time = self.state.serialize_grant_changes().await?;
        let user = self.find(&identifier.0).await?;
        if user.id == caller.user.id {
            return Err(ApiError::new(
                poem::http::StatusCode::CONFLICT,
                "CannotDeleteSelf",
                "You cannot delete your own account.",
            ));
        }
        Delegation::new(&self.state, &caller)
            .user_change(&user, None)
            .await?;
        let out = self.one_out(user.clone()).await?;
        self.state.store.delete_user(&user.id).await?;
        Ok(caller.ok(out))
    }

    /// The roles a user holds.
    async fn roles(
        &self,
        caller: Authorized<routes::GetUserRoles>,
        /// User id.
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<RoleOut>>, ApiError> {
        let user = self.find(&identifier.0).await?;
        let mut roles = Vec::with_capacity(user.roles.len());
        for id in &user.roles {
            if let Some(role) = self.state.store.find_role(id).await? {
                roles.push(role.into());
            }
        }
        Ok(caller.ok(roles))
    }

    /// Whether another user holds each node.
    async fn check_other(
        &self,
        caller: Authorized<routes::CheckUserPermissions>,
        /// User id.
        identifier: Path<String>,
        body: JsonBody<CheckPermissions>,
    ) -> Result<Ok200<PermissionResults>, ApiError> {
        let user = self.find(&identifier.0).await?;
        let grants = resolve_grants(&self.state.store, &user, &self.state.catalog()).await?;
        let explain = caller.holds(routes::CheckUserPermissions::EXPLAIN);
        Ok(caller.ok(Self::check(explain, &grants, None, body.0.permissions)?))
    }
}
