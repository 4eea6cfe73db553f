//! The crate's single error type.

use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One entry of the `errors[]` array in a ConnectWise error body.
///
/// ```json
/// {"code":"InvalidObject","message":"company object is invalid",
///  "errors":[{"code":"NullOrEmpty","message":"identifier may not be empty",
///             "resource":"company","field":"identifier"}]}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldError {
    /// Machine-readable code, e.g. `NullOrEmpty`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub code: Option<String>,
    /// Human-readable message.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub message: Option<String>,
    /// The resource the field belongs to, e.g. `company`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub resource: Option<String>,
    /// The offending field, e.g. `identifier`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub field: Option<String>,
}

/// The shape of a vendor error body (`code`, `message`, `errors[]`).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ErrorBody {
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub code: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_string",
        alias = "Message"
    )]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Option<Vec<FieldError>>,
}

/// Everything that can go wrong talking to ConnectWise Manage or CW Home.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success status.
    #[error("{path} failed with HTTP {status}{}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(), message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// Request path (without host or query).
        path: String,
        /// The vendor's `code`, when the body carried one.
        code: Option<String>,
        /// The vendor's `message`, when the body carried one.
        message: Option<String>,
        /// The vendor's per-field `errors[]` (empty when absent).
        errors: Vec<FieldError>,
        /// The raw response body (vendor error bodies carry no secrets).
        body: String,
    },

    /// A response body did not match the expected model.
    #[error("could not decode the response of {path} at `{json_path}`: {source}")]
    Decode {
        /// Request path (without host or query).
        path: String,
        /// JSON path of the value that failed, e.g. `[3].price` (`.` for the root).
        json_path: String,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },

    /// A transport failure: connection refused, TLS, timeout, a broken body.
    #[error("HTTP transport error on {path}: {source}")]
    Transport {
        /// Request path (without host or query).
        path: String,
        /// The underlying reqwest error.
        #[source]
        source: reqwest::Error,
    },

    /// The client was configured incorrectly (missing or invalid builder values).
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// A query was invalid before any request was sent (e.g. `pageSize` above 1000).
    #[error("invalid query: {0}")]
    InvalidQuery(String),

    /// A callback delivery was refused: no or a wrong signature, a body that is not a delivery,
    /// or a signing key on an origin that is not trusted (see [`crate::callbacks`]).
    #[error("callback rejected: {reason}")]
    CallbackRejected {
        /// Why, in words (never the key).
        reason: String,
    },

    /// The company's codebase could not be discovered from `login/companyinfo`.
    #[error("could not discover the ConnectWise codebase: {0}")]
    Codebase(String),

    /// The call did not finish within the client's total deadline (see
    /// `ConnectWiseClientBuilder::deadline`): every attempt, backoff sleep and codebase
    /// discovery of one call together took longer than `deadline`.
    #[error("{path} did not finish within its deadline of {deadline:?}")]
    DeadlineExceeded {
        /// Request path (without host or query).
        path: String,
        /// The deadline that ran out.
        deadline: Duration,
    },
}

impl Error {
    /// The HTTP status of an [`Error::Api`], if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether this is a timeout: the call's deadline ran out, a transport timeout, a 504,
    /// or a vendor 500 reporting a timeout.
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::DeadlineExceeded { .. } => true,
            Self::Transport { source, .. } => source.is_timeout(),
            Self::Api { status, body, .. } => {
                *status == StatusCode::GATEWAY_TIMEOUT
                    || (*status == StatusCode::INTERNAL_SERVER_ERROR && body_mentions_timeout(body))
            }
            _ => false,
        }
    }

    /// Whether the call's total deadline ran out ([`Error::DeadlineExceeded`]).
    pub fn is_deadline_exceeded(&self) -> bool {
        matches!(self, Self::DeadlineExceeded { .. })
    }

    /// Whether the server answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the server answered 429 (rate limited).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether the failure was a connection failure (nothing reached the server).
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Transport { source, .. } if source.is_connect())
    }

    /// The vendor's `errors[]` for an [`Error::Api`] (empty otherwise).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The vendor's error `code` for an [`Error::Api`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

pub(crate) fn body_mentions_timeout(body: &str) -> bool {
    body.to_ascii_lowercase().contains("timeout") || body.to_ascii_lowercase().contains("timed out")
}

/// The HTTP core's view of a ConnectWise host: besides 429/502/503/504, a `500` whose body
/// reports a timeout ("Execution Timeout Expired") is transient too.
pub(crate) fn service(name: &'static str) -> optima_http::Service {
    optima_http::Service::new(
        name,
        concat!("optima-connectwise/", env!("CARGO_PKG_VERSION")),
    )
    .transient_when(|status, body| {
        status == StatusCode::INTERNAL_SERVER_ERROR
            && body_mentions_timeout(&String::from_utf8_lossy(body))
    })
}

impl From<optima_http::Error> for Error {
    fn from(e: optima_http::Error) -> Self {
        match e {
            optima_http::Error::Transport { path, source, .. } => Error::Transport { path, source },
            optima_http::Error::DeadlineExceeded { path, deadline, .. } => {
                Error::DeadlineExceeded { path, deadline }
            }
            optima_http::Error::Config { message, .. } => Error::Config(message),
            optima_http::Error::Encode { path, source, .. } => Error::InvalidQuery(format!(
                "the body for {path} could not be encoded: {source}"
            )),
            other => Error::Config(other.to_string()),
        }
    }
}

/// Builds an [`Error::Api`] from a status and a (possibly non-JSON) body.
pub(crate) fn api_error(status: StatusCode, path: &str, body: String) -> Error {
    let parsed: ErrorBody = serde_json::from_str(&body).unwrap_or_default();
    Error::Api {
        status,
        path: path.to_owned(),
        code: parsed.code,
        message: parsed.message,
        errors: parsed.errors.unwrap_or_default(),
        body,
    }
}

/// Decodes JSON, naming the failing path on error.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T> {
    crate::lenient::from_slice(bytes).map_err(|e| Error::Decode {
        path: path.to_owned(),
        json_path: e.path().to_string(),
        source: e.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_parses_errors_array() {
        let body = r#"{"code":"InvalidObject","message":"opportunity object is invalid","errors":[{"code":"NullOrEmpty","message":"name may not be empty","resource":"opportunity","field":"name"}]}"#;
        let e = api_error(StatusCode::BAD_REQUEST, "sales/opportunities", body.into());
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(e.code(), Some("InvalidObject"));
        assert_eq!(e.field_errors()[0].field.as_deref(), Some("name"));
        assert!(e.to_string().contains("opportunity object is invalid"));
    }

    #[test]
    fn non_json_error_body_is_kept() {
        let e = api_error(
            StatusCode::BAD_GATEWAY,
            "x",
            "<html>bad gateway</html>".into(),
        );
        assert!(matches!(&e, Error::Api { body, code: None, .. } if body.contains("bad gateway")));
    }

    #[test]
    fn decode_names_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct X {
            a: Vec<Y>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Y {
            n: u32,
        }
        let e = decode::<X>("p", br#"{"a":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        match e {
            Error::Decode {
                json_path, path, ..
            } => {
                assert_eq!(json_path, "a[1].n");
                assert_eq!(path, "p");
            }
            other => panic!("{other:?}"),
        }
    }
}
