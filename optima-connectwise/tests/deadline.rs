//! The total deadline of a call: against a server that accepts connections and never answers,
//! during codebase discovery shared by concurrent callers, and across retry backoff.

mod common;

use std::time::Duration;

use common::*;
use futures::TryStreamExt as _;
use optima_connectwise::home::CwHomeClient;
use optima_connectwise::models::Company;
use optima_connectwise::{ConnectWiseClient, Error, RetryPolicy};
use secrecy::SecretString;
use serde_json::json;
use tokio::net::TcpListener;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Stops a broken test from hanging the suite; far above every deadline used here.
const HANG_GUARD: Duration = Duration::from_secs(10);

/// A server that accepts every connection and never writes a byte; the connections stay open
/// until the returned task is dropped with the runtime.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

fn silent_builder(site: &str) -> optima_connectwise::ConnectWiseClientBuilder {
    ConnectWiseClient::builder()
        .site(site)
        .company_id("acme")
        .public_key("pubKEY")
        .private_key(SecretString::from("s3cr3t-PRIV"))
        .client_id(CLIENT_ID)
        // Retries that would take minutes if the deadline did not bound them.
        .retry_policy(RetryPolicy::default().max_attempts(4))
        .timeout(Duration::from_secs(60))
}

#[tokio::test]
async fn a_silent_server_fails_the_call_at_its_deadline() {
    let site = silent_server().await;
    let deadline = Duration::from_millis(500);
    let cw = silent_builder(&site)
        .codebase(CODEBASE)
        .deadline(deadline)
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, cw.companies().get(250))
        .await
        .expect("the deadline ends the call")
        .unwrap_err();
    match &err {
        Error::DeadlineExceeded { path, deadline: d } => {
            assert_eq!(path, "company/companies/250");
            assert_eq!(*d, deadline);
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    assert!(err.is_timeout() && err.is_deadline_exceeded());
    assert!(err.to_string().contains("company/companies/250"), "{err}");
}

#[tokio::test]
async fn a_hung_discovery_releases_every_waiter_at_its_own_deadline() {
    let site = silent_server().await;
    let deadline = Duration::from_secs(1);
    let cw = silent_builder(&site).deadline(deadline).build().unwrap();
    // Eight callers behind one discovery: waiting in turn would take 8 deadlines, more than
    // the guard; waiting side by side takes about one.
    let callers: Vec<_> = (0..8)
        .map(|i| {
            let cw = cw.clone();
            tokio::spawn(async move { cw.companies().get(i).await })
        })
        .collect();
    let results = tokio::time::timeout(deadline * 5, futures::future::join_all(callers))
        .await
        .expect("no caller waits for the others' deadlines");
    for result in results {
        let err = result.unwrap().unwrap_err();
        assert!(err.is_deadline_exceeded(), "{err:?}");
    }
}

#[tokio::test]
async fn api_root_and_company_info_are_bounded_too() {
    let site = silent_server().await;
    let cw = silent_builder(&site)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, cw.api_root())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&err, Error::DeadlineExceeded { path, .. } if path == "login/companyinfo/acme"),
        "{err:?}"
    );
    let err = tokio::time::timeout(HANG_GUARD, cw.company_info())
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_deadline_exceeded(), "{err:?}");
}

#[tokio::test]
async fn a_discovery_timeout_stays_a_timeout() {
    // No deadline: the per-attempt timeout ends each try, and the result must still read as a
    // timeout rather than as a codebase the vendor got wrong.
    let site = silent_server().await;
    let cw = silent_builder(&site)
        .timeout(Duration::from_millis(200))
        .retry_policy(fast_retry().max_attempts(2))
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, cw.companies().get(1))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn backoff_sleeps_count_against_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("company/companies/7")))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "30"))
        .mount(&server)
        .await;
    let cw = builder(&server)
        .codebase(CODEBASE)
        .retry_policy(RetryPolicy::default().max_attempts(4))
        .deadline(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, cw.companies().get(7))
        .await
        .expect("a 30 s Retry-After does not outlast the deadline")
        .unwrap_err();
    assert!(err.is_deadline_exceeded(), "{err:?}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        1,
        "the deadline ran out during the first backoff"
    );
}

#[tokio::test]
async fn without_a_deadline_a_quick_answer_is_unaffected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("company/companies/250")))
        .respond_with(ResponseTemplate::new(200).set_body_json(company(250, "Acme")))
        .mount(&server)
        .await;
    for cw in [
        client(&server),
        builder(&server)
            .codebase(CODEBASE)
            .deadline(Duration::from_secs(30))
            .build()
            .unwrap(),
    ] {
        let c = cw.companies().get(250).await.unwrap();
        assert_eq!(c.id, Some(250));
    }
}

#[tokio::test]
async fn cw_home_operations_are_bounded() {
    let silent = silent_server().await;
    let home = CwHomeClient::builder()
        .token(SecretString::from("t"))
        .auth_url(silent.clone())
        .iambff_url(silent.clone())
        .home_url(silent)
        .retry_policy(RetryPolicy::default().max_attempts(4))
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = tokio::time::timeout(HANG_GUARD, home.list_users())
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_deadline_exceeded(), "{err:?}");
}

#[tokio::test]
async fn each_page_of_a_stream_has_a_deadline_of_its_own() {
    // Three pages, each answering in well under the deadline but together taking longer: a
    // long export must not be cut short by the per-call deadline.
    let server = MockServer::start().await;
    let deadline = Duration::from_secs(1);
    let page_delay = Duration::from_millis(400); // three of them: 1.2 s, past one deadline
    let list = api("company/companies");
    for page in 1..=3u32 {
        let mut response = ResponseTemplate::new(200)
            .set_delay(page_delay)
            .set_body_json(json!([company(i64::from(page), "Acme")]));
        if page < 3 {
            response = response.insert_header(
                "Link",
                format!(
                    "<{}{list}?pageSize=1&page={}>; rel=\"next\"",
                    server.uri(),
                    page + 1
                )
                .as_str(),
            );
        }
        let mock = Mock::given(method("GET")).and(path(list.clone()));
        let mock = if page == 1 {
            mock.and(query_param_is_missing("page"))
        } else {
            mock.and(query_param("page", page.to_string()))
        };
        mock.respond_with(response).mount(&server).await;
    }
    let cw = builder(&server)
        .codebase(CODEBASE)
        .deadline(deadline)
        .build()
        .unwrap();
    let all: Vec<Company> = tokio::time::timeout(
        HANG_GUARD,
        cw.companies().list().page_size(1).stream().try_collect(),
    )
    .await
    .unwrap()
    .unwrap();
    let ids: Vec<i64> = all.iter().filter_map(|c| c.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert!(
        page_delay * 3 > deadline,
        "the whole stream outlasts one deadline"
    );
}
