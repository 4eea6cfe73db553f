//! What every handler shares: settings, the store, the permission catalog, token signing, and
//! the per-request resolution of who the caller is and what they may do.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use optima_core::rbac::{Catalog, GrantSet};
use optima_core::store::{RoleStore, User, resolve_grants};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::common::ApiError;
use crate::config::Config;
use crate::routes::{ROUTES, RouteSpec};
use crate::store::SqlStore;

/// Clock skew tolerated on an access token's `exp` and `iat`, in seconds.
pub const TOKEN_LEEWAY_SECS: u64 = 5;

/// How long a refresh token lives unless rotated first.
pub const REFRESH_TOKEN_TTL_SECS: i64 = 30 * 24 * 3600;

/// Shared server state.
pub struct AppState {
    /// Resolved settings.
    pub config: Config,
    /// The database.
    pub store: SqlStore,
    catalog: RwLock<Arc<Catalog>>,
    signing: SigningKeys,
    /// Resolved callers per user, tagged with the grants version they were built at. Any change
    /// to users, roles, grants or sessions bumps that version, so an entry is good exactly as
    /// long as the version it carries is current.
    grants_cache: Mutex<HashMap<String, (i64, CachedCaller)>>,
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

struct SigningKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// The claims of an access token. Permissions are not in it: they are resolved per request,
/// so revoking a role takes effect on the next one.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expires at (epoch seconds).
    pub exp: i64,
    /// Issued at, in milliseconds: sign-out everywhere compares against it, and whole
    /// seconds are too coarse to tell a token issued just before from one just after.
    #[serde(rename = "iatMs")]
    pub iat_ms: i64,
    /// Always `access`.
    pub typ: String,
}

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
struct CachedCaller {
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

/// A new access and refresh token pair.
#[derive(Debug)]
pub struct TokenPair {
    /// The JWT.
    pub access_token: String,
    /// The opaque refresh token.
    pub refresh_token: String,
}

/// SHA-256 in hex: how callback keys and refresh tokens are stored.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads a secret kept in the data dir, or makes one and keeps it (readable by the owner only).
pub fn secret_in_data_dir(data_dir: &Path, name: &str) -> std::io::Result<SecretString> {
    let path = data_dir.join(name);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = STANDARD.encode(bytes);
    if !write_private_if_absent(&path, &secret)? {
        // Another process starting on the same data dir made it first: use theirs.
        let text = std::fs::read_to_string(&path)?;
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    tracing::warn!(path = %path.display(), "generated a new secret and kept it in the data dir");
    Ok(SecretString::from(secret))
}

/// Writes `contents` to `path` (owner-only) unless it exists; `false` if it did. The file
/// appears whole or not at all (written aside, then hard-linked into place), so a process
/// racing this one never reads it half-written.
fn write_private_if_absent(path: &Path, contents: &str) -> std::io::Result<bool> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(contents.as_bytes())?;
        f.sync_all()
    });
    let placed = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    });
    let _ = std::fs::remove_file(&tmp);
    placed
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
        let key = secret.expose_secret().as_bytes();
        let signing = SigningKeys {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
        };
        Ok(AppState {
            config,
            store,
            catalog: RwLock::new(Arc::new(catalog_with_usage())),
            signing,
            grants_cache: Mutex::new(HashMap::new()),
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

    /// Mints an access token.
    pub fn access_token(&self, user_id: &str) -> Result<String, ApiError> {
        let now = Utc::now();
        let claims = Claims {
            sub: user_id.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.config.access_token_ttl as i64,
            iat_ms: now.timestamp_millis(),
            typ: "access".into(),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.signing.encoding,
        )
        .map_err(|e| ApiError::internal(&e))
    }

    /// Mints an access token and a refresh token in `family` (a new family when `None`).
    pub async fn issue_tokens(
        &self,
        user_id: &str,
        family: Option<String>,
    ) -> Result<TokenPair, ApiError> {
        let refresh_token = random_token();
        let now = Utc::now().timestamp();
        self.store
            .insert_refresh_token(
                &hash_secret(&refresh_token),
                &family.unwrap_or_else(random_token),
                user_id,
                now,
                now + REFRESH_TOKEN_TTL_SECS,
            )
            .await?;
        Ok(TokenPair {
            access_token: self.access_token(user_id)?,
            refresh_token,
        })
    }

    /// Verifies an access token: signature, expiry, and that it was not revoked.
    fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = TOKEN_LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.signing.decoding, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => ApiError::unauthorized("Access token expired"),
                    _ => ApiError::unauthorized("Invalid access token"),
                }
            })?;
        if data.claims.typ != "access" {
            return Err(ApiError::unauthorized("Invalid access token"));
        }
        // jsonwebtoken checks `exp` and `nbf` only. A token from the future was not minted by
        // this server's clock, and would outlive its lifetime and dodge sign-out-everywhere.
        let now = Utc::now();
        if data.claims.iat > now.timestamp() + TOKEN_LEEWAY_SECS as i64
            || data.claims.iat_ms > now.timestamp_millis() + TOKEN_LEEWAY_SECS as i64 * 1000
        {
            return Err(ApiError::unauthorized(
                "Invalid access token: issued in the future",
            ));
        }
        Ok(data.claims)
    }

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
