//! What every handler shares: settings, the store, the permission catalog, the signing keys,
//! the vault and the vendor clients. How a caller is resolved is in [`crate::auth`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use optima_core::rbac::Catalog;

use crate::api::common::ApiError;
use crate::auth::caller::CachedCaller;
use crate::auth::tokens::{SigningKeys, secret_in_data_dir};
use crate::config::Config;
use crate::routes::ROUTES;
use crate::store::SqlStore;

/// Shared server state.
pub struct AppState {
    /// Resolved settings.
    pub config: Config,
    /// The database.
    pub store: SqlStore,
    catalog: RwLock<Arc<Catalog>>,
    pub(crate) signing: SigningKeys,
    /// Keys the entity tags of vendor objects (Wi-Fi networks): a tag covers secrets (the
    /// passphrase), and keyed it says nothing of them. Derived from the signing secret, so
    /// every replica gives the same tag.
    pub(crate) etag_key: [u8; 32],
    /// Resolved callers per user, tagged with the grants version they were built at. Any change
    /// to users, roles, grants or sessions bumps that version, so an entry is good exactly as
    /// long as the version it carries is current.
    pub(crate) grants_cache: Mutex<HashMap<String, (i64, CachedCaller)>>,
    /// When this process last wrote down each API key's use (by key id).
    pub(crate) key_uses: Mutex<HashMap<String, chrono::DateTime<chrono::Utc>>>,
    /// For calls to Microsoft.
    pub http: reqwest::Client,
    /// ConnectWise and UniFi clients, where configured.
    pub integrations: crate::integrations::Integrations,
    /// Keeps two syncs of one kind from running at once in this process.
    pub sync_locks: crate::sync::SyncLocks,
    /// The credential vault, following its key file.
    vault: crate::vault::LiveVault,
    /// One credential-scope refresh at a time, so an older list of types never lands last.
    scopes_refresh: tokio::sync::Mutex<()>,
    /// One change of grants at a time in this process; see [`AppState::serialize_grant_changes`].
    grant_changes: tokio::sync::Mutex<()>,
}

/// Held while a change of roles, grants or users is checked and written, so that no other such
/// change lands between the check and the write (which could make a checked change give more
/// than was checked, or undo a revocation). Released when dropped.
pub struct GrantChangeGuard<'a> {
    _here: tokio::sync::MutexGuard<'a, ()>,
    /// On PostgreSQL, a transaction holding an advisory lock, so replicas take turns too;
    /// dropping it rolls back, which releases the lock.
    _across_replicas: Option<sqlx::Transaction<'static, sqlx::Any>>,
}

impl std::fmt::Debug for GrantChangeGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrantChangeGuard")
            .field("across_replicas", &self._across_replicas.is_some())
            .finish()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// A key for one purpose, derived from the signing secret (HMAC-SHA256 of the purpose).
fn derive_key(secret: &secrecy::SecretString, purpose: &[u8]) -> [u8; 32] {
    use hmac::Mac as _;
    use secrecy::ExposeSecret as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

impl AppState {
    /// Builds the state: the catalog with `usedIn` from the route table, and the signing key
    /// from settings or the data dir.
    pub fn new(config: Config, store: SqlStore) -> Result<AppState, crate::app::StartError> {
        let integrations = crate::integrations::Integrations::from_config(&config)?;
        let secret = match &config.jwt_secret {
            Some(s) => s.clone(),
            None => secret_in_data_dir(&config.data_dir, "jwt-secret")?,
        };
        let (keyring, key_source) = crate::vault::load_keyring(&config)?;
        let signing = SigningKeys::from_secret(&secret);
        let etag_key = derive_key(&secret, b"optima entity tags v1");
        Ok(AppState {
            config,
            store,
            catalog: RwLock::new(Arc::new(catalog_with_usage())),
            signing,
            etag_key,
            grants_cache: Mutex::new(HashMap::new()),
            key_uses: Mutex::new(HashMap::new()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            integrations,
            sync_locks: Default::default(),
            vault: crate::vault::LiveVault::new(keyring, key_source),
            scopes_refresh: tokio::sync::Mutex::new(()),
            grant_changes: tokio::sync::Mutex::new(()),
        })
    }

    /// Waits for any other change of roles, grants or users to finish, here and (on PostgreSQL)
    /// on every replica, and holds them off until the guard is dropped. Take it before reading
    /// what a change is checked against.
    pub async fn serialize_grant_changes(&self) -> Result<GrantChangeGuard<'_>, ApiError> {
        let here = self.grant_changes.lock().await;
        let across_replicas = self.store.hold_grant_changes().await?;
        Ok(GrantChangeGuard {
            _here: here,
            _across_replicas: across_replicas,
        })
    }

    /// Makes the catalog's credential-scope nodes exactly the `permissionScope`s of `types`
    /// (added as dynamic nodes, stale ones removed), so grants naming them validate.
    pub fn set_credential_scopes(&self, types: &[optima_core::vault::CredentialType]) {
        use optima_core::rbac::CREDENTIAL_SCOPE_CATEGORY;
        let mut guard = self.catalog.write().unwrap_or_else(|e| e.into_inner());
        let mut catalog = (**guard).clone();
        let stale: Vec<String> = catalog
            .category(CREDENTIAL_SCOPE_CATEGORY)
            .map(|c| {
                c.permissions
                    .iter()
                    .filter(|n| n.dynamic && !types.iter().any(|t| t.permission_scope == n.node))
                    .map(|n| n.node.clone())
                    .collect()
            })
            .unwrap_or_default();
        for node in stale {
            catalog.remove_dynamic(&node);
        }
        for ty in types {
            // A scope that is a built-in node already is left as it is.
            if let Err(e) = catalog.add_dynamic(
                CREDENTIAL_SCOPE_CATEGORY,
                &ty.permission_scope,
                format!("Act on credentials of type `{}`", ty.name),
            ) {
                tracing::warn!(scope = %ty.permission_scope, error = %e, "credential scope not added to the catalog");
            }
        }
        *guard = Arc::new(catalog);
    }

    /// Reloads the credential-scope nodes from the stored credential types.
    pub async fn sync_credential_scopes(&self) -> optima_core::Result<()> {
        let _one_at_a_time = self.scopes_refresh.lock().await;
        let types = optima_core::vault::CredentialTypeStore::list_types(&self.store).await?;
        self.set_credential_scopes(&types);
        Ok(())
    }

    /// The credential vault over the key ring as it is now: a key file changed by `vault rotate`
    /// or `vault retire` in another process is reloaded first.
    pub fn vault(&self) -> optima_core::vault::Vault {
        self.vault.current()
    }

    /// The permission catalog as it is now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Optima's catalog with each node's `usedIn` taken from the route table.
pub fn catalog_with_usage() -> Catalog {
    let mut catalog = Catalog::optima();
    for r in ROUTES {
        for node in r.permissions.iter().chain(r.conditional) {
            // The route table test guarantees every node is known.
            let _ = catalog.record_usage(node, r.display());
        }
    }
    catalog
}
