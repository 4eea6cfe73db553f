//! Behaviour of the user, role and permission routes beyond their permission gates.

use optima_server::config::Config;
use optima_server::testing::{TestServer, sqlite_test_url};
use serde_json::json;

async fn server() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    config.jwt_secret = Some(secrecy::SecretString::from("users-roles".to_owned()));
    (TestServer::start(config).await.unwrap(), dir)
}

#[tokio::test]
async fn patching_roles_or_permissions_of_a_user_needs_the_conditional_nodes() {
    let (s, _d) = server().await;
    let (target, _) = s.user_with_grants(&[]).await;
    let (_, writer) = s.user_with_grants(&["user.write.other"]).await;
    let as_writer = s.as_user(&writer);
    let path = format!("/v1/user/users/{}", target.id);
    let (status, body) = as_writer.patch(&path, json!({"roles": ["admin"]})).await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("You do not have permission to modify roles on another user.")
    );
    let (status, _) = as_writer
        .patch(&path, json!({"permissions": ["user.read"]}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = as_writer.patch(&path, json!({"name": "Ok"})).await;
    assert_eq!((status, body["data"]["name"].as_str()), (200, Some("Ok")));

    // Assigning `member` needs holding what it gives (no escalation), hence its two nodes.
    let (_, admin) = s
        .user_with_grants(&[
            "user.write.other",
            "user.roles.other",
            "user.permissions.other",
            "user.read",
            "user.write",
        ])
        .await;
    let as_admin = s.as_user(&admin);
    let (status, body) = as_admin
        .patch(
            &path,
            json!({"roles": ["admin", "nope"], "permissions": ["user.raed"]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["path"], json!(["body", "roles", "1"]));
    let (status, body) = as_admin
        .patch(
            &path,
            json!({"roles": ["member"], "permissions": ["user.raed"]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["path"],
        json!(["body", "permissions", "0"])
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("user.raed")
    );
    let (status, body) = as_admin
        .patch(
            &path,
            json!({"roles": ["member"], "permissions": ["-user.write"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["roles"], json!(["member"]));
    assert_eq!(body["data"]["permissions"], json!(["-user.write"]));
    let (status, body) = as_admin.patch(&path, json!({"nmae": "typo"})).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["path"], json!(["body", "nmae"]));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field")
    );
}

#[tokio::test]
async fn roles_by_id_or_moniker_and_deletion_reaches_users() {
    let (s, _d) = server().await;
    let (_, admin) = s.user_with_grants(&["*"]).await;
    let as_admin = s.as_user(&admin);
    let (status, role) = as_admin
        .post(
            "/v1/role",
            json!({"title": "Auditor", "moniker": "auditor", "permissions": ["audit.read", "role.read"]}),
        )
        .await;
    assert_eq!(status, 201);
    let id = role["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(as_admin.get("/v1/role/auditor").await.1["data"]["id"], id);
    assert_eq!(
        as_admin.get(&format!("/v1/role/{id}")).await.1["data"]["moniker"],
        "auditor"
    );
    let (status, dup) = as_admin
        .post("/v1/role", json!({"title": "Again", "moniker": "auditor"}))
        .await;
    assert_eq!((status, dup["error"].as_str()), (409, Some("Conflict")));
    let (status, bad) = as_admin
        .post("/v1/role", json!({"title": "X", "moniker": "Bad Moniker"}))
        .await;
    assert_eq!(
        (status, bad["errors"][0]["path"].clone()),
        (400, json!(["body", "moniker"]))
    );
    // Blank in any regex dialect's sense (U+0085 included) is refused, in words.
    for blank in ["   ", "\u{85}\t", "\u{feff}"] {
        let (status, bad) = as_admin
            .post("/v1/role", json!({"title": blank, "moniker": "blank"}))
            .await;
        assert_eq!(
            (status, &bad["errors"][0]),
            (
                400,
                &json!({"path": ["body", "title"], "message": "must not be blank"})
            ),
            "{blank:?}"
        );
    }
    // Where the document says nullable, null is taken (as "no change").
    let (status, me) = as_admin.patch("/v1/user/@me", json!({"name": null})).await;
    assert_eq!(status, 200, "{me}");
    let (status, bad) = as_admin
        .patch(
            "/v1/user/@me",
            json!({"image": "https://example.com/a b.png"}),
        )
        .await;
    assert_eq!(
        (status, &bad["errors"][0]["message"]),
        (
            400,
            &json!("must be an http:// or https:// URL without whitespace")
        )
    );
    let (status, bad) = as_admin.post("/v1/role", json!({"moniker": "x"})).await;
    assert_eq!(status, 400);
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("title"),
        "{bad}"
    );

    let (status, added) = as_admin
        .post(
            "/v1/role/auditor/permissions",
            json!({"permissions": ["user.read", "audit.read"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        added["data"]["permissions"],
        json!(["audit.read", "role.read", "user.read"])
    );
    let (_, removed) = as_admin
        .send(
            "DELETE",
            "/v1/role/auditor/permissions",
            Some(json!({"permissions": ["role.read"]})),
        )
        .await;
    assert_eq!(
        removed["data"]["permissions"],
        json!(["audit.read", "user.read"])
    );

    let (holder, holder_token) = s.user_with_grants(&[]).await;
    let as_holder_token = s.as_user(&holder_token);
    let (_, _) = as_admin
        .patch(
            &format!("/v1/user/users/{}", holder.id),
            json!({"roles": ["auditor"]}),
        )
        .await;
    assert_eq!(as_holder_token.get("/v1/user/@me").await.0, 200);
    let (_, users) = as_admin.get("/v1/role/auditor/users").await;
    assert_eq!(
        users["data"][0]["roles"],
        json!([id]),
        "role users show role ids"
    );

    // Revoking takes effect on the very next request.
    let (status, _) = as_admin.delete("/v1/role/auditor").await;
    assert_eq!(status, 200);
    assert_eq!(as_holder_token.get("/v1/user/@me").await.0, 403);
    let (_, after) = as_admin.get(&format!("/v1/user/users/{}", holder.id)).await;
    assert_eq!(after["data"]["roles"], json!([]));
    assert_eq!(as_admin.get("/v1/role/auditor").await.0, 404);
}

#[tokio::test]
async fn permission_checks_explain_to_those_allowed() {
    let (s, _d) = server().await;
    let (_, plain) = s.user_with_grants(&["user.read", "-credential.*"]).await;
    let body = json!({"permissions": ["user.read", "credential.fetch", "company.fetch"]});
    let (status, r) = s
        .as_user(&plain)
        .post("/v1/user/@me/check-permission", body.clone())
        .await;
    assert_eq!(status, 200);
    let results = r["data"]["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .map(|x| x["hasPermission"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [true, false, false]
    );
    assert!(results[0].get("explanation").is_none());

    let (_, explainer) = s
        .user_with_grants(&["user.read", "permission.explain", "-credential.*"])
        .await;
    let (_, r) = s
        .as_user(&explainer)
        .post("/v1/user/@me/check-permission", body)
        .await;
    let why = r["data"]["results"][1]["explanation"].as_str().unwrap();
    assert!(
        why.contains("`-credential.*`") && why.contains("role `test-"),
        "{why}"
    );
}

#[tokio::test]
async fn catalog_used_in_comes_from_the_route_table() {
    let (s, _d) = server().await;
    let (_, token) = s.user_with_grants(&["role.read"]).await;
    let caller = s.as_user(&token);
    let (_, nodes) = caller.get("/v1/permissions/nodes").await;
    let node = |n: &str| {
        nodes["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["node"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(node("role.create")["usedIn"], json!(["POST /v1/role"]));
    assert_eq!(
        node("user.roles.other")["usedIn"],
        json!(["PATCH /v1/user/users/{identifier}"])
    );
    assert_eq!(node("*")["usedIn"], json!([]));
    let (_, catalog) = caller.get("/v1/permissions").await;
    assert_eq!(catalog["data"]["global"]["permissions"][0]["node"], "*");
    let (status, missing) = caller.get("/v1/permissions/invalidCategory").await;
    assert_eq!(status, 404);
    assert_eq!(
        missing["message"],
        "Permission category \"invalidCategory\" not found"
    );
}

#[tokio::test]
async fn nobody_locks_themselves_or_everyone_out() {
    let (s, _d) = server().await;
    let (me, token) = s.user_with_grants(&["*"]).await;
    let caller = s.as_user(&token);
    let path = format!("/v1/user/users/{}", me.id);
    let (status, body) = caller.patch(&path, json!({"roles": []})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("your own roles"));
    let (status, _) = caller.patch(&path, json!({"permissions": ["*"]})).await;
    assert_eq!(status, 403, "nor grant yourself more");
    let (status, _) = caller.patch(&path, json!({"name": "Still Me"})).await;
    assert_eq!(status, 200, "your own name is fine");
    let (status, body) = caller.delete(&path).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("CannotDeleteSelf"))
    );

    let (status, body) = caller.delete("/v1/role/admin").await;
    assert_eq!((status, body["error"].as_str()), (409, Some("BuiltInRole")));
    let (status, _) = caller
        .patch("/v1/role/admin", json!({"permissions": ["user.read"]}))
        .await;
    assert_eq!(status, 409);
    let (status, _) = caller
        .patch("/v1/role/admin", json!({"moniker": "root"}))
        .await;
    assert_eq!(status, 409);
    let (status, _) = caller
        .send(
            "DELETE",
            "/v1/role/admin/permissions",
            Some(json!({"permissions": ["*"]})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, body) = caller
        .patch("/v1/role/admin", json!({"title": "Administrators"}))
        .await;
    assert_eq!(
        (status, body["data"]["title"].as_str()),
        (200, Some("Administrators"))
    );
}
