//! Companies: sync from a stand-in ConnectWise (several pages, updates, deletions), the list
//! and the live company routes.

#[path = "support/fake_connectwise.rs"]
mod fake_connectwise;

use fake_connectwise::{BASE, FakeConnectWise};
use optima_server::config::Config;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::{TestServer, sqlite_test_url};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, ResponseTemplate};

fn company(id: i64, name: &str, updated: &str) -> Value {
    json!({
        "id": id,
        "identifier": name.replace(' ', ""),
        "name": name,
        "status": {"id": 1, "name": "Active", "_info": {"status_href": "https://x/status/1"}},
        "addressLine1": "123 Main St",
        "addressLine2": null,
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country": {"id": "1", "name": "United States"},
        "phoneNumber": "5550123",
        "defaultContact": {"id": 456, "name": "John Doe"},
        "deletedFlag": false,
        "dateAcquired": "",
        "annualRevenue": "0.00",
        "customFields": [
            {"id": 1, "caption": "Tier", "type": "Text", "entryMethod": "List", "numberOfDecimals": 0, "value": "Gold"},
            {"id": 2, "caption": "Seats", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": 25}
        ],
        "_info": {"lastUpdated": updated, "updatedBy": "SyncBot", "contacts_href": "https://x/contacts"}
    })
}

async fn server_with(cw: Option<&FakeConnectWise>) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    config.jwt_secret = Some(secrecy::SecretString::from("companies".to_owned()));
    config.connectwise = cw.map(FakeConnectWise::config);
    (TestServer::start(config).await.unwrap(), dir)
}

#[tokio::test]
async fn full_and_incremental_syncs_track_creates_updates_and_deletions() {
    let cw = FakeConnectWise::start(
        "company/companies",
        vec![
            company(1, "Acme Corp", "2026-01-01T00:00:00Z"),
            company(2, "Beta LLC", "2026-01-02T00:00:00Z"),
            company(3, "Gamma Inc", "2026-01-03T00:00:00Z"),
            company(4, "Delta Co", "2026-01-04T00:00:00Z"),
            company(5, "Epsilon", "2026-01-05T00:00:00Z"),
        ],
        2,
    )
    .await;
    let (server, _dir) = server_with(Some(&cw)).await;
    let state = &server.state;

    let reports = run_target(state, SyncTarget::Companies, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let r = &reports[0];
    assert_eq!(
        (r.fetched, r.created, r.updated, r.deleted),
        (5, 5, 0, 0),
        "{r}"
    );

    // Three pages were followed.
    let pages: Vec<String> = cw
        .server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|q| q.url.path() == format!("{BASE}/company/companies"))
        .map(|q| q.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages.iter().all(|q| q.contains("pageSize=1000")));

    // Gamma renamed, Delta gone.
    {
        let mut data = cw.records.lock().unwrap();
        data[2] = company(3, "Gamma Holdings", "2026-02-01T00:00:00Z");
        data.remove(3);
    }
    let r = run_target(state, SyncTarget::Companies, SyncMode::Full, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (r.created, r.updated, r.unchanged, r.deleted),
        (0, 1, 3, 1),
        "{r}"
    );

    // Incremental: only what changed since the watermark is asked for.
    cw.records
        .lock()
        .unwrap()
        .push(company(6, "Zeta", "2026-03-01T00:00:00Z"));
    let r = run_target(state, SyncTarget::Companies, SyncMode::Incremental, &Quiet)
        .await
        .unwrap()
        .remove(0);
    assert!(!r.full);
    assert_eq!((r.created, r.deleted), (1, 0), "{r}");
    assert!(
        r.fetched <= 2,
        "only records at or after the watermark: {r}"
    );
    let last = cw
        .server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .rfind(|q| q.url.path() == format!("{BASE}/company/companies"))
        .unwrap();
    let conditions: String = last
        .url
        .query_pairs()
        .find(|(k, _)| k == "conditions")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(conditions, "lastUpdated >= [2026-02-01T00:00:00Z]");

    // The list reflects all of it.
    let (_, token) = server.user_with_grants(&["company.fetch.many"]).await;
    let caller = server.as_user(&token);
    let (status, body) = caller.get("/v1/company/companies?rpp=2").await;
    assert_eq!(status, 200);
    let mut pagination = body["pagination"].clone();
    let next_cursor = pagination
        .as_object_mut()
        .unwrap()
        .remove("nextCursor")
        .unwrap();
    assert_eq!(
        pagination,
        json!({"previousPage": null, "currentPage": 1, "nextPage": 2, "totalPages": 3, "totalRecords": 5, "listedRecords": 2})
    );
    // The cursor reaches the same second page as its number.
    let (_, by_number) = caller.get("/v1/company/companies?rpp=2&page=2").await;
    let (_, by_cursor) = caller
        .get(&format!(
            "/v1/company/companies?rpp=2&cursor={}",
            next_cursor.as_str().unwrap()
        ))
        .await;
    assert_eq!(by_cursor["data"], by_number["data"]);
    assert_eq!(by_cursor["pagination"]["currentPage"], json!(0));
    let names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Corp", "Beta LLC"]);
    assert_eq!(body["data"][0]["cw_CompanyId"], 1);
    assert_eq!(body["data"][0]["cw_Identifier"], "AcmeCorp");
    let (_, found) = caller.get("/v1/company/companies?search=holdings").await;
    assert_eq!(found["data"][0]["name"], "Gamma Holdings");
    assert_eq!(found["pagination"]["totalRecords"], 1);
    let (_, none) = caller.get("/v1/company/companies?search=delta").await;
    assert_eq!(
        none["pagination"]["totalRecords"], 0,
        "deleted companies are not listed"
    );
    let (status, bad) = caller.get("/v1/company/companies?rpp=5000").await;
    assert_eq!(
        (status, bad["errors"][0]["path"].clone()),
        (400, json!(["parameter", "rpp"]))
    );
    let (status, bad) = caller.get("/v1/company/companies?page=abc").await;
    assert_eq!(status, 400);
    assert_eq!(bad["errors"][0]["path"], json!(["parameter", "page"]));
}

#[tokio::test]
async fn a_company_comes_with_the_live_data_asked_for() {
    let cw = FakeConnectWise::start(
        "company/companies",
        vec![company(250, "Acme Corp", "2026-01-01T00:00:00Z")],
        2,
    )
    .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/company/companies/250")))
        .respond_with(ResponseTemplate::new(200).set_body_json(company(
            250,
            "Acme Corporation",
            "2026-01-02T00:00:00Z",
        )))
        .mount(&cw.server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/company/contacts")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 455, "firstName": "Jane", "lastName": "Smith", "title": "CTO", "inactiveFlag": false, "defaultFlag": true,
             "communicationItems": [{"id": 1, "type": {"id": 2, "name": "Email"}, "value": "jane@acme.example", "defaultFlag": true, "communicationType": "Email"}]},
            {"id": 456, "firstName": "John", "lastName": "Doe", "title": "IT Manager", "inactiveFlag": "false",
             "communicationItems": [
                {"id": 2, "type": {"id": 1, "name": "Direct"}, "value": "555-0123", "defaultFlag": true, "communicationType": "Phone"},
                {"id": 3, "type": {"id": 2, "name": "Email"}, "value": "john.doe@acme.example", "defaultFlag": true, "communicationType": "Email"}
             ]}
        ])))
        .mount(&cw.server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/company/configurations")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 9, "name": "FW-01", "type": {"id": 3, "name": "Firewall"}, "company": {"id": 250, "identifier": "AcmeCorp"}, "serialNumber": "SN1", "unknownVendorField": {"x": 1}}
        ])))
        .mount(&cw.server)
        .await;
    let (server, _dir) = server_with(Some(&cw)).await;
    run_target(&server.state, SyncTarget::Companies, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, list_token) = server.user_with_grants(&["company.fetch.many"]).await;
    let (_, list) = server
        .as_user(&list_token)
        .get("/v1/company/companies")
        .await;
    let id = list["data"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{list}"))
        .to_owned();

    let (_, basic) = server.user_with_grants(&["company.fetch"]).await;
    let as_basic = server.as_user(&basic);
    let (status, body) = as_basic.get(&format!("/v1/company/companies/{id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["name"], "Acme Corporation",
        "fresh from ConnectWise"
    );
    assert_eq!(body["data"]["cw_Data"], json!({}));

    let (status, body) = as_basic
        .get(&format!(
            "/v1/company/companies/{id}?includePrimaryContact=true"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["cw_Data"]["primaryContact"],
        json!({
            "firstName": "John", "lastName": "Doe", "cwId": 456, "inactive": false,
            "title": "IT Manager", "phone": "555-0123", "email": "john.doe@acme.example"
        }),
        "the company's defaultContact wins over a contact's defaultFlag"
    );

    for (query, node) in [
        ("includeAddress=true", "company.fetch.address"),
        ("includeAllContacts=true", "company.fetch.contacts"),
    ] {
        let (status, body) = as_basic
            .get(&format!("/v1/company/companies/{id}?{query}"))
            .await;
        assert_eq!(status, 403, "{query}");
        assert!(body["message"].as_str().unwrap().contains(node));
    }
    let (_, full) = server
        .user_with_grants(&[
            "company.fetch",
            "company.fetch.address",
            "company.fetch.contacts",
            "company.fetch.configurations",
        ])
        .await;
    let as_full = server.as_user(&full);
    let (_, body) = as_full
        .get(&format!(
            "/v1/company/companies/{id}?includeAddress=true&includeAllContacts=true"
        ))
        .await;
    assert_eq!(
        body["data"]["cw_Data"]["address"],
        json!({"line1": "123 Main St", "line2": null, "city": "Springfield", "state": "IL", "zip": "62701", "country": "United States"})
    );
    assert_eq!(
        body["data"]["cw_Data"]["allContacts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (status, body) = as_full
        .get(&format!("/v1/company/companies/{id}/configurations"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"][0]["name"], "FW-01");
    assert_eq!(
        body["data"][0]["unknownVendorField"],
        json!({"x": 1}),
        "vendor fields pass through"
    );

    let (status, body) = as_full.get("/v1/company/companies/nope").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("CompanyNotFound"))
    );
    let (status, _) = as_full.get("/v1/company/companies/250").await;
    assert_eq!(status, 200, "the ConnectWise id works too");
}

#[tokio::test]
async fn connectwise_failures_are_named() {
    let cw = FakeConnectWise::start(
        "company/companies",
        vec![company(7, "Acme", "2026-01-01T00:00:00Z")],
        2,
    )
    .await;
    Mock::given(method("GET"))
        .and(path_regex(format!("^{BASE}/company/companies/7$")))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"code": "Unauthorized", "message": "Authentication failed."}),
            ),
        )
        .mount(&cw.server)
        .await;
    let (server, _dir) = server_with(Some(&cw)).await;
    run_target(&server.state, SyncTarget::Companies, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    let (_, token) = server.user_with_grants(&["company.fetch"]).await;
    let (status, body) = server.as_user(&token).get("/v1/company/companies/7").await;
    assert_eq!(status, 502);
    assert_eq!(body["error"], "ConnectWiseError");
    assert!(body["message"].as_str().unwrap().contains("ConnectWise"));
    assert!(!body.to_string().contains("cw-private-key"));

    // Not configured: 503, and the sync says so.
    let (bare, _dir2) = server_with(None).await;
    let (_, token) = bare.user_with_grants(&["company.fetch"]).await;
    let (status, body) = bare
        .as_user(&token)
        .get("/v1/company/companies/anything")
        .await;
    assert_eq!(status, 404, "no such company locally: {body}");
    sqlx::query("INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) VALUES ('c1', 1, 'A', 'A', 'a a', 'x', 'x')")
        .execute(&bare.state.store.db().pool)
        .await
        .unwrap();
    let (status, body) = bare.as_user(&token).get("/v1/company/companies/c1").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("IntegrationNotConfigured"))
    );
    assert!(body["message"].as_str().unwrap().contains("ConnectWise"));
    let err = run_target(&bare.state, SyncTarget::Companies, SyncMode::Full, &Quiet)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ConnectWise is not configured"));
}
