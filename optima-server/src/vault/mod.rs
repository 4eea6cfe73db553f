//! The credential vault in the server. The vault itself (sealing, field rules, rewrap) is
//! `optima_core::vault`; here are what a running server adds around it:
//!
//! - [`keys`]: the key ring, from settings or the data dir, followed when it changes;
//! - [`cli`]: the `vault rotate | rewrap | retire` verbs;
//! - the SQL store of the vault's traits is [`crate::store::vault`], and the API's bodies are in
//!   [`crate::api::credentials::models`] and [`crate::api::credential_types::models`].

pub mod cli;
pub mod keys;

pub use keys::{KEY_FILE, KeySource, LiveVault, VaultKeyError, load_keyring};
