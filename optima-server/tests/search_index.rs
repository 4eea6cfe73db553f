//! Searches are answered from an index on both backends (FTS5 trigram on SQLite, pg_trgm on
//! PostgreSQL), give what a plain `LIKE` gives, and follow changes to the rows.

use optima_server::config::Config;
use optima_server::db::{Backend, SearchTuning};
use optima_server::store::search_condition;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::TestServer;
use serde_json::{Value, json};

#[macro_use]
#[path = "support/backends.rs"]
mod backends;

#[path = "support/fake_connectwise.rs"]
mod fake_connectwise;

use fake_connectwise::FakeConnectWise;

fn item(id: i64, identifier: &str, description: &str, updated: &str) -> Value {
    json!({"id": id, "identifier": identifier, "description": description, "inactiveFlag": false,
           "_info": {"lastUpdated": updated}})
}

fn items() -> Vec<Value> {
    vec![
        item(1, "OPT-7020", "Dell OptiPlex 7020", "2026-01-01T00:00:00Z"),
        item(2, "LAT-5440", "Dell Latitude 5440", "2026-01-01T00:00:00Z"),
        item(3, "UAP-AC-PRO", "UniFi AP AC Pro", "2026-01-01T00:00:00Z"),
        item(4, "CAB_100", "Cable 100% copper", "2026-01-01T00:00:00Z"),
        item(5, "MÜN-1", "Münchner Straßenkarte", "2026-01-01T00:00:00Z"),
        item(6, "MON-27", "Monitor 27\" 4K", "2026-01-01T00:00:00Z"),
        item(8, "CAP-10", "Kondensator 10\u{b5}F", "2026-01-01T00:00:00Z"),
        item(9, "ODO-1", "Οδοστρωμα", "2026-01-01T00:00:00Z"),
        json!({"id": 7, "identifier": "OPT-3000", "description": "Dell OptiPlex 3000 (retired)",
               "inactiveFlag": true, "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}}),
    ]
}

/// A server's configuration: its database at `url`, ConnectWise at `cw`.
fn config_for(url: &str, dir: &std::path::Path, cw: &FakeConnectWise) -> Config {
    let mut config = Config::for_database(url.to_owned(), dir);
    config.jwt_secret = Some(secrecy::SecretString::from("search-index".to_owned()));
    config.connectwise = Some(cw.config());
    config
}

/// Identifiers of active items found by the search route, sorted.
async fn found(server: &TestServer, token: &str, term: &str) -> Vec<String> {
    found_among(server, token, term, false).await
}

/// Identifiers found by the search route (inactive items too when asked), sorted; the count
/// the route gives must be theirs.
async fn found_among(
    server: &TestServer,
    token: &str,
    term: &str,
    include_inactive: bool,
) -> Vec<String> {
    let encoded: String = url::form_urlencoded::byte_serialize(term.as_bytes()).collect();
    let (status, body) = server
        .as_user(token)
        .get(&format!(
            "/v1/procurement/items?search={encoded}&rpp=100&includeInactive={include_inactive}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["identifier"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        body["meta"]["pagination"]["totalRecords"].as_u64(),
        Some(ids.len() as u64),
        "count of {term}"
    );
    ids.sort();
    ids
}

/// The same search as a plain `LIKE` over the table (inactive items too when asked).
async fn plain_like_among(server: &TestServer, term: &str, include_inactive: bool) -> Vec<String> {
    let pattern = optima_server::api::pagination::like_pattern(term);
    let active = if include_inactive {
        ""
    } else {
        "AND inactive = 0"
    };
    let mut ids: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT identifier FROM catalog_items \
         WHERE deleted_at IS NULL {active} AND search_key LIKE $1 ESCAPE '\\'"
    ))
    .bind(&pattern)
    .fetch_all(&server.state.store.db().pool)
    .await
    .unwrap();
    ids.sort();
    ids
}

/// The plan of a search of `table` (the catalog, or on PostgreSQL its copy in name order).
async fn plan(server: &TestServer, table: &str, term: &str) -> String {
    let db = server.state.store.db();
    let condition = search_condition(db.backend, "catalog_items", term, Some("active_key"), true);
    let sql = format!("SELECT id FROM {table} WHERE {}", condition.sql);
    let pattern = condition.argument;
    match db.backend {
        Backend::Sqlite => {
            let rows: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                .bind(&pattern)
                .fetch_all(&db.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
                .collect();
            rows.join("\n")
        }
        Backend::Postgres => {
            // A handful of rows would be scanned anyway: ask, in a transaction rolled back,
            // whether the trigram index can answer.
            let mut tx = db.pool.begin().await.unwrap();
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            let rows: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {sql}"))
                .bind(&pattern)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
            rows.join("\n")
        }
    }
}

async fn index_answers_searches(url: String, dir: &std::path::Path) {
    let cw = FakeConnectWise::start("procurement/catalog", items(), 10).await;
    let server = TestServer::start(config_for(&url, dir, &cw)).await.unwrap();
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, token) = server
        .user_with_grants(&["procurement.catalog.fetch.many"])
        .await;
    // Prefixes and infixes of identifiers and descriptions, short terms, case, the LIKE
    // wildcards taken literally, non-ASCII text.
    let terms = [
        "opt",
        "optiplex",
        "OPTIPLEX",
        "7020",
        "-ac-",
        "dell",
        "ac pro",
        "d",
        "un",
        "100%",
        "b_1",
        "cab_",
        "münchner",
        "straß",
        "27\"",
        "\" 4k",
        "\"",
        "(retired)",
        // Every trigram is in a row, the term is not: the index only narrows, the term decides.
        "7020 dell",
        "plex-7020",
        // Lower-case letters that Unicode case folding would take as one: the micro sign and
        // Greek mu, final and medial sigma.
        "10\u{b5}f",
        "10\u{3bc}f",
        "ΟΔΟΣ",
        "οδοσ",
        "zzz",
    ];
    same_as_plain_like(&server, &token, &terms).await;
    assert_eq!(found(&server, &token, "optiplex").await, ["OPT-7020"]);
    assert_eq!(found(&server, &token, "100%").await, ["CAB_100"]);
    assert_eq!(found(&server, &token, "27\" 4").await, ["MON-27"]);
    assert_eq!(found(&server, &token, "10\u{b5}f").await, ["CAP-10"]);
    assert!(found(&server, &token, "10\u{3bc}f").await.is_empty());
    assert_eq!(found(&server, &token, "οδοσ").await, ["ODO-1"]);
    assert!(
        found(&server, &token, "ΟΔΟΣ").await.is_empty(),
        "a final sigma"
    );
    assert!(found(&server, &token, "retired").await.is_empty());
    assert_eq!(
        found_among(&server, &token, "retired", true).await,
        ["OPT-3000"]
    );

    let table_plan = plan(&server, "catalog_items", "optiplex").await;
    match server.state.store.db().backend {
        Backend::Sqlite => assert!(
            table_plan.contains("catalog_items_fts VIRTUAL TABLE INDEX 0:M"),
            "{table_plan}"
        ),
        Backend::Postgres => {
            assert!(
                table_plan.contains("catalog_items_search_trgm"),
                "{table_plan}"
            );
            let copy_plan = plan(&server, "catalog_items_by_name", "optiplex").await;
            assert!(
                copy_plan.contains("catalog_items_by_name_trgm"),
                "{copy_plan}"
            );
        }
    }

    // The index follows updates, deletions, and items turning inactive or active.
    {
        let mut records = cw.records.lock().unwrap();
        records[0]["description"] = json!("Dell Precision 3680");
        records[0]["_info"]["lastUpdated"] = json!("2026-02-01T00:00:00Z");
        records.retain(|r| r["id"] != 2);
        for record in records.iter_mut() {
            let id = record["id"].as_i64().unwrap();
            if id == 3 || id == 7 {
                record["inactiveFlag"] = json!(id == 3);
                record["_info"]["lastUpdated"] = json!("2026-02-01T00:00:00Z");
            }
        }
    }
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    assert_eq!(found(&server, &token, "optiplex").await, ["OPT-3000"]);
    assert_eq!(found(&server, &token, "precision").await, ["OPT-7020"]);
    assert!(found(&server, &token, "latitude").await.is_empty());
    assert!(
        found_among(&server, &token, "latitude", true)
            .await
            .is_empty()
    );
    assert!(found(&server, &token, "unifi").await.is_empty());
    assert_eq!(
        found_among(&server, &token, "unifi", true).await,
        ["UAP-AC-PRO"]
    );
    assert_eq!(found(&server, &token, "retired").await, ["OPT-3000"]);
    same_as_plain_like(&server, &token, &terms).await;
}

/// Every term finds what a plain `LIKE` finds, among active items and among all live ones.
async fn same_as_plain_like(server: &TestServer, token: &str, terms: &[&str]) {
    for term in terms {
        for include_inactive in [false, true] {
            assert_eq!(
                found_among(server, token, term, include_inactive).await,
                plain_like_among(server, term, include_inactive).await,
                "search {term}, inactive items too: {include_inactive}"
            );
        }
    }
}

on_both_backends!(
    index_answers_searches,
    index_answers_searches_on_sqlite,
    index_answers_searches_on_postgres
);

/// The search indexes that are not paused hold exactly what the table does: on SQLite each
/// FTS5 index what its content view shows, keys included; on PostgreSQL the copy in name order
/// the table's searched columns.
async fn assert_indexes_match_table(server: &TestServer) {
    let store = &server.state.store;
    let pool = &store.db().pool;
    let index_paused = store.search_index_paused("catalog_items").await.unwrap();
    let by_name_paused = index_paused
        || store
            .name_ordered_index_paused("catalog_items")
            .await
            .unwrap();
    match store.db().backend {
        Backend::Sqlite => {
            for (index, paused) in [
                ("catalog_items_fts", index_paused),
                ("catalog_items_by_name_fts", by_name_paused),
            ] {
                if paused {
                    continue;
                }
                sqlx::query(&format!(
                    "INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)"
                ))
                .execute(pool)
                .await
                .unwrap_or_else(|e| panic!("{index}: {e}"));
            }
        }
        Backend::Postgres => {
            if by_name_paused {
                return;
            }
            let columns = "id, name, inactive, deleted_at, search_key";
            let differ: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM ( \
                   (SELECT {columns} FROM catalog_items EXCEPT ALL SELECT {columns} FROM catalog_items_by_name) \
                   UNION ALL \
                   (SELECT {columns} FROM catalog_items_by_name EXCEPT ALL SELECT {columns} FROM catalog_items) \
                 ) AS differ"
            ))
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(differ, 0, "rows differ between the catalog and its copy");
        }
    }
}

/// While a bulk sync has the search indexes paused, searches read the table and see every
/// write (on SQLite by scanning it, on PostgreSQL through the trigram index on the table
/// itself); a process stopped meanwhile rebuilds the indexes at its next start.
async fn an_index_left_paused_is_rebuilt_at_start(url: String, dir: &std::path::Path) {
    let cw = FakeConnectWise::start("procurement/catalog", items(), 10).await;
    let config = || config_for(&url, dir, &cw);
    let server = TestServer::start(config()).await.unwrap();
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, token) = server
        .user_with_grants(&["procurement.catalog.fetch.many"])
        .await;
    assert_eq!(found(&server, &token, "optiplex").await, ["OPT-7020"]);

    let store = &server.state.store;
    assert!(store.pause_search_index("catalog_items").await.unwrap());
    sqlx::query("UPDATE catalog_items SET search_key = 'zebra crossing opt-7020' WHERE identifier = 'OPT-7020'")
        .execute(&store.db().pool)
        .await
        .unwrap();
    assert_eq!(
        found(&server, &token, "zebra").await,
        ["OPT-7020"],
        "paused: the search scans the table, not the index that has not seen the write"
    );
    assert!(
        found(&server, &token, "optiplex").await.is_empty(),
        "paused: the stale index is not asked"
    );
    // As migrations 16 and 17 leave a catalog synced before them: the name-ordered index (the
    // copy) waits too.
    sqlx::query(
        "INSERT INTO search_index_paused (tbl, since) VALUES ('catalog_items_by_name', '2026-01-01T00:00:00.000Z') \
         ON CONFLICT (tbl) DO NOTHING",
    )
    .execute(&store.db().pool)
    .await
    .unwrap();
    drop(server);

    let server = TestServer::start(config()).await.unwrap();
    assert_eq!(found(&server, &token, "zebra").await, ["OPT-7020"]);
    let paused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_index_paused")
        .fetch_one(&server.state.store.db().pool)
        .await
        .unwrap();
    assert_eq!(paused, 0);
    assert_indexes_match_table(&server).await;
}

on_both_backends!(
    an_index_left_paused_is_rebuilt_at_start,
    an_index_left_paused_is_rebuilt_at_start_on_sqlite,
    an_index_left_paused_is_rebuilt_at_start_on_postgres
);

/// Catalog items named to spread a few terms over the whole name order: `count` of them, every
/// seventh inactive.
fn named_items(count: i64) -> Vec<Value> {
    const NAMES: &[&str] = &[
        "Apex",
        "Dell Latitude",
        "Dell OptiPlex",
        "HP Latitude-like",
        "Zebra",
    ];
    (1..=count)
        .map(|id| {
            let name = format!(
                "{} {}",
                NAMES[id as usize % NAMES.len()],
                100 + id * 37 % 90
            );
            json!({"id": id, "identifier": format!("SKU-{id:04}"), "description": name,
                   "inactiveFlag": id % 7 == 0, "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}})
        })
        .collect()
}

/// The ids a search route gives page after page, by number or by cursor, `rpp` at a time; the
/// count every page gives must be the number of ids in all.
async fn paged(
    server: &TestServer,
    token: &str,
    term: &str,
    include_inactive: bool,
    by_cursor: bool,
) -> Vec<String> {
    let base =
        format!("/v1/procurement/items?search={term}&rpp=6&includeInactive={include_inactive}");
    let (mut ids, mut totals) = (Vec::new(), Vec::new());
    let mut next: Option<String> = None;
    for page in 1.. {
        let path = match (&next, by_cursor) {
            (Some(cursor), true) => format!("{base}&cursor={cursor}"),
            _ => format!("{base}&page={page}"),
        };
        let (status, body) = server.as_user(token).get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let data = body["data"].as_array().unwrap();
        ids.extend(data.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        totals.push(body["meta"]["pagination"]["totalRecords"].as_u64().unwrap());
        next = body["meta"]["pagination"]["nextCursor"]
            .as_str()
            .map(str::to_owned);
        if next.is_none() {
            break;
        }
        assert_eq!(data.len(), 6, "{path}: a page before the last is full");
    }
    assert!(
        totals.iter().all(|t| *t == ids.len() as u64),
        "{term}: {totals:?}"
    );
    ids
}

/// The ids of a plain `LIKE` over the table, in list order (name, then id).
async fn plain_like_in_order(
    server: &TestServer,
    term: &str,
    include_inactive: bool,
) -> Vec<String> {
    let active = if include_inactive {
        ""
    } else {
        "AND inactive = 0"
    };
    sqlx::query_scalar(&format!(
        "SELECT id FROM catalog_items WHERE deleted_at IS NULL {active} \
         AND search_key LIKE $1 ESCAPE '\\' ORDER BY name, id"
    ))
    .bind(optima_server::api::pagination::like_pattern(term))
    .fetch_all(&server.state.store.db().pool)
    .await
    .unwrap()
}

/// Every term's pages, by number and by cursor, hold what a plain `LIKE` finds, in name order,
/// whichever way a page is read: in one pass over a few matches, by sorting them, or from the
/// name-ordered index (here from eight matches on).
async fn pages_in_name_order(server: &TestServer, token: &str) {
    let db = server.state.store.db();
    let buckets = db.search_tuning().name_bucket_rows;
    let ways = [(1000, 1000), (2, 1000), (2, 8)].map(|(few_matches, by_name_from)| SearchTuning {
        few_matches,
        by_name_from,
        name_bucket_rows: buckets,
    });
    for way in ways {
        db.set_search_tuning(way);
        for term in [
            "latitude", "ape", "zebra 1", "sku-00", "sku-0001", "nothing",
        ] {
            for include_inactive in [false, true] {
                let expected = plain_like_in_order(server, term, include_inactive).await;
                for by_cursor in [false, true] {
                    assert_eq!(
                        paged(server, token, term, include_inactive, by_cursor).await,
                        expected,
                        "{term}, inactive too: {include_inactive}, by cursor: {by_cursor}, {way:?}"
                    );
                }
            }
        }
    }
    assert_indexes_match_table(server).await;
}

/// Pages of a search are in name order and miss nothing, however they are read: on SQLite in
/// one pass over a few matches, by sorting more, or from the name-ordered index (here from eight
/// matches on, in buckets of three rows), across bucket boundaries, after the triggers moved items between buckets, while that index waits for its
/// rebuild, and after it.
async fn search_pages_follow_name_order(url: String, dir: &std::path::Path) {
    let cw = FakeConnectWise::start("procurement/catalog", named_items(60), 25).await;
    let server = TestServer::start(config_for(&url, dir, &cw)).await.unwrap();
    let store = &server.state.store;
    // Buckets of three rows.
    let buckets = |name_bucket_rows| SearchTuning {
        name_bucket_rows,
        ..SearchTuning::default()
    };
    store.db().set_search_tuning(buckets(3));
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    // The sync rebuilt it in the background; this waits for that, or does it.
    store
        .rebuild_name_ordered_index("catalog_items")
        .await
        .unwrap();
    let (_, token) = server
        .user_with_grants(&["procurement.catalog.fetch.many"])
        .await;
    pages_in_name_order(&server, &token).await;

    // Row by row, through the triggers: names before the first bucket, between buckets and
    // after the last; renames across buckets; a new key; deletions, hard and soft; items
    // turning inactive and back.
    let pool = &store.db().pool;
    for (n, name) in [
        (901, "Aardvark Latitude"),
        (902, "Dell Latitude 150a"),
        (903, "Zzz dell 1"),
    ] {
        sqlx::query(
            "INSERT INTO catalog_items (id, cw_id, identifier, name, search_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        )
        .bind(format!("{n:032x}"))
        .bind(n)
        .bind(format!("SKU-{n}"))
        .bind(name)
        .bind(format!("{} sku-{n}", name.to_lowercase()))
        .execute(pool)
        .await
        .unwrap();
    }
    for statement in [
        "UPDATE catalog_items SET name = 'Aaa ' || name WHERE identifier IN ('SKU-0003', 'SKU-0040')",
        "UPDATE catalog_items SET name = 'Zz ' || name WHERE identifier = 'SKU-0011'",
        "UPDATE catalog_items SET search_key = 'apex latitude 1' WHERE identifier = 'SKU-0020'",
        "UPDATE catalog_items SET deleted_at = '2026-02-01T00:00:00.000Z' WHERE identifier = 'SKU-0006'",
        "DELETE FROM catalog_items WHERE identifier = 'SKU-0012'",
        "UPDATE catalog_items SET inactive = 1 - inactive WHERE identifier IN ('SKU-0014', 'SKU-0016')",
    ] {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
    pages_in_name_order(&server, &token).await;

    // A bulk write pauses both indexes; the one every search uses comes back first.
    if store.pause_search_index("catalog_items").await.unwrap() {
        sqlx::query("UPDATE catalog_items SET name = name || ' x' WHERE cw_id % 2 = 0")
            .execute(pool)
            .await
            .unwrap();
        pages_in_name_order(&server, &token).await;
        store.resume_search_index("catalog_items").await.unwrap();
        pages_in_name_order(&server, &token).await;
        store.db().set_search_tuning(buckets(5));
        store
            .rebuild_name_ordered_index("catalog_items")
            .await
            .unwrap();
        let paused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_index_paused")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(paused, 0);
    }
    pages_in_name_order(&server, &token).await;
}

on_both_backends!(
    search_pages_follow_name_order,
    search_pages_follow_name_order_on_sqlite,
    search_pages_follow_name_order_on_postgres
);

/// Two rebuilds of PostgreSQL's copy that start together (a process's start beside another's
/// sync, the CLI's repair after its own sync) rebuild it once: the second waits for the first,
/// then finds nothing paused, instead of emptying the copy again after searches went back to it.
#[tokio::test]
async fn rebuilds_started_together_rebuild_the_copy_once() {
    let Some(url) = optima_server::testing::postgres_test_url("rebuilds_started_together").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cw = FakeConnectWise::start("procurement/catalog", items(), 10).await;
    let server = TestServer::start(config_for(&url, dir.path(), &cw))
        .await
        .unwrap();
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let store = server.state.store.clone();
    store
        .rebuild_name_ordered_index("catalog_items")
        .await
        .unwrap();
    let pool = &store.db().pool;
    // Each rebuild empties the copy first: a TRUNCATE trigger counts them.
    for statement in [
        "CREATE TABLE test_copy_truncations (at TIMESTAMPTZ NOT NULL DEFAULT now())",
        "CREATE FUNCTION test_count_truncation() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN INSERT INTO test_copy_truncations DEFAULT VALUES; RETURN NULL; END $$",
        "CREATE TRIGGER test_count_truncation AFTER TRUNCATE ON catalog_items_by_name \
         FOR EACH STATEMENT EXECUTE FUNCTION test_count_truncation()",
        "INSERT INTO search_index_paused (tbl, since) VALUES ('catalog_items_by_name', '2026-01-01T00:00:00.000Z')",
    ] {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
    // Both rebuilds queue behind a lock that neither can take, and start when it goes.
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE catalog_items IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let rebuild = || {
        let store = store.clone();
        tokio::spawn(async move { store.rebuild_name_ordered_index("catalog_items").await })
    };
    let (first, second) = (rebuild(), rebuild());
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_locks WHERE relation = 'catalog_items'::regclass AND NOT granted",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    holder.commit().await.unwrap();
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();

    let truncations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM test_copy_truncations")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(truncations, 1, "the copy was rebuilt {truncations} times");
    assert!(
        !store
            .name_ordered_index_paused("catalog_items")
            .await
            .unwrap()
    );
    assert_indexes_match_table(&server).await;
}
