//! Typed async clients for the **UniFi Network** controller (classic self-hosted controllers and
//! UniFi OS consoles) and the **UniFi Access Identity** developer API.
//!
//! # UniFi Network
//!
//! ```no_run
//! # async fn run() -> Result<(), optima_unifi::Error> {
//! use optima_unifi::{UnifiClient, WlanUpdate};
//! use secrecy::SecretString;
//!
//! let unifi = UnifiClient::builder()
//!     .url("https://192.168.1.1")
//!     .username("admin")
//!     .password(SecretString::from("secret"))
//!     .verify_tls(false)
//!     .build()?;
//!
//! let site = unifi.site("default");
//! for wlan in site.wlans().list().await? {
//!     println!("{:?} on {:?}", wlan.name, wlan.bands());
//! }
//! let id = "66eb36e54bb53f0ae3fb82bd";
//! site.wlans()
//!     .update(id, &WlanUpdate::new().passphrase(SecretString::from("a new passphrase")))
//!     .await?;
//! for ap in site.ssid_limits().await? {
//!     for radio in &ap.radios {
//!         println!("{:?} {}: {}/{}", ap.name, radio.radio, radio.active, radio.limit);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The client detects the controller kind, logs in once (a single login in flight, shared by
//! every clone and every concurrent caller), keeps the session cookie and CSRF token up to date,
//! logs in again once when the session expires (HTTP 401 or `api.err.LoginRequired`), and backs
//! off when logins are throttled. With an API key it never logs in.
//!
//! Live events of a site (`site.events().stream()`), typed, with a heartbeat and reconnection:
//! see [`events`].
//!
//! # UniFi Network Integration API
//!
//! Ubiquiti's supported API-key API (`/proxy/network/integration/v1`), with offset paging,
//! a typed `filter` builder and one handler per resource: see [`integration::IntegrationClient`].
//!
//! # UniFi Access Identity
//!
//! See [`identity::IdentityClient`].
//!
//! # Features
//!
//! - `test-util` (off by default): the module `testing`, a fake controller for tests, built on
//!   `wiremock`.

#![deny(missing_docs)]

mod client;
mod de;
mod error;
pub mod events;
mod handlers;
mod http;
pub mod identity;
pub mod integration;
pub mod limits;
pub mod models;
#[cfg(feature = "test-util")]
pub mod testing;
mod tls;

pub use client::{ControllerKind, LoginBackoff, UnifiClient, UnifiClientBuilder};
pub use de::AutoOr;
pub use error::{ApiErrorKind, Error, IntegrationErrorBody, Result};
pub use events::{EventMessage, EventStream, Events};
pub use handlers::{
    ApGroupsHandler, DevicesHandler, NetworksHandler, PpskHandler, SiteHandler, SitesHandler,
    UserGroupsHandler, WlanGroupsHandler, WlanHandler, resolve as resolve_ppsks,
};
pub use identity::{IdentityClient, IdentityClientBuilder};
pub use integration::{IntegrationClient, IntegrationClientBuilder};
pub use limits::{ApSsidUsage, DEFAULT_SSIDS_PER_RADIO, RadioSsidUsage, ssids_per_radio};
pub use models::{
    ApGroup, Band, CreatedSite, Device, DeviceType, Health, Network, NewApGroup, NewPpsk,
    NewUserGroup, Ppsk, RateLimit, ResolvedPpsk, Security, Site, SysInfo, UserGroup, Vap, Wlan,
    WlanBand, WlanGroup, WlanUpdate, WpaMode,
};
pub use optima_http::{RetryPolicy, lenient};
pub use reqwest::Method;
pub use secrecy::SecretString;
