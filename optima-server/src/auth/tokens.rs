//! Access and refresh tokens: minting, verifying, and the secrets they are signed with.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::common::ApiError;
use crate::state::AppState;

/// Clock skew tolerated on an access token's `exp` and `iat`, in seconds.
pub const TOKEN_LEEWAY_SECS: u64 = 5;

/// How long a refresh token lives unless rotated first.
pub const REFRESH_TOKEN_TTL_SECS: i64 = 30 * 24 * 3600;

/// The keys access tokens are signed and verified with (HS256).
pub(crate) struct SigningKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SigningKeys {
    /// Keys from the signing secret.
    pub(crate) fn from_secret(secret: &SecretString) -> SigningKeys {
        let key = secret.expose_secret().as_bytes();
        SigningKeys {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
        }
    }
}

/// The claims of an access token. Permissions are not in it: they are resolved per request,
/// so revoking a role takes effect on the next one.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Issued at (epoch seconds).
    pub iat: i64,
    /// Expires at (epoch seconds).
    pub exp: i64,
    /// Issued at, in milliseconds: sign-out everywhere compares against it, and whole
    /// seconds are too coarse to tell a token issued just before from one just after.
    #[serde(rename = "iatMs")]
    pub iat_ms: i64,
    /// Always `access`.
    pub typ: String,
}

/// A new access and refresh token pair.
#[derive(Debug)]
pub struct TokenPair {
    /// The JWT.
    pub access_token: String,
    /// The opaque refresh token.
    pub refresh_token: String,
}

/// SHA-256 in hex: how callback keys and refresh tokens are stored.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads a secret kept in the data dir, or makes one and keeps it (readable by the owner only).
pub fn secret_in_data_dir(data_dir: &Path, name: &str) -> std::io::Result<SecretString> {
    let path = data_dir.join(name);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = STANDARD.encode(bytes);
    if !write_private_if_absent(&path, &secret)? {
        // Another process starting on the same data dir made it first: use theirs.
        let text = std::fs::read_to_string(&path)?;
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    tracing::warn!(path = %path.display(), "generated a new secret and kept it in the data dir");
    Ok(SecretString::from(secret))
}

/// Writes `contents` to `path` (owner-only) unless it exists; `false` if it did. The file
/// appears whole or not at all (written aside, then hard-linked into place), so a process
/// racing this one never reads it half-written.
fn write_private_if_absent(path: &Path, contents: &str) -> std::io::Result<bool> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(contents.as_bytes())?;
        f.sync_all()
    });
    let placed = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    });
    let _ = std::fs::remove_file(&tmp);
    placed
}

impl AppState {
    /// Mints an access token.
    pub fn access_token(&self, user_id: &str) -> Result<String, ApiError> {
        let now = Utc::now();
        let claims = Claims {
            sub: user_id.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.config.access_token_ttl as i64,
            iat_ms: now.timestamp_millis(),
            typ: "access".into(),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.signing.encoding,
        )
        .map_err(|e| ApiError::internal(&e))
    }

    /// Mints an access token and a refresh token in `family` (a new family when `None`).
    pub async fn issue_tokens(
        &self,
        user_id: &str,
        family: Option<String>,
    ) -> Result<TokenPair, ApiError> {
        let refresh_token = random_token();
        let now = Utc::now().timestamp();
        self.store
            .insert_refresh_token(
                &hash_secret(&refresh_token),
                &family.unwrap_or_else(random_token),
                user_id,
                now,
                now + REFRESH_TOKEN_TTL_SECS,
            )
            .await?;
        Ok(TokenPair {
            access_token: self.access_token(user_id)?,
            refresh_token,
        })
    }

    /// Verifies an access token: signature, expiry, and that it was not revoked.
    pub(crate) fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = TOKEN_LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.signing.decoding, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => ApiError::unauthorized("Access token expired"),
                    _ => ApiError::unauthorized("Invalid access token"),
                }
            })?;
        if data.claims.typ != "access" {
            return Err(ApiError::unauthorized("Invalid access token"));
        }
        // jsonwebtoken checks `exp` and `nbf` only. A token from the future was not minted by
        // this server's clock, and would outlive its lifetime and dodge sign-out-everywhere.
        let now = Utc::now();
        if data.claims.iat > now.timestamp() + TOKEN_LEEWAY_SECS as i64
            || data.claims.iat_ms > now.timestamp_millis() + TOKEN_LEEWAY_SECS as i64 * 1000
        {
            return Err(ApiError::unauthorized(
                "Invalid access token: issued in the future",
            ));
        }
        Ok(data.claims)
    }
}
