//! The crate's one error type.

use crate::rbac::NodeError;
use crate::vault::{CryptoError, ValidationErrors};

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `optima-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A permission node or grant is not well formed.
    #[error(transparent)]
    InvalidNode(#[from] NodeError),

    /// A grant names a node that the permission catalog does not know.
    #[error("unknown permission node `{node}`")]
    UnknownNode {
        /// The grant as it was written.
        node: String,
    },

    /// Input failed validation; every problem is listed with its path.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),

    /// Encryption, decryption or key handling failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),

    /// A record does not exist.
    #[error("{kind} `{id}` was not found")]
    NotFound {
        /// What was looked for (`user`, `role`, `credential`, …).
        kind: &'static str,
        /// The identifier that was looked up.
        id: String,
    },

    /// A record would clash with one that exists (a duplicate moniker, email or name).
    #[error("{kind} `{id}` already exists")]
    Conflict {
        /// What clashed.
        kind: &'static str,
        /// The clashing value.
        id: String,
    },

    /// A record changed between being read and being written: what was decided on the copy
    /// read no longer holds. Read it again and retry.
    #[error("{kind} `{id}` changed while this change was being made")]
    ChangedMeanwhile {
        /// What changed.
        kind: &'static str,
        /// Its identifier.
        id: String,
    },

    /// A storage backend failed.
    #[error("store: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl Error {
    /// Wraps any backend error as [`Error::Store`].
    pub fn store(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Store(Box::new(err))
    }
}
