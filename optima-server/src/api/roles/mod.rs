//! `/role`: roles and their grants, addressable by id or moniker.

pub mod models;

use std::sync::Arc;

use optima_core::store::{NewRole, Role, RoleStore, UserStore};
use poem_openapi::OpenApi;
use poem_openapi::param::Path;

use self::models::{CreateRole, PermissionList, RoleOut, UpdateRole};
use super::common::{ApiError, Created201, FieldError, JsonBody, Ok200};
use super::delegation::Delegation;
use super::users::models::UserOut;
use super::{ApiTags, Authorized};
use crate::app::ADMIN_ROLE;
use crate::auth::caller::Caller;
use crate::routes;
use crate::state::AppState;

/// `/role`.
#[derive(Debug)]
pub struct RoleApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// Checks every grant against the catalog, reporting each bad one with its index. A grant the
/// catalog does not know may name a credential type created on another replica since this one
/// last looked, so the scopes are reloaded once before a grant is called unknown.
pub async fn validate_grants(
    state: &AppState,
    field: &str,
    grants: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut errors = grant_errors(state, field, grants);
    if !errors.is_empty() {
        state.sync_credential_scopes().await?;
        errors = grant_errors(state, field, grants);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut unique = Vec::with_capacity(grants.len());
    for g in grants {
        if !unique.contains(g) {
            unique.push(g.clone());
        }
    }
    Ok(unique)
}

fn grant_errors(state: &AppState, field: &str, grants: &[String]) -> Vec<FieldError> {
    let catalog = state.catalog();
    grants
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            catalog.validate_grant(g).err().map(|e| FieldError {
                path: vec!["body".into(), field.into(), i.to_string()],
                message: match e {
                    optima_core::Error::UnknownNode { node } => {
                        format!("unknown permission node `{node}`")
                    }
                    other => other.to_string(),
                },
            })
        })
        .collect()
}

/// 409 for a change that would break a built-in role.
fn built_in(message: &str) -> ApiError {
    ApiError::new(poem::http::StatusCode::CONFLICT, "BuiltInRole", message)
}

/// The built-in admin role keeps its moniker and exactly `*`, so an administrator cannot lock
/// everyone out by accident (or a fuzzer by design), and no one can disarm the administrators
/// bootstrapped into it later by adding a denial while it has no holders.
fn guard_admin_role(original: &Role, changed: &Role) -> Result<(), ApiError> {
    if original.moniker != ADMIN_ROLE {
        return Ok(());
    }
    if changed.moniker != ADMIN_ROLE {
        return Err(built_in("The built-in admin role cannot be renamed."));
    }
    if changed.permissions != ["*"] {
        return Err(built_in("The built-in admin role holds exactly `*`."));
    }
    Ok(())
}

/// Roles are given to new users, and to bootstrap administrators, by moniker: renaming one into
/// or out of those names would hand its grants to everyone who signs in next, with no check of
/// what they are. Those roles keep their monikers.
fn guard_sign_in_monikers(
    state: &AppState,
    original: &Role,
    changed: &Role,
) -> Result<(), ApiError> {
    if original.moniker == changed.moniker {
        return Ok(());
    }
    let given_at_sign_in = |moniker: &str| {
        moniker == ADMIN_ROLE || state.config.default_roles.iter().any(|r| r == moniker)
    };
    for moniker in [&original.moniker, &changed.moniker] {
        if given_at_sign_in(moniker) {
            return Err(built_in(&format!(
                "`{moniker}` is given to users as they first sign in (OPTIMA_DEFAULT_ROLES), so \
                 no role may be renamed to or from it."
            )));
        }
    }
    Ok(())
}

impl RoleApi {
    async fn find(&self, identifier: &str) -> Result<Role, ApiError> {
        self.state
            .store
            .find_role(identifier)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "RoleNotFound",
                    format!("Role with identifier '{identifier}' was not found."),
                )
            })
    }

    /// Edits a role's grants with `edit` and writes them, once the built-in admin role is safe
    /// and the caller is allowed the change (no escalation). Take the grant-change guard first.
    async fn edit_grants(
        &self,
        caller: &Caller,
        identifier: &str,
        edit: impl FnOnce(&mut Vec<String>),
    ) -> Result<Role, ApiError> {
        let mut role = self.find(identifier).await?;
        let original = role.clone();
        edit(&mut role.permissions);
        guard_admin_role(&original, &role)?;
        Delegation::new(&self.state, caller)
            .role_change(Some(&original), Some(&role))
            .await?;
        Ok(self.state.store.update_role(&role).await?)
    }
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Role")]
impl RoleApi {
    /// Create a role with a title, a unique moniker and grants. Unknown permission nodes are
    /// refused with the node named.
    async fn create(
        &self,
        caller: Authorized<routes::CreateRole>,
        body: JsonBody<CreateRole>,
    ) -> Result<Created201<RoleOut>, ApiError> {
        let _one_change_at_a_time = self.state.serialize_grant_changes().await?;
        let body = body.0;
        let permissions = validate_grants(
            &self.state,
            "permissions",
            &body.permissions.unwrap_or_default(),
        )
        .await?;
        let new = NewRole {
            title: body.title.trim().to_owned(),
            moniker: body.moniker,
            permissions,
        };
        let proposed = Role {
            id: String::new(),
            title: new.title.clone(),
            moniker: new.moniker.clone(),
            permissions: new.permissions.clone(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        Delegation::new(&self.state, &caller)
            .role_change(None, Some(&proposed))
            .await?;
        let role = self.state.store.create_role(new).await?;
        Ok(caller.created(role.into()))
    }

    /// Fetch a role by id or moniker.
    async fn get(
        &self,
        caller: Authorized<routes::GetRole>,
        /// Role id or moniker.
        identifier: Path<String>,
    ) -> Result<Ok200<RoleOut>, ApiError> {
        Ok(caller.ok(self.find(&identifier.0).await?.into()))
    }

    /// Every role.
    async fn list(
        &self,
        caller: Authorized<routes::ListRoles>,
    ) -> Result<Ok200<Vec<RoleOut>>, ApiError> {
        let roles = self.state.store.list_roles().await?;
        Ok(caller.ok(roles.into_iter().map(Into::into).collect()))
    }

    /// Change a role's title, moniker or grants (the list replaces the current one).
    async fn update(
        &self,
        caller: Authorized<routes::UpdateRole>,
        /// Role id or moniker.
        identifier: Path<String>,
        body: JsonBody<UpdateRole>,
    ) -> Result<Ok200<RoleOut>, ApiError> {
        let _one_change_at_a_time = self.state.serialize_grant_changes().await?;
        let mut role = self.find(&identifier.0).await?;
        let original = role.clone();
        let body = body.0;
        if let Some(title) = body.title {
            role.title = title.trim().to_owned();
        }
        if let Some(moniker) = body.moniker {
            role.moniker = moniker;
        }
        if let Some(permissions) = body.permissions {
            role.permissions = validate_grants(&self.state, "permissions", &permissions).await?;
        }
        guard_admin_role(&original, &role)?;
        guard_sign_in_monikers(&self.state, &original, &role)?;
        Delegation::new(&self.state, &caller)
            .role_change(Some(&original), Some(&role))
            .await?;
        let role = self.state.store.update_role(&role).await?;
        Ok(caller.ok(role.into()))
    }

    /// Delete a role; every user who held it loses it.
    async fn delete(
        &self,
        caller: Authorized<routes::DeleteRole>,
        /// Role id or moniker.
        identifier: Path<String>,
    ) -> Result<Ok200<RoleOut>, ApiError> {
        let _one_change_at_a_time = self.state.serialize_grant_changes().await?;
        let role = self.find(&identifier.0).await?;
        if role.moniker == ADMIN_ROLE {
            return Err(built_in("The built-in admin role cannot be deleted."));
        }
        Delegation::new(&self.state, &caller)
            .role_change(Some(&role), None)
            .await?;
        let deleted = self
            .state
            .store
            .delete_role(&role.id)
            .await?
            .ok_or_else(|| ApiError::not_found("RoleNotFound", "Role was not found."))?;
        Ok(caller.ok(deleted.into()))
    }

    /// Add grants to a role (merged with the current ones).
    async fn add_permissions(
        &self,
        caller: Authorized<routes::AddRolePermissions>,
        /// Role id or moniker.
        identifier: Path<String>,
        body: JsonBody<PermissionList>,
    ) -> Result<Ok200<RoleOut>, ApiError> {
        let _one_change_at_a_time = self.state.serialize_grant_changes().await?;
        let adding = validate_grants(&self.state, "permissions", &body.0.permissions).await?;
        let role = self
            .edit_grants(&caller, &identifier.0, |grants| {
                for g in adding {
                    if !grants.contains(&g) {
                        grants.push(g);
                    }
                }
            })
            .await?;
        Ok(caller.ok(role.into()))
    }

    /// Remove grants from a role; grants it does not hold are ignored.
    async fn remove_permissions(
        &self,
        caller: Authorized<routes::RemoveRolePermissions>,
        /// Role id or moniker.
        identifier: Path<String>,
        body: JsonBody<PermissionList>,
    ) -> Result<Ok200<RoleOut>, ApiError> {
        let _one_change_at_a_time = self.state.serialize_grant_changes().await?;
        let removing = &body.0.permissions;
        let role = self
            .edit_grants(&caller, &identifier.0, |grants| {
                grants.retain(|g| !removing.contains(g))
            })
            .await?;
        Ok(caller.ok(role.into()))
    }

    /// The users who hold a role (their `roles` are role ids here).
    async fn users(
        &self,
        caller: Authorized<routes::GetRoleUsers>,
        /// Role id or moniker.
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<UserOut>>, ApiError> {
        let role = self.find(&identifier.0).await?;
        let users = self.state.store.users_with_role(&role.id).await?;
        Ok(caller.ok(users
            .into_iter()
            .map(|u| {
                let roles = u.roles.clone();
                UserOut::new(u, roles)
            })
            .collect()))
    }
}
