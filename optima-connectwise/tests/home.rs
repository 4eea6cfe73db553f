//! All 17 CW Home operations against three wiremock hosts.

use std::time::Duration;

use optima_connectwise::RetryPolicy;
use optima_connectwise::home::*;
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.test.sig";
const V1: &str = "application/json;version=1.0";
const V3: &str = "application/json;version=3.0";

struct Hosts {
    auth: MockServer,
    iambff: MockServer,
    home: MockServer,
}

impl Hosts {
    async fn start() -> Self {
        Self {
            auth: MockServer::start().await,
            iambff: MockServer::start().await,
            home: MockServer::start().await,
        }
    }

    fn client(&self) -> CwHomeClient {
        CwHomeClient::builder()
            .token(SecretString::from(TOKEN))
            .auth_url(format!("{}/api", self.auth.uri()))
            .iambff_url(format!("{}/iambff/v1", self.iambff.uri()))
            .home_url(format!("{}/api", self.home.uri()))
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(2)
                    .base_delay(Duration::ZERO),
            )
            .build()
            .unwrap()
    }
}

fn bearer(m: MockBuilder) -> MockBuilder {
    m.and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

fn v1(m: MockBuilder) -> MockBuilder {
    bearer(m).and(header("content-type", V1))
}

fn user(id: &str) -> serde_json::Value {
    json!({
        "partnerId": "a1b2c3d4-0000-4000-8000-000000000001",
        "id": id,
        "mfaEnabled": true,
        "emailConfirmed": true,
        "isDisabled": false,
        "isPending": "false",
        "isInviteLinkValid": false,
        "status": "Active",
        "created": 1700000000,
        "updated": "1710000000.5",
        "userName": "jdoe@msp.example",
        "email": "jdoe@msp.example",
        "firstName": "John",
        "lastName": "Doe",
        "loginScheme": "Local",
        "additionalClaims": {
            "claimType": "contact_email",
            "claimValue": {"value": "jdoe@msp.example", "type": "contact"},
            "claimValueType": "json"
        },
        "lastLogin": 1711111111
    })
}

#[tokio::test]
async fn users_list_get_create() {
    let h = Hosts::start().await;
    v1(Mock::given(method("GET")))
        .and(path("/api/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user("u-1"), {"id": "u-2", "additionalClaims": [
            {"claimType": "employee_id", "claimValue": {"value": "42", "type": "employee"}, "claimValueType": "string"},
            {"claimType": "contact_email", "claimValue": {"value": "x@y.example", "type": "contact"}, "claimValueType": "json"}
        ]}])))
        .expect(1)
        .mount(&h.auth)
        .await;
    v1(Mock::given(method("GET")))
        .and(path("/api/users/u%201"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("u 1")))
        .expect(1)
        .mount(&h.auth)
        .await;
    bearer(Mock::given(method("POST")))
        .and(path("/api/users"))
        .and(header("content-type", V3))
        .and(body_json(json!({
            "partnerId": "p-1", "userName": "new@msp.example", "email": "new@msp.example",
            "firstName": "New", "lastName": "User",
            "additionalClaims": {"claimType": "contact_email",
                                 "claimValue": {"value": "new@msp.example", "type": "contact"},
                                 "claimValueType": "json"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user("u-3")])))
        .expect(1)
        .mount(&h.auth)
        .await;

    let home = h.client();
    let users = home.list_users().await.unwrap();
    assert_eq!(users.len(), 2);
    let u = &users[0];
    assert_eq!(u.is_pending, Some(false), "boolean sent as a string");
    assert_eq!(u.updated, Some(1_710_000_000.5), "number sent as a string");
    assert_eq!(u.created, Some(1_700_000_000));
    assert_eq!(u.additional_claims.len(), 1, "single claim object accepted");
    assert_eq!(
        u.additional_claims[0].claim_type,
        Some(ClaimType::ContactEmail)
    );
    assert_eq!(
        u.additional_claims[0]
            .claim_value
            .as_ref()
            .and_then(|v| v.value.as_deref()),
        Some("jdoe@msp.example")
    );
    assert_eq!(
        u.extra.get("lastLogin").and_then(|v| v.as_i64()),
        Some(1_711_111_111)
    );
    let u2 = &users[1];
    assert_eq!(u2.additional_claims.len(), 2, "claim arrays accepted");
    assert_eq!(
        u2.additional_claims[0].claim_type,
        Some(ClaimType::Other("employee_id".into()))
    );
    assert_eq!(
        u2.additional_claims[0]
            .claim_value_type
            .as_ref()
            .map(|t| t.as_str()),
        Some("string")
    );
    assert!(u2.email.is_none());

    assert_eq!(
        home.get_user("u 1").await.unwrap().id.as_deref(),
        Some("u 1")
    );
    let created = home
        .create_user(&User::new(
            "p-1",
            "new@msp.example",
            "new@msp.example",
            "New",
            "User",
        ))
        .await
        .unwrap();
    assert_eq!(created[0].id.as_deref(), Some("u-3"));
}

#[tokio::test]
async fn role_assignment_puts() {
    let h = Hosts::start().await;
    v1(Mock::given(method("PUT")))
        .and(path("/iambff/v1/users/u-1/connected-apps/asio_platform/app-role-mappings"))
        .and(body_json(json!({"connectedAppRoles": [{"assignedResources": ["site-1", "site-2"], "roleId": "role-admin"}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "User added to role"})))
        .expect(1)
        .mount(&h.iambff)
        .await;
    v1(Mock::given(method("PUT")))
        .and(path("/iambff/v1/users/u-1/identity-roles"))
        .and(body_json(json!({"identityRoleIds": ["r-1", "r-2"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"Status": 200, "identityRoleId": "r-1", "message": "Added", "operation": "add"},
            {"Status": "409", "identityRoleId": "r-2", "message": "Already assigned", "operation": "add"}
        ])))
        .expect(1)
        .mount(&h.iambff)
        .await;

    let home = h.client();
    let m = home
        .add_user_to_asio_app_role(
            "u-1",
            &AsioRoleRequestBody::role("role-admin", vec!["site-1".into(), "site-2".into()]),
        )
        .await
        .unwrap();
    assert_eq!(m.message.as_deref(), Some("User added to role"));
    let r = home
        .add_user_to_identity_roles("u-1", &IdentityRoleRequestBody::roles(["r-1", "r-2"]))
        .await
        .unwrap();
    assert_eq!(r[0].status, Some(200));
    assert_eq!(r[1].status, Some(409));
    assert_eq!(r[1].message.as_deref(), Some("Already assigned"));
}

fn connected_app() -> serde_json::Value {
    json!({
        "version": 2,
        "applicationBaseName": "asio_platform",
        "iconName": "asio",
        "authorizationEnabled": true,
        "authorization": {
            "roleAssignment": {
                "hasSingleAppRoleConstraint": true,
                "forbidIdentityRoleAssignment": false,
                "applicationRoles": [
                    {"roleId": "role-admin", "displayName": "Administrator", "resourceConstraint": {"type": "site", "max": 10}, "roleTypeHints": ["admin"]},
                    {"roleId": "role-tech", "displayName": "Technician", "resourceConstraint": null}
                ],
                "getAppRolesURL": "https://asio.example/roles"
            },
            "corporateStructure": {
                "enabled": true, "levelsUrl": "https://asio.example/levels", "containersPerLevelUrl": "https://asio.example/containers",
                "companiesUrl": "https://asio.example/companies", "sitesUrl": "https://asio.example/sites",
                "constraints": {
                    "containerAssignment": {"maxSelections": 5, "enableSelectAll": true, "enableFutureResourceAccessSelection": false},
                    "companyAssignment": {"maxSelections": "10", "enableSelectAll": false},
                    "siteAssignment": {"maxSelections": 0}
                }
            }
        },
        "accessRestrictions": {"accessType": "url", "accessUrl": "https://asio.example/access", "evaluationExpression": "true"},
        "enabled": true,
        "clientId": "asio-client",
        "clientName": "Asio Platform",
        "accessManagementUrl": "https://asio.example/manage",
        "redirectUris": ["https://asio.example/callback"],
        "usersCount": 12,
        "softwareId": "sw-1",
        "productName": "Asio",
        "claims": [{"type": "product", "value": "asio"}],
        "isCommon": false,
        "userAccessControlEnabled": true,
        "properties": {"access_management_endpoint": "https://asio.example/am", "user_access_control_enabled": "true", "initiate_login_uri": "https://asio.example/login"},
        "tenantRegion": "NA"
    })
}

#[tokio::test]
async fn connected_apps() {
    let h = Hosts::start().await;
    v1(Mock::given(method("GET")))
        .and(path("/iambff/v1/connected-apps"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([connected_app(), {"clientId": "other"}])),
        )
        .expect(1)
        .mount(&h.iambff)
        .await;
    v1(Mock::given(method("GET")))
        .and(path("/iambff/v1/connected-apps/asio_platform"))
        .respond_with(ResponseTemplate::new(200).set_body_json(connected_app()))
        .expect(1)
        .mount(&h.iambff)
        .await;

    let home = h.client();
    let all = home.list_connected_app_settings().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].client_id.as_deref(), Some("other"));
    let a = home.asio_platform_settings().await.unwrap();
    let ra = a
        .authorization
        .as_ref()
        .unwrap()
        .role_assignment
        .as_ref()
        .unwrap();
    assert_eq!(ra.application_roles.len(), 2);
    assert_eq!(
        ra.application_roles[0]
            .resource_constraint
            .as_ref()
            .unwrap()["max"],
        10
    );
    assert_eq!(
        ra.get_app_roles_url.as_deref(),
        Some("https://asio.example/roles")
    );
    let cs = a
        .authorization
        .as_ref()
        .unwrap()
        .corporate_structure
        .as_ref()
        .unwrap();
    let cons = cs.constraints.as_ref().unwrap();
    assert_eq!(
        cons.company_assignment.as_ref().unwrap().max_selections,
        Some(10)
    );
    assert_eq!(
        cons.container_assignment
            .as_ref()
            .unwrap()
            .enable_select_all,
        Some(true)
    );
    assert_eq!(
        a.properties.as_ref().unwrap().initiate_login_uri.as_deref(),
        Some("https://asio.example/login")
    );
    assert_eq!(a.claims[0].value.as_deref(), Some("asio"));
    assert_eq!(
        a.access_restrictions
            .as_ref()
            .unwrap()
            .access_type
            .as_deref(),
        Some("url")
    );
    assert_eq!(a.users_count, Some(12));
    assert_eq!(a.extra["tenantRegion"], "NA");
}

#[tokio::test]
async fn options_mfa_and_login_providers() {
    let h = Hosts::start().await;
    bearer(Mock::given(method("GET")))
        .and(path("/api/ExternalMFAProviders"))
        .and(query_param("enabled", "true"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"name": "Duo", "enabled": true, "providerType": 3}])),
        )
        .expect(1)
        .mount(&h.auth)
        .await;
    bearer(Mock::given(method("GET")))
        .and(path("/api/ExternalMFAProviders"))
        .and(query_param_is_missing("enabled"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&h.auth)
        .await;
    bearer(Mock::given(method("GET")))
        .and(path("/api/LoginProviders"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "authority": "https://login.microsoftonline.com/common", "clientId": "ms-client", "clientName": "Microsoft",
            "enabled": true, "protocolType": "oidc", "providerId": "7", "responseType": "code", "scheme": "Microsoft",
            "scopes": ["openid", "profile", "email"]
        }])))
        .expect(1)
        .mount(&h.auth)
        .await;

    let home = h.client();
    let mfa = home.external_mfa_providers(Some(true)).await.unwrap();
    assert_eq!(mfa[0].extra["name"], "Duo");
    assert!(home.external_mfa_providers(None).await.unwrap().is_empty());
    let lp = home.login_providers().await.unwrap();
    assert_eq!(lp[0].provider_id, Some(7));
    assert_eq!(lp[0].scopes, vec!["openid", "profile", "email"]);
}

#[tokio::test]
async fn identity_roles() {
    let h = Hosts::start().await;
    let role = json!({"description": "Full administrative access", "id": "r-1", "name": "Administrator",
                      "roleClaims": ["api.users", "api.sts.admin"], "usersCount": 4});
    v1(Mock::given(method("GET")))
        .and(path("/api/roles"))
        .and(query_param("includeUsersCount", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!([role.clone(), {"id": "r-2", "name": "Read only", "usersCount": "0"}]),
        ))
        .expect(1)
        .mount(&h.auth)
        .await;
    v1(Mock::given(method("GET")))
        .and(path("/api/roles/r-1"))
        .and(query_param_is_missing("includeUsersCount"))
        .respond_with(ResponseTemplate::new(200).set_body_json(role))
        .expect(1)
        .mount(&h.auth)
        .await;
    v1(Mock::given(method("GET")))
        .and(path("/api/roles/r-1/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([user("u-1")])))
        .expect(1)
        .mount(&h.auth)
        .await;

    let home = h.client();
    let roles = home.list_roles(Some(true)).await.unwrap();
    assert_eq!(roles[0].users_count, Some(4));
    assert_eq!(roles[1].users_count, Some(0));
    assert_eq!(roles[0].role_claims.len(), 2);
    assert_eq!(
        home.get_role("r-1", None).await.unwrap().name.as_deref(),
        Some("Administrator")
    );
    assert_eq!(
        home.role_users("r-1").await.unwrap()[0]
            .first_name
            .as_deref(),
        Some("John")
    );
}

#[tokio::test]
async fn products_and_account_team() {
    let h = Hosts::start().await;
    bearer(Mock::given(method("GET")))
        .and(path("/api/tools/products"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "submitFirstUsageForm": false, "productId": "psa", "name": "ConnectWise PSA", "instanceId": "inst-1",
            "productInfo1": "", "stsClientId": "psa-sts", "inTrial": false, "purchased": true, "cancelled": false,
            "provisioning": false, "trialExpired": false, "launchUrl": "https://na.myconnectwise.net",
            "hasActiveInstance": true, "paymentPastDue": "false", "billNextDateUnixTimeSeconds": "1714521600",
            "allowFreeTrial": false, "daysLeftInTrial": 0, "activeLicenses": 25, "category": "Business Management"
        }])))
        .expect(1)
        .mount(&h.home)
        .await;
    for (who, name) in [
        ("accountManager", "Alice Account"),
        ("successManager", "Sam Success"),
        ("partnerSalesExecutive", "Pat Sales"),
    ] {
        bearer(Mock::given(method("GET")))
            .and(path(format!("/api/company/companies/teams/{who}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "fullName": name, "defaultEmail": "am@connectwise.example", "notes": "", "phone": "+1 813 555 0100",
                "hasSuccessManager": true
            })))
            .expect(1)
            .mount(&h.home)
            .await;
    }
    bearer(Mock::given(method("GET")))
        .and(path(
            "/api/company/companies/teams/partnerDevelopmentManager",
        ))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Partner development manager not found"})),
        )
        .expect(1)
        .mount(&h.home)
        .await;

    let home = h.client();
    let p = home.products().await.unwrap();
    assert_eq!(p[0].bill_next_date_unix_time_seconds, Some(1_714_521_600));
    assert_eq!(p[0].active_licenses, Some(25));
    assert_eq!(p[0].extra["category"], "Business Management");
    assert_eq!(
        home.account_manager().await.unwrap().full_name.as_deref(),
        Some("Alice Account")
    );
    assert_eq!(
        home.success_manager().await.unwrap().full_name.as_deref(),
        Some("Sam Success")
    );
    assert_eq!(
        home.partner_sales_executive()
            .await
            .unwrap()
            .has_success_manager,
        Some(true)
    );
    let err = home.partner_development_manager().await.unwrap_err();
    assert!(err.is_not_found());
    assert!(
        err.to_string()
            .contains("Partner development manager not found"),
        "{err}"
    );
}

#[tokio::test]
async fn unauthorized_and_retry_on_home() {
    let h = Hosts::start().await;
    Mock::given(method("GET"))
        .and(path("/api/LoginProviders"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&h.auth)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/LoginProviders"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&h.auth)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/users"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .expect(1)
        .mount(&h.auth)
        .await;
    let home = h.client();
    assert!(home.login_providers().await.unwrap().is_empty());
    let err = home.list_users().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[test]
fn builder_requires_token_and_hides_it() {
    assert!(CwHomeClient::builder().build().is_err());
    assert!(
        CwHomeClient::builder()
            .token(SecretString::from(TOKEN))
            .auth_url("not a url")
            .build()
            .is_err()
    );
    let c = CwHomeClient::builder()
        .token(SecretString::from(TOKEN))
        .build()
        .unwrap();
    assert!(!format!("{c:?}").contains("eyJ"));
    assert_eq!(
        c.host_url(Host::Iambff).as_str(),
        "https://iambff.itsupport247.net/iambff/v1"
    );
}
