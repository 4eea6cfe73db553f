//! A stand-in ConnectWise list resource (wiremock) for the sync tests: records that a test can
//! change between syncs, served a few per page with `Link` headers as ConnectWise pages, a
//! `/count` beside them, and `lastUpdated >= [..]` conditions honoured.

use std::sync::{Arc, Mutex};

use optima_server::config::ConnectWiseConfig;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Where the stand-in serves the API (a fixed codebase, so no discovery request).
pub const BASE: &str = "/v4_6_release/apis/3.0";

/// One list resource of a stand-in ConnectWise.
pub struct FakeConnectWise {
    /// The server; mount more mocks on it for single records and live routes.
    pub server: MockServer,
    /// The records it lists; change them between syncs.
    #[allow(dead_code)] // not every test file changes them
    pub records: Arc<Mutex<Vec<Value>>>,
    resource: String,
}

impl FakeConnectWise {
    /// Serves `records` at `resource` (`company/companies`), `per_page` to a page.
    pub async fn start(resource: &str, records: Vec<Value>, per_page: usize) -> FakeConnectWise {
        let server = MockServer::start().await;
        let data = Arc::new(Mutex::new(records));
        let list = data.clone();
        let uri = server.uri();
        let list_path = format!("{BASE}/{resource}");
        let next_path = list_path.clone();
        Mock::given(method("GET"))
            .and(path(list_path.clone()))
            .respond_with(move |req: &Request| {
                let all = list.lock().unwrap().clone();
                let query: std::collections::HashMap<String, String> =
                    req.url.query_pairs().into_owned().collect();
                let selected: Vec<Value> = match query.get("conditions") {
                    Some(c) if c.starts_with("lastUpdated >= [") => {
                        let since = &c["lastUpdated >= [".len()..c.len() - 1];
                        all.into_iter()
                            .filter(|x| x["_info"]["lastUpdated"].as_str().unwrap_or("") >= since)
                            .collect()
                    }
                    _ => all,
                };
                let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
                let chunk: Vec<Value> = selected
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .cloned()
                    .collect();
                let mut response = ResponseTemplate::new(200).set_body_json(chunk);
                if page * per_page < selected.len() {
                    response = response.insert_header(
                        "Link",
                        format!(
                            "<{uri}{next_path}?page={}&pageSize=1000>; rel=\"next\", <{uri}{next_path}?page=1&pageSize=1000>; rel=\"first\"",
                            page + 1
                        ),
                    );
                }
                response
            })
            .mount(&server)
            .await;
        let count = data.clone();
        Mock::given(method("GET"))
            .and(path(format!("{list_path}/count")))
            .respond_with(move |_: &Request| {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"count": count.lock().unwrap().len()}))
            })
            .mount(&server)
            .await;
        FakeConnectWise {
            server,
            records: data,
            resource: resource.to_owned(),
        }
    }

    /// Settings pointing Optima at this stand-in.
    pub fn config(&self) -> ConnectWiseConfig {
        ConnectWiseConfig {
            url: self.server.uri(),
            company_id: "optima".into(),
            public_key: "pub".into(),
            private_key: secrecy::SecretString::from("cw-private-key".to_owned()),
            client_id: "client".into(),
            codebase: Some("v4_6_release/".into()),
            api_version: None,
            callback_url: None,
            callback_origins: Vec::new(),
        }
    }

    /// Answers `GET {BASE}{p}` with `status` and `body`.
    #[allow(dead_code)] // not every test file asks
    pub async fn mock(&self, p: &str, status: u16, body: Value) {
        Mock::given(method("GET"))
            .and(path(format!("{BASE}{p}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&self.server)
            .await;
    }

    /// The query strings of every list request received, in order.
    #[allow(dead_code)] // not every test file asks
    pub async fn list_queries(&self) -> Vec<String> {
        let list_path = format!("{BASE}/{}", self.resource);
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|q| q.url.path() == list_path)
            .map(|q| q.url.query().unwrap_or_default().to_owned())
            .collect()
    }
}
