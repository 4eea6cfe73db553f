//! The UniFi **Network Integration API**: Ubiquiti's supported, API-key API for integrations.
//!
//! Requests go to `{console}/proxy/network/integration/v1/...` on a UniFi OS console, or to
//! `{server}/integration/v1/...` on a self-hosted Network Application (see
//! [`IntegrationClientBuilder::path_prefix`]), with the key in the `X-API-KEY` header. Keys are
//! made in the console under Network › Settings › Control Plane › Integrations; unlike the
//! cookie login, they work for accounts with MFA.
//!
//! ```no_run
//! # async fn run() -> Result<(), optima_unifi::Error> {
//! use futures::TryStreamExt;
//! use optima_unifi::integration::IntegrationClient;
//! use optima_unifi::integration::filter::prop;
//! use secrecy::SecretString;
//!
//! let unifi = IntegrationClient::builder()
//!     .url("https://192.168.1.1")
//!     .api_key(SecretString::from("key from the console"))
//!     .verify_tls(false)
//!     .build()?;
//! println!("Network {:?}", unifi.info().await?.application_version);
//! let sites = unifi.sites().list().all().await?;
//! let site = unifi.site(sites[0].id.as_deref().unwrap());
//! let mut aps = site.devices().list().filter(prop("features").contains("accessPoint")).stream();
//! while let Some(ap) = aps.try_next().await? {
//!     let stats = site.devices().latest_statistics(ap.id.as_deref().unwrap()).await?;
//!     println!("{:?}: cpu {:?}%", ap.name, stats.cpu_utilization_pct);
//! }
//! # Ok(()) }
//! ```
//!
//! Every list is a [`ListRequest`] giving a [`Page`] (`offset`, `limit`, `count`, `totalCount`)
//! or a stream of all items. Errors are the crate's [`Error`]: a rejected key is
//! [`Error::Unauthorized`] ([`Error::is_unauthorized`]), other failures with the API's error
//! envelope are [`Error::Integration`], with the `requestId` at [`Error::request_id`].

pub mod filter;
mod handlers;
pub mod models;
mod page;

use std::sync::Arc;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, IntegrationErrorBody, Result, truncate_body};
use crate::http::{TlsOptions, parse_base_url, tls_setters};
use optima_http::{HttpSettings, Transport};

pub use filter::{Filter, FilterValue, prop};
pub use handlers::{
    ClientsHandler, DevicesHandler, NetworksHandler, SiteHandler, SitesHandler, VouchersHandler,
    WifiBroadcastsHandler,
};
pub use models::*;
pub use page::{ItemStream, ListRequest, Page, PageStream};

/// The path prefix of the Integration API on a UniFi OS console (UDM, UCG, Cloud Key Gen2+,
/// UniFi OS Server): the Network application is proxied under `/proxy/network`.
pub const UNIFI_OS_PREFIX: &str = "/proxy/network/integration";

/// The path prefix on a self-hosted Network Application (no UniFi OS in front), as its OpenAPI
/// document's `servers` entry says. Whether such installations accept API keys at all varies.
pub const NETWORK_APPLICATION_PREFIX: &str = "/integration";

/// The header that carries the key.
pub const API_KEY_HEADER: &str = "X-API-KEY";

const API_KEY: HeaderName = HeaderName::from_static("x-api-key");

#[derive(Debug)]
struct Inner {
    transport: Transport,
    /// Scheme, host, port, any path of the URL given, and the prefix; no trailing `/`.
    base: String,
    key: SecretString,
    /// The key as a header value, built once and marked sensitive (kept out of logs).
    key_header: HeaderValue,
}

/// A client of the UniFi Network Integration API. Cheap to clone (one shared HTTP client).
///
/// `Debug` shows the base URL but never the key.
#[derive(Debug, Clone)]
pub struct IntegrationClient {
    inner: Arc<Inner>,
}

/// Builds an [`IntegrationClient`].
#[derive(Debug, Default)]
pub struct IntegrationClientBuilder {
    url: Option<String>,
    key: Option<SecretString>,
    prefix: Option<String>,
    http: HttpSettings,
    tls: TlsOptions,
}

impl IntegrationClientBuilder {
    /// The console's URL, e.g. `https://192.168.1.1`. A URL that already ends in the Integration
    /// API's prefix (`…/proxy/network/integration` or `…/integration`, optionally followed by
    /// `/v1`) is used as is.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The API key, sent as `X-API-KEY` (marked sensitive, never logged or shown by `Debug`).
    pub fn api_key(mut self, key: SecretString) -> Self {
        self.key = Some(key);
        self
    }

    /// The path between the URL and `/v1`: [`UNIFI_OS_PREFIX`] (the default) for a UniFi OS
    /// console, [`NETWORK_APPLICATION_PREFIX`] for a self-hosted Network Application, or any
    /// other path a reverse proxy puts it under.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Shorthand for `path_prefix(NETWORK_APPLICATION_PREFIX)`: a self-hosted Network
    /// Application serving `/integration/v1/...`.
    pub fn network_application(self) -> Self {
        self.path_prefix(NETWORK_APPLICATION_PREFIX)
    }

    tls_setters!(tls);

    optima_http::http_settings_setters!(http);

    /// Builds the client. Nothing is sent yet (call [`IntegrationClient::info`] to check the key).
    ///
    /// # Errors
    /// [`Error::Config`] for a missing or malformed URL, a missing or empty key, or a bad pin.
    pub fn build(self) -> Result<IntegrationClient> {
        let mut base = parse_base_url(self.url, "console", "https://host[:port]")?;
        if let Some(stripped) = base.strip_suffix("/v1") {
            base = stripped.to_string();
        }
        let prefix = self.prefix.as_deref().unwrap_or(UNIFI_OS_PREFIX).trim();
        let prefix = prefix.trim_end_matches('/');
        let prefix = if prefix.is_empty() || prefix.starts_with('/') {
            prefix.to_owned()
        } else {
            format!("/{prefix}")
        };
        // A URL already ending in the prefix (or in `/integration`, or, for a UniFi OS console,
        // in `/proxy/network` as the classic client takes it) gets only what is missing.
        if base.ends_with(NETWORK_APPLICATION_PREFIX) || base.ends_with(&prefix) {
        } else if prefix == UNIFI_OS_PREFIX && base.ends_with("/proxy/network") {
            base.push_str(NETWORK_APPLICATION_PREFIX);
        } else {
            base.push_str(&prefix);
        }
        let key = self
            .key
            .ok_or_else(|| Error::Config("the Integration API key is required".into()))?;
        if key.expose_secret().trim().is_empty() {
            return Err(Error::Config("the Integration API key is empty".into()));
        }
        let mut key_header = HeaderValue::from_str(key.expose_secret()).map_err(|_| {
            Error::Config("the Integration API key holds characters a header cannot carry".into())
        })?;
        key_header.set_sensitive(true);
        let transport = crate::http::transport(self.http, &self.tls, "unifi-integration")?;
        Ok(IntegrationClient {
            inner: Arc::new(Inner {
                transport,
                base,
                key,
                key_header,
            }),
        })
    }
}

impl IntegrationClient {
    /// Starts building a client.
    pub fn builder() -> IntegrationClientBuilder {
        IntegrationClientBuilder::default()
    }

    /// The URL every path is appended to, e.g. `https://192.168.1.1/proxy/network/integration`.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// `GET /v1/info`: the application version. A cheap way to check the key: a bad one fails
    /// with [`Error::Unauthorized`].
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn info(&self) -> Result<ApplicationInfo> {
        self.get("/v1/info").await
    }

    /// The sites the key can see.
    pub fn sites(&self) -> SitesHandler {
        SitesHandler::new(self.clone())
    }

    /// The handler of one site, by its UUID (the `id` of [`Site`], not the `default` short name).
    pub fn site(&self, site_id: impl Into<String>) -> SiteHandler {
        SiteHandler::new(self.clone(), site_id.into())
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let value = self.request(Method::GET, path, &[], None).await?;
        self.decode_body(path, value)
    }

    pub(crate) fn decode_body<T: DeserializeOwned>(
        &self,
        path: &str,
        value: Option<Value>,
    ) -> Result<T> {
        let value =
            value.ok_or_else(|| Error::UnexpectedResponse(format!("empty body from {path}")))?;
        crate::client::decode(value, "")
    }

    /// Sends one request within the client's deadline; `Ok(None)` for an empty 2xx body.
    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Option<Value>> {
        self.inner
            .transport
            .within_deadline(path, self.request_unbounded(method, path, query, body))
            .await
    }

    async fn request_unbounded(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Option<Value>> {
        let url = format!("{}{}", self.inner.base, path);
        let mut request = self
            .inner
            .transport
            .request(method, url)
            .header(API_KEY, self.inner.key_header.clone())
            .query(query);
        if let Some(b) = body {
            request = request.json(b);
        }
        let resp = request.send(path).await?;
        let status = resp.status;
        let bytes = resp.body;
        if !status.is_success() {
            return Err(self.error_from(status, &bytes));
        }
        if status == StatusCode::NO_CONTENT || bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&bytes).map(Some).map_err(|_| {
            Error::UnexpectedResponse(format!(
                "non-JSON body from {path}: {}",
                truncate_body(self.scrub(&bytes).as_bytes())
            ))
        })
    }

    /// The body as text with the key, should a server ever echo it, replaced.
    fn scrub(&self, bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(bytes);
        let key = self.inner.key.expose_secret();
        if key.is_empty() {
            text.into_owned()
        } else {
            text.replace(key, "[REDACTED]")
        }
    }

    fn error_from(&self, status: StatusCode, bytes: &[u8]) -> Error {
        let text = self.scrub(bytes);
        let envelope = serde_json::from_str::<IntegrationErrorBody>(&text)
            .ok()
            .filter(IntegrationErrorBody::is_envelope);
        if status == StatusCode::UNAUTHORIZED {
            return Error::Unauthorized {
                envelope: envelope.map(Box::new),
            };
        }
        match envelope {
            Some(envelope) => Error::Integration {
                status,
                envelope: Box::new(envelope),
            },
            None => Error::Http {
                status,
                body: truncate_body(text.as_bytes()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str, prefix: Option<&str>) -> String {
        let mut b = IntegrationClient::builder()
            .url(url)
            .api_key(SecretString::from("k"));
        if let Some(p) = prefix {
            b = b.path_prefix(p);
        }
        b.build().unwrap().base_url().to_string()
    }

    #[test]
    fn the_base_url_gets_the_prefix_once() {
        assert_eq!(
            base("https://10.0.0.1", None),
            "https://10.0.0.1/proxy/network/integration"
        );
        assert_eq!(
            base("https://10.0.0.1/", None),
            "https://10.0.0.1/proxy/network/integration"
        );
        assert_eq!(
            base("https://10.0.0.1/proxy/network/integration/", None),
            "https://10.0.0.1/proxy/network/integration"
        );
        assert_eq!(
            base("https://10.0.0.1/proxy/network/integration/v1", None),
            "https://10.0.0.1/proxy/network/integration"
        );
        assert_eq!(
            base("https://host:8443", Some(NETWORK_APPLICATION_PREFIX)),
            "https://host:8443/integration"
        );
        assert_eq!(
            base("https://host:8443/integration", None),
            "https://host:8443/integration"
        );
        assert_eq!(
            base("https://proxy.example/unifi", Some("custom/integration/")),
            "https://proxy.example/unifi/custom/integration"
        );
    }

    #[test]
    fn building_refuses_missing_or_unusable_input() {
        let no_key = IntegrationClient::builder().url("https://h").build();
        assert!(matches!(no_key, Err(Error::Config(_))));
        let empty = IntegrationClient::builder()
            .url("https://h")
            .api_key(SecretString::from(" "))
            .build();
        assert!(matches!(empty, Err(Error::Config(_))));
        let newline = IntegrationClient::builder()
            .url("https://h")
            .api_key(SecretString::from("a\nb"))
            .build();
        assert!(matches!(newline, Err(Error::Config(_))));
        let bad_url = IntegrationClient::builder()
            .url("ftp://h")
            .api_key(SecretString::from("k"))
            .build();
        assert!(matches!(bad_url, Err(Error::Config(_))));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = "sEcReT-kEy-0123456789";
        let b = IntegrationClient::builder()
            .url("https://h")
            .api_key(SecretString::from(key));
        assert!(!format!("{b:?}").contains(key));
        let c = b.build().unwrap();
        assert!(!format!("{c:?}").contains(key));
    }
}
