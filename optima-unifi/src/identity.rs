//! The UniFi Access "UniFi Identity" developer API: invitations and resource assignments.
//!
//! Base URL `https://{console}:12445/api/v1/developer/`, `Authorization: Bearer {token}`, and
//! every answer wrapped as `{"code": "SUCCESS" | "CODE_*", "msg": ..., "data": ...}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::decode;
use crate::error::{Error, Result, truncate_body};
use crate::http::{TlsOptions, parse_base_url, tls_setters};
use optima_http::{HttpSettings, Transport, segment as seg};

/// Well-known resource types (the keys vary between versions; resources are an open map).
pub mod resource_type {
    /// EV stations, as spelled by "fetch available resources".
    pub const EVSTATION: &str = "evstation";
    /// EV stations, as spelled by the assignment endpoints.
    pub const EV_STATION: &str = "ev_station";
    /// VPN servers.
    pub const VPN: &str = "vpn";
    /// Wi-Fi networks.
    pub const WIFI: &str = "wifi";
    /// Cameras.
    pub const CAMERA: &str = "camera";
}

/// One UniFi Identity resource (a Wi-Fi network, a VPN, an EV station, a camera …).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Resource {
    /// Identity id of the resource.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Short name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub short_name: Option<String>,
    /// Whether the resource is disabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub deleted: Option<bool>,
    /// Free-form metadata (e.g. `{"has_ip": true}`), `None` when `null`.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Resources grouped by resource type, with the keys exactly as sent (`evstation`, `ev_station`,
/// `vpn`, `wifi`, `camera`, or anything newer).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Resources(pub BTreeMap<String, Vec<Resource>>);

impl Resources {
    /// The resources of one type key, exactly as spelled.
    pub fn get(&self, resource_type: &str) -> &[Resource] {
        self.0.get(resource_type).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Wi-Fi resources.
    pub fn wifi(&self) -> &[Resource] {
        self.get(resource_type::WIFI)
    }

    /// VPN resources.
    pub fn vpn(&self) -> &[Resource] {
        self.get(resource_type::VPN)
    }

    /// EV stations, whichever spelling (`evstation` or `ev_station`) the console used.
    pub fn ev_stations(&self) -> Vec<&Resource> {
        self.get(resource_type::EVSTATION)
            .iter()
            .chain(self.get(resource_type::EV_STATION))
            .collect()
    }

    /// The type keys present.
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Every resource with its type key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Resource)> {
        self.0
            .iter()
            .flat_map(|(k, v)| v.iter().map(move |r| (k.as_str(), r)))
    }
}

/// One invitation to send.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Invitation {
    /// Identity id of the user.
    pub user_id: String,
    /// Email to send to; when set, it also replaces the user's email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Invitation {
    /// An invitation to the user's current email address.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            email: None,
        }
    }

    /// Sends to (and sets) this email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
}

/// An invitation that could not be sent, reported inside a `SUCCESS` response.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct InvitationFailure {
    /// Identity id of the user.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub user_id: Option<String>,
    /// Email the invitation was for.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub user_email: Option<String>,
    /// Error code (often empty).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub error_code: Option<String>,
    /// Error message, e.g. `invalid email`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub error_msg: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The outcome of sending invitations: the request succeeded, but some users may have failed.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct InvitationOutcome {
    /// The invitations that failed, one per user.
    pub failures: Vec<InvitationFailure>,
}

impl InvitationOutcome {
    /// True when every invitation was sent.
    pub fn all_sent(&self) -> bool {
        self.failures.is_empty()
    }
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    base: String,
    /// `Bearer <token>`, built once and marked sensitive (kept out of logs).
    bearer: HeaderValue,
}

/// A client of the UniFi Access Identity developer API.
///
/// ```no_run
/// # async fn run() -> Result<(), optima_unifi::Error> {
/// use optima_unifi::identity::IdentityClient;
/// use secrecy::SecretString;
///
/// let identity = IdentityClient::builder()
///     .url("https://192.168.1.1:12445")
///     .token(SecretString::from("token"))
///     .verify_tls(false)
///     .build()?;
/// let resources = identity.available_resources(&["wifi", "vpn"]).await?;
/// for (kind, r) in resources.iter() {
///     println!("{kind}: {:?}", r.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct IdentityClient {
    inner: Arc<Inner>,
}

/// Builds an [`IdentityClient`].
#[derive(Debug, Default)]
pub struct IdentityClientBuilder {
    url: Option<String>,
    token: Option<SecretString>,
    http: HttpSettings,
    tls: TlsOptions,
}

impl IdentityClientBuilder {
    /// The console's URL, e.g. `https://192.168.1.1:12445` (the `/api/v1/developer` prefix is
    /// added unless the URL already ends with it).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The API token created in UniFi Access (sent as `Authorization: Bearer`).
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }

    tls_setters!(tls);

    optima_http::http_settings_setters!(http);

    /// Builds the client.
    pub fn build(self) -> Result<IdentityClient> {
        let mut base = parse_base_url(self.url, "UniFi Access", "https://host:12445")?;
        if !base.ends_with("/api/v1/developer") {
            base.push_str("/api/v1/developer");
        }
        let token = self
            .token
            .ok_or_else(|| Error::Config("the UniFi Access API token is required".into()))?;
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| {
                Error::Config(
                    "the UniFi Access token holds characters a header cannot carry".into(),
                )
            })?;
        bearer.set_sensitive(true);
        let transport = crate::http::transport(self.http, &self.tls, "unifi-access")?;
        Ok(IdentityClient {
            inner: Arc::new(Inner {
                transport,
                base,
                bearer,
            }),
        })
    }
}

impl IdentityClient {
    /// Starts building a client.
    pub fn builder() -> IdentityClientBuilder {
        IdentityClientBuilder::default()
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value> {
        self.inner
            .transport
            .within_deadline(path, self.call_unbounded(method, path, query, body))
            .await
    }

    async fn call_unbounded(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let url = format!("{}{}", self.inner.base, path);
        let mut request = self
            .inner
            .transport
            .request(method, url)
            .header(AUTHORIZATION, self.inner.bearer.clone())
            .query(query);
        if let Some(b) = body {
            request = request.json(b);
        }
        let resp = request.send(path).await?;
        let status = resp.status;
        let bytes = resp.body;
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        if let Some(Value::Object(m)) = &parsed
            && let Some(code) = m.get("code").and_then(Value::as_str)
        {
            if code != "SUCCESS" || !status.is_success() {
                return Err(Error::Api {
                    status,
                    code: code.to_string(),
                    message: m.get("msg").and_then(Value::as_str).map(str::to_string),
                    details: match m.get("data") {
                        Some(Value::Array(a)) => a.clone(),
                        Some(Value::Null) | None => Vec::new(),
                        Some(other) => vec![other.clone()],
                    },
                });
            }
            return Ok(m.get("data").cloned().unwrap_or(Value::Null));
        }
        if !status.is_success() {
            return Err(Error::Http {
                status,
                body: truncate_body(&bytes),
            });
        }
        if status == StatusCode::NO_CONTENT || bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        Err(Error::UnexpectedResponse(format!(
            "no {{code, msg, data}} envelope in: {}",
            truncate_body(&bytes)
        )))
    }

    /// Sends UniFi Identity invitations (`POST users/identity/invitations`).
    ///
    /// The request as a whole succeeds even when some emails could not be sent: those users are
    /// in [`InvitationOutcome::failures`].
    pub async fn send_invitations(&self, invitations: &[Invitation]) -> Result<InvitationOutcome> {
        if invitations.is_empty() {
            return Err(Error::InvalidInput("no invitations to send".into()));
        }
        let body =
            serde_json::to_value(invitations).map_err(|e| Error::InvalidInput(e.to_string()))?;
        let data = self
            .call(
                Method::POST,
                "/users/identity/invitations",
                &[],
                Some(&body),
            )
            .await?;
        let failures = match data {
            Value::Null => Vec::new(),
            other => decode(other, "data")?,
        };
        Ok(InvitationOutcome { failures })
    }

    /// The resources that can be assigned (`GET users/identity/assignments`), optionally only of
    /// the given types (`["wifi", "vpn"]`; empty = all).
    pub async fn available_resources(&self, resource_types: &[&str]) -> Result<Resources> {
        let query = if resource_types.is_empty() {
            Vec::new()
        } else {
            vec![("resource_type", resource_types.join(","))]
        };
        let data = self
            .call(Method::GET, "/users/identity/assignments", &query, None)
            .await?;
        decode_resources(data)
    }

    /// Assigns resources of one type to a user (`POST users/{id}/identity/assignments`).
    pub async fn assign_user_resources(
        &self,
        user_id: &str,
        resource_type: &str,
        resource_ids: &[&str],
    ) -> Result<()> {
        let path = format!("/users/{}/identity/assignments", seg(user_id));
        self.assign(&path, resource_type, resource_ids).await
    }

    /// The resources assigned to a user (`GET users/{id}/identity/assignments`).
    pub async fn user_resources(&self, user_id: &str) -> Result<Resources> {
        let path = format!("/users/{}/identity/assignments", seg(user_id));
        decode_resources(self.call(Method::GET, &path, &[], None).await?)
    }

    /// Assigns resources of one type to a user group (`POST user_groups/{id}/identity/assignments`).
    pub async fn assign_user_group_resources(
        &self,
        group_id: &str,
        resource_type: &str,
        resource_ids: &[&str],
    ) -> Result<()> {
        let path = format!("/user_groups/{}/identity/assignments", seg(group_id));
        self.assign(&path, resource_type, resource_ids).await
    }

    /// The resources assigned to a user group (`GET user_groups/{id}/identity/assignments`).
    pub async fn user_group_resources(&self, group_id: &str) -> Result<Resources> {
        let path = format!("/user_groups/{}/identity/assignments", seg(group_id));
        decode_resources(self.call(Method::GET, &path, &[], None).await?)
    }

    async fn assign(&self, path: &str, resource_type: &str, resource_ids: &[&str]) -> Result<()> {
        if resource_type.trim().is_empty() {
            return Err(Error::InvalidInput("a resource type is required".into()));
        }
        let body = json!({"resource_type": resource_type, "resource_ids": resource_ids});
        self.call(Method::POST, path, &[], Some(&body)).await?;
        Ok(())
    }
}

fn decode_resources(data: Value) -> Result<Resources> {
    match data {
        Value::Null => Ok(Resources::default()),
        other => decode(other, "data"),
    }
}
