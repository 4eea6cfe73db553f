//! Users and roles: the core [`RoleStore`] and [`UserStore`] traits on SQL, the sessions each
//! user holds, and the grants version every change to them moves.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use optima_core::Result;
use optima_core::store::{NewRole, NewUser, Role, RoleStore, User, UserStore, new_id};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::audit::{API_KEY, ROLE, Recorder, USER};
use super::{
    SqlStore, StoreError, Stored, conflict, is_unique_violation, not_found, placeholders, stored,
};
use crate::db::{Backend, get_strings, get_time, strings, timestamp};
use crate::store::rbac_version::Lookup;

const USER_COLUMNS: &str =
    "id, name, email, login, image, permissions, created_at, updated_at, sessions_valid_after";

/// The PostgreSQL advisory lock that serialises grant changes between replicas (an arbitrary
/// constant, apart from the migration and sync locks).
const GRANT_CHANGE_LOCK: i64 = 0x0971_3a10;

impl SqlStore {
    /// On PostgreSQL, a transaction holding the lock that keeps grant changes on every replica
    /// apart: they take turns until it ends. On SQLite there is one process, and none is needed.
    pub async fn hold_grant_changes(&self) -> Stored<Option<Transaction<'static, Any>>> {
        match self.db.backend {
            Backend::Sqlite => Ok(None),
            Backend::Postgres => {
                let mut tx = self.db.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(GRANT_CHANGE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(Some(tx))
            }
        }
    }

    fn role_from_row(row: &AnyRow) -> Stored<Role> {
        Ok(Role {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            moniker: row.try_get("moniker")?,
            permissions: get_strings(row, "permissions")?,
            created_at: get_time(row, "created_at")?,
            updated_at: get_time(row, "updated_at")?,
        })
    }

    async fn user_from_row(&self, row: &AnyRow) -> Stored<User> {
        let id: String = row.try_get("id")?;
        let roles: Vec<String> = sqlx::query_scalar(
            "SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY position",
        )
        .bind(&id)
        .fetch_all(&self.db.pool)
        .await?;
        Self::user_with_roles(row, roles)
    }

    fn user_with_roles(row: &AnyRow, roles: Vec<String>) -> Stored<User> {
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
    async fn users_from_rows(&self, rows: Vec<AnyRow>) -> Stored<Vec<User>> {
        const CHUNK: usize = 200;
        let mut roles: HashMap<String, Vec<String>> = HashMap::new();
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "SELECT user_id, role_id FROM user_roles WHERE user_id IN ({}) \
                 ORDER BY user_id, position",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query.bind(row.try_get::<String, _>("id")?);
            }
            for pair in query.fetch_all(&self.db.pool).await? {
                let user: String = pair.try_get("user_id")?;
                let role: String = pair.try_get("role_id")?;
                roles.entry(user).or_default().push(role);
            }
        }
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id").map_err(StoreError::from)?;
                Self::user_with_roles(row, roles.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    /// Moves the grants version inside `tx`, commits, and makes this process read it afresh:
    /// every change to roles, grants or sessions ends here.
    pub(super) async fn commit_rbac_change(&self, mut tx: Transaction<'_, Any>) -> Stored<()> {
        sqlx::query("UPDATE rbac_state SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.rbac_version.invalidate();
        Ok(())
    }

    async fn set_user_roles(
        tx: &mut Transaction<'_, Any>,
        user_id: &str,
        roles: &[String],
    ) -> Stored<()> {
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
    /// memory: see [`crate::store::rbac_version`] for how fresh it is.
    pub async fn rbac_version(&self) -> Stored<i64> {
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
                Err(e.into())
            }
        }
    }

    /// A user with the time before which their tokens no longer count (epoch ms), and
    /// the current grants version, in one round trip for the per-request path.
    pub async fn user_for_request(&self, id: &str) -> Stored<Option<(User, i64, i64)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, (SELECT version FROM rbac_state WHERE id = 1) AS rbac_version \
             FROM users WHERE id = $1"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?
        else {
            return Ok(None);
        };
        let valid_after: i64 = row.try_get("sessions_valid_after")?;
        let version: i64 = row.try_get("rbac_version")?;
        let user = self.user_from_row(&row).await?;
        Ok(Some((user, valid_after, version)))
    }

    /// Invalidates every token a user holds that was issued before `now_ms` (epoch ms), and
    /// moves the grants version so that every replica's cached callers are reloaded.
    pub async fn revoke_user_sessions(&self, user_id: &str, now_ms: i64) -> Stored<()> {
        // One transaction with the version move: a request between the two must not cache the
        // old cut-off under the new version.
        let mut tx = self.db.begin().await?;
        let audit = Recorder::before(&mut tx, &USER, user_id).await?;
        sqlx::query("UPDATE users SET sessions_valid_after = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms / 1000)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        audit.after(&mut tx, self.db.backend).await?;
        self.commit_rbac_change(tx).await
    }
}

#[async_trait]
impl RoleStore for SqlStore {
    async fn create_role(&self, role: NewRole) -> Result<Role> {
        stored(async move {
            let now = Utc::now();
            let id = new_id();
            let mut tx = self.db.begin().await?;
            let audit = Recorder::before(&mut tx, &ROLE, &id).await?;
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
                    return Err(conflict("role", role.moniker));
                }
                other => {
                    other?;
                }
            }
            audit.after(&mut tx, self.db.backend).await?;
            self.commit_rbac_change(tx).await?;
            self.find_role(&id)
                .await?
                .ok_or_else(|| not_found("role", id))
        })
        .await
    }

    async fn find_role(&self, id_or_moniker: &str) -> Result<Option<Role>> {
        stored(async move {
            // An id match wins over a moniker match, so a moniker that looks like an id cannot
            // shadow a role.
            let row = sqlx::query(
                "SELECT * FROM roles WHERE id = $1 OR moniker = $1 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1",
            )
            .bind(id_or_moniker)
            .fetch_optional(&self.db.pool)
            .await?;
            row.map(|r| Self::role_from_row(&r))
                .transpose()
        })
        .await
    }

    async fn list_roles(&self) -> Result<Vec<Role>> {
        stored(async move {
            let rows = sqlx::query("SELECT * FROM roles ORDER BY created_at, id")
                .fetch_all(&self.db.pool)
                .await?;
            rows.iter().map(Self::role_from_row).collect()
        })
        .await
    }

    async fn update_role(&self, role: &Role) -> Result<Role> {
        stored(async move {
            let mut tx = self.db.begin().await?;
            let audit = Recorder::before(&mut tx, &ROLE, &role.id).await?;
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
                    return Err(conflict("role", role.moniker.clone()));
                }
                other => other?,
            };
            if done.rows_affected() == 0 {
                return Err(not_found("role", role.id.clone()));
            }
            audit.after(&mut tx, self.db.backend).await?;
            self.commit_rbac_change(tx).await?;
            self.find_role(&role.id)
                .await?
                .ok_or_else(|| not_found("role", role.id.clone()))
        })
        .await
    }

    async fn delete_role(&self, id: &str) -> Result<Option<Role>> {
        stored(async move {
            let Some(role) = self.find_role(id).await? else {
                return Ok(None);
            };
            if role.id != id {
                return Ok(None);
            }
            let mut tx = self.db.begin().await?;
            let audit = Recorder::before(&mut tx, &ROLE, id).await?;
            // Explicit, not only by cascade: SQLite connections made elsewhere may lack
            // foreign_keys = ON.
            sqlx::query("DELETE FROM user_roles WHERE role_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM roles WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit.after(&mut tx, self.db.backend).await?;
            self.commit_rbac_change(tx).await?;
            Ok(Some(role))
        })
        .await
    }
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        stored(async move {
            let now = timestamp(Utc::now());
            let id = new_id();
            let mut tx = self.db.begin().await?;
            let audit = Recorder::before(&mut tx, &USER, &id).await?;
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
                    return Err(conflict("user", user.email));
                }
                other => {
                    other?;
                }
            }
            Self::set_user_roles(&mut tx, &id, &user.roles)
                .await?;
            audit.after(&mut tx, self.db.backend).await?;
            self.commit_rbac_change(tx).await?;
            self.find_user(&id)
                .await?
                .ok_or_else(|| not_found("user", id))
        })
        .await
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        stored(async move {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
            let row = sqlx::query(&sql)
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?;
            match row {
                Some(r) => Ok(Some(self.user_from_row(&r).await?)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        stored(async move {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1");
            let row = sqlx::query(&sql)
                .bind(email.to_lowercase())
                .fetch_optional(&self.db.pool)
                .await?;
            match row {
                Some(r) => Ok(Some(self.user_from_row(&r).await?)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        stored(async move {
            let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id");
            let rows = sqlx::query(&sql).fetch_all(&self.db.pool).await?;
            self.users_from_rows(rows).await
        })
        .await
    }

    async fn users_with_role(&self, role_id: &str) -> Result<Vec<User>> {
        stored(async move {
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users WHERE id IN (SELECT user_id FROM user_roles WHERE role_id = $1) \
                 ORDER BY created_at, id"
            );
            let rows = sqlx::query(&sql)
                .bind(role_id)
                .fetch_all(&self.db.pool)
                .await?;
            self.users_from_rows(rows).await
        })
        .await
    }

    async fn update_user(&self, user: &User) -> Result<User> {
        stored(async move {
            let mut tx = self.db.begin().await?;
            let audit = Recorder::before(&mut tx, &USER, &user.id).await?;
            let done = sqlx::query(
                "UPDATE users SET name = $1, image = $2, permissions = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(&user.name)
            .bind(&user.image)
            .bind(strings(&user.permissions))
            .bind(timestamp(Utc::now()))
            .bind(&user.id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(not_found("user", user.id.clone()));
            }
            Self::set_user_roles(&mut tx, &user.id, &user.roles)
                .await?;
            audit.after(&mut tx, self.db.backend).await?;
            self.commit_rbac_change(tx).await?;
            self.find_user(&user.id)
                .await?
                .ok_or_else(|| not_found("user", user.id.clone()))
        })
        .await
    }

    async fn update_profile(&self, id: &str, name: &str, image: Option<&str>) -> Result<User> {
        stored(async move {
            let mut tx = self.db.begin().await?;
            let audit = Recorder::before(&mut tx, &USER, id).await?;
            let done = sqlx::query(
                "UPDATE users SET name = $1, image = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(name)
            .bind(image)
            .bind(timestamp(Utc::now()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(not_found("user", id.to_owned()));
            }
            audit.after(&mut tx, self.db.backend).await?;
            // Callers are cached with their profile; a new version refreshes them.
            self.commit_rbac_change(tx).await?;
            self.find_user(id)
                .await?
                .ok_or_else(|| not_found("user", id.to_owned()))
        })
        .await
    }

    async fn delete_user(&self, id: &str) -> Result<Option<User>> {
        stored(async move {
            let Some(user) = self.find_user(id).await? else {
                return Ok(None);
            };
            let mut tx = self.db.begin().await?;
            let audit = Recorder::before(&mut tx, &USER, id).await?;
            // Each of the user's API keys goes with them: an event of its own.
            let key_ids: Vec<String> =
                sqlx::query_scalar("SELECT id FROM api_keys WHERE owner_id = $1 ORDER BY id")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let mut removals = Vec::with_capacity(key_ids.len());
            for key_id in &key_ids {
                removals.push(Recorder::before(&mut tx, &API_KEY, key_id).await?);
            }
            for sql in [
                "DELETE FROM user_roles WHERE user_id = $1",
                "DELETE FROM refresh_tokens WHERE user_id = $1",
                "DELETE FROM api_keys WHERE owner_id = $1",
                "DELETE FROM users WHERE id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            for removal in removals {
                removal.after(&mut tx, self.db.backend).await?;
            }
            audit.after(&mut tx, self.db.backend).await?;
            self.commit_rbac_change(tx).await?;
            Ok(Some(user))
        })
        .await
    }
}
