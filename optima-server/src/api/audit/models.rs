//! The audit trail's request and response bodies.

use poem_openapi::{ApiResponse, Object};

use crate::audit::AuditEvent;

/// One event of the audit trail.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase")]
pub struct AuditEventOut {
    /// Its place in the chain (from 1, no gaps); also the cursor to page from.
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// `succeeded` (a change), `denied` (refused for want of a permission) or `revealed`
    /// (secure values shown: which fields, never what they hold).
    pub outcome: String,
    /// The operation called (`updateCredential`), or `pruneAuditEvents` for a pruning.
    pub operation_id: String,
    /// The user who made the request.
    #[oai(skip_serializing_if_is_none)]
    pub actor_user_id: Option<String>,
    /// The API key the request came with.
    #[oai(skip_serializing_if_is_none)]
    pub api_key_id: Option<String>,
    /// The kind of record (`credential`, `role`, `user`, `api_key`, …).
    #[oai(skip_serializing_if_is_none)]
    pub resource_kind: Option<String>,
    /// The record's id.
    #[oai(skip_serializing_if_is_none)]
    pub resource_id: Option<String>,
    /// The request's `x-request-id`.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
    /// The client's address as the server saw it.
    #[oai(skip_serializing_if_is_none)]
    pub client_address: Option<String>,
    /// What changed: `{"field": {"before": …, "after": …}}`, nested fields joined with dots; a
    /// secure value only as `{"secure": true, "changed": true}`. Absent for a refusal.
    #[oai(skip_serializing_if_is_none)]
    pub changes: Option<serde_json::Value>,
    /// The previous event's hash.
    pub prev_hash: String,
    /// SHA-256 of this event and `prevHash` (`optima-server audit verify` checks them).
    pub hash: String,
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        AuditEventOut {
            seq: e.seq,
            at: e.at,
            outcome: e.outcome,
            operation_id: e.operation_id,
            actor_user_id: e.actor_user_id,
            api_key_id: e.api_key_id,
            resource_kind: e.resource_kind,
            resource_id: e.resource_id,
            request_id: e.request_id,
            client_address: e.client_address,
            changes: e.changes.and_then(|text| serde_json::from_str(&text).ok()),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A page of the audit trail: `{status, message, data, nextCursor, successful}`.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct AuditEventPage {
    /// 200.
    pub status: u16,
    /// What happened.
    pub message: String,
    /// The events on this page, newest first.
    pub data: Vec<AuditEventOut>,
    /// Pass as `cursor` for the next (older) page; null on the last. Events written meanwhile
    /// never shift a page: they are newer than every cursor.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
    /// True.
    pub successful: bool,
}

/// 200 with a page of the audit trail.
#[derive(Debug, ApiResponse)]
pub enum AuditEventPageResponse {
    /// A page.
    #[oai(status = 200)]
    Ok(poem_openapi::payload::Json<AuditEventPage>),
}
