//! Bodies of the sign-in routes.

use poem_openapi::payload::Html;
use poem_openapi::{ApiResponse, Object};
use serde::Deserialize;

/// The login URL and the key that collects the sign-in's tokens.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct AuthUri {
    /// Open this in a browser.
    pub uri: String,
    /// Secret: present it on `GET /v1/auth/socket?callbackKey=…` or `POST /v1/auth/exchange`.
    pub callback_key: String,
}

/// An access token and its refresh token.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct Tokens {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use token for `POST /v1/auth/refresh` (`x-refresh-token`).
    pub refresh_token: String,
}

/// A callback key to redeem.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename_all = "camelCase")]
pub struct Exchange {
    /// The key `GET /v1/auth/uri` returned.
    #[oai(validator(max_length = 256))]
    pub callback_key: String,
}

/// The outcome of sign-out.
#[derive(Debug, Object)]
pub struct SignedOut {
    /// True once the tokens are revoked.
    pub revoked: bool,
}

/// The redirect's answer is a page for the browser that opened it.
#[derive(Debug, ApiResponse)]
pub enum RedirectPage {
    /// Signed in: the client receives its tokens on its socket or by exchange.
    #[oai(status = 200)]
    Ok(Html<String>),
    /// Microsoft refused the sign-in, or the redirect is malformed.
    #[oai(status = 400)]
    BadRequest(Html<String>),
    /// No sign-in in progress has this state (unknown, used or expired).
    #[oai(status = 404)]
    NotFound(Html<String>),
    /// Microsoft could not be reached or answered with an error.
    #[oai(status = 502)]
    BadGateway(Html<String>),
}
