//! The crate's error type.

use std::time::Duration;

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
        status: u16,
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
        status: u16,
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

    /// The vendor error code (`api.err.*` / `CODE_*`), if this is an [`Error::Api`].
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Http { status, .. } => Some(*status),
            Error::Transport(e) | Error::Timeout(e) => e.status().map(|s| s.as_u16()),
            Error::LoginThrottled { .. } => Some(429),
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

    /// True for rejected input (`api.err.InvalidPayload`, `api.err.InvalidValue`, `CODE_PARAMS_INVALID`, or [`Error::InvalidInput`]).
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
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
            || matches!(self, Error::Http { status: 404, .. })
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
            Error::Timeout(_) | Error::DeadlineExceeded { .. } | Error::LoginThrottled { .. } => {
                true
            }
            Error::Transport(e) => e.is_connect() || e.is_request(),
            Error::Http { status, .. } | Error::Api { status, .. } => {
                matches!(status, 429 | 502 | 503 | 504)
            }
            _ => false,
        }
    }

    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Error::Timeout(e)
        } else {
            Error::Transport(e)
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

pub(crate) fn truncate_body(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out: String = s.chars().take(512).collect();
    if s.chars().count() > 512 {
        out.push('…');
    }
    out
}
