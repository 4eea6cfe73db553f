//! Streams 100,000 catalog items (100 pages of 1,000) from a local HTTP server and
//! reports items/second and peak memory (VmHWM) for:
//!
//! * `typed`: `cw.catalog().list().page_size(1000).stream()` (lenient models, `extra` maps, retries, tracing),
//! * `bare-value`: a bare reqwest + `serde_json::Value` loop over the same pages,
//! * `bare-struct`: a bare reqwest + plain `#[derive(Deserialize)]` struct loop.
//!
//! The server and every client run in their own processes (this binary re-executes
//! itself), so each peak-memory figure belongs to one client alone.
//!
//! Run: `cargo bench -p optima-connectwise --bench catalog_stream`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use futures::TryStreamExt as _;

const PAGES: usize = 100;
const PAGE_SIZE: usize = 1000;
const RUNS: usize = 3;
const ROLE: &str = "CW_BENCH_ROLE";

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("server") => server(),
        Ok(role) => client(role, &std::env::var("CW_BENCH_URL").expect("CW_BENCH_URL")),
        Err(_) => orchestrate(),
    }
}

fn orchestrate() {
    let exe = std::env::current_exe().unwrap();
    let mut server = Command::new(&exe)
        .env(ROLE, "server")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().to_owned();
    println!(
        "catalog_stream: {PAGES} pages x {PAGE_SIZE} items from {base}, {RUNS} runs per client (separate processes)"
    );
    println!(
        "{:<12} {:>10} {:>14} {:>12} {:>14}",
        "client", "items", "items/s (med)", "secs (med)", "peak RSS (max)"
    );
    for role in ["idle", "typed", "bare-value", "bare-struct"] {
        let mut rates = Vec::new();
        let mut secs = Vec::new();
        let mut peak = 0u64;
        let mut items = 0u64;
        for _ in 0..RUNS {
            let out = Command::new(&exe)
                .env(ROLE, role)
                .env("CW_BENCH_URL", &base)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{role} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let get = |k: &str| -> f64 {
                text.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0)
            };
            items = get("items") as u64;
            let s = get("secs");
            secs.push(s);
            rates.push(if s > 0.0 { items as f64 / s } else { 0.0 });
            peak = peak.max(get("vmhwm_kb") as u64);
        }
        rates.sort_by(f64::total_cmp);
        secs.sort_by(f64::total_cmp);
        println!(
            "{:<12} {:>10} {:>14.0} {:>12.3} {:>11.1} MiB",
            role,
            items,
            rates[RUNS / 2],
            secs[RUNS / 2],
            peak as f64 / 1024.0
        );
    }
    server.kill().ok();
    server.wait().ok();
}

fn vmhwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct PlainItem {
    id: i64,
    identifier: String,
    price: f64,
    cost: serde_json::Value,
}

fn client(role: &str, base: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (items, secs) = rt.block_on(async {
        let start = Instant::now();
        let items = match role {
            "idle" => 0,
            "typed" => typed(base).await,
            "bare-value" => {
                bare(base, |b| {
                    serde_json::from_slice::<Vec<serde_json::Value>>(b)
                        .unwrap()
                        .len()
                })
                .await
            }
            "bare-struct" => {
                bare(base, |b| {
                    serde_json::from_slice::<Vec<PlainItem>>(b).unwrap().len()
                })
                .await
            }
            other => panic!("unknown role {other}"),
        };
        (items, start.elapsed().as_secs_f64())
    });
    println!("items={items} secs={secs:.4} vmhwm_kb={}", vmhwm_kb());
}

async fn typed(base: &str) -> usize {
    let cw = optima_connectwise::ConnectWiseClient::builder()
        .base_url(format!("{base}/v2025_1/apis/3.0/"))
        .company_id("bench")
        .public_key("pub")
        .private_key(secrecy::SecretString::from("priv"))
        .client_id("bench-client")
        .build()
        .unwrap();
    let mut n = 0usize;
    let mut total = 0.0;
    let mut s = cw.catalog().list().page_size(1000).stream();
    while let Some(item) = s.try_next().await.unwrap() {
        total += item.price.unwrap_or(0.0);
        n += 1;
    }
    assert!(total > 0.0);
    n
}

async fn bare(base: &str, parse: impl Fn(&[u8]) -> usize) -> usize {
    let http = reqwest::Client::new();
    let mut n = 0;
    for page in 1..=PAGES {
        let body = http
            .get(format!("{base}/v2025_1/apis/3.0/procurement/catalog"))
            .query(&[
                ("page", page.to_string()),
                ("pageSize", PAGE_SIZE.to_string()),
            ])
            .header("Authorization", "Basic YmVuY2grcHViOnByaXY=")
            .header("clientId", "bench-client")
            .header(
                "Accept",
                "application/vnd.connectwise.com+json; version=2025.8",
            )
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .await
            .unwrap();
        n += parse(&body);
    }
    n
}

// ---- a tiny keep-alive HTTP/1.1 server with pre-rendered pages ------------------------------

fn item(id: usize) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "identifier": format!("SKU-{id:06}"),
        "description": format!("Catalog item {id} - 24-port managed switch, PoE+, 4x SFP+"),
        "inactiveFlag": id.is_multiple_of(17),
        "subcategory": {"id": 3, "name": "Switches", "_info": {"subcategory_href": "https://na.myconnectwise.net/v4_6_release/apis/3.0/procurement/subcategories/3"}},
        "type": {"id": 1, "name": "Hardware", "_info": {"type_href": "https://na.myconnectwise.net/v4_6_release/apis/3.0/procurement/types/1"}},
        "productClass": "NonInventory",
        "serializedFlag": false,
        "serializedCostFlag": false,
        "phaseProductFlag": false,
        "unitOfMeasure": {"id": 1, "name": "Each"},
        "minStockLevel": 0,
        "price": 100.0 + (id % 1000) as f64 * 0.25,
        "cost": if id.is_multiple_of(3) { serde_json::json!(format!("{:.2}", 60.0 + (id % 500) as f64 * 0.1)) } else { serde_json::json!(60.0 + (id % 500) as f64 * 0.1) },
        "priceAttribute": "FixedFee",
        "taxableFlag": true,
        "dropShipFlag": false,
        "specialOrderFlag": false,
        "customerDescription": "Managed switch",
        "manufacturer": {"id": 45, "name": "Ubiquiti"},
        "manufacturerPartNumber": format!("USW-24-POE-{id}"),
        "vendor": {"id": 12, "identifier": "Ingram", "name": "Ingram Micro"},
        "vendorSku": format!("ING-{id}"),
        "recurringFlag": false,
        "recurringRevenue": "",
        "recurringCost": "",
        "recurringOneTimeFlag": false,
        "calculatedPriceFlag": false,
        "calculatedCostFlag": false,
        "category": {"id": 18, "name": "Networking"},
        "connectWiseID": format!("a1b2c3d4-{id:08}"),
        "customFields": [
            {"id": 3, "caption": "Lead time (days)", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": "14"},
            {"id": 4, "caption": "EOL", "type": "Checkbox", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": false}
        ],
        "_info": {"lastUpdated": "2026-02-25T10:00:00Z", "updatedBy": "jdoe", "dateEntered": "2021-03-11T15:02:44Z", "enteredBy": "Import1"}
    })
}

fn server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let pages: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..PAGES)
            .map(|p| {
                let items: Vec<_> = (0..PAGE_SIZE)
                    .map(|i| item(p * PAGE_SIZE + i + 1))
                    .collect();
                serde_json::to_vec(&items).unwrap()
            })
            .collect(),
    );
    println!("{base}");
    std::io::stdout().flush().unwrap();
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let pages = pages.clone();
        let base = base.clone();
        std::thread::spawn(move || serve(conn, &pages, &base));
    }
}

fn serve(conn: TcpStream, pages: &[Vec<u8>], base: &str) {
    conn.set_nodelay(true).ok();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut writer = conn;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut sink = vec![0; content_length];
        reader.read_exact(&mut sink).ok();
        let target = request_line.split_whitespace().nth(1).unwrap_or("/");
        let page: usize = target
            .split(['?', '&'])
            .find_map(|kv| kv.strip_prefix("page="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let body = &pages[(page.clamp(1, PAGES)) - 1];
        let link = if page < PAGES {
            format!(
                "Link: <{base}/v2025_1/apis/3.0/procurement/catalog?pageSize={PAGE_SIZE}&page={}>; rel=\"next\", <{base}/v2025_1/apis/3.0/procurement/catalog?pageSize={PAGE_SIZE}&page={PAGES}>; rel=\"last\"\r\n",
                page + 1
            )
        } else {
            String::new()
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n{link}\r\n",
            body.len()
        );
        if writer
            .write_all(head.as_bytes())
            .and_then(|()| writer.write_all(body))
            .is_err()
        {
            return;
        }
    }
}
