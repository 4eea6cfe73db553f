//! CW Home: the partner identity portal (users, identity roles, connected apps,
//! products, account team), after the community OpenAPI of CW Home.
//!
//! The API is spread over three hosts, each configurable on the builder:
//! * auth: `https://auth.connectwise.com/api` (users, roles, login options),
//! * iambff: `https://iambff.itsupport247.net/iambff/v1` (connected apps, role assignment),
//! * home: `https://home.connectwise.com/api` (products, account team).
//!
//! Requests carry an OAuth bearer token and, where the spec says so, the API
//! version in `Content-Type` (`application/json;version=1.0`, `3.0` to create users).
//!
//! ```no_run
//! # async fn run() -> optima_connectwise::Result<()> {
//! use optima_connectwise::home::CwHomeClient;
//! use secrecy::SecretString;
//!
//! let home = CwHomeClient::builder().token(SecretString::from("eyJ...")).build()?;
//! for user in home.list_users().await? {
//!     println!("{:?} {:?}", user.user_name, user.email);
//! }
//! # Ok(()) }
//! ```

mod models;

pub use models::*;

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result, api_error, decode};
use optima_http::{HttpSettings, Transport};

/// Default auth host (users, roles, login options).
pub const DEFAULT_AUTH_URL: &str = "https://auth.connectwise.com/api";
/// Default iambff host (connected apps and role assignment).
pub const DEFAULT_IAMBFF_URL: &str = "https://iambff.itsupport247.net/iambff/v1";
/// Default home host (products and account team).
pub const DEFAULT_HOME_URL: &str = "https://home.connectwise.com/api";

/// `Content-Type` of version 1.0 operations.
pub const CONTENT_TYPE_V1: &str = "application/json;version=1.0";
/// `Content-Type` of "create user" (version 3.0).
pub const CONTENT_TYPE_V3: &str = "application/json;version=3.0";

/// Which of the three CW Home hosts an operation lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `auth.connectwise.com/api`.
    Auth,
    /// `iambff.itsupport247.net/iambff/v1`.
    Iambff,
    /// `home.connectwise.com/api`.
    Home,
}

/// A CW Home client. Cheap to clone.
#[derive(Clone)]
pub struct CwHomeClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    token: SecretString,
    auth: Url,
    iambff: Url,
    home: Url,
}

impl fmt::Debug for CwHomeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CwHomeClient")
            .field("auth", &self.inner.auth.as_str())
            .field("iambff", &self.inner.iambff.as_str())
            .field("home", &self.inner.home.as_str())
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Builder of a [`CwHomeClient`].
#[derive(Default)]
pub struct CwHomeClientBuilder {
    token: Option<SecretString>,
    auth: Option<String>,
    iambff: Option<String>,
    home: Option<String>,
    transport: HttpSettings,
}

impl fmt::Debug for CwHomeClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CwHomeClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("auth", &self.auth)
            .field("iambff", &self.iambff)
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

impl CwHomeClientBuilder {
    /// The OAuth bearer token (scopes such as `api.users`, `api.sts.admin`).
    #[must_use]
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    /// Overrides the auth host (default [`DEFAULT_AUTH_URL`]).
    #[must_use]
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth = Some(url.into());
        self
    }

    /// Overrides the iambff host (default [`DEFAULT_IAMBFF_URL`]).
    #[must_use]
    pub fn iambff_url(mut self, url: impl Into<String>) -> Self {
        self.iambff = Some(url.into());
        self
    }

    /// Overrides the home host (default [`DEFAULT_HOME_URL`]).
    #[must_use]
    pub fn home_url(mut self, url: impl Into<String>) -> Self {
        self.home = Some(url.into());
        self
    }

    optima_http::http_settings_setters!(transport);

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] without a token or with an invalid host URL.
    pub fn build(self) -> Result<CwHomeClient> {
        let token = self
            .token
            .filter(|t| !t.expose_secret().trim().is_empty())
            .ok_or_else(|| Error::Config("token is required".into()))?;
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| Error::Config("token is not a valid header value".into()))?;
        let parse = |v: Option<String>, d: &str, what: &str| -> Result<Url> {
            let s = v.unwrap_or_else(|| d.to_owned());
            let u = Url::parse(s.trim())
                .map_err(|e| Error::Config(format!("{what} {s:?} is not a valid URL: {e}")))?;
            if u.cannot_be_a_base() {
                return Err(Error::Config(format!("{what} {s:?} cannot be a base URL")));
            }
            Ok(u)
        };
        Ok(CwHomeClient {
            inner: Arc::new(Inner {
                transport: self.transport.build(crate::error::service("cwhome"))?,
                token,
                auth: parse(self.auth, DEFAULT_AUTH_URL, "auth_url")?,
                iambff: parse(self.iambff, DEFAULT_IAMBFF_URL, "iambff_url")?,
                home: parse(self.home, DEFAULT_HOME_URL, "home_url")?,
            }),
        })
    }
}

impl CwHomeClient {
    /// Starts a builder.
    pub fn builder() -> CwHomeClientBuilder {
        CwHomeClientBuilder::default()
    }

    /// The base URL of a host.
    pub fn host_url(&self, host: Host) -> &Url {
        match host {
            Host::Auth => &self.inner.auth,
            Host::Iambff => &self.inner.iambff,
            Host::Home => &self.inner.home,
        }
    }

    fn url(&self, host: Host, segments: &[&str]) -> Url {
        let mut u = self.host_url(host).clone();
        if let Ok(mut p) = u.path_segments_mut() {
            p.pop_if_empty().extend(segments);
        }
        u
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        host: Host,
        segments: &[&str],
        query: &[(&str, String)],
        content_type: Option<&'static str>,
        body: Option<Bytes>,
    ) -> Result<T> {
        let url = self.url(host, segments);
        let path = url.path().to_owned();
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.inner.token.expose_secret()))
                .map_err(|_| Error::Config("token is not a valid header value".into()))?;
        auth.set_sensitive(true);
        let mut request = self
            .inner
            .transport
            .request(method, url)
            .header(AUTHORIZATION, auth)
            .query(query);
        // The version travels in `Content-Type`, so operations that name one send it even
        // without a body.
        let content_type = content_type.or(body.is_some().then_some("application/json"));
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        if let Some(b) = body {
            request = request.body(b);
        }
        let resp = self
            .inner
            .transport
            .within_deadline(&path, request.send(&path))
            .await?;
        if !resp.status.is_success() {
            return Err(api_error(
                resp.status,
                &path,
                String::from_utf8_lossy(&resp.body).into_owned(),
            ));
        }
        let bytes: &[u8] = if resp.body.is_empty() {
            b"null"
        } else {
            &resp.body
        };
        decode(&path, bytes)
    }

    fn json<B: Serialize + ?Sized>(body: &B) -> Result<Bytes> {
        serde_json::to_vec(body)
            .map(Bytes::from)
            .map_err(|e| Error::InvalidQuery(format!("request body could not be serialised: {e}")))
    }

    fn flag(name: &'static str, v: Option<bool>) -> Vec<(&'static str, String)> {
        v.map(|b| vec![(name, b.to_string())]).unwrap_or_default()
    }

    // ---- User -------------------------------------------------------------------------

    /// `listUsers`: `GET {auth}/users`.
    ///
    /// # Errors
    /// Transport, API or decode errors (as for every operation).
    pub async fn list_users(&self) -> Result<Vec<User>> {
        self.call(
            Method::GET,
            Host::Auth,
            &["users"],
            &[],
            Some(CONTENT_TYPE_V1),
            None,
        )
        .await
    }

    /// `createUser`: `POST {auth}/users` with `Content-Type: application/json;version=3.0`.
    ///
    /// # Errors
    /// Transport, API or decode errors. Not retried unless the policy retries writes.
    pub async fn create_user(&self, user: &User) -> Result<Vec<User>> {
        let body = Self::json(user)?;
        self.call(
            Method::POST,
            Host::Auth,
            &["users"],
            &[],
            Some(CONTENT_TYPE_V3),
            Some(body),
        )
        .await
    }

    /// `getUserById`: `GET {auth}/users/{user_id}`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get_user(&self, user_id: &str) -> Result<User> {
        self.call(
            Method::GET,
            Host::Auth,
            &["users", user_id],
            &[],
            Some(CONTENT_TYPE_V1),
            None,
        )
        .await
    }

    /// `addUserToAsioAppRole`: `PUT {iambff}/users/{user_id}/connected-apps/asio_platform/app-role-mappings`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn add_user_to_asio_app_role(
        &self,
        user_id: &str,
        body: &AsioRoleRequestBody,
    ) -> Result<Message> {
        let body = Self::json(body)?;
        self.call(
            Method::PUT,
            Host::Iambff,
            &[
                "users",
                user_id,
                "connected-apps",
                "asio_platform",
                "app-role-mappings",
            ],
            &[],
            Some(CONTENT_TYPE_V1),
            Some(body),
        )
        .await
    }

    /// `addUserToIdentityRole`: `PUT {iambff}/users/{user_id}/identity-roles`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn add_user_to_identity_roles(
        &self,
        user_id: &str,
        body: &IdentityRoleRequestBody,
    ) -> Result<Vec<AppRoleResponse>> {
        let body = Self::json(body)?;
        self.call(
            Method::PUT,
            Host::Iambff,
            &["users", user_id, "identity-roles"],
            &[],
            Some(CONTENT_TYPE_V1),
            Some(body),
        )
        .await
    }

    // ---- Connected apps ---------------------------------------------------------------

    /// `listConnectedAppSettings`: `GET {iambff}/connected-apps`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn list_connected_app_settings(&self) -> Result<Vec<ConnectedAppSettings>> {
        self.call(
            Method::GET,
            Host::Iambff,
            &["connected-apps"],
            &[],
            Some(CONTENT_TYPE_V1),
            None,
        )
        .await
    }

    /// `getAsioPlatformSettings`: `GET {iambff}/connected-apps/asio_platform`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn asio_platform_settings(&self) -> Result<ConnectedAppSettings> {
        self.call(
            Method::GET,
            Host::Iambff,
            &["connected-apps", "asio_platform"],
            &[],
            Some(CONTENT_TYPE_V1),
            None,
        )
        .await
    }

    // ---- Options ----------------------------------------------------------------------

    /// `getExternalMfaProviders`: `GET {auth}/ExternalMFAProviders[?enabled=]`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn external_mfa_providers(
        &self,
        enabled: Option<bool>,
    ) -> Result<Vec<ExternalMfaProvider>> {
        self.call(
            Method::GET,
            Host::Auth,
            &["ExternalMFAProviders"],
            &Self::flag("enabled", enabled),
            None,
            None,
        )
        .await
    }

    /// `getLoginProviders`: `GET {auth}/LoginProviders`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn login_providers(&self) -> Result<Vec<LoginProvider>> {
        self.call(
            Method::GET,
            Host::Auth,
            &["LoginProviders"],
            &[],
            None,
            None,
        )
        .await
    }

    // ---- Identity roles ---------------------------------------------------------------

    /// `listIdentityRoles`: `GET {auth}/roles[?includeUsersCount=]`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn list_roles(&self, include_users_count: Option<bool>) -> Result<Vec<IdentityRole>> {
        let q = Self::flag("includeUsersCount", include_users_count);
        self.call(
            Method::GET,
            Host::Auth,
            &["roles"],
            &q,
            Some(CONTENT_TYPE_V1),
            None,
        )
        .await
    }

    /// `getIdentityRoleById`: `GET {auth}/roles/{role_id}[?includeUsersCount=]`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn get_role(
        &self,
        role_id: &str,
        include_users_count: Option<bool>,
    ) -> Result<IdentityRole> {
        let q = Self::flag("includeUsersCount", include_users_count);
        self.call(
            Method::GET,
            Host::Auth,
            &["roles", role_id],
            &q,
            Some(CONTENT_TYPE_V1),
            None,
        )
        .await
    }

    /// `getUsersAssignedToIdentityRole`: `GET {auth}/roles/{role_id}/users`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn role_users(&self, role_id: &str) -> Result<Vec<User>> {
        self.call(
            Method::GET,
            Host::Auth,
            &["roles", role_id, "users"],
            &[],
            Some(CONTENT_TYPE_V1),
            None,
        )
        .await
    }

    // ---- Tools and account team -------------------------------------------------------

    /// `listCWProducts`: `GET {home}/tools/products`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn products(&self) -> Result<Vec<Application>> {
        self.call(
            Method::GET,
            Host::Home,
            &["tools", "products"],
            &[],
            None,
            None,
        )
        .await
    }

    async fn team(&self, who: &str) -> Result<AccountTeamMember> {
        self.call(
            Method::GET,
            Host::Home,
            &["company", "companies", "teams", who],
            &[],
            None,
            None,
        )
        .await
    }

    /// `getAccountManager`: `GET {home}/company/companies/teams/accountManager` (404 when none).
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn account_manager(&self) -> Result<AccountTeamMember> {
        self.team("accountManager").await
    }

    /// `getClientSuccessManager`: `GET {home}/company/companies/teams/successManager`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn success_manager(&self) -> Result<AccountTeamMember> {
        self.team("successManager").await
    }

    /// `getPartnerSalesExecutive`: `GET {home}/company/companies/teams/partnerSalesExecutive`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn partner_sales_executive(&self) -> Result<AccountTeamMember> {
        self.team("partnerSalesExecutive").await
    }

    /// `getPartnerDevelopmentManager`: `GET {home}/company/companies/teams/partnerDevelopmentManager`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn partner_development_manager(&self) -> Result<AccountTeamMember> {
        self.team("partnerDevelopmentManager").await
    }
}
