//! `/credential-type`: the kinds of credential the vault holds and their fields. Each type's
//! `permissionScope` joins the permission catalog as it is created and leaves it when deleted.

use std::sync::Arc;

use optima_core::vault::{
    CredentialStore, CredentialType, CredentialTypeInput, CredentialTypePatch, CredentialTypeStore,
};
use poem_openapi::OpenApi;
use poem_openapi::param::Path;

use super::common::{ApiError, Created201, JsonBody, Ok200, created, ok};
use super::credentials::{find_type, validation_error, visible_of_type};
use super::vault_models::{
    CreateCredentialType, CredentialOut, CredentialTypeOut, Deleted200, UpdateCredentialType,
    deleted,
};
use super::{ApiTags, BearerAuth};
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

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::CredentialType")]
impl CredentialTypeApi {
    /// One credential type, by id or name (ignoring case), with its `credentialCount`.
    #[oai(
        path = "/credential-type/:identifier",
        method = "get",
        operation_id = "getCredentialType"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Credential type id or name.
        identifier: Path<String>,
    ) -> Result<Ok200<CredentialTypeOut>, ApiError> {
        self.state
            .authorize(&auth.0.token, "getCredentialType")
            .await?;
        let ty = find_type(&self.state, &identifier.0).await?;
        Ok(ok("getCredentialType", self.with_count(&ty).await?))
    }

    /// Every credential type, by name, each with its `credentialCount`.
    #[oai(
        path = "/credential-type",
        method = "get",
        operation_id = "listCredentialTypes"
    )]
    async fn list(&self, auth: BearerAuth) -> Result<Ok200<Vec<CredentialTypeOut>>, ApiError> {
        self.state
            .authorize(&auth.0.token, "listCredentialTypes")
            .await?;
        let types = self.state.store.list_types().await?;
        let mut data = Vec::with_capacity(types.len());
        for ty in &types {
            data.push(self.with_count(ty).await?);
        }
        Ok(ok("listCredentialTypes", data))
    }

    /// Create a credential type. Every problem with the definition is returned at once with
    /// its path; its `permissionScope` becomes a grantable permission node.
    #[oai(
        path = "/credential-type",
        method = "post",
        operation_id = "createCredentialType"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateCredentialType>,
    ) -> Result<Created201<CredentialTypeOut>, ApiError> {
        self.state
            .authorize(&auth.0.token, "createCredentialType")
            .await?;
        let body = body.0;
        let ty = CredentialType::create(CredentialTypeInput {
            name: body.name,
            permission_scope: body.permission_scope,
            icon: body.icon,
            fields: body.fields.into_iter().map(Into::into).collect(),
        })
        .map_err(validation_error)?;
        self.state.store.create_type(&ty).await?;
        self.resync_scopes().await;
        Ok(created(
            "createCredentialType",
            CredentialTypeOut::new(&ty, Some(0)),
        ))
    }

    /// Change a credential type's name, scope, icon or fields (`fields` replaces the list).
    #[oai(
        path = "/credential-type/:identifier",
        method = "patch",
        operation_id = "updateCredentialType"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        /// Credential type id (or name).
        identifier: Path<String>,
        body: JsonBody<UpdateCredentialType>,
    ) -> Result<Ok200<CredentialTypeOut>, ApiError> {
        self.state
            .authorize(&auth.0.token, "updateCredentialType")
            .await?;
        let ty = find_type(&self.state, &identifier.0).await?;
        let body = body.0;
        let updated = ty
            .patched(CredentialTypePatch {
                name: body.name,
                permission_scope: body.permission_scope,
                icon: body.icon,
                fields: body.fields.map(|f| f.into_iter().map(Into::into).collect()),
            })
            .map_err(validation_error)?;
        self.state.store.update_type(&updated).await?;
        if updated.permission_scope != ty.permission_scope {
            self.resync_scopes().await;
        }
        Ok(ok("updateCredentialType", self.with_count(&updated).await?))
    }

    /// Delete a credential type and every credential of it (sub-credentials included).
    #[oai(
        path = "/credential-type/:identifier",
        method = "delete",
        operation_id = "deleteCredentialType"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        /// Credential type id (or name).
        identifier: Path<String>,
    ) -> Result<Deleted200, ApiError> {
        self.state
            .authorize(&auth.0.token, "deleteCredentialType")
            .await?;
        let ty = find_type(&self.state, &identifier.0).await?;
        let removed = self.state.store.delete_type(&ty.id).await?;
        tracing::info!(type_id = %ty.id, credentials = removed, "credential type deleted");
        self.resync_scopes().await;
        Ok(deleted("deleteCredentialType"))
    }

    /// The credentials of a type (not sub-credentials), by name; empty unless the caller holds
    /// the type's `permissionScope`.
    #[oai(
        path = "/credential-type/:id/credentials",
        method = "get",
        operation_id = "listCredentialsByType"
    )]
    async fn credentials(
        &self,
        auth: BearerAuth,
        /// Credential type id (or name).
        id: Path<String>,
    ) -> Result<Ok200<Vec<CredentialOut>>, ApiError> {
        let caller = self
            .state
            .authorize(&auth.0.token, "listCredentialsByType")
            .await?;
        let ty = find_type(&self.state, &id.0).await?;
        let data = visible_of_type(&self.state, &caller, &ty).await?;
        Ok(ok("listCredentialsByType", data))
    }
}
