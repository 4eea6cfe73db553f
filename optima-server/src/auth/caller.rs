//! Who is calling: a verified access token resolved to its user, their roles and grants,
//! cached per grants version, and the check of a route's permissions.

use std::sync::Arc;

use optima_core::rbac::GrantSet;
use optima_core::store::{RoleStore, User, resolve_grants};

use crate::api::common::ApiError;
use crate::routes::RouteSpec;
use crate::state::AppState;

/// A signed-in caller of a route.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who.
    pub user: User,
    /// The monikers of the user's roles, in order.
    pub role_monikers: Vec<String>,
    /// What they may do.
    pub grants: Arc<GrantSet>,
}

/// Everything per-request authorization needs about a user, valid for one grants version.
#[derive(Debug, Clone)]
pub(crate) struct CachedCaller {
    caller: Caller,
    /// Tokens issued before this (epoch ms) were signed out.
    valid_after: i64,
}

impl Caller {
    /// Whether the caller holds `node`.
    pub fn can(&self, node: &str) -> bool {
        self.grants.check(node)
    }

    /// 403 unless the caller holds `node`.
    pub(crate) fn require(&self, node: &str, message: &str) -> Result<(), ApiError> {
        if self.can(node) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{message} (requires `{node}`)"
            )))
        }
    }
}

impl AppState {
    /// Who the bearer of `token` is and what they may do. One small query per request (the
    /// grants version) when nothing changed; users, roles and grants are reloaded from the store
    /// only when it moved, so revoking a role or signing out bites on the next request, on every
    /// replica.
    pub async fn caller(&self, token: &str) -> Result<Caller, ApiError> {
        let claims = self.verify(token)?;
        let version = self.store.rbac_version().await?;
        let cached = {
            let cache = self.grants_cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .get(&claims.sub)
                .filter(|(v, _)| *v == version)
                .map(|(_, c)| c.clone())
        };
        let entry = match cached {
            Some(entry) => entry,
            None => self.load_caller(&claims.sub).await?,
        };
        if claims.iat_ms < entry.valid_after {
            return Err(ApiError::unauthorized("This session was signed out"));
        }
        Ok(entry.caller)
    }

    async fn load_caller(&self, user_id: &str) -> Result<CachedCaller, ApiError> {
        let (user, valid_after, version) = self
            .store
            .user_for_request(user_id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("The user of this token no longer exists"))?;
        let mut role_monikers = Vec::with_capacity(user.roles.len());
        for role_id in &user.roles {
            if let Some(role) = self.store.find_role(role_id).await? {
                role_monikers.push(role.moniker);
            }
        }
        let grants = Arc::new(resolve_grants(&self.store, &user, &self.catalog()).await?);
        let entry = CachedCaller {
            caller: Caller {
                user,
                role_monikers,
                grants,
            },
            valid_after,
        };
        let mut cache = self.grants_cache.lock().unwrap_or_else(|e| e.into_inner());
        // Entries from older versions are dead; drop them rather than let them pile up.
        cache.retain(|_, (v, _)| *v == version);
        cache.insert(user_id.to_owned(), (version, entry.clone()));
        Ok(entry)
    }
}

/// 403 naming every permission the route needs that the caller lacks.
pub fn check_route(caller: &Caller, spec: &RouteSpec) -> Result<(), ApiError> {
    let missing: Vec<&str> = spec
        .permissions
        .iter()
        .copied()
        .filter(|p| !caller.can(p))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "Insufficient permissions: requires {}",
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}
