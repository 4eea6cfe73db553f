//! The vault's store traits ([`CredentialTypeStore`], [`CredentialStore`], [`RevealAuditStore`])
//! on SQL, for SQLite and PostgreSQL alike. Values arrive sealed: this module keeps text, never keys.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use optima_core::Result;
use optima_core::vault::{
    Credential, CredentialStore, CredentialType, CredentialTypeStore, CredentialVersion,
    DeletedCredential, FieldDefinition, NewCredential, RevealAuditStore, RevealKind, RevealPage,
    RevealQuery, RevealRecord, Rewrite, RewriteCounts, RewriteFn, Sealed, StoredField, StoredValue,
    SupersededValue, VersionChange,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::audit::{CREDENTIAL, CREDENTIAL_TYPE, Recorder};
use super::{
    SqlStore, StoreError, Stored, changed_meanwhile, conflict, is_foreign_key_violation,
    is_unique_violation, not_found, stored,
};
use crate::db::{Backend, get_strings, get_time, strings, timestamp};

const TYPE_COLUMNS: &str =
    "id, name, permission_scope, icon, fields, created_at, updated_at, password_policy";
const CREDENTIAL_COLUMNS: &str = "id, name, notes, type_id, company_id, parent_id, schema_path, \
     created_at, updated_at, version, rotation_due";

fn type_from_row(row: &AnyRow) -> Stored<CredentialType> {
    let fields: String = row.try_get("fields")?;
    let fields: Vec<FieldDefinition> = serde_json::from_str(&fields)
        .map_err(|e| StoreError::corrupt("credential_types.fields", e))?;
    let policy: Option<String> = row.try_get("password_policy")?;
    let policy = policy
        .map(|p| serde_json::from_str(&p))
        .transpose()
        .map_err(|e| StoreError::corrupt("credential_types.password_policy", e))?;
    Ok(CredentialType {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        permission_scope: row.try_get("permission_scope")?,
        icon: row.try_get("icon")?,
        fields,
        password_policy: policy,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

fn policy_json(ty: &CredentialType) -> Stored<Option<String>> {
    ty.password_policy
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::corrupt("credential_types.password_policy", e))
}

fn fields_json(fields: &[FieldDefinition]) -> Stored<String> {
    serde_json::to_string(fields).map_err(|e| StoreError::corrupt("credential_types.fields", e))
}

fn credential_shell(row: &AnyRow) -> Stored<Credential> {
    Ok(Credential {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        notes: row.try_get("notes")?,
        type_id: row.try_get("type_id")?,
        company_id: row.try_get("company_id")?,
        sub_credential_of_id: row.try_get("parent_id")?,
        schema_path: get_strings(row, "schema_path")?,
        fields: Vec::new(),
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        version: row.try_get::<i64, _>("version")? as u64,
        rotation_due: row.try_get::<i64, _>("rotation_due")? != 0,
    })
}

fn version_from_row(row: &AnyRow) -> Stored<CredentialVersion> {
    Ok(CredentialVersion {
        credential_id: row.try_get("credential_id")?,
        version: row.try_get::<i64, _>("version")? as u64,
        at: get_time(row, "at")?,
        changed_by: row.try_get("changed_by")?,
        changed_fields: get_strings(row, "changed_fields")?,
        restored_from: row
            .try_get::<Option<i64>, _>("restored_from")?
            .map(|v| v as u64),
    })
}

fn kept_from_row(row: &AnyRow) -> Stored<SupersededValue> {
    let secure: i64 = row.try_get("secure")?;
    let value: Option<String> = row.try_get("value")?;
    let value = match value {
        None => None,
        Some(text) if secure != 0 => {
            Some(StoredValue::Sealed(Sealed::parse(text).map_err(|e| {
                StoreError::corrupt("credential_field_history.value", e)
            })?))
        }
        Some(text) => Some(StoredValue::Plain(text)),
    };
    Ok(SupersededValue {
        credential_id: row.try_get("credential_id")?,
        field_id: row.try_get("field_id")?,
        version: row.try_get::<i64, _>("version")? as u64,
        value,
    })
}

const KEPT_COLUMNS: &str = "credential_id, field_id, version, secure, value";

/// Keeps a version's record in `tx`.
async fn insert_version(tx: &mut Transaction<'_, Any>, v: &CredentialVersion) -> Stored<()> {
    sqlx::query(
        "INSERT INTO credential_versions \
         (credential_id, version, at, changed_by, changed_fields, restored_from) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&v.credential_id)
    .bind(v.version as i64)
    .bind(timestamp(v.at))
    .bind(&v.changed_by)
    .bind(strings(&v.changed_fields))
    .bind(v.restored_from.map(|r| r as i64))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records what history needs of the credentials `tree_sql` selects (`WITH RECURSIVE tree(id)`
/// or a plain list of ids, `$1` bound to `id`), before they are deleted.
async fn record_deleted(tx: &mut Transaction<'_, Any>, ids_sql: &str, id: &str) -> Stored<()> {
    sqlx::query(&format!(
        "INSERT INTO deleted_credentials \
         (credential_id, name, type_id, permission_scope, company_id, deleted_at) \
         SELECT c.id, c.name, c.type_id, t.permission_scope, c.company_id, $2 \
         FROM credentials c JOIN credential_types t ON t.id = c.type_id \
         WHERE c.id IN ({ids_sql})"
    ))
    .bind(id)
    .bind(timestamp(Utc::now()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A credential and its descendants, `$1` bound to its id.
const TREE_IDS: &str = "WITH RECURSIVE tree(id) AS ( \
     SELECT id FROM credentials WHERE id = $1 \
     UNION ALL \
     SELECT c.id FROM credentials c JOIN tree t ON c.parent_id = t.id) \
     SELECT id FROM tree";

/// How many ids go into one `IN (…)` list.
const IN_CHUNK: usize = 200;

impl SqlStore {
    /// How many stored secure values are sealed under `key_id`.
    pub async fn values_under_key(&self, key_id: &str) -> Stored<u64> {
        let prefix = format!("v1.{key_id}.");
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM credential_fields \
                     WHERE secure = 1 AND substr(value, 1, CAST($1 AS INTEGER)) = $2) \
                  + (SELECT COUNT(*) FROM credential_field_history \
                     WHERE secure = 1 AND substr(value, 1, CAST($1 AS INTEGER)) = $2)",
        )
        .bind(prefix.len() as i64)
        .bind(&prefix)
        .fetch_one(&self.db().pool)
        .await?;
        Ok(n as u64)
    }

    /// Credentials matching `filter` (a `WHERE` clause over `credentials` with `$1` bound to
    /// `arg`), ordered by `order`, with their fields.
    async fn credentials_where(
        &self,
        filter: &str,
        arg: &str,
        order: &str,
    ) -> Stored<Vec<Credential>> {
        let sql =
            format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE {filter} ORDER BY {order}");
        let rows = sqlx::query(&sql)
            .bind(arg)
            .fetch_all(&self.db().pool)
            .await?;
        let credentials = rows
            .iter()
            .map(credential_shell)
            .collect::<Stored<Vec<_>>>()?;
        self.with_pooled_fields(credentials).await
    }

    /// Replaces a stored type's row: NotFound, or Conflict on a name another type has.
    async fn write_type(conn: &mut sqlx::AnyConnection, ty: &CredentialType) -> Stored<()> {
        let result = sqlx::query(
            "UPDATE credential_types SET name = $2, name_key = $3, permission_scope = $4, icon = $5, \
             fields = $6, updated_at = $7, password_policy = $8 WHERE id = $1",
        )
        .bind(&ty.id)
        .bind(&ty.name)
        .bind(ty.name.to_lowercase())
        .bind(&ty.permission_scope)
        .bind(&ty.icon)
        .bind(fields_json(&ty.fields)?)
        .bind(timestamp(ty.updated_at))
        .bind(policy_json(ty)?)
        .execute(&mut *conn)
        .await;
        match result {
            Ok(done) if done.rows_affected() == 0 => {
                Err(not_found("credential type", ty.id.clone()))
            }
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(conflict("credential type", ty.name.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads `credential`'s type inside `tx` (on PostgreSQL locking it against an edit until
    /// commit; on SQLite the one writer already holds the file) and checks the credential's
    /// values are stored as it says. A value sealed, or left plain, against the type as it was
    /// before a concurrent edit is refused rather than stored in the wrong shape.
    async fn check_shape(
        &self,
        tx: &mut Transaction<'_, Any>,
        credential: &Credential,
    ) -> Stored<()> {
        let lock = match self.db().backend {
            Backend::Postgres => " FOR SHARE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "SELECT {TYPE_COLUMNS} FROM credential_types WHERE id = $1{lock}"
        ))
        .bind(&credential.type_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found("credential type", credential.type_id.clone()))?;
        if type_from_row(&row)?.stores_as_defined(credential) {
            Ok(())
        } else {
            Err(changed_meanwhile(
                "credential type",
                credential.type_id.clone(),
            ))
        }
    }

    /// [`Self::with_fields`] on a connection from the pool.
    async fn with_pooled_fields(&self, credentials: Vec<Credential>) -> Stored<Vec<Credential>> {
        let mut conn = self.db().pool.acquire().await?;
        Self::with_fields(&mut conn, credentials).await
    }

    /// Fills in the fields of `credentials`, in stored order, reading through `conn` (a pooled
    /// connection, or a transaction's).
    async fn with_fields(
        conn: &mut sqlx::AnyConnection,
        mut credentials: Vec<Credential>,
    ) -> Stored<Vec<Credential>> {
        let mut by_id: HashMap<String, Vec<StoredField>> = HashMap::new();
        for chunk in credentials.chunks(IN_CHUNK) {
            let placeholders = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT credential_id, field_id, secure, value FROM credential_fields \
                 WHERE credential_id IN ({placeholders}) ORDER BY credential_id, position"
            );
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query.bind(&c.id);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let credential_id: String = row.try_get("credential_id")?;
                let secure: i64 = row.try_get("secure")?;
                let field = StoredField::from_parts(
                    row.try_get("field_id")?,
                    secure != 0,
                    row.try_get("value")?,
                )
                .map_err(|e| StoreError::corrupt("credential_fields.value", e))?;
                by_id.entry(credential_id).or_default().push(field);
            }
        }
        for c in &mut credentials {
            c.fields = by_id.remove(&c.id).unwrap_or_default();
        }
        Ok(credentials)
    }

    async fn insert_fields(tx: &mut Transaction<'_, Any>, credential: &Credential) -> Stored<()> {
        for (position, f) in credential.fields.iter().enumerate() {
            sqlx::query(
                "INSERT INTO credential_fields (credential_id, field_id, position, secure, value) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&credential.id)
            .bind(&f.field_id)
            .bind(position as i64)
            .bind(i64::from(f.is_secure()))
            .bind(f.value.as_str())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Records values a rewrite stored in clear (a field turned plain) as a reveal to the
    /// request in progress, in the rewrite's transaction: in the reveal log and on the audit
    /// trail. Outside a request there is no one to attribute them to, and nothing is recorded.
    async fn record_opened(
        &self,
        tx: &mut Transaction<'_, Any>,
        credential_id: &str,
        field_ids: Vec<String>,
    ) -> Stored<()> {
        let Some(request) = crate::audit::context::current() else {
            return Ok(());
        };
        let Some(actor) = request.actor else {
            return Ok(());
        };
        let record = RevealRecord::new(
            actor.user_id,
            credential_id.to_owned(),
            field_ids,
            request.client_address,
        );
        insert_reveal(tx, &record).await?;
        super::audit::record_reveal(tx, self.db().backend, &record).await
    }

    /// Removes a credential's history, and what remains of it if it was deleted. Returns how many
    /// versions went.
    async fn purge_in(tx: &mut Transaction<'_, Any>, credential_id: &str) -> Stored<u64> {
        sqlx::query("DELETE FROM credential_field_history WHERE credential_id = $1")
            .bind(credential_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM deleted_credentials WHERE credential_id = $1")
            .bind(credential_id)
            .execute(&mut **tx)
            .await?;
        let done = sqlx::query("DELETE FROM credential_versions WHERE credential_id = $1")
            .bind(credential_id)
            .execute(&mut **tx)
            .await?;
        Ok(done.rows_affected())
    }

    async fn exists(&self, tx: &mut Transaction<'_, Any>, sql: &str, id: &str) -> Stored<bool> {
        let found: Option<String> = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(found.is_some())
    }
}

#[async_trait]
impl CredentialTypeStore for SqlStore {
    async fn create_type(&self, ty: &CredentialType) -> Result<()> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let audit = Recorder::before(&mut tx, &CREDENTIAL_TYPE, &ty.id).await?;
            let result = sqlx::query(&format!(
                "INSERT INTO credential_types ({TYPE_COLUMNS}, name_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ))
            .bind(&ty.id)
            .bind(&ty.name)
            .bind(&ty.permission_scope)
            .bind(&ty.icon)
            .bind(fields_json(&ty.fields)?)
            .bind(timestamp(ty.created_at))
            .bind(timestamp(ty.updated_at))
            .bind(policy_json(ty)?)
            .bind(ty.name.to_lowercase())
            .execute(&mut *tx)
            .await;
            match result {
                Ok(_) => {
                    audit.after(&mut tx, self.db().backend).await?;
                    Ok(tx.commit().await?)
                }
                Err(e) if is_unique_violation(&e) => {
                    drop(tx);
                    let id_taken = self.get_type(&ty.id).await?.is_some();
                    let clash = if id_taken { &ty.id } else { &ty.name };
                    Err(conflict("credential type", clash.clone()))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn get_type(&self, id: &str) -> Result<Option<CredentialType>> {
        stored(async move {
            sqlx::query(&format!(
                "SELECT {TYPE_COLUMNS} FROM credential_types WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&self.db().pool)
            .await?
            .as_ref()
            .map(type_from_row)
            .transpose()
        })
        .await
    }

    async fn find_type(&self, id_or_name: &str) -> Result<Option<CredentialType>> {
        stored(async move {
            if let Some(t) = self.get_type(id_or_name).await? {
                return Ok(Some(t));
            }
            sqlx::query(&format!(
                "SELECT {TYPE_COLUMNS} FROM credential_types WHERE name_key = $1"
            ))
            .bind(id_or_name.to_lowercase())
            .fetch_optional(&self.db().pool)
            .await?
            .as_ref()
            .map(type_from_row)
            .transpose()
        })
        .await
    }

    async fn list_types(&self) -> Result<Vec<CredentialType>> {
        stored(async move {
            let rows = sqlx::query(&format!(
                "SELECT {TYPE_COLUMNS} FROM credential_types ORDER BY name, id"
            ))
            .fetch_all(&self.db().pool)
            .await?;
            rows.iter().map(type_from_row).collect()
        })
        .await
    }

    async fn update_type(&self, ty: &CredentialType) -> Result<()> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let audit = Recorder::before(&mut tx, &CREDENTIAL_TYPE, &ty.id).await?;
            Self::write_type(&mut tx, ty).await?;
            audit.after(&mut tx, self.db().backend).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn update_type_rewriting(
        &self,
        previous: &CredentialType,
        ty: &CredentialType,
        rewrite: &RewriteFn<'_>,
    ) -> Result<RewriteCounts> {
        stored(async move {
            let sqlite = self.db().backend == Backend::Sqlite;
            let mut tx = self.db().begin().await?;
            // Lock the type's row and check it is still the one the change was decided on.
            let lock = match self.db().backend {
                Backend::Postgres => " FOR UPDATE",
                Backend::Sqlite => "",
            };
            let stored = sqlx::query(&format!(
                "SELECT {TYPE_COLUMNS} FROM credential_types WHERE id = $1{lock}"
            ))
            .bind(&ty.id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| type_from_row(&row))
            .transpose()?;
            match stored {
                None => {
                    return Err(not_found("credential type", ty.id.clone()));
                }
                Some(stored) if stored != *previous => {
                    return Err(changed_meanwhile("credential type", ty.id.clone()));
                }
                Some(_) => {}
            }
            let audit = Recorder::before(&mut tx, &CREDENTIAL_TYPE, &ty.id).await?;
            Self::write_type(&mut tx, ty).await?;
            // On PostgreSQL the credentials are locked too, so no one edits one in the old shape
            // while it is rewritten.
            let rows = sqlx::query(&format!(
                "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE type_id = $1 ORDER BY id{lock}"
            ))
            .bind(&ty.id)
            .fetch_all(&mut *tx)
            .await?;
            let shells = rows
                .iter()
                .map(credential_shell)
                .collect::<Stored<Vec<_>>>()?;
            let credentials = Self::with_fields(&mut tx, shells).await?;
            let mut counts = RewriteCounts::default();
            for mut credential in credentials {
                let sealed: Vec<String> = credential
                    .fields
                    .iter()
                    .filter(|f| f.is_secure())
                    .map(|f| f.field_id.clone())
                    .collect();
                let outcome = rewrite(&mut credential)?;
                // Each credential the rewrite changes or removes is an event of its own.
                let change = match outcome {
                    Rewrite::Unchanged => None,
                    _ => Some(Recorder::before(&mut tx, &CREDENTIAL, &credential.id).await?),
                };
                match outcome {
                    Rewrite::Unchanged => {}
                    Rewrite::Remove => {
                        record_deleted(&mut tx, TREE_IDS, &credential.id).await?;
                        // Foreign keys cascade to sub-credentials and fields.
                        sqlx::query("DELETE FROM credentials WHERE id = $1")
                            .bind(&credential.id)
                            .execute(&mut *tx)
                            .await?;
                        counts.removed += 1;
                    }
                    Rewrite::Changed { .. } => {
                        sqlx::query("UPDATE credentials SET updated_at = $2 WHERE id = $1")
                            .bind(&credential.id)
                            .bind(timestamp(credential.updated_at))
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM credential_fields WHERE credential_id = $1")
                            .bind(&credential.id)
                            .execute(&mut *tx)
                            .await?;
                        Self::insert_fields(&mut tx, &credential).await?;
                        let opened: Vec<String> = sealed
                            .into_iter()
                            .filter(|id| credential.field(id).is_some_and(|f| !f.is_secure()))
                            .collect();
                        if !opened.is_empty() {
                            self.record_opened(&mut tx, &credential.id, opened).await?;
                        }
                        counts.changed += 1;
                    }
                }
                if let Some(change) = change {
                    change.after(&mut tx, self.db().backend).await?;
                }
            }
            // Values a field held in clear before it was made secure are not kept in clear in
            // its history either: the store holds no key to seal them, so they go.
            for at in previous.field_changes(ty).sealed {
                sqlx::query(
                    "UPDATE credential_field_history SET value = NULL \
                     WHERE secure = 0 AND value IS NOT NULL AND field_id = $1 AND ( \
                       credential_id IN (SELECT id FROM credentials \
                                         WHERE type_id = $2 AND schema_path = $3) \
                       OR credential_id IN (SELECT credential_id FROM deleted_credentials \
                                            WHERE type_id = $2))",
                )
                .bind(&at.field_id)
                .bind(&ty.id)
                .bind(strings(&at.schema_path))
                .execute(&mut *tx)
                .await?;
            }
            audit.after(&mut tx, self.db().backend).await?;
            tx.commit().await?;
            if sqlite && counts != RewriteCounts::default() {
                // Nor in the write-ahead log: copy it into the file and empty it. Best effort: a
                // reader holding an old snapshot can keep part of it until the next checkpoint.
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.db().pool)
                    .await
                {
                    tracing::warn!(error = %e, "could not checkpoint the write-ahead log");
                }
            }
            Ok(counts)
        })
        .await
    }

    async fn delete_type(&self, id: &str) -> Result<u64> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let audit = Recorder::before(&mut tx, &CREDENTIAL_TYPE, id).await?;
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE type_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            // Each credential that goes with the type is an event of its own.
            let credential_ids: Vec<String> =
                sqlx::query_scalar("SELECT id FROM credentials WHERE type_id = $1 ORDER BY id")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let mut removals = Vec::with_capacity(credential_ids.len());
            for credential_id in &credential_ids {
                removals.push(Recorder::before(&mut tx, &CREDENTIAL, credential_id).await?);
            }
            record_deleted(&mut tx, "SELECT id FROM credentials WHERE type_id = $1", id).await?;
            // Foreign keys cascade to credentials, their sub-credentials and fields.
            let done = sqlx::query("DELETE FROM credential_types WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(not_found("credential type", id.to_owned()));
            }
            for removal in removals {
                removal.after(&mut tx, self.db().backend).await?;
            }
            audit.after(&mut tx, self.db().backend).await?;
            tx.commit().await?;
            Ok(count as u64)
        })
        .await
    }
}

#[async_trait]
impl CredentialStore for SqlStore {
    async fn create_credential(&self, new: &NewCredential) -> Result<()> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let audit = Recorder::before(&mut tx, &CREDENTIAL, &new.credential.id).await?;
            for c in new.all() {
                self.check_shape(&mut tx, c).await?;
                if let Some(parent) = &c.sub_credential_of_id
                    && !new.all().any(|o| &o.id == parent)
                    && !self
                        .exists(&mut tx, "SELECT id FROM credentials WHERE id = $1", parent)
                        .await?
                {
                    return Err(not_found("credential", parent.clone()));
                }
                let inserted = sqlx::query(&format!(
                    "INSERT INTO credentials ({CREDENTIAL_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                ))
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.notes)
                .bind(&c.type_id)
                .bind(&c.company_id)
                .bind(&c.sub_credential_of_id)
                .bind(strings(&c.schema_path))
                .bind(timestamp(c.created_at))
                .bind(timestamp(c.updated_at))
                .bind(c.version as i64)
                .bind(i64::from(c.rotation_due))
                .execute(&mut *tx)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        return Err(conflict("credential", c.id.clone()));
                    }
                    // The type and parent were checked above: what is left is the company.
                    Err(e) if is_foreign_key_violation(&e) => {
                        return Err(not_found("company", c.company_id.clone()));
                    }
                    Err(e) => return Err(e.into()),
                }
                Self::insert_fields(&mut tx, c).await?;
            }
            for version in new.first_versions() {
                insert_version(&mut tx, &version).await?;
            }
            audit.after(&mut tx, self.db().backend).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn get_credential(&self, id: &str) -> Result<Option<Credential>> {
        stored(async move {
            Ok(self
                .credentials_where("id = $1", id, "id")
                .await?
                .into_iter()
                .next())
        })
        .await
    }

    async fn list_by_company(&self, company_id: &str) -> Result<Vec<Credential>> {
        stored(async move {
            self.credentials_where(
                "company_id = $1 AND parent_id IS NULL",
                company_id,
                "name, id",
            )
            .await
        })
        .await
    }

    async fn list_by_type(&self, type_id: &str) -> Result<Vec<Credential>> {
        stored(async move {
            self.credentials_where("type_id = $1 AND parent_id IS NULL", type_id, "name, id")
                .await
        })
        .await
    }

    async fn count_by_type(&self, type_id: &str) -> Result<u64> {
        stored(async move {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM credentials WHERE type_id = $1 AND parent_id IS NULL",
            )
            .bind(type_id)
            .fetch_one(&self.db().pool)
            .await?;
            Ok(n as u64)
        })
        .await
    }

    async fn list_sub_credentials(&self, parent_id: &str) -> Result<Vec<Credential>> {
        stored(async move {
            self.credentials_where("parent_id = $1", parent_id, "created_at, id")
                .await
        })
        .await
    }

    async fn update_credential(
        &self,
        credential: &Credential,
        change: Option<&VersionChange>,
    ) -> Result<()> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            self.check_shape(&mut tx, credential).await?;
            let audit = Recorder::before(&mut tx, &CREDENTIAL, &credential.id).await?;
            let expected = change.map_or(credential.version, |c| c.version.version - 1);
            let done = sqlx::query(
                "UPDATE credentials SET name = $2, notes = $3, updated_at = $4, version = $5, \
                 rotation_due = CASE WHEN $6 = 1 THEN 0 ELSE rotation_due END \
                 WHERE id = $1 AND version = $7",
            )
            .bind(&credential.id)
            .bind(&credential.name)
            .bind(&credential.notes)
            .bind(timestamp(credential.updated_at))
            .bind(credential.version as i64)
            // The flag is the store's: a write only clears it, by rotating a secret, so that a
            // concurrent mark is not lost to a copy read before it.
            .bind(i64::from(change.is_some_and(|c| c.rotates_secret)))
            .bind(expected as i64)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                let exists = self
                    .exists(
                        &mut tx,
                        "SELECT id FROM credentials WHERE id = $1",
                        &credential.id,
                    )
                    .await?;
                return Err(if exists {
                    changed_meanwhile("credential", credential.id.clone())
                } else {
                    not_found("credential", credential.id.clone())
                });
            }
            sqlx::query("DELETE FROM credential_fields WHERE credential_id = $1")
                .bind(&credential.id)
                .execute(&mut *tx)
                .await?;
            Self::insert_fields(&mut tx, credential).await?;
            if let Some(change) = change {
                insert_version(&mut tx, &change.version).await?;
                for kept in &change.superseded {
                    sqlx::query(&format!(
                        "INSERT INTO credential_field_history ({KEPT_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5)"
                    ))
                    .bind(&kept.credential_id)
                    .bind(&kept.field_id)
                    .bind(kept.version as i64)
                    .bind(i64::from(
                        kept.value.as_ref().is_some_and(StoredValue::is_secure),
                    ))
                    .bind(kept.value.as_ref().map(StoredValue::as_str))
                    .execute(&mut *tx)
                    .await?;
                }
            }
            audit.after(&mut tx, self.db().backend).await?;
            Ok(tx.commit().await?)
        })
        .await
    }

    async fn delete_credential(&self, id: &str) -> Result<u64> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let audit = Recorder::before(&mut tx, &CREDENTIAL, id).await?;
            let count: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({TREE_IDS}) doomed"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            record_deleted(&mut tx, TREE_IDS, id).await?;
            // Sub-credentials and fields go with it (ON DELETE CASCADE).
            let done = sqlx::query("DELETE FROM credentials WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(not_found("credential", id.to_owned()));
            }
            audit.after(&mut tx, self.db().backend).await?;
            tx.commit().await?;
            Ok(count as u64)
        })
        .await
    }

    async fn set_rotation_due(&self, ids: &[String], due: bool) -> Result<u64> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let mut n = 0;
            for id in ids {
                let audit = Recorder::before(&mut tx, &CREDENTIAL, id).await?;
                let done = sqlx::query("UPDATE credentials SET rotation_due = $2 WHERE id = $1")
                    .bind(id)
                    .bind(i64::from(due))
                    .execute(&mut *tx)
                    .await?;
                n += done.rows_affected();
                audit.after(&mut tx, self.db().backend).await?;
            }
            tx.commit().await?;
            Ok(n)
        })
        .await
    }

    async fn list_versions(&self, credential_id: &str) -> Result<Vec<CredentialVersion>> {
        stored(async move {
            let rows = sqlx::query(
                "SELECT credential_id, version, at, changed_by, changed_fields, restored_from \
                 FROM credential_versions WHERE credential_id = $1 ORDER BY version DESC",
            )
            .bind(credential_id)
            .fetch_all(&self.db().pool)
            .await?;
            rows.iter().map(version_from_row).collect()
        })
        .await
    }

    async fn history_values(&self, credential_id: &str) -> Result<Vec<SupersededValue>> {
        stored(async move {
            let rows = sqlx::query(&format!(
                "SELECT {KEPT_COLUMNS} FROM credential_field_history WHERE credential_id = $1"
            ))
            .bind(credential_id)
            .fetch_all(&self.db().pool)
            .await?;
            rows.iter().map(kept_from_row).collect()
        })
        .await
    }

    async fn deleted_credential(&self, credential_id: &str) -> Result<Option<DeletedCredential>> {
        stored(async move {
            let row = sqlx::query(
                "SELECT credential_id, name, type_id, permission_scope, company_id, deleted_at \
                 FROM deleted_credentials WHERE credential_id = $1",
            )
            .bind(credential_id)
            .fetch_optional(&self.db().pool)
            .await?;
            row.map(|row| -> Stored<DeletedCredential> {
                Ok(DeletedCredential {
                    credential_id: row.try_get("credential_id")?,
                    name: row.try_get("name")?,
                    type_id: row.try_get("type_id")?,
                    permission_scope: row.try_get("permission_scope")?,
                    company_id: row.try_get("company_id")?,
                    deleted_at: get_time(&row, "deleted_at")?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn purge_history(&self, credential_id: &str) -> Result<u64> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let n = Self::purge_in(&mut tx, credential_id).await?;
            tx.commit().await?;
            Ok(n)
        })
        .await
    }

    async fn prune_history(&self, deleted_before: DateTime<Utc>) -> Result<u64> {
        stored(async move {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT credential_id FROM deleted_credentials WHERE deleted_at < $1",
            )
            .bind(timestamp(deleted_before))
            .fetch_all(&self.db().pool)
            .await?;
            for chunk in ids.chunks(IN_CHUNK) {
                let mut tx = self.db().begin().await?;
                for id in chunk {
                    Self::purge_in(&mut tx, id).await?;
                }
                tx.commit().await?;
            }
            Ok(ids.len() as u64)
        })
        .await
    }

    async fn history_page(
        &self,
        after: Option<&SupersededValue>,
        limit: usize,
    ) -> Result<Vec<SupersededValue>> {
        stored(async move {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = match after {
                Some(after) => {
                    sqlx::query(&format!(
                        "SELECT {KEPT_COLUMNS} FROM credential_field_history \
                         WHERE (credential_id, field_id, version) > ($1, $2, $3) \
                         ORDER BY credential_id, field_id, version LIMIT $4"
                    ))
                    .bind(&after.credential_id)
                    .bind(&after.field_id)
                    .bind(after.version as i64)
                    .bind(limit)
                    .fetch_all(&self.db().pool)
                    .await
                }
                None => {
                    sqlx::query(&format!(
                        "SELECT {KEPT_COLUMNS} FROM credential_field_history \
                         ORDER BY credential_id, field_id, version LIMIT $1"
                    ))
                    .bind(limit)
                    .fetch_all(&self.db().pool)
                    .await
                }
            }?;
            rows.iter().map(kept_from_row).collect()
        })
        .await
    }

    async fn swap_history_value(
        &self,
        kept: &SupersededValue,
        expected: &Sealed,
        new: &Sealed,
    ) -> Result<bool> {
        stored(async move {
            let done = sqlx::query(
                "UPDATE credential_field_history SET value = $1 \
                 WHERE credential_id = $2 AND field_id = $3 AND version = $4 AND secure = 1 \
                 AND value = $5",
            )
            .bind(new.as_str())
            .bind(&kept.credential_id)
            .bind(&kept.field_id)
            .bind(kept.version as i64)
            .bind(expected.as_str())
            .execute(&self.db().pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn list_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<Credential>> {
        stored(async move {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = match after {
                Some(after) => sqlx::query(&format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.db().pool)
                .await,
                None => {
                    sqlx::query(&format!(
                        "SELECT {CREDENTIAL_COLUMNS} FROM credentials ORDER BY id LIMIT $1"
                    ))
                    .bind(limit)
                    .fetch_all(&self.db().pool)
                    .await
                }
            }?;
            let credentials = rows
                .iter()
                .map(credential_shell)
                .collect::<Stored<Vec<_>>>()?;
            self.with_pooled_fields(credentials).await
        })
        .await
    }

    async fn swap_sealed_value(
        &self,
        credential_id: &str,
        field_id: &str,
        expected: &Sealed,
        new: &Sealed,
    ) -> Result<bool> {
        stored(async move {
            let done = sqlx::query(
                "UPDATE credential_fields SET value = $1 \
                 WHERE credential_id = $2 AND field_id = $3 AND secure = 1 AND value = $4",
            )
            .bind(new.as_str())
            .bind(credential_id)
            .bind(field_id)
            .bind(expected.as_str())
            .execute(&self.db().pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }
}

/// One row of the reveal log.
async fn insert_reveal(
    tx: &mut Transaction<'_, Any>,
    record: &RevealRecord,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO secure_value_reads \
         (id, user_id, credential_id, field_ids, address, at, kind, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&record.id)
    .bind(&record.user_id)
    .bind(&record.credential_id)
    .bind(strings(&record.field_ids))
    .bind(&record.address)
    .bind(timestamp(record.at))
    .bind(record.kind.as_str())
    .bind(record.version.map(|v| v as i64))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn reveal_from_row(row: &AnyRow) -> Stored<RevealRecord> {
    Ok(RevealRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        credential_id: row.try_get("credential_id")?,
        field_ids: get_strings(row, "field_ids")?,
        address: row.try_get("address")?,
        at: get_time(row, "at")?,
        kind: {
            let kind: String = row.try_get("kind")?;
            RevealKind::parse(&kind).ok_or_else(|| {
                StoreError::corrupt("secure_value_reads.kind", format!("unknown kind `{kind}`"))
            })?
        },
        version: row.try_get::<Option<i64>, _>("version")?.map(|v| v as u64),
    })
}

#[async_trait]
impl RevealAuditStore for SqlStore {
    async fn record_reveal(&self, record: &RevealRecord) -> Result<()> {
        stored(async move {
            let mut tx = self.db().begin().await?;
            let result = insert_reveal(&mut tx, record).await;
            match result {
                Ok(_) => {
                    // The reveal joins the audit trail in the same transaction.
                    super::audit::record_reveal(&mut tx, self.db().backend, record).await?;
                    Ok(tx.commit().await?)
                }
                Err(e) if is_unique_violation(&e) => {
                    Err(conflict("reveal record", record.id.clone()))
                }
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn list_reveals(&self, query: &RevealQuery) -> Result<RevealPage> {
        stored(async move {
            let mut clauses = Vec::new();
            let mut args: Vec<String> = Vec::new();
            let mut push = |clause: &str, value: String| {
                args.push(value);
                clauses.push(clause.replace('?', &format!("${}", args.len())));
            };
            if let Some(c) = &query.credential_id {
                push("credential_id = ?", c.clone());
            }
            if let Some(u) = &query.user_id {
                push("user_id = ?", u.clone());
            }
            if let Some(k) = query.kind {
                push("kind = ?", k.as_str().to_owned());
            }
            if let Some(s) = query.since {
                push("at >= ?", timestamp(s));
            }
            if let Some(u) = query.until {
                push("at < ?", timestamp(u));
            }
            let filter = if clauses.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", clauses.join(" AND "))
            };
            let count_sql = format!("SELECT COUNT(*) FROM secure_value_reads {filter}");
            let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
            for a in &args {
                count = count.bind(a);
            }
            let total = count.fetch_one(&self.db().pool).await?;
            let n = args.len();
            let list_sql = format!(
                "SELECT id, user_id, credential_id, field_ids, address, at, kind, version \
                 FROM secure_value_reads {filter} \
                 ORDER BY at DESC, id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            );
            let mut list = sqlx::query(&list_sql);
            for a in &args {
                list = list.bind(a);
            }
            let rows = list
                .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(query.offset).unwrap_or(i64::MAX))
                .fetch_all(&self.db().pool)
                .await?;
            Ok(RevealPage {
                items: rows.iter().map(reveal_from_row).collect::<Stored<_>>()?,
                total: total as u64,
            })
        })
        .await
    }
}
