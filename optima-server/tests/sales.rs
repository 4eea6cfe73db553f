//! Sales: the opportunity sync from a stand-in ConnectWise (several pages, lenient payloads,
//! updates, deletions, incremental runs), the list/get/count routes, the refresh, and the live
//! forecast (object and array forms), notes and contacts.

#[path = "support/fake_connectwise.rs"]
mod fake_connectwise;

use fake_connectwise::{BASE, FakeConnectWise};
use optima_server::config::Config;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use serde_json::{Value, json};

const PAGE: usize = 2;

/// An opportunity the way ConnectWise sends them: ids and amounts sometimes as strings,
/// fields Optima does not know, custom fields, no `closedFlag` on most codebases.
fn opportunity(id: i64, name: &str, company: i64, updated: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "expectedCloseDate": "2026-04-15T00:00:00Z",
        "type": {"id": 1, "name": "New", "_info": {"type_href": "https://x/types/1"}},
        "stage": {"id": "3", "name": "Proposal"},
        "status": {"id": 1, "name": "Open"},
        "priority": {"id": 2, "name": "High"},
        "notes": "Full network redesign and hardware refresh",
        "probability": {"id": 7, "name": "70"},
        "source": "Referral",
        "rating": {"id": 1, "name": "Hot"},
        "campaign": null,
        "primarySalesRep": {"id": 10, "identifier": "JDoe", "name": "John Doe", "_info": {"member_href": "https://x/members/10"}},
        "locationId": 1,
        "businessUnitId": 5,
        "department": {"id": 5, "name": "Sales"},
        "company": {"id": company, "identifier": "AcmeCorp", "name": "Acme Corp"},
        "contact": {"id": 200, "name": "Jane Smith"},
        "site": {"id": 50, "name": "Main Office"},
        "customerPO": "",
        "pipelineChangeDate": "2026-02-20T00:00:00Z",
        "dateBecameLead": "2026-01-10T00:00:00Z",
        "closedDate": null,
        "totalSalesTax": "0.00",
        "shipToCompany": {"id": company},
        "currency": {"id": 7, "symbol": "$", "isoCode": "USD", "name": "US Dollars"},
        "someNewField": [1, "two"],
        "customFields": [
            {"id": 1, "caption": "Region", "type": "Text", "entryMethod": "List", "numberOfDecimals": 0, "value": "West"},
            {"id": 2, "caption": "Seats", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": "25"}
        ],
        "_info": {"lastUpdated": updated, "updatedBy": "SyncBot"}
    })
}

async fn server_on(url: String, dir: &std::path::Path, cw: Option<&FakeConnectWise>) -> TestServer {
    let mut config = Config::for_database(url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from("sales".to_owned()));
    config.connectwise = cw.map(FakeConnectWise::config);
    let server = TestServer::start(config).await.unwrap();
    // Acme is synced as an Optima company; the company of opportunity 5 is not (yet).
    sqlx::query(
        "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ('company-acme', 100, 'AcmeCorp', 'Acme Corp', 'acme corp acmecorp', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
    server
}

async fn server_with(cw: Option<&FakeConnectWise>) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = server_on(sqlite_test_url(dir.path()), dir.path(), cw).await;
    (server, dir)
}

fn names(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

fn five_opportunities() -> Vec<Value> {
    let mut won = opportunity(3, "Beta Firewall", 100, "2026-01-03T00:00:00Z");
    won["status"] = json!({"id": 2, "name": "Won"});
    won["closedFlag"] = json!("true");
    won["closedDate"] = json!("2026-02-01T00:00:00Z");
    won["closedBy"] = json!({"id": 10, "identifier": "JDoe", "name": "John Doe"});
    // Lost, told only by its closed date (no closedFlag sent).
    let mut lost = opportunity(4, "Gamma Phones", 100, "2026-01-04T00:00:00Z");
    lost["status"] = json!({"id": 3, "name": "Lost"});
    lost["closedDate"] = json!("2026-02-02T00:00:00Z");
    // Sparse: only an id, a name and _info.
    let sparse = json!({"id": 5, "name": "Delta Cabling", "company": {"id": "300", "name": "Delta"}, "_info": {"lastUpdated": "2026-01-05T00:00:00Z"}});
    vec![
        opportunity(1, "Acme Corp Network Refresh", 100, "2026-01-01T00:00:00Z"),
        opportunity(2, "Acme Backup", 100, "2026-01-02T00:00:00Z"),
        won,
        lost,
        sparse,
    ]
}

async fn sync_and_list(server: &TestServer, cw: &FakeConnectWise) {
    let state = &server.state;
    let r = run_target(state, SyncTarget::Opportunities, SyncMode::Full, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(r.kind, "opportunities");
    assert_eq!(
        (r.fetched, r.created, r.updated, r.deleted),
        (5, 5, 0, 0),
        "{r}"
    );
    let pages = cw
        .server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|q| q.url.path() == format!("{BASE}/sales/opportunities"))
        .count();
    assert_eq!(pages, 3, "5 opportunities at 2 a page");

    let (_, token) = server
        .user_with_grants(&["sales.opportunity.fetch.many", "sales.opportunity.fetch"])
        .await;
    let caller = server.as_user(&token);

    // Open ones by default, by name.
    let (status, body) = caller.get("/v1/sales/opportunities").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Opportunities fetched successfully!");
    assert_eq!(
        names(&body),
        ["Acme Backup", "Acme Corp Network Refresh", "Delta Cabling"]
    );
    let (_, body) = caller
        .get("/v1/sales/opportunities?includeClosed=true&rpp=2&page=2")
        .await;
    assert_eq!(names(&body), ["Beta Firewall", "Delta Cabling"]);
    let mut pagination = body["meta"]["pagination"].clone();
    let next_cursor = pagination
        .as_object_mut()
        .unwrap()
        .remove("nextCursor")
        .unwrap();
    assert_eq!(
        pagination,
        json!({"previousPage": 1, "currentPage": 2, "nextPage": 3, "totalPages": 3, "totalRecords": 5, "listedRecords": 2})
    );
    // The cursor reaches the third page without skipping the first two.
    let (_, third) = caller
        .get(&format!(
            "/v1/sales/opportunities?includeClosed=true&rpp=2&cursor={}",
            next_cursor.as_str().unwrap()
        ))
        .await;
    let (_, by_number) = caller
        .get("/v1/sales/opportunities?includeClosed=true&rpp=2&page=3")
        .await;
    assert_eq!(names(&third), names(&by_number));
    assert_eq!(third["meta"]["pagination"]["nextCursor"], json!(null));
    let (_, body) = caller.get("/v1/sales/opportunities?search=ACME").await;
    assert_eq!(names(&body), ["Acme Backup", "Acme Corp Network Refresh"]);
    let (_, body) = caller.get("/v1/sales/opportunities?search=phones").await;
    assert_eq!(names(&body), Vec::<String>::new());
    let (_, body) = caller
        .get("/v1/sales/opportunities?search=phones&includeClosed=true")
        .await;
    assert_eq!(names(&body), ["Gamma Phones"]);
    assert_eq!(
        body["data"][0]["closedFlag"], true,
        "closed by its closed date"
    );

    // The spec's shape.
    let (status, body) = caller.get("/v1/sales/opportunities/1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Opportunity fetched successfully!");
    let o = &body["data"];
    let id = o["id"].as_str().unwrap().to_owned();
    assert_eq!(o["cwOpportunityId"], 1);
    assert_eq!(o["name"], "Acme Corp Network Refresh");
    assert_eq!(o["notes"], "Full network redesign and hardware refresh");
    assert_eq!(o["type"], json!({"id": 1, "name": "New"}));
    assert_eq!(o["stage"], json!({"id": 3, "name": "Proposal"}));
    assert_eq!(o["status"], json!({"id": 1, "name": "Open"}));
    assert_eq!(o["priority"], json!({"id": 2, "name": "High"}));
    assert_eq!(o["rating"], json!({"id": 1, "name": "Hot"}));
    assert_eq!(o["source"], "Referral");
    assert_eq!(o["campaign"], Value::Null);
    assert_eq!(
        o["primarySalesRep"],
        json!({"id": 10, "identifier": "JDoe", "name": "John Doe"})
    );
    assert_eq!(o["secondarySalesRep"], Value::Null);
    assert_eq!(
        o["company"],
        json!({"id": 100, "identifier": "AcmeCorp", "name": "Acme Corp"})
    );
    assert_eq!(o["contact"], json!({"id": 200, "name": "Jane Smith"}));
    assert_eq!(o["site"], json!({"id": 50, "name": "Main Office"}));
    assert_eq!(o["customerPO"], Value::Null);
    assert_eq!(o["totalSalesTax"], 0.0);
    assert_eq!(o["location"], json!({"id": 1, "name": null}));
    assert_eq!(o["department"], json!({"id": 5, "name": "Sales"}));
    assert_eq!(o["expectedCloseDate"], "2026-04-15T00:00:00.000Z");
    assert_eq!(o["pipelineChangeDate"], "2026-02-20T00:00:00.000Z");
    assert_eq!(o["dateBecameLead"], "2026-01-10T00:00:00.000Z");
    assert_eq!(o["closedDate"], Value::Null);
    assert_eq!(o["closedFlag"], false);
    assert_eq!(o["closedBy"], Value::Null);
    assert_eq!(o["companyId"], "company-acme");
    assert_eq!(o["cwLastUpdated"], "2026-01-01T00:00:00.000Z");
    let (_, by_id) = caller.get(&format!("/v1/sales/opportunities/{id}")).await;
    assert_eq!(
        by_id["data"], body["data"],
        "internal id and ConnectWise id agree"
    );
    let (_, won) = caller.get("/v1/sales/opportunities/3").await;
    assert_eq!(won["data"]["closedFlag"], true);
    assert_eq!(won["data"]["closedBy"]["identifier"], "JDoe");
    assert_eq!(won["data"]["closedDate"], "2026-02-01T00:00:00.000Z");

    // Sparse records come through; the company link appears once the company is synced.
    let (_, sparse) = caller.get("/v1/sales/opportunities/5").await;
    assert_eq!(sparse["data"]["companyId"], Value::Null);
    assert_eq!(sparse["data"]["type"], Value::Null);
    assert_eq!(
        sparse["data"]["company"],
        json!({"id": 300, "name": "Delta"})
    );
    sqlx::query(
        "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ('company-delta', 300, 'Delta', 'Delta', 'delta delta', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&state.store.db().pool)
    .await
    .unwrap();
    let (_, sparse) = caller.get("/v1/sales/opportunities/5").await;
    assert_eq!(sparse["data"]["companyId"], "company-delta");

    // Count.
    let (_, body) = caller.get("/v1/sales/opportunities/count").await;
    assert_eq!(body["data"], json!({"count": 5}));
    assert_eq!(body["message"], "Opportunity count fetched successfully!");
    let (_, body) = caller
        .get("/v1/sales/opportunities/count?openOnly=true")
        .await;
    assert_eq!(body["data"], json!({"count": 3}));

    // An update (now won) and a deletion, found by a full sync.
    {
        let mut data = cw.records.lock().unwrap();
        let mut closed = opportunity(2, "Acme Backup", 100, "2026-02-10T00:00:00Z");
        closed["closedFlag"] = json!(true);
        data[1] = closed;
        data.remove(0);
    }
    let r = run_target(state, SyncTarget::Opportunities, SyncMode::Full, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (r.created, r.updated, r.unchanged, r.deleted),
        (0, 1, 3, 1),
        "{r}"
    );
    let (_, body) = caller.get("/v1/sales/opportunities").await;
    assert_eq!(names(&body), ["Delta Cabling"]);
    let (status, body) = caller.get(&format!("/v1/sales/opportunities/{id}")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("OpportunityNotFound"))
    );

    // Incremental.
    cw.records
        .lock()
        .unwrap()
        .push(opportunity(6, "Epsilon Wi-Fi", 100, "2026-03-01T00:00:00Z"));
    let r = run_target(
        state,
        SyncTarget::Opportunities,
        SyncMode::Incremental,
        &Quiet,
    )
    .await
    .unwrap()
    .remove(0);
    assert!(!r.full);
    assert_eq!((r.fetched, r.created, r.deleted), (2, 1, 0), "{r}");
    let (_, body) = caller.get("/v1/sales/opportunities").await;
    assert_eq!(names(&body), ["Delta Cabling", "Epsilon Wi-Fi"]);
}

#[tokio::test]
async fn opportunity_sync_and_lists_on_sqlite() {
    let cw = FakeConnectWise::start("sales/opportunities", five_opportunities(), PAGE).await;
    let (server, _dir) = server_with(Some(&cw)).await;
    sync_and_list(&server, &cw).await;
}

#[tokio::test]
async fn opportunity_sync_and_lists_on_postgres() {
    let Some(url) = postgres_test_url("opportunity_sync_and_lists_on_postgres").await else {
        return;
    };
    let cw = FakeConnectWise::start("sales/opportunities", five_opportunities(), PAGE).await;
    let dir = tempfile::tempdir().unwrap();
    let server = server_on(url, dir.path(), Some(&cw)).await;
    sync_and_list(&server, &cw).await;
}

#[tokio::test]
async fn forecasts_notes_and_contacts_are_live_and_reshaped() {
    let cw = FakeConnectWise::start("sales/opportunities", five_opportunities(), PAGE).await;
    // Opportunity 1: the forecast as ConnectWise really answers, one object.
    cw.mock(
        "/sales/opportunities/1/forecast",
        200,
        json!({
            "id": 77,
            "forecastItems": [
                {"id": 1, "forecastType": "Revenue", "forecastMonth": "2026-03-01T00:00:00Z", "productDescription": "Switches",
                 "quantity": "2", "status": {"id": 1, "name": "Open", "_info": {}}, "revenue": "50000.00", "cost": 30000,
                 "margin": 20000, "percentage": 75, "includeFlag": true, "linkFlag": "false", "recurringFlag": false,
                 "opportunity": {"id": 1, "name": "Acme Corp Network Refresh"}, "newVendorField": 1},
                {"id": 2, "forecastType": "Service", "revenue": 1200, "cost": "", "includeFlag": false}
            ],
            "productRevenue": {"revenue": 50000, "cost": 30000, "margin": 20000, "percentage": 40},
            "expectedProbability": 75,
            "_info": {"lastUpdated": "2026-02-26T10:00:00Z"}
        }),
    )
    .await;
    // Opportunity 2: the documented array form.
    cw.mock(
        "/sales/opportunities/2/forecast",
        200,
        json!([
            {"id": 9, "forecastType": "Product", "revenue": 10, "cost": 5, "percentage": "50", "includeFlag": "true", "linkFlag": true, "recurringFlag": "true"}
        ]),
    )
    .await;
    cw.mock(
        "/sales/opportunities/1/notes",
        200,
        json!([
            {"id": 1, "opportunityId": 1, "type": {"id": 2, "name": "Discussion"}, "text": "Client expressed interest in a full network refresh.",
             "flagged": "false", "enteredBy": "JDoe", "mobileGuid": "abc", "_info": {"lastUpdated": "2026-02-01T00:00:00Z", "enteredBy": "JDoe"}},
            {"id": 2, "text": "Follow up", "flagged": true, "_info": {"enteredBy": "ASmith"}}
        ]),
    )
    .await;
    cw.mock(
        "/sales/opportunities/1/contacts",
        200,
        json!([
            {"id": 1, "contact": {"id": 200, "name": "Jane Smith", "_info": {"contact_href": "https://x"}},
             "company": {"id": 100, "identifier": "AcmeCorp", "name": "Acme Corp"},
             "role": {"id": 1, "name": "Decision Maker"}, "notes": "Primary point of contact for this deal",
             "referralFlag": false, "opportunityId": 1, "extra": "kept out"},
            {"id": 2, "contact": {"id": "201", "name": "Sam Lee"}, "referralFlag": "true"}
        ]),
    )
    .await;
    cw.mock(
        "/sales/opportunities/2/notes",
        500,
        json!({"code": "InternalError", "message": "Object reference not set to an instance of an object."}),
    )
    .await;
    let (server, _dir) = server_with(Some(&cw)).await;
    run_target(
        &server.state,
        SyncTarget::Opportunities,
        SyncMode::Full,
        &Quiet,
    )
    .await
    .unwrap();
    let (_, token) = server.user_with_grants(&["sales.opportunity.fetch"]).await;
    let caller = server.as_user(&token);

    let (status, body) = caller.get("/v1/sales/opportunities/1/forecasts").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["message"],
        "Opportunity forecasts fetched successfully!"
    );
    assert_eq!(
        body["data"][0],
        json!({
            "id": 1, "forecastType": "Revenue", "forecastMonth": "2026-03-01T00:00:00Z",
            "revenue": 50000.0, "cost": 30000.0, "forecastPercentage": 75.0,
            "status": {"id": 1, "name": "Open"}, "includedFlag": true, "linkedFlag": false,
            "recurringFlag": false, "productDescription": "Switches", "quantity": 2.0
        })
    );
    assert_eq!(
        body["data"][1],
        json!({
            "id": 2, "forecastType": "Service", "forecastMonth": null, "revenue": 1200.0, "cost": null,
            "forecastPercentage": null, "status": null, "includedFlag": false, "linkedFlag": false,
            "recurringFlag": false
        })
    );
    let (status, body) = caller.get("/v1/sales/opportunities/2/forecasts").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"],
        json!([{
            "id": 9, "forecastType": "Product", "forecastMonth": null, "revenue": 10.0, "cost": 5.0,
            "forecastPercentage": 50.0, "status": null, "includedFlag": true, "linkedFlag": true,
            "recurringFlag": true
        }])
    );

    let (status, body) = caller.get("/v1/sales/opportunities/1/notes").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Opportunity notes fetched successfully!");
    assert_eq!(
        body["data"],
        json!([
            {"id": 1, "text": "Client expressed interest in a full network refresh.", "type": {"id": 2, "name": "Discussion"}, "flagged": false, "enteredBy": "JDoe"},
            {"id": 2, "text": "Follow up", "type": null, "flagged": true, "enteredBy": "ASmith"}
        ])
    );

    let (status, body) = caller.get("/v1/sales/opportunities/1/contacts").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["message"],
        "Opportunity contacts fetched successfully!"
    );
    assert_eq!(
        body["data"],
        json!([
            {"id": 1, "contact": {"id": 200, "name": "Jane Smith"},
             "company": {"id": 100, "identifier": "AcmeCorp", "name": "Acme Corp"},
             "role": {"id": 1, "name": "Decision Maker"}, "notes": "Primary point of contact for this deal",
             "referralFlag": false},
            {"id": 2, "contact": {"id": 201, "name": "Sam Lee"}, "company": null, "role": null, "notes": null, "referralFlag": true}
        ])
    );

    // ConnectWise failing: 502 naming it, no secret in sight.
    let (status, body) = caller.get("/v1/sales/opportunities/2/notes").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], "ConnectWiseError");
    assert!(body["message"].as_str().unwrap().contains("ConnectWise"));
    assert!(!body.to_string().contains("cw-private-key"));
    // Unknown locally: 404 before ConnectWise is asked.
    let (status, body) = caller.get("/v1/sales/opportunities/nope/contacts").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("OpportunityNotFound"))
    );
}

#[tokio::test]
async fn refresh_updates_imports_and_notices_deletions() {
    let cw = FakeConnectWise::start("sales/opportunities", five_opportunities(), PAGE).await;
    let mut moved = opportunity(1, "Acme Corp Network Refresh", 100, "2026-02-26T14:00:00Z");
    moved["stage"] = json!({"id": 4, "name": "Negotiation"});
    moved["notes"] = json!("Updated notes from CW");
    cw.mock("/sales/opportunities/1", 200, moved).await;
    cw.mock(
        "/sales/opportunities/42",
        200,
        opportunity(42, "Zeta Cameras", 100, "2026-02-27T00:00:00Z"),
    )
    .await;
    cw.mock(
        "/sales/opportunities/2",
        404,
        json!({"code": "NotFound", "message": "Opportunity record not found"}),
    )
    .await;
    let (server, _dir) = server_with(Some(&cw)).await;
    run_target(
        &server.state,
        SyncTarget::Opportunities,
        SyncMode::Full,
        &Quiet,
    )
    .await
    .unwrap();
    let (_, token) = server
        .user_with_grants(&["sales.opportunity.fetch", "sales.opportunity.refresh"])
        .await;
    let caller = server.as_user(&token);
    let (_, before) = caller.get("/v1/sales/opportunities/1").await;
    let id = before["data"]["id"].as_str().unwrap().to_owned();

    let (status, body) = caller
        .post(&format!("/v1/sales/opportunities/{id}/refresh"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["message"],
        "Opportunity refreshed from ConnectWise successfully!"
    );
    assert_eq!(body["data"]["id"], id.as_str(), "same record");
    assert_eq!(
        body["data"]["stage"],
        json!({"id": 4, "name": "Negotiation"})
    );
    assert_eq!(body["data"]["notes"], "Updated notes from CW");
    assert_eq!(body["data"]["cwLastUpdated"], "2026-02-26T14:00:00.000Z");
    assert_eq!(body["data"]["createdAt"], before["data"]["createdAt"]);
    let (_, after) = caller.get("/v1/sales/opportunities/1").await;
    assert_eq!(after["data"], body["data"], "stored");

    // A ConnectWise id not synced yet is fetched and stored.
    let (status, body) = caller
        .post("/v1/sales/opportunities/42/refresh", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["name"], "Zeta Cameras");
    assert_eq!(body["data"]["companyId"], "company-acme");
    let (status, _) = caller.get("/v1/sales/opportunities/42").await;
    assert_eq!(status, 200);

    // Gone from ConnectWise: 404, and marked deleted here.
    let (status, body) = caller.post("/v1/sales/opportunities/2/refresh", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("OpportunityNotFound")),
        "{body}"
    );
    let (status, _) = caller.get("/v1/sales/opportunities/2").await;
    assert_eq!(status, 404);
    let (status, _) = caller
        .post("/v1/sales/opportunities/not-an-id/refresh", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn without_connectwise_live_routes_and_sync_say_so() {
    let (server, _dir) = server_with(None).await;
    sqlx::query(
        "INSERT INTO opportunities (id, cw_id, name, search_key, created_at, updated_at) \
         VALUES ('o1', 1, 'A', 'a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
    let (_, token) = server
        .user_with_grants(&[
            "sales.opportunity.fetch",
            "sales.opportunity.fetch.many",
            "sales.opportunity.refresh",
        ])
        .await;
    let caller = server.as_user(&token);
    for (m, p) in [
        ("POST", "/v1/sales/opportunities/o1/refresh"),
        ("GET", "/v1/sales/opportunities/o1/forecasts"),
        ("GET", "/v1/sales/opportunities/o1/notes"),
        ("GET", "/v1/sales/opportunities/o1/contacts"),
    ] {
        let (status, body) = caller.send(m, p, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (503, Some("IntegrationNotConfigured")),
            "{p}"
        );
        assert!(body["message"].as_str().unwrap().contains("ConnectWise"));
    }
    let (status, body) = caller.get("/v1/sales/opportunities/o1").await;
    assert_eq!(
        (status, body["data"]["companyId"].clone()),
        (200, Value::Null)
    );
    let (status, body) = caller.get("/v1/sales/opportunities").await;
    assert_eq!(
        (status, body["meta"]["pagination"]["totalRecords"].clone()),
        (200, json!(1))
    );
    let err = run_target(
        &server.state,
        SyncTarget::Opportunities,
        SyncMode::Full,
        &Quiet,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("ConnectWise is not configured"),
        "{err}"
    );
}
