//! The vault's store traits ([`CredentialTypeStore`], [`CredentialStore`], [`RevealAuditStore`])
//! on SQL, for SQLite and PostgreSQL alike. Values arrive sealed: this module keeps text, never keys.

use std::collections::HashMap;

use async_trait::async_trait;
use optima_core::vault::{
    Credential, CredentialStore, CredentialType, CredentialTypeStore, FieldDefinition,
    NewCredential, RevealAuditStore, RevealPage, RevealQuery, RevealRecord, Rewrite, RewriteCounts,
    RewriteFn, Sealed, StoredField,
};
use optima_core::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::db::{Backend, DbError, get_strings, get_time, strings, timestamp};
use crate::store::{SqlStore, StoreError};

fn store_err(e: impl Into<DbError>) -> Error {
    Error::store(StoreError::from(e.into()))
}

fn corrupt(column: &'static str, message: impl ToString) -> Error {
    store_err(DbError::Corrupt {
        column,
        message: message.to_string(),
    })
}

fn db_message(e: &sqlx::Error) -> Option<(Option<String>, String)> {
    match e {
        sqlx::Error::Database(db) => Some((db.code().map(|c| c.into_owned()), db.message().into())),
        _ => None,
    }
}

/// A unique-constraint violation, on either backend.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => true,
        _ => db_message(e).is_some_and(|(code, message)| {
            code.as_deref() == Some("23505") || message.contains("UNIQUE constraint failed")
        }),
    }
}

/// A foreign-key violation, on either backend.
fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => true,
        _ => db_message(e).is_some_and(|(code, message)| {
            code.as_deref() == Some("23503") || message.contains("FOREIGN KEY constraint failed")
        }),
    }
}

const TYPE_COLUMNS: &str = "id, name, permission_scope, icon, fields, created_at, updated_at";
const CREDENTIAL_COLUMNS: &str =
    "id, name, notes, type_id, company_id, parent_id, schema_path, created_at, updated_at";

fn type_from_row(row: &AnyRow) -> Result<CredentialType> {
    let fields: String = row.try_get("fields").map_err(store_err)?;
    let fields: Vec<FieldDefinition> =
        serde_json::from_str(&fields).map_err(|e| corrupt("credential_types.fields", e))?;
    Ok(CredentialType {
        id: row.try_get("id").map_err(store_err)?,
        name: row.try_get("name").map_err(store_err)?,
        permission_scope: row.try_get("permission_scope").map_err(store_err)?,
        icon: row.try_get("icon").map_err(store_err)?,
        fields,
        created_at: get_time(row, "created_at").map_err(store_err)?,
        updated_at: get_time(row, "updated_at").map_err(store_err)?,
    })
}

fn fields_json(fields: &[FieldDefinition]) -> Result<String> {
    serde_json::to_string(fields).map_err(|e| corrupt("credential_types.fields", e))
}

fn credential_shell(row: &AnyRow) -> Result<Credential> {
    Ok(Credential {
        id: row.try_get("id").map_err(store_err)?,
        name: row.try_get("name").map_err(store_err)?,
        notes: row.try_get("notes").map_err(store_err)?,
        type_id: row.try_get("type_id").map_err(store_err)?,
        company_id: row.try_get("company_id").map_err(store_err)?,
        sub_credential_of_id: row.try_get("parent_id").map_err(store_err)?,
        schema_path: get_strings(row, "schema_path").map_err(store_err)?,
        fields: Vec::new(),
        created_at: get_time(row, "created_at").map_err(store_err)?,
        updated_at: get_time(row, "updated_at").map_err(store_err)?,
    })
}

/// How many ids go into one `IN (…)` list.
const IN_CHUNK: usize = 200;

impl SqlStore {
    /// Credentials matching `filter` (a `WHERE` clause over `credentials` with `$1` bound to
    /// `arg`), ordered by `order`, with their fields.
    async fn credentials_where(
        &self,
        filter: &str,
        arg: &str,
        order: &str,
    ) -> Result<Vec<Credential>> {
        let sql =
            format!("SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE {filter} ORDER BY {order}");
        let rows = sqlx::query(&sql)
            .bind(arg)
            .fetch_all(&self.db().pool)
            .await
            .map_err(store_err)?;
        let credentials = rows
            .iter()
            .map(credential_shell)
            .collect::<Result<Vec<_>>>()?;
        self.with_pooled_fields(credentials).await
    }

    /// Replaces a stored type's row: NotFound, or Conflict on a name another type has.
    async fn write_type(conn: &mut sqlx::AnyConnection, ty: &CredentialType) -> Result<()> {
        let result = sqlx::query(
            "UPDATE credential_types SET name = $2, name_key = $3, permission_scope = $4, icon = $5, \
             fields = $6, updated_at = $7 WHERE id = $1",
        )
        .bind(&ty.id)
        .bind(&ty.name)
        .bind(ty.name.to_lowercase())
        .bind(&ty.permission_scope)
        .bind(&ty.icon)
        .bind(fields_json(&ty.fields)?)
        .bind(timestamp(ty.updated_at))
        .execute(&mut *conn)
        .await;
        match result {
            Ok(done) if done.rows_affected() == 0 => Err(Error::NotFound {
                kind: "credential type",
                id: ty.id.clone(),
            }),
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::Conflict {
                kind: "credential type",
                id: ty.name.clone(),
            }),
            Err(e) => Err(store_err(e)),
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
    ) -> Result<()> {
        let lock = match self.db().backend {
            Backend::Postgres => " FOR SHARE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "SELECT {TYPE_COLUMNS} FROM credential_types WHERE id = $1{lock}"
        ))
        .bind(&credential.type_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(store_err)?
        .ok_or_else(|| Error::NotFound {
            kind: "credential type",
            id: credential.type_id.clone(),
        })?;
        if type_from_row(&row)?.stores_as_defined(credential) {
            Ok(())
        } else {
            Err(Error::ChangedMeanwhile {
                kind: "credential type",
                id: credential.type_id.clone(),
            })
        }
    }

    /// [`Self::with_fields`] on a connection from the pool.
    async fn with_pooled_fields(&self, credentials: Vec<Credential>) -> Result<Vec<Credential>> {
        let mut conn = self.db().pool.acquire().await.map_err(store_err)?;
        Self::with_fields(&mut conn, credentials).await
    }

    /// Fills in the fields of `credentials`, in stored order, reading through `conn` (a pooled
    /// connection, or a transaction's).
    async fn with_fields(
        conn: &mut sqlx::AnyConnection,
        mut credentials: Vec<Credential>,
    ) -> Result<Vec<Credential>> {
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
            for row in query.fetch_all(&mut *conn).await.map_err(store_err)? {
                let credential_id: String = row.try_get("credential_id").map_err(store_err)?;
                let secure: i64 = row.try_get("secure").map_err(store_err)?;
                let field = StoredField::from_parts(
                    row.try_get("field_id").map_err(store_err)?,
                    secure != 0,
                    row.try_get("value").map_err(store_err)?,
                )
                .map_err(|e| corrupt("credential_fields.value", e))?;
                by_id.entry(credential_id).or_default().push(field);
            }
        }
        for c in &mut credentials {
            c.fields = by_id.remove(&c.id).unwrap_or_default();
        }
        Ok(credentials)
    }

    async fn insert_fields(
        tx: &mut Transaction<'_, Any>,
        credential: &Credential,
    ) -> Result<(), sqlx::Error> {
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

    async fn exists(&self, tx: &mut Transaction<'_, Any>, sql: &str, id: &str) -> Result<bool> {
        let found: Option<String> = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(store_err)?;
        Ok(found.is_some())
    }
}

#[async_trait]
impl CredentialTypeStore for SqlStore {
    async fn create_type(&self, ty: &CredentialType) -> Result<()> {
        let result = sqlx::query(&format!(
            "INSERT INTO credential_types ({TYPE_COLUMNS}, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(&ty.id)
        .bind(&ty.name)
        .bind(&ty.permission_scope)
        .bind(&ty.icon)
        .bind(fields_json(&ty.fields)?)
        .bind(timestamp(ty.created_at))
        .bind(timestamp(ty.updated_at))
        .bind(ty.name.to_lowercase())
        .execute(&self.db().pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                let id_taken = self.get_type(&ty.id).await?.is_some();
                Err(Error::Conflict {
                    kind: "credential type",
                    id: if id_taken {
                        ty.id.clone()
                    } else {
                        ty.name.clone()
                    },
                })
            }
            Err(e) => Err(store_err(e)),
        }
    }

    async fn get_type(&self, id: &str) -> Result<Option<CredentialType>> {
        sqlx::query(&format!(
            "SELECT {TYPE_COLUMNS} FROM credential_types WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db().pool)
        .await
        .map_err(store_err)?
        .as_ref()
        .map(type_from_row)
        .transpose()
    }

    async fn find_type(&self, id_or_name: &str) -> Result<Option<CredentialType>> {
        if let Some(t) = self.get_type(id_or_name).await? {
            return Ok(Some(t));
        }
        sqlx::query(&format!(
            "SELECT {TYPE_COLUMNS} FROM credential_types WHERE name_key = $1"
        ))
        .bind(id_or_name.to_lowercase())
        .fetch_optional(&self.db().pool)
        .await
        .map_err(store_err)?
        .as_ref()
        .map(type_from_row)
        .transpose()
    }

    async fn list_types(&self) -> Result<Vec<CredentialType>> {
        let rows = sqlx::query(&format!(
            "SELECT {TYPE_COLUMNS} FROM credential_types ORDER BY name, id"
        ))
        .fetch_all(&self.db().pool)
        .await
        .map_err(store_err)?;
        rows.iter().map(type_from_row).collect()
    }

    async fn update_type(&self, ty: &CredentialType) -> Result<()> {
        let mut conn = self.db().pool.acquire().await.map_err(store_err)?;
        Self::write_type(&mut conn, ty).await
    }

    async fn update_type_rewriting(
        &self,
        previous: &CredentialType,
        ty: &CredentialType,
        rewrite: &RewriteFn<'_>,
    ) -> Result<RewriteCounts> {
        let sqlite = self.db().backend == Backend::Sqlite;
        let mut tx = self.db().begin().await.map_err(store_err)?;
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
        .await
        .map_err(store_err)?
        .map(|row| type_from_row(&row))
        .transpose()?;
        match stored {
            None => {
                return Err(Error::NotFound {
                    kind: "credential type",
                    id: ty.id.clone(),
                });
            }
            Some(stored) if stored != *previous => {
                return Err(Error::ChangedMeanwhile {
                    kind: "credential type",
                    id: ty.id.clone(),
                });
            }
            Some(_) => {}
        }
        Self::write_type(&mut tx, ty).await?;
        // On PostgreSQL the credentials are locked too, so no one edits one in the old shape
        // while it is rewritten.
        let rows = sqlx::query(&format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE type_id = $1 ORDER BY id{lock}"
        ))
        .bind(&ty.id)
        .fetch_all(&mut *tx)
        .await
        .map_err(store_err)?;
        let shells = rows
            .iter()
            .map(credential_shell)
            .collect::<Result<Vec<_>>>()?;
        let credentials = Self::with_fields(&mut tx, shells).await?;
        let mut counts = RewriteCounts::default();
        for mut credential in credentials {
            match rewrite(&mut credential)? {
                Rewrite::Unchanged => {}
                Rewrite::Remove => {
                    // Foreign keys cascade to sub-credentials and fields.
                    sqlx::query("DELETE FROM credentials WHERE id = $1")
                        .bind(&credential.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_err)?;
                    counts.removed += 1;
                }
                Rewrite::Changed { .. } => {
                    sqlx::query("UPDATE credentials SET updated_at = $2 WHERE id = $1")
                        .bind(&credential.id)
                        .bind(timestamp(credential.updated_at))
                        .execute(&mut *tx)
                        .await
                        .map_err(store_err)?;
                    sqlx::query("DELETE FROM credential_fields WHERE credential_id = $1")
                        .bind(&credential.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_err)?;
                    Self::insert_fields(&mut tx, &credential)
                        .await
                        .map_err(store_err)?;
                    counts.changed += 1;
                }
            }
        }
        tx.commit().await.map_err(store_err)?;
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
    }

    async fn delete_type(&self, id: &str) -> Result<u64> {
        let mut tx = self.db().begin().await.map_err(store_err)?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE type_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_err)?;
        // Foreign keys cascade to credentials, their sub-credentials and fields.
        let done = sqlx::query("DELETE FROM credential_types WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                kind: "credential type",
                id: id.to_owned(),
            });
        }
        tx.commit().await.map_err(store_err)?;
        Ok(count as u64)
    }
}

#[async_trait]
impl CredentialStore for SqlStore {
    async fn create_credential(&self, new: &NewCredential) -> Result<()> {
        let mut tx = self.db().begin().await.map_err(store_err)?;
        for c in new.all() {
            self.check_shape(&mut tx, c).await?;
            if let Some(parent) = &c.sub_credential_of_id
                && !new.all().any(|o| &o.id == parent)
                && !self
                    .exists(&mut tx, "SELECT id FROM credentials WHERE id = $1", parent)
                    .await?
            {
                return Err(Error::NotFound {
                    kind: "credential",
                    id: parent.clone(),
                });
            }
            let inserted = sqlx::query(&format!(
                "INSERT INTO credentials ({CREDENTIAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
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
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(Error::Conflict {
                        kind: "credential",
                        id: c.id.clone(),
                    });
                }
                // The type and parent were checked above: what is left is the company.
                Err(e) if is_foreign_key_violation(&e) => {
                    return Err(Error::NotFound {
                        kind: "company",
                        id: c.company_id.clone(),
                    });
                }
                Err(e) => return Err(store_err(e)),
            }
            Self::insert_fields(&mut tx, c).await.map_err(store_err)?;
        }
        tx.commit().await.map_err(store_err)
    }

    async fn get_credential(&self, id: &str) -> Result<Option<Credential>> {
        Ok(self
            .credentials_where("id = $1", id, "id")
            .await?
            .into_iter()
            .next())
    }

    async fn list_by_company(&self, company_id: &str) -> Result<Vec<Credential>> {
        self.credentials_where(
            "company_id = $1 AND parent_id IS NULL",
            company_id,
            "name, id",
        )
        .await
    }

    async fn list_by_type(&self, type_id: &str) -> Result<Vec<Credential>> {
        self.credentials_where("type_id = $1 AND parent_id IS NULL", type_id, "name, id")
            .await
    }

    async fn count_by_type(&self, type_id: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM credentials WHERE type_id = $1 AND parent_id IS NULL",
        )
        .bind(type_id)
        .fetch_one(&self.db().pool)
        .await
        .map_err(store_err)?;
        Ok(n as u64)
    }

    async fn list_sub_credentials(&self, parent_id: &str) -> Result<Vec<Credential>> {
        self.credentials_where("parent_id = $1", parent_id, "created_at, id")
            .await
    }

    async fn update_credential(&self, credential: &Credential) -> Result<()> {
        let mut tx = self.db().begin().await.map_err(store_err)?;
        self.check_shape(&mut tx, credential).await?;
        let done = sqlx::query(
            "UPDATE credentials SET name = $2, notes = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(&credential.id)
        .bind(&credential.name)
        .bind(&credential.notes)
        .bind(timestamp(credential.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(store_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                kind: "credential",
                id: credential.id.clone(),
            });
        }
        sqlx::query("DELETE FROM credential_fields WHERE credential_id = $1")
            .bind(&credential.id)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        Self::insert_fields(&mut tx, credential)
            .await
            .map_err(store_err)?;
        tx.commit().await.map_err(store_err)
    }

    async fn delete_credential(&self, id: &str) -> Result<u64> {
        let mut tx = self.db().begin().await.map_err(store_err)?;
        let count: i64 = sqlx::query_scalar(
            "WITH RECURSIVE tree(id) AS ( \
                 SELECT id FROM credentials WHERE id = $1 \
                 UNION ALL \
                 SELECT c.id FROM credentials c JOIN tree t ON c.parent_id = t.id) \
             SELECT COUNT(*) FROM tree",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_err)?;
        // Sub-credentials and fields go with it (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM credentials WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                kind: "credential",
                id: id.to_owned(),
            });
        }
        tx.commit().await.map_err(store_err)?;
        Ok(count as u64)
    }

    async fn list_page(&self, after: Option<&str>, limit: usize) -> Result<Vec<Credential>> {
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
        }
        .map_err(store_err)?;
        let credentials = rows
            .iter()
            .map(credential_shell)
            .collect::<Result<Vec<_>>>()?;
        self.with_pooled_fields(credentials).await
    }

    async fn swap_sealed_value(
        &self,
        credential_id: &str,
        field_id: &str,
        expected: &Sealed,
        new: &Sealed,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE credential_fields SET value = $1 \
             WHERE credential_id = $2 AND field_id = $3 AND secure = 1 AND value = $4",
        )
        .bind(new.as_str())
        .bind(credential_id)
        .bind(field_id)
        .bind(expected.as_str())
        .execute(&self.db().pool)
        .await
        .map_err(store_err)?;
        Ok(done.rows_affected() == 1)
    }
}

fn reveal_from_row(row: &AnyRow) -> Result<RevealRecord> {
    Ok(RevealRecord {
        id: row.try_get("id").map_err(store_err)?,
        user_id: row.try_get("user_id").map_err(store_err)?,
        credential_id: row.try_get("credential_id").map_err(store_err)?,
        field_ids: get_strings(row, "field_ids").map_err(store_err)?,
        address: row.try_get("address").map_err(store_err)?,
        at: get_time(row, "at").map_err(store_err)?,
    })
}

#[async_trait]
impl RevealAuditStore for SqlStore {
    async fn record_reveal(&self, record: &RevealRecord) -> Result<()> {
        let result = sqlx::query(
            "INSERT INTO secure_value_reads (id, user_id, credential_id, field_ids, address, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&record.id)
        .bind(&record.user_id)
        .bind(&record.credential_id)
        .bind(strings(&record.field_ids))
        .bind(&record.address)
        .bind(timestamp(record.at))
        .execute(&self.db().pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::Conflict {
                kind: "reveal record",
                id: record.id.clone(),
            }),
            Err(e) => Err(store_err(e)),
        }
    }

    async fn list_reveals(&self, query: &RevealQuery) -> Result<RevealPage> {
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
        let total = count.fetch_one(&self.db().pool).await.map_err(store_err)?;
        let n = args.len();
        let list_sql = format!(
            "SELECT id, user_id, credential_id, field_ids, address, at FROM secure_value_reads {filter} \
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
            .await
            .map_err(store_err)?;
        Ok(RevealPage {
            items: rows.iter().map(reveal_from_row).collect::<Result<_>>()?,
            total: total as u64,
        })
    }
}
