//! The audit trail: every change made through the API, every refused request and every reveal
//! of secure values, in one hash-chained record per database.
//!
//! How an event comes to be written:
//! - [`context`]: as a request comes in, it gets a task-local record of its id and client
//!   address; the route's extractor adds the route and the caller.
//! - A store write that changes a record snapshots it before and after, in its own transaction,
//!   and appends one event with the difference ([`crate::store::audit`]): the change and its
//!   event commit together or not at all.
//! - [`trail`]: after the handler, writes what no store write could: a refusal (403), or a
//!   successful change made only at a vendor (a UniFi Wi-Fi edit).
//!
//! What an event holds: [`AuditEvent`]; how the chain is hashed and checked: [`chain`]; how a
//! difference is written, with secure values only ever as "changed": [`diff`].

pub mod chain;
pub mod cli;
pub mod context;
pub mod diff;
mod trail;

pub use trail::{RequestId, trail};

use serde::{Deserialize, Serialize};

/// What became of the request an event records (also the `outcome` filter of
/// `GET /v1/audit/events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
pub enum Outcome {
    /// It changed what it names.
    Succeeded,
    /// It was refused for want of a permission (403).
    Denied,
    /// It revealed secure values (which fields, never the values).
    Revealed,
}

impl Outcome {
    /// As stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Denied => "denied",
            Outcome::Revealed => "revealed",
        }
    }
}

/// An event about to be appended: everything but its place in the chain.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    /// `succeeded`, `denied` or `revealed` ([`Outcome::as_str`]).
    pub outcome: &'static str,
    /// The route's operation id (`updateCredential`).
    pub operation_id: String,
    /// The user who made the request, if known.
    pub actor_user_id: Option<String>,
    /// The API key they made it with, if any.
    pub api_key_id: Option<String>,
    /// What kind of record it is about (`credential`, `role`).
    pub resource_kind: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
    /// Where the request came from.
    pub client_address: Option<String>,
    /// What changed, as JSON text ([`diff::diff`]); none for a refusal.
    pub changes: Option<String>,
}

/// One event of the trail, as stored: the hash covers every other field and `prev_hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Its place in the chain, from 1, with no gaps (until old events are pruned).
    pub seq: i64,
    /// When, RFC 3339 in UTC with milliseconds.
    pub at: String,
    /// `succeeded`, `denied` or `revealed`.
    pub outcome: String,
    /// The route's operation id.
    pub operation_id: String,
    /// The user who made the request.
    pub actor_user_id: Option<String>,
    /// The API key they made it with.
    pub api_key_id: Option<String>,
    /// The kind of record.
    pub resource_kind: Option<String>,
    /// The record's id.
    pub resource_id: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_address: Option<String>,
    /// What changed, as JSON text, exactly as hashed.
    pub changes: Option<String>,
    /// The previous event's hash (the checkpoint's, or 64 zeros, for the first).
    pub prev_hash: String,
    /// SHA-256 over this event and `prev_hash`, in hex.
    pub hash: String,
}
