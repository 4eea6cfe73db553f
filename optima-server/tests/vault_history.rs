//! The vault's one-time codes, field history with restore and purge, generated values and the
//! offboarding report, over HTTP on SQLite and on PostgreSQL.

use optima_core::vault::TotpSeed;
use optima_server::testing::TestServer;
use serde_json::{Value, json};

#[macro_use]
#[path = "support/backends.rs"]
mod backends;

#[path = "support/vault_http.rs"]
mod vault_http;

use vault_http::*;

/// RFC 6238's SHA-1 seed ("12345678901234567890"), base32.
const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn router_type(name: &str, scope: &str) -> Value {
    json!({
        "name": name,
        "permissionScope": scope,
        "fields": [
            {"id": "host", "name": "Host", "required": true, "secure": false, "valueType": "plain_text"},
            {"id": "password", "name": "Password", "required": true, "secure": true, "valueType": "password"},
            {"id": "otp", "name": "2FA", "required": false, "secure": true, "valueType": "totp"},
            {"id": "tunnels", "name": "Tunnels", "required": false, "secure": false, "valueType": "multi_credential",
             "subFields": [
                {"id": "psk", "name": "PSK", "required": true, "secure": true, "valueType": "password"}
             ]}
        ]
    })
}

struct World {
    env: Env,
    type_id: String,
}

impl World {
    async fn new(url: &str) -> World {
        let env = env_on(url).await;
        let (status, body) = env
            .server
            .as_user(&env.admin)
            .post(
                "/v1/credential-type",
                router_type("Router", "router.credentials"),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let type_id = body["data"]["id"].as_str().unwrap().to_owned();
        World { env, type_id }
    }

    fn server(&self) -> &TestServer {
        &self.env.server
    }

    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, out) = self
            .server()
            .as_user(&self.env.admin)
            .send(method, path, body)
            .await;
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {out}"
        );
        out["data"].clone()
    }

    async fn create(&self, name: &str, password: &str) -> String {
        let body = json!({
            "name": name,
            "typeId": self.type_id,
            "companyId": "acme",
            "fields": [
                {"fieldId": "host", "value": "10.0.0.1"},
                {"fieldId": "password", "value": password},
                {"fieldId": "otp", "value": format!("otpauth://totp/Acme:admin?secret={SEED}&issuer=Acme")}
            ],
            "subCredentials": {"tunnels": [{"name": "T1", "fields": [{"fieldId": "psk", "value": "psk-1"}]}]}
        });
        let c = self
            .admin("POST", "/v1/credential/credentials", Some(body))
            .await;
        c["id"].as_str().unwrap().to_owned()
    }

    async fn set(&self, id: &str, fields: Value) -> Value {
        self.admin(
            "PUT",
            &format!("/v1/credential/credentials/{id}/fields"),
            Some(json!({ "fields": fields })),
        )
        .await
    }
}

async fn me(server: &TestServer, token: &str) -> String {
    server.state.caller(token, None).await.unwrap().user.id
}

/// Versions across create, update and restore, for plain, secure and sub-credential fields.
async fn versions_and_restore(url: String, _dir: &std::path::Path) {
    let w = World::new(&url).await;
    let admin_id = me(w.server(), &w.env.admin).await;
    let id = w.create("Edge", "first").await;
    w.set(&id, json!([{"fieldId": "password", "value": "second"}]))
        .await;
    let after = w
        .admin(
            "PATCH",
            &format!("/v1/credential/credentials/{id}"),
            Some(json!({"fields": [
                {"fieldId": "host", "value": "10.0.0.2"},
                {"fieldId": "password", "value": "third"}
            ]})),
        )
        .await;
    assert_eq!(after["version"], 3);

    let history = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/versions"),
            None,
        )
        .await;
    let versions = history["versions"].as_array().unwrap();
    let listed: Vec<(u64, Value)> = versions
        .iter()
        .map(|v| (v["version"].as_u64().unwrap(), v["changedFields"].clone()))
        .collect();
    assert_eq!(
        listed,
        vec![
            (3, json!(["host", "password"])),
            (2, json!(["password"])),
            (1, json!(["host", "password", "otp"])),
        ]
    );
    assert!(versions.iter().all(|v| v["changedBy"] == admin_id.as_str()));
    // The listing carries no values.
    let text = history.to_string();
    for secret in ["first", "second", "third", "10.0.0.1", SEED] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // Version 1 as it was: plain values shown, secure ones not.
    let v1 = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/versions/1"),
            None,
        )
        .await;
    let fields = v1["fields"].as_array().unwrap();
    let host = fields.iter().find(|f| f["fieldId"] == "host").unwrap();
    assert_eq!(host["value"], "10.0.0.1");
    let password = fields.iter().find(|f| f["fieldId"] == "password").unwrap();
    assert_eq!(password["secure"], true);
    assert!(password["value"].is_null());

    for (version, expected) in [(1, "first"), (2, "second"), (3, "third")] {
        let old = w
            .admin(
                "GET",
                &format!(
                    "/v1/credential/credentials/{id}/versions/{version}/secure-values/password"
                ),
                None,
            )
            .await;
        assert_eq!(old["value"], expected);
    }
    let (status, body) = w
        .server()
        .as_user(&w.env.admin)
        .get(&format!(
            "/v1/credential/credentials/{id}/versions/9/secure-values/password"
        ))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = w
        .server()
        .as_user(&w.env.admin)
        .get(&format!(
            "/v1/credential/credentials/{id}/versions/1/secure-values/host"
        ))
        .await;
    assert_eq!(
        status, 404,
        "a plain field is not revealed as a secure value"
    );

    // Each read of an earlier value is recorded as such.
    let reads = w
        .admin(
            "GET",
            &format!("/v1/audit/secure-value-reads?credentialId={id}&kind=history"),
            None,
        )
        .await;
    let mut read_versions: Vec<u64> = reads
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_u64().unwrap())
        .collect();
    read_versions.sort();
    assert_eq!(read_versions, vec![1, 2, 3]);

    // Restore version 1: a new version, with the values of then.
    let restored = w
        .admin(
            "POST",
            &format!("/v1/credential/credentials/{id}/versions/1/restore"),
            None,
        )
        .await;
    assert_eq!(restored["version"], 4);
    let host = restored["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "host")
        .unwrap()
        .clone();
    assert_eq!(host["value"], "10.0.0.1");
    let live = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/secure-values/password"),
            None,
        )
        .await;
    assert_eq!(live["value"], "first");
    let newest = &w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/versions"),
            None,
        )
        .await["versions"][0];
    assert_eq!(newest["version"], 4);
    assert_eq!(newest["restoredFrom"], 1);

    // A sub-credential keeps a history of its own.
    let subs = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/sub-credentials"),
            None,
        )
        .await;
    let sub = subs[0]["id"].as_str().unwrap().to_owned();
    w.set(&sub, json!([{"fieldId": "psk", "value": "psk-2"}]))
        .await;
    let old = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{sub}/versions/1/secure-values/psk"),
            None,
        )
        .await;
    assert_eq!(old["value"], "psk-1");
    let restored = w
        .admin(
            "POST",
            &format!("/v1/credential/credentials/{sub}/versions/1/restore"),
            None,
        )
        .await;
    assert_eq!(restored["version"], 3);
}

on_both_backends!(
    versions_and_restore,
    versions_and_restore_on_sqlite,
    versions_and_restore_on_postgres
);

/// A deleted credential's history stays readable (with its type's scope) until purged.
async fn deleted_history(url: String, _dir: &std::path::Path) {
    let w = World::new(&url).await;
    let id = w.create("Gone", "first").await;
    w.set(&id, json!([{"fieldId": "password", "value": "second"}]))
        .await;
    w.admin("DELETE", &format!("/v1/credential/credentials/{id}"), None)
        .await;
    let history = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/versions"),
            None,
        )
        .await;
    assert!(history["deletedAt"].is_string(), "{history}");
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);
    let old = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/versions/1/secure-values/password"),
            None,
        )
        .await;
    assert_eq!(old["value"], "first");

    // Without the type's scope, nothing of it.
    let (_, outsider) = w
        .server()
        .user_with_grants(&[
            "credential.fetch",
            "credential.history.read",
            "credential.history.purge",
        ])
        .await;
    for (method, path) in [
        ("GET", format!("/v1/credential/credentials/{id}/versions")),
        ("DELETE", format!("/v1/credential/credentials/{id}/history")),
    ] {
        let (status, body) = w
            .server()
            .as_user(&outsider)
            .send(method, &path, None)
            .await;
        assert_eq!(status, 403, "{method} {path}: {body}");
    }

    // A type whose scope is narrowed since narrows its deleted credentials' history too.
    let (_, old_scope) = w
        .server()
        .user_with_grants(&[
            "credential.fetch",
            "credential.history.read",
            "router.credentials",
        ])
        .await;
    let path = format!("/v1/credential/credentials/{id}/versions");
    let (status, _) = w.server().as_user(&old_scope).get(&path).await;
    assert_eq!(status, 200);
    w.admin(
        "PATCH",
        &format!("/v1/credential-type/{}", w.type_id),
        Some(json!({"permissionScope": "router.restricted"})),
    )
    .await;
    let (status, body) = w.server().as_user(&old_scope).get(&path).await;
    assert_eq!(status, 403, "{body}");

    let purged = w
        .admin(
            "DELETE",
            &format!("/v1/credential/credentials/{id}/history"),
            None,
        )
        .await;
    assert_eq!(purged["removedVersions"], 2);
    let (status, _) = w
        .server()
        .as_user(&w.env.admin)
        .get(&format!("/v1/credential/credentials/{id}/versions"))
        .await;
    assert_eq!(status, 404);
}

on_both_backends!(
    deleted_history,
    deleted_history_on_sqlite,
    deleted_history_on_postgres
);

/// One-time codes: the current code, never the seed, each read recorded as a code read.
async fn totp_codes(url: String, _dir: &std::path::Path) {
    let w = World::new(&url).await;
    let id = w.create("Edge", "pw").await;
    let (_, reader) = w
        .server()
        .user_with_grants(&[
            "credential.fetch",
            "credential.totp.read",
            "router.credentials",
        ])
        .await;
    let seed = TotpSeed::parse(SEED).unwrap();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (status, body) = w
        .server()
        .as_user(&reader)
        .get(&format!("/v1/credential/credentials/{id}/totp/otp"))
        .await;
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(status, 200, "{body}");
    let code = body["data"]["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    // The code of the moment the request was served, whichever side of a period boundary.
    assert!(
        [seed.code_at(before).code, seed.code_at(after).code].contains(&code.to_owned()),
        "{body}"
    );
    let valid_for = body["data"]["validFor"].as_u64().unwrap();
    assert!((1..=30).contains(&valid_for));
    assert!(!body.to_string().contains(SEED));

    // The code reader may not reveal the seed, nor ask a code of a field that is not a totp.
    let (status, _) = w
        .server()
        .as_user(&reader)
        .get(&format!(
            "/v1/credential/credentials/{id}/secure-values/otp"
        ))
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .server()
        .as_user(&reader)
        .get(&format!("/v1/credential/credentials/{id}/totp/password"))
        .await;
    assert_eq!(status, 404);

    let reader_id = me(w.server(), &reader).await;
    let reads = w
        .admin(
            "GET",
            &format!("/v1/audit/secure-value-reads?userId={reader_id}"),
            None,
        )
        .await;
    let reads = reads.as_array().unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["kind"], "code");
    assert_eq!(reads[0]["fieldIds"], json!(["otp"]));

    // A seed that is not one is refused with the part that is wrong; a totp field is secure.
    let (status, body) = w
        .server()
        .as_user(&w.env.admin)
        .put(
            &format!("/v1/credential/credentials/{id}/fields"),
            json!({"fields": [{"fieldId": "otp", "value": format!("otpauth://totp/x?secret={SEED}&digits=9")}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        paths(&body),
        vec![p(&["body", "fields", "0", "value", "digits"])]
    );
    assert!(!body.to_string().contains(SEED));
    let mut plain_totp = router_type("Plain TOTP", "router.credentials");
    plain_totp["fields"][2]["secure"] = json!(false);
    let (status, body) = w
        .server()
        .as_user(&w.env.admin)
        .post("/v1/credential-type", plain_totp)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(paths(&body), vec![p(&["body", "fields", "2", "secure"])]);
}

on_both_backends!(totp_codes, totp_codes_on_sqlite, totp_codes_on_postgres);

/// Generated values: under a given policy, the type's, or the default; filled in server-side.
async fn generated_values(url: String, _dir: &std::path::Path) {
    let w = World::new(&url).await;
    let words = w
        .admin(
            "POST",
            "/v1/credential/generate",
            Some(json!({"policy": {"words": 5, "digits": false, "separator": " "}})),
        )
        .await;
    assert_eq!(words["value"].as_str().unwrap().split(' ').count(), 5);

    w.admin(
        "PATCH",
        &format!("/v1/credential-type/{}", w.type_id),
        Some(json!({"passwordPolicy": {"length": 40, "symbols": false}})),
    )
    .await;
    let by_type = w
        .admin(
            "POST",
            "/v1/credential/generate",
            Some(json!({"typeId": w.type_id})),
        )
        .await;
    let value = by_type["value"].as_str().unwrap();
    assert_eq!(value.len(), 40);
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()), "{value}");
    assert_eq!(by_type["policy"]["length"], 40);

    // A field filled by the server: the client never sees it unless it reveals it.
    let (status, body) = w
        .server()
        .as_user(&w.env.admin)
        .post(
            "/v1/credential/credentials",
            json!({
                "name": "Generated",
                "typeId": w.type_id,
                "companyId": "acme",
                "fields": [
                    {"fieldId": "host", "value": "10.0.0.9"},
                    {"fieldId": "password", "generate": true}
                ]
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap();
    let revealed = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/secure-values/password"),
            None,
        )
        .await;
    let password = revealed["value"].as_str().unwrap();
    assert_eq!(password.len(), 40);
    assert!(!body.to_string().contains(password));

    // Both a value and `generate`, or neither: refused with the path.
    let (status, body) = w
        .server()
        .as_user(&w.env.admin)
        .put(
            &format!("/v1/credential/credentials/{id}/fields"),
            json!({"fields": [
                {"fieldId": "host"},
                {"fieldId": "password", "value": "mine", "generate": true}
            ]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        paths(&body),
        vec![
            p(&["body", "fields", "0", "value"]),
            p(&["body", "fields", "1", "generate"])
        ]
    );
    // A type's policy is for those who may use the type.
    let (_, generator) = w.server().user_with_grants(&["credential.generate"]).await;
    let (status, body) = w
        .server()
        .as_user(&generator)
        .post("/v1/credential/generate", json!({"typeId": w.type_id}))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = w
        .server()
        .as_user(&generator)
        .post("/v1/credential/generate", json!({}))
        .await;
    assert_eq!(status, 200);
    // A policy out of range.
    let (status, body) = w
        .server()
        .as_user(&w.env.admin)
        .post("/v1/credential/generate", json!({"policy": {"length": 4}}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        paths(&body),
        vec![p(&["body", "policy", "length"])],
        "{body}"
    );
}

on_both_backends!(
    generated_values,
    generated_values_on_sqlite,
    generated_values_on_postgres
);

/// The offboarding report lists what a user saw, matches the reveal audit, tells what changed
/// since, and flags the rest for rotation in one call.
async fn offboarding(url: String, _dir: &std::path::Path) {
    let w = World::new(&url).await;
    let a = w.create("A", "pw-a").await;
    let b = w.create("B", "pw-b").await;
    let untouched = w.create("C", "pw-c").await;
    let codes_only = w.create("D", "pw-d").await;
    let (_, leaver) = w
        .server()
        .user_with_grants(&[
            "credential.fetch",
            "credential.secure_values.read",
            "credential.totp.read",
            "router.credentials",
        ])
        .await;
    let leaver_id = me(w.server(), &leaver).await;
    let as_leaver = w.server().as_user(&leaver);
    for path in [
        format!("/v1/credential/credentials/{a}/secure-values/password"),
        format!("/v1/credential/credentials/{a}/secure-values/password"),
        format!("/v1/credential/credentials/{b}/totp/otp"),
        format!("/v1/credential/credentials/{b}/secure-values"),
        format!("/v1/credential/credentials/{codes_only}/totp/otp"),
    ] {
        let (status, body) = as_leaver.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
    }

    let report_path = format!("/v1/audit/users/{leaver_id}/revealed");
    let report = async |w: &World| w.admin("GET", &report_path, None).await;
    let listed = report(&w).await;
    let rows = listed.as_array().unwrap();
    let mut pairs: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["credentialId"].as_str().unwrap().to_owned(),
                r["fieldId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    // Exactly the (credential, field) pairs of the reveal audit.
    let reads = w
        .admin(
            "GET",
            &format!("/v1/audit/secure-value-reads?userId={leaver_id}"),
            None,
        )
        .await;
    let mut from_audit: Vec<(String, String)> = reads
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let credential = r["credentialId"].as_str().unwrap().to_owned();
            r["fieldIds"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |f| (credential.clone(), f.as_str().unwrap().to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    from_audit.sort();
    from_audit.dedup();
    assert_eq!(pairs, from_audit);
    assert!(!pairs.iter().any(|(c, _)| c == &untouched));
    let row = |rows: &Value, credential: &str, field: &str| -> Value {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["credentialId"] == credential && r["fieldId"] == field)
            .unwrap()
            .clone()
    };
    let a_pw = row(&listed, &a, "password");
    assert_eq!(a_pw["reads"], 2);
    assert_eq!(a_pw["kinds"], json!(["value"]));
    assert_eq!(a_pw["changedSince"], false);
    assert_eq!(row(&listed, &b, "otp")["kinds"], json!(["code", "value"]));

    // Writing B's password back unchanged is not a change.
    w.set(&b, json!([{"fieldId": "password", "value": "pw-b"}]))
        .await;
    assert_eq!(
        row(&report(&w).await, &b, "password")["changedSince"],
        false
    );

    // An auditor without the type's scope sees none of it.
    let (_, narrow) = w.server().user_with_grants(&["audit.revealed.read"]).await;
    let (status, body) = w.server().as_user(&narrow).get(&report_path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!([]));

    // A's password is changed: what the leaver saw no longer works.
    w.set(&a, json!([{"fieldId": "password", "value": "pw-a-2"}]))
        .await;
    let listed = report(&w).await;
    assert_eq!(row(&listed, &a, "password")["changedSince"], true);
    assert_eq!(row(&listed, &b, "password")["changedSince"], false);

    // One call flags every credential with a value seen and unchanged since: B; not A (changed
    // since), nor D (only codes were read, never the seed).
    let marked = w
        .admin(
            "POST",
            &format!("/v1/audit/users/{leaver_id}/revealed/rotation-due"),
            Some(json!({})),
        )
        .await;
    assert_eq!(marked["credentialIds"], json!([b.clone()]));
    let b_now = w
        .admin("GET", &format!("/v1/credential/credentials/{b}"), None)
        .await;
    assert_eq!(b_now["rotationDue"], true);
    assert_eq!(row(&report(&w).await, &b, "otp")["rotationDue"], true);
    // Only credentials the user revealed may be named.
    let (status, body) = w
        .server()
        .as_user(&w.env.admin)
        .post(
            &format!("/v1/audit/users/{leaver_id}/revealed/rotation-due"),
            json!({"credentialIds": [b.clone(), untouched.clone()]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(paths(&body), vec![p(&["body", "credentialIds", "1"])]);

    // Writing the password back does not clear the flag; rotating it does.
    let same = w
        .set(&b, json!([{"fieldId": "password", "value": "pw-b"}]))
        .await;
    assert_eq!(same["rotationDue"], true);
    let b_after = w
        .set(&b, json!([{"fieldId": "password", "value": "pw-b-2"}]))
        .await;
    assert_eq!(b_after["rotationDue"], false);
}

on_both_backends!(offboarding, offboarding_on_sqlite, offboarding_on_postgres);

/// A field made secure keeps no clear value in its history, in the database or over the API.
async fn made_secure(url: String, _dir: &std::path::Path) {
    let w = World::new(&url).await;
    let id = w.create("Edge", "pw").await;
    w.set(&id, json!([{"fieldId": "host", "value": "10.9.9.9"}]))
        .await;
    let mut ty = router_type("Router", "router.credentials");
    ty["fields"][0]["secure"] = json!(true);
    w.admin(
        "PATCH",
        &format!("/v1/credential-type/{}", w.type_id),
        Some(json!({"fields": ty["fields"]})),
    )
    .await;
    let v1 = w
        .admin(
            "GET",
            &format!("/v1/credential/credentials/{id}/versions/1"),
            None,
        )
        .await;
    let host = v1["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fieldId"] == "host")
        .cloned();
    assert!(host.is_none_or(|h| h["value"].is_null()), "{v1}");
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM credential_field_history WHERE value = '10.0.0.1'",
    )
    .fetch_one(&w.server().state.store.db().pool)
    .await
    .unwrap();
    assert_eq!(kept, 0);
}

on_both_backends!(made_secure, made_secure_on_sqlite, made_secure_on_postgres);
