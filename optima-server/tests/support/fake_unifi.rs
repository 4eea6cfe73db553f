//! Server settings for the shared fake UniFi controller (`optima_unifi::testing`).

use optima_server::config::UnifiConfig;
use optima_unifi::testing::{FakeController, Kind, PASSWORD, USERNAME};

/// Settings pointing at `controller`: a classic one named explicitly, a UniFi OS one detected.
pub fn config(controller: &FakeController) -> UnifiConfig {
    UnifiConfig {
        url: controller.uri(),
        username: Some(USERNAME.into()),
        password: Some(secrecy::SecretString::from(PASSWORD.to_owned())),
        api_key: None,
        kind: match controller.kind {
            Kind::Classic => "classic".into(),
            Kind::UnifiOs => "auto".into(),
        },
        verify_tls: false,
        cert_sha256: None,
    }
}
