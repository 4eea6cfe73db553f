//! The middleware that opens each request's audit context and, after the handler, writes the
//! events no store write could: a refusal, or a change made only at a vendor.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Request, Response};

use super::context::{self, RequestAudit};
use super::{NewEvent, Outcome};
use crate::routes::RouteSpec;
use crate::state::AppState;

/// The id `observe` gave the request, for the events it causes.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Runs the request in an audit context; then records a 403 as a refusal, and a successful
/// change that no store write recorded (one made at a vendor) as a change without a diff.
pub async fn trail<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let state = req.data::<Arc<AppState>>().cloned();
    let path = req.uri().path().to_owned();
    let audit = RequestAudit {
        request_id: req.data::<RequestId>().map(|id| id.0.clone()),
        client_address: crate::api::credentials::client_address(&req),
        ..RequestAudit::default()
    };
    let (result, audit) = context::scope(audit, next.call(req)).await;
    let response = match result {
        Ok(response) => response.into_response(),
        Err(e) => return Err(after_error(state, &path, audit, e).await),
    };
    let status = response.status();
    if let (Some(state), Some(route)) = (state, audit.route) {
        let outcome = if status == poem::http::StatusCode::FORBIDDEN {
            Some(Outcome::Denied)
        } else if status.is_success() && route.changes_state && audit.recorded == 0 {
            Some(Outcome::Succeeded)
        } else {
            None
        };
        if let Some(outcome) = outcome {
            append(&state, route, &path, &audit, outcome).await;
        }
    }
    Ok(response)
}

async fn after_error(
    state: Option<Arc<AppState>>,
    path: &str,
    audit: RequestAudit,
    error: poem::Error,
) -> poem::Error {
    if error.status() == poem::http::StatusCode::FORBIDDEN
        && let (Some(state), Some(route)) = (state, audit.route)
    {
        append(&state, route, path, &audit, Outcome::Denied).await;
    }
    error
}

async fn append(
    state: &AppState,
    route: &'static RouteSpec,
    path: &str,
    audit: &RequestAudit,
    outcome: Outcome,
) {
    let (resource_kind, resource_id) = resource_of(route, path);
    let event = NewEvent {
        outcome: outcome.as_str(),
        operation_id: route.operation_id.to_owned(),
        actor_user_id: audit.actor.as_ref().map(|a| a.user_id.clone()),
        api_key_id: audit.actor.as_ref().and_then(|a| a.api_key_id.clone()),
        resource_kind: Some(resource_kind),
        resource_id,
        request_id: audit.request_id.clone(),
        client_address: audit.client_address.clone(),
        changes: None,
    };
    // The request is answered either way; a trail that cannot be written is an operator's
    // alarm, not the caller's error.
    if let Err(e) = state.store.append_audit_event(event).await {
        tracing::error!(
            error = %e,
            operation = route.operation_id,
            "could not write an audit event"
        );
    }
}

/// What a route's request is about, read from its path: the record its last parameter names,
/// of the kind the segment before it says (`/unifi/site/:id/wifi/:wlanId` → `wifi`, the WLAN).
fn resource_of(route: &RouteSpec, request_path: &str) -> (String, Option<String>) {
    let pattern: Vec<&str> = route.path.split('/').filter(|s| !s.is_empty()).collect();
    let actual: Vec<&str> = request_path
        .trim_start_matches("/v1")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let last_param = pattern.iter().rposition(|s| s.starts_with(':'));
    match last_param {
        Some(i) => {
            let kind = i
                .checked_sub(1)
                .map(|k| pattern[k])
                .unwrap_or(pattern[0])
                .to_owned();
            (kind, actual.get(i).map(|s| (*s).to_owned()))
        }
        None => (pattern.first().copied().unwrap_or("").to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes;

    #[test]
    fn a_request_names_the_record_its_path_ends_with() {
        assert_eq!(
            resource_of(routes::UpdateUnifiWifi::SPEC, "/v1/unifi/site/s1/wifi/w9"),
            ("wifi".into(), Some("w9".into()))
        );
        assert_eq!(
            resource_of(routes::SyncUnifiSites::SPEC, "/v1/unifi/sites/sync"),
            ("unifi".into(), None)
        );
    }
}
