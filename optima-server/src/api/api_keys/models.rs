//! Bodies of the API-key routes. A key's secret appears in one body only, the answer to its
//! creation, and never in `Debug`.

use poem_openapi::Object;
use serde::Deserialize;

use crate::db::timestamp;
use crate::store::api_keys::ApiKeyRecord;

/// A new API key.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase", rename = "CreateApiKey")]
pub struct CreateApiKey {
    /// What to call it (shown in lists).
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
    ))]
    pub name: String,
    /// What it is for.
    #[serde(default)]
    #[oai(nullable, validator(max_length = 2000))]
    pub description: Option<String>,
    /// The key's own grants (wildcards and denials allowed). The key holds what these and its
    /// owner's grants both allow, checked at every request.
    #[oai(validator(
        max_items = 1000,
        max_length = 256,
        pattern = r"^-?(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$"
    ))]
    pub permissions: Vec<String>,
    /// When it stops working (RFC 3339, in the future); never when absent or null.
    #[serde(default)]
    #[oai(nullable)]
    pub expires_at: Option<String>,
}

/// An API key, without its secret.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "ApiKey")]
pub struct ApiKeyOut {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
    /// What it is for.
    #[oai(nullable)]
    pub description: Option<String>,
    /// The part after `optima_` that identifies the key (not secret).
    pub key_prefix: String,
    /// The user the key acts for.
    pub owner_id: String,
    /// The key's own grants.
    pub permissions: Vec<String>,
    /// When it stops working, if ever.
    #[oai(nullable)]
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    #[oai(nullable)]
    pub revoked_at: Option<String>,
    /// When it was last used (recorded at most once a minute).
    #[oai(nullable)]
    pub last_used_at: Option<String>,
    /// The client address of that use.
    #[oai(nullable)]
    pub last_used_address: Option<String>,
    /// The key this one was made with, if a key made it; revoking that key revokes this one.
    #[oai(nullable)]
    pub created_by_key_id: Option<String>,
    /// When it was created.
    pub created_at: String,
}

impl From<ApiKeyRecord> for ApiKeyOut {
    fn from(k: ApiKeyRecord) -> Self {
        ApiKeyOut {
            id: k.id,
            name: k.name,
            description: k.description,
            key_prefix: k.prefix,
            owner_id: k.owner_id,
            permissions: k.permissions,
            expires_at: k.expires_at.map(timestamp),
            revoked_at: k.revoked_at.map(timestamp),
            last_used_at: k.last_used_at.map(timestamp),
            last_used_address: k.last_used_address,
            created_by_key_id: k.created_by_key,
            created_at: timestamp(k.created_at),
        }
    }
}

/// A key just created: its secret, shown this once, and the key.
#[derive(Object)]
#[oai(rename_all = "camelCase", rename = "CreatedApiKey")]
pub struct CreatedApiKey {
    /// The whole key, `optima_<prefix>_<secret>`: send it as `Authorization: Bearer <key>` or
    /// `X-API-Key: <key>`. Only its hash is kept; it cannot be shown again.
    pub key: String,
    /// The key.
    #[oai(flatten)]
    pub api_key: ApiKeyOut,
}

impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("key", &"<redacted>")
            .field("api_key", &self.api_key)
            .finish()
    }
}
