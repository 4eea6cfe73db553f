//! The crate's error type.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// A `Result` whose error is this crate's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to a UniFi controller or the UniFi Access Identity API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vendor answered with an error of its own: `meta.rc == "error"` (UniFi Network, `code` is
    /// `api.err.*`) or a `code` other than `SUCCESS` (UniFi Access, `code` is `CODE_*`).
    ///
    /// Use [`Error::api_kind`] to match on the well-known codes.
    #[error("UniFi API error {code} (HTTP {status}){}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Api {
        /// HTTP status of the response.
        status: StatusCode,
        /// The vendor's error code, e.g. `api.err.NoSiteContext` or `CODE_PARAMS_INVALID`.
        code: String,
        /// A human-readable message when the vendor sent one besides the code.
        message: Option<String>,
        /// Validation details (UniFi Network puts them in `data[]`, e.g. for `api.err.InvalidPayload`).
        details: Vec<Value>,
    },
    /// The server answered with an HTTP error status and no recognisable vendor envelope.
    #[error("HTTP {status} from UniFi: {body}")]
    Http {
        /// HTTP status.
        status: StatusCode,
        /// The start of the response body (at most 512 characters).
        body: String,
    },
    /// A response could not be decoded; `path` names the JSON path that failed (e.g. `data[0].radio_table[1].channel`).
    #[error("could not decode UniFi response at `{path}`: {source}")]
    Decode {
        /// The JSON path of the value that failed to decode.
        path: String,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The request did not complete in time.
    #[error("request to UniFi timed out: {0}")]
    Timeout(#[source] reqwest::Error),
    /// One operation (every attempt, backoff sleep, controller detection and login included)
    /// did not finish within the client's total deadline (see `UnifiClientBuilder::deadline`).
    #[error("UniFi {path} did not finish within its deadline of {deadline:?}")]
    DeadlineExceeded {
        /// The API path of the operation (e.g. `/api/s/default/stat/health`).
        path: String,
        /// The deadline that ran out.
        deadline: Duration,
    },
    /// Connecting, sending or receiving failed.
    #[error("transport error talking to UniFi: {0}")]
    Transport(#[source] reqwest::Error),
    /// The client was configured wrongly (missing URL or credentials, bad pin …).
    #[error("invalid UniFi client configuration: {0}")]
    Config(String),
    /// The controller kept throttling logins (HTTP 429) for every allowed attempt.
    #[error("UniFi login throttled (HTTP 429) after {attempts} attempts")]
    LoginThrottled {
        /// How many login attempts were made.
        attempts: u32,
    },
    /// An argument was rejected before anything was sent (e.g. a PPSK shorter than 8 characters).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The change clashes with what the controller already holds (e.g. a PPSK whose password the
    /// WLAN already has); checked by the client before anything is sent.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Something looked up by the client itself does not exist (e.g. the PPSK to remove).
    #[error("not found: {0}")]
    NotFound(String),
    /// The response was well-formed JSON but not what the operation expects (e.g. an empty `data[]`).
    #[error("unexpected UniFi response: {0}")]
    UnexpectedResponse(String),
    /// The Network Integration API rejected the API key (HTTP 401): it is wrong, expired or
    /// revoked. The envelope, when the console sent one, is kept for its `requestId`; the key
    /// itself is never part of this error.
    #[error("UniFi rejected the API key (HTTP 401: invalid, expired or revoked){}", envelope_suffix(envelope.as_deref()))]
    Unauthorized {
        /// The error envelope, if the body was one.
        envelope: Option<Box<IntegrationErrorBody>>,
    },
    /// The Network Integration API answered with an error status and its error envelope
    /// (`statusCode`, `statusName`, `code`, `message`, `timestamp`, `requestPath`, `requestId`).
    #[error("UniFi Integration API error{} (HTTP {status}){}", envelope.code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(), envelope_suffix(Some(&**envelope)))]
    Integration {
        /// HTTP status of the response (trusted over the envelope's `statusCode`, which does not
        /// always agree with it).
        status: StatusCode,
        /// The error envelope.
        envelope: Box<IntegrationErrorBody>,
    },
    /// The live events WebSocket (`site.events()`) failed below HTTP: it could not be opened
    /// (connection refused, TLS, a malformed handshake), it broke (a protocol error, a reset) or
    /// it went silent past its heartbeat. A handshake answered with an HTTP error status is
    /// [`Error::Http`] (or [`Error::Unauthorized`] for a rejected API key) instead.
    #[error("UniFi events WebSocket: {message}")]
    WebSocket {
        /// What went wrong. Never holds a cookie, a token or a key.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// The error envelope of the UniFi Network Integration API.
///
/// Every field is optional: Network 9.0 sends no `code`, and the official example pairs
/// `statusCode: 400` with `statusName: "UNAUTHORIZED"`, so nothing here is taken on trust.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IntegrationErrorBody {
    /// The HTTP status as the server wrote it in the body.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub status_code: Option<i64>,
    /// The status name, e.g. `UNAUTHORIZED`, `NOT_FOUND`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub status_name: Option<String>,
    /// A machine-readable code, e.g. `api.authentication.missing-credentials` or `api.rate-limit.exceeded`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub code: Option<String>,
    /// A human-readable message.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub message: Option<String>,
    /// When the error happened (ISO 8601), as sent.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub timestamp: Option<String>,
    /// The path the server saw, e.g. `/integration/v1/sites/123`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub request_path: Option<String>,
    /// The id under which the console logged the request: quote it to Ubiquiti support.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub request_id: Option<String>,
}

impl IntegrationErrorBody {
    /// True when the body carried at least one of the envelope's fields (so it was one).
    pub(crate) fn is_envelope(&self) -> bool {
        self.status_code.is_some()
            || self.status_name.is_some()
            || self.code.is_some()
            || self.message.is_some()
            || self.request_id.is_some()
    }
}

fn envelope_suffix(envelope: Option<&IntegrationErrorBody>) -> String {
    let Some(e) = envelope else {
        return String::new();
    };
    let mut out = String::new();
    if let Some(m) = &e.message {
        out.push_str(": ");
        out.push_str(m);
    }
    if let Some(id) = &e.request_id {
        out.push_str(&format!(" [requestId {id}]"));
    }
    out
}

/// The well-known vendor error codes, parsed from [`Error::Api`]'s `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `api.err.Invalid`: bad username or password (login rejections of UniFi OS are reported with this code too).
    Invalid,
    /// `api.err.LoginRequired`: the session expired (the client re-logs in once by itself).
    LoginRequired,
    /// `api.err.NoPermission`: the account may not do this.
    NoPermission,
    /// `api.err.NoSiteContext`: the site does not exist.
    NoSiteContext,
    /// `api.err.InvalidPayload`: the body was rejected; see `details`.
    InvalidPayload,
    /// `api.err.InvalidValue`: a value was rejected; see `details`.
    InvalidValue,
    /// `api.err.IdInvalid`: the object id does not exist or is malformed.
    IdInvalid,
    /// `CODE_PARAMS_INVALID` (UniFi Access).
    ParamsInvalid,
    /// `CODE_AUTH_FAILED` (UniFi Access).
    AuthFailed,
    /// `CODE_ACCESS_TOKEN_INVALID` (UniFi Access).
    AccessTokenInvalid,
    /// `CODE_UNAUTHORIZED` (UniFi Access).
    Unauthorized,
    /// `CODE_OPERATION_FORBIDDEN` (UniFi Access).
    OperationForbidden,
    /// `CODE_RESOURCE_NOT_FOUND` or `CODE_NOT_EXISTS` (UniFi Access).
    NotFound,
    /// `CODE_SYSTEM_ERROR` (UniFi Access).
    SystemError,
    /// Any other code: look at [`Error::Api`]'s `code`.
    Other,
}

impl ApiErrorKind {
    /// Parses a vendor error code (`api.err.*` or `CODE_*`).
    pub fn from_code(code: &str) -> Self {
        match code {
            "api.err.Invalid" => Self::Invalid,
            "api.err.LoginRequired" => Self::LoginRequired,
            "api.err.NoPermission" => Self::NoPermission,
            "api.err.NoSiteContext" => Self::NoSiteContext,
            "api.err.InvalidPayload" => Self::InvalidPayload,
            "api.err.InvalidValue" => Self::InvalidValue,
            "api.err.IdInvalid" => Self::IdInvalid,
            "CODE_PARAMS_INVALID" => Self::ParamsInvalid,
            "CODE_AUTH_FAILED" => Self::AuthFailed,
            "CODE_ACCESS_TOKEN_INVALID" => Self::AccessTokenInvalid,
            "CODE_UNAUTHORIZED" => Self::Unauthorized,
            "CODE_OPERATION_FORBIDDEN" => Self::OperationForbidden,
            "CODE_RESOURCE_NOT_FOUND" | "CODE_NOT_EXISTS" => Self::NotFound,
            "CODE_SYSTEM_ERROR" => Self::SystemError,
            _ => Self::Other,
        }
    }
}

impl Error {
    /// The kind of a vendor error, `None` for errors that are not [`Error::Api`].
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        match self {
            Error::Api { code, .. } => Some(ApiErrorKind::from_code(code)),
            _ => None,
        }
    }

    /// The vendor error code: `api.err.*` / `CODE_*` of an [`Error::Api`], or the Integration
    /// API's `code` (e.g. `api.rate-limit.exceeded`) of an [`Error::Integration`] or
    /// [`Error::Unauthorized`].
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => self.integration_error().and_then(|e| e.code.as_deref()),
        }
    }

    /// The Integration API's error envelope, for [`Error::Integration`] and for an
    /// [`Error::Unauthorized`] that came with one.
    pub fn integration_error(&self) -> Option<&IntegrationErrorBody> {
        match self {
            Error::Integration { envelope, .. } => Some(envelope),
            Error::Unauthorized { envelope } => envelope.as_deref(),
            _ => None,
        }
    }

    /// The Integration API's `requestId` of the failed request, when the console sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.integration_error()
            .and_then(|e| e.request_id.as_deref())
    }

    /// True when the API key was rejected ([`Error::Unauthorized`]) or any other request was
    /// answered with HTTP 401.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Unauthorized { .. })
            || self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::Http { status, .. }
            | Error::Integration { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Transport(e) | Error::Timeout(e) => e.status(),
            Error::LoginThrottled { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    /// Validation details sent with the error (`data[]` of an `api.err.InvalidPayload`), empty otherwise.
    pub fn details(&self) -> &[Value] {
        match self {
            Error::Api { details, .. } => details,
            _ => &[],
        }
    }

    /// True when the credentials were rejected (`api.err.Invalid`).
    pub fn is_invalid_credentials(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::Invalid)
    }

    /// True when the site does not exist (`api.err.NoSiteContext`).
    pub fn is_unknown_site(&self) -> bool {
        self.api_kind() == Some(ApiErrorKind::NoSiteContext)
    }

    /// True for rejected input (`api.err.InvalidPayload`, `api.err.InvalidValue`, `CODE_PARAMS_INVALID`,
    /// an Integration API HTTP 400, or [`Error::InvalidInput`]).
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
            || matches!(self, Error::Integration { status, .. } if *status == StatusCode::BAD_REQUEST)
            || matches!(
                self.api_kind(),
                Some(
                    ApiErrorKind::InvalidPayload
                        | ApiErrorKind::InvalidValue
                        | ApiErrorKind::ParamsInvalid
                )
            )
    }

    /// True when the object was not found (`api.err.IdInvalid`, `CODE_RESOURCE_NOT_FOUND`, [`Error::NotFound`] or HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
            || matches!(
                self.api_kind(),
                Some(ApiErrorKind::IdInvalid | ApiErrorKind::NotFound)
            )
            || matches!(
                self,
                Error::Http { status, .. } | Error::Integration { status, .. }
                    if *status == StatusCode::NOT_FOUND
            )
    }

    /// True when the vendor did not answer in time: a request timeout ([`Error::Timeout`]) or a
    /// spent deadline ([`Error::DeadlineExceeded`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_) | Error::DeadlineExceeded { .. })
    }

    /// True when the operation's total deadline ran out ([`Error::DeadlineExceeded`]).
    pub fn is_deadline_exceeded(&self) -> bool {
        matches!(self, Error::DeadlineExceeded { .. })
    }

    /// True when the request may succeed if tried again later (timeouts, connect errors, 429/502/503/504).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout(_)
            | Error::DeadlineExceeded { .. }
            | Error::LoginThrottled { .. }
            | Error::WebSocket { .. } => true,
            Error::Transport(e) => e.is_connect() || e.is_request(),
            Error::Http { status, .. }
            | Error::Api { status, .. }
            | Error::Integration { status, .. } => optima_http::is_transient_status(*status),
            _ => false,
        }
    }

    pub(crate) fn decode(prefix: &str, e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let inner = e.path().to_string();
        let path = match (prefix.is_empty(), inner.as_str()) {
            (true, _) => inner.clone(),
            (false, ".") => prefix.to_string(),
            (false, p) if p.starts_with('[') => format!("{prefix}{p}"),
            (false, p) => format!("{prefix}.{p}"),
        };
        Error::Decode {
            path,
            source: e.into_inner(),
        }
    }
}

impl From<optima_http::Error> for Error {
    fn from(e: optima_http::Error) -> Self {
        match e {
            optima_http::Error::Transport { source, .. } if source.is_timeout() => {
                Error::Timeout(source)
            }
            optima_http::Error::Transport { source, .. } => Error::Transport(source),
            optima_http::Error::DeadlineExceeded { path, deadline, .. } => {
                Error::DeadlineExceeded { path, deadline }
            }
            optima_http::Error::Config { message, .. } => Error::Config(message),
            optima_http::Error::Encode { path, source, .. } => Error::InvalidInput(format!(
                "the body for {path} could not be encoded: {source}"
            )),
            other => Error::Config(other.to_string()),
        }
    }
}

pub(crate) fn truncate_body(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out: String = s.chars().take(512).collect();
    if s.chars().count() > 512 {
        out.push('…');
    }
    out
}
