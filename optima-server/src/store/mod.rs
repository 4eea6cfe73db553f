//! The data layer: every SQL statement the server runs lives in a module here, one per concept.
//!
//! - [`users`]: users and roles (the core [`RoleStore`](optima_core::store::RoleStore) and
//!   [`UserStore`](optima_core::store::UserStore) traits), sessions and the grants version;
//! - [`sign_in`]: sign-ins in progress and refresh-token families; [`api_keys`]: API keys;
//! - [`vault`]: credential types, credentials and the reveal audit (the core vault traits);
//! - [`audit`]: the audit trail, and the snapshots audited writes take of what they change;
//! - [`companies`], [`catalog`], [`opportunities`], [`unifi_sites`]: what is synced from the
//!   vendors, read by the API and written by [`crate::sync`].
//!
//! Methods answer [`Stored<T>`]: `?` lifts a database error into [`StoreError`], and
//! [`StoreError`] into a core error or an API error, so no caller maps errors by hand.

pub mod api_keys;
pub mod audit;
pub mod catalog;
pub mod companies;
mod listing;
pub use listing::ListedPage;
pub mod opportunities;
pub mod rbac_version;
mod search_index;
pub mod sign_in;
pub mod sync_state;
pub mod unifi_sites;
pub mod users;
pub mod vault;

pub use listing::search_condition;
pub use sign_in::RefreshOutcome;

use std::future::Future;
use std::sync::Arc;

use self::rbac_version::VersionCache;
use crate::db::{Db, DbError};

/// Why a store operation failed: the database, or an outcome the core names (a record not
/// found, a clash, a change made meanwhile).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed, or answered something that cannot be read back.
    #[error(transparent)]
    Db(#[from] DbError),
    /// An outcome the core defines, passed through as it is.
    #[error(transparent)]
    Core(#[from] optima_core::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e.into())
    }
}

impl From<StoreError> for optima_core::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Core(e) => e,
            StoreError::Db(e) => optima_core::Error::store(e),
        }
    }
}

impl StoreError {
    /// A stored value that cannot be read back as what it should be.
    pub(crate) fn corrupt(column: &'static str, message: impl ToString) -> StoreError {
        StoreError::Db(DbError::Corrupt {
            column,
            message: message.to_string(),
        })
    }
}

/// The result of a store operation.
pub type Stored<T> = std::result::Result<T, StoreError>;

/// Runs a store operation written with `?` as a core trait's result: the one place where the
/// server's store errors become core errors.
pub(crate) async fn stored<T>(op: impl Future<Output = Stored<T>>) -> optima_core::Result<T> {
    Ok(op.await?)
}

/// Whether an error is a unique-constraint violation (on either backend).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

/// Whether an error is a foreign-key violation (on either backend).
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_foreign_key_violation()
                || db.code().as_deref() == Some("23503")
                || db.message().contains("FOREIGN KEY constraint failed")
        }
        _ => false,
    }
}

/// `$first, $first+1, …` for `n` values: the placeholders of an `IN (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQL storage for everything the server keeps.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: Db,
    rbac_version: Arc<VersionCache>,
}

impl SqlStore {
    /// Wraps a connected, migrated database.
    pub fn new(db: Db) -> Self {
        SqlStore {
            db,
            rbac_version: Arc::default(),
        }
    }

    /// The database, for health checks, lock files and the migrations; queries go through the
    /// store's modules.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The backend, for the rare query that differs.
    pub fn backend(&self) -> crate::db::Backend {
        self.db.backend
    }
}

/// No `kind` has the identifier `id`.
pub(crate) fn not_found(kind: &'static str, id: impl Into<String>) -> StoreError {
    StoreError::Core(optima_core::Error::NotFound {
        kind,
        id: id.into(),
    })
}

/// A `kind` `id` exists already.
pub(crate) fn conflict(kind: &'static str, id: impl Into<String>) -> StoreError {
    StoreError::Core(optima_core::Error::Conflict {
        kind,
        id: id.into(),
    })
}

/// The `kind` `id` changed between being read and being written.
pub(crate) fn changed_meanwhile(kind: &'static str, id: impl Into<String>) -> StoreError {
    StoreError::Core(optima_core::Error::ChangedMeanwhile {
        kind,
        id: id.into(),
    })
}
