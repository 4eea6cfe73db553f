//! `/credential-type`: the kinds of credential the vault holds and their fields. Each type's
//! `permissionScope` joins the permission catalog as it is created and leaves it when deleted.

pub mod models;

use std::sync::Arc;

use optima_core::vault::{
    Credential, CredentialStore, CredentialType, CredentialTypeInput, CredentialTypePatch,
    CredentialTypeStore, FieldChanges, FieldPath,
};
use poem::http::StatusCode;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;

use self::models::{CreateCredentialType, CredentialTypeOut, UpdateCredentialType};
use super::common::{ApiError, Created201, JsonBody, Ok200};
use super::credentials::models::{CredentialOut, Deleted200, deleted};
use super::credentials::{find_type, validation_error, vault_error, visible_of_type};
use super::{ApiTags, Authorized};
use crate::auth::caller::Caller;
use crate::routes;
use crate::state::AppState;

/// `/credential-type`.
#[derive(Debug)]
pub struct CredentialTypeApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

impl CredentialTypeApi {
    async fn with_count(&self, ty: &CredentialType) -> Result<CredentialTypeOut, ApiError> {
        let count = self.state.store.count_by_type(&ty.id).await?;
        Ok(CredentialTypeOut::new(ty, Some(count)))
    }

    /// Brings the catalog's scope nodes in line with the stored types. A failure here leaves the
    /// catalog behind until the next change or restart; the change itself is stored.
    async fn resync_scopes(&self) {
        if let Err(e) = self.state.sync_credential_scopes().await {
            tracing::error!(error = %e, "could not refresh credential scopes in the catalog");
        }
    }
}

impl CredentialTypeApi {
    /// Turning a secure field plain stores its values in clear: only someone who may reveal them
    /// may, and only when asking for it in so many words.
    fn may_unseal(
        &self,
        caller: &Caller,
        ty: &CredentialType,
        changes: &FieldChanges,
        confirmed: bool,
    ) -> Result<(), ApiError> {
        let mut lacking: Vec<&str> = Vec::new();
        for node in [REVEAL, ty.permission_scope.as_str()] {
            if !caller.can(node) {
                lacking.push(node);
            }
        }
        if !lacking.is_empty() {
            return Err(ApiError::forbidden(format!(
                "Turning secure fields ({}) plain stores their values in clear, which needs what \
                 revealing them needs: requires {}",
                join_paths(&changes.unsealed),
                lacking
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if !confirmed {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "ConfirmationRequired",
                format!(
                    "Turning secure fields ({}) plain opens every value of them and stores it in \
                     clear; send `\"confirmUnseal\": true` to do it.",
                    join_paths(&changes.unsealed)
                ),
            ));
        }
        Ok(())
    }
}

/// 400 when `scope` is one of Optima's own permission nodes: a type scoped to `user.read`
/// would open its credentials to every member, which is a scope in name only.
fn refuse_built_in_scope(state: &AppState, scope: &str) -> Result<(), ApiError> {
    match state.catalog().get(scope) {
        Some(node) if !node.dynamic => Err(ApiError::invalid(
            &["body", "permissionScope"],
            format!(
                "`{scope}` is one of Optima's own permissions; give the type a scope of its own"
            ),
        )),
        _ => Ok(()),
    }
}

/// The node that lets a caller read secure values.
const REVEAL: &str = "credential.secure_values.read";

/// 403 unless the caller holds both the old and the new scope: otherwise a type edit would lift
/// a restriction the caller is under, or hand the type's credentials to holders of a node the
/// caller lacks.
fn require_both_scopes(
    caller: &Caller,
    old: &CredentialType,
    new: &CredentialType,
) -> Result<(), ApiError> {
    let lacking: Vec<String> = [&old.permission_scope, &new.permission_scope]
        .into_iter()
        .filter(|scope| !caller.can(scope))
        .map(|scope| format!("`{scope}`"))
        .collect();
    if lacking.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "PermissionEscalation",
        format!(
            "Changing the permission scope of `{}` from `{}` to `{}` needs holding both: you lack {}.",
            old.name,
            old.permission_scope,
            new.permission_scope,
            lacking.join(", ")
        ),
    ))
}

fn join_paths(paths: &[FieldPath]) -> String {
    paths
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every credential of `ty`, sub-credentials included.
async fn all_of_type(state: &AppState, ty: &CredentialType) -> Result<Vec<Credential>, ApiError> {
    let mut all = state.store.list_by_type(&ty.id).await?;
    let mut next = 0;
    while next < all.len() {
        let children = state.store.list_sub_credentials(&all[next].id).await?;
        all.extend(children);
        next += 1;
    }
    Ok(all)
}

/// How many stored values (and sub-credentials) the type's new shape `new` has no place for.
async fn values_without_a_place(state: &AppState, new: &CredentialType) -> Result<u64, ApiError> {
    let mut count = 0;
    for credential in all_of_type(state, new).await? {
        count += match new.fields_at(&credential.schema_path) {
            None => 1,
            Some(_) => credential
                .fields
                .iter()
                .filter(|f| new.field_at(&credential.schema_path, &f.field_id).is_none())
                .count() as u64,
        };
    }
    Ok(count)
}

fn values_would_go(changes: &FieldChanges, count: u64) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "FieldHasValues",
        format!(
            "Removing {} would delete {count} stored value(s) or sub-credential(s); send \
             `\"confirmRemoveValues\": true` to remove them.",
            join_paths(&changes.removed)
        ),
    )
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::CredentialType")]
impl CredentialTypeApi {
    /// One credential type, by id or name (ignoring case), with its `credentialCount`.
    async fn get(
        &self,
        caller: Authorized<routes::GetCredentialType>,
        /// Credential type id or name.
        identifier: Path<String>,
    ) -> Result<Ok200<CredentialTypeOut>, ApiError> {
        let ty = find_type(&self.state, &identifier.0).await?;
        Ok(caller.ok(self.with_count(&ty).await?))
    }

    /// Every credential type, by name, each with its `credentialCount`.
    async fn list(
        &self,
        caller: Authorized<routes::ListCredentialTypes>,
    ) -> Result<Ok200<Vec<CredentialTypeOut>>, ApiError> {
        let types = self.state.store.list_types().await?;
        let mut data = Vec::with_capacity(types.len());
        for ty in &types {
            data.push(self.with_count(ty).await?);
        }
        Ok(caller.ok(data))
    }

    /// Create a credential type. Every problem with the definition is returned at once with
    /// its path; its `permissionScope` becomes a grantable permission node.
    async fn create(
        &self,
        caller: Authorized<routes::CreateCredentialType>,
        body: JsonBody<CreateCredentialType>,
    ) -> Result<Created201<CredentialTypeOut>, ApiError> {
        let body = body.0;
        refuse_built_in_scope(&self.state, &body.permission_scope)?;
        let ty = CredentialType::create(CredentialTypeInput {
            name: body.name,
            permission_scope: body.permission_scope,
            icon: body.icon,
            fields: body.fields.into_iter().map(Into::into).collect(),
        })
        .and_then(|ty| ty.with_password_policy(body.password_policy.map(Into::into)))
        .map_err(validation_error)?;
        self.state.store.create_type(&ty).await?;
        self.resync_scopes().await;
        Ok(caller.created(CredentialTypeOut::new(&ty, Some(0))))
    }

    /// Change a credential type's name, scope, icon or fields (`fields` replaces the list).
    async fn update(
        &self,
        caller: Authorized<routes::UpdateCredentialType>,
        /// Credential type id (or name).
        identifier: Path<String>,
        body: JsonBody<UpdateCredentialType>,
    ) -> Result<Ok200<CredentialTypeOut>, ApiError> {
        let ty = find_type(&self.state, &identifier.0).await?;
        let body = body.0;
        let clear_icon = body.icon.is_null();
        let mut updated = ty
            .patched(CredentialTypePatch {
                name: body.name,
                permission_scope: body.permission_scope,
                icon: body.icon.take(),
                fields: body.fields.map(|f| f.into_iter().map(Into::into).collect()),
            })
            .map_err(validation_error)?;
        if clear_icon {
            updated.icon = None;
        }
        let updated = match body.password_policy {
            None => updated,
            Some(p) => updated
                .with_password_policy(Some(p.into()))
                .map_err(validation_error)?,
        };
        if updated.permission_scope != ty.permission_scope {
            refuse_built_in_scope(&self.state, &updated.permission_scope)?;
            require_both_scopes(&caller, &ty, &updated)?;
        }
        let changes = ty.field_changes(&updated);
        let confirmed_unseal = body.confirm_unseal == Some(true);
        let confirmed_removal = body.confirm_remove_values == Some(true);
        if !changes.unsealed.is_empty() {
            self.may_unseal(&caller, &ty, &changes, confirmed_unseal)?;
        }
        if !changes.removed.is_empty() && !confirmed_removal {
            let count = values_without_a_place(&self.state, &updated).await?;
            if count > 0 {
                return Err(values_would_go(&changes, count));
            }
        }
        let vault = self.state.vault();
        // The store records each value a field turned plain opens as a reveal, in the rewrite's
        // own transaction, from this request's audit context.
        let counts = self
            .state
            .store
            .update_type_rewriting(&ty, &updated, &|credential| {
                vault.apply_field_changes(
                    credential,
                    &updated,
                    &changes.unsealed,
                    confirmed_removal,
                )
            })
            .await
            .map_err(vault_error)?;
        if !changes.is_empty() {
            tracing::info!(
                target: "optima::audit",
                user_id = %caller.user.id,
                type_id = %updated.id,
                sealed = %join_paths(&changes.sealed),
                unsealed = %join_paths(&changes.unsealed),
                removed = %join_paths(&changes.removed),
                credentials_changed = counts.changed,
                credentials_removed = counts.removed,
                "credential type fields changed"
            );
        }
        if updated.permission_scope != ty.permission_scope {
            self.resync_scopes().await;
        }
        Ok(caller.ok(self.with_count(&updated).await?))
    }

    /// Delete a credential type and every credential of it (sub-credentials included).
    async fn delete(
        &self,
        caller: Authorized<routes::DeleteCredentialType>,
        /// Credential type id (or name).
        identifier: Path<String>,
    ) -> Result<Deleted200, ApiError> {
        let ty = find_type(&self.state, &identifier.0).await?;
        let removed = self.state.store.delete_type(&ty.id).await?;
        tracing::info!(type_id = %ty.id, credentials = removed, "credential type deleted");
        self.resync_scopes().await;
        Ok(deleted(caller.route()))
    }

    /// The credentials of a type (not sub-credentials), by name; empty unless the caller holds
    /// the type's `permissionScope`.
    async fn credentials(
        &self,
        caller: Authorized<routes::ListCredentialsByType>,
        /// Credential type id (or name).
        id: Path<String>,
    ) -> Result<Ok200<Vec<CredentialOut>>, ApiError> {
        let ty = find_type(&self.state, &id.0).await?;
        let data = visible_of_type(&self.state, &caller, &ty).await?;
        Ok(caller.ok(data))
    }
}
