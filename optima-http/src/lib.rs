//! The HTTP core shared by Optima's vendor clients (`optima-connectwise`, `optima-unifi`), so
//! that they agree where they should:
//!
//! - one [`RetryPolicy`] that counts attempts, retries idempotent methods (RFC 9110) on
//!   `429`/`502`/`503`/`504` and transport failures, honours `Retry-After` in seconds and as an
//!   HTTP date, and backs off exponentially with a cap and jitter;
//! - one send loop, [`Transport`], with one tracing span per attempt
//!   (`http.request` with `service`, `method`, `path`, `attempt`, `status`) and a per-call
//!   deadline;
//! - one set of builder settings, [`HttpSettings`], which client builders expose as their own
//!   methods through [`http_settings_setters!`];
//! - one module of [`lenient`] deserialisers for vendors that are sloppy about JSON types.
//!
//! The feature `test-util` adds `testing`: log capture, to read the retry delays chosen.
//!
//! Statuses are [`reqwest::StatusCode`] everywhere. The crate knows no vendor: a client names
//! itself with a [`Service`] and maps [`enum@Error`] into its own error enum.
//!
//! ```
//! # async fn run() -> Result<(), optima_http::Error> {
//! use optima_http::{HttpSettings, Method, RetryPolicy, Service};
//!
//! let transport = HttpSettings::default()
//!     .retry_policy(RetryPolicy::default().max_attempts(3))
//!     .build(Service::new("example", "example-client/1.0"))?;
//! let response = transport
//!     .request(Method::GET, "https://example.invalid/status")
//!     .query(&[("verbose", "1")])
//!     .send("/status")
//!     .await?;
//! println!("{} {} bytes", response.status, response.body.len());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod error;
pub mod lenient;
mod path;
mod retry;
#[cfg(feature = "test-util")]
pub mod testing;
mod transport;

pub use error::Error;
pub use path::segment;
pub use reqwest::{self, Method, StatusCode};
pub use retry::{RetryPolicy, is_idempotent, is_transient_status, parse_retry_after, retry_after};
pub use transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpSettings, RawResponse, Request, Service,
    Transport,
};

/// The README's usage snippet, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
