//! wiremock tests of the UniFi Access Identity client.

use std::time::Duration;

use optima_unifi::identity::{IdentityClient, Invitation};
use optima_unifi::{ApiErrorKind, Error, RetryPolicy};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BASE: &str = "/api/v1/developer";

fn client(server: &MockServer) -> IdentityClient {
    IdentityClient::builder()
        .url(server.uri())
        .token(SecretString::from("wHFmHRtoken"))
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

fn bearer() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", "Bearer wHFmHRtoken")
}

fn resources_body() -> serde_json::Value {
    json!({
        "code": "SUCCESS",
        "data": {
            "ev_station": [],
            "vpn": [{"deleted": false, "id": "65dff9a9c188cb71cfac8e9d", "metadata": {"has_ip": true},
                     "name": "UDM Pro", "short_name": ""}],
            "wifi": [{"deleted": false, "id": "65dff9a8c188cb71cfac8e9a", "metadata": null,
                      "name": "UniFi Identity", "short_name": ""}]
        },
        "msg": "success"
    })
}

#[tokio::test]
async fn invitations_succeed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{BASE}/users/identity/invitations")))
        .and(bearer())
        .and(body_json(json!([
            {"user_id": "e0051e08-c4d5-43db-87c8-a9b19cb66513", "email": "someone@example.com"},
            {"user_id": "b602879b-b857-400b-970b-336d4cb881ad"}
        ])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": "SUCCESS", "data": [], "msg": "success"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let out = client(&server)
        .send_invitations(&[
            Invitation::new("e0051e08-c4d5-43db-87c8-a9b19cb66513").email("someone@example.com"),
            Invitation::new("b602879b-b857-400b-970b-336d4cb881ad"),
        ])
        .await
        .unwrap();
    assert!(out.all_sent());
}

#[tokio::test]
async fn per_user_invitation_failures_inside_success_are_surfaced() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{BASE}/users/identity/invitations")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "SUCCESS",
            "data": [{"error_code": "", "error_msg": "invalid email", "user_email": "example@*.com",
                      "user_id": "e0051e08-c4d5-43db-87c8-a9b19cb66513"}],
            "msg": "success"
        })))
        .mount(&server)
        .await;
    let out = client(&server)
        .send_invitations(&[
            Invitation::new("e0051e08-c4d5-43db-87c8-a9b19cb66513").email("example@*.com")
        ])
        .await
        .unwrap();
    assert!(!out.all_sent());
    assert_eq!(out.failures.len(), 1);
    assert_eq!(out.failures[0].error_msg.as_deref(), Some("invalid email"));
    assert_eq!(out.failures[0].user_email.as_deref(), Some("example@*.com"));
    assert_eq!(out.failures[0].error_code.as_deref(), Some(""));
}

#[tokio::test]
async fn available_resources_filter_by_type_and_keep_unknown_types() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/users/identity/assignments")))
        .and(bearer())
        .and(query_param("resource_type", "evstation,wifi,vpn"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "SUCCESS",
            "data": {
                "evstation": [{"deleted": false, "id": "ev1", "metadata": null, "name": "Charger", "short_name": "C"}],
                "vpn": [],
                "wifi": [{"deleted": false, "id": "65cff9a8c188cb71cfac8e9a", "metadata": null, "name": "UniFi Identity", "short_name": ""}],
                "doorbell": [{"deleted": true, "id": "d1", "name": "Front", "colour": "red"}]
            },
            "msg": "success"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/users/identity/assignments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(resources_body()))
        .with_priority(10)
        .mount(&server)
        .await;
    let c = client(&server);
    let r = c
        .available_resources(&["evstation", "wifi", "vpn"])
        .await
        .unwrap();
    assert_eq!(r.wifi()[0].name.as_deref(), Some("UniFi Identity"));
    assert_eq!(r.ev_stations().len(), 1);
    assert!(r.vpn().is_empty());
    let door = &r.get("doorbell")[0];
    assert_eq!(door.deleted, Some(true));
    assert_eq!(door.extra["colour"], "red");
    assert_eq!(
        r.types().collect::<Vec<_>>(),
        ["doorbell", "evstation", "vpn", "wifi"]
    );
    // No filter: no query parameter.
    let all = c.available_resources(&[]).await.unwrap();
    assert_eq!(all.iter().count(), 2);
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[1].url.query().is_none());
}

#[tokio::test]
async fn user_assignments_are_sent_and_fetched() {
    let server = MockServer::start().await;
    let p = format!("{BASE}/users/b602879b-b857-400b-970b-336d4cb881ad/identity/assignments");
    Mock::given(method("POST"))
        .and(path(p.clone()))
        .and(bearer())
        .and(body_json(
            json!({"resource_type": "wifi", "resource_ids": ["65cff9a8c188cb71cfac8e9a"]}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": "SUCCESS", "data": null, "msg": "success"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p))
        .and(bearer())
        .respond_with(ResponseTemplate::new(200).set_body_json(resources_body()))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.assign_user_resources(
        "b602879b-b857-400b-970b-336d4cb881ad",
        "wifi",
        &["65cff9a8c188cb71cfac8e9a"],
    )
    .await
    .unwrap();
    let r = c
        .user_resources("b602879b-b857-400b-970b-336d4cb881ad")
        .await
        .unwrap();
    assert_eq!(r.vpn()[0].metadata, Some(json!({"has_ip": true})));
    assert_eq!(r.wifi()[0].metadata, None);
    assert!(r.ev_stations().is_empty());
    assert!(r.types().any(|t| t == "ev_station"));
}

#[tokio::test]
async fn user_group_assignments_are_sent_and_fetched() {
    let server = MockServer::start().await;
    let p = format!("{BASE}/user_groups/7476c839-8e10-472e-894f-c5b8254c35b5/identity/assignments");
    Mock::given(method("POST"))
        .and(path(p.clone()))
        .and(bearer())
        .and(body_json(
            json!({"resource_type": "vpn", "resource_ids": ["a", "b"]}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": "SUCCESS", "data": null, "msg": "success"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_json(resources_body()))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.assign_user_group_resources("7476c839-8e10-472e-894f-c5b8254c35b5", "vpn", &["a", "b"])
        .await
        .unwrap();
    let r = c
        .user_group_resources("7476c839-8e10-472e-894f-c5b8254c35b5")
        .await
        .unwrap();
    assert_eq!(r.vpn()[0].id.as_deref(), Some("65dff9a9c188cb71cfac8e9d"));
}

#[tokio::test]
async fn code_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{BASE}/users/u1/identity/assignments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "CODE_PARAMS_INVALID", "msg": "The provided parameters are invalid.", "data": null
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/users/u1/identity/assignments")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "CODE_UNAUTHORIZED", "msg": "Unauthorized", "data": null
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/user_groups/g1/identity/assignments")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "CODE_RESOURCE_NOT_FOUND", "msg": "not found", "data": null
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/user_groups/g2/identity/assignments")))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c
        .assign_user_resources("u1", "wifi", &["x"])
        .await
        .unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::ParamsInvalid));
    assert!(e.is_validation());
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert!(
        e.to_string()
            .contains("The provided parameters are invalid.")
    );
    let e = c.user_resources("u1").await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::Unauthorized));
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    let e = c.user_group_resources("g1").await.unwrap_err();
    assert!(e.is_not_found());
    let e = c.user_group_resources("g2").await.unwrap_err();
    assert!(
        matches!(&e, Error::Http { status, .. } if status.as_u16() == 502),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_url_with_the_developer_prefix_is_not_doubled() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/users/identity/assignments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(resources_body()))
        .expect(1)
        .mount(&server)
        .await;
    let c = IdentityClient::builder()
        .url(format!("{}/api/v1/developer/", server.uri()))
        .token(SecretString::from("t"))
        .build()
        .unwrap();
    c.available_resources(&[]).await.unwrap();
}

#[test]
fn builder_needs_url_and_token_and_hides_the_token() {
    assert!(matches!(
        IdentityClient::builder().build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        IdentityClient::builder().url("https://h:12445").build(),
        Err(Error::Config(_))
    ));
    let c = IdentityClient::builder()
        .url("https://h:12445")
        .token(SecretString::from("supersecrettoken"))
        .build()
        .unwrap();
    assert!(!format!("{c:?}").contains("supersecrettoken"));
}
