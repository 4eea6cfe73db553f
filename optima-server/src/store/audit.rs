//! The audit trail's SQL: appending to the chain, snapshots of the records a write changes,
//! listing, walking and pruning.
//!
//! An audited write snapshots its record in its own transaction before and after writing
//! ([`Recorder`]) and appends the difference there, so the change and its event commit together.
//! Appends are serialised per database (SQLite's single writer; a PostgreSQL advisory lock held
//! to commit), which keeps one chain however many replicas write, and keeps `seq` in commit
//! order, so a cursor over it is stable while others write.

use chrono::{DateTime, Utc};
use optima_core::vault::{RevealKind, RevealRecord};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::any::{AnyArguments, AnyQueryResult};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Column, Row};

use super::{SqlStore, Stored};
use crate::audit::chain::{GENESIS, event_hash};
use crate::audit::context::{self, RequestAudit};
use crate::audit::diff::{diff, mark};
use crate::audit::{AuditEvent, NewEvent, Outcome};
use crate::db::{Backend, timestamp};

/// Events removed per transaction when pruning.
const PRUNE_BATCH: i64 = 10_000;

/// The operation id of the event a pruning appends.
pub const PRUNE_OPERATION: &str = "pruneAuditEvents";

/// What a pruning event records: where the kept chain now starts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pruned {
    /// The last event removed: the checkpoint's seq.
    pub pruned_through_seq: i64,
    /// Its hash: the checkpoint's hash.
    pub checkpoint_hash: String,
    /// How many were removed.
    pub removed: u64,
}

/// An arbitrary constant: the PostgreSQL advisory lock that makes appends take turns.
const APPEND_LOCK: i64 = 0x0a0d_17c4;

/// A kind of record an audited write changes, and how to snapshot one: its row (secrets left
/// out) and what hangs off it.
#[derive(Debug)]
pub struct Resource {
    /// The kind, as events name it.
    pub kind: &'static str,
    /// Selects the record's row by id (`$1`).
    row: &'static str,
    /// Whether `row` may take `FOR UPDATE` (on PostgreSQL, so that "before" is what the write
    /// changes, not what it was a moment earlier).
    lockable: bool,
    /// Columns never written to the trail (hashes of secrets, bookkeeping).
    omit: &'static [&'static str],
    /// Columns written only as "changed" (free text that may hold what a vault holds).
    masked: &'static [&'static str],
    /// Columns the server writes as JSON (grant lists, field definitions), compared as JSON.
    /// Every other text column is compared as the text it is, whatever it looks like.
    json: &'static [&'static str],
    /// Rows hanging off the record, by its id (`$1`): one column gives a list, two (key,
    /// value) a map, three (key, value, secure) a map of values written only as "changed".
    children: &'static [(&'static str, &'static str)],
}

/// Roles: their title, moniker and grants.
pub const ROLE: Resource = Resource {
    kind: "role",
    row: "SELECT * FROM roles WHERE id = $1",
    lockable: true,
    omit: &[],
    masked: &[],
    json: &["permissions"],
    children: &[],
};

/// Users: profile, direct grants, roles, sessions' cut-off.
pub const USER: Resource = Resource {
    kind: "user",
    row: "SELECT * FROM users WHERE id = $1",
    lockable: true,
    omit: &["email_key"],
    masked: &[],
    json: &["permissions"],
    children: &[(
        "roles",
        "SELECT r.moniker FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
         WHERE ur.user_id = $1 ORDER BY ur.position",
    )],
};

/// A sign-in's refresh tokens (a family): never their hashes, only how many and whether revoked.
pub const SESSION: Resource = Resource {
    kind: "session",
    row: "SELECT family_id, user_id, COUNT(*) AS tokens, MAX(revoked_at) AS revoked_at \
          FROM refresh_tokens WHERE family_id = $1 GROUP BY family_id, user_id",
    lockable: false,
    omit: &[],
    masked: &[],
    json: &[],
    children: &[],
};

/// API keys (never the secret's hash).
pub const API_KEY: Resource = Resource {
    kind: "api_key",
    row: "SELECT * FROM api_keys WHERE id = $1",
    lockable: true,
    omit: &["secret_hash", "last_used_at", "last_used_address"],
    masked: &[],
    json: &["permissions"],
    children: &[],
};

/// Credential types: name, scope, icon, field definitions.
pub const CREDENTIAL_TYPE: Resource = Resource {
    kind: "credential_type",
    row: "SELECT * FROM credential_types WHERE id = $1",
    lockable: true,
    omit: &["name_key"],
    masked: &[],
    json: &["fields"],
    children: &[],
};

/// Credentials and sub-credentials: their notes and field values only ever as "changed".
pub const CREDENTIAL: Resource = Resource {
    kind: "credential",
    row: "SELECT * FROM credentials WHERE id = $1",
    lockable: true,
    omit: &[],
    masked: &["notes"],
    json: &["schema_path"],
    children: &[
        (
            "fields",
            "SELECT field_id, value, secure FROM credential_fields WHERE credential_id = $1 \
             ORDER BY position",
        ),
        (
            "subCredentials",
            "SELECT id FROM credentials WHERE parent_id = $1 ORDER BY id",
        ),
    ],
};

/// Catalog items and what they are linked to.
pub const CATALOG_ITEM: Resource = Resource {
    kind: "catalog_item",
    row: "SELECT * FROM catalog_items WHERE id = $1",
    lockable: true,
    omit: &["search_key"],
    masked: &[],
    json: &[],
    children: &[(
        "linkedTo",
        "SELECT target_id FROM catalog_links WHERE source_id = $1 ORDER BY target_id",
    )],
};

/// UniFi sites as Optima keeps them (the company they are linked to).
pub const UNIFI_SITE: Resource = Resource {
    kind: "unifi_site",
    row: "SELECT * FROM unifi_sites WHERE id = $1",
    lockable: true,
    omit: &[],
    masked: &[],
    json: &[],
    children: &[],
};

/// Opportunities as synced from ConnectWise.
pub const OPPORTUNITY: Resource = Resource {
    kind: "opportunity",
    row: "SELECT * FROM opportunities WHERE id = $1",
    lockable: true,
    omit: &["search_key"],
    masked: &[],
    json: &[],
    children: &[],
};

/// A record an audited write is about to change, as it was: [`Recorder::after`] compares it with
/// what the write left and appends the event, in the same transaction. Outside a request (a
/// sync, the CLI) it does nothing.
#[derive(Debug)]
#[must_use = "an audited write ends with `after`"]
pub struct Recorder {
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    audit: RequestAudit,
    resource: &'static Resource,
    id: String,
    before: Option<Value>,
}

impl Recorder {
    /// Snapshots `id` before the write (nothing, if it does not exist yet).
    pub async fn before(
        conn: &mut AnyConnection,
        resource: &'static Resource,
        id: &str,
    ) -> Stored<Recorder> {
        let Some(audit) = context::current() else {
            return Ok(Recorder { pending: None });
        };
        let before = snapshot(conn, resource, id, true).await?;
        Ok(Recorder {
            pending: Some(Pending {
                audit,
                resource,
                id: id.to_owned(),
                before,
            }),
        })
    }

    /// Snapshots the record after the write and appends the event with the difference.
    pub async fn after(self, conn: &mut AnyConnection, backend: Backend) -> Stored<()> {
        let Some(pending) = self.pending else {
            return Ok(());
        };
        let after = snapshot(conn, pending.resource, &pending.id, false).await?;
        if pending.before.is_none() && after.is_none() {
            // Nothing was there and nothing is: the write found nothing to change (a 404).
            return Ok(());
        }
        let changes = diff(pending.before.as_ref(), after.as_ref());
        if changes.as_object().is_some_and(|c| c.is_empty()) {
            // Nothing changed (a key revoked twice): no event. A route that changed nothing
            // still gets one from the trail middleware, without a difference.
            return Ok(());
        }
        let event = event_for(
            &pending.audit,
            Outcome::Succeeded,
            pending.resource,
            &pending.id,
            changes,
        );
        append(conn, backend, event).await?;
        context::recorded();
        Ok(())
    }
}

fn event_for(
    audit: &RequestAudit,
    outcome: Outcome,
    resource: &Resource,
    id: &str,
    changes: Value,
) -> NewEvent {
    NewEvent {
        outcome: outcome.as_str(),
        operation_id: audit.operation_id().to_owned(),
        actor_user_id: audit.actor.as_ref().map(|a| a.user_id.clone()),
        api_key_id: audit.actor.as_ref().and_then(|a| a.api_key_id.clone()),
        resource_kind: Some(resource.kind.to_owned()),
        resource_id: Some(id.to_owned()),
        request_id: audit.request_id.clone(),
        client_address: audit.client_address.clone(),
        changes: Some(changes.to_string()),
    }
}

/// Records a reveal of secure values of a credential in the request in progress: which
/// fields and what of them (live values, a code, an earlier version), never what they hold.
pub(crate) async fn record_reveal(
    conn: &mut AnyConnection,
    backend: Backend,
    record: &RevealRecord,
) -> Stored<()> {
    let Some(audit) = context::current() else {
        return Ok(());
    };
    let credential_id = record.credential_id.as_str();
    let mut revealed = serde_json::json!({ "revealedFields": record.field_ids });
    if record.kind != RevealKind::Value {
        revealed["kind"] = record.kind.as_str().into();
    }
    if let Some(version) = record.version {
        revealed["version"] = version.into();
    }
    let event = event_for(
        &audit,
        Outcome::Revealed,
        &CREDENTIAL,
        credential_id,
        revealed,
    );
    append(conn, backend, event).await?;
    context::recorded();
    Ok(())
}

/// A record as JSON: its row's columns (but the omitted ones; the masked ones as marks; the
/// JSON ones as JSON, so a grant list's difference is a list) and its children. With `lock`, on
/// PostgreSQL, the row stays locked until the transaction ends.
async fn snapshot(
    conn: &mut AnyConnection,
    resource: &Resource,
    id: &str,
    lock: bool,
) -> Stored<Option<Value>> {
    let locking = lock && resource.lockable && conn.backend_name() == "PostgreSQL";
    let sql = if locking {
        std::borrow::Cow::Owned(format!("{} FOR UPDATE", resource.row))
    } else {
        std::borrow::Cow::Borrowed(resource.row)
    };
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut record = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let name = column.name();
        if resource.omit.contains(&name) {
            continue;
        }
        let value = match column_value(&row, i) {
            Value::String(text) if resource.masked.contains(&name) => mark(&text, false),
            Value::String(text) if resource.json.contains(&name) => {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            }
            value => value,
        };
        record.insert(name.to_owned(), value);
    }
    for (name, sql) in resource.children {
        let rows = sqlx::query(sql).bind(id).fetch_all(&mut *conn).await?;
        record.insert((*name).to_owned(), children_value(&rows));
    }
    Ok(Some(Value::Object(record)))
}

fn column_value(row: &AnyRow, i: usize) -> Value {
    if let Ok(Some(n)) = row.try_get::<Option<i64>, _>(i) {
        return n.into();
    }
    if let Ok(Some(x)) = row.try_get::<Option<f64>, _>(i) {
        return x.into();
    }
    if let Ok(Some(b)) = row.try_get::<Option<bool>, _>(i) {
        return b.into();
    }
    match row.try_get::<Option<String>, _>(i) {
        Ok(Some(text)) => Value::String(text),
        _ => Value::Null,
    }
}

fn children_value(rows: &[AnyRow]) -> Value {
    let width = rows.first().map_or(1, |r| r.columns().len());
    if width == 1 {
        return rows.iter().map(|r| column_value(r, 0)).collect();
    }
    let mut map = Map::new();
    for row in rows {
        let key = match column_value(row, 0) {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let value = if width >= 3 {
            // Compared in memory only: the trail says "changed", never the value.
            let secure = column_value(row, 2).as_i64().is_some_and(|s| s != 0);
            mark(&row.try_get::<String, _>(1).unwrap_or_default(), secure)
        } else {
            column_value(row, 1)
        };
        map.insert(key, value);
    }
    Value::Object(map)
}

/// Appends `event` to the chain in the caller's transaction: after the last event, or after
/// the checkpoint if every event before was pruned.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    event: NewEvent,
) -> Stored<AuditEvent> {
    if backend == Backend::Postgres {
        // Held until the transaction ends: the next append reads this one's hash.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let (last_seq, last_hash, last_at) = head(conn).await?;
    // Never before the event it follows: a replica whose clock runs behind must not make
    // pruning by time remove what it should keep, nor a time filter skip what it should show.
    let now = timestamp(Utc::now());
    let at = match last_at {
        Some(last_at) if last_at > now => last_at,
        _ => now,
    };
    let mut stored = AuditEvent {
        seq: last_seq + 1,
        at,
        outcome: event.outcome.to_owned(),
        operation_id: event.operation_id,
        actor_user_id: event.actor_user_id,
        api_key_id: event.api_key_id,
        resource_kind: event.resource_kind,
        resource_id: event.resource_id,
        request_id: event.request_id,
        client_address: event.client_address,
        changes: event.changes,
        prev_hash: last_hash,
        hash: String::new(),
    };
    stored.hash = event_hash(&stored);
    sqlx::query(&format!(
        "INSERT INTO audit_events ({EVENT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(stored.seq)
    .bind(&stored.at)
    .bind(&stored.outcome)
    .bind(&stored.operation_id)
    .bind(&stored.actor_user_id)
    .bind(&stored.api_key_id)
    .bind(&stored.resource_kind)
    .bind(&stored.resource_id)
    .bind(&stored.request_id)
    .bind(&stored.client_address)
    .bind(&stored.changes)
    .bind(&stored.prev_hash)
    .bind(&stored.hash)
    .execute(&mut *conn)
    .await?;
    Ok(stored)
}

const EVENT_COLUMNS: &str = "seq, at, outcome, operation_id, actor_user_id, api_key_id, \
     resource_kind, resource_id, request_id, client_address, changes, prev_hash, hash";

/// The last event's seq, hash and time; or the checkpoint's seq and hash; or `(0, GENESIS)`.
async fn head(conn: &mut AnyConnection) -> Stored<(i64, String, Option<String>)> {
    let last = sqlx::query("SELECT seq, hash, at FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = last {
        return Ok((
            row.try_get("seq")?,
            row.try_get("hash")?,
            row.try_get("at")?,
        ));
    }
    let (seq, hash) = checkpoint_on(conn).await?;
    Ok((seq, hash, None))
}

async fn checkpoint_on(conn: &mut AnyConnection) -> Stored<(i64, String)> {
    let checkpoint = sqlx::query("SELECT seq, hash FROM audit_checkpoint WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match checkpoint {
        Some(row) => (row.try_get("seq")?, row.try_get("hash")?),
        None => (0, GENESIS.to_owned()),
    })
}

fn event_from_row(row: &AnyRow) -> Stored<AuditEvent> {
    Ok(AuditEvent {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        outcome: row.try_get("outcome")?,
        operation_id: row.try_get("operation_id")?,
        actor_user_id: row.try_get("actor_user_id")?,
        api_key_id: row.try_get("api_key_id")?,
        resource_kind: row.try_get("resource_kind")?,
        resource_id: row.try_get("resource_id")?,
        request_id: row.try_get("request_id")?,
        client_address: row.try_get("client_address")?,
        changes: row.try_get("changes")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Which events to list: every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Made by this user.
    pub actor_user_id: Option<String>,
    /// Made with this API key.
    pub api_key_id: Option<String>,
    /// Through this operation.
    pub operation_id: Option<String>,
    /// About this kind of record.
    pub resource_kind: Option<String>,
    /// About this record.
    pub resource_id: Option<String>,
    /// This outcome.
    pub outcome: Option<String>,
    /// At or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Before this time.
    pub until: Option<DateTime<Utc>>,
    /// Older than this event (the cursor of the page before).
    pub before_seq: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

impl SqlStore {
    /// Runs `write` in a transaction of its own, audited as a change to `resource` `id`.
    pub(crate) async fn audited<T>(
        &self,
        resource: &'static Resource,
        id: &str,
        write: impl AsyncFnOnce(&mut AnyConnection) -> Stored<T>,
    ) -> Stored<T> {
        let mut tx = self.db().begin().await?;
        let audit = Recorder::before(&mut tx, resource, id).await?;
        let out = write(&mut tx).await?;
        audit.after(&mut tx, self.backend()).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Runs one statement in a transaction of its own, audited as a change to `resource` `id`.
    pub(crate) async fn audited_write<'q>(
        &self,
        resource: &'static Resource,
        id: &str,
        statement: Query<'q, Any, AnyArguments<'q>>,
    ) -> Stored<AnyQueryResult> {
        self.audited(resource, id, async |conn| {
            Ok(statement.execute(conn).await?)
        })
        .await
    }

    /// Appends an event in a transaction of its own (a refusal, a change made at a vendor).
    pub async fn append_audit_event(&self, event: NewEvent) -> Stored<AuditEvent> {
        let mut tx = self.db().begin().await?;
        let stored = append(&mut tx, self.backend(), event).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Events matching `query`, newest first.
    pub async fn audit_events(&self, query: &EventQuery) -> Stored<Vec<AuditEvent>> {
        let mut clauses = Vec::new();
        let mut args: Vec<String> = Vec::new();
        let mut push = |clause: &str, value: String| {
            args.push(value);
            clauses.push(clause.replace('?', &format!("${}", args.len())));
        };
        let filters = [
            ("actor_user_id = ?", &query.actor_user_id),
            ("api_key_id = ?", &query.api_key_id),
            ("operation_id = ?", &query.operation_id),
            ("resource_kind = ?", &query.resource_kind),
            ("resource_id = ?", &query.resource_id),
            ("outcome = ?", &query.outcome),
        ];
        for (clause, value) in filters {
            if let Some(value) = value {
                push(clause, value.clone());
            }
        }
        if let Some(since) = query.since {
            push("at >= ?", timestamp(since));
        }
        if let Some(until) = query.until {
            push("at < ?", timestamp(until));
        }
        let n = args.len();
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM audit_events WHERE ");
        for clause in &clauses {
            sql.push_str(clause);
            sql.push_str(" AND ");
        }
        sql.push_str(&format!(
            "seq < ${} ORDER BY seq DESC LIMIT ${}",
            n + 1,
            n + 2
        ));
        let mut select = sqlx::query(&sql);
        for arg in &args {
            select = select.bind(arg);
        }
        let rows = select
            .bind(query.before_seq.unwrap_or(i64::MAX))
            .bind(query.limit)
            .fetch_all(&self.db().pool)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Up to `limit` events after `seq`, oldest first: for walking or exporting the chain.
    pub async fn audit_events_after(&self, seq: i64, limit: i64) -> Stored<Vec<AuditEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.db().pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The seq of the first event at or after `at` (for an export from a time), if any.
    pub async fn first_audit_seq_since(&self, at: DateTime<Utc>) -> Stored<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT MIN(seq) FROM audit_events WHERE at >= $1")
                .bind(timestamp(at))
                .fetch_one(&self.db().pool)
                .await?,
        )
    }

    /// Where the kept chain starts: the last pruned event's seq and hash, or `(0, GENESIS)`.
    pub async fn audit_checkpoint(&self) -> Stored<(i64, String)> {
        let mut conn = self.db().pool.acquire().await?;
        checkpoint_on(&mut conn).await
    }

    /// Removes events older than `cutoff`, keeping the chain verifiable: the last one removed
    /// becomes the checkpoint the first one kept follows, and an event after the ones kept says
    /// so (`pruneAuditEvents`, with the checkpoint's seq and hash), which `audit verify` holds the
    /// checkpoint to. In batches, each its own transaction, so that writers wait for one batch
    /// at most. Answers how many were removed.
    pub async fn prune_audit_events(&self, cutoff: DateTime<Utc>) -> Stored<u64> {
        let mut removed = 0;
        while let Some(batch) = self.prune_audit_batch(cutoff).await? {
            removed += batch;
            // A short batch reached the last old event. Stopping there matters when the cutoff
            // is in the future: each batch's own event would be old enough for the next.
            if batch < PRUNE_BATCH as u64 {
                break;
            }
        }
        Ok(removed)
    }

    /// Prunes up to [`PRUNE_BATCH`] events older than `cutoff`; `None` when none is left.
    async fn prune_audit_batch(&self, cutoff: DateTime<Utc>) -> Stored<Option<u64>> {
        let mut tx = self.db().begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(APPEND_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        // Never the newest event: the chain's head stays in the table. Seqs have no gaps, so
        // the batch ends at the first seq plus its size, or at the last old event.
        let last_old: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(seq) FROM audit_events \
             WHERE at < $1 AND seq < (SELECT MAX(seq) FROM audit_events)",
        )
        .bind(timestamp(cutoff))
        .fetch_one(&mut *tx)
        .await?;
        let Some(last_old) = last_old else {
            return Ok(None);
        };
        let first: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM audit_events")
            .fetch_one(&mut *tx)
            .await?;
        let through = first.map_or(last_old, |first| last_old.min(first + PRUNE_BATCH - 1));
        let hash: Option<String> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE seq = $1")
                .bind(through)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(hash) = hash else {
            return Ok(None);
        };
        let removed = sqlx::query("DELETE FROM audit_events WHERE seq <= $1")
            .bind(through)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM audit_checkpoint WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO audit_checkpoint (id, seq, hash, pruned_at) VALUES (1, $1, $2, $3)",
        )
        .bind(through)
        .bind(&hash)
        .bind(timestamp(Utc::now()))
        .execute(&mut *tx)
        .await?;
        let pruned = Pruned {
            pruned_through_seq: through,
            checkpoint_hash: hash,
            removed,
        };
        let event = NewEvent {
            outcome: Outcome::Succeeded.as_str(),
            operation_id: PRUNE_OPERATION.into(),
            resource_kind: Some("audit_events".into()),
            changes: Some(serde_json::to_string(&pruned).unwrap_or_default()),
            ..NewEvent::default()
        };
        append(&mut tx, self.backend(), event).await?;
        tx.commit().await?;
        Ok(Some(removed))
    }
}
