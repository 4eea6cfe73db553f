//! # optima-core
//!
//! The engines behind Optima, free of HTTP and SQL so that any Rust program can use them:
//!
//! - [`rbac`]: permission nodes, grants with wildcards and denials, a compiled
//!   [`rbac::GrantSet`] that checks and explains, the permission [`rbac::Catalog`], and field
//!   filtering of JSON objects.
//! - [`vault`]: typed credential schemas, validation of credential input, AES-256-GCM encryption
//!   bound to each value's place, and key rotation.
//! - [`store`]: domain types for users and roles and the async store traits a backend
//!   implements, with an in-memory implementation for tests and small programs.
//!
//! Every fallible operation returns this crate's single [`Error`] type.
#![deny(missing_docs)]

mod error;
pub mod rbac;
pub mod store;
pub mod vault;

pub use error::{Error, Result};
