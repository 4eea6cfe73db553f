//! Procurement: the catalog sync from a stand-in ConnectWise (several pages, lenient payloads,
//! updates, deletions, incremental runs), the list/get/count routes, links between items, and
//! the live inventory refresh.

#[path = "support/fake_connectwise.rs"]
mod fake_connectwise;

use fake_connectwise::{BASE, FakeConnectWise};
use optima_server::config::Config;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const PAGE: usize = 3;

/// A catalog item the way ConnectWise sends them: numbers and flags sometimes as strings,
/// fields Optima does not know, custom fields of every kind.
fn item(id: i64, identifier: &str, description: &str, updated: &str) -> Value {
    json!({
        "id": id,
        "identifier": identifier,
        "description": description,
        "inactiveFlag": false,
        "subcategory": {"id": 12, "name": "Desktops", "_info": {"subcategory_href": "https://x/sub/12"}},
        "type": {"id": 3, "name": "Hardware"},
        "productClass": "Inventory",
        "serializedFlag": "true",
        "unitOfMeasure": {"id": 1, "name": "Each"},
        "price": "899.99",
        "cost": 650,
        "priceAttribute": "FixedFee",
        "taxableFlag": true,
        "customerDescription": format!("{description} for business"),
        "manufacturer": {"id": 45, "name": "Dell"},
        "manufacturerPartNumber": format!("MPN-{identifier}"),
        "vendor": {"id": "12", "identifier": "DellDirect", "name": "Dell Direct"},
        "vendorSku": format!("SKU-{identifier}"),
        "notes": "",
        "minStockLevel": "",
        "someNewVendorField": {"nested": [1, 2, 3]},
        "customFields": [
            {"id": 4, "caption": "Warranty", "type": "Text", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": "3 years"},
            {"id": 5, "caption": "Weight", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 2, "value": 4.25},
            {"id": 6, "caption": "Refurb", "type": "Checkbox", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": false},
            {"id": 7, "caption": "EOL", "type": "Date", "entryMethod": "Date", "numberOfDecimals": 0, "value": null}
        ],
        "_info": {"lastUpdated": updated, "updatedBy": "SyncBot", "dateEntered": "2025-01-01T00:00:00Z"}
    })
}

async fn server_on(url: String, dir: &std::path::Path, cw: Option<&FakeConnectWise>) -> TestServer {
    let mut config = Config::for_database(url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from("procurement".to_owned()));
    config.connectwise = cw.map(FakeConnectWise::config);
    TestServer::start(config).await.unwrap()
}

async fn server_with(cw: Option<&FakeConnectWise>) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = server_on(sqlite_test_url(dir.path()), dir.path(), cw).await;
    (server, dir)
}

/// One text field of every item on a page.
fn column(body: &Value, field: &str) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|c| c[field].as_str().unwrap().to_owned())
        .collect()
}

fn names(body: &Value) -> Vec<String> {
    column(body, "name")
}

fn seven_items() -> Vec<Value> {
    let mut inactive = item(
        106,
        "OLD-SWITCH",
        "Netgear Old Switch",
        "2026-01-06T00:00:00Z",
    );
    inactive["inactiveFlag"] = json!("true");
    // Missing fields: no manufacturer, vendor, price or _info.
    let sparse = json!({"id": 107, "identifier": "LABOR-HR", "description": "Labor hour", "productClass": "Service"});
    vec![
        item(
            101,
            "OPT7020-SFF",
            "Dell OptiPlex 7020",
            "2026-01-01T00:00:00Z",
        ),
        item(
            102,
            "DELL-WAR-3YR",
            "Dell Warranty - 3 Year",
            "2026-01-02T00:00:00Z",
        ),
        item(103, "LAT5440", "Dell Latitude 5440", "2026-01-03T00:00:00Z"),
        item(104, "UAP-AC-PRO", "UniFi AP AC Pro", "2026-01-04T00:00:00Z"),
        item(105, "USW-24", "UniFi Switch 24", "2026-01-05T00:00:00Z"),
        inactive,
        sparse,
    ]
}

/// The whole sync story on one database.
async fn sync_and_list(server: &TestServer, cw: &FakeConnectWise) {
    let state = &server.state;
    let r = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(r.kind, "catalog");
    assert_eq!(
        (r.fetched, r.created, r.updated, r.deleted, r.skipped),
        (7, 7, 0, 0, 0),
        "{r}"
    );
    let pages = cw.list_queries().await;
    assert_eq!(pages.len(), 3, "7 items at 3 a page: {pages:?}");
    assert!(pages.iter().all(|q| q.contains("pageSize=1000")));

    let (_, token) = server
        .user_with_grants(&[
            "procurement.catalog.fetch.many",
            "procurement.catalog.fetch",
        ])
        .await;
    let caller = server.as_user(&token);

    // The spec's shape, with numbers sent as strings read as numbers.
    let (status, body) = caller.get("/v1/procurement/items?search=optiplex").await;
    assert_eq!(status, 200, "{body}");
    let first = &body["data"][0];
    assert_eq!(first["cwCatalogId"], 101);
    assert_eq!(first["name"], "Dell OptiPlex 7020");
    assert_eq!(first["identifier"], "OPT7020-SFF");
    assert_eq!(
        first["customerDescription"],
        "Dell OptiPlex 7020 for business"
    );
    assert_eq!(first["internalNotes"], Value::Null);
    assert_eq!(first["manufacturer"], "Dell");
    assert_eq!(first["manufactureCwId"], 45);
    assert_eq!(first["partNumber"], "MPN-OPT7020-SFF");
    assert_eq!(first["vendorName"], "Dell Direct");
    assert_eq!(first["vendorSku"], "SKU-OPT7020-SFF");
    assert_eq!(first["vendorCwId"], 12);
    assert_eq!(first["price"], 899.99);
    assert_eq!(first["cost"], 650.0);
    assert_eq!(first["inactive"], false);
    assert_eq!(first["salesTaxable"], true);
    assert_eq!(first["onHand"], 0.0);
    assert_eq!(first["cwLastUpdated"], "2026-01-01T00:00:00.000Z");
    assert!(first.get("linkedItems").is_none());
    assert_eq!(
        body["meta"]["pagination"],
        json!({"previousPage": null, "currentPage": 1, "nextPage": null, "totalPages": 1, "totalRecords": 1, "listedRecords": 1, "nextCursor": null})
    );

    // Default: active only, by name; inactive with includeInactive.
    let (_, body) = caller.get("/v1/procurement/items").await;
    assert_eq!(
        names(&body),
        [
            "Dell Latitude 5440",
            "Dell OptiPlex 7020",
            "Dell Warranty - 3 Year",
            "Labor hour",
            "UniFi AP AC Pro",
            "UniFi Switch 24"
        ]
    );
    let (_, body) = caller
        .get("/v1/procurement/items?includeInactive=true&rpp=4&page=2")
        .await;
    assert_eq!(
        body["meta"]["pagination"],
        json!({"previousPage": 1, "currentPage": 2, "nextPage": null, "totalPages": 2, "totalRecords": 7, "listedRecords": 3, "nextCursor": null})
    );
    assert_eq!(
        names(&body),
        ["Netgear Old Switch", "UniFi AP AC Pro", "UniFi Switch 24"]
    );

    // Search: name, description, part number, vendor SKU, manufacturer; any case.
    for (term, expected) in [
        ("LATITUDE", vec!["Dell Latitude 5440"]),
        // The customer description is not searched.
        ("for business", vec![]),
        ("mpn-uap", vec!["UniFi AP AC Pro"]),
        ("sku-usw-24", vec!["UniFi Switch 24"]),
        (
            "dell",
            vec![
                "Dell Latitude 5440",
                "Dell OptiPlex 7020",
                "Dell Warranty - 3 Year",
                "UniFi AP AC Pro",
                "UniFi Switch 24",
            ],
        ),
        ("labor-hr", vec!["Labor hour"]),
        ("100%", vec![]),
    ] {
        let (status, body) = caller
            .get(&format!("/v1/procurement/items?search={}", urlencode(term)))
            .await;
        assert_eq!(status, 200);
        assert_eq!(names(&body), expected, "search {term}");
        // Past the last page the total still holds.
        let (_, past) = caller
            .get(&format!(
                "/v1/procurement/items?search={}&page=9",
                urlencode(term)
            ))
            .await;
        assert_eq!(names(&past), Vec::<String>::new());
        assert_eq!(past["meta"]["pagination"]["totalRecords"], expected.len());
        assert_eq!(body["meta"]["pagination"]["totalRecords"], expected.len());
    }
    let (_, body) = caller.get("/v1/procurement/items?search=netgear").await;
    assert_eq!(
        names(&body),
        Vec::<String>::new(),
        "inactive hidden from search"
    );
    let (_, body) = caller
        .get("/v1/procurement/items?search=netgear&includeInactive=true")
        .await;
    assert_eq!(names(&body), ["Netgear Old Switch"]);

    // Missing fields stay null.
    let (_, body) = caller.get("/v1/procurement/items/107").await;
    assert_eq!(body["data"]["price"], Value::Null);
    assert_eq!(body["data"]["manufacturer"], Value::Null);
    assert_eq!(body["data"]["cwLastUpdated"], Value::Null);
    assert_eq!(body["data"]["salesTaxable"], false);

    // Count.
    let (_, body) = caller.get("/v1/procurement/count").await;
    assert_eq!(body["data"], json!({"count": 7}));
    let (_, body) = caller.get("/v1/procurement/count?activeOnly=true").await;
    assert_eq!(body["data"], json!({"count": 6}));

    // An update and a deletion, found by a full sync.
    {
        let mut data = cw.records.lock().unwrap();
        data[2] = item(103, "LAT5440", "Dell Latitude 5450", "2026-02-01T00:00:00Z");
        data.remove(4);
    }
    let r = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap()
        .remove(0);
    // Updated: the renamed item, and the one without `_info.lastUpdated` (nothing tells
    // that it is unchanged, so it is written again).
    assert_eq!(
        (r.created, r.updated, r.unchanged, r.deleted),
        (0, 2, 4, 1),
        "{r}"
    );
    let (_, body) = caller.get("/v1/procurement/items?search=unifi").await;
    assert_eq!(
        names(&body),
        ["UniFi AP AC Pro"],
        "the deleted switch is gone"
    );
    let (status, body) = caller.get("/v1/procurement/items/105").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("CatalogItemNotFound"))
    );
    let (_, body) = caller.get("/v1/procurement/count").await;
    assert_eq!(body["data"]["count"], 6);
    let (_, body) = caller.get("/v1/procurement/items/103").await;
    assert_eq!(body["data"]["name"], "Dell Latitude 5450");

    // Incremental: only what changed since the watermark is asked for; a deleted item that
    // comes back is live again.
    {
        let mut data = cw.records.lock().unwrap();
        data.push(item(108, "U7-PRO", "UniFi U7 Pro", "2026-03-01T00:00:00Z"));
        data.push(item(
            105,
            "USW-24",
            "UniFi Switch 24 PoE",
            "2026-03-02T00:00:00Z",
        ));
    }
    let r = run_target(state, SyncTarget::Catalog, SyncMode::Incremental, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert!(!r.full);
    assert_eq!(
        (r.fetched, r.created, r.updated, r.deleted),
        (3, 1, 1, 0),
        "{r}"
    );
    let last = cw.list_queries().await.pop().unwrap();
    let conditions = url::form_urlencoded::parse(last.as_bytes())
        .find(|(k, _)| k == "conditions")
        .map(|(_, v)| v.into_owned());
    assert_eq!(
        conditions.as_deref(),
        Some("lastUpdated >= [2026-02-01T00:00:00Z]")
    );
    let (_, body) = caller.get("/v1/procurement/items?search=unifi").await;
    assert_eq!(
        names(&body),
        ["UniFi AP AC Pro", "UniFi Switch 24 PoE", "UniFi U7 Pro"]
    );

    // Bad paging names the parameter.
    let (status, bad) = caller.get("/v1/procurement/items?rpp=0").await;
    assert_eq!(
        (status, bad["errors"][0]["path"].clone()),
        (400, json!(["parameter", "rpp"]))
    );
    let (status, bad) = caller
        .get("/v1/procurement/items?includeInactive=maybe")
        .await;
    assert_eq!(status, 400, "{bad}");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn catalog_sync_and_lists_on_sqlite() {
    let cw = FakeConnectWise::start("procurement/catalog", seven_items(), PAGE).await;
    let (server, _dir) = server_with(Some(&cw)).await;
    sync_and_list(&server, &cw).await;
}

#[tokio::test]
async fn catalog_sync_and_lists_on_postgres() {
    let Some(url) = postgres_test_url("catalog_sync_and_lists_on_postgres").await else {
        return;
    };
    let cw = FakeConnectWise::start("procurement/catalog", seven_items(), PAGE).await;
    let dir = tempfile::tempdir().unwrap();
    let server = server_on(url, dir.path(), Some(&cw)).await;
    sync_and_list(&server, &cw).await;
}

/// Enough items to fill more than one sync batch (5,000) and many multi-row statements (100
/// rows each), so that the rows at every boundary are checked.
const BULK: i64 = 5_250;

fn bulk_item(id: i64, description: &str, updated: &str) -> Value {
    let mut item = item(id, &format!("BULK-{id:05}"), description, updated);
    item["price"] = json!(format!("{id}.50"));
    item
}

/// A bulk sync writes every row as a one-by-one sync would: creates, then updates and
/// deletions found by a second full run, at every batch and statement boundary.
async fn bulk_sync(server: &TestServer, cw: &FakeConnectWise) {
    let state = &server.state;
    let r = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert_eq!((r.fetched, r.created), (BULK as u64, BULK as u64), "{r}");
    {
        let mut data = cw.records.lock().unwrap();
        // Every 35th item renamed (148 of them), the last 50 gone.
        for id in (35..=BULK - 50).step_by(35) {
            data[id as usize - 1] = bulk_item(id, &format!("Renamed {id}"), "2026-02-01T00:00:00Z");
        }
        data.truncate((BULK - 50) as usize);
    }
    let r = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (r.created, r.updated, r.unchanged, r.deleted),
        (0, 148, BULK as u64 - 198, 50),
        "{r}"
    );
    let (_, token) = server
        .user_with_grants(&[
            "procurement.catalog.fetch.many",
            "procurement.catalog.fetch",
        ])
        .await;
    let caller = server.as_user(&token);
    for id in [1, 100, 101, 4_999, 5_000, 5_001, 5_035, 5_200] {
        let (status, body) = caller.get(&format!("/v1/procurement/items/{id}")).await;
        assert_eq!(status, 200, "{id}: {body}");
        let renamed = id % 35 == 0;
        let name = if renamed {
            format!("Renamed {id}")
        } else {
            format!("Item {id}")
        };
        assert_eq!(body["data"]["name"], json!(name), "{id}");
        assert_eq!(body["data"]["identifier"], json!(format!("BULK-{id:05}")));
        assert_eq!(body["data"]["price"], json!(id as f64 + 0.5));
    }
    let (status, _) = caller.get("/v1/procurement/items/5201").await;
    assert_eq!(status, 404, "deleted at ConnectWise");
    let (_, body) = caller.get("/v1/procurement/items?search=renamed 50").await;
    assert_eq!(
        names(&body),
        ["Renamed 5005", "Renamed 5040", "Renamed 5075"]
    );
    let (_, body) = caller.get("/v1/procurement/count").await;
    assert_eq!(body["data"]["count"], json!(BULK - 50), "{body}");

    // Walking by cursor lists what page numbers list, in the same order, with and without a
    // search, and the last page has no cursor.
    for (query, rpp, expected) in [("", 1000, BULK - 50), ("&search=renamed", 40, 148)] {
        let mut by_page = Vec::new();
        for page in 1.. {
            let (_, body) = caller
                .get(&format!(
                    "/v1/procurement/items?rpp={rpp}&page={page}{query}"
                ))
                .await;
            let ids = ids(&body);
            if ids.is_empty() {
                break;
            }
            by_page.extend(ids);
        }
        let mut by_cursor = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let after = cursor
                .as_ref()
                .map(|c| format!("&cursor={c}"))
                .unwrap_or_default();
            let (status, body) = caller
                .get(&format!("/v1/procurement/items?rpp={rpp}{query}{after}"))
                .await;
            assert_eq!(status, 200, "{body}");
            let pagination = &body["meta"]["pagination"];
            assert_eq!(pagination["totalRecords"], json!(expected), "{pagination}");
            if cursor.is_some() {
                assert_eq!(pagination["currentPage"], json!(0), "{pagination}");
            }
            by_cursor.extend(ids(&body));
            pages += 1;
            match pagination["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, (expected as usize).div_ceil(rpp), "{query}");
        assert_eq!(by_cursor.len(), expected as usize, "{query}");
        assert_eq!(by_cursor, by_page, "{query}");
    }
    for bad in ["nonsense", "", "0123456789ABCDEF0123456789ABCDEF"] {
        let (status, body) = caller
            .get(&format!("/v1/procurement/items?cursor={bad}"))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("cursor"),
            "{body}"
        );
    }
    // Well-formed but naming no row.
    let (status, body) = caller
        .get("/v1/procurement/items?cursor=0123456789abcdef0123456789abcdef")
        .await;
    assert_eq!(status, 404, "{body}");
    // A page number beside a cursor is not used.
    let (_, first) = caller.get("/v1/procurement/items?rpp=5").await;
    let next = first["meta"]["pagination"]["nextCursor"].as_str().unwrap();
    let (_, with_page) = caller
        .get(&format!("/v1/procurement/items?rpp=5&page=9&cursor={next}"))
        .await;
    let (_, without) = caller
        .get(&format!("/v1/procurement/items?rpp=5&cursor={next}"))
        .await;
    assert_eq!(with_page["data"], without["data"]);
}

fn ids(body: &Value) -> Vec<String> {
    column(body, "id")
}

fn bulk_items() -> Vec<Value> {
    (1..=BULK)
        .map(|id| bulk_item(id, &format!("Item {id}"), "2026-01-01T00:00:00Z"))
        .collect()
}

#[tokio::test]
async fn bulk_sync_on_sqlite() {
    let cw = FakeConnectWise::start("procurement/catalog", bulk_items(), 1000).await;
    let (server, _dir) = server_with(Some(&cw)).await;
    bulk_sync(&server, &cw).await;
}

#[tokio::test]
async fn bulk_sync_on_postgres() {
    let Some(url) = postgres_test_url("bulk_sync_on_postgres").await else {
        return;
    };
    let cw = FakeConnectWise::start("procurement/catalog", bulk_items(), 1000).await;
    let dir = tempfile::tempdir().unwrap();
    let server = server_on(url, dir.path(), Some(&cw)).await;
    bulk_sync(&server, &cw).await;
}

#[tokio::test]
async fn items_link_and_unlink_by_any_identifier() {
    let cw = FakeConnectWise::start("procurement/catalog", seven_items(), PAGE).await;
    let (server, _dir) = server_with(Some(&cw)).await;
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, token) = server
        .user_with_grants(&["procurement.catalog.fetch", "procurement.catalog.link"])
        .await;
    let caller = server.as_user(&token);
    let (_, desktop) = caller.get("/v1/procurement/items/101").await;
    let desktop_id = desktop["data"]["id"].as_str().unwrap().to_owned();
    let (_, warranty) = caller.get("/v1/procurement/items/102").await;
    let warranty_id = warranty["data"]["id"].as_str().unwrap().to_owned();

    // Source by ConnectWise identifier, target by Optima id; twice is the same as once.
    for _ in 0..2 {
        let (status, body) = caller
            .post(
                "/v1/procurement/items/OPT7020-SFF/link",
                json!({"targetId": warranty_id}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["message"], "Catalog item linked successfully!");
        assert_eq!(body["data"]["id"], desktop_id.as_str());
        assert_eq!(body["data"]["identifier"], "OPT7020-SFF");
        assert_eq!(
            body["data"]["linkedItems"],
            json!([{"id": warranty_id, "cwCatalogId": 102, "identifier": "DELL-WAR-3YR", "name": "Dell Warranty - 3 Year"}])
        );
    }
    // Target by ConnectWise id, source by Optima id.
    let (status, body) = caller
        .post(
            &format!("/v1/procurement/items/{desktop_id}/link"),
            json!({"targetId": "103"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["linkedItems"].as_array().unwrap().len(), 2);

    // Links go one way.
    let (_, body) = caller.get("/v1/procurement/items/102/linked").await;
    assert_eq!(body["data"], json!([]));
    let (status, body) = caller.get("/v1/procurement/items/101/linked").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["message"],
        "Linked catalog items fetched successfully!"
    );
    let linked = body["data"].as_array().unwrap();
    assert_eq!(linked.len(), 2);
    assert_eq!(linked[0]["name"], "Dell Latitude 5440");
    assert_eq!(linked[1]["identifier"], "DELL-WAR-3YR");
    assert_eq!(linked[1]["description"], "Dell Warranty - 3 Year");
    assert_eq!(linked[1]["price"], 899.99);
    assert_eq!(linked[1]["onHand"], 0.0);

    // includeLinkedItems on the item itself.
    let (_, body) = caller
        .get("/v1/procurement/items/101?includeLinkedItems=true")
        .await;
    assert_eq!(body["data"]["linkedItems"][1]["cwCatalogId"], 102);
    let (_, body) = caller.get("/v1/procurement/items/101").await;
    assert!(body["data"].get("linkedItems").is_none());
    // The item page takes Optima or ConnectWise ids, not identifiers.
    let (status, _) = caller.get("/v1/procurement/items/OPT7020-SFF").await;
    assert_eq!(status, 404);

    // Rules: not to itself (400, with the path), not to or from an unknown item (404), a body
    // that does not parse (400, with the path).
    let (status, body) = caller
        .post(
            "/v1/procurement/items/101/link",
            json!({"targetId": desktop_id}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["body", "targetId"]));
    let (status, body) = caller
        .post(
            "/v1/procurement/items/101/link",
            json!({"targetId": "no-such-item"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("CatalogItemNotFound"))
    );
    let (status, _) = caller
        .post(
            "/v1/procurement/items/999999/link",
            json!({"targetId": warranty_id}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = caller
        .post("/v1/procurement/items/101/link", json!({"target": 1}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["path"][0], "body");
    let (status, body) = caller
        .post("/v1/procurement/items/101/link", json!({"targetId": 102}))
        .await;
    assert_eq!(status, 400, "a number is not an id string: {body}");
    assert_eq!(body["errors"][0]["path"], json!(["body", "targetId"]));

    // Unlink, by the warranty's ConnectWise identifier; unlinking again changes nothing.
    for _ in 0..2 {
        let (status, body) = caller
            .post(
                "/v1/procurement/items/OPT7020-SFF/unlink",
                json!({"targetId": "DELL-WAR-3YR"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["message"], "Catalog item unlinked successfully!");
        let left: Vec<&str> = body["data"]["linkedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(left, ["Dell Latitude 5440"]);
    }

    // A linked item deleted in ConnectWise drops out of the links (the link is kept).
    cw.records.lock().unwrap().retain(|i| i["id"] != 103);
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, body) = caller.get("/v1/procurement/items/101/linked").await;
    assert_eq!(body["data"], json!([]));
}

#[tokio::test]
async fn inventory_is_refreshed_from_connectwise() {
    let cw = FakeConnectWise::start("procurement/catalog", seven_items(), PAGE).await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/procurement/catalog/101/inventory")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "catalogItem": {"id": 101, "identifier": "OPT7020-SFF"}, "warehouse": {"id": 1, "name": "Main"}, "warehouseBin": {"id": 1, "name": "Shelf A"}, "onHand": 5, "serialNumbers": ["SN1", "SN2"], "_info": {"lastUpdated": "2026-02-26T12:00:00Z"}},
            {"id": 2, "catalogItem": {"id": 101}, "warehouse": {"id": 2, "name": "Van"}, "onHand": "2", "unknownField": true},
            {"id": 3, "catalogItem": {"id": 101}, "warehouse": {"id": 3, "name": "Returns"}, "onHand": ""},
            {"id": 4, "catalogItem": {"id": 101}, "warehouse": {"id": 4, "name": "Demo"}}
        ])))
        .mount(&cw.server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/procurement/catalog/102/inventory")))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"code": "InternalError", "message": "Object reference not set to an instance of an object."}),
        ))
        .mount(&cw.server)
        .await;
    let (server, _dir) = server_with(Some(&cw)).await;
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, token) = server
        .user_with_grants(&[
            "procurement.catalog.fetch",
            "procurement.catalog.inventory.refresh",
        ])
        .await;
    let caller = server.as_user(&token);
    let (_, before) = caller.get("/v1/procurement/items/101").await;
    let (status, body) = caller
        .post("/v1/procurement/items/101/refresh-inventory", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Inventory refreshed successfully!");
    let data = &body["data"];
    assert_eq!(data["onHand"], 7.0, "5 + \"2\" + \"\" + missing");
    assert_eq!(data["cwCatalogId"], 101);
    assert_eq!(data["name"], "Dell OptiPlex 7020");
    assert_eq!(data["price"], 899.99);
    assert_eq!(data["inactive"], false);
    assert_ne!(data["updatedAt"], before["data"]["updatedAt"]);
    let (_, after) = caller.get("/v1/procurement/items/101").await;
    assert_eq!(after["data"]["onHand"], 7.0, "stored");
    assert_eq!(after["data"]["updatedAt"], data["updatedAt"]);

    // A later sync keeps the stock it does not carry.
    cw.records.lock().unwrap()[0] = item(
        101,
        "OPT7020-SFF",
        "Dell OptiPlex 7020 SFF",
        "2026-04-01T00:00:00Z",
    );
    run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, after) = caller.get("/v1/procurement/items/101").await;
    assert_eq!(after["data"]["name"], "Dell OptiPlex 7020 SFF");
    assert_eq!(after["data"]["onHand"], 7.0);

    // ConnectWise failing is a 502 that names it, without secrets.
    let (status, body) = caller
        .post("/v1/procurement/items/102/refresh-inventory", None)
        .await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], "ConnectWiseError");
    assert!(body["message"].as_str().unwrap().contains("ConnectWise"));
    assert!(!body.to_string().contains("cw-private-key"));
    let (status, _) = caller
        .post("/v1/procurement/items/nope/refresh-inventory", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn without_connectwise_live_routes_and_sync_say_so() {
    let (server, _dir) = server_with(None).await;
    sqlx::query(
        "INSERT INTO catalog_items (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ('i1', 1, 'A', 'A', 'a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
    let (_, token) = server
        .user_with_grants(&[
            "procurement.catalog.fetch",
            "procurement.catalog.fetch.many",
            "procurement.catalog.inventory.refresh",
        ])
        .await;
    let caller = server.as_user(&token);
    let (status, body) = caller
        .post("/v1/procurement/items/i1/refresh-inventory", None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("IntegrationNotConfigured"))
    );
    assert!(body["message"].as_str().unwrap().contains("ConnectWise"));
    // The local routes work without it.
    let (status, body) = caller.get("/v1/procurement/items").await;
    assert_eq!(
        (status, body["meta"]["pagination"]["totalRecords"].clone()),
        (200, json!(1))
    );
    let err = run_target(&server.state, SyncTarget::Catalog, SyncMode::Full, &Quiet)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("ConnectWise is not configured"),
        "{err}"
    );
    // `all` skips what is not configured.
    let reports = run_target(&server.state, SyncTarget::All, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    assert!(reports.iter().all(|r| r.kind != "catalog"));
}

/// Items of a large catalog: many batches, so that a failure can strike in the middle.
const LARGE: i64 = 30_000;

/// Whether an item is served, and found by a search for its identifier.
async fn served_and_found(
    caller: &optima_server::testing::TestClient<'_>,
    id: i64,
) -> (bool, bool) {
    let (status, _) = caller.get(&format!("/v1/procurement/items/{id}")).await;
    let (_, body) = caller
        .get(&format!("/v1/procurement/items?search=bulk-{id:05}"))
        .await;
    (status == 200, !column(&body, "identifier").is_empty())
}

/// After a failed sync: the watermark has not moved and the search index is not left paused.
async fn assert_failed_cleanly(state: &optima_server::state::AppState) {
    assert_eq!(state.store.sync_watermark("catalog").await.unwrap(), None);
    let paused = state.store.search_index_paused("catalog_items").await;
    assert!(!paused.unwrap(), "the search index is left paused");
}

/// A sync that fails half-way, on either side, keeps what it committed, leaves the search
/// index current, does not move the watermark, and stops reading when it can no longer write.
async fn a_failure_ends_the_sync(url: String, dir: &std::path::Path) {
    let items: Vec<Value> = (1..=LARGE)
        .map(|id| bulk_item(id, &format!("Item {id}"), "2026-01-01T00:00:00Z"))
        .collect();
    let cw = FakeConnectWise::start("procurement/catalog", items, 1000).await;
    // The database refuses the items listed in `test_refusals`: item 7,500, in the second
    // batch of 5,000. The server under test starts on it as it is (an SQLite connection open
    // while another changes the schema may fail its next statement once).
    let migrated = server_on(url.clone(), dir, Some(&cw)).await;
    let sqlite = migrated.state.store.db().backend == optima_server::db::Backend::Sqlite;
    let refuse = match sqlite {
        true => vec![
            "CREATE TABLE test_refusals (cw_id BIGINT)",
            "CREATE TRIGGER refuse BEFORE INSERT ON catalog_items \
             WHEN new.cw_id IN (SELECT cw_id FROM test_refusals) \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ],
        false => vec![
            "CREATE TABLE test_refusals (cw_id BIGINT)",
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN \
             IF NEW.cw_id IN (SELECT cw_id FROM test_refusals) THEN \
             RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON catalog_items \
             FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
    };
    for sql in refuse
        .into_iter()
        .chain(["INSERT INTO test_refusals (cw_id) VALUES (7500)"])
    {
        sqlx::query(sql)
            .execute(&migrated.state.store.db().pool)
            .await
            .unwrap();
    }
    drop(migrated);
    let server = server_on(url, dir, Some(&cw)).await;
    let state = &server.state;
    let db = state.store.db();
    let (_, token) = server
        .user_with_grants(&[
            "procurement.catalog.fetch.many",
            "procurement.catalog.fetch",
        ])
        .await;
    let caller = server.as_user(&token);

    let failed = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet).await;
    let error = failed
        .expect_err("the write of item 7,500 fails")
        .to_string();
    assert!(error.contains("refused by the test"), "{error}");
    // Reading stops once the writer is gone: it is at most the failed batch, the two queued
    // behind it and the one being filled ahead, five pages each.
    let pages = cw.list_queries().await.len();
    assert!(
        pages <= 25,
        "{pages} of 30 pages read after the write failed"
    );
    assert_failed_cleanly(state).await;
    assert_eq!(
        served_and_found(&caller, 100).await,
        (true, true),
        "first batch kept"
    );
    assert_eq!(
        served_and_found(&caller, 7_499).await,
        (false, false),
        "failed batch undone"
    );

    // The vendor fails at page 12 (items 11,001 to 12,000): the writer still writes the
    // batches read before it, and the search index is rebuilt.
    sqlx::query("DELETE FROM test_refusals")
        .execute(&db.pool)
        .await
        .unwrap();
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/procurement/catalog")))
        .and(wiremock::matchers::query_param("page", "12"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"code": "Boom"})))
        .with_priority(1)
        .mount(&cw.server)
        .await;
    let failed = run_target(state, SyncTarget::Catalog, SyncMode::Full, &Quiet).await;
    assert!(failed.is_err(), "page 12 fails");
    assert_failed_cleanly(state).await;
    assert_eq!(
        served_and_found(&caller, 7_499).await,
        (true, true),
        "second batch written"
    );
    assert_eq!(
        served_and_found(&caller, 12_500).await,
        (false, false),
        "never read"
    );
}

#[tokio::test]
async fn a_failure_ends_the_sync_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_failure_ends_the_sync(sqlite_test_url(dir.path()), dir.path()).await;
}

#[tokio::test]
async fn a_failure_ends_the_sync_on_postgres() {
    let Some(url) = postgres_test_url("a_failure_ends_the_sync").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    a_failure_ends_the_sync(url, dir.path()).await;
}
