//! The permission catalog routes.

pub mod models;

use std::collections::BTreeMap;
use std::sync::Arc;

use poem_openapi::OpenApi;
use poem_openapi::param::Path;

use self::models::{CategoryOut, PermissionNodeOut};
use super::common::{ApiError, Ok200};
use super::{ApiTags, Authorized};
use crate::routes;
use crate::state::AppState;

/// `/permissions`.
#[derive(Debug)]
pub struct PermissionApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Permissions")]
impl PermissionApi {
    /// Every permission node by category, with where each is used and what it depends on.
    async fn catalog(
        &self,
        caller: Authorized<routes::GetPermissionCatalog>,
    ) -> Result<Ok200<BTreeMap<String, CategoryOut>>, ApiError> {
        let catalog = self.state.catalog();
        let categories = catalog
            .categories()
            .iter()
            .map(|c| (c.key.clone(), c.into()))
            .collect();
        Ok(caller.ok(categories))
    }

    /// Every permission node in one list.
    async fn nodes(
        &self,
        caller: Authorized<routes::GetPermissionNodes>,
    ) -> Result<Ok200<Vec<PermissionNodeOut>>, ApiError> {
        let catalog = self.state.catalog();
        Ok(caller.ok(catalog.nodes().map(Into::into).collect()))
    }

    /// One category of the catalog by key (`global`, `company`, `credentialType`, …).
    async fn category(
        &self,
        caller: Authorized<routes::GetPermissionCategory>,
        /// The category key.
        category: Path<String>,
    ) -> Result<Ok200<CategoryOut>, ApiError> {
        let catalog = self.state.catalog();
        let found = catalog.category(&category.0).ok_or_else(|| {
            ApiError::not_found(
                "NotFound",
                format!("Permission category \"{}\" not found", category.0),
            )
        })?;
        Ok(caller.ok(found.into()))
    }
}
