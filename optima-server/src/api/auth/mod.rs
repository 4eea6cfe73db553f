//! Sign-in with Microsoft Entra ID (authorization code + PKCE), token delivery on a WebSocket
//! or by a one-time exchange, refresh-token rotation, sign-out.
//!
//! The flow: `GET /auth/uri` stores a PKCE verifier under a random OAuth `state` together with
//! the hash of a separate secret `callbackKey`, and returns the login URL and the key. The
//! browser comes back to `GET /auth/redirect` with `code` and `state`; the server exchanges the
//! code, reads the user from Graph `/me`, and records the outcome under the key's hash. The
//! client collects it on `GET /v1/auth/socket?callbackKey=…` or `POST /v1/auth/exchange`; tokens
//! are minted only then. Everything goes through the database, so the redirect and the socket
//! may land on different replicas.

pub mod models;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use optima_core::store::UserStore;
use poem::web::websocket::{Message, WebSocket};
use poem::web::{Data, Query};
use poem::{IntoResponse, handler};
use poem_openapi::OpenApi;
use poem_openapi::param::Query as OQuery;
use poem_openapi::payload::Html;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use self::models::{AuthUri, Exchange, RedirectPage, SignedOut, Tokens};
use super::common::{ApiError, Created201, JsonBody, Ok200};
use super::{ApiTags, Authorized, Public, RefreshTokenAuth};
use crate::auth::sign_in::{MicrosoftError, exchange_code, microsoft, provision_user};
use crate::auth::tokens::{hash_secret, random_token};
use crate::routes;
use crate::state::AppState;
use crate::store::sign_in::RefreshOutcome;

/// How long a sign-in may take from `/auth/uri` to collecting its tokens.
const SIGN_IN_WINDOW_SECS: i64 = 600;
/// How often a socket looks for its sign-in's outcome.
const SOCKET_POLL: Duration = Duration::from_millis(200);

/// `/auth`.
#[derive(Debug)]
pub struct AuthApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// A failure page for the browser coming back from Microsoft. It stays open so that the user
/// can read why (a self-closing page would vanish before anyone read it).
fn page(title: &str, text: &str) -> Html<String> {
    page_with(title, text, "")
}

/// The success page: nothing left to read, so it closes itself where the browser lets it (a
/// window that a script opened, such as a web client's sign-in popup).
fn signed_in_page() -> Html<String> {
    page_with(
        "Signed in",
        "You can close this window.",
        "<script>setTimeout(function(){window.close()},1500)</script>",
    )
}

fn page_with(title: &str, text: &str, script: &str) -> Html<String> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1><p>{x}</p>{script}</body></html>",
        t = escape(title),
        x = escape(text)
    ))
}

async fn tokens_for(state: &AppState, user_id: &str) -> Result<Tokens, ApiError> {
    let pair = state.issue_tokens(user_id, None).await?;
    Ok(Tokens {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
    })
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Auth")]
impl AuthApi {
    /// The Microsoft login URL and a secret callback key. Open the URL in a browser, then
    /// collect the tokens with the key on the WebSocket `GET /v1/auth/socket?callbackKey=…`
    /// (tokens arrive as one JSON message in the envelope) or `POST /v1/auth/exchange`.
    async fn uri(&self, route: Public<routes::GetAuthUri>) -> Result<Ok200<AuthUri>, ApiError> {
        let ms = microsoft(&self.state)?;
        let state = random_token();
        let callback_key = random_token();
        let verifier = random_token();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        self.state
            .store
            .create_auth_request(
                &state,
                &hash_secret(&callback_key),
                &verifier,
                Utc::now().timestamp() + SIGN_IN_WINDOW_SECS,
            )
            .await?;
        let mut url = url::Url::parse(&format!(
            "{}/{}/oauth2/v2.0/authorize",
            ms.authority_url, ms.tenant_id
        ))
        .map_err(|e| ApiError::internal(&e))?;
        url.query_pairs_mut()
            .append_pair("client_id", &ms.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &ms.redirect_url)
            .append_pair("response_mode", "query")
            .append_pair("scope", "openid profile email User.Read")
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(route.ok(AuthUri {
            uri: url.to_string(),
            callback_key,
        }))
    }

    /// Where Microsoft sends the browser back. Exchanges the code (with the PKCE verifier),
    /// reads the user from Graph, and hands the outcome to the waiting client.
    async fn redirect(
        &self,
        _route: Public<routes::AuthRedirect>,
        /// The authorization code.
        code: OQuery<Option<String>>,
        /// The OAuth state from the login URL.
        state: OQuery<Option<String>>,
        /// Set by Microsoft when the user or the tenant refused.
        error: OQuery<Option<String>>,
        /// Microsoft's explanation of `error`.
        error_description: OQuery<Option<String>>,
    ) -> RedirectPage {
        let now = Utc::now().timestamp();
        let Some(oauth_state) = state.0 else {
            return RedirectPage::NotFound(page(
                "Sign-in failed",
                "This sign-in is unknown or has expired. Start again.",
            ));
        };
        let taken = match self.state.store.take_auth_request(&oauth_state, now).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "reading sign-in state");
                return RedirectPage::BadGateway(page(
                    "Sign-in failed",
                    "The server could not read the sign-in state.",
                ));
            }
        };
        let Some((key_hash, verifier)) = taken else {
            return RedirectPage::NotFound(page(
                "Sign-in failed",
                "This sign-in is unknown or has expired. Start again.",
            ));
        };
        let expires = now + SIGN_IN_WINDOW_SECS;
        let key_hash = &key_hash;
        let fail = |message: String| async move {
            let _ = self
                .state
                .store
                .put_auth_result(key_hash, Err(&message), expires)
                .await;
            message
        };
        if let Some(error) = error.0 {
            let reason = error_description.0.unwrap_or_default();
            let message = fail(format!("Microsoft refused the sign-in: {error} {reason}")).await;
            return RedirectPage::BadRequest(page("Sign-in failed", &message));
        }
        let Some(code) = code.0 else {
            let message = fail("The redirect carries no authorization code.".into()).await;
            return RedirectPage::BadRequest(page("Sign-in failed", &message));
        };
        let Ok(ms) = microsoft(&self.state) else {
            let message = fail("Microsoft sign-in is not configured.".into()).await;
            return RedirectPage::BadGateway(page("Sign-in failed", &message));
        };
        let me = match exchange_code(&self.state, ms, &code, &verifier).await {
            Ok(me) => me,
            Err(e) => {
                tracing::warn!(error = %e, "sign-in with Microsoft failed");
                let bad_request = matches!(e, MicrosoftError::Refused(_));
                let message = fail(e.to_string()).await;
                return if bad_request {
                    RedirectPage::BadRequest(page("Sign-in failed", &message))
                } else {
                    RedirectPage::BadGateway(page("Sign-in failed", &message))
                };
            }
        };
        let Some(email) = me.mail.clone().or(me.user_principal_name.clone()) else {
            let message = fail("Microsoft returned no email for this account.".into()).await;
            return RedirectPage::BadRequest(page("Sign-in failed", &message));
        };
        let login = me
            .user_principal_name
            .as_deref()
            .unwrap_or(&email)
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned();
        let name = me.display_name.clone().unwrap_or_else(|| login.clone());
        let user = match provision_user(&self.state, &email, &name, &login).await {
            Ok(user) => user,
            Err(e) => {
                let message = fail(e.body().message.clone()).await;
                return RedirectPage::BadGateway(page("Sign-in failed", &message));
            }
        };
        if let Err(e) = self
            .state
            .store
            .put_auth_result(key_hash, Ok(&user.id), expires)
            .await
        {
            tracing::error!(error = %e, "recording a sign-in");
            return RedirectPage::BadGateway(page(
                "Sign-in failed",
                "The server could not record the sign-in.",
            ));
        }
        tracing::info!(user = %user.id, "signed in");
        RedirectPage::Ok(signed_in_page())
    }

    /// Redeem a callback key once for the sign-in's tokens, for clients without WebSockets.
    /// 409 `SignInPending` while the user has not finished signing in: try again shortly.
    async fn exchange(
        &self,
        route: Public<routes::ExchangeCallbackKey>,
        body: JsonBody<Exchange>,
    ) -> Result<Created201<Tokens>, ApiError> {
        let now = Utc::now().timestamp();
        let hash = hash_secret(&body.0.callback_key);
        match self.state.store.take_auth_result(&hash, now).await? {
            Some(Ok(user_id)) => {
                crate::audit::context::set_actor(&user_id);
                Ok(route.created(tokens_for(&self.state, &user_id).await?))
            }
            Some(Err(message)) => Err(ApiError::unauthorized(message)),
            None if self.state.store.callback_key_known(&hash, now).await? => Err(ApiError::new(
                poem::http::StatusCode::CONFLICT,
                "SignInPending",
                "The sign-in has not finished yet; try again shortly.",
            )),
            None => Err(ApiError::not_found(
                "UnknownCallbackKey",
                "This callback key is unknown, expired or already used.",
            )),
        }
    }

    /// Exchange a refresh token for a new pair. Each refresh token works once; presenting a
    /// used one again revokes its whole family (someone else holds a copy).
    async fn refresh(
        &self,
        route: Public<routes::RefreshToken>,
        auth: RefreshTokenAuth,
    ) -> Result<Created201<Tokens>, ApiError> {
        let now = Utc::now().timestamp();
        let hash = hash_secret(&auth.0.key);
        match self.state.store.rotate_refresh_token(&hash, now).await? {
            RefreshOutcome::Rotated { family_id, user_id } => {
                crate::audit::context::set_actor(&user_id);
                if self.state.store.find_user(&user_id).await?.is_none() {
                    return Err(ApiError::unauthorized(
                        "The user of this token no longer exists",
                    ));
                }
                let pair = self.state.issue_tokens(&user_id, Some(family_id)).await?;
                Ok(route.created(Tokens {
                    access_token: pair.access_token,
                    refresh_token: pair.refresh_token,
                }))
            }
            RefreshOutcome::Reused { family_id } => {
                self.state.store.revoke_family(&family_id, now).await?;
                tracing::warn!(family = %family_id, "refresh token reused; family revoked");
                Err(ApiError::new(
                    poem::http::StatusCode::UNAUTHORIZED,
                    "RefreshTokenReused",
                    "This refresh token was already used; every token of its sign-in is now revoked.",
                ))
            }
            RefreshOutcome::Dead | RefreshOutcome::Unknown => {
                Err(ApiError::unauthorized("Invalid or expired refresh token"))
            }
        }
    }

    /// Sign out of one session: revokes the presented refresh token's family.
    async fn logout(
        &self,
        route: Public<routes::Logout>,
        auth: RefreshTokenAuth,
    ) -> Result<Ok200<SignedOut>, ApiError> {
        let hash = hash_secret(&auth.0.key);
        let (family, user_id) = self
            .state
            .store
            .refresh_token_family(&hash)
            .await?
            .ok_or_else(|| ApiError::unauthorized("Invalid refresh token"))?;
        crate::audit::context::set_actor(&user_id);
        self.state
            .store
            .revoke_family(&family, Utc::now().timestamp())
            .await?;
        Ok(route.ok(SignedOut { revoked: true }))
    }

    /// Sign out everywhere: every refresh token and every access token issued so far stop
    /// working.
    async fn logout_all(
        &self,
        caller: Authorized<routes::LogoutAll>,
    ) -> Result<Ok200<SignedOut>, ApiError> {
        if caller.api_key.is_some() {
            // Sessions are the owner's to end; a key is ended by revoking it.
            return Err(ApiError::forbidden(
                "An API key cannot sign its owner out; revoke the key instead",
            ));
        }
        self.state
            .store
            .revoke_user_sessions(&caller.user.id, Utc::now().timestamp_millis())
            .await?;
        Ok(caller.ok(SignedOut { revoked: true }))
    }
}

/// `callbackKey` on the socket URL.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocketParams {
    callback_key: Option<String>,
}

/// `GET /v1/auth/socket?callbackKey=…`: a WebSocket that receives the sign-in's tokens as one
/// JSON message (`{status: 201, message, data: {accessToken, refreshToken}, successful}`), or an
/// error envelope, then closes.
#[handler]
pub async fn auth_socket(
    Query(params): Query<SocketParams>,
    ws: WebSocket,
    Data(state): Data<&Arc<AppState>>,
) -> poem::Response {
    let Some(key) = params.callback_key else {
        return super::common::error_into_poem(ApiError::invalid(
            &["query", "callbackKey"],
            "callbackKey is required",
        ))
        .into_response();
    };
    let hash = hash_secret(&key);
    let now = Utc::now().timestamp();
    match state.store.callback_key_known(&hash, now).await {
        Ok(true) => {}
        Ok(false) => {
            return super::common::error_into_poem(ApiError::not_found(
                "UnknownCallbackKey",
                "This callback key is unknown, expired or already used.",
            ))
            .into_response();
        }
        Err(e) => return super::common::error_into_poem(e.into()).into_response(),
    }
    let state = state.clone();
    ws.on_upgrade(move |socket| async move {
        let (mut sink, mut stream) = socket.split();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(SIGN_IN_WINDOW_SECS as u64);
        let message = loop {
            let now = Utc::now().timestamp();
            match state.store.take_auth_result(&hash, now).await {
                Ok(Some(Ok(user_id))) => {
                    break match tokens_for(&state, &user_id).await {
                        Ok(tokens) => serde_json::json!({
                            "status": 201,
                            "message": routes::ExchangeCallbackKey::SPEC.message,
                            "data": {"accessToken": tokens.access_token, "refreshToken": tokens.refresh_token},
                            "successful": true,
                        }),
                        Err(e) => serde_json::to_value(e.body()).unwrap_or_default(),
                    };
                }
                Ok(Some(Err(message))) => {
                    break serde_json::to_value(ApiError::unauthorized(message).body())
                        .unwrap_or_default();
                }
                Ok(None) if tokio::time::Instant::now() < deadline => {}
                Ok(None) => {
                    break serde_json::to_value(
                        ApiError::unauthorized("The sign-in was not completed in time").body(),
                    )
                    .unwrap_or_default();
                }
                Err(e) => {
                    break serde_json::to_value(ApiError::from(e).body()).unwrap_or_default();
                }
            }
            // Wait, but notice a client that went away.
            tokio::select! {
                _ = tokio::time::sleep(SOCKET_POLL) => {}
                incoming = stream.next() => {
                    if matches!(incoming, None | Some(Err(_)) | Some(Ok(Message::Close(_)))) {
                        return;
                    }
                }
            }
        };
        let _ = sink.send(Message::Text(message.to_string())).await;
        let _ = sink.close().await;
    })
    .into_response()
}
