//! Lists report how many rows match from a kept count, and reach a page by number from kept
//! anchors: after any sequence of writes, made by the sync or straight into the tables by
//! another process, the count must equal a fresh `COUNT(*)` and every page what `OFFSET`
//! gives.

use optima_server::config::Config;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::TestServer;
use serde_json::{Value, json};

#[macro_use]
#[path = "support/backends.rs"]
mod backends;

#[path = "support/fake_connectwise.rs"]
mod fake_connectwise;

use fake_connectwise::FakeConnectWise;

fn item(id: i64) -> Value {
    json!({"id": id, "identifier": format!("ITEM-{id}"), "description": format!("Item {id}"),
           "inactiveFlag": id % 4 == 0, "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}})
}

/// A small deterministic generator (xorshift): the sequence of writes is random but
/// reproducible from the seed in a failure message.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn listed_totals(server: &TestServer, token: &str) -> (u64, u64, u64) {
    let caller = server.as_user(token);
    let (_, active) = caller.get("/v1/procurement/items?rpp=1").await;
    let (_, all) = caller
        .get("/v1/procurement/items?rpp=1&includeInactive=true")
        .await;
    let (_, count) = caller.get("/v1/procurement/count?activeOnly=true").await;
    let total = |body: &Value| body["meta"]["pagination"]["totalRecords"].as_u64().unwrap();
    (
        total(&active),
        total(&all),
        count["data"]["count"].as_u64().unwrap(),
    )
}

async fn counted(pool: &sqlx::AnyPool) -> (u64, u64, u64) {
    let count = |filter: &'static str| async move {
        sqlx::query_scalar::<_, i64>(&format!(
            "SELECT COUNT(*) FROM catalog_items WHERE {filter}"
        ))
        .fetch_one(pool)
        .await
        .unwrap() as u64
    };
    let active = count("deleted_at IS NULL AND inactive = 0").await;
    let all = count("deleted_at IS NULL").await;
    (active, all, active)
}

/// Every page of both catalog lists (active only, and with inactive items), as the API lists
/// them and as a plain `LIMIT … OFFSET …` over the table gives them; first page to last, or
/// last to first (a deep page first finds every anchor at once, pages in order extend them).
async fn pages_listed_and_offset(
    server: &TestServer,
    token: &str,
    pool: &sqlx::AnyPool,
    last_first: bool,
) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let caller = server.as_user(token);
    let (mut listed, mut offset) = (Vec::new(), Vec::new());
    for (query, filter) in [
        ("", "deleted_at IS NULL AND inactive = 0"),
        ("&includeInactive=true", "deleted_at IS NULL"),
    ] {
        let total: usize = sqlx::query_scalar::<_, i64>(&format!(
            "SELECT COUNT(*) FROM catalog_items WHERE {filter}"
        ))
        .fetch_one(pool)
        .await
        .unwrap() as usize;
        // Every page with rows, and the empty one after them.
        let mut pages: Vec<usize> = (1..=total.div_ceil(RPP) + 1).collect();
        if last_first {
            pages.reverse();
        }
        for page in pages {
            let (_, body) = caller
                .get(&format!(
                    "/v1/procurement/items?rpp={RPP}&page={page}{query}"
                ))
                .await;
            listed.push(
                body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_owned())
                    .collect(),
            );
            offset.push(
                sqlx::query_scalar(&format!(
                    "SELECT id FROM catalog_items WHERE {filter} ORDER BY name, id LIMIT {RPP} OFFSET {}",
                    (page - 1) * RPP
                ))
                .fetch_all(pool)
                .await
                .unwrap(),
            );
        }
    }
    (listed, offset)
}

/// Rows per page in [`pages_listed_and_offset`]: with anchors every [`ANCHOR_SPACING`] rows,
/// most pages start between two anchors.
const RPP: usize = 5;
const ANCHOR_SPACING: usize = 7;

async fn counts_follow_every_write(url: String, dir: &std::path::Path) {
    let cw = FakeConnectWise::start("procurement/catalog", (1..=40).map(item).collect(), 100).await;
    let mut config = Config::for_database(url.clone(), dir);
    config.jwt_secret = Some(secrecy::SecretString::from("listing-counts".to_owned()));
    config.connectwise = Some(cw.config());
    let server = TestServer::start(config).await.unwrap();
    server
        .state
        .store
        .db()
        .set_page_anchor_spacing(ANCHOR_SPACING);
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, token) = server
        .user_with_grants(&["procurement.catalog.fetch.many"])
        .await;
    // Another process: its own pool on the same database.
    let other = sqlx::AnyPool::connect(&url).await.unwrap();
    assert_eq!(listed_totals(&server, &token).await, (30, 40, 30));

    let seed = 0x5eed_0fc0_u64;
    let mut rng = Rng(seed);
    let mut next_id = 1000;
    for step in 0..60 {
        let cw_id = 1 + rng.below(45) as i64;
        let write = match rng.below(6) {
            0 => format!("UPDATE catalog_items SET inactive = 1 - inactive WHERE cw_id = {cw_id}"),
            1 => format!(
                "UPDATE catalog_items SET deleted_at = CASE WHEN deleted_at IS NULL \
                 THEN '2026-02-01T00:00:00Z' END WHERE cw_id = {cw_id}"
            ),
            2 => format!("DELETE FROM catalog_items WHERE cw_id = {cw_id}"),
            3 => format!("UPDATE catalog_items SET name = 'Renamed {step}' WHERE cw_id = {cw_id}"),
            4 => {
                next_id += 1;
                format!(
                    "INSERT INTO catalog_items (id, cw_id, identifier, name, search_key, inactive, \
                     created_at, updated_at) VALUES ('x{next_id}', {next_id}, 'N-{next_id}', \
                     'New {next_id}', 'new {next_id}', {}, 'now', 'now')",
                    rng.below(2)
                )
            }
            _ => {
                // The sync, marking deletions and restoring what the stand-in still has.
                run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
                    .await
                    .unwrap();
                String::new()
            }
        };
        if !write.is_empty() {
            sqlx::query(&write).execute(&other).await.unwrap();
        }
        assert_eq!(
            listed_totals(&server, &token).await,
            counted(&other).await,
            "after step {step} ({write}), seed {seed:#x}"
        );
        let (listed, offset) =
            pages_listed_and_offset(&server, &token, &other, step % 2 == 1).await;
        assert_eq!(
            listed, offset,
            "pages after step {step} ({write}), seed {seed:#x}"
        );
    }
}

on_both_backends!(
    counts_follow_every_write,
    counts_follow_every_write_on_sqlite,
    counts_follow_every_write_on_postgres
);
