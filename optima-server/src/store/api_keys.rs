//! API keys: who owns each, what it may do, when it expires or was revoked, and when it was last
//! used. Only a hash of a key's secret is kept.

use chrono::{DateTime, Utc};
use optima_core::store::new_id;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{API_KEY, Recorder};
use super::{SqlStore, Stored, conflict};
use crate::db::{get_strings, get_time, strings, timestamp};

/// An API key as stored, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Optima's id.
    pub id: String,
    /// The user the key acts for.
    pub owner_id: String,
    /// What the owner called it.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// The random part after `optima_` that finds the key; shown in lists.
    pub prefix: String,
    /// The key's own grants; it holds what these and its owner's both allow.
    pub permissions: Vec<String>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute: uses are recorded at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// The client address of that use.
    pub last_used_address: Option<String>,
    /// The key that made this one, if a key did.
    pub created_by_key: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A key to store: its record's fields and the hash of its secret.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The owner.
    pub owner_id: String,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// The random part that finds it.
    pub prefix: String,
    /// SHA-256 of the whole secret, in hex.
    pub secret_hash: String,
    /// Its own grants.
    pub permissions: Vec<String>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// The key that makes it, when a key does.
    pub created_by_key: Option<String>,
}

const COLUMNS: &str = "id, owner_id, name, description, prefix, permissions, expires_at, revoked_at, \
                       last_used_at, last_used_address, created_by_key, created_at";

fn optional_time(row: &AnyRow, column: &'static str) -> Stored<Option<DateTime<Utc>>> {
    let text: Option<String> = row.try_get(column)?;
    match text {
        None => Ok(None),
        Some(_) => Ok(Some(get_time(row, column)?)),
    }
}

fn key_from_row(row: &AnyRow) -> Stored<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        prefix: row.try_get("prefix")?,
        permissions: get_strings(row, "permissions")?,
        expires_at: optional_time(row, "expires_at")?,
        revoked_at: optional_time(row, "revoked_at")?,
        last_used_at: optional_time(row, "last_used_at")?,
        last_used_address: row.try_get("last_used_address")?,
        created_by_key: row.try_get("created_by_key")?,
        created_at: get_time(row, "created_at")?,
    })
}

impl SqlStore {
    /// Stores a new key.
    pub async fn create_api_key(&self, key: &NewApiKey) -> Stored<ApiKeyRecord> {
        let id = new_id();
        let mut tx = self.db.begin().await?;
        let audit = Recorder::before(&mut tx, &API_KEY, &id).await?;
        let inserted = sqlx::query(
            "INSERT INTO api_keys (id, owner_id, name, description, prefix, secret_hash, permissions, expires_at, created_by_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(&key.owner_id)
        .bind(&key.name)
        .bind(&key.description)
        .bind(&key.prefix)
        .bind(&key.secret_hash)
        .bind(strings(&key.permissions))
        .bind(key.expires_at.map(timestamp))
        .bind(&key.created_by_key)
        .bind(timestamp(Utc::now()))
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if super::is_unique_violation(&e) => {
                return Err(conflict("API key prefix", key.prefix.clone()));
            }
            other => {
                other?;
            }
        }
        audit.after(&mut tx, self.db.backend).await?;
        tx.commit().await?;
        self.api_key(&id)
            .await?
            .ok_or_else(|| super::not_found("API key", id))
    }

    /// A key by id.
    pub async fn api_key(&self, id: &str) -> Stored<Option<ApiKeyRecord>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    /// A key by its prefix, with the hash of its secret.
    pub async fn api_key_by_prefix(&self, prefix: &str) -> Stored<Option<(ApiKeyRecord, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, secret_hash FROM api_keys WHERE prefix = $1"
        ))
        .bind(prefix)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some((key_from_row(&row)?, row.try_get("secret_hash")?))),
        }
    }

    /// Every key of `owner_id` (or of everyone), newest first.
    pub async fn api_keys(&self, owner_id: Option<&str>) -> Stored<Vec<ApiKeyRecord>> {
        let rows = match owner_id {
            Some(owner) => sqlx::query(&format!(
                "SELECT {COLUMNS} FROM api_keys WHERE owner_id = $1 ORDER BY created_at DESC, id"
            ))
            .bind(owner)
            .fetch_all(&self.db.pool)
            .await?,
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id"
                ))
                .fetch_all(&self.db.pool)
                .await?
            }
        };
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes a key and every key made through it, at any depth (revoking twice keeps the first
    /// time), and moves the grants version so that every replica stops accepting them at its
    /// next request. `None` when there is no such key.
    pub async fn revoke_api_key(&self, id: &str) -> Stored<Option<ApiKeyRecord>> {
        const MADE_THROUGH: &str = "WITH RECURSIVE made(id) AS ( \
                 SELECT id FROM api_keys WHERE id = $1 \
                 UNION SELECT k.id FROM api_keys k JOIN made m ON k.created_by_key = m.id)";
        let mut tx = self.db.begin().await?;
        let ids: Vec<String> = sqlx::query_scalar(&format!("{MADE_THROUGH} SELECT id FROM made"))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        if ids.is_empty() {
            return Ok(None);
        }
        // The key and each key made through it are events of their own.
        let mut revocations = Vec::with_capacity(ids.len());
        for key_id in &ids {
            revocations.push(Recorder::before(&mut tx, &API_KEY, key_id).await?);
        }
        sqlx::query(&format!(
            "{MADE_THROUGH} UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) \
             WHERE id IN (SELECT id FROM made)"
        ))
        .bind(id)
        .bind(timestamp(Utc::now()))
        .execute(&mut *tx)
        .await?;
        for revocation in revocations {
            revocation.after(&mut tx, self.db.backend).await?;
        }
        self.commit_rbac_change(tx).await?;
        self.api_key(id).await
    }

    /// Records a use of a key: when, and from which address.
    pub async fn record_api_key_use(
        &self,
        id: &str,
        at: DateTime<Utc>,
        address: Option<&str>,
    ) -> Stored<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $1, last_used_address = $2 WHERE id = $3")
            .bind(timestamp(at))
            .bind(address)
            .bind(id)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }
}
