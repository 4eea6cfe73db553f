//! TLS with a UniFi client's choices, for its HTTP requests and its live events WebSocket alike:
//! verify the certificate against the platform's roots (the verifier reqwest uses), accept any
//! certificate, or accept exactly the one with a pinned SHA-256.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::BuilderVerifierExt;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The rustls configuration of a `wss://` connection.
///
/// A pin (64 hex digits, separators allowed) wins over `verify`: only the certificate whose
/// SHA-256 over its DER is the pin is accepted. Without a pin, `verify` checks the certificate
/// against the platform's roots, and `!verify` accepts any certificate. In every case the
/// handshake signatures are checked, so the server must hold the certificate's private key.
pub(crate) fn client_config(verify: bool, pin: Option<&str>) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?;
    let config = match pin {
        Some(pin) => {
            let pin = crate::http::parse_pin(pin).map_err(Error::Config)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(pinned_verifier(pin, provider))
                .with_no_client_auth()
        }
        None if !verify => builder
            .dangerous()
            .with_custom_certificate_verifier(any_cert_verifier(provider))
            .with_no_client_auth(),
        None => builder
            .with_platform_verifier()
            .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?
            .with_no_client_auth(),
    };
    Ok(config)
}

/// A verifier that accepts exactly the certificate whose SHA-256 (over its DER) is `pin`,
/// whoever issued it, and checks the handshake signatures.
pub(crate) fn pinned_verifier(
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
) -> Arc<dyn ServerCertVerifier> {
    Arc::new(LenientVerifier {
        pin: Some(pin),
        provider,
    })
}

/// A verifier that accepts any certificate (self-signed, expired, for another name) and
/// checks the handshake signatures.
pub(crate) fn any_cert_verifier(provider: Arc<CryptoProvider>) -> Arc<dyn ServerCertVerifier> {
    Arc::new(LenientVerifier {
        pin: None,
        provider,
    })
}

/// Skips the certificate's chain, name and dates (all of it, or all but its fingerprint), but
/// not the proof that the server holds the certificate's key.
#[derive(Debug)]
struct LenientVerifier {
    pin: Option<[u8; 32]>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for LenientVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.pin {
            Some(pin) if Sha256::digest(end_entity.as_ref()).as_slice() != pin => {
                Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::ApplicationVerificationFailure,
                ))
            }
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::aws_lc_rs::default_provider())
    }

    #[test]
    fn the_lenient_choices_build_and_a_bad_pin_is_a_config_error() {
        // (Verification against the platform's roots needs the machine's CA certificates.)
        client_config(false, None).unwrap();
        client_config(true, Some(&"ab".repeat(32))).unwrap();
        assert!(matches!(
            client_config(true, Some("abcd")),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn the_pin_accepts_exactly_its_certificate_and_no_pin_accepts_any() {
        let cert = CertificateDer::from(b"a certificate, only hashed here".to_vec());
        let other = CertificateDer::from(b"another certificate".to_vec());
        let name = ServerName::try_from("unifi.local").unwrap();
        let pin: [u8; 32] = Sha256::digest(cert.as_ref()).into();
        let pinned = pinned_verifier(pin, provider());
        let check = |v: &Arc<dyn ServerCertVerifier>, c: &CertificateDer<'_>| {
            v.verify_server_cert(c, &[], &name, &[], UnixTime::now())
                .is_ok()
        };
        assert!(check(&pinned, &cert));
        assert!(!check(&pinned, &other));
        let any = any_cert_verifier(provider());
        assert!(check(&any, &cert) && check(&any, &other));
        assert!(!any.supported_verify_schemes().is_empty());
    }
}
