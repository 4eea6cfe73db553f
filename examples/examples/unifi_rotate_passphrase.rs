//! Rotates the passphrase of a WLAN to a new random one and prints it.
//!
//! ```text
//! UNIFI_URL=... UNIFI_USERNAME=... UNIFI_PASSWORD=... UNIFI_WLAN=<ssid or wlan id> \
//!     cargo run -p optima-examples --example unifi_rotate_passphrase
//! ```
//! `UNIFI_NEW_PASSPHRASE` sets the passphrase instead of generating one.

use optima_unifi::WlanUpdate;
use secrecy::SecretString;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let unifi = optima_examples::unifi_client_from_env();
    let Some(target) = std::env::var("UNIFI_WLAN").ok().filter(|s| !s.is_empty()) else {
        eprintln!("Set UNIFI_WLAN to the SSID or the id of the WLAN to rotate.");
        std::process::exit(2);
    };
    let site = unifi.site(optima_examples::unifi_site_from_env());
    let wlans = site.wlans().list().await?;
    let Some(wlan) = wlans.iter().find(|w| {
        w.id.as_deref() == Some(target.as_str()) || w.name.as_deref() == Some(target.as_str())
    }) else {
        eprintln!(
            "no WLAN named or with id {target:?} on site {}",
            site.name()
        );
        std::process::exit(1);
    };
    let id = wlan.id.clone().unwrap_or_default();
    let passphrase = std::env::var("UNIFI_NEW_PASSPHRASE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(random_passphrase);
    let updated = site
        .wlans()
        .update(
            &id,
            &WlanUpdate::new().passphrase(SecretString::from(passphrase.clone())),
        )
        .await?;
    println!(
        "rotated the passphrase of {:?} ({id}); new passphrase: {passphrase}",
        updated.name.as_deref().unwrap_or("?")
    );
    Ok(())
}

/// 20 random characters (from `/dev/urandom`) of an alphabet without look-alikes.
fn random_passphrase() -> String {
    use std::io::Read;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    if let Err(e) = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)) {
        eprintln!("cannot read /dev/urandom ({e}); set UNIFI_NEW_PASSPHRASE instead");
        std::process::exit(2);
    }
    // 256 is not a multiple of the alphabet size: reject the biased tail.
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::new();
    let mut pool = bytes.to_vec();
    while out.len() < 20 {
        if pool.is_empty() {
            let mut more = [0u8; 20];
            if std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut more))
                .is_err()
            {
                std::process::exit(2);
            }
            pool.extend_from_slice(&more);
        }
        let b = pool.pop().unwrap_or_default() as usize;
        if b < limit {
            out.push(ALPHABET[b % ALPHABET.len()] as char);
        }
    }
    out
}
