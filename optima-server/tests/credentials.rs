//! The credential vault over HTTP: credential types, credentials and sub-credentials, secure
//! values (never stored or logged in clear, bound to their place), permission scopes, the reveal
//! audit, and key rotation with rewrap.

use optima_server::testing::TestServer;
use serde_json::{Value, json};

#[path = "support/vault_http.rs"]
mod vault_http;

use vault_http::*;

#[tokio::test]
async fn credential_types_are_managed_and_counted() {
    let env = env().await;
    let admin = env.server.as_user(&env.admin);
    let (status, body) = admin.get("/v1/credential/valuetypes").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!([
            "plain_text",
            "license_key",
            "ip_address",
            "generic_secret",
            "bitlocker_key",
            "password",
            "totp",
            "multi_credential"
        ])
    );

    let type_id = create_type(&env, "VPN Config", "vpn.credentials").await;
    let (status, body) = admin.get("/v1/credential-type/vpn%20config").await;
    assert_eq!(status, 200, "found by name, ignoring case: {body}");
    assert_eq!(body["data"]["id"], type_id.as_str());
    assert_eq!(body["data"]["credentialCount"], 0);
    assert_eq!(body["data"]["permissionScope"], "vpn.credentials");
    assert_eq!(body["data"]["fields"][3]["subFields"][1]["secure"], true);
    assert!(body["data"]["fields"][0].get("subFields").is_none());

    let (status, body) = admin
        .post(
            "/v1/credential-type",
            vpn_type("vpn CONFIG", "other.credentials"),
        )
        .await;
    assert_eq!(status, 409, "names are unique ignoring case: {body}");

    create_credential(&env, &type_id, "One", "pw-1").await;
    create_credential(&env, &type_id, "Two", "pw-2").await;
    let (_, body) = admin.get("/v1/credential-type").await;
    assert_eq!(
        body["data"][0]["credentialCount"], 2,
        "sub-credentials are not counted"
    );
    let (_, body) = admin
        .get(&format!("/v1/credential-type/{type_id}/credentials"))
        .await;
    let names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["One", "Two"]);

    let (status, body) = admin
        .patch(
            &format!("/v1/credential-type/{type_id}"),
            json!({"name": "VPN", "icon": "https://example.com/new.ico"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["name"], "VPN");
    assert_eq!(
        body["data"]["fields"].as_array().unwrap().len(),
        4,
        "fields kept"
    );
    assert_eq!(body["data"]["credentialCount"], 2);
    // A client that sends back what it read (optional fields as `null`) changes nothing; a
    // `null` icon removes the icon.
    let read_back = json!({"name": "VPN", "icon": null, "fields": null, "confirmUnseal": null});
    let (status, body) = admin
        .patch(&format!("/v1/credential-type/{type_id}"), read_back)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["icon"], Value::Null, "null icon cleared");
    assert_eq!(body["data"]["fields"].as_array().unwrap().len(), 4);

    for path in [
        "/v1/credential-type/nope",
        "/v1/credential-type/nope/credentials",
    ] {
        let (status, body) = admin.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "CredentialTypeNotFound");
    }
    let (status, _) = admin
        .patch("/v1/credential-type/nope", json!({"name": "x"}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn validation_errors_name_every_problem_with_its_path() {
    let env = env().await;
    let admin = env.server.as_user(&env.admin);
    let (status, body) = admin.post("/v1/credential-type", json!({
            "name": " ",
            "permissionScope": "not a node!",
            "fields": [
                {"id": "a b", "name": "A", "required": true, "secure": false, "valueType": "plain_text"},
                {"id": "x", "name": "X", "required": true, "secure": false, "valueType": "plain_text",
                 "subFields": [{"id": "y", "name": "Y", "required": true, "secure": false, "valueType": "plain_text"}]}
            ]
        }))
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "ValidationError");
    let found = paths(&body);
    for expected in [
        p(&["body", "name"]),
        p(&["body", "permissionScope"]),
        p(&["body", "fields", "0", "id"]),
        p(&["body", "fields", "1", "subFields"]),
    ] {
        assert!(
            found.contains(&expected),
            "{expected:?} missing from {found:?}"
        );
    }

    // A value type that does not exist fails to parse, with its path.
    let mut bad = vpn_type("Bad", "bad.credentials");
    bad["fields"][1]["valueType"] = json!("ipv4");
    let (status, body) = admin.post("/v1/credential-type", bad).await;
    assert_eq!(status, 400);
    assert_eq!(paths(&body), vec![p(&["body", "fields", "1", "valueType"])]);

    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let (status, body) = admin.post("/v1/credential/credentials", json!({
            "name": "Broken",
            "typeId": type_id,
            "companyId": "acme",
            "fields": [
                {"fieldId": "gateway", "value": "999.1.1.1"},
                {"fieldId": "nope", "value": "x"}
            ],
            "subCredentials": {"tunnels": [{"name": "T", "fields": [{"fieldId": "server", "value": "s"}]}]}
        }))
    .await;
    assert_eq!(status, 400, "{body}");
    let found = paths(&body);
    for expected in [
        p(&["body", "fields", "0", "value"]),
        p(&["body", "fields", "1", "fieldId"]),
        p(&["body", "fields"]),
        p(&["body", "subCredentials", "tunnels", "0", "fields"]),
    ] {
        assert!(
            found.contains(&expected),
            "{expected:?} missing from {found:?}"
        );
    }
    let messages = body["errors"].to_string();
    assert!(
        messages.contains("hostname") && messages.contains("password"),
        "{messages}"
    );
    assert!(
        !messages.contains("999.1.1.1"),
        "messages never repeat a value"
    );

    let id = create_credential(&env, &type_id, "Good", "pw").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = admin
        .put(
            &format!("/v1/credential/credentials/{id}/fields"),
            json!({"fields": [{"fieldId": "password", "value": ""}, {"fieldId": "bogus", "value": "1"}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        paths(&body),
        vec![
            p(&["body", "fields", "0", "value"]),
            p(&["body", "fields", "1", "fieldId"])
        ]
    );
    let (status, body) = admin
        .post(
            &format!("/v1/credential/credentials/{id}/sub-credentials"),
            json!({"fieldId": "hostname", "name": "T", "fields": []}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(paths(&body), vec![p(&["body", "fieldId"])]);

    // Unknown company and type are 404s.
    let (status, body) = admin
        .post(
            "/v1/credential/credentials",
            credential_body(&type_id, "initech", "X", "pw", "psk"),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("CompanyNotFound"))
    );
    let (status, body) = admin
        .post(
            "/v1/credential/credentials",
            credential_body("no-type", "acme", "X", "pw", "psk"),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("CredentialTypeNotFound"))
    );
    let (status, body) = admin
        .get("/v1/credential/credentials/company/initech")
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("CompanyNotFound"))
    );
    let (status, body) = admin.get("/v1/credential/credentials/nope").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("CredentialNotFound"))
    );
}

#[tokio::test]
async fn credentials_hide_secure_values_until_revealed() {
    let env = env().await;
    let admin = env.server.as_user(&env.admin);
    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let created = create_credential(&env, &type_id, "Prod VPN", "hunter2-prod").await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["company"],
        json!({"id": "acme", "name": "Acme Corp"})
    );
    assert_eq!(created["type"]["permissionScope"], "vpn.credentials");
    assert_eq!(created["notes"], "Used for production");
    let fields = created["fields"].as_array().unwrap();
    assert_eq!(
        fields.len(),
        2,
        "multi_credential fields are sub-credentials: {fields:?}"
    );
    assert_eq!(fields[0]["value"], "vpn.example.com");
    assert_eq!(
        fields[1],
        json!({"id": "password", "name": "Password", "secure": true, "required": true, "valueType": "password", "value": null})
    );

    // The list of the company shows the same, secure values null.
    let (_, body) = admin.get("/v1/credential/credentials/company/acme").await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["fields"][1]["value"], Value::Null);
    let (_, body) = admin.get("/v1/credential/credentials/company/globex").await;
    assert_eq!(body["data"], json!([]));

    // Stored fields: secure values as ciphertext.
    let (status, body) = admin
        .get(&format!("/v1/credential/credentials/{id}/fields"))
        .await;
    assert_eq!(status, 200);
    let sealed = body["data"][1]["value"].as_str().unwrap();
    assert_eq!(body["data"][1]["fieldId"], "password");
    assert_eq!(body["data"][1]["secure"], true);
    assert!(
        sealed.starts_with("v1.") && !sealed.contains("hunter2"),
        "{sealed}"
    );

    // Reveal.
    let (status, body) = admin
        .get(&format!("/v1/credential/credentials/{id}/secure-values"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"], json!({"password": "hunter2-prod"}));
    let (_, body) = admin
        .get(&format!(
            "/v1/credential/credentials/{id}/secure-values/password"
        ))
        .await;
    assert_eq!(
        body["data"],
        json!({"fieldId": "password", "value": "hunter2-prod"})
    );
    assert_eq!(body["message"], "Secure Value Fetched Successfully!");
    for field in ["hostname", "unknownField"] {
        let (status, body) = admin
            .get(&format!(
                "/v1/credential/credentials/{id}/secure-values/{field}"
            ))
            .await;
        assert_eq!(status, 404);
        assert_eq!(body["error"], "SecureFieldNotFound");
        assert_eq!(body["message"], format!("Secure field not found: {field}"));
    }

    // Sub-credentials.
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{id}/sub-credentials"))
        .await;
    let subs = body["data"].as_array().unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["subCredentialOfId"], id.as_str());
    assert_eq!(
        subs[0]["fields"][0],
        json!({"id": "server", "name": "Server", "secure": false, "required": true, "valueType": "plain_text", "value": "vpn1.example.com"})
    );
    assert_eq!(subs[0]["fields"][1]["value"], Value::Null);
    let sub1 = subs[0]["id"].as_str().unwrap().to_owned();
    let (_, body) = admin
        .get(&format!(
            "/v1/credential/credentials/{sub1}/secure-values/psk"
        ))
        .await;
    assert_eq!(body["data"]["value"], "psk-of-Prod VPN");

    let (status, body) = admin
        .post(
            &format!("/v1/credential/credentials/{id}/sub-credentials"),
            json!({"fieldId": "tunnels", "name": "Tunnel 2", "fields": [
                {"fieldId": "server", "value": "vpn2.example.com"}, {"fieldId": "psk", "value": "second-psk"}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["message"], "Sub-Credential Created Successfully!");
    let sub2 = body["data"]["id"].as_str().unwrap().to_owned();
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{id}/sub-credentials"))
        .await;
    let names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Tunnel 1", "Tunnel 2"]);

    // A sub-credential is removed only through its own parent.
    let other = create_credential(&env, &type_id, "Other", "pw").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = admin
        .delete(&format!(
            "/v1/credential/credentials/{other}/sub-credentials/{sub2}"
        ))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "SubCredentialNotFound");
    assert_eq!(body["message"], "Sub-credential not found");
    let (status, body) = admin
        .delete(&format!(
            "/v1/credential/credentials/{id}/sub-credentials/{sub2}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["message"], "Sub-Credential Removed Successfully!");
    let (status, _) = admin
        .get(&format!("/v1/credential/credentials/{sub2}"))
        .await;
    assert_eq!(status, 404);

    // `null` on an optional field leaves it as it is, at any depth (a field value's `id`); on
    // `notes`, which can be cleared, it clears them. A required field still refuses it.
    let (status, body) = admin
        .patch(
            &format!("/v1/credential/credentials/{id}"),
            json!({"name": null, "notes": null, "fields": [{"fieldId": "password", "value": "x", "id": null}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["name"], created["name"],
        "null name left as it was"
    );
    assert_eq!(body["data"]["notes"], Value::Null, "null notes cleared");
    let (status, body) = admin
        .patch(
            &format!("/v1/credential/credentials/{id}"),
            json!({"fields": [{"fieldId": null, "value": "x"}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["body", "fields", "0", "fieldId"])
    );

    // PATCH: name, notes and fields; secure values re-encrypted.
    let (status, body) = admin
        .patch(
            &format!("/v1/credential/credentials/{id}"),
            json!({"name": "Renamed", "notes": "", "fields": [{"fieldId": "password", "value": "patched-pw"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["name"], "Renamed");
    assert_eq!(body["data"]["notes"], Value::Null);
    assert_eq!(
        body["data"]["fields"][0]["value"], "vpn.example.com",
        "other fields kept"
    );
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{id}/fields"))
        .await;
    assert_ne!(
        body["data"][1]["value"].as_str().unwrap(),
        sealed,
        "sealed anew"
    );
    let (_, body) = admin
        .get(&format!(
            "/v1/credential/credentials/{id}/secure-values/password"
        ))
        .await;
    assert_eq!(body["data"]["value"], "patched-pw");

    // PUT fields.
    let (status, body) = admin
        .put(
            &format!("/v1/credential/credentials/{id}/fields"),
            json!({"fields": [{"fieldId": "gateway", "value": "10.0.0.1"}, {"fieldId": "password", "value": "put-pw"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Credential Fields Updated Successfully!");
    let gateway = body["data"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "gateway")
        .unwrap()
        .clone();
    assert_eq!(gateway["value"], "10.0.0.1");
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{id}/secure-values"))
        .await;
    assert_eq!(body["data"], json!({"password": "put-pw"}));
}

#[tokio::test]
async fn deletes_cascade() {
    let env = env().await;
    let admin = env.server.as_user(&env.admin);
    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let keep_type = create_type(&env, "Other", "other.credentials").await;
    let a = create_credential(&env, &type_id, "A", "pw-a").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = create_credential(&env, &type_id, "B", "pw-b").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = create_credential(&env, &keep_type, "Kept", "pw-k").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{a}/sub-credentials"))
        .await;
    let sub_a = body["data"][0]["id"].as_str().unwrap().to_owned();
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{b}/sub-credentials"))
        .await;
    let sub_b = body["data"][0]["id"].as_str().unwrap().to_owned();

    let (status, body) = admin
        .delete(&format!("/v1/credential/credentials/{a}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": 200, "message": "Credential Deleted Successfully!", "data": null, "successful": true})
    );
    for gone in [&a, &sub_a] {
        let (status, _) = admin
            .get(&format!("/v1/credential/credentials/{gone}"))
            .await;
        assert_eq!(status, 404);
    }
    let fields_left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM credential_fields WHERE credential_id IN ($1, $2)",
    )
    .bind(&a)
    .bind(&sub_a)
    .fetch_one(&env.server.state.store.db().pool)
    .await
    .unwrap();
    assert_eq!(fields_left, 0, "secure values go with the credential");

    let (status, body) = admin
        .delete(&format!("/v1/credential-type/{type_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["message"], "Credential Type Deleted Successfully!");
    for gone in [&b, &sub_b] {
        let (status, _) = admin
            .get(&format!("/v1/credential/credentials/{gone}"))
            .await;
        assert_eq!(status, 404);
    }
    let (status, _) = admin
        .get(&format!("/v1/credential/credentials/{kept}"))
        .await;
    assert_eq!(status, 200, "other types are untouched");
    let (status, _) = admin
        .delete(&format!("/v1/credential-type/{type_id}"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn permission_scopes_filter_lists_guard_access_and_join_the_catalog() {
    let env = env().await;
    let admin = env.server.as_user(&env.admin);
    let alpha = create_type(&env, "Alpha", "alpha.credentials").await;
    let beta = create_type(&env, "Beta", "beta.credentials").await;
    let a = create_credential(&env, &alpha, "A", "pw-a").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = create_credential(&env, &beta, "B", "pw-b").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, user) = env
        .server
        .user_with_grants(&[
            "credential.fetch",
            "credential.fetch.many",
            "credential.create",
            "credential.secure_values.read",
            "credential_type.fetch",
            "alpha.credentials",
        ])
        .await;
    let (status, body) = env
        .server
        .as_user(&user)
        .get("/v1/credential/credentials/company/acme")
        .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A"], "Beta's credential is left out");
    let (_, body) = env
        .server
        .as_user(&user)
        .get(&format!("/v1/credential-type/{beta}/credentials"))
        .await;
    assert_eq!(body["data"], json!([]));
    let (_, body) = env
        .server
        .as_user(&user)
        .get(&format!("/v1/credential-type/{alpha}/credentials"))
        .await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);

    let (status, _) = env
        .server
        .as_user(&user)
        .get(&format!("/v1/credential/credentials/{a}"))
        .await;
    assert_eq!(status, 200);
    for path in [
        format!("/v1/credential/credentials/{b}"),
        format!("/v1/credential/credentials/{b}/secure-values"),
        format!("/v1/credential/credentials/{b}/secure-values/password"),
    ] {
        let (status, body) = env.server.as_user(&user).get(&path).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"], "InsufficientPermission");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("beta.credentials"),
            "{body}"
        );
    }
    let (status, body) = env
        .server
        .as_user(&user)
        .post(
            "/v1/credential/credentials",
            credential_body(&beta, "acme", "New B", "pw", "psk"),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // A sub-credential of Beta is as guarded as its parent.
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{b}/sub-credentials"))
        .await;
    let sub_b = body["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = env
        .server
        .as_user(&user)
        .get(&format!("/v1/credential/credentials/{sub_b}"))
        .await;
    assert_eq!(status, 403);

    // Scopes are grantable nodes while their type exists.
    let role = |permissions: Value| json!({"title": "Scoped", "moniker": format!("scoped-{}", optima_core::store::new_id()), "permissions": permissions});
    let (status, body) = admin
        .post("/v1/role", role(json!(["beta.credentials"])))
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = admin.get("/v1/permissions/credentialScope").await;
    let nodes = body.to_string();
    assert!(
        nodes.contains("alpha.credentials") && nodes.contains("beta.credentials"),
        "{nodes}"
    );

    let (status, _) = admin
        .patch(
            &format!("/v1/credential-type/{alpha}"),
            json!({"permissionScope": "gamma.credentials"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = admin
        .post("/v1/role", role(json!(["gamma.credentials"])))
        .await;
    assert_eq!(status, 201);
    let (status, body) = admin
        .post("/v1/role", role(json!(["alpha.credentials"])))
        .await;
    assert_eq!(status, 400, "the old scope left the catalog: {body}");
    // The user's old grant no longer opens Alpha: it needs gamma now.
    let (status, _) = env
        .server
        .as_user(&user)
        .get(&format!("/v1/credential/credentials/{a}"))
        .await;
    assert_eq!(status, 403);

    // Scopes of stored types are registered at start.
    let restarted = TestServer::start(env.config.clone()).await.unwrap();
    let catalog = restarted.state.catalog();
    assert!(catalog.contains("gamma.credentials") && catalog.contains("beta.credentials"));
    assert!(!catalog.contains("alpha.credentials"));

    let (status, _) = admin.delete(&format!("/v1/credential-type/{beta}")).await;
    assert_eq!(status, 200);
    let (status, body) = admin
        .post("/v1/role", role(json!(["beta.credentials"])))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("beta.credentials"));
}

#[tokio::test]
async fn secure_value_reads_are_audited() {
    let env = env().await;
    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let a = create_credential(&env, &type_id, "A", "pw-a").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = create_credential(&env, &type_id, "B", "pw-b").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let readers = [
        "credential.fetch",
        "credential.secure_values.read",
        "vpn.credentials",
    ];
    let (alice, alice_token) = env.server.user_with_grants(&readers).await;
    let (bob, bob_token) = env.server.user_with_grants(&readers).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);

    let (status, _) = env
        .server
        .as_user(&alice_token)
        .get(&format!("/v1/credential/credentials/{a}/secure-values"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = env
        .server
        .as_user(&alice_token)
        .get(&format!(
            "/v1/credential/credentials/{b}/secure-values/password"
        ))
        .await;
    assert_eq!(status, 200);
    let (status, _) = env
        .server
        .as_user(&bob_token)
        .header("x-forwarded-for", "203.0.113.9")
        .get(&format!(
            "/v1/credential/credentials/{a}/secure-values/password"
        ))
        .await;
    assert_eq!(status, 200);
    // Reading ciphertext or a non-secure view is not a reveal.
    env.server
        .as_user(&alice_token)
        .get(&format!("/v1/credential/credentials/{a}"))
        .await;

    let (_, auditor) = env.server.user_with_grants(&["audit.read"]).await;
    let list = |query: String| {
        let server = &env.server;
        let auditor = auditor.clone();
        async move {
            let (status, body) = server
                .as_user(&auditor)
                .get(&format!("/v1/audit/secure-value-reads{query}"))
                .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let all = list(String::new()).await;
    assert_eq!(all["pagination"]["totalRecords"], 3);
    assert_eq!(all["message"], "Secure Value Reads Fetched Successfully!");
    let records = all["data"].as_array().unwrap();
    assert_eq!(records[0]["userId"], bob.id.as_str(), "newest first");
    assert_eq!(records[0]["fieldIds"], json!(["password"]));
    assert_eq!(
        records[0]["address"],
        "127.0.0.1 (x-forwarded-for: 203.0.113.9)"
    );
    assert_eq!(records[2]["userId"], alice.id.as_str());
    assert_eq!(records[2]["credentialId"], a.as_str());
    assert_eq!(records[2]["address"], "127.0.0.1");

    let by_alice = list(format!("?userId={}", alice.id)).await;
    assert_eq!(by_alice["pagination"]["totalRecords"], 2);
    let of_a = list(format!("?credentialId={a}")).await;
    assert_eq!(of_a["pagination"]["totalRecords"], 2);
    let both = list(format!("?credentialId={a}&userId={}", alice.id)).await;
    assert_eq!(both["pagination"]["totalRecords"], 1);
    let since = before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let later = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(
        list(format!("?since={since}")).await["pagination"]["totalRecords"],
        3
    );
    assert_eq!(
        list(format!("?since={later}")).await["pagination"]["totalRecords"],
        0
    );
    assert_eq!(
        list(format!("?until={since}")).await["pagination"]["totalRecords"],
        0
    );
    let page = list("?rpp=1&page=2".into()).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["pagination"]["previousPage"], 1);
    assert_eq!(page["pagination"]["nextPage"], 3);
    assert_eq!(page["data"][0]["credentialId"], b.as_str());

    let (status, body) = env
        .server
        .as_user(&auditor)
        .get("/v1/audit/secure-value-reads?since=yesterday")
        .await;
    assert_eq!(status, 400);
    assert_eq!(paths(&body), vec![p(&["parameter", "since"])]);
    let (status, _) = env
        .server
        .as_user(&alice_token)
        .get("/v1/audit/secure-value-reads")
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_ciphertext_copied_to_another_credential_does_not_reveal() {
    let env = env().await;
    let admin = env.server.as_user(&env.admin);
    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let a = create_credential(&env, &type_id, "A", "secret-of-a").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = create_credential(&env, &type_id, "B", "secret-of-b").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pool = &env.server.state.store.db().pool;
    let sealed_a: String = sqlx::query_scalar(
        "SELECT value FROM credential_fields WHERE credential_id = $1 AND field_id = 'password'",
    )
    .bind(&a)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE credential_fields SET value = $1 WHERE credential_id = $2 AND field_id = 'password'")
        .bind(&sealed_a)
        .bind(&b)
        .execute(pool)
        .await
        .unwrap();

    for path in [
        format!("/v1/credential/credentials/{b}/secure-values/password"),
        format!("/v1/credential/credentials/{b}/secure-values"),
    ] {
        let (status, body) = admin.get(&path).await;
        assert_eq!(status, 409, "{path}: {body}");
        assert_eq!(body["error"], "SecureValueUnreadable");
        assert_eq!(body["successful"], false);
        let text = body.to_string();
        assert!(
            !text.contains("secret-of-a") && !text.contains(&sealed_a),
            "no internals: {text}"
        );
    }
    // The original still opens, and B can be repaired by setting it again.
    let (_, body) = admin
        .get(&format!(
            "/v1/credential/credentials/{a}/secure-values/password"
        ))
        .await;
    assert_eq!(body["data"]["value"], "secret-of-a");
    let (status, _) = admin
        .put(
            &format!("/v1/credential/credentials/{b}/fields"),
            json!({"fields": [{"fieldId": "password", "value": "secret-of-b-again"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = admin
        .get(&format!(
            "/v1/credential/credentials/{b}/secure-values/password"
        ))
        .await;
    assert_eq!(body["data"]["value"], "secret-of-b-again");
}

async fn sealed_values(server: &TestServer) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT value FROM credential_fields WHERE secure = 1 ORDER BY credential_id, field_id",
    )
    .fetch_all(&server.state.store.db().pool)
    .await
    .unwrap()
}

async fn reveal_all(server: &TestServer, token: &str, ids: &[(String, String)]) {
    for (id, password) in ids {
        let (status, body) = server
            .as_user(token)
            .get(&format!(
                "/v1/credential/credentials/{id}/secure-values/password"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["value"], password.as_str());
    }
}

#[tokio::test]
async fn keys_rotate_and_values_are_rewrapped() {
    use optima_server::vault::KEY_FILE;
    use optima_server::vault::cli::{Rotated, VaultAction, rotate, run as run_cli};

    let env = env().await;
    let key_file = env.config.data_dir.join(KEY_FILE);
    let first = std::fs::read_to_string(&key_file).unwrap();
    let old_id = first.split(':').next().unwrap().to_owned();
    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let password = format!("pw-{i}");
        let c = create_credential(&env, &type_id, &format!("C{i}"), &password).await;
        ids.push((c["id"].as_str().unwrap().to_owned(), password));
    }
    let before = sealed_values(&env.server).await;
    assert_eq!(before.len(), 6, "3 passwords and 3 tunnel keys");
    assert!(
        before
            .iter()
            .all(|v| v.starts_with(&format!("v1.{old_id}.")))
    );

    // Rotate: a new primary in the key file, the old key kept.
    run_cli(env.config.clone(), VaultAction::Rotate)
        .await
        .unwrap();
    let ring =
        optima_core::vault::KeyRing::parse(std::fs::read_to_string(&key_file).unwrap().trim())
            .unwrap();
    let key_ids: Vec<String> = ring.key_ids().map(|k| k.as_str().to_owned()).collect();
    assert_eq!(key_ids.len(), 2);
    assert_eq!(key_ids[1], old_id);
    let new_id = key_ids[0].clone();

    // Retiring the old key now would lose data: refused.
    let err = run_cli(
        env.config.clone(),
        VaultAction::Retire {
            key_id: old_id.clone(),
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("still sealed"), "{err}");

    // A restarted server seals under the new key and still opens the old values.
    let rotated = TestServer::start(env.config.clone()).await.unwrap();
    reveal_all(&rotated, &env.admin, &ids).await;
    let (status, c) = rotated
        .as_user(&env.admin)
        .post(
            "/v1/credential/credentials",
            credential_body(&type_id, "acme", "After rotation", "pw-new", "psk-new"),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert!(
        sealed_values(&rotated)
            .await
            .iter()
            .any(|v| v.starts_with(&format!("v1.{new_id}."))),
        "new values are sealed under the new primary"
    );
    ids.push((
        c["data"]["id"].as_str().unwrap().to_owned(),
        "pw-new".into(),
    ));

    // Rewrap everything onto the new key (twice: the second run has nothing to do).
    run_cli(env.config.clone(), VaultAction::Rewrap { batch: 2 })
        .await
        .unwrap();
    let report = optima_core::vault::rewrap_store(&rotated.state.vault(), &rotated.state.store, 2)
        .await
        .unwrap();
    assert_eq!((report.values, report.rewrapped), (8, 0));
    let after = sealed_values(&rotated).await;
    assert_eq!(after.len(), 8);
    assert!(
        after
            .iter()
            .all(|v| v.starts_with(&format!("v1.{new_id}."))),
        "{after:?}"
    );

    // Now the old key can go, and every value still opens without it.
    run_cli(
        env.config.clone(),
        VaultAction::Retire {
            key_id: old_id.clone(),
        },
    )
    .await
    .unwrap();
    let ring =
        optima_core::vault::KeyRing::parse(std::fs::read_to_string(&key_file).unwrap().trim())
            .unwrap();
    assert_eq!(
        ring.key_ids().map(|k| k.as_str()).collect::<Vec<_>>(),
        [new_id.as_str()]
    );
    let retired = TestServer::start(env.config.clone()).await.unwrap();
    reveal_all(&retired, &env.admin, &ids).await;

    // With OPTIMA_VAULT_KEYS, rotation hands back the value to set instead.
    let mut with_setting = env.config.clone();
    with_setting.vault_keys = Some(ring.to_config());
    let Rotated::Setting {
        value,
        new_key,
        key_ids,
    } = rotate(&with_setting).unwrap()
    else {
        panic!("keys from the setting are not written to a file");
    };
    assert_eq!(key_ids, [new_key.as_str().to_owned(), new_id.clone()]);
    let parsed =
        optima_core::vault::KeyRing::parse(secrecy::ExposeSecret::expose_secret(&value)).unwrap();
    assert_eq!(parsed.primary().id(), &new_key);
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap().trim(),
        secrecy::ExposeSecret::expose_secret(&ring.to_config()),
        "the key file is left alone"
    );
    with_setting.vault_keys = Some(value);
    let from_setting = TestServer::start(with_setting).await.unwrap();
    reveal_all(&from_setting, &env.admin, &ids).await;
}

#[tokio::test]
async fn the_vault_routes_work_on_postgres() {
    let Some(url) =
        optima_server::testing::postgres_test_url("the_vault_routes_work_on_postgres").await
    else {
        return;
    };
    let env = env_on(&url).await;
    let admin = env.server.as_user(&env.admin);
    let type_id = create_type(&env, "VPN", "vpn.credentials").await;
    let (status, _) = admin
        .post("/v1/credential-type", vpn_type("vpn", "x.credentials"))
        .await;
    assert_eq!(status, 409);
    let a = create_credential(&env, &type_id, "A", "pg-secret").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = admin.get("/v1/credential/credentials/company/acme").await;
    assert_eq!(body["data"][0]["fields"][1]["value"], Value::Null);
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{a}/secure-values"))
        .await;
    assert_eq!(body["data"], json!({"password": "pg-secret"}));
    let (_, body) = admin
        .get(&format!("/v1/credential/credentials/{a}/sub-credentials"))
        .await;
    let sub = body["data"][0]["id"].as_str().unwrap().to_owned();
    let (_, body) = admin
        .get(&format!("/v1/audit/secure-value-reads?credentialId={a}"))
        .await;
    assert_eq!(body["pagination"]["totalRecords"], 1);
    let (_, body) = admin.get("/v1/credential-type/VPN").await;
    assert_eq!(body["data"]["credentialCount"], 1);
    let (status, _) = admin
        .delete(&format!("/v1/credential-type/{type_id}"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = admin
        .get(&format!("/v1/credential/credentials/{sub}"))
        .await;
    assert_eq!(
        status, 404,
        "the cascade reaches sub-credentials on PostgreSQL too"
    );
}
