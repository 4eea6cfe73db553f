//! Paging, codebase discovery and retries against wiremock.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures::TryStreamExt as _;
use optima_connectwise::models::Company;
use optima_connectwise::{Error, RetryPolicy};
use optima_http::testing::{capture_logs, http_date_in, retry_delays};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn companies(range: std::ops::Range<i64>) -> serde_json::Value {
    serde_json::Value::Array(range.map(|i| company(i, &format!("Company {i}"))).collect())
}

/// Mounts 3 numbered pages of 2 companies each, linked by `Link` headers shaped like ConnectWise's.
async fn mount_numbered_pages(server: &MockServer) {
    let link = |p: u32| {
        format!(
            "<https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?conditions=deletedFlag%3Dfalse&pageSize=2&page={p}>; rel=\"next\", \
             <https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?conditions=deletedFlag%3Dfalse&pageSize=2&page=3>; rel=\"last\""
        )
    };
    for (page, next) in [(1u32, Some(2u32)), (2, Some(3)), (3, None)] {
        let mut resp = ResponseTemplate::new(200)
            .set_body_json(companies(i64::from(page) * 10..i64::from(page) * 10 + 2));
        if let Some(n) = next {
            resp = resp.insert_header("Link", link(n).as_str());
        } else {
            resp = resp.insert_header(
                "Link",
                "<https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?pageSize=2&page=1>; rel=\"first\"",
            );
        }
        let mut m = authed(Mock::given(method("GET")))
            .and(path(api("company/companies")))
            .and(query_param("conditions", "deletedFlag=false"))
            .and(query_param("pageSize", "2"));
        m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string()))
        };
        m.respond_with(resp).expect(1).mount(server).await;
    }
}

#[tokio::test]
async fn stream_follows_link_header_across_three_pages() {
    let server = MockServer::start().await;
    mount_numbered_pages(&server).await;
    let cw = client(&server);
    let all: Vec<Company> = cw
        .companies()
        .list()
        .conditions("deletedFlag=false")
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = all.iter().filter_map(|c| c.id).collect();
    assert_eq!(ids, vec![10, 11, 20, 21, 30, 31]);
}

#[tokio::test]
async fn next_page_walks_pages_by_hand() {
    let server = MockServer::start().await;
    mount_numbered_pages(&server).await;
    let cw = client(&server);
    let p1 = cw
        .companies()
        .list()
        .conditions("deletedFlag=false")
        .page_size(2)
        .send()
        .await
        .unwrap();
    assert!(p1.has_next());
    assert!(p1.next_link().unwrap().contains("page=2"));
    let p2 = p1.next_page().await.unwrap().unwrap();
    assert_eq!(p2.params().page, Some(2));
    assert_eq!(p2.params().conditions.as_deref(), Some("deletedFlag=false"));
    let p3 = p2.next_page().await.unwrap().unwrap();
    assert_eq!(p3.items[0].id, Some(30));
    assert!(!p3.has_next());
    assert!(p3.next_page().await.unwrap().is_none());
}

#[tokio::test]
async fn forward_only_paging_follows_page_id() {
    let server = MockServer::start().await;
    let next = |id: &str| {
        format!(
            "<https://na.myconnectwise.net/v4_6_release/apis/3.0/procurement/catalog?pageSize=2&pageId={id}>; rel=\"next\""
        )
    };
    let base = || {
        authed(Mock::given(method("GET")))
            .and(path(api("procurement/catalog")))
            .and(header("pagination-type", "forward-only"))
            .and(query_param("pageSize", "2"))
            .and(query_param_is_missing("page"))
    };
    base()
        .and(query_param_is_missing("pageId"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([catalog_item(1), catalog_item(2)]))
                .insert_header("Link", next("2").as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    base()
        .and(query_param("pageId", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([catalog_item(3), catalog_item(4)]))
                .insert_header("Link", next("4").as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    base()
        .and(query_param("pageId", "4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([catalog_item(5)])))
        .expect(1)
        .mount(&server)
        .await;

    let cw = client(&server);
    let ids: Vec<i64> = cw
        .catalog()
        .list()
        .page_size(2)
        .forward_only()
        .stream()
        .map_ok(|i| i.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn stream_stops_on_error_and_reports_it() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies")))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(companies(1..3))
                .insert_header(
                    "Link",
                    "<https://x/v4_6_release/apis/3.0/company/companies?page=2>; rel=\"next\"",
                ),
        )
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies")))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"code": "Unauthorized", "message": "Forbidden"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut s = client(&server).companies().list().stream();
    assert!(s.try_next().await.unwrap().is_some());
    assert!(s.try_next().await.unwrap().is_some());
    let err = s.try_next().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(futures::StreamExt::next(&mut s).await.is_none());
}

#[tokio::test]
async fn codebase_is_discovered_once_and_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login/companyinfo/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "CompanyName": "Acme MSP", "Codebase": "v2025_1/", "VersionCode": "v2025.1",
            "VersionNumber": "v4.6.x", "CompanyID": "acme", "IsCloud": true, "SiteUrl": "na.myconnectwise.net"
        })))
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path("/v2025_1/apis/3.0/company/companies/250"))
        .respond_with(ResponseTemplate::new(200).set_body_json(company(250, "Acme Corp")))
        .expect(2)
        .mount(&server)
        .await;

    let cw = builder(&server).build().unwrap();
    let info = cw.company_info().await.unwrap();
    assert_eq!(info.is_cloud, Some(true));
    assert_eq!(info.company_id.as_deref(), Some("acme"));
    assert_eq!(info.normalized_codebase().as_deref(), Some("v2025_1/"));

    let clone = cw.clone();
    assert_eq!(cw.companies().get(250).await.unwrap().id, Some(250));
    assert_eq!(clone.companies().get(250).await.unwrap().id, Some(250));
    assert!(
        cw.api_root()
            .await
            .unwrap()
            .as_str()
            .ends_with("/v2025_1/apis/3.0/")
    );

    let lookups = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/login/companyinfo/acme")
        .count();
    assert_eq!(
        lookups, 2,
        "one explicit company_info() and one discovery shared by the clones"
    );
}

#[tokio::test]
async fn codebase_is_rediscovered_once_after_404() {
    let server = MockServer::start().await;
    // First lookup: the old codebase. Second lookup: the new one.
    Mock::given(method("GET"))
        .and(path("/login/companyinfo/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Codebase": "v2024_2/"})))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/login/companyinfo/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Codebase": "/v2025_1/"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2024_2/apis/3.0/company/companies/250"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path("/v2025_1/apis/3.0/company/companies/250"))
        .respond_with(ResponseTemplate::new(200).set_body_json(company(250, "Acme Corp")))
        .expect(2)
        .mount(&server)
        .await;

    let cw = builder(&server).build().unwrap();
    assert_eq!(cw.companies().get(250).await.unwrap().id, Some(250));
    // The new codebase is cached: no further lookups.
    assert_eq!(cw.companies().get(250).await.unwrap().id, Some(250));
}

#[tokio::test]
async fn record_not_found_does_not_trigger_rediscovery() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login/companyinfo/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Codebase": "v2025_1/"})))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path("/v2025_1/apis/3.0/company/companies/999"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "NotFound", "message": "Company not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = builder(&server)
        .build()
        .unwrap()
        .companies()
        .get(999)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code(), Some("NotFound"));
}

#[tokio::test]
async fn discovery_failure_is_a_codebase_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login/companyinfo/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"CompanyName": "Acme"})))
        .mount(&server)
        .await;
    let err = builder(&server)
        .build()
        .unwrap()
        .companies()
        .get(1)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Codebase(_)), "{err}");
}

/// A 429 with this `Retry-After`, then the company: returns the delays the client chose.
async fn retried_after(retry_after: &str) -> Vec<Duration> {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies/250")))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", retry_after))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies/250")))
        .respond_with(ResponseTemplate::new(200).set_body_json(company(250, "Acme Corp")))
        .expect(1)
        .mount(&server)
        .await;
    // Backoff is zero, so any wait comes from Retry-After.
    let cw = builder(&server)
        .codebase(CODEBASE)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::ZERO)
                .max_delay(Duration::ZERO),
        )
        .build()
        .unwrap();
    let (company, logs) = capture_logs(cw.companies().get(250)).await;
    assert_eq!(company.unwrap().id, Some(250));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    retry_delays(&logs)
}

#[tokio::test]
async fn rate_limit_429_honours_retry_after_in_seconds() {
    assert_eq!(retried_after("1").await, [Duration::from_secs(1)]);
}

#[tokio::test]
async fn rate_limit_429_honours_retry_after_as_an_http_date() {
    let waited = retried_after(&http_date_in(2)).await;
    assert_eq!(waited.len(), 1);
    // Whole seconds, two ahead of when the date was written.
    assert!(
        waited[0] > Duration::from_millis(500) && waited[0] <= Duration::from_secs(2),
        "{waited:?}"
    );
}

#[tokio::test]
async fn rate_limit_exhausts_attempts_and_reports_429() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("company/companies/250")))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server).companies().get(250).await.unwrap_err();
    assert!(err.is_rate_limited());
}

#[tokio::test]
async fn server_timeout_500_is_retried() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/1")))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "code": "UnexpectedError",
            "message": "Execution Timeout Expired.  The timeout period elapsed prior to completion of the operation or the server is not responding."
        })))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(catalog_item(1)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client(&server).catalog().get(1).await.unwrap().id, Some(1));
}

#[tokio::test]
async fn other_500_and_gateway_errors() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/1")))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"code": "UnexpectedError", "message": "Object reference not set"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/2")))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("GET")))
        .and(path(api("procurement/catalog/2")))
        .respond_with(ResponseTemplate::new(200).set_body_json(catalog_item(2)))
        .expect(1)
        .mount(&server)
        .await;
    let cw = client(&server);
    let err = cw.catalog().get(1).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(!err.is_timeout());
    assert_eq!(cw.catalog().get(2).await.unwrap().id, Some(2));
}

#[tokio::test]
async fn writes_are_not_retried_unless_opted_in() {
    let server = MockServer::start().await;
    authed(Mock::given(method("POST")))
        .and(path(api("sales/opportunities")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .post_json::<_, serde_json::Value>("sales/opportunities", &json!({"name": "X"}))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    server.verify().await;
    server.reset().await;

    authed(Mock::given(method("POST")))
        .and(path(api("sales/opportunities")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    authed(Mock::given(method("POST")))
        .and(path(api("sales/opportunities")))
        .respond_with(ResponseTemplate::new(201).set_body_json(opportunity(900)))
        .expect(1)
        .mount(&server)
        .await;
    let cw = builder(&server)
        .codebase(CODEBASE)
        .retry_policy(fast_retry().retry_writes(true))
        .build()
        .unwrap();
    let o: optima_connectwise::models::Opportunity = cw
        .post_json("sales/opportunities", &json!({"name": "X"}))
        .await
        .unwrap();
    assert_eq!(o.id, Some(900));
}

#[tokio::test]
async fn connect_errors_are_retried_then_reported() {
    // Bind then drop a listener: the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cw = optima_connectwise::ConnectWiseClient::builder()
        .base_url(format!("http://127.0.0.1:{port}/v2025_1/apis/3.0"))
        .company_id("acme")
        .public_key("pubKEY")
        .private_key(secrecy::SecretString::from("s3cr3t-PRIV"))
        .client_id(CLIENT_ID)
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let start = Instant::now();
    let err = cw.companies().get(1).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn base_url_override_skips_discovery() {
    let server = MockServer::start().await;
    authed(Mock::given(method("GET")))
        .and(path("/proxy/cw/company/companies/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 5})))
        .expect(1)
        .mount(&server)
        .await;
    let cw = optima_connectwise::ConnectWiseClient::builder()
        .base_url(format!("{}/proxy/cw", server.uri()))
        .company_id("acme")
        .public_key("pubKEY")
        .private_key(secrecy::SecretString::from("s3cr3t-PRIV"))
        .client_id(CLIENT_ID)
        .build()
        .unwrap();
    assert_eq!(cw.companies().count("").await.unwrap(), 5);
}

#[tokio::test]
async fn api_version_is_configurable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("company/companies/count")))
        .and(header(
            "accept",
            "application/vnd.connectwise.com+json; version=2024.1",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let cw = builder(&server)
        .codebase(CODEBASE)
        .api_version("2024.1")
        .build()
        .unwrap();
    assert_eq!(cw.companies().count("").await.unwrap(), 1);
}
