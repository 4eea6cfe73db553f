//! The vendor clients, built from settings, and how their failures reach the API's callers:
//! 503 when an integration is not configured, 504 when a vendor is too slow (including when a
//! call runs out of its deadline, `OPTIMA_CONNECTWISE_DEADLINE` / `OPTIMA_UNIFI_DEADLINE`), 502
//! for anything else a vendor gets wrong, always naming the vendor and never echoing a secret.

use optima_connectwise::ConnectWiseClient;
use optima_connectwise::callbacks::CallbackVerifier;
use optima_unifi::UnifiClient;
use optima_unifi::integration::{
    IntegrationClient, NETWORK_APPLICATION_PREFIX, UNIFI_OS_PREFIX, prop,
};
use poem::http::StatusCode;

use crate::api::common::ApiError;
use crate::config::Config;

/// The configured vendor clients.
#[derive(Debug, Clone, Default)]
pub struct Integrations {
    /// ConnectWise Manage.
    pub connectwise: Option<ConnectWiseClient>,
    /// UniFi Network controller (one shared session for every request).
    pub unifi: Option<UnifiClient>,
    /// UniFi's Integration API, with `OPTIMA_UNIFI_API_KEY` set: it serves the routes it can
    /// (site sync, access points); the classic client serves the rest.
    pub unifi_integration: Option<std::sync::Arc<UnifiIntegration>>,
    /// Checks ConnectWise callback deliveries (with ConnectWise configured).
    pub connectwise_callbacks: Option<std::sync::Arc<CallbackVerifier>>,
}

/// A vendor client that could not be built from its settings.
#[derive(Debug, thiserror::Error)]
#[error("{vendor} settings: {message}")]
pub struct IntegrationError {
    /// Which vendor.
    pub vendor: &'static str,
    /// Why.
    pub message: String,
}

impl Integrations {
    /// Builds a client for each configured vendor.
    pub fn from_config(config: &Config) -> Result<Integrations, IntegrationError> {
        let connectwise = match &config.connectwise {
            None => None,
            Some(cw) => {
                let mut builder = ConnectWiseClient::builder()
                    .site(cw.url.clone())
                    .company_id(cw.company_id.clone())
                    .public_key(cw.public_key.clone())
                    .private_key(cw.private_key.clone())
                    .client_id(cw.client_id.clone())
                    .deadline(config.connectwise_deadline);
                if let Some(codebase) = &cw.codebase {
                    builder = builder.codebase(codebase.clone());
                }
                if let Some(version) = &cw.api_version {
                    builder = builder.api_version(version.clone());
                }
                Some(builder.build().map_err(|e| IntegrationError {
                    vendor: "ConnectWise",
                    message: e.to_string(),
                })?)
            }
        };
        let unifi = match &config.unifi {
            None => None,
            Some(u) => {
                let fail = |message: String| IntegrationError {
                    vendor: "UniFi",
                    message,
                };
                let mut builder = UnifiClient::builder()
                    .url(u.url.clone())
                    .kind(u.kind.parse().map_err(|e| fail(format!("{e}")))?)
                    .verify_tls(u.verify_tls)
                    .deadline(config.unifi_deadline);
                if let (Some(user), Some(password)) = (&u.username, &u.password) {
                    builder = builder.username(user.clone()).password(password.clone());
                }
                if let Some(key) = &u.api_key {
                    builder = builder.api_key(key.clone());
                }
                if let Some(pin) = &u.cert_sha256 {
                    builder = builder.pin_certificate_sha256(pin.clone());
                }
                Some(builder.build().map_err(|e| fail(e.to_string()))?)
            }
        };
        let unifi_integration = match &config.unifi {
            Some(u) if u.api_key.is_some() => Some(std::sync::Arc::new(UnifiIntegration::new(
                u,
                config.unifi_deadline,
            )?)),
            _ => None,
        };
        let connectwise_callbacks = match &config.connectwise {
            None => None,
            Some(cw) => {
                let fail = |e: optima_connectwise::Error| IntegrationError {
                    vendor: "ConnectWise",
                    message: format!("callbacks: {e}"),
                };
                let mut builder = CallbackVerifier::builder()
                    .trust_origin(&cw.url)
                    .map_err(fail)?
                    .timeout(config.connectwise_deadline);
                for origin in &cw.callback_origins {
                    builder = builder.trust_origin(origin).map_err(fail)?;
                }
                Some(std::sync::Arc::new(builder.build().map_err(fail)?))
            }
        };
        Ok(Integrations {
            connectwise,
            unifi,
            unifi_integration,
            connectwise_callbacks,
        })
    }

    /// The ConnectWise client, or 503.
    pub fn connectwise(&self) -> Result<&ConnectWiseClient, ApiError> {
        self.connectwise
            .as_ref()
            .ok_or_else(|| not_configured("ConnectWise", "OPTIMA_CONNECTWISE_*"))
    }

    /// The UniFi client, or 503.
    pub fn unifi(&self) -> Result<&UnifiClient, ApiError> {
        self.unifi
            .as_ref()
            .ok_or_else(|| not_configured("UniFi", "OPTIMA_UNIFI_*"))
    }
}

/// The Integration API clients and what they have learnt of site ids: Optima's records name a
/// site by its short name (`default`), the Integration API by a UUID.
#[derive(Debug)]
pub struct UnifiIntegration {
    /// Under `/proxy/network/integration`, on a UniFi OS console.
    unifi_os: IntegrationClient,
    /// Under `/integration`, on a self-hosted Network Application.
    network_application: IntegrationClient,
    site_ids: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl UnifiIntegration {
    fn new(
        u: &crate::config::UnifiConfig,
        deadline: std::time::Duration,
    ) -> Result<Self, IntegrationError> {
        let key = u.api_key.clone().ok_or_else(|| IntegrationError {
            vendor: "UniFi",
            message: "the Integration API needs OPTIMA_UNIFI_API_KEY".into(),
        })?;
        let client = |prefix: &str| {
            let mut builder = IntegrationClient::builder()
                .url(u.url.clone())
                .api_key(key.clone())
                .path_prefix(prefix)
                .verify_tls(u.verify_tls)
                .deadline(deadline);
            if let Some(pin) = &u.cert_sha256 {
                builder = builder.pin_certificate_sha256(pin.clone());
            }
            builder.build().map_err(|e| IntegrationError {
                vendor: "UniFi",
                message: format!("Integration API: {e}"),
            })
        };
        Ok(Self {
            unifi_os: client(UNIFI_OS_PREFIX)?,
            network_application: client(NETWORK_APPLICATION_PREFIX)?,
            site_ids: Default::default(),
        })
    }

    /// The client for the controller `unifi` talks to: its kind (configured or detected) says
    /// where the Integration API lives.
    pub async fn client(
        &self,
        unifi: &UnifiClient,
    ) -> Result<&IntegrationClient, optima_unifi::Error> {
        Ok(match unifi.kind().await? {
            optima_unifi::ControllerKind::Classic => &self.network_application,
            _ => &self.unifi_os,
        })
    }

    /// Replaces what is known of site ids with the sites the console just listed.
    pub fn remember_sites<'a>(&self, sites: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let mut known = self
            .site_ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        known.clear();
        known.extend(sites.into_iter().map(|(s, u)| (s.to_owned(), u.to_owned())));
    }

    /// Forgets the UUID of `short_name` (the console answered 404 for it: the site was deleted
    /// or the console replaced), so that the next call asks again.
    pub fn forget_site(&self, short_name: &str) {
        self.site_ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(short_name);
    }

    /// Remembers that the site `short_name` has the Integration API id `uuid`.
    fn remember_site(&self, short_name: &str, uuid: &str) {
        self.site_ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(short_name.to_owned(), uuid.to_owned());
    }

    /// The Integration API id of the site `short_name`, asked of the console once; 404 when it
    /// lists no such site.
    pub async fn site_uuid(
        &self,
        client: &IntegrationClient,
        short_name: &str,
    ) -> Result<String, ApiError> {
        if let Some(uuid) = self
            .site_ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(short_name)
        {
            return Ok(uuid.clone());
        }
        let sites = client
            .sites()
            .list()
            .filter(prop("internalReference").eq(short_name))
            .all()
            .await?;
        let uuid = sites
            .iter()
            .find(|s| s.internal_reference.as_deref() == Some(short_name))
            .and_then(|s| s.id.clone())
            .ok_or_else(|| {
                vendor_error(
                    StatusCode::NOT_FOUND,
                    "UniFi",
                    "The UniFi controller does not know this site".to_owned(),
                )
            })?;
        self.remember_site(short_name, &uuid);
        Ok(uuid)
    }
}

/// 503 `IntegrationNotConfigured` naming the vendor and its settings.
pub fn not_configured(vendor: &str, settings: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "IntegrationNotConfigured",
        format!("The {vendor} integration is not configured ({settings})"),
    )
}

fn vendor_error(status: StatusCode, vendor: &'static str, message: String) -> ApiError {
    let outcome = match status {
        StatusCode::GATEWAY_TIMEOUT => "timeout",
        StatusCode::SERVICE_UNAVAILABLE => "misconfigured",
        StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST | StatusCode::CONFLICT => "rejected",
        _ => "error",
    };
    crate::metrics::vendor_failure(vendor, outcome);
    let code = match status {
        StatusCode::GATEWAY_TIMEOUT => format!("{vendor}Timeout"),
        StatusCode::SERVICE_UNAVAILABLE => "IntegrationNotConfigured".to_owned(),
        StatusCode::NOT_FOUND => format!("{vendor}NotFound"),
        StatusCode::BAD_REQUEST => format!("{vendor}Rejected"),
        StatusCode::CONFLICT => format!("{vendor}Conflict"),
        _ => format!("{vendor}Error"),
    };
    ApiError::new(status, &code, message)
}

impl From<optima_connectwise::Error> for ApiError {
    fn from(e: optima_connectwise::Error) -> Self {
        use optima_connectwise::Error as E;
        tracing::warn!(error = %e, "ConnectWise call failed");
        let (status, message) = if let E::DeadlineExceeded { deadline, .. } = &e {
            (
                StatusCode::GATEWAY_TIMEOUT,
                format!("ConnectWise did not answer within {deadline:?}"),
            )
        } else if e.is_timeout() {
            (
                StatusCode::GATEWAY_TIMEOUT,
                "ConnectWise did not answer in time".to_owned(),
            )
        } else if e.is_connect() {
            (
                StatusCode::BAD_GATEWAY,
                "ConnectWise could not be reached".to_owned(),
            )
        } else {
            match &e {
                E::Api { status, .. } if status.as_u16() == 401 || status.as_u16() == 403 => (
                    StatusCode::BAD_GATEWAY,
                    format!("ConnectWise refused Optima's API credentials ({status})"),
                ),
                E::Api {
                    status, message, ..
                } => (
                    StatusCode::BAD_GATEWAY,
                    format!(
                        "ConnectWise answered {status}: {}",
                        message.as_deref().unwrap_or("no message")
                    ),
                ),
                E::Decode { json_path, .. } => (
                    StatusCode::BAD_GATEWAY,
                    format!("ConnectWise sent a response Optima could not read (at `{json_path}`)"),
                ),
                E::Config(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The ConnectWise integration is misconfigured".to_owned(),
                ),
                _ => (
                    StatusCode::BAD_GATEWAY,
                    "ConnectWise request failed".to_owned(),
                ),
            }
        };
        vendor_error(status, "ConnectWise", message)
    }
}

impl From<optima_unifi::Error> for ApiError {
    fn from(e: optima_unifi::Error) -> Self {
        use optima_unifi::Error as E;
        tracing::warn!(error = %e, "UniFi call failed");
        let (status, message) = match &e {
            E::Timeout(_) => (
                StatusCode::GATEWAY_TIMEOUT,
                "UniFi did not answer in time".to_owned(),
            ),
            E::DeadlineExceeded { deadline, .. } => (
                StatusCode::GATEWAY_TIMEOUT,
                format!("UniFi did not answer within {deadline:?}"),
            ),
            _ if e.is_unknown_site() => (
                StatusCode::NOT_FOUND,
                "The UniFi controller does not know this site".to_owned(),
            ),
            _ if e.is_invalid_credentials() => (
                StatusCode::BAD_GATEWAY,
                "The UniFi controller refused Optima's credentials".to_owned(),
            ),
            E::Unauthorized { .. } => (
                StatusCode::BAD_GATEWAY,
                match e.request_id() {
                    Some(id) => format!(
                        "The UniFi console refused Optima's API key (invalid, expired or revoked; requestId {id})"
                    ),
                    None => {
                        "The UniFi console refused Optima's API key (invalid, expired or revoked)"
                            .to_owned()
                    }
                },
            ),
            // Checked by the client before sending: the controller never saw these.
            E::InvalidInput(message) => (StatusCode::BAD_REQUEST, message.clone()),
            E::Conflict(message) => (StatusCode::CONFLICT, message.clone()),
            _ if e.is_validation() => (
                StatusCode::BAD_REQUEST,
                format!("The UniFi controller rejected the change: {e}"),
            ),
            _ if e.is_not_found() => (
                StatusCode::NOT_FOUND,
                "The UniFi controller has no such object".to_owned(),
            ),
            E::Transport(_) => (
                StatusCode::BAD_GATEWAY,
                "UniFi could not be reached".to_owned(),
            ),
            E::LoginThrottled { .. } => (
                StatusCode::BAD_GATEWAY,
                "The UniFi controller is throttling logins; try again shortly".to_owned(),
            ),
            E::Config(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The UniFi integration is misconfigured".to_owned(),
            ),
            _ => (
                StatusCode::BAD_GATEWAY,
                format!("UniFi request failed: {e}"),
            ),
        };
        vendor_error(status, "UniFi", message)
    }
}
