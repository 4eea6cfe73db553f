//! ConnectWise Manage callbacks (webhooks): what a delivery carries ([`CallbackDelivery`]), how
//! to tell a genuine one ([`CallbackVerifier`]), and the registrations behind them
//! (`cw.callbacks()`, `system/callbacks`, with [`CallbacksHandler::ensure`]).
//!
//! A delivery is a `POST` of JSON with an `x-content-signature` header: the base64 HMAC-SHA256
//! of the raw body, keyed by the SHA-256 digest of a signing key that ConnectWise serves at the
//! payload's `Metadata.key_url`. That URL comes from the sender, so the verifier fetches it only
//! from origins it was told to trust (the ConnectWise site's); any other origin is refused
//! without a request to it. Keys are cached by URL.
//!
//! ```no_run
//! use optima_connectwise::callbacks::CallbackVerifier;
//!
//! # async fn handle(body: &[u8], signature: Option<&str>) -> optima_connectwise::Result<()> {
//! let verifier = CallbackVerifier::builder()
//!     .trust_origin("https://na.myconnectwise.net")?
//!     .build()?;
//! let delivery = verifier.verify(body, signature).await?;
//! println!("{:?} {:?} {:?}", delivery.action, delivery.kind, delivery.id);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{Error, Result};
use crate::manage::{ConnectWiseClient, ListRequest};

/// What a delivery says happened to the record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallbackAction {
    /// The record was created.
    Added,
    /// The record changed.
    Updated,
    /// The record was deleted.
    Deleted,
    /// Another action, as sent.
    Other(String),
}

impl<'de> Deserialize<'de> for CallbackAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.to_ascii_lowercase().as_str() {
            "added" => CallbackAction::Added,
            "updated" => CallbackAction::Updated,
            "deleted" => CallbackAction::Deleted,
            _ => CallbackAction::Other(text),
        })
    }
}

/// `Metadata` of a delivery.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CallbackMetadata {
    /// Where the signing key is served.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub key_url: Option<String>,
    /// Fields not named here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One callback delivery (`{MessageId, FromUrl, CompanyId, MemberId, Action, Type, ID, Entity,
/// Metadata}`), read leniently: every field optional, unknown ones kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CallbackDelivery {
    /// The delivery's id: the same message delivered twice has the same one.
    #[serde(
        default,
        rename = "MessageId",
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub message_id: Option<String>,
    /// The ConnectWise site that sent it.
    #[serde(
        default,
        rename = "FromUrl",
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub from_url: Option<String>,
    /// The ConnectWise company (tenant) id.
    #[serde(
        default,
        rename = "CompanyId",
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub company_id: Option<String>,
    /// The member whose change it was.
    #[serde(
        default,
        rename = "MemberId",
        deserialize_with = "crate::lenient::opt_i64"
    )]
    pub member_id: Option<i64>,
    /// What happened.
    #[serde(default, rename = "Action")]
    pub action: Option<CallbackAction>,
    /// The kind of record (`company`, `opportunity`, `ticket`, …), as sent.
    #[serde(
        default,
        rename = "Type",
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub kind: Option<String>,
    /// The record's id.
    #[serde(default, rename = "ID", deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// The record as sent (ConnectWise often sends it as a JSON string; that is parsed). Prefer
    /// fetching the record by [`Self::id`]: this copy may be partial or stale.
    #[serde(default, rename = "Entity", deserialize_with = "entity")]
    pub entity: Option<Value>,
    /// Where the signing key is.
    #[serde(default, rename = "Metadata")]
    pub metadata: Option<CallbackMetadata>,
    /// Fields not named here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn entity<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(text)) => {
            Some(serde_json::from_str(&text).unwrap_or(Value::String(text)))
        }
        Some(Value::Null) | None => None,
        other => other,
    })
}

impl CallbackDelivery {
    /// Reads a delivery from its raw body, without checking its signature (see
    /// [`CallbackVerifier::verify`]).
    ///
    /// # Errors
    /// [`Error::CallbackRejected`] when the body is not a JSON object.
    pub fn parse(body: &[u8]) -> Result<CallbackDelivery> {
        serde_json::from_slice(body)
            .map_err(|e| rejected(format!("the body is not a callback delivery: {e}")))
    }

    /// The signing key's URL.
    pub fn key_url(&self) -> Option<&str> {
        self.metadata.as_ref()?.key_url.as_deref()
    }
}

fn rejected(reason: impl Into<String>) -> Error {
    Error::CallbackRejected {
        reason: reason.into(),
    }
}

#[derive(Deserialize)]
struct SigningKey {
    signing_key: String,
}

struct CachedKey {
    /// SHA-256 of the signing key: the HMAC key.
    digest: [u8; 32],
    fetched: Instant,
}

/// Checks callback deliveries: trusted key origins, a key cache, the signature. Cheap to share
/// (`Arc`) between requests.
pub struct CallbackVerifier {
    http: reqwest::Client,
    trusted: Vec<url::Origin>,
    ttl: Duration,
    refetch_after: Duration,
    keys: Mutex<HashMap<String, CachedKey>>,
}

impl std::fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackVerifier")
            .field(
                "trusted",
                &self
                    .trusted
                    .iter()
                    .map(|o| o.ascii_serialization())
                    .collect::<Vec<_>>(),
            )
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// Builds a [`CallbackVerifier`].
#[derive(Debug, Default)]
pub struct CallbackVerifierBuilder {
    trusted: Vec<url::Origin>,
    ttl: Option<Duration>,
    timeout: Option<Duration>,
    http: Option<reqwest::Client>,
}

impl CallbackVerifierBuilder {
    /// Fetch signing keys from this origin (`https://na.myconnectwise.net`; a path is ignored).
    ///
    /// # Errors
    /// [`Error::Config`] when it is not an absolute http(s) URL.
    pub fn trust_origin(mut self, url: &str) -> Result<Self> {
        let parsed = Url::parse(url)
            .map_err(|e| Error::Config(format!("callback key origin `{url}`: {e}")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(Error::Config(format!(
                "callback key origin `{url}` must be http or https"
            )));
        }
        self.trusted.push(parsed.origin());
        Ok(self)
    }

    /// How long a fetched key is used before it is fetched again (default 1 hour).
    pub fn key_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// How long fetching a key may take (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The HTTP client to fetch keys with (its own timeouts apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The verifier.
    ///
    /// # Errors
    /// [`Error::Config`] without a trusted origin, or when the HTTP client cannot be built.
    pub fn build(self) -> Result<CallbackVerifier> {
        if self.trusted.is_empty() {
            return Err(Error::Config(
                "a callback verifier needs at least one trusted key origin".into(),
            ));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout.unwrap_or(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        Ok(CallbackVerifier {
            http,
            trusted: self.trusted,
            ttl: self.ttl.unwrap_or(Duration::from_secs(3600)),
            refetch_after: Duration::from_secs(60),
            keys: Mutex::new(HashMap::new()),
        })
    }
}

impl CallbackVerifier {
    /// A builder.
    pub fn builder() -> CallbackVerifierBuilder {
        CallbackVerifierBuilder::default()
    }

    /// Whether keys may be fetched from `key_url`.
    pub fn trusts(&self, key_url: &str) -> bool {
        Url::parse(key_url).is_ok_and(|u| self.trusted.contains(&u.origin()))
    }

    /// Checks a delivery's `x-content-signature` against its raw body and answers the delivery.
    /// A key that does not verify is fetched again (at most once a minute per URL), in case it
    /// was rotated.
    ///
    /// # Errors
    /// [`Error::CallbackRejected`]: no signature, a body that is not a delivery, a `key_url` that
    /// is missing or not on a trusted origin (nothing is fetched then), or a signature that does
    /// not match. A failure to fetch the key is a transport or API error.
    pub async fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<CallbackDelivery> {
        let signature = signature
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| rejected("no x-content-signature"))?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| rejected("x-content-signature is not base64"))?;
        let delivery = CallbackDelivery::parse(body)?;
        let key_url = delivery
            .key_url()
            .ok_or_else(|| rejected("the delivery names no Metadata.key_url"))?
            .to_owned();
        if !self.trusts(&key_url) {
            let origin = Url::parse(&key_url)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_else(|_| "an unparseable URL".into());
            return Err(rejected(format!(
                "the signing key's origin {origin} is not trusted"
            )));
        }
        let (digest, fresh) = self.key(&key_url, false).await?;
        if matches(&digest, body, &signature) {
            return Ok(delivery);
        }
        if !fresh
            && let Some((digest, _)) = self.refetch(&key_url).await?
            && matches(&digest, body, &signature)
        {
            return Ok(delivery);
        }
        Err(rejected("the signature does not match the body"))
    }

    /// The key digest for `key_url`, and whether it was fetched just now.
    async fn key(&self, key_url: &str, force: bool) -> Result<([u8; 32], bool)> {
        if !force
            && let Some(cached) = self.keys_lock().get(key_url)
            && cached.fetched.elapsed() < self.ttl
        {
            return Ok((cached.digest, false));
        }
        let digest = self.fetch(key_url).await?;
        self.keys_lock().insert(
            key_url.to_owned(),
            CachedKey {
                digest,
                fetched: Instant::now(),
            },
        );
        Ok((digest, true))
    }

    /// Fetches the key again unless it was fetched within the last minute (so forged
    /// signatures cannot make the verifier hammer the key URL).
    async fn refetch(&self, key_url: &str) -> Result<Option<([u8; 32], bool)>> {
        let recent = self
            .keys_lock()
            .get(key_url)
            .is_some_and(|k| k.fetched.elapsed() < self.refetch_after);
        if recent {
            return Ok(None);
        }
        self.key(key_url, true).await.map(Some)
    }

    fn keys_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CachedKey>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn fetch(&self, key_url: &str) -> Result<[u8; 32]> {
        let path = Url::parse(key_url)
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        let response = self
            .http
            .get(key_url)
            .send()
            .await
            .map_err(|source| Error::Transport {
                path: path.clone(),
                source,
            })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|source| Error::Transport {
            path: path.clone(),
            source,
        })?;
        if !status.is_success() {
            return Err(Error::Api {
                status,
                path,
                code: None,
                message: Some("the callback signing key could not be fetched".into()),
                errors: Vec::new(),
                body: String::new(),
            });
        }
        let key: SigningKey = serde_json::from_slice(&bytes).map_err(|source| Error::Decode {
            path,
            json_path: "signing_key".into(),
            source,
        })?;
        Ok(Sha256::digest(key.signing_key.as_bytes()).into())
    }
}

/// Whether `signature` is the HMAC-SHA256 of `body` under `key` (compared in constant time).
fn matches(key: &[u8; 32], body: &[u8], signature: &[u8]) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(signature).is_ok()
}

/// The signature ConnectWise would send for `body` under `signing_key`: for tests and
/// stand-ins.
pub fn sign(signing_key: &str, body: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(signing_key.as_bytes()).into();
    let mut mac = Hmac::<Sha256>::new_from_slice(&digest).expect("any key length works");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A callback registration (`system/callbacks`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallbackEntry {
    /// Its id.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub id: Option<i64>,
    /// A description.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub description: Option<String>,
    /// Where deliveries go.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub url: Option<String>,
    /// The record it watches, for levels narrower than `owner` (0 for every record).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub object_id: Option<i64>,
    /// The kind of record (`company`, `opportunity`, …).
    #[serde(
        default,
        rename = "type",
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub kind: Option<String>,
    /// The level (`owner` for every record of the kind).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub level: Option<String>,
    /// Whether it is switched off.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub inactive_flag: Option<bool>,
    /// Fields not named here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CallbackEntry {
    /// A registration of every record of `kind` (`level: owner`, `objectId: 0`) to `url`.
    pub fn new(url: impl Into<String>, kind: impl Into<String>, description: &str) -> Self {
        CallbackEntry {
            url: Some(url.into()),
            kind: Some(kind.into()),
            level: Some("owner".into()),
            object_id: Some(0),
            description: Some(description.into()),
            inactive_flag: Some(false),
            ..Default::default()
        }
    }

    fn same_target(&self, other: &CallbackEntry) -> bool {
        let eq = |a: &Option<String>, b: &Option<String>| {
            a.as_deref()
                .unwrap_or_default()
                .eq_ignore_ascii_case(b.as_deref().unwrap_or_default())
        };
        self.url == other.url
            && eq(&self.kind, &other.kind)
            && eq(&self.level, &other.level)
            && self.object_id.unwrap_or(0) == other.object_id.unwrap_or(0)
    }
}

/// What [`CallbacksHandler::ensure`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnsureReport {
    /// Registrations created.
    pub created: Vec<i64>,
    /// Registrations switched back on.
    pub reactivated: Vec<i64>,
    /// Registrations already as wanted.
    pub unchanged: Vec<i64>,
}

/// Callback registrations: `cw.callbacks()`.
#[derive(Debug, Clone)]
pub struct CallbacksHandler {
    client: ConnectWiseClient,
}

impl ConnectWiseClient {
    /// Callback registrations (`system/callbacks`).
    pub fn callbacks(&self) -> CallbacksHandler {
        CallbacksHandler {
            client: self.clone(),
        }
    }
}

impl CallbacksHandler {
    /// `GET system/callbacks`.
    pub fn list(&self) -> ListRequest<CallbackEntry> {
        ListRequest::new(self.client.clone(), "system/callbacks")
    }

    /// `POST system/callbacks`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn create(&self, entry: &CallbackEntry) -> Result<CallbackEntry> {
        self.client.post_json("system/callbacks", entry).await
    }

    /// `PUT system/callbacks/{id}`.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn update(&self, id: i64, entry: &CallbackEntry) -> Result<CallbackEntry> {
        self.client
            .put_json(&format!("system/callbacks/{id}"), entry)
            .await
    }

    /// `DELETE system/callbacks/{id}`.
    ///
    /// # Errors
    /// Transport or API errors.
    pub async fn delete(&self, id: i64) -> Result<()> {
        self.client.delete(&format!("system/callbacks/{id}")).await
    }

    /// Makes sure each of `wanted` is registered and active, comparing with what exists (by URL,
    /// kind, level and object), so that running it again changes nothing.
    ///
    /// # Errors
    /// Transport, API or decode errors.
    pub async fn ensure(&self, wanted: &[CallbackEntry]) -> Result<EnsureReport> {
        use futures::TryStreamExt as _;
        let existing: Vec<CallbackEntry> =
            self.list().page_size(1000).stream().try_collect().await?;
        let mut report = EnsureReport::default();
        for want in wanted {
            match existing.iter().find(|e| e.same_target(want)) {
                Some(found) if found.inactive_flag == Some(true) => {
                    let id = found.id.unwrap_or_default();
                    let mut on = found.clone();
                    on.inactive_flag = Some(false);
                    self.update(id, &on).await?;
                    report.reactivated.push(id);
                }
                Some(found) => report.unchanged.push(found.id.unwrap_or_default()),
                None => {
                    let made = self.create(want).await?;
                    report.created.push(made.id.unwrap_or_default());
                }
            }
        }
        Ok(report)
    }

    /// Deletes every registration delivering to `url`. Answers the ids deleted.
    ///
    /// # Errors
    /// Transport or API errors.
    pub async fn remove(&self, url: &str) -> Result<Vec<i64>> {
        use futures::TryStreamExt as _;
        let existing: Vec<CallbackEntry> =
            self.list().page_size(1000).stream().try_collect().await?;
        let mut removed = Vec::new();
        for entry in existing.iter().filter(|e| e.url.as_deref() == Some(url)) {
            if let Some(id) = entry.id {
                self.delete(id).await?;
                removed.push(id);
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_delivery_with_its_entity_as_a_string() {
        let body = serde_json::json!({
            "MessageId": "7f0c", "FromUrl": "na.myconnectwise.net", "CompanyId": "acme",
            "MemberId": 176, "Action": "updated", "Type": "company", "ID": "250",
            "Entity": "{\"id\":250,\"name\":\"Acme\"}",
            "Metadata": {"key_url": "https://na.myconnectwise.net/v4_6_release/callbacks/key/1"},
            "Extra": true
        });
        let d = CallbackDelivery::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(d.action, Some(CallbackAction::Updated));
        assert_eq!(d.id, Some(250));
        assert_eq!(d.entity.as_ref().unwrap()["name"], "Acme");
        assert!(d.extra.contains_key("Extra"));
        assert!(d.key_url().unwrap().ends_with("/key/1"));
    }

    #[test]
    fn signatures_are_hmac_sha256_under_the_keys_digest() {
        let body = br#"{"ID":1}"#;
        let signature = sign("the key", body);
        let digest: [u8; 32] = Sha256::digest(b"the key").into();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&signature)
            .unwrap();
        assert!(matches(&digest, body, &raw));
        assert!(!matches(&digest, br#"{"ID":2}"#, &raw));
        let other: [u8; 32] = Sha256::digest(b"another key").into();
        assert!(!matches(&other, body, &raw));
    }

    #[test]
    fn only_trusted_origins_are_trusted() {
        let v = CallbackVerifier::builder()
            .trust_origin("https://na.myconnectwise.net/anything")
            .unwrap()
            .build()
            .unwrap();
        assert!(v.trusts("https://na.myconnectwise.net/v4_6_release/key"));
        assert!(!v.trusts("http://na.myconnectwise.net/key"));
        assert!(!v.trusts("https://na.myconnectwise.net.evil.example/key"));
        assert!(!v.trusts("https://evil.example/?https://na.myconnectwise.net"));
        assert!(!v.trusts("not a url"));
        assert!(CallbackVerifier::builder().build().is_err());
    }
}
