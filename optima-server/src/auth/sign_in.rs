//! Sign-in with Microsoft Entra ID: the code exchange with Microsoft and Graph, and finding or
//! creating the user who signed in. The routes that drive it are in [`crate::api::auth`].

use optima_core::store::{NewUser, RoleStore, User, UserStore};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::api::common::ApiError;
use crate::config::MicrosoftConfig;
use crate::state::AppState;

/// Microsoft sign-in settings; 503 when they are not configured.
pub fn microsoft(state: &AppState) -> Result<&MicrosoftConfig, ApiError> {
    state.config.microsoft.as_ref().ok_or_else(|| {
        ApiError::new(
            poem::http::StatusCode::SERVICE_UNAVAILABLE,
            "IntegrationNotConfigured",
            "Microsoft sign-in is not configured (OPTIMA_MICROSOFT_TENANT_ID, _CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URL)",
        )
    })
}

/// Graph's `/me`, the fields used.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphMe {
    /// The display name.
    pub display_name: Option<String>,
    /// The primary email address, when the account has a mailbox.
    pub mail: Option<String>,
    /// The sign-in name (an email address in form).
    pub user_principal_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
}

/// Why talking to Microsoft failed, for the client and the log (never with a secret).
#[derive(Debug, thiserror::Error)]
pub enum MicrosoftError {
    /// Microsoft answered, and refused (or answered what cannot be read).
    #[error("Microsoft refused the sign-in: {0}")]
    Refused(String),
    /// Microsoft did not answer.
    #[error("Microsoft could not be reached: {0}")]
    Unreachable(String),
}

/// Exchanges an authorization code (with its PKCE verifier) for a Graph token, and reads
/// the user from Graph `/me`.
pub async fn exchange_code(
    state: &AppState,
    ms: &MicrosoftConfig,
    code: &str,
    verifier: &str,
) -> Result<GraphMe, MicrosoftError> {
    let token_url = format!("{}/{}/oauth2/v2.0/token", ms.authority_url, ms.tenant_id);
    let response = state
        .http
        .post(&token_url)
        .form(&[
            ("client_id", ms.client_id.as_str()),
            ("client_secret", ms.client_secret.expose_secret()),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", ms.redirect_url.as_str()),
            ("code_verifier", verifier),
            ("scope", "openid profile email User.Read"),
        ])
        .send()
        .await
        .map_err(|e| MicrosoftError::Unreachable(e.without_url().to_string()))?;
    if !response.status().is_success() {
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let reason = body["error_description"]
            .as_str()
            .or(body["error"].as_str())
            .unwrap_or("no reason given")
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        return Err(MicrosoftError::Refused(format!("{status}: {reason}")));
    }
    let token: TokenResponse = response
        .json()
        .await
        .map_err(|e| MicrosoftError::Refused(format!("unreadable token response: {e}")))?;
    let me = state
        .http
        .get(format!("{}/v1.0/me", ms.graph_url))
        .bearer_auth(&token.access_token)
        .send()
        .await
        .map_err(|e| MicrosoftError::Unreachable(e.without_url().to_string()))?;
    if !me.status().is_success() {
        return Err(MicrosoftError::Refused(format!(
            "Graph /me answered {}",
            me.status()
        )));
    }
    me.json()
        .await
        .map_err(|e| MicrosoftError::Refused(format!("unreadable Graph /me: {e}")))
}

/// Finds the user signing in, or creates them with the default roles (and the admin role when
/// their email is a bootstrap admin).
pub async fn provision_user(
    state: &AppState,
    email: &str,
    name: &str,
    login: &str,
) -> Result<User, ApiError> {
    if let Some(user) = state.store.find_user_by_email(email).await? {
        return Ok(user);
    }
    let mut roles = Vec::new();
    let mut monikers: Vec<&str> = state
        .config
        .default_roles
        .iter()
        .map(String::as_str)
        .collect();
    if state
        .config
        .bootstrap_admins
        .iter()
        .any(|a| a.eq_ignore_ascii_case(email))
    {
        monikers.push(crate::app::ADMIN_ROLE);
    }
    for moniker in monikers {
        match state.store.find_role(moniker).await? {
            Some(role) if !roles.contains(&role.id) => roles.push(role.id),
            Some(_) => {}
            None => tracing::warn!(moniker, "default role does not exist; not assigned"),
        }
    }
    let created = state
        .store
        .create_user(NewUser {
            name: name.to_owned(),
            email: email.to_owned(),
            login: login.to_owned(),
            image: None,
            roles,
        })
        .await;
    match created {
        Ok(user) => Ok(user),
        // Two sign-ins of a new user racing: the other one created it.
        Err(optima_core::Error::Conflict { .. }) => state
            .store
            .find_user_by_email(email)
            .await?
            .ok_or_else(|| ApiError::internal(&"user vanished after a conflict")),
        Err(e) => Err(e.into()),
    }
}
