//! Prometheus metrics, served at `/metrics` (unless `OPTIMA_METRICS=false`).
//!
//! Recorded through the `metrics` facade and rendered by `metrics-exporter-prometheus`. Every
//! label has a bounded set of values: operation ids from the route table (never raw paths),
//! status codes, vendor names, sync kinds and fixed outcome words.
//!
//! | metric | labels | what |
//! | --- | --- | --- |
//! | `optima_http_requests_total` | `operation`, `status` | requests answered |
//! | `optima_http_request_duration_seconds` | `operation` | latency histogram |
//! | `optima_vendor_calls_total` | `vendor`, `outcome` | every HTTP attempt at a vendor, by status class (`2xx` … `5xx`) or `no_answer` |
//! | `optima_vendor_calls_failed_total` | `vendor`, `outcome` | vendor calls that failed a request, by how |
//! | `optima_sync_runs_total` | `kind`, `outcome` | sync runs (`ok`, `busy`, `failed`) |
//! | `optima_sync_items_total` | `kind`, `change` | records a sync handled (`created`, `updated`, …) |
//! | `optima_sync_last_success_timestamp_seconds` | `kind`, `mode` | when the last `full` / `incremental` run of a kind finished |
//! | `optima_sync_last_duration_seconds` | `kind`, `mode` | how long it took |
//! | `optima_sync_last_fetched` | `kind`, `mode` | records it received |
//! | `optima_connectwise_callbacks_total` | `kind` | ConnectWise callbacks applied (`company`, `opportunity`) |
//! | `optima_connectwise_callback_lag_seconds` | `kind` | how long after the change at ConnectWise the newest callback was applied |

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::sync::{SyncError, SyncReport};

/// Requests answered, by operation id and status.
pub const HTTP_REQUESTS: &str = "optima_http_requests_total";
/// Request latency, by operation id.
pub const HTTP_DURATION: &str = "optima_http_request_duration_seconds";
/// Every HTTP attempt at a vendor, by vendor and outcome.
pub const VENDOR_CALLS: &str = "optima_vendor_calls_total";
/// Vendor calls that failed, by vendor and outcome.
pub const VENDOR_FAILURES: &str = "optima_vendor_calls_failed_total";
/// Sync runs, by kind and outcome.
pub const SYNC_RUNS: &str = "optima_sync_runs_total";
/// Records handled by syncs, by kind and change.
pub const SYNC_ITEMS: &str = "optima_sync_items_total";

/// When the last run of a kind and mode finished (Unix seconds).
pub const SYNC_LAST_SUCCESS: &str = "optima_sync_last_success_timestamp_seconds";
/// How long the last run of a kind and mode took.
pub const SYNC_LAST_DURATION: &str = "optima_sync_last_duration_seconds";
/// Records the last run of a kind and mode received.
pub const SYNC_LAST_FETCHED: &str = "optima_sync_last_fetched";
/// ConnectWise callbacks applied, by record type.
pub const CALLBACKS: &str = "optima_connectwise_callbacks_total";
/// How far behind the change the newest callback was applied, by record type.
pub const CALLBACK_LAG: &str = "optima_connectwise_callback_lag_seconds";

/// The operation label of requests that matched no documented operation (probes, docs, 404s).
pub const NO_OPERATION: &str = "none";

/// Latency buckets, seconds: from a cached read to a slow vendor call near its deadline.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use. Every server in one process (tests start
/// many) shares it: the `metrics` facade has one global recorder. `None` when another recorder
/// was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "Requests answered, by operation id and status."
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time from a request's arrival to its response, by operation id."
    );
    metrics::describe_counter!(
        VENDOR_CALLS,
        "HTTP attempts at a vendor (retries, logins and discovery included), by vendor and status class."
    );
    metrics::describe_counter!(
        VENDOR_FAILURES,
        "Vendor calls that failed, by vendor and outcome (timeout, unreachable, rejected, error)."
    );
    metrics::describe_counter!(SYNC_RUNS, "Sync runs, by kind and outcome.");
    metrics::describe_counter!(SYNC_ITEMS, "Records handled by syncs, by kind and change.");
    metrics::describe_gauge!(
        SYNC_LAST_SUCCESS,
        metrics::Unit::Seconds,
        "When the last run of a kind and mode (full, incremental) finished, Unix time."
    );
    metrics::describe_gauge!(
        SYNC_LAST_DURATION,
        metrics::Unit::Seconds,
        "How long the last run of a kind and mode took."
    );
    metrics::describe_gauge!(
        SYNC_LAST_FETCHED,
        "Records the last run of a kind and mode received."
    );
    metrics::describe_counter!(CALLBACKS, "ConnectWise callbacks applied, by record type.");
    metrics::describe_gauge!(
        CALLBACK_LAG,
        metrics::Unit::Seconds,
        "How long after the change at ConnectWise the newest callback was applied, by record type."
    );
}

/// A ConnectWise callback applied for a record of `kind`, `lag_ms` after the change.
pub fn callback_applied(kind: &str, lag_ms: i64) {
    let kind = if kind == "company" || kind == "opportunity" {
        kind.to_owned()
    } else {
        "other".to_owned()
    };
    metrics::counter!(CALLBACKS, "kind" => kind.clone()).increment(1);
    metrics::gauge!(CALLBACK_LAG, "kind" => kind).set(lag_ms as f64 / 1000.0);
}

/// One answered request.
pub fn request(operation: &'static str, status: u16, elapsed: Duration) {
    metrics::counter!(HTTP_REQUESTS, "operation" => operation, "status" => status.to_string())
        .increment(1);
    metrics::histogram!(HTTP_DURATION, "operation" => operation).record(elapsed.as_secs_f64());
}

/// One failed vendor call; `outcome` is one of a few fixed words.
pub fn vendor_failure(vendor: &'static str, outcome: &'static str) {
    metrics::counter!(VENDOR_FAILURES, "vendor" => vendor, "outcome" => outcome).increment(1);
}

/// One finished sync run of `kind`, and what it handled.
pub fn sync_run(kind: &'static str, result: Result<&SyncReport, &SyncError>) {
    let outcome = match result {
        Ok(_) => "ok",
        Err(SyncError::Busy(_)) => "busy",
        Err(SyncError::NotConfigured(_)) => "not_configured",
        Err(_) => "failed",
    };
    metrics::counter!(SYNC_RUNS, "kind" => kind, "outcome" => outcome).increment(1);
    if let Ok(report) = result {
        let mode = if report.full { "full" } else { "incremental" };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        metrics::gauge!(SYNC_LAST_SUCCESS, "kind" => kind, "mode" => mode).set(now);
        metrics::gauge!(SYNC_LAST_DURATION, "kind" => kind, "mode" => mode)
            .set(report.elapsed_ms as f64 / 1000.0);
        metrics::gauge!(SYNC_LAST_FETCHED, "kind" => kind, "mode" => mode)
            .set(report.fetched as f64);
        for (change, n) in [
            ("created", report.created),
            ("updated", report.updated),
            ("unchanged", report.unchanged),
            ("deleted", report.deleted),
            ("skipped", report.skipped),
        ] {
            metrics::counter!(SYNC_ITEMS, "kind" => kind, "change" => change).increment(n);
        }
    }
}

/// The text exposition of every metric, for `/metrics`.
pub fn render() -> Option<String> {
    handle().map(PrometheusHandle::render)
}

/// Counts every HTTP attempt the vendor clients make ([`VENDOR_CALLS`]), from the request spans
/// already open for their logs (`http.request` of their shared core, `optima-http`, whose
/// `service` field names the vendor), so the clients stay free of any metrics dependency and
/// retries, logins and discovery count too. Install it with [`VendorCalls::filter`] beside the log layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct VendorCalls;

/// What the layer keeps on a vendor request span until it closes.
#[derive(Default)]
struct VendorCall {
    vendor: Option<&'static str>,
    status: Option<u64>,
}

impl tracing::field::Visit for VendorCall {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "status" {
            self.status = Some(value);
        }
    }

    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.record_u64(field, u64::try_from(value).unwrap_or_default());
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "service" {
            self.vendor = VendorCalls::vendor(value);
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl VendorCalls {
    /// The vendor of a client's `service` name (`connectwise`, `cwhome`, `unifi`,
    /// `unifi-integration`, `unifi-access`).
    fn vendor(service: &str) -> Option<&'static str> {
        match service.split('-').next() {
            Some("connectwise" | "cwhome") => Some("ConnectWise"),
            Some("unifi") => Some("UniFi"),
            _ => None,
        }
    }

    /// The targets to enable for this layer alone (the request spans are at debug level,
    /// whatever the log filter says).
    pub fn filter() -> tracing_subscriber::filter::Targets {
        tracing_subscriber::filter::Targets::new().with_target("optima_http", tracing::Level::DEBUG)
    }
}

impl<S> tracing_subscriber::Layer<S> for VendorCalls
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if attrs.metadata().name() != "http.request" {
            return;
        }
        let mut call = VendorCall::default();
        attrs.record(&mut call);
        if call.vendor.is_none() {
            return;
        }
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(call);
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id)
            && let Some(call) = span.extensions_mut().get_mut::<VendorCall>()
        {
            values.record(call);
        }
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let extensions = span.extensions();
        let Some(VendorCall {
            vendor: Some(vendor),
            status,
        }) = extensions.get::<VendorCall>()
        else {
            return;
        };
        let outcome = match status {
            Some(100..=199) => "1xx",
            Some(200..=299) => "2xx",
            Some(300..=399) => "3xx",
            Some(400..=499) => "4xx",
            Some(500..=599) => "5xx",
            Some(_) => "other",
            None => "no_answer",
        };
        metrics::counter!(VENDOR_CALLS, "vendor" => *vendor, "outcome" => outcome).increment(1);
    }
}
