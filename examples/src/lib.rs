//! Shared set-up for the runnable examples in `examples/`: each example reads its vendor's
//! address and credentials from the environment and explains what is missing.

use optima_connectwise::ConnectWiseClient;
use optima_unifi::{ControllerKind, UnifiClient};
use secrecy::SecretString;

/// Builds a client from `UNIFI_URL` plus `UNIFI_USERNAME`/`UNIFI_PASSWORD` or `UNIFI_API_KEY`
/// (optional: `UNIFI_KIND` = auto|classic|unifi-os, `UNIFI_VERIFY_TLS` = true|false, `UNIFI_CERT_SHA256`).
/// Prints what is missing and exits when the environment is not set up.
pub fn unifi_client_from_env() -> UnifiClient {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let Some(url) = var("UNIFI_URL") else {
        eprintln!(
            "Set UNIFI_URL (e.g. https://192.168.1.1 or https://unifi.example.com:8443) and either\n\
             UNIFI_USERNAME + UNIFI_PASSWORD or UNIFI_API_KEY. Optional: UNIFI_SITE (default \"default\"),\n\
             UNIFI_KIND (auto|classic|unifi-os), UNIFI_VERIFY_TLS (true|false), UNIFI_CERT_SHA256."
        );
        std::process::exit(2);
    };
    let mut b = UnifiClient::builder().url(url);
    match (
        var("UNIFI_API_KEY"),
        var("UNIFI_USERNAME"),
        var("UNIFI_PASSWORD"),
    ) {
        (Some(key), _, _) => b = b.api_key(SecretString::from(key)),
        (None, Some(user), Some(pass)) => b = b.username(user).password(SecretString::from(pass)),
        _ => {
            eprintln!("Set UNIFI_USERNAME and UNIFI_PASSWORD, or UNIFI_API_KEY.");
            std::process::exit(2);
        }
    }
    if let Some(kind) = var("UNIFI_KIND") {
        match kind.parse::<ControllerKind>() {
            Ok(k) => b = b.kind(k),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        }
    }
    if let Some(v) = var("UNIFI_VERIFY_TLS") {
        b = b.verify_tls(!matches!(
            v.to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        ));
    }
    if let Some(pin) = var("UNIFI_CERT_SHA256") {
        b = b.pin_certificate_sha256(pin);
    }
    match b.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}

pub fn unifi_site_from_env() -> String {
    std::env::var("UNIFI_SITE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}

/// Builds a client from `CW_SITE`, `CW_COMPANY_ID`, `CW_PUBLIC_KEY`, `CW_PRIVATE_KEY`, `CW_CLIENT_ID`
/// (optional: `CW_CODEBASE`, e.g. `v2025_1/`; discovered from the site when unset).
/// Prints what is missing and exits when the environment is not set up.
pub fn connectwise_client_from_env() -> ConnectWiseClient {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let required = [
        "CW_SITE",
        "CW_COMPANY_ID",
        "CW_PUBLIC_KEY",
        "CW_PRIVATE_KEY",
        "CW_CLIENT_ID",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| var(k).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "set {} to run this example (CW_CODEBASE is optional)",
            missing.join(", ")
        );
        std::process::exit(2);
    }
    let mut b = ConnectWiseClient::builder()
        .site(var("CW_SITE").unwrap_or_default())
        .company_id(var("CW_COMPANY_ID").unwrap_or_default())
        .public_key(var("CW_PUBLIC_KEY").unwrap_or_default())
        .private_key(SecretString::from(
            var("CW_PRIVATE_KEY").unwrap_or_default(),
        ))
        .client_id(var("CW_CLIENT_ID").unwrap_or_default());
    if let Some(c) = var("CW_CODEBASE") {
        b = b.codebase(c);
    }
    b.build().unwrap_or_else(|e| {
        eprintln!("invalid ConnectWise settings: {e}");
        std::process::exit(2);
    })
}
