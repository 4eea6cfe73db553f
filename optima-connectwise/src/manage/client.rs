//! The ConnectWise Manage client and its builder.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result, api_error, decode};
use crate::models::{CompanyInfo, normalize_codebase};
use optima_http::{HttpSettings, RawResponse, Transport};

/// The default API version sent in `Accept`.
pub const DEFAULT_API_VERSION: &str = "2025.8";

/// A ConnectWise Manage (PSA) REST client.
///
/// Cheap to clone: clones share one connection pool and one codebase cache.
///
/// ```no_run
/// # async fn run() -> optima_connectwise::Result<()> {
/// use optima_connectwise::ConnectWiseClient;
/// use secrecy::SecretString;
///
/// let cw = ConnectWiseClient::builder()
///     .site("https://na.myconnectwise.net")
///     .company_id("acme")
///     .public_key("pub")
///     .private_key(SecretString::from("priv"))
///     .client_id("00000000-0000-0000-0000-000000000000")
///     .build()?;
/// let page = cw.companies().list().conditions("deletedFlag=false").page_size(1000).send().await?;
/// println!("{} companies on the first page", page.items.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ConnectWiseClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    transport: Transport,
    site: Url,
    company_id: String,
    client_id: String,
    /// The full `Authorization` header value; secret.
    authorization: SecretString,
    accept: HeaderValue,
    codebase: Codebase,
}

enum Codebase {
    /// A fixed API root (codebase given, or a base URL override).
    Fixed(Url),
    /// Discovered from `login/companyinfo`; cached; looked up again once after a 404.
    Discover(tokio::sync::RwLock<Option<Url>>),
}

impl fmt::Debug for ConnectWiseClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codebase = match &self.inner.codebase {
            Codebase::Fixed(u) => u.to_string(),
            Codebase::Discover(_) => "<discovered>".to_owned(),
        };
        f.debug_struct("ConnectWiseClient")
            .field("site", &self.inner.site.as_str())
            .field("company_id", &self.inner.company_id)
            .field("client_id", &self.inner.client_id)
            .field("api_root", &codebase)
            .field("credentials", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Builder of a [`ConnectWiseClient`]. Obtain one with [`ConnectWiseClient::builder`].
#[derive(Default)]
pub struct ConnectWiseClientBuilder {
    site: Option<String>,
    company_id: Option<String>,
    public_key: Option<String>,
    private_key: Option<SecretString>,
    client_id: Option<String>,
    codebase: Option<String>,
    base_url: Option<String>,
    api_version: Option<String>,
    transport: HttpSettings,
}

impl fmt::Debug for ConnectWiseClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectWiseClientBuilder")
            .field("site", &self.site)
            .field("company_id", &self.company_id)
            .field("public_key", &self.public_key)
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("client_id", &self.client_id)
            .field("codebase", &self.codebase)
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

impl ConnectWiseClientBuilder {
    /// The site: `https://na.myconnectwise.net`, or a bare host (`https://` is assumed).
    #[must_use]
    pub fn site(mut self, site: impl Into<String>) -> Self {
        self.site = Some(site.into());
        self
    }

    /// The login company id (the "Company" field of the ConnectWise login page).
    #[must_use]
    pub fn company_id(mut self, id: impl Into<String>) -> Self {
        self.company_id = Some(id.into());
        self
    }

    /// The API member's public key.
    #[must_use]
    pub fn public_key(mut self, key: impl Into<String>) -> Self {
        self.public_key = Some(key.into());
        self
    }

    /// The API member's private key.
    #[must_use]
    pub fn private_key(mut self, key: SecretString) -> Self {
        self.private_key = Some(key);
        self
    }

    /// The `clientId` registered at developer.connectwise.com.
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// A fixed codebase (e.g. `v2025_1/`). Without it the codebase is discovered from
    /// `GET {site}/login/companyinfo/{companyId}` on first use.
    #[must_use]
    pub fn codebase(mut self, codebase: impl Into<String>) -> Self {
        self.codebase = Some(codebase.into());
        self
    }

    /// Overrides the whole API root (e.g. `http://127.0.0.1:8080/v2025_1/apis/3.0/`), for
    /// tests and proxies. Codebase discovery is then skipped; `site` becomes optional.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API version sent in `Accept` (default [`DEFAULT_API_VERSION`]).
    #[must_use]
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    optima_http::http_settings_setters!(transport);

    /// Validates the configuration and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] when a required value is missing or a URL is invalid.
    pub fn build(self) -> Result<ConnectWiseClient> {
        let missing = |what: &str| Error::Config(format!("{what} is required"));
        let company_id = self
            .company_id
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| missing("company_id"))?;
        let public_key = self
            .public_key
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| missing("public_key"))?;
        let private_key = self
            .private_key
            .filter(|s| !s.expose_secret().trim().is_empty())
            .ok_or_else(|| missing("private_key"))?;
        let client_id = self
            .client_id
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| missing("client_id"))?;

        let site = match (&self.site, &self.base_url) {
            (Some(s), _) => parse_site(s)?,
            (None, Some(b)) => parse_url(b, "base_url")?,
            (None, None) => return Err(missing("site (or base_url)")),
        };
        let codebase = if let Some(b) = &self.base_url {
            Codebase::Fixed(with_trailing_slash(parse_url(b, "base_url")?))
        } else if let Some(c) = &self.codebase {
            let c =
                normalize_codebase(c).ok_or_else(|| Error::Config("codebase is empty".into()))?;
            Codebase::Fixed(api_root(&site, &c)?)
        } else {
            Codebase::Discover(tokio::sync::RwLock::new(None))
        };

        let token = base64::engine::general_purpose::STANDARD.encode(format!(
            "{company_id}+{public_key}:{}",
            private_key.expose_secret()
        ));
        let authorization = SecretString::from(format!("Basic {token}"));
        let version = self
            .api_version
            .unwrap_or_else(|| DEFAULT_API_VERSION.to_owned());
        let accept = HeaderValue::from_str(&format!(
            "application/vnd.connectwise.com+json; version={version}"
        ))
        .map_err(|_| Error::Config(format!("invalid api_version {version:?}")))?;
        HeaderValue::from_str(&client_id)
            .map_err(|_| Error::Config("client_id is not a valid header value".into()))?;

        Ok(ConnectWiseClient {
            inner: Arc::new(Inner {
                transport: self.transport.build(crate::error::service("connectwise"))?,
                site,
                company_id,
                client_id,
                authorization,
                accept,
                codebase,
            }),
        })
    }
}

/// A 404 whose body is a ConnectWise `NotFound` error means "no such record": the
/// codebase is fine, so no rediscovery is needed.
fn is_record_not_found(body: &[u8]) -> bool {
    serde_json::from_slice::<crate::error::ErrorBody>(body)
        .ok()
        .and_then(|b| b.code)
        .is_some_and(|c| c.eq_ignore_ascii_case("NotFound"))
}

fn parse_url(s: &str, what: &str) -> Result<Url> {
    Url::parse(s.trim()).map_err(|e| Error::Config(format!("{what} {s:?} is not a valid URL: {e}")))
}

fn parse_site(s: &str) -> Result<Url> {
    let s = s.trim();
    let full = if s.contains("://") {
        s.to_owned()
    } else {
        format!("https://{s}")
    };
    let mut u = parse_url(&full, "site")?;
    if u.host_str().is_none() {
        return Err(Error::Config(format!("site {s:?} has no host")));
    }
    u.set_path("/");
    u.set_query(None);
    Ok(u)
}

fn with_trailing_slash(mut u: Url) -> Url {
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u
}

fn api_root(site: &Url, codebase: &str) -> Result<Url> {
    site.join(&format!("{codebase}apis/3.0/")).map_err(|e| {
        Error::Config(format!(
            "cannot build the API root from codebase {codebase:?}: {e}"
        ))
    })
}

/// A request body: JSON bytes prepared once and reused on retries.
pub(crate) type Body = Option<Bytes>;

impl ConnectWiseClient {
    /// Starts a builder.
    pub fn builder() -> ConnectWiseClientBuilder {
        ConnectWiseClientBuilder::default()
    }

    /// The configured site (scheme and host).
    pub fn site(&self) -> &Url {
        &self.inner.site
    }

    /// The login company id.
    pub fn company_id(&self) -> &str {
        &self.inner.company_id
    }

    fn company_info_path(&self) -> String {
        format!("login/companyinfo/{}", self.inner.company_id)
    }

    /// Fetches `GET {site}/login/companyinfo/{companyId}` (no authentication needed).
    ///
    /// # Errors
    /// Transport, API or decode errors; [`Error::DeadlineExceeded`] past the deadline.
    pub async fn company_info(&self) -> Result<CompanyInfo> {
        let path = self.company_info_path();
        self.inner
            .transport
            .within_deadline(&path, self.fetch_company_info())
            .await
    }

    async fn fetch_company_info(&self) -> Result<CompanyInfo> {
        let path = self.company_info_path();
        let url = self
            .inner
            .site
            .join(&path)
            .map_err(|e| Error::Config(format!("invalid company id for a URL: {e}")))?;
        let resp = self
            .inner
            .transport
            .request(Method::GET, url)
            .send(&path)
            .await?;
        if !resp.status.is_success() {
            return Err(api_error(
                resp.status,
                &path,
                String::from_utf8_lossy(&resp.body).into_owned(),
            ));
        }
        decode(&path, &resp.body)
    }

    /// The API root in use (`https://{site}/{codebase}apis/3.0/`), discovering the codebase if needed.
    ///
    /// # Errors
    /// [`Error::Codebase`] when discovery fails; [`Error::Transport`] when `login/companyinfo`
    /// could not be fetched; [`Error::DeadlineExceeded`] past the deadline.
    pub async fn api_root(&self) -> Result<Url> {
        let path = self.company_info_path();
        self.inner
            .transport
            .within_deadline(&path, self.resolve_api_root())
            .await
    }

    /// The API root, discovering it at most once at a time: concurrent callers wait on the
    /// lock, and a caller dropped at its deadline releases it for the next one.
    async fn resolve_api_root(&self) -> Result<Url> {
        match &self.inner.codebase {
            Codebase::Fixed(u) => Ok(u.clone()),
            Codebase::Discover(lock) => {
                if let Some(u) = lock.read().await.as_ref() {
                    return Ok(u.clone());
                }
                let mut w = lock.write().await;
                if let Some(u) = w.as_ref() {
                    return Ok(u.clone());
                }
                let u = self.discover().await?;
                *w = Some(u.clone());
                Ok(u)
            }
        }
    }

    async fn discover(&self) -> Result<Url> {
        // A transport failure (timeout, refused connection) says nothing about the codebase:
        // keep it as it is so callers can tell a slow vendor from a broken answer.
        let info = self.fetch_company_info().await.map_err(|e| match e {
            e @ (Error::Transport { .. } | Error::DeadlineExceeded { .. }) => e,
            e => Error::Codebase(e.to_string()),
        })?;
        let codebase = info
            .normalized_codebase()
            .ok_or_else(|| Error::Codebase("login/companyinfo returned no Codebase".into()))?;
        tracing::debug!(codebase = %codebase, "discovered ConnectWise codebase");
        api_root(&self.inner.site, &codebase)
    }

    /// After a 404: look the codebase up again; `Some(new_root)` if it changed.
    async fn rediscover(&self, failed: &Url) -> Result<Option<Url>> {
        let Codebase::Discover(lock) = &self.inner.codebase else {
            return Ok(None);
        };
        let mut w = lock.write().await;
        if let Some(cur) = w.as_ref().filter(|cur| *cur != failed) {
            // Another request already rediscovered it.
            return Ok(Some(cur.clone()));
        }
        let fresh = self.discover().await?;
        let changed = Some(&fresh) != w.as_ref();
        *w = Some(fresh.clone());
        Ok(changed.then_some(fresh))
    }

    fn headers(&self, content_type: bool) -> HeaderMap {
        let mut h = HeaderMap::with_capacity(4);
        let mut auth = HeaderValue::from_str(self.inner.authorization.expose_secret())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        auth.set_sensitive(true);
        h.insert(AUTHORIZATION, auth);
        if let Ok(v) = HeaderValue::from_str(&self.inner.client_id) {
            h.insert("clientId", v);
        }
        h.insert(ACCEPT, self.inner.accept.clone());
        if content_type {
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        h
    }

    /// Sends a request to `path` (relative to the API root) and returns the successful response,
    /// all within the client's deadline.
    pub(crate) async fn send_raw(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Body,
        extra_headers: &[(&'static str, &'static str)],
    ) -> Result<RawResponse> {
        let path = path.trim_start_matches('/');
        self.inner
            .transport
            .within_deadline(
                path,
                self.send_unbounded(method, path, query, body, extra_headers),
            )
            .await
    }

    async fn send_unbounded(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Body,
        extra_headers: &[(&'static str, &'static str)],
    ) -> Result<RawResponse> {
        let mut root = self.resolve_api_root().await?;
        let mut rediscovered = false;
        loop {
            let url = root
                .join(path)
                .map_err(|e| Error::InvalidQuery(format!("invalid path {path:?}: {e}")))?;
            let mut headers = self.headers(body.is_some());
            for (k, v) in extra_headers {
                headers.insert(*k, HeaderValue::from_static(v));
            }
            let mut request = self
                .inner
                .transport
                .request(method.clone(), url)
                .headers(headers)
                .query(query);
            if let Some(b) = &body {
                request = request.body(b.clone());
            }
            let resp = request.send(path).await?;
            if method == Method::DELETE
                && resp.status == StatusCode::NOT_FOUND
                && resp.attempts > 1
                && is_record_not_found(&resp.body)
            {
                // An earlier attempt that went unanswered (a timeout, a 504) did the delete.
                tracing::debug!(
                    path,
                    "record gone on a retried delete; taking it as deleted"
                );
                return Ok(resp);
            }
            if resp.status == StatusCode::NOT_FOUND
                && !rediscovered
                && !is_record_not_found(&resp.body)
            {
                rediscovered = true;
                if let Some(new_root) = self.rediscover(&root).await? {
                    tracing::info!(api_root = %new_root, "ConnectWise codebase changed; retrying");
                    root = new_root;
                    continue;
                }
            }
            if !resp.status.is_success() {
                return Err(api_error(
                    resp.status,
                    path,
                    String::from_utf8_lossy(&resp.body).into_owned(),
                ));
            }
            return Ok(resp);
        }
    }

    pub(crate) async fn get_decoded<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T> {
        let resp = self.send_raw(Method::GET, path, query, None, &[]).await?;
        decode(path, &resp.body)
    }

    /// `GET` any path under the API root and decode the JSON answer.
    ///
    /// The escape hatch for endpoints without typed models:
    /// `cw.get_json::<serde_json::Value>("service/tickets/42", &[("fields", "id,summary")])`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        let q: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.get_decoded(path, &q).await
    }

    /// `POST` a JSON body to any path under the API root and decode the answer.
    ///
    /// Not retried unless the policy has [`RetryPolicy::retry_writes`](crate::RetryPolicy::retry_writes).
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.write(Method::POST, path, body).await
    }

    /// `PATCH` any path under the API root. ConnectWise expects a JSON Patch array,
    /// e.g. `[PatchOperation::replace("name", json!("New name"))]`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn patch_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.write(Method::PATCH, path, body).await
    }

    /// `PUT` a JSON body to any path under the API root and decode the answer.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn put_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.write(Method::PUT, path, body).await
    }

    /// `DELETE` any path under the API root.
    ///
    /// # Errors
    /// Transport or API errors.
    pub async fn delete(&self, path: &str) -> Result<()> {
        self.send_raw(Method::DELETE, path, &[], None, &[])
            .await
            .map(|_| ())
    }

    async fn write<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::InvalidQuery(format!("request body could not be serialised: {e}"))
        })?;
        let resp = self
            .send_raw(method, path, &[], Some(Bytes::from(bytes)), &[])
            .await?;
        let body: &[u8] = if resp.body.is_empty() {
            b"null"
        } else {
            &resp.body
        };
        decode(path, body)
    }
}

/// One JSON Patch operation, the body format of ConnectWise `PATCH` endpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOperation {
    /// `replace`, `add` or `remove`.
    pub op: String,
    /// The field path, e.g. `name` or `status/id`.
    pub path: String,
    /// The new value.
    pub value: serde_json::Value,
}

impl PatchOperation {
    /// A `replace` operation.
    pub fn replace(path: impl Into<String>, value: serde_json::Value) -> Self {
        Self {
            op: "replace".into(),
            path: path.into(),
            value,
        }
    }
}
