//! Sign-in state (sign-ins in progress and how they ended) and refresh-token families.

use chrono::Utc;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::SESSION;
use super::{SqlStore, Stored};

impl SqlStore {
    // ---- sign-in state ----

    /// Records a sign-in in progress.
    pub async fn create_auth_request(
        &self,
        state: &str,
        callback_key_hash: &str,
        code_verifier: &str,
        expires_at: i64,
    ) -> Stored<()> {
        // Old requests and results are swept here, where new ones are made.
        let now = Utc::now().timestamp();
        sqlx::query("DELETE FROM auth_requests WHERE expires_at < $1")
            .bind(now)
            .execute(&self.db.pool)
            .await?;
        sqlx::query("DELETE FROM auth_results WHERE expires_at < $1")
            .bind(now)
            .execute(&self.db.pool)
            .await?;
        sqlx::query(
            "INSERT INTO auth_requests (state, callback_key_hash, code_verifier, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(state)
        .bind(callback_key_hash)
        .bind(code_verifier)
        .bind(expires_at)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// Runs `delete_returning` (a `DELETE … RETURNING …, expires_at` keyed by `$1 = key`): the
    /// row it took, unless it had expired by `now`. Taking deletes either way, so that what is
    /// taken is taken once.
    async fn take_unexpired(
        &self,
        delete_returning: &str,
        key: &str,
        now: i64,
    ) -> Stored<Option<AnyRow>> {
        let row = sqlx::query(delete_returning)
            .bind(key)
            .fetch_optional(&self.db.pool)
            .await?;
        match row {
            Some(row) if row.try_get::<i64, _>("expires_at")? >= now => Ok(Some(row)),
            _ => Ok(None),
        }
    }

    /// Takes (and deletes) a sign-in in progress by its OAuth state, if it has not expired:
    /// `(callback_key_hash, code_verifier)`.
    pub async fn take_auth_request(
        &self,
        state: &str,
        now: i64,
    ) -> Stored<Option<(String, String)>> {
        let taken = self
            .take_unexpired(
                "DELETE FROM auth_requests WHERE state = $1 \
                 RETURNING callback_key_hash, code_verifier, expires_at",
                state,
                now,
            )
            .await?;
        let Some(row) = taken else { return Ok(None) };
        Ok(Some((
            row.try_get("callback_key_hash")?,
            row.try_get("code_verifier")?,
        )))
    }

    /// Whether a callback key still has a sign-in pending or a result waiting.
    pub async fn callback_key_known(&self, callback_key_hash: &str, now: i64) -> Stored<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM auth_requests WHERE callback_key_hash = $1 AND expires_at >= $2) \
                  + (SELECT COUNT(*) FROM auth_results WHERE callback_key_hash = $1 AND expires_at >= $2)",
        )
        .bind(callback_key_hash)
        .bind(now)
        .fetch_one(&self.db.pool)
        .await?;
        Ok(n > 0)
    }

    /// Records how a sign-in ended: the user, or an error message for the client.
    pub async fn put_auth_result(
        &self,
        callback_key_hash: &str,
        outcome: std::result::Result<&str, &str>,
        expires_at: i64,
    ) -> Stored<()> {
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
        .await?;
        Ok(())
    }

    /// Takes (once) the outcome of a sign-in: `Ok(user_id)` or `Err(message)`.
    pub async fn take_auth_result(
        &self,
        callback_key_hash: &str,
        now: i64,
    ) -> Stored<Option<std::result::Result<String, String>>> {
        let taken = self
            .take_unexpired(
                "DELETE FROM auth_results WHERE callback_key_hash = $1 \
                 RETURNING user_id, error, expires_at",
                callback_key_hash,
                now,
            )
            .await?;
        let Some(row) = taken else { return Ok(None) };
        let user: Option<String> = row.try_get("user_id")?;
        let error: Option<String> = row.try_get("error")?;
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
    ) -> Stored<()> {
        // A sign-in or a refresh: on the trail, as the family's tokens (never their hashes).
        self.audited_write(&SESSION, family_id, sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(family_id)
            .bind(user_id)
            .bind(issued_at)
            .bind(expires_at))
        .await?;
        Ok(())
    }

    /// Marks a refresh token used, atomically: only one caller can rotate a given token.
    /// Returns what is known of it.
    pub async fn rotate_refresh_token(&self, token_hash: &str, now: i64) -> Stored<RefreshOutcome> {
        let claimed = sqlx::query(
            "UPDATE refresh_tokens SET rotated_at = $1 \
             WHERE token_hash = $2 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at >= $1 \
             RETURNING family_id, user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some(row) = claimed {
            return Ok(RefreshOutcome::Rotated {
                family_id: row.try_get("family_id")?,
                user_id: row.try_get("user_id")?,
            });
        }
        let row = sqlx::query(
            "SELECT family_id, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(row) = row else {
            return Ok(RefreshOutcome::Unknown);
        };
        let family_id: String = row.try_get("family_id")?;
        let rotated: Option<i64> = row.try_get("rotated_at")?;
        let revoked: Option<i64> = row.try_get("revoked_at")?;
        Ok(if rotated.is_some() && revoked.is_none() {
            RefreshOutcome::Reused { family_id }
        } else {
            RefreshOutcome::Dead
        })
    }

    /// Revokes every token of a family.
    pub async fn revoke_family(&self, family_id: &str, now: i64) -> Stored<()> {
        self.audited_write(&SESSION, family_id, sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(family_id))
        .await?;
        Ok(())
    }

    /// The family of a refresh token, if it is known.
    pub async fn refresh_token_family(&self, token_hash: &str) -> Stored<Option<(String, String)>> {
        let row =
            sqlx::query("SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.db.pool)
                .await?;
        row.map(|r| Ok((r.try_get("family_id")?, r.try_get("user_id")?)))
            .transpose()
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
