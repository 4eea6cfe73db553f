//! Shared helpers and realistic ConnectWise payloads for the wiremock tests.
#![allow(dead_code)]

use std::time::Duration;

use optima_connectwise::{ConnectWiseClient, RetryPolicy};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::header;
use wiremock::{MockBuilder, MockServer};

pub const CODEBASE: &str = "v2025_1/";
pub const API: &str = "/v2025_1/apis/3.0";
/// base64("acme+pubKEY:s3cr3t-PRIV")
pub const BASIC: &str = "Basic YWNtZStwdWJLRVk6czNjcjN0LVBSSVY=";
pub const CLIENT_ID: &str = "3f2b9c1e-8d4a-4a7e-9f61-2c0d5e7b8a90";
pub const ACCEPT: &str = "application/vnd.connectwise.com+json; version=2025.8";

/// Retries without real waiting.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .max_retry_after(Duration::ZERO)
}

pub fn builder(server: &MockServer) -> optima_connectwise::ConnectWiseClientBuilder {
    ConnectWiseClient::builder()
        .site(server.uri())
        .company_id("acme")
        .public_key("pubKEY")
        .private_key(SecretString::from("s3cr3t-PRIV"))
        .client_id(CLIENT_ID)
        .retry_policy(fast_retry())
}

/// A client with a fixed codebase against the mock server.
pub fn client(server: &MockServer) -> ConnectWiseClient {
    builder(server).codebase(CODEBASE).build().unwrap()
}

/// Adds the matchers every authenticated Manage request must satisfy.
pub fn authed(m: MockBuilder) -> MockBuilder {
    m.and(header("authorization", BASIC))
        .and(header("clientid", CLIENT_ID))
        .and(header("accept", ACCEPT))
}

pub fn api(path: &str) -> String {
    format!("{API}/{path}")
}

pub fn info(updated: &str) -> Value {
    json!({
        "lastUpdated": updated,
        "updatedBy": "jdoe",
        "dateEntered": "2019-03-11T15:02:44Z",
        "enteredBy": "Import1",
        "contacts_href": "https://na.myconnectwise.net/v4_6_release/apis/3.0/company/contacts?conditions=company/id=250"
    })
}

pub fn company(id: i64, name: &str) -> Value {
    json!({
        "id": id,
        "identifier": name.replace(' ', ""),
        "name": name,
        "status": {"id": 1, "name": "Active", "_info": {"status_href": "https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies/statuses/1"}},
        "addressLine1": "123 Main St",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country": {"id": 1, "name": "United States"},
        "phoneNumber": "2175550100",
        "website": "www.acme.example",
        "territory": {"id": 3, "name": "Murray"},
        "market": {"id": 8, "name": "Manufacturing"},
        "defaultContact": {"id": 456, "name": "John Doe"},
        "dateAcquired": "2019-03-11T00:00:00Z",
        "annualRevenue": "1250000.00",
        "numberOfEmployees": "",
        "leadFlag": false,
        "deletedFlag": false,
        "types": [{"id": 1, "name": "Client"}],
        "site": {"id": 1021, "name": "Main"},
        "mobileGuid": "7f3c1f5e-0c2b-4d3e-9c1e-1b2a3c4d5e6f",
        "customFields": [
            {"id": 12, "caption": "Region", "type": "Text", "entryMethod": "List", "numberOfDecimals": 0, "value": "West"},
            {"id": 13, "caption": "Seats", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": 42},
            {"id": 14, "caption": "Managed", "type": "Checkbox", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": true},
            {"id": 15, "caption": "Renewal", "type": "Date", "entryMethod": "Date", "numberOfDecimals": 0, "value": "2026-06-30T00:00:00Z"},
            {"id": 16, "caption": "Notes", "type": "TextArea", "entryMethod": "EntryField", "numberOfDecimals": 0}
        ],
        "_info": info("2026-02-25T10:00:00Z")
    })
}

pub fn contact(id: i64, first: &str, last: &str, default_flag: bool) -> Value {
    json!({
        "id": id,
        "firstName": first,
        "lastName": last,
        "company": {"id": 250, "identifier": "AcmeCorp", "name": "Acme Corp"},
        "site": {"id": 1021, "name": "Main"},
        "inactiveFlag": false,
        "title": "IT Manager",
        "defaultFlag": default_flag,
        "communicationItems": [
            {"id": 901, "type": {"id": 2, "name": "Direct"}, "value": "5550123", "defaultFlag": false, "communicationType": "Phone"},
            {"id": 902, "type": {"id": 4, "name": "Cell"}, "value": "5550199", "extension": "", "defaultFlag": true, "communicationType": "Phone"},
            {"id": 903, "type": {"id": 1, "name": "Email"}, "value": format!("{}.{}@acme.example", first.to_lowercase(), last.to_lowercase()), "defaultFlag": true, "communicationType": "Email"}
        ],
        "types": [],
        "customFields": [],
        "_info": info("2026-01-05T08:00:00Z")
    })
}

pub fn catalog_item(id: i64) -> Value {
    json!({
        "id": id,
        "identifier": format!("OPT7020-SFF-{id}"),
        "description": "Dell OptiPlex 7020 SFF Desktop",
        "inactiveFlag": false,
        "subcategory": {"id": 3, "name": "Desktops"},
        "type": {"id": 1, "name": "Hardware"},
        "productClass": "NonInventory",
        "serializedFlag": false,
        "unitOfMeasure": {"id": 1, "name": "Each"},
        "price": 899.99,
        "cost": "650.00",
        "priceAttribute": "FixedFee",
        "taxableFlag": true,
        "customerDescription": "Business Desktop Computer",
        "manufacturer": {"id": 45, "name": "Dell"},
        "manufacturerPartNumber": "OPT7020-SFF",
        "vendor": {"id": 12, "identifier": "DellDirect", "name": "Dell Direct"},
        "vendorSku": "DELL-OPT7020",
        "recurringFlag": false,
        "recurringRevenue": "",
        "category": {"id": 18, "name": "Hardware"},
        "customFields": [{"id": 3, "caption": "Lead time (days)", "type": "Number", "numberOfDecimals": 0, "value": "14"}],
        "_info": info("2026-02-25T10:00:00Z")
    })
}

pub fn opportunity(id: i64) -> Value {
    json!({
        "id": id,
        "name": "Acme Corp Network Refresh",
        "expectedCloseDate": "2026-04-15T00:00:00Z",
        "type": {"id": 1, "name": "New"},
        "stage": {"id": 3, "name": "Proposal"},
        "status": {"id": 1, "name": "Open"},
        "priority": {"id": 2, "name": "High"},
        "notes": "Full network redesign and hardware refresh",
        "probability": {"id": 7, "name": "70%"},
        "source": "Referral",
        "rating": {"id": 1, "name": "Hot"},
        "primarySalesRep": {"id": 10, "identifier": "JDoe", "name": "John Doe"},
        "locationId": 1,
        "businessUnitId": "5",
        "company": {"id": 250, "identifier": "AcmeCorp", "name": "Acme Corp"},
        "contact": {"id": 200, "name": "Jane Smith"},
        "site": {"id": 1021, "name": "Main"},
        "customerPO": null,
        "pipelineChangeDate": "2026-02-20T00:00:00Z",
        "dateBecameLead": "2026-01-10T00:00:00Z",
        "closedDate": null,
        "totalSalesTax": "0.00",
        "currency": {"id": 7, "symbol": "$", "currencyCode": "USD", "name": "US Dollars"},
        "customFields": [
            {"id": 30, "caption": "Deal size", "type": "Number", "numberOfDecimals": 2, "value": "50000.00"},
            {"id": 31, "caption": "Won via RFP", "type": "Checkbox", "value": false}
        ],
        "_info": info("2026-02-26T10:00:00Z")
    })
}
