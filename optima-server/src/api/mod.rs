//! The `/v1` API: one `#[OpenApi]` impl per tag.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod authorized;
pub mod common;
pub mod companies;
pub mod connectwise_callbacks;
pub mod credential_types;
pub mod credentials;
pub mod delegation;
pub mod pagination;
pub mod permissions;
pub mod procurement;
pub mod roles;
pub mod sales;
pub mod sync_status;
pub mod unifi;
pub mod users;
pub mod utility;

use poem_openapi::auth::ApiKey;
use poem_openapi::{SecurityScheme, Tags};

/// Operation groups in the OpenAPI document.
#[derive(Debug, Tags)]
pub enum ApiTags {
    /// Sign-in with Microsoft, tokens, sign-out.
    Auth,
    /// Your profile and other users.
    User,
    /// API keys: scripts and integrations acting for their owner, never beyond the owner.
    #[oai(rename = "API Key")]
    ApiKey,
    /// Roles and their grants.
    Role,
    /// Companies synced from ConnectWise.
    Company,
    /// The credential vault: credentials of each company, with secure values sealed.
    Credential,
    /// Credential types: the fields each kind of credential has.
    CredentialType,
    /// The audit trail: every change, refusal and reveal of secure values, hash-chained.
    Audit,
    /// The permission catalog.
    Permissions,
    /// The procurement catalog synced from ConnectWise, and links between its items.
    Procurement,
    /// The sales pipeline (opportunities) synced from ConnectWise, with live details.
    Sales,
    /// How current the copies of ConnectWise and UniFi records are.
    Sync,
    /// Live control of UniFi networks, and the UniFi sites Optima tracks.
    #[oai(rename = "UniFi")]
    Unifi,
    /// Odds and ends.
    Utility,
}

pub use authorized::{Authorized, BearerAuth, Public};

/// A refresh token in the `x-refresh-token` header.
#[derive(Debug, SecurityScheme)]
#[oai(ty = "api_key", key_name = "x-refresh-token", key_in = "header")]
pub struct RefreshTokenAuth(pub ApiKey);
