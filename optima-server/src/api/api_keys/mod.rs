//! `/api-keys`: keys that let scripts and integrations act for their owner, never beyond what
//! the owner holds at the moment of each request.

pub mod models;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use optima_core::rbac::{DelegationError, Grant, GrantSet, GrantSource, SourcedGrant};
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use secrecy::ExposeSecret;

use self::models::{ApiKeyOut, CreateApiKey, CreatedApiKey};
use super::common::{ApiError, Created201, JsonBody, Ok200};
use super::delegation::refused;
use super::roles::validate_grants;
use super::{ApiTags, Authorized};
use crate::auth::api_keys;
use crate::auth::caller::Caller;
use crate::db::timestamp;
use crate::routes;
use crate::state::AppState;
use crate::store::api_keys::{ApiKeyRecord, NewApiKey};

/// `/api-keys`.
#[derive(Debug)]
pub struct ApiKeyApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// 404 for a key that does not exist, or that is someone else's and the caller may not see
/// others' keys: which of the two is not told.
fn key_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "ApiKeyNotFound",
        format!("API key with identifier '{id}' was not found."),
    )
}

/// `expiresAt`, which must be a time in the future.
fn expiry(text: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = text else { return Ok(None) };
    let at = DateTime::parse_from_rfc3339(text.trim())
        .map_err(|e| {
            ApiError::invalid(
                &["body", "expiresAt"],
                format!("not an RFC 3339 time ({e})"),
            )
        })?
        .with_timezone(&Utc);
    if at <= Utc::now() {
        return Err(ApiError::invalid(
            &["body", "expiresAt"],
            "must be in the future",
        ));
    }
    Ok(Some(at))
}

/// 403 unless the caller holds everything the new key would: what its owner (the caller's
/// user) and `grants` both allow. A user may write any grants on their own key (it never holds
/// more than they do); a key making a key cannot give it more than itself, now or later: its
/// `grants` must lie within the maker's own.
fn check_delegable(state: &AppState, caller: &Caller, grants: &[String]) -> Result<(), ApiError> {
    let owner = caller
        .api_key
        .as_ref()
        .map_or(&caller.grants, |k| &k.owner_grants);
    let written = GrantSet::builder()
        .grants(grants.iter().filter_map(|g| {
            Grant::parse(g).ok().map(|grant| SourcedGrant {
                grant,
                source: GrantSource::Direct,
            })
        }))
        .dependencies_from(&state.catalog())
        .build();
    if let Some(maker) = &caller.api_key {
        // Both keys hold their grants intersected with the owner's at every request: a grant the
        // owner lacks today gives the new key nothing now, but all of it once the owner is
        // promoted, while the maker still lacks it.
        maker
            .key_grants
            .covers(&written)
            .map_err(|lacking| refused(DelegationError::Escalation { lacking }))?;
    }
    let would_hold = owner.intersection(&written, GrantSource::Direct);
    caller
        .grants
        .covers(&would_hold)
        .map_err(|lacking| refused(DelegationError::Escalation { lacking }))
}

/// 403 when a key would make a key that works after the maker itself has expired: a stolen
/// key about to expire must not buy its thief one that never does.
fn outlives_maker(caller: &Caller, expires_at: Option<DateTime<Utc>>) -> Result<(), ApiError> {
    let Some(limit) = caller.api_key.as_ref().and_then(|k| k.expires_at) else {
        return Ok(());
    };
    if expires_at.is_some_and(|at| at <= limit) {
        return Ok(());
    }
    Err(ApiError::new(
        poem::http::StatusCode::FORBIDDEN,
        "PermissionEscalation",
        format!(
            "A key cannot make a key that outlives it: `expiresAt` must be at or before {}",
            timestamp(limit)
        ),
    ))
}

impl ApiKeyApi {
    /// A key the caller may see: their own, or anyone's with `also_others`.
    async fn visible(
        &self,
        caller: &Caller,
        id: &str,
        also_others: bool,
    ) -> Result<ApiKeyRecord, ApiError> {
        match self.state.store.api_key(id).await? {
            Some(key) if key.owner_id == caller.user.id || also_others => Ok(key),
            _ => Err(key_not_found(id)),
        }
    }
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::ApiKey")]
impl ApiKeyApi {
    /// Create an API key for yourself. Its secret is in this answer only. The key holds what
    /// both its `permissions` and your own grants allow, at every request: demoting or deleting
    /// you shrinks or ends it at once (`["*"]`: everything you hold). A key making a key cannot
    /// give it more than it holds itself.
    async fn create(
        &self,
        caller: Authorized<routes::CreateApiKey>,
        body: JsonBody<CreateApiKey>,
    ) -> Result<Created201<CreatedApiKey>, ApiError> {
        let body = body.0;
        let name = body.name.trim().to_owned();
        let expires_at = expiry(body.expires_at.as_deref())?;
        outlives_maker(&caller, expires_at)?;
        let permissions = validate_grants(&self.state, "permissions", &body.permissions).await?;
        check_delegable(&self.state, &caller, &permissions)?;
        let minted = api_keys::mint();
        let record = self
            .state
            .store
            .create_api_key(&NewApiKey {
                owner_id: caller.user.id.clone(),
                name,
                description: body.description.map(|d| d.trim().to_owned()),
                prefix: minted.prefix,
                secret_hash: minted.hash,
                permissions,
                expires_at,
                created_by_key: caller.api_key.as_ref().map(|k| k.id.clone()),
            })
            .await?;
        tracing::info!(key_id = %record.id, prefix = %record.prefix, "API key created");
        Ok(caller.created(CreatedApiKey {
            key: minted.key.expose_secret().to_owned(),
            api_key: record.into(),
        }))
    }

    /// Your API keys, newest first, revoked and expired ones included.
    async fn list_mine(
        &self,
        caller: Authorized<routes::ListMyApiKeys>,
    ) -> Result<Ok200<Vec<ApiKeyOut>>, ApiError> {
        let keys = self.state.store.api_keys(Some(&caller.user.id)).await?;
        Ok(caller.ok(keys.into_iter().map(Into::into).collect()))
    }

    /// Everyone's API keys, newest first.
    async fn list_all(
        &self,
        caller: Authorized<routes::ListAllApiKeys>,
    ) -> Result<Ok200<Vec<ApiKeyOut>>, ApiError> {
        let keys = self.state.store.api_keys(None).await?;
        Ok(caller.ok(keys.into_iter().map(Into::into).collect()))
    }

    /// One API key: yours, or anyone's with `api_key.read.all`.
    async fn get(
        &self,
        caller: Authorized<routes::GetApiKey>,
        /// The key's id.
        id: Path<String>,
    ) -> Result<Ok200<ApiKeyOut>, ApiError> {
        let others = caller.holds(routes::GetApiKey::OTHERS);
        let key = self.visible(&caller, &id.0, others).await?;
        Ok(caller.ok(key.into()))
    }

    /// Revoke an API key: yours, or anyone's with `api_key.revoke.all`. It, and every key made
    /// through it, stop working at their next request, on every replica. Revoking a revoked key
    /// changes nothing.
    async fn revoke(
        &self,
        caller: Authorized<routes::RevokeApiKey>,
        /// The key's id.
        id: Path<String>,
    ) -> Result<Ok200<ApiKeyOut>, ApiError> {
        let others = caller.holds(routes::RevokeApiKey::OTHERS);
        let key = self.visible(&caller, &id.0, others).await?;
        let revoked = self
            .state
            .store
            .revoke_api_key(&key.id)
            .await?
            .ok_or_else(|| key_not_found(&id.0))?;
        tracing::info!(key_id = %revoked.id, prefix = %revoked.prefix, "API key revoked");
        Ok(caller.ok(revoked.into()))
    }
}
