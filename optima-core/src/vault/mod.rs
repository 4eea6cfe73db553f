//! The credential vault: typed credential schemas, validation of credential input, AES-256-GCM
//! sealing bound to each value's place, key rotation, and the store traits behind the credential
//! routes.
//!
//! - [`CredentialType`] / [`FieldDefinition`]: a type's fields, each with a [`ValueType`];
//!   multi_credential fields nest `subFields` up to [`MAX_DEPTH`] levels. [`validate_type`] reports
//!   every problem at once with its path.
//! - [`validate_credential`], [`validate_sub_credential`], [`validate_field_update`]: credential input
//!   against its type, every problem with its path ([`ValidationErrors`]).
//! - [`KeyRing`]: one primary [`VaultKey`] that seals, older ones that open; loaded through a
//!   [`KeyProvider`] such as [`ConfigKeyProvider`] (`id:base64key,…`). Sealed text is
//!   `v1.<key_id>.<base64(nonce|ciphertext|tag)>` ([`Sealed`]); see [`crypto`] for the AAD.
//! - [`Vault`]: validates, seals, reveals and rewraps credentials, so a server only stores them.
//! - [`CredentialTypeStore`], [`CredentialStore`], [`RevealAuditStore`] and the in-memory
//!   [`MemoryVaultStore`].
//!
//! ```
//! use optima_core::vault::*;
//! use secrecy::ExposeSecret;
//!
//! let ty = CredentialType::create(CredentialTypeInput {
//!     name: "GitHub".into(),
//!     permission_scope: "github.credentials".into(),
//!     icon: None,
//!     fields: vec![
//!         FieldDefinition::new("username", "Username", ValueType::PlainText, true, false),
//!         FieldDefinition::new("token", "Token", ValueType::Password, true, true),
//!     ],
//! })?;
//! let vault = Vault::new(KeyRing::generate(KeyId::new("k1")?));
//! let new = vault.create_credential(&ty, CredentialInput {
//!     name: "Bot".into(),
//!     notes: None,
//!     type_id: ty.id.clone(),
//!     company_id: "acme".into(),
//!     fields: vec![FieldInput::new("username", "bot"), FieldInput::new("token", "ghp_123")],
//!     sub_credentials: Default::default(),
//! })?;
//! let token = vault.reveal(&new.credential, "token")?;
//! assert_eq!(token.expose_secret(), "ghp_123");
//! # Ok::<(), optima_core::Error>(())
//! ```

mod b64;
pub mod crypto;
mod engine;
mod errors;
mod generate;
mod history;
mod memory;
mod model;
mod otp;
mod schema;
mod store;
mod validate;
mod value_type;

pub use crypto::{
    ConfigKeyProvider, KEY_LEN, KeyId, KeyProvider, KeyRing, MAX_KEY_ID_LEN, Sealed,
    StaticKeyProvider, VaultKey,
};
pub use engine::{
    NewCredential, RewrapFailure, RewrapReport, RewrappedField, Vault, rewrap_store,
    rewrap_store_with_progress,
};
pub use errors::{CryptoError, PathSegment, ValidationError, ValidationErrors};
pub use generate::PasswordPolicy;
pub use history::{
    CredentialVersion, DeletedCredential, SupersededValue, ValueAt, VersionChange, value_at,
};
pub use memory::MemoryVaultStore;
pub use model::{
    Credential, CredentialInput, FieldInput, FieldView, RevealKind, RevealRecord, StoredField,
    StoredValue, SubCredentialInput, SubCredentialInputs, new_id,
};
pub use otp::{TotpAlgorithm, TotpCode, TotpSeed};
pub use schema::{
    CredentialType, CredentialTypeInput, CredentialTypePatch, FieldChanges, FieldDefinition,
    FieldPath, MAX_DEPTH, MAX_FIELDS, MAX_ICON_LEN, MAX_ID_LEN, MAX_NAME_LEN, validate_type,
};
pub use store::{
    CredentialStore, CredentialTypeStore, RevealAuditStore, RevealPage, RevealQuery, Rewrite,
    RewriteCounts, RewriteFn,
};
pub use validate::{
    MAX_INLINE_SUB_CREDENTIALS, MAX_NOTES_LEN, MAX_VALUE_LEN, validate_credential,
    validate_field_update, validate_sub_credential,
};
pub use value_type::{UnknownValueType, ValueProblem, ValueType};
