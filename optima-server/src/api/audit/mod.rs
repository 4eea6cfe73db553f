//! `/audit/events`: the audit trail, filtered and paged by a cursor.

pub mod models;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem_openapi::OpenApi;
use poem_openapi::param::Query;

use self::models::{AuditEventOut, AuditEventPage, AuditEventPageResponse};
use super::common::ApiError;
use super::pagination::{DEFAULT_RPP, MAX_RPP};
use super::{ApiTags, Authorized};
use crate::audit::Outcome;
use crate::routes;
use crate::state::AppState;
use crate::store::audit::EventQuery;

/// `/audit/events`.
#[derive(Debug)]
pub struct AuditApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// The `cursor` parameter: the `seq` of the last event of the page before.
fn parse_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| {
            c.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    ApiError::invalid(
                        &["parameter", "cursor"],
                        "not a cursor: pass the nextCursor of the page before",
                    )
                })
        })
        .transpose()
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// The audit trail, newest first: every change made through the API (with what it changed;
    /// secure values only as "changed"), every request refused for want of a permission, and
    /// every reveal of secure values. Filters combine; `since` is inclusive, `until` exclusive
    /// (RFC 3339). Page with `cursor` (the `nextCursor` of the page before).
    // One parameter per documented query parameter.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        caller: Authorized<routes::ListAuditEvents>,
        /// Only events of this user.
        #[oai(name = "actorUserId")]
        actor_user_id: Query<Option<String>>,
        /// Only events of requests made with this API key.
        #[oai(name = "apiKeyId")]
        api_key_id: Query<Option<String>>,
        /// Only events of this operation (`updateCredential`).
        #[oai(name = "operationId")]
        operation_id: Query<Option<String>>,
        /// Only events about this kind of record (`credential`, `role`, `user`, `api_key`).
        #[oai(name = "resourceKind")]
        resource_kind: Query<Option<String>>,
        /// Only events about the record with this id.
        #[oai(name = "resourceId")]
        resource_id: Query<Option<String>>,
        /// Only events with this outcome.
        outcome: Query<Option<Outcome>>,
        /// Only events at or after this time.
        since: Query<Option<DateTime<Utc>>>,
        /// Only events before this time.
        until: Query<Option<DateTime<Utc>>>,
        /// Where to continue: the `nextCursor` of the page before.
        // An event's seq, in up to 18 digits so that it fits an i64.
        #[oai(validator(pattern = "^[1-9][0-9]{0,17}$"))]
        cursor: Query<Option<String>>,
        /// Events per page (default 30, at most 1000).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<i64>>,
    ) -> Result<AuditEventPageResponse, ApiError> {
        let limit = limit.0.unwrap_or(DEFAULT_RPP.into());
        if !(1..=i64::from(MAX_RPP)).contains(&limit) {
            return Err(ApiError::invalid(
                &["parameter", "limit"],
                format!("a whole number from 1 to {MAX_RPP}"),
            ));
        }
        let query = EventQuery {
            actor_user_id: actor_user_id.0,
            api_key_id: api_key_id.0,
            operation_id: operation_id.0,
            resource_kind: resource_kind.0,
            resource_id: resource_id.0,
            outcome: outcome.0.map(|o| o.as_str().to_owned()),
            since: since.0,
            until: until.0,
            before_seq: parse_cursor(cursor.0.as_deref())?,
            // One more than asked: whether there is a next page.
            limit: limit + 1,
        };
        let mut events = self.state.store.audit_events(&query).await?;
        let more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        let next_cursor = more
            .then(|| events.last().map(|e| e.seq.to_string()))
            .flatten();
        let r = caller.route();
        Ok(AuditEventPageResponse::Ok(poem_openapi::payload::Json(
            AuditEventPage {
                status: r.status,
                message: r.message.to_owned(),
                data: events.into_iter().map(AuditEventOut::from).collect(),
                next_cursor,
                successful: true,
            },
        )))
    }
}
