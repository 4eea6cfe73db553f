//! What the UniFi clients add to the shared HTTP core (`optima-http`): TLS (verification off,
//! certificate pinning), no redirects, and reading a console's URL.

use optima_http::{HttpSettings, Service, Transport};

use crate::error::{Error, Result};

/// The TLS choices of every UniFi client: controllers usually have self-signed certificates,
/// so verification may be turned off, or one certificate pinned by its SHA-256.
#[derive(Debug, Clone)]
pub(crate) struct TlsOptions {
    pub verify: bool,
    pub pin_sha256: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            verify: true,
            pin_sha256: None,
        }
    }
}

/// Gives a UniFi client builder the two TLS settings, with one wording everywhere. The builder
/// names its [`TlsOptions`] field.
macro_rules! tls_setters {
    ($field:ident) => {
        /// Verify the server certificate against the system's roots (default `true`; controllers
        /// usually have self-signed certificates). Ignored when a pin is set.
        #[must_use]
        pub fn verify_tls(mut self, verify: bool) -> Self {
            self.$field.verify = verify;
            self
        }

        /// Accept exactly the server certificate with this SHA-256 fingerprint (64 hex digits,
        /// `:` separators allowed), instead of verifying it against roots.
        #[must_use]
        pub fn pin_certificate_sha256(mut self, fingerprint: impl Into<String>) -> Self {
            self.$field.pin_sha256 = Some(fingerprint.into());
            self
        }
    };
}
pub(crate) use tls_setters;

/// The HTTP core's view of a UniFi API named `name` (`unifi`, `unifi-integration`, `unifi-access`).
pub(crate) fn service(name: &'static str) -> Service {
    Service::new(
        name,
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
    )
}

/// The transport of a UniFi client: the shared settings, plus no redirects (they are how a
/// classic controller is told from UniFi OS) and the TLS choices.
pub(crate) fn transport(
    settings: HttpSettings,
    tls: &TlsOptions,
    name: &'static str,
) -> Result<Transport> {
    if settings.has_http_client() && (!tls.verify || tls.pin_sha256.is_some()) {
        return Err(Error::Config(
            "verify_tls(false) and pin_certificate_sha256 cannot apply to a reqwest client given \
             to http_client: configure TLS on that client, or leave it out"
                .into(),
        ));
    }
    let transport = settings.build_with(service(name), |builder| {
        let builder = builder.redirect(reqwest::redirect::Policy::none());
        apply_tls(builder, tls)
    })?;
    Ok(transport)
}

/// Reads a console or controller URL: `http(s)://host[:port][/prefix]`, without a trailing `/`,
/// query or fragment. `what` names it in errors, `example` shows a good one.
pub(crate) fn parse_base_url(url: Option<String>, what: &str, example: &str) -> Result<String> {
    let url = url.ok_or_else(|| Error::Config(format!("the {what} URL is required")))?;
    let mut parsed = url::Url::parse(url.trim())
        .map_err(|e| Error::Config(format!("invalid {what} URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::Config(format!(
            "invalid {what} URL {url:?}: expected {example}"
        )));
    }
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// Parses a SHA-256 fingerprint written as hex, with or without `:`/space separators.
pub(crate) fn parse_pin(pin: &str) -> std::result::Result<[u8; 32], String> {
    let hex: String = pin
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    if hex.len() != 64 {
        return Err(format!(
            "certificate pin must be a SHA-256 fingerprint (64 hex digits), got {} digits",
            hex.len()
        ));
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).map_err(|_| "certificate pin is not hex".to_string())?;
        out[i] = u8::from_str_radix(s, 16).map_err(|_| "certificate pin is not hex".to_string())?;
    }
    Ok(out)
}

fn apply_tls(
    builder: reqwest::ClientBuilder,
    tls: &TlsOptions,
) -> std::result::Result<reqwest::ClientBuilder, String> {
    if let Some(pin) = &tls.pin_sha256 {
        let config = crate::tls::client_config(true, Some(pin)).map_err(|e| match e {
            Error::Config(message) => message,
            other => other.to_string(),
        })?;
        Ok(builder.tls_backend_preconfigured(config))
    } else if !tls.verify {
        Ok(builder.tls_danger_accept_invalid_certs(true))
    } else {
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_parsing_accepts_colons_and_rejects_bad_lengths() {
        let hex = "AB".repeat(32);
        assert_eq!(parse_pin(&hex).unwrap(), [0xAB; 32]);
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(parse_pin(&colons).unwrap(), [0xAB; 32]);
        assert!(parse_pin("abcd").is_err());
        assert!(parse_pin(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn pinned_client_builds() {
        let tls = TlsOptions {
            pin_sha256: Some("00".repeat(32)),
            ..TlsOptions::default()
        };
        transport(HttpSettings::default(), &tls, "unifi").unwrap();
        let bad = TlsOptions {
            pin_sha256: Some("00".into()),
            ..TlsOptions::default()
        };
        let err = transport(HttpSettings::default(), &bad, "unifi").unwrap_err();
        assert!(matches!(err, Error::Config(m) if m.contains("64 hex digits")));
    }

    #[test]
    fn base_urls_lose_slash_query_and_fragment_and_need_http() {
        let p = |u: &str| parse_base_url(Some(u.into()), "controller", "https://host");
        assert_eq!(p("https://h:8443/").unwrap(), "https://h:8443");
        assert_eq!(p("https://h/prefix/?a=1#x").unwrap(), "https://h/prefix");
        assert!(p("ftp://h").is_err());
        assert!(p("not a url").is_err());
        assert!(parse_base_url(None, "controller", "https://host").is_err());
    }
}
