//! Typed async clients for **ConnectWise Manage** (PSA) and **CW Home**.
//!
//! * [`ConnectWiseClient`]: builder with codebase discovery, one handler per resource
//!   (`companies()`, `contacts()`, `configurations()`, `catalog()`, `opportunities()`),
//!   a query builder, [`Page`]s and lazy [`futures::Stream`]s over every record,
//!   retries with backoff, and a raw JSON escape hatch (`get_json`, `post_json`, `patch_json`).
//! * [`home::CwHomeClient`]: the 17 operations of the community CW Home OpenAPI.
//!
//! Models are lenient: every vendor field is optional, numbers sent as strings or
//! `""` are accepted, unknown fields are kept in `extra`.
//!
//! ```no_run
//! use futures::TryStreamExt as _;
//! use optima_connectwise::{ConnectWiseClient, condition_date};
//! use secrecy::SecretString;
//!
//! # async fn run() -> optima_connectwise::Result<()> {
//! let cw = ConnectWiseClient::builder()
//!     .site("https://na.myconnectwise.net")
//!     .company_id("acme")
//!     .public_key("pub")
//!     .private_key(SecretString::from("priv"))
//!     .client_id("00000000-0000-0000-0000-000000000000")
//!     .build()?;
//!
//! let since = chrono::Utc::now() - chrono::Duration::days(1);
//! let mut items = cw
//!     .catalog()
//!     .list()
//!     .conditions(format!("lastUpdated > {}", condition_date(since)))
//!     .page_size(1000)
//!     .stream();
//! while let Some(item) = items.try_next().await? {
//!     println!("{:?} {:?}", item.identifier, item.price);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod callbacks;
mod error;
pub mod home;
mod manage;
pub mod models;

pub use chrono;
pub use error::{Error, FieldError, Result};
pub use manage::*;
pub use optima_http::{RetryPolicy, lenient};

/// The README's usage snippet, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
