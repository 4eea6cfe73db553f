//! The core store traits on SQL, and the server's own tables (sign-in state, refresh tokens).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use optima_core::store::{NewRole, NewUser, Role, RoleStore, User, UserStore, new_id};
use optima_core::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::db::{Backend, Db, DbError, get_strings, get_time, strings, timestamp};
use crate::rbac_version::{Lookup, VersionCache};

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        StoreError(e)
    }
}

/// A database error as a core store error.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StoreError(DbError);

fn store_err(e: impl Into<DbError>) -> Error {
    Error::store(StoreError(e.into()))
}

/// Whether an error is a unique-constraint violation (on either backend).
fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// SQL storage for everything the server keeps.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: Db,
    rbac_version: Arc<VersionCache>,
}

const USER_COLUMNS: &str =
    "id, name, email, login, image, permissions, created_at, updated_at, sessions_valid_after";

impl SqlStore {
    /// Wraps a connected, migrated database.
    pub fn new(db: Db) -> Self {
        SqlStore {
            db,
            rbac_version: Arc::default(),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    fn role_from_row(row: &AnyRow) -> Result<Role, DbError> {
        Ok(Role {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            moniker: row.try_get("moniker")?,
            permissions: get_strings(row, "permissions")?,
            created_at: get_time(row, "created_at")?,
            updated_at: get_time(row, "updated_at")?,
        })
    }

    async fn user_from_row(&self, row: &AnyRow) -> Result<User, DbError> {
        let id: String = row.try_get("id")?;
        let roles: Vec<String> = sqlx::query_scalar(
            "SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY position",
        )
        .bind(&id)
        .fetch_all(&self.db.pool)
        .await?;
        Self::user_with_roles(row, roles)
    }

    fn user_with_roles(row: &AnyRow, roles: Vec<String>) -> Result<User, DbError> {
        Ok(User {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            login: row.try_get("login")?,
            image: row.try_get("image")?,
            roles,
            permissions: get_strings(row, "permissions")?,
            created_at: get_time(row, "created_at")?,
            updated_at: get_time(row, "updated_at")?,
        })
    }

    /// Users from their rows, with every user's roles read in one query per chunk of users
    /// rather than one per user.
    async fn users_from_rows(&self, rows: Vec<AnyRow>) -> Result<Vec<User>> {
        const CHUNK: usize = 200;
        let mut roles: HashMap<String, Vec<String>> = HashMap::new();
        for chunk in rows.chunks(CHUNK) {
            let placeholders = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT user_id, role_id FROM user_roles WHERE user_id IN ({placeholders}) \
                 ORDER BY user_id, position"
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query.bind(row.try_get::<String, _>("id").map_err(store_err)?);
            }
            for pair in query.fetch_all(&self.db.pool).await.map_err(store_err)? {
                let user: String = pair.try_get("user_id").map_err(store_err)?;
                let role: String = pair.try_get("role_id").map_err(store_err)?;
                roles.entry(user).or_default().push(role);
            }
        }
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id").map_err(store_err)?;
                Self::user_with_roles(row, roles.remove(&id).unwrap_or_default()).map_err(store_err)
            })
            .collect()
    }

    /// Moves the grants version inside `tx`, commits, and makes this process read it afresh:
    /// every change to roles, grants or sessions ends here.
    async fn commit_rbac_change(&self, mut tx: Transaction<'_, Any>) -> Result<()> {
        sqlx::query("UPDATE rbac_state SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        tx.commit().await.map_err(store_err)?;
        self.rbac_version.invalidate();
        Ok(())
    }

    async fn set_user_roles(
        tx: &mut Transaction<'_, Any>,
        user_id: &str,
        roles: &[String],
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        let mut seen = std::collections::HashSet::new();
        for (position, role_id) in roles.iter().enumerate() {
            if !seen.insert(role_id) {
                continue;
            }
            sqlx::query("INSERT INTO user_roles (user_id, role_id, position) VALUES ($1, $2, $3)")
                .bind(user_id)
                .bind(role_id)
                .bind(position as i64)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The version of roles and grants; it changes whenever any of them changes. Served from
    /// memory: see [`crate::rbac_version`] for how fresh it is.
    pub async fn rbac_version(&self) -> Result<i64> {
        let ticket = match self.rbac_version.lookup() {
            Lookup::Known(version) => return Ok(version),
            Lookup::Read(ticket) => ticket,
        };
        let read = sqlx::query_scalar("SELECT version FROM rbac_state WHERE id = 1")
            .fetch_one(&self.db.pool)
            .await;
        match read {
            Ok(version) => {
                self.rbac_version.remember(ticket, version);
                Ok(version)
            }
            Err(e) => {
                self.rbac_version.abandon(ticket);
                Err(store_err(e))
            }
        }
    }

    /// A user with the time before which their tokens no longer count (epoch ms), and
    /// the current grants version, in one round trip for the per-request path.
    pub async fn user_for_request(&self, id: &str) -> Result<Option<(User, i64, i64)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, (SELECT version FROM rbac_state WHERE id = 1) AS rbac_version \
             FROM users WHERE id = $1"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        let valid_after: i64 = row.try_get("sessions_valid_after").map_err(store_err)?;
        let version: i64 = row.try_get("rbac_version").map_err(store_err)?;
        let user = self.user_from_row(&row).await.map_err(store_err)?;
        Ok(Some((user, valid_after, version)))
    }

    /// Invalidates every token a user holds that was issued before `now_ms` (epoch ms), and
    /// moves the grants version so that every replica's cached callers are reloaded.
    pub async fn revoke_user_sessions(&self, user_id: &str, now_ms: i64) -> Result<()> {
        // One transaction with the version move: a request between the two must not cache the
        // old cut-off under the new version.
        let mut tx = self.db.begin().await.map_err(store_err)?;
        sqlx::query("UPDATE users SET sessions_valid_after = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms / 1000)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(store_err)?;
        self.commit_rbac_change(tx).await
    }

    // ---- sign-in state ----

    /// Records a sign-in in progress.
    pub async fn create_auth_request(
        &self,
        state: &str,
        callback_key_hash: &str,
        code_verifier: &str,
        expires_at: i64,
    ) -> Result<()> {
        // Old requests and results are swept here, where new ones are made.
        let now = Utc::now().timestamp();
        sqlx::query("DELETE FROM auth_requests WHERE expires_at < $1")
            .bind(now)
            .execute(&self.db.pool)
            .await
            .map_err(store_err)?;
        sqlx::query("DELETE FROM auth_results WHERE expires_at < $1")
            .bind(now)
            .execute(&self.db.pool)
            .await
            .map_err(store_err)?;
        sqlx::query(
            "INSERT INTO auth_requests (state, callback_key_hash, code_verifier, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(state)
        .bind(callback_key_hash)
        .bind(code_verifier)
        .bind(expires_at)
        .execute(&self.db.pool)
        .await
        .map_err(store_err)?;
        Ok(())
    }

    /// Takes (and deletes) a sign-in in progress by its OAuth state, if it has not expired:
    /// `(callback_key_hash, code_verifier)`.
    pub async fn take_auth_request(
        &self,
        state: &str,
        now: i64,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "DELETE FROM auth_requests WHERE state = $1 RETURNING callback_key_hash, code_verifier, expires_at",
        )
        .bind(state)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(store_err)?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at").map_err(store_err)?;
        if expires_at < now {
            return Ok(None);
        }
        Ok(Some((
            row.try_get("callback_key_hash").map_err(store_err)?,
            row.try_get("code_verifier").map_err(store_err)?,
        )))
    }

    /// Whether a callback key still has a sign-in pending or a result waiting.
    pub async fn callback_key_known(&self, callback_key_hash: &str, now: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM auth_requests WHERE callback_key_hash = $1 AND expires_at >= $2) \
                  + (SELECT COUNT(*) FROM auth_results WHERE callback_key_hash = $1 AND expires_at >= $2)",
        )
        .bind(callback_key_hash)
        .bind(now)
        .fetch_one(&self.db.pool)
        .await
        .map_err(store_err)?;
        Ok(n > 0)
    }

    /// Records how a sign-in ended: the user, or an error message for the client.
    pub async fn put_auth_result(
        &self,
        callback_key_hash: &str,
        outcome: std::result::Result<&str, &str>,
        expires_at: i64,
    ) -> Result<()> {
        let (user_id, error) = match outcome {
            Ok(user) => (Some(user), None),
            Err(message) => (None, Some(message)),
        };
        sqlx::query(
            "INSERT INTO auth_results (callback_key_hash, user_id, error, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(callback_key_hash)
        .bind(user_id)
        .bind(error)
        .bind(expires_at)
        .execute(&self.db.pool)
        .await
        .map_err(store_err)?;
        Ok(())
    }

    /// Takes (once) the outcome of a sign-in: `Ok(user_id)` or `Err(message)`.
    pub async fn take_auth_result(
        &self,
        callback_key_hash: &str,
        now: i64,
    ) -> Result<Option<std::result::Result<String, String>>> {
        let row = sqlx::query(
            "DELETE FROM auth_results WHERE callback_key_hash = $1 RETURNING user_id, error, expires_at",
        )
        .bind(callback_key_hash)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(store_err)?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at").map_err(store_err)?;
        if expires_at < now {
            return Ok(None);
        }
        let user: Option<String> = row.try_get("user_id").map_err(store_err)?;
        let error: Option<String> = row.try_get("error").map_err(store_err)?;
        Ok(Some(match (user, error) {
            (Some(user), _) => Ok(user),
            (None, error) => Err(error.unwrap_or_else(|| "sign-in failed".into())),
        }))
    }

    // ---- refresh tokens ----

    /// Stores a refresh token's hash in a family.
    pub async fn insert_refresh_token(
        &self,
        token_hash: &str,
        family_id: &str,
        user_id: &str,
        issued_at: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(family_id)
        .bind(user_id)
        .bind(issued_at)
        .bind(expires_at)
        .execute(&self.db.pool)
        .await
        .map_err(store_err)?;
        Ok(())
    }

    /// Marks a refresh token used, atomically: only one caller can rotate a given token.
    /// Returns what is known of it.
    pub async fn rotate_refresh_token(&self, token_hash: &str, now: i64) -> Result<RefreshOutcome> {
        let claimed = sqlx::query(
            "UPDATE refresh_tokens SET rotated_at = $1 \
             WHERE token_hash = $2 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at >= $1 \
             RETURNING family_id, user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(store_err)?;
        if let Some(row) = claimed {
            return Ok(RefreshOutcome::Rotated {
                family_id: row.try_get("family_id").map_err(store_err)?,
                user_id: row.try_get("user_id").map_err(store_err)?,
            });
        }
        let row = sqlx::query(
            "SELECT family_id, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(store_err)?;
        let Some(row) = row else {
            return Ok(RefreshOutcome::Unknown);
        };
        let family_id: String = row.try_get("family_id").map_err(store_err)?;
        let rotated: Option<i64> = row.try_get("rotated_at").map_err(store_err)?;
        let revoked: Option<i64> = row.try_get("revoked_at").map_err(store_err)?;
        Ok(if rotated.is_some() && revoked.is_none() {
            RefreshOutcome::Reused { family_id }
        } else {
            RefreshOutcome::Dead
        })
    }

    /// Revokes every token of a family.
    pub async fn revoke_family(&self, family_id: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(family_id)
        .execute(&self.db.pool)
        .await
        .map_err(store_err)?;
        Ok(())
    }

    /// The family of a refresh token, if it is known.
    pub async fn refresh_token_family(&self, token_hash: &str) -> Result<Option<(String, String)>> {
        let row =
            sqlx::query("SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.db.pool)
                .await
                .map_err(store_err)?;
        row.map(|r| {
            Ok((
                r.try_get("family_id").map_err(store_err)?,
                r.try_get("user_id").map_err(store_err)?,
            ))
        })
        .transpose()
    }

    /// The backend, for the rare query that differs.
    pub fn backend(&self) -> Backend {
        self.db.backend
    }
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// It was valid and is now used; issue its successor in the same family.
    Rotated {
        /// The family.
        family_id: String,
        /// The user.
        user_id: String,
    },
    /// It was already used: someone holds a copy. The family must be revoked.
    Reused {
        /// The family.
        family_id: String,
    },
    /// Revoked or expired.
    Dead,
    /// Never issued here.
    Unknown,
}

#[async_trait]
impl RoleStore for SqlStore {
    async fn create_role(&self, role: NewRole) -> Result<Role> {
        let now = Utc::now();
        let id = new_id();
        let mut tx = self.db.begin().await.map_err(store_err)?;
        let inserted = sqlx::query(
            "INSERT INTO roles (id, title, moniker, permissions, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(&id)
        .bind(&role.title)
        .bind(&role.moniker)
        .bind(strings(&role.permissions))
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict {
                    kind: "role",
                    id: role.moniker,
                });
            }
            other => {
                other.map_err(store_err)?;
            }
        }
        self.commit_rbac_change(tx).await?;
        self.find_role(&id)
            .await?
            .ok_or_else(|| Error::NotFound { kind: "role", id })
    }

    async fn find_role(&self, id_or_moniker: &str) -> Result<Option<Role>> {
        // An id match wins over a moniker match, so a moniker that looks like an id cannot
        // shadow a role.
        let row = sqlx::query(
            "SELECT * FROM roles WHERE id = $1 OR moniker = $1 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1",
        )
        .bind(id_or_moniker)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(store_err)?;
        row.map(|r| Self::role_from_row(&r).map_err(store_err))
            .transpose()
    }

    async fn list_roles(&self) -> Result<Vec<Role>> {
        let rows = sqlx::query("SELECT * FROM roles ORDER BY created_at, id")
            .fetch_all(&self.db.pool)
            .await
            .map_err(store_err)?;
        rows.iter()
            .map(|r| Self::role_from_row(r).map_err(store_err))
            .collect()
    }

    async fn update_role(&self, role: &Role) -> Result<Role> {
        let mut tx = self.db.begin().await.map_err(store_err)?;
        let updated = sqlx::query(
            "UPDATE roles SET title = $1, moniker = $2, permissions = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(&role.title)
        .bind(&role.moniker)
        .bind(strings(&role.permissions))
        .bind(timestamp(Utc::now()))
        .bind(&role.id)
        .execute(&mut *tx)
        .await;
        let done = match updated {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict {
                    kind: "role",
                    id: role.moniker.clone(),
                });
            }
            other => other.map_err(store_err)?,
        };
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                kind: "role",
                id: role.id.clone(),
            });
        }
        self.commit_rbac_change(tx).await?;
        self.find_role(&role.id)
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "role",
                id: role.id.clone(),
            })
    }

    async fn delete_role(&self, id: &str) -> Result<Option<Role>> {
        let Some(role) = self.find_role(id).await? else {
            return Ok(None);
        };
        if role.id != id {
            return Ok(None);
        }
        let mut tx = self.db.begin().await.map_err(store_err)?;
        // Explicit, not only by cascade: SQLite connections made elsewhere may lack
        // foreign_keys = ON.
        sqlx::query("DELETE FROM user_roles WHERE role_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        sqlx::query("DELETE FROM roles WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        self.commit_rbac_change(tx).await?;
        Ok(Some(role))
    }
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        let now = timestamp(Utc::now());
        let id = new_id();
        let mut tx = self.db.begin().await.map_err(store_err)?;
        let inserted = sqlx::query(
            "INSERT INTO users (id, name, email, email_key, login, image, permissions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, $7)",
        )
        .bind(&id)
        .bind(&user.name)
        .bind(&user.email)
        .bind(user.email.to_lowercase())
        .bind(&user.login)
        .bind(&user.image)
        .bind(&now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict {
                    kind: "user",
                    id: user.email,
                });
            }
            other => {
                other.map_err(store_err)?;
            }
        }
        Self::set_user_roles(&mut tx, &id, &user.roles)
            .await
            .map_err(store_err)?;
        self.commit_rbac_change(tx).await?;
        self.find_user(&id)
            .await?
            .ok_or_else(|| Error::NotFound { kind: "user", id })
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(store_err)?;
        match row {
            Some(r) => Ok(Some(self.user_from_row(&r).await.map_err(store_err)?)),
            None => Ok(None),
        }
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1");
        let row = sqlx::query(&sql)
            .bind(email.to_lowercase())
            .fetch_optional(&self.db.pool)
            .await
            .map_err(store_err)?;
        match row {
            Some(r) => Ok(Some(self.user_from_row(&r).await.map_err(store_err)?)),
            None => Ok(None),
        }
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id");
        let rows = sqlx::query(&sql)
            .fetch_all(&self.db.pool)
            .await
            .map_err(store_err)?;
        self.users_from_rows(rows).await
    }

    async fn users_with_role(&self, role_id: &str) -> Result<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id IN (SELECT user_id FROM user_roles WHERE role_id = $1) \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(role_id)
            .fetch_all(&self.db.pool)
            .await
            .map_err(store_err)?;
        self.users_from_rows(rows).await
    }

    async fn update_user(&self, user: &User) -> Result<User> {
        let mut tx = self.db.begin().await.map_err(store_err)?;
        let done = sqlx::query(
            "UPDATE users SET name = $1, image = $2, permissions = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(&user.name)
        .bind(&user.image)
        .bind(strings(&user.permissions))
        .bind(timestamp(Utc::now()))
        .bind(&user.id)
        .execute(&mut *tx)
        .await
        .map_err(store_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                kind: "user",
                id: user.id.clone(),
            });
        }
        Self::set_user_roles(&mut tx, &user.id, &user.roles)
            .await
            .map_err(store_err)?;
        self.commit_rbac_change(tx).await?;
        self.find_user(&user.id)
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "user",
                id: user.id.clone(),
            })
    }

    async fn update_profile(&self, id: &str, name: &str, image: Option<&str>) -> Result<User> {
        let mut tx = self.db.begin().await.map_err(store_err)?;
        let done =
            sqlx::query("UPDATE users SET name = $1, image = $2, updated_at = $3 WHERE id = $4")
                .bind(name)
                .bind(image)
                .bind(timestamp(Utc::now()))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(store_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                kind: "user",
                id: id.to_owned(),
            });
        }
        // Callers are cached with their profile; a new version refreshes them.
        self.commit_rbac_change(tx).await?;
        self.find_user(id).await?.ok_or_else(|| Error::NotFound {
            kind: "user",
            id: id.to_owned(),
        })
    }

    async fn delete_user(&self, id: &str) -> Result<Option<User>> {
        let Some(user) = self.find_user(id).await? else {
            return Ok(None);
        };
        let mut tx = self.db.begin().await.map_err(store_err)?;
        for sql in [
            "DELETE FROM user_roles WHERE user_id = $1",
            "DELETE FROM refresh_tokens WHERE user_id = $1",
            "DELETE FROM users WHERE id = $1",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(store_err)?;
        }
        self.commit_rbac_change(tx).await?;
        Ok(Some(user))
    }
}
