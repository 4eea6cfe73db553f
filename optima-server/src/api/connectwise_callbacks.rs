//! `POST /v1/connectwise/callbacks`: where ConnectWise Manage delivers callbacks. Public (no
//! token: ConnectWise signs each delivery instead), outside the documented API and its spec.
//!
//! The signature is checked against the raw body (see `optima_connectwise::callbacks`) before
//! anything is read from it; a bad one is a 401 that changes nothing. A good one is applied by
//! [`crate::sync::callbacks::apply`]: the record is fetched again and written, or marked deleted,
//! once per message.

use std::sync::Arc;

use bytes::Bytes;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use serde_json::json;

use super::common::{ApiError, error_into_poem};
use crate::integrations::not_configured;
use crate::routes::{self, RouteSpec};
use crate::state::AppState;
use crate::sync::SyncError;
use crate::sync::callbacks::{Applied, apply};

/// The header carrying a delivery's signature.
pub const SIGNATURE_HEADER: &str = "x-content-signature";

fn error(e: ApiError) -> Response {
    error_into_poem(e).into_response()
}

/// Receives one delivery.
#[handler]
pub async fn connectwise_callback(
    req: &Request,
    body: Bytes,
    Data(state): Data<&Arc<AppState>>,
) -> Response {
    // The audit trail names the route; there is no user behind a delivery.
    crate::audit::context::identify(routes::ConnectWiseCallback::SPEC, None);
    let Some(verifier) = state.integrations.connectwise_callbacks.as_ref() else {
        return error(not_configured("ConnectWise", "OPTIMA_CONNECTWISE_*"));
    };
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let delivery = match verifier.verify(&body, signature).await {
        Ok(delivery) => delivery,
        Err(optima_connectwise::Error::CallbackRejected { reason }) => {
            tracing::warn!(%reason, "ConnectWise callback rejected");
            return error(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "InvalidCallbackSignature",
                format!("Callback rejected: {reason}."),
            ));
        }
        // The signing key could not be fetched: ConnectWise's side; it retries.
        Err(e) => return error(e.into()),
    };
    match apply(state, &delivery).await {
        Ok(applied) => {
            tracing::info!(
                message_id = delivery.message_id.as_deref().unwrap_or_default(),
                kind = delivery.kind.as_deref().unwrap_or_default(),
                id = delivery.id,
                outcome = applied.as_str(),
                "ConnectWise callback"
            );
            let spec: &RouteSpec = routes::ConnectWiseCallback::SPEC;
            let reason = match &applied {
                Applied::Ignored(why) => Some(why.clone()),
                _ => None,
            };
            poem::web::Json(json!({
                "status": spec.status,
                "message": spec.message,
                "data": {"outcome": applied.as_str(), "reason": reason},
                "successful": true,
            }))
            .into_response()
        }
        Err(SyncError::ConnectWise(e)) => error((*e).into()),
        Err(SyncError::NotConfigured(vendor)) => {
            error(not_configured(vendor, "OPTIMA_CONNECTWISE_*"))
        }
        Err(e) => {
            tracing::warn!(error = %e, "a ConnectWise callback could not be applied");
            error(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CallbackNotApplied",
                "The callback could not be applied now; ConnectWise will deliver it again.",
            ))
        }
    }
}
