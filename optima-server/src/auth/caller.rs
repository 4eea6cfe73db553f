//! Who is calling: a verified access token or API key resolved to its user, their roles and
//! grants (for a key, what its owner and the key both allow), cached per grants version, and the
//! check of a route's permissions.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use optima_core::rbac::{GrantSet, GrantSource};
use optima_core::store::{RoleStore, User, resolve_grants};

use super::api_keys;
use crate::api::common::ApiError;
use crate::routes::RouteSpec;
use crate::state::AppState;
use crate::store::api_keys::ApiKeyRecord;

/// How often a key's last use is written down, at most: a key used in a loop must not turn
/// every read into a write.
const KEY_USE_RECORDED_EVERY_SECS: i64 = 60;

/// A signed-in caller of a route.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who.
    pub user: User,
    /// The monikers of the user's roles, in order.
    pub role_monikers: Vec<String>,
    /// What they may do (with an API key: what its owner and the key both allow).
    pub grants: Arc<GrantSet>,
    /// The API key the request came with, if it came with one.
    pub api_key: Option<KeyCaller>,
}

/// The API key a caller presented, and the two sides its grants are the intersection of.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    /// The key's id.
    pub id: String,
    /// The key's name.
    pub name: String,
    /// The key's prefix.
    pub prefix: String,
    /// What the owner holds.
    pub owner_grants: Arc<GrantSet>,
    /// What the key's own grants allow.
    pub key_grants: Arc<GrantSet>,
    /// When the key stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Everything per-request authorization needs about a user, valid for one grants version.
#[derive(Debug, Clone)]
pub(crate) struct CachedCaller {
    caller: Caller,
    /// Tokens issued before this (epoch ms) were signed out.
    valid_after: i64,
    /// For an API key: the hash of its secret, and when it expires or was revoked.
    key: Option<CachedKey>,
}

#[derive(Debug, Clone)]
struct CachedKey {
    secret_hash: String,
    expires_at: Option<DateTime<Utc>>,
    revoked: bool,
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
    pub async fn caller(&self, token: &str, address: Option<&str>) -> Result<Caller, ApiError> {
        if let Some(prefix) = api_keys::prefix_of(token) {
            return self.key_caller(token, prefix, address).await;
        }
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

    /// The caller presenting API key `presented` (whose prefix is `prefix`). A wrong secret is
    /// "invalid" whether or not the prefix exists; only the holder of the whole key learns that
    /// it was revoked or has expired.
    async fn key_caller(
        &self,
        presented: &str,
        prefix: &str,
        address: Option<&str>,
    ) -> Result<Caller, ApiError> {
        let version = self.store.rbac_version().await?;
        let cache_key = format!("key:{prefix}");
        let cached = {
            let cache = self.grants_cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .get(&cache_key)
                .filter(|(v, _)| *v == version)
                .map(|(_, c)| c.clone())
        };
        let entry = match cached {
            Some(entry) => entry,
            None => self.load_key_caller(prefix, &cache_key).await?,
        };
        let invalid = || ApiError::unauthorized("Invalid API key");
        let key = entry.key.as_ref().ok_or_else(invalid)?;
        if !api_keys::matches(presented, &key.secret_hash) {
            return Err(invalid());
        }
        if key.revoked {
            return Err(ApiError::unauthorized("This API key was revoked"));
        }
        let now = Utc::now();
        if key.expires_at.is_some_and(|at| at <= now) {
            return Err(ApiError::unauthorized("This API key has expired"));
        }
        if let Some(k) = &entry.caller.api_key {
            self.note_key_use(&k.id, now, address);
        }
        Ok(entry.caller)
    }

    /// Writes down a key's use unless this process did so in the last minute; in the
    /// background, so that the request does not wait for it.
    fn note_key_use(&self, key_id: &str, now: DateTime<Utc>, address: Option<&str>) {
        {
            let mut uses = self.key_uses.lock().unwrap_or_else(|e| e.into_inner());
            if uses
                .get(key_id)
                .is_some_and(|last| (now - *last).num_seconds() < KEY_USE_RECORDED_EVERY_SECS)
            {
                return;
            }
            uses.insert(key_id.to_owned(), now);
        }
        let store = self.store.clone();
        let (key_id, address) = (key_id.to_owned(), address.map(str::to_owned));
        tokio::spawn(async move {
            if let Err(e) = store
                .record_api_key_use(&key_id, now, address.as_deref())
                .await
            {
                tracing::warn!(error = %e, "could not record an API key's use");
            }
        });
    }

    async fn load_key_caller(
        &self,
        prefix: &str,
        cache_key: &str,
    ) -> Result<CachedCaller, ApiError> {
        let version = self.store.rbac_version().await?;
        let Some((record, secret_hash)) = self.store.api_key_by_prefix(prefix).await? else {
            return Err(ApiError::unauthorized("Invalid API key"));
        };
        // An owner deleted meanwhile makes the key invalid; a database failure stays one.
        let owner = self
            .load_caller(&record.owner_id)
            .await
            .map_err(|e| match e {
                ApiError::Unauthorized(_) => ApiError::unauthorized("Invalid API key"),
                other => other,
            })?;
        let entry = CachedCaller {
            caller: self.scoped_to(owner.caller, &record),
            valid_after: 0,
            key: Some(CachedKey {
                secret_hash,
                expires_at: record.expires_at,
                revoked: record.revoked_at.is_some(),
            }),
        };
        let mut cache = self.grants_cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|_, (v, _)| *v == version);
        cache.insert(cache_key.to_owned(), (version, entry.clone()));
        Ok(entry)
    }

    /// The owner as they act through `key`: with what they and the key both hold.
    pub fn scoped_to(&self, owner: Caller, key: &ApiKeyRecord) -> Caller {
        let key_grants = Arc::new(
            GrantSet::builder()
                .grants(key.permissions.iter().filter_map(|g| {
                    optima_core::rbac::Grant::parse(g).ok().map(|grant| {
                        optima_core::rbac::SourcedGrant {
                            grant,
                            source: GrantSource::Direct,
                        }
                    })
                }))
                .dependencies_from(&self.catalog())
                .build(),
        );
        let grants = Arc::new(owner.grants.intersection(&key_grants, GrantSource::Direct));
        Caller {
            api_key: Some(KeyCaller {
                id: key.id.clone(),
                name: key.name.clone(),
                prefix: key.prefix.clone(),
                owner_grants: owner.grants.clone(),
                key_grants,
                expires_at: key.expires_at,
            }),
            grants,
            ..owner
        }
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
                api_key: None,
            },
            valid_after,
            key: None,
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
