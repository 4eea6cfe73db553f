//! What the core itself can fail with. Each client crate maps it into its own error enum.

use std::time::Duration;

/// A failure of the HTTP core: sending, the deadline, or the settings.
///
/// A response with an error status is not an error here: the send loop returns it, and the
/// client crate reads the vendor's error body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Connecting, sending or reading the body failed on the last allowed attempt.
    #[error("{service} {path}: transport error: {source}")]
    Transport {
        /// The vendor, as the client names it (e.g. `connectwise`, `unifi`).
        service: &'static str,
        /// The request path, without host or query.
        path: String,
        /// The underlying reqwest error.
        #[source]
        source: reqwest::Error,
    },
    /// One whole call, every attempt and backoff sleep included, outlived its deadline.
    #[error("{service} {path} did not finish within its deadline of {deadline:?}")]
    DeadlineExceeded {
        /// The vendor.
        service: &'static str,
        /// The request path, without host or query.
        path: String,
        /// The deadline that ran out.
        deadline: Duration,
    },
    /// A request body could not be serialised as JSON; nothing was sent.
    #[error("{service} {path}: the request body could not be encoded: {source}")]
    Encode {
        /// The vendor.
        service: &'static str,
        /// The request path, without host or query.
        path: String,
        /// serde's error.
        #[source]
        source: serde_json::Error,
    },
    /// The HTTP client could not be built from the settings.
    #[error("invalid {service} client configuration: {message}")]
    Config {
        /// The vendor.
        service: &'static str,
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// Whether the failure was a timeout: of one attempt, or of the whole call's deadline.
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Transport { source, .. } => source.is_timeout(),
            Self::DeadlineExceeded { .. } => true,
            Self::Encode { .. } | Self::Config { .. } => false,
        }
    }

    /// Whether no connection could be made (so nothing reached the server).
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Transport { source, .. } if source.is_connect())
    }
}
