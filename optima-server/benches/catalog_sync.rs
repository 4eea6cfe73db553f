//! Full sync of 100,000 catalog items from a stand-in ConnectWise on 127.0.0.1 (100 pages of
//! 1,000 realistic items, paged by `Link` headers like the real one), then list and search
//! latency over them through the HTTP API. The searches: a product line (its 25,000 matches at
//! 1M items sit together in name order), a model number found across makers (spread through
//! it), a vendor SKU (one match) and a term with none.
//!
//! ```text
//! cargo bench -p optima-server --bench catalog_sync
//! OPTIMA_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p optima-server --bench catalog_sync
//! ```
//!
//! `OPTIMA_BENCH_ITEMS` (default 100000) and `OPTIMA_BENCH_REQUESTS` (default 200 per query)
//! change the size. Peak memory is the process's `VmHWM`, read right after the sync; it
//! includes the stand-in server, which renders one page at a time. `OPTIMA_BENCH_DATA_DIR` names
//! a directory to keep the SQLite database in after the run, to try query shapes on the same
//! data; by default a temporary directory is removed. A run given a database that an earlier
//! one kept, with the same number of items, skips the stream and the syncs and measures lists
//! and searches only. `OPTIMA_BENCH_SORT_ONLY=1` has searches sort every match by name, as they
//! did before the name-ordered index, and PostgreSQL's read the catalog table instead of its
//! copy in name order, to compare on the same data. `RUST_LOG=sqlx=debug` prints
//! each statement with its time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use optima_server::app::build_state;
use optima_server::config::{Config, ConnectWiseConfig};
use optima_server::db::{Backend, SearchTuning};
use optima_server::state::AppState;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Query;
use poem::{EndpointExt, IntoResponse, Response, Route, get, handler};
use serde_json::{Value, json};

const BASE: &str = "/v4_6_release/apis/3.0";
const PAGE_SIZE: usize = 1000;

const MAKERS: &[(&str, &[&str])] = &[
    ("Dell", &["OptiPlex", "Latitude", "PowerEdge", "Precision"]),
    ("HP", &["EliteBook", "ProDesk", "LaserJet", "ZBook"]),
    ("Lenovo", &["ThinkPad", "ThinkCentre", "ThinkStation"]),
    ("Ubiquiti", &["UniFi AP", "UniFi Switch", "Dream Machine"]),
    ("Cisco", &["Meraki MX", "Catalyst", "Meraki MR"]),
    (
        "Microsoft",
        &["Surface Pro", "Surface Laptop", "365 Business"],
    ),
    ("APC", &["Smart-UPS", "Back-UPS"]),
    ("Logitech", &["MX Keys", "Brio", "Rally"]),
];

/// One catalog item as ConnectWise would send it: strings for numbers here and there, custom
/// fields, references with `_info`, fields Optima does not know.
fn item(id: usize) -> Value {
    let (maker, lines) = MAKERS[id % MAKERS.len()];
    let line = lines[(id / MAKERS.len()) % lines.len()];
    let model = 1000 + (id * 7919) % 9000;
    json!({
        "id": id,
        "identifier": format!("{}-{model}-{id:06}", &maker[..2].to_uppercase()),
        "description": format!("{maker} {line} {model}"),
        "customerDescription": format!("{maker} {line} {model} business-class hardware with 3 year warranty"),
        "inactiveFlag": id.is_multiple_of(10),
        "subcategory": {"id": 10 + id % 5, "name": "Hardware", "_info": {"subcategory_href": "https://na.myconnectwise.net/v4_6_release/apis/3.0/procurement/subcategories/12"}},
        "category": {"id": 2, "name": "Products"},
        "type": {"id": 3, "name": "Hardware"},
        "productClass": "Inventory",
        "serializedFlag": id.is_multiple_of(3),
        "unitOfMeasure": {"id": 1, "name": "Each"},
        "minStockLevel": "0",
        "price": format!("{}.99", 100 + id % 2000),
        "cost": 50.0 + (id % 1500) as f64,
        "priceAttribute": "FixedFee",
        "taxableFlag": true,
        "dropShipFlag": false,
        "specialOrderFlag": false,
        "manufacturer": {"id": 40 + id % MAKERS.len(), "name": maker},
        "manufacturerPartNumber": format!("MPN-{model}-{id}"),
        "vendor": {"id": "12", "identifier": "Ingram", "name": "Ingram Micro"},
        "vendorSku": format!("ING-{id:07}"),
        "notes": "",
        "recurringFlag": false,
        "calculatedPriceFlag": false,
        "calculatedCostFlag": false,
        "billableOption": "Billable",
        "connectWiseID": format!("{id:08x}-0000-0000-0000-000000000000"),
        "customFields": [
            {"id": 4, "caption": "Warranty", "type": "Text", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": "3 years"},
            {"id": 5, "caption": "Weight", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 2, "value": (id % 50) as f64 / 4.0}
        ],
        "_info": {"lastUpdated": format!("2026-01-{:02}T{:02}:{:02}:00Z", 1 + id % 28, id % 24, id % 60), "updatedBy": "Import", "dateEntered": "2025-01-01T00:00:00Z"}
    })
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<usize>,
    #[serde(rename = "pageSize")]
    page_size: Option<usize>,
}

#[handler]
fn catalog_page(
    Query(q): Query<PageQuery>,
    poem::web::Data(total): poem::web::Data<&usize>,
    req: &poem::Request,
) -> Response {
    let page = q.page.unwrap_or(1).max(1);
    let size = q.page_size.unwrap_or(25).clamp(1, PAGE_SIZE);
    let start = (page - 1) * size;
    let end = (start + size).min(*total);
    let items: Vec<Value> = (start..end).map(|i| item(i + 1)).collect();
    let mut response = poem::web::Json(items).into_response();
    if end < *total {
        let host = req
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let link = format!(
            "<http://{host}{BASE}/procurement/catalog?page={}&pageSize={size}>; rel=\"next\"",
            page + 1
        );
        response
            .headers_mut()
            .insert("link", link.parse().expect("link header"));
    }
    response
}

#[handler]
fn catalog_count(poem::web::Data(total): poem::web::Data<&usize>) -> poem::web::Json<Value> {
    poem::web::Json(json!({"count": total}))
}

/// The stand-in ConnectWise; returns its base URL.
async fn stand_in(total: usize) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind");
    let addr = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("address");
    let app = Route::new()
        .at(format!("{BASE}/procurement/catalog"), get(catalog_page))
        .at(
            format!("{BASE}/procurement/catalog/count"),
            get(catalog_count),
        )
        .data(total);
    tokio::spawn(async move {
        let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
    });
    format!("http://{addr}")
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn latency(server: &TestServer, token: &str, label: &str, path: &str, requests: usize) {
    let client = reqwest::Client::new();
    let url = server.url(path);
    let mut records = 0;
    // Warm up the connection and caches.
    for _ in 0..3 {
        let _ = client.get(&url).bearer_auth(token).send().await;
    }
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let response = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.expect("json");
        times.push(started.elapsed());
        records = body["meta"]["pagination"]["totalRecords"]
            .as_u64()
            .or_else(|| body["data"]["count"].as_u64())
            .unwrap_or_default();
    }
    times.sort();
    println!(
        "  {label:<34} p50 {:>7.2} ms  p99 {:>7.2} ms  ({records} matching, {requests} requests)",
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
    );
}

async fn run(backend: &str, url: String, data_dir: &std::path::Path, cw_url: &str) {
    let items: usize = env_or("OPTIMA_BENCH_ITEMS", 100_000);
    let requests: usize = env_or("OPTIMA_BENCH_REQUESTS", 200);
    let mut config = Config::for_database(url, data_dir);
    config.jwt_secret = Some(secrecy::SecretString::from("bench".to_owned()));
    config.connectwise = Some(ConnectWiseConfig {
        url: cw_url.to_owned(),
        company_id: "bench".into(),
        public_key: "pub".into(),
        private_key: secrecy::SecretString::from("priv".to_owned()),
        client_id: "client".into(),
        codebase: Some("v4_6_release/".into()),
        api_version: None,
        callback_url: None,
        callback_origins: Vec::new(),
    });
    let state: Arc<AppState> = build_state(config).await.expect("state");
    println!("{backend}:");
    let kept = state.store.count_catalog_items(false).await.expect("count");
    if kept as usize == items {
        println!("  reusing the {items} items an earlier run kept: no stream, no sync");
    } else {
        sync_twice(&state, items).await;
    }
    measure(state, items, requests).await;
}

/// The stream rate, then a full sync and a second one that finds nothing changed.
async fn sync_twice(state: &Arc<AppState>, items: usize) {
    let stream_rate = stream_rate(state, items).await;
    let started = Instant::now();
    let report = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .expect("sync")
        .remove(0);
    let elapsed = started.elapsed();
    assert_eq!(report.created as usize, items, "{report}");
    let sync_rate = items as f64 / elapsed.as_secs_f64();
    println!(
        "  full sync of {items} items: {:.2} s ({sync_rate:.0} items/s, {:.0}% of the stream rate); peak memory of the process so far (VmHWM) {:.1} MiB",
        elapsed.as_secs_f64(),
        100.0 * sync_rate / stream_rate,
        vm_hwm_kib().unwrap_or_default() as f64 / 1024.0
    );
    // The name-ordered search index (SQLite) or copy (PostgreSQL) is rebuilt after the sync,
    // in the background.
    let started = Instant::now();
    while state
        .store
        .name_ordered_index_paused("catalog_items")
        .await
        .expect("paused")
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "  name-ordered search index rebuilt {:.2} s after the sync, in the background (searches meanwhile read as before)",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let report = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .expect("sync");
    println!(
        "  second full sync (nothing changed): {:.2} s, {}; VmHWM now {:.1} MiB",
        started.elapsed().as_secs_f64(),
        report[0],
        vm_hwm_kib().unwrap_or_default() as f64 / 1024.0
    );
}

/// List and search latency through the HTTP API.
async fn measure(state: Arc<AppState>, items: usize, requests: usize) {
    if std::env::var_os("OPTIMA_BENCH_SORT_ONLY").is_some() {
        println!("  searches sort every match by name, as before the name-ordered index");
        let db = state.store.db();
        db.set_search_tuning(SearchTuning {
            few_matches: 0,
            by_name_from: usize::MAX,
            ..SearchTuning::default()
        });
        // PostgreSQL reads the catalog table itself while its copy waits for a rebuild.
        if db.backend == Backend::Postgres {
            sqlx::query(
                "INSERT INTO search_index_paused (tbl, since) VALUES ('catalog_items_by_name', 'bench') \
                 ON CONFLICT (tbl) DO NOTHING",
            )
            .execute(&db.pool)
            .await
            .expect("pause the copy");
        }
    }
    let server = TestServer::serve(state).await.expect("serve");
    let (_, token) = server
        .user_with_grants(&["procurement.catalog.fetch.many"])
        .await;
    let pages = items.div_ceil(30);
    let (middle, last) = cursors_at(&server, &token, [items / 2, items - 30]).await;
    // The first page reached by number after the sync finds the list's page anchors up to it:
    // it reads the rows before it once. Those after it start from the nearest anchor.
    let started = Instant::now();
    let response = reqwest::Client::new()
        .get(server.url(&format!("/v1/procurement/items?page={}", pages / 2)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    println!(
        "  {:<34} {:>7.2} ms (once: finds the page anchors up to it)",
        "list, middle page by number, first",
        started.elapsed().as_secs_f64() * 1000.0
    );
    for (label, path, n) in [
        (
            "list, first page",
            "/v1/procurement/items".to_owned(),
            requests,
        ),
        (
            "list, middle page by number",
            format!("/v1/procurement/items?page={}", pages / 2),
            requests,
        ),
        (
            "list, last page by number",
            format!("/v1/procurement/items?page={pages}&includeInactive=true"),
            requests,
        ),
        (
            "list, middle page by cursor",
            format!("/v1/procurement/items?includeInactive=true&cursor={middle}"),
            requests,
        ),
        (
            "list, last page by cursor",
            format!("/v1/procurement/items?includeInactive=true&cursor={last}"),
            requests,
        ),
        (
            "search, common (\"latitude\")",
            "/v1/procurement/items?search=latitude".to_owned(),
            requests,
        ),
        (
            "search, spread (\"544\")",
            "/v1/procurement/items?search=544".to_owned(),
            requests,
        ),
        (
            "search, rare (vendor SKU)",
            "/v1/procurement/items?search=ING-0077777".to_owned(),
            requests,
        ),
        (
            "search, no match",
            "/v1/procurement/items?search=zzzz-nothing".to_owned(),
            requests,
        ),
        (
            "count, active only",
            "/v1/procurement/count?activeOnly=true".to_owned(),
            requests,
        ),
    ] {
        latency(&server, &token, label, &path, n).await;
    }
}

/// Cursors that start a page at each of `positions` (in name order, inactive items included),
/// found by walking the whole list a thousand at a time.
async fn cursors_at(server: &TestServer, token: &str, positions: [usize; 2]) -> (String, String) {
    let client = reqwest::Client::new();
    let mut found = [String::new(), String::new()];
    let mut cursor: Option<String> = None;
    let mut seen = 0;
    loop {
        let after = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let url = server.url(&format!(
            "/v1/procurement/items?includeInactive=true&rpp=1000{after}"
        ));
        let body: Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        let rows = body["data"].as_array().expect("rows");
        for (slot, position) in found.iter_mut().zip(positions) {
            if position > seen && position <= seen + rows.len() {
                let row = &rows[position - seen - 1];
                *slot = row["id"].as_str().expect("id").to_owned();
            }
        }
        seen += rows.len();
        match body["meta"]["pagination"]["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let [middle, last] = found;
    (middle, last)
}

/// How fast the sync's own client streams every item from the stand-in, parsed and dropped:
/// the rate a sync could reach if writing cost nothing.
async fn stream_rate(state: &AppState, items: usize) -> f64 {
    use futures::TryStreamExt;
    let cw = state
        .integrations
        .connectwise
        .as_ref()
        .expect("ConnectWise");
    let started = Instant::now();
    let streamed = cw
        .catalog()
        .list()
        .page_size(PAGE_SIZE as u32)
        .order_by("id asc")
        .stream()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .expect("stream");
    assert_eq!(streamed, items);
    let rate = items as f64 / started.elapsed().as_secs_f64();
    println!(
        "  stream of {items} items through the client: {:.2} s ({rate:.0} items/s)",
        started.elapsed().as_secs_f64()
    );
    rate
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing to run.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `RUST_LOG=sqlx=debug` shows each statement and its time.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let items: usize = env_or("OPTIMA_BENCH_ITEMS", 100_000);
        let cw_url = stand_in(items).await;
        let temporary = tempfile::tempdir().expect("tempdir");
        let dir = match std::env::var_os("OPTIMA_BENCH_DATA_DIR") {
            Some(kept) => std::path::PathBuf::from(kept),
            None => temporary.path().to_owned(),
        };
        run("SQLite", sqlite_test_url(&dir), &dir, &cw_url).await;
        if let Some(url) = postgres_test_url("the catalog benchmark").await {
            run("PostgreSQL", url, &dir, &cw_url).await;
        }
    });
}
