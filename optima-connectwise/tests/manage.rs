//! Every typed Manage operation against wiremock: the request sent and the decoding.

mod common;

use common::*;
use futures::TryStreamExt as _;
use optima_connectwise::models::Record as _;
use optima_connectwise::{Error, condition_date};
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn list_companies_with_condition_sends_auth_and_decodes_leniently() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies")))
        .and(query_param("conditions", "deletedFlag=false"))
        .and(query_param("pageSize", "1000"))
        .and(query_param("orderBy", "name asc"))
        .and(query_param("fields", "id,name,_info/lastUpdated"))
        .and(query_param("childConditions", "types/name=\"Client\""))
        .and(query_param(
            "customFieldConditions",
            "caption=\"Region\" and value=\"West\"",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            company(250, "Acme Corp"),
            {"id": "251", "name": "Bare Minimum LLC"}
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let page = cw
        .companies()
        .list()
        .conditions("deletedFlag=false")
        .child_conditions("types/name=\"Client\"")
        .custom_field_conditions("caption=\"Region\" and value=\"West\"")
        .order_by("name asc")
        .fields(["id", "name", "_info/lastUpdated"])
        .page_size(1000)
        .send()
        .await
        .unwrap();

    assert_eq!(page.items.len(), 2);
    assert!(!page.has_next());
    let acme = &page.items[0];
    assert_eq!(acme.id, Some(250));
    assert_eq!(acme.identifier.as_deref(), Some("AcmeCorp"));
    assert_eq!(
        acme.status.as_ref().and_then(|s| s.name.as_deref()),
        Some("Active")
    );
    assert_eq!(
        acme.annual_revenue,
        Some(1_250_000.0),
        "number sent as a string"
    );
    assert_eq!(acme.number_of_employees, None, "empty string becomes None");
    assert_eq!(acme.default_contact.as_ref().and_then(|c| c.id), Some(456));
    assert_eq!(acme.types[0].name.as_deref(), Some("Client"));
    assert_eq!(
        acme.extra.get("mobileGuid").and_then(|v| v.as_str()),
        Some("7f3c1f5e-0c2b-4d3e-9c1e-1b2a3c4d5e6f"),
        "unknown fields are kept"
    );
    assert_eq!(
        acme.custom_field("region").and_then(|f| f.as_str()),
        Some("West")
    );
    assert_eq!(
        acme.custom_field("Seats").and_then(|f| f.as_f64()),
        Some(42.0)
    );
    assert_eq!(
        acme.custom_field("Managed").and_then(|f| f.as_bool()),
        Some(true)
    );
    assert_eq!(
        acme.custom_field("Notes").and_then(|f| f.value.clone()),
        None
    );
    assert_eq!(
        acme.last_updated().map(|d| d.to_rfc3339()).as_deref(),
        Some("2026-02-25T10:00:00+00:00")
    );
    assert!(
        acme.info
            .as_ref()
            .unwrap()
            .extra
            .contains_key("contacts_href")
    );

    let bare = &page.items[1];
    assert_eq!(bare.id, Some(251), "id sent as a string");
    assert!(bare.status.is_none() && bare.custom_fields.is_empty() && bare.info.is_none());

    // Unknown fields survive a round trip.
    let back = serde_json::to_value(acme).unwrap();
    assert_eq!(back["mobileGuid"], "7f3c1f5e-0c2b-4d3e-9c1e-1b2a3c4d5e6f");
    assert_eq!(back["customFields"][1]["value"], 42);
}

#[tokio::test]
async fn get_and_count_companies() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies/250")))
        .respond_with(ResponseTemplate::new(200).set_body_json(company(250, "Acme Corp")))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies/count")))
        .and(query_param("conditions", "deletedFlag=false"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1342})))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let c = cw.companies().get(250).await.unwrap();
    assert_eq!(c.name.as_deref(), Some("Acme Corp"));
    assert_eq!(
        cw.companies().count("deletedFlag=false").await.unwrap(),
        1342
    );
}

#[tokio::test]
async fn contacts_by_company_with_phone_and_email_helpers() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/contacts")))
        .and(query_param("conditions", "company/id=250"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            contact(456, "John", "Doe", false),
            contact(457, "Jane", "Smith", true),
            {"id": 458, "firstName": "No", "lastName": "Channels", "communicationItems": null}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/contacts/456")))
        .respond_with(ResponseTemplate::new(200).set_body_json(contact(456, "John", "Doe", false)))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/contacts/count")))
        .and(query_param("conditions", "company/id=250"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": "3"})))
        .mount(&server)
        .await;

    let cw = client(&server);
    let contacts = cw
        .companies()
        .contacts(250)
        .send()
        .await
        .unwrap()
        .into_items();
    assert_eq!(contacts.len(), 3);
    let john = &contacts[0];
    assert_eq!(john.phone(), Some("5550199"), "the default phone wins");
    assert_eq!(john.email(), Some("john.doe@acme.example"));
    assert_eq!(john.full_name(), "John Doe");
    assert_eq!(contacts[2].phone(), None);
    assert_eq!(contacts[2].email(), None);
    assert!(
        contacts[2].communication_items.is_empty(),
        "null list becomes empty"
    );

    let got = cw.contacts().get(456).await.unwrap();
    assert_eq!(
        got.company.as_ref().and_then(|c| c.identifier.as_deref()),
        Some("AcmeCorp")
    );
    assert_eq!(cw.contacts().count("company/id=250").await.unwrap(), 3);
}

#[tokio::test]
async fn primary_contact_from_default_contact() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies/250")))
        .respond_with(ResponseTemplate::new(200).set_body_json(company(250, "Acme Corp")))
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/contacts/456")))
        .respond_with(ResponseTemplate::new(200).set_body_json(contact(456, "John", "Doe", false)))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let p = cw.companies().primary_contact(250).await.unwrap().unwrap();
    assert_eq!(p.id, Some(456));
}

#[tokio::test]
async fn primary_contact_falls_back_to_default_flag() {
    let server = MockServer::start().await;
    let mut c = company(251, "Beta LLC");
    c.as_object_mut().unwrap().remove("defaultContact");
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies/251")))
        .respond_with(ResponseTemplate::new(200).set_body_json(c))
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/contacts")))
        .and(query_param(
            "conditions",
            "(company/id=251) and (defaultFlag=true)",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([contact(457, "Jane", "Smith", true)])),
        )
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let p = cw
        .contacts()
        .primary_for_company(251)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.id, Some(457));
    assert_eq!(p.default_flag, Some(true));
}

#[tokio::test]
async fn configurations_by_company_and_get() {
    let server = MockServer::start().await;
    let cfg = json!({
        "id": 7001, "name": "ACME-FW01", "type": {"id": 4, "name": "Firewall"},
        "status": {"id": 2, "name": "Active"}, "company": {"id": 250, "identifier": "AcmeCorp", "name": "Acme Corp"},
        "serialNumber": "FGT60F123456", "modelNumber": "FortiGate 60F", "ipAddress": "10.0.0.1",
        "purchaseDate": "2023-05-01T00:00:00Z", "warrantyExpirationDate": "", "activeFlag": "true",
        "manufacturer": {"id": 77, "name": "Fortinet"},
        "questions": [{"answerId": 1, "questionId": 9, "question": "Admin URL", "answer": "https://10.0.0.1"}],
        "customFields": [{"id": 40, "caption": "Firmware", "value": 7.2}],
        "_info": info("2026-01-20T12:00:00Z"), "deviceIdentifier": "abc", "billFlag": 0
    });
    authed(Mock::given(method("GET")))
        .and(path(api("company/configurations")))
        .and(query_param("conditions", "company/id=250"))
        .and(query_param("pageSize", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([cfg.clone()])))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/configurations/7001")))
        .respond_with(ResponseTemplate::new(200).set_body_json(cfg))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/configurations/count")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1})))
        .mount(&server)
        .await;

    let cw = client(&server);
    let all = cw.companies().configurations(250).all().await.unwrap();
    assert_eq!(all.len(), 1);
    let one = cw.configurations().get(7001).await.unwrap();
    assert_eq!(one.serial_number.as_deref(), Some("FGT60F123456"));
    assert_eq!(one.active_flag, Some(true), "boolean sent as a string");
    assert_eq!(one.bill_flag, Some(false), "boolean sent as 0");
    assert_eq!(one.warranty_expiration_date, None);
    assert_eq!(one.questions.len(), 1);
    assert_eq!(
        one.custom_field("Firmware").and_then(|f| f.as_f64()),
        Some(7.2)
    );
    assert_eq!(cw.configurations().count("").await.unwrap(), 1);
}

#[tokio::test]
async fn catalog_list_get_identifier_count() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog")))
        .and(query_param(
            "conditions",
            "inactiveFlag=false and lastUpdated > [2026-01-01T00:00:00Z]",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([catalog_item(1), catalog_item(2)])),
        )
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog")))
        .and(query_param("conditions", "identifier=\"OPT7020-SFF-1\""))
        .and(query_param("pageSize", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([catalog_item(1)])))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog")))
        .and(query_param("conditions", "identifier=\"NOPE\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(catalog_item(1)))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/count")))
        .and(query_param("conditions", "inactiveFlag=false"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 300})))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let since = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
    let items = cw
        .catalog()
        .list()
        .conditions(format!(
            "inactiveFlag=false and lastUpdated > {}",
            condition_date(since)
        ))
        .send()
        .await
        .unwrap()
        .into_items();
    assert_eq!(items.len(), 2);
    let i = &items[0];
    assert_eq!(i.price, Some(899.99));
    assert_eq!(i.cost, Some(650.0), "cost sent as a string");
    assert_eq!(i.recurring_revenue, None, "empty string");
    assert_eq!(
        i.manufacturer.as_ref().and_then(|m| m.name.as_deref()),
        Some("Dell")
    );
    assert_eq!(
        i.vendor.as_ref().and_then(|v| v.identifier.as_deref()),
        Some("DellDirect")
    );
    assert_eq!(i.vendor_sku.as_deref(), Some("DELL-OPT7020"));
    assert_eq!(i.inactive_flag, Some(false));
    assert_eq!(i.taxable_flag, Some(true));
    assert_eq!(
        i.custom_field("Lead time (days)").and_then(|f| f.as_f64()),
        Some(14.0)
    );
    assert!(i.last_updated().is_some());

    let found = cw
        .catalog()
        .get_by_identifier("OPT7020-SFF-1")
        .await
        .unwrap();
    assert_eq!(found.and_then(|f| f.id), Some(1));
    assert!(
        cw.catalog()
            .get_by_identifier("NOPE")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        cw.catalog().get(1).await.unwrap().identifier.as_deref(),
        Some("OPT7020-SFF-1")
    );
    assert_eq!(cw.catalog().count("inactiveFlag=false").await.unwrap(), 300);
}

#[tokio::test]
async fn catalog_inventory_rows_and_total_on_hand() {
    let server = MockServer::start().await;
    let rows = json!([
        {"id": 1, "catalogItem": {"id": 1, "identifier": "OPT7020-SFF-1"}, "warehouse": {"id": 1, "name": "Main"},
         "warehouseBin": {"id": 1, "name": "Shelf A"}, "onHand": 5, "serialNumbers": []},
        {"id": 2, "catalogItem": {"id": 1}, "warehouse": {"id": 2, "name": "Van"}, "warehouseBin": {"id": 9, "name": "Van 1"},
         "onHand": "2", "serialNumbers": [{"id": 5, "serialNumber": "SN123"}]},
        {"id": 3, "catalogItem": {"id": 1}, "warehouse": {"id": 3, "name": "RMA"}, "onHand": ""}
    ]);
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/1/inventory")))
        .and(query_param("pageSize", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(rows.clone()))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/1/inventory")))
        .and(query_param_is_missing("pageSize"))
        .respond_with(ResponseTemplate::new(200).set_body_json(rows))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    assert_eq!(cw.catalog().on_hand(1).await.unwrap(), 7.0);
    let rows = cw.catalog().inventory(1).send().await.unwrap().into_items();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].on_hand, Some(2.0));
    assert_eq!(rows[1].serial_numbers.len(), 1);
    assert_eq!(rows[2].on_hand, None);
}

#[tokio::test]
async fn opportunities_list_get_count_with_last_updated() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities")))
        .and(query_param(
            "conditions",
            "lastUpdated > [2026-02-01T00:00:00Z]",
        ))
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "500"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([opportunity(456)])))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/456")))
        .respond_with(ResponseTemplate::new(200).set_body_json(opportunity(456)))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/count")))
        .and(query_param("conditions", "status/name=\"Open\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 150})))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let since = chrono::DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z").unwrap();
    let list = cw
        .opportunities()
        .list()
        .conditions(format!("lastUpdated > {}", condition_date(since)))
        .page(1)
        .page_size(500)
        .send()
        .await
        .unwrap();
    let o = &list.items[0];
    assert_eq!(
        o.stage.as_ref().and_then(|s| s.name.as_deref()),
        Some("Proposal")
    );
    assert_eq!(
        o.type_.as_ref().and_then(|s| s.name.as_deref()),
        Some("New")
    );
    assert_eq!(o.business_unit_id, Some(5));
    assert_eq!(o.total_sales_tax, Some(0.0));
    assert_eq!(o.customer_po, None);
    assert_eq!(o.closed_date, None);
    assert_eq!(
        o.primary_sales_rep
            .as_ref()
            .and_then(|r| r.identifier.as_deref()),
        Some("JDoe")
    );
    assert_eq!(
        o.currency.as_ref().and_then(|c| c["currencyCode"].as_str()),
        Some("USD")
    );
    assert_eq!(
        o.custom_field("Deal size").and_then(|f| f.as_f64()),
        Some(50000.0)
    );
    assert_eq!(
        o.custom_field("Won via RFP").and_then(|f| f.as_bool()),
        Some(false)
    );

    assert_eq!(cw.opportunities().get(456).await.unwrap().id, Some(456));
    assert_eq!(
        cw.opportunities()
            .count("status/name=\"Open\"")
            .await
            .unwrap(),
        150
    );
}

#[tokio::test]
async fn forecast_as_object() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/456/forecast")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 456,
            "forecastItems": [
                {"id": 1, "forecastType": "Product", "productDescription": "FortiGate 60F", "quantity": 2,
                 "status": {"id": 1, "name": "Open"}, "catalogItem": {"id": 1, "identifier": "FG-60F"},
                 "revenue": "1500.00", "cost": 1100, "margin": 400, "percentage": 75, "includeFlag": true,
                 "linkFlag": false, "recurringFlag": false, "taxableFlag": true, "sequenceNumber": 1, "subNumber": 0,
                 "opportunity": {"id": 456, "name": "Acme Corp Network Refresh"}},
                {"id": 2, "forecastType": "Service", "revenue": 48500, "cost": "", "includeFlag": "true"}
            ],
            "productRevenue": {"id": 0, "revenue": 1500, "cost": 1100, "margin": 400, "percentage": 0},
            "forecastRevenueTotals": {"revenue": 50000, "cost": 1100, "margin": 48900, "percentage": 97.8},
            "recurringTotal": 0,
            "expectedProbability": 70,
            "forecastTotalWithTaxes": "50000.00",
            "_info": {"lastUpdated": "2026-02-26T10:00:00Z", "updatedBy": "jdoe"},
            "billingTerms": {"id": 1, "name": "Net 30 days"}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let f = cw.opportunities().forecast(456).await.unwrap();
    assert!(!f.was_array);
    assert_eq!(f.items.len(), 2);
    assert_eq!(f.items[0].revenue, Some(1500.0));
    assert_eq!(f.items[1].include_flag, Some(true));
    assert_eq!(f.items[1].cost, None);
    assert_eq!(f.total_revenue(), 50000.0);
    assert_eq!(f.summary.forecast_total_with_taxes, Some(50000.0));
    assert_eq!(f.summary.expected_probability, Some(70));
    assert_eq!(
        f.summary
            .forecast_revenue_totals
            .as_ref()
            .and_then(|t| t.margin),
        Some(48900.0)
    );
    assert!(f.summary.forecast_items.is_empty(), "items live in `items`");
    let back = serde_json::to_value(&f).unwrap();
    assert_eq!(back["forecastItems"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn forecast_as_array_of_items_or_of_objects() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/457/forecast")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 11, "forecastType": "Product", "revenue": 100, "cost": "60"},
            {"id": 12, "forecastType": "Agreement", "revenue": "250.5", "recurringFlag": true}
        ])))
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/458/forecast")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 458, "forecastItems": [{"id": 21, "revenue": 10}], "expectedProbability": "50"}
        ])))
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/459/forecast")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": 1, "revenue": 1}, {"id": 2, "revenue": "lots"}])),
        )
        .mount(&server)
        .await;

    let cw = client(&server);
    let f = cw.opportunities().forecast(457).await.unwrap();
    assert!(f.was_array);
    assert_eq!(f.items.len(), 2);
    assert_eq!(f.total_revenue(), 350.5);
    assert_eq!(f.total_cost(), 60.0);

    let g = cw.opportunities().forecast(458).await.unwrap();
    assert_eq!(g.items[0].id, Some(21));
    assert_eq!(g.summary.expected_probability, Some(50));

    let err = cw.opportunities().forecast(459).await.unwrap_err();
    assert!(err.to_string().contains("[1].revenue"), "{err}");
}

#[tokio::test]
async fn opportunity_notes_and_contacts() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/456/notes")))
        .and(query_param("pageSize", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "opportunityId": 456, "type": {"id": 2, "name": "Discussion"},
             "text": "Client expressed interest in a full network refresh.", "flagged": false, "enteredBy": "JDoe",
             "_info": {"lastUpdated": "2026-02-20T09:00:00Z", "updatedBy": "JDoe"}},
            {"id": 2, "opportunityId": "456", "text": "Follow up", "flagged": "", "mobileGuid": null}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("sales/opportunities/456/contacts")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "contact": {"id": 200, "name": "Jane Smith"},
             "company": {"id": 250, "identifier": "AcmeCorp", "name": "Acme Corp"},
             "role": {"id": 1, "name": "Decision Maker"}, "notes": "Primary point of contact for this deal",
             "referralFlag": false, "opportunityId": 456, "_info": {"lastUpdated": "2026-02-20T09:00:00Z"}}
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let notes = cw.opportunities().notes(456).all().await.unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(
        notes[0].type_.as_ref().and_then(|t| t.name.as_deref()),
        Some("Discussion")
    );
    assert_eq!(notes[1].opportunity_id, Some(456));
    assert_eq!(notes[1].flagged, None);
    let contacts = cw
        .opportunities()
        .contacts(456)
        .send()
        .await
        .unwrap()
        .into_items();
    assert_eq!(
        contacts[0].role.as_ref().and_then(|r| r.name.as_deref()),
        Some("Decision Maker")
    );
    assert_eq!(
        contacts[0]
            .company
            .as_ref()
            .and_then(|c| c.identifier.as_deref()),
        Some("AcmeCorp")
    );
}

#[tokio::test]
async fn bad_request_is_decoded_into_field_errors() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "InvalidObject",
            "message": "conditions is invalid",
            "errors": [{"code": "InvalidField", "message": "Unknown field 'foo' in conditions",
                        "resource": "company", "field": "conditions"}]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .companies()
        .list()
        .conditions("foo=1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.code(), Some("InvalidObject"));
    match &err {
        Error::Api {
            message,
            errors,
            body,
            ..
        } => {
            assert_eq!(message.as_deref(), Some("conditions is invalid"));
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field.as_deref(), Some("conditions"));
            assert_eq!(errors[0].resource.as_deref(), Some("company"));
            assert!(body.contains("InvalidField"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.is_timeout());
}

#[tokio::test]
async fn decode_error_names_json_path_and_request_path() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([catalog_item(1), {"id": 2, "price": "call us"}])),
        )
        .mount(&server)
        .await;

    let err = client(&server).catalog().list().send().await.unwrap_err();
    match err {
        Error::Decode {
            path, json_path, ..
        } => {
            assert_eq!(path, "procurement/catalog");
            assert_eq!(json_path, "[1].price");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn page_size_over_1000_fails_before_any_request() {
    let server = MockServer::start().await;
    let cw = client(&server);
    let err = cw
        .catalog()
        .list()
        .page_size(1001)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery(m) if m.contains("1000")),
        "{err}"
    );
    let mut s = cw.catalog().list().page_size(5000).stream();
    assert!(matches!(s.try_next().await, Err(Error::InvalidQuery(_))));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn raw_escape_hatch_get_post_patch() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("service/tickets/42")))
        .and(query_param("fields", "id,summary"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 42, "summary": "Printer jam"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("POST")))
        .and(path(api("sales/opportunities/456/notes")))
        .and(wiremock::matchers::header(
            "content-type",
            "application/json",
        ))
        .and(wiremock::matchers::body_json(
            json!({"text": "Called the client", "flagged": true}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 3, "text": "Called the client"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("PATCH")))
        .and(path(api("sales/opportunities/456")))
        .and(wiremock::matchers::body_json(
            json!([{"op": "replace", "path": "stage/id", "value": 4}]),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(opportunity(456)))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let t: serde_json::Value = cw
        .get_json("/service/tickets/42", &[("fields", "id,summary")])
        .await
        .unwrap();
    assert_eq!(t["summary"], "Printer jam");
    let n: optima_connectwise::models::OpportunityNote = cw
        .post_json(
            "sales/opportunities/456/notes",
            &json!({"text": "Called the client", "flagged": true}),
        )
        .await
        .unwrap();
    assert_eq!(n.id, Some(3));
    let o: optima_connectwise::models::Opportunity = cw
        .patch_json(
            "sales/opportunities/456",
            &[optima_connectwise::PatchOperation::replace(
                "stage/id",
                json!(4),
            )],
        )
        .await
        .unwrap();
    assert_eq!(o.id, Some(456));
}

#[test]
fn builder_validates_and_debug_hides_secrets() {
    let err = optima_connectwise::ConnectWiseClient::builder()
        .site("na.myconnectwise.net")
        .public_key("pub")
        .private_key(secrecy::SecretString::from("s3cr3t-PRIV"))
        .client_id("cid")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("company_id")),
        "{err}"
    );

    let err = optima_connectwise::ConnectWiseClient::builder()
        .company_id("acme")
        .public_key("pub")
        .private_key(secrecy::SecretString::from("s3cr3t-PRIV"))
        .client_id("cid")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("site")),
        "{err}"
    );

    let b = optima_connectwise::ConnectWiseClient::builder()
        .site("na.myconnectwise.net")
        .company_id("acme")
        .public_key("pub")
        .private_key(secrecy::SecretString::from("s3cr3t-PRIV"))
        .client_id("cid");
    assert!(!format!("{b:?}").contains("s3cr3t"));
    let cw = b.build().unwrap();
    let dbg = format!("{cw:?}");
    assert!(!dbg.contains("s3cr3t") && !dbg.contains("YWNtZ"), "{dbg}");
    assert_eq!(cw.site().as_str(), "https://na.myconnectwise.net/");
}
