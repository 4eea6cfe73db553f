//! No escalation through the role and user routes, tried the way an attacker with one delegated
//! permission would, on SQLite and on PostgreSQL: nobody gives anyone (themselves included) what
//! they do not hold, nobody below an administrator removes or disarms one, and the last holder
//! of every permission stays.

use optima_core::store::{NewRole, RoleStore, UserStore};
use optima_server::config::Config;
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use serde_json::{Value, json};

struct Backend {
    name: &'static str,
    server: TestServer,
    _dir: tempfile::TempDir,
}

/// A server on SQLite, and one on PostgreSQL when `OPTIMA_TEST_POSTGRES_URL` is set.
async fn backends(test: &str) -> Vec<Backend> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_test_url(dir.path());
    out.push(Backend {
        name: "sqlite",
        server: start(url, dir.path()).await,
        _dir: dir,
    });
    if let Some(url) = postgres_test_url(test).await {
        let dir = tempfile::tempdir().unwrap();
        out.push(Backend {
            name: "postgres",
            server: start(url, dir.path()).await,
            _dir: dir,
        });
    }
    out
}

async fn start(url: String, dir: &std::path::Path) -> TestServer {
    let mut config = Config::for_database(url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from("escalation".to_owned()));
    TestServer::start(config).await.unwrap()
}

/// Whether the holder of `token` now holds `node`.
async fn holds(server: &TestServer, token: &str, node: &str) -> bool {
    let (status, body) = server
        .as_user(token)
        .post(
            "/v1/user/@me/check-permission",
            json!({"permissions": [node]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["results"][0]["hasPermission"]
        .as_bool()
        .unwrap()
}

fn assert_refused(backend: &str, what: &str, (status, body): (u16, Value), lacks: &str) {
    assert_eq!(status, 403, "{backend}: {what}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("`{lacks}`")),
        "{backend}: {what}: the message should name `{lacks}`: {message}"
    );
}

#[tokio::test]
async fn role_modify_cannot_grant_what_its_holder_lacks() {
    for b in backends("role_modify_cannot_grant_what_its_holder_lacks").await {
        let s = &b.server;
        let (me, token) = s.user_with_grants(&["role.modify", "user.read"]).await;
        let caller = s.as_user(&token);
        let own = format!("/v1/role/{}/permissions", me.roles[0]);
        let refused = caller.post(&own, json!({"permissions": ["*"]})).await;
        assert_eq!(refused.1["error"], "PermissionEscalation", "{}", b.name);
        assert_refused(b.name, "adding * to one's own role", refused, "*");
        let refused = caller.post(&own, json!({"permissions": ["role.*"]})).await;
        assert_refused(b.name, "adding role.* to one's own role", refused, "role.*");
        assert!(!holds(s, &token, "role.delete").await, "{}", b.name);
        assert!(!holds(s, &token, "credential.fetch").await, "{}", b.name);

        // What the holder holds, it may give, and a denial anyone may add.
        let (status, body) = caller
            .post(
                &own,
                json!({"permissions": ["user.read", "-credential.fetch"]}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", b.name);
    }
}

#[tokio::test]
async fn role_star_cannot_create_or_patch_a_role_into_star() {
    for b in backends("role_star_cannot_create_or_patch_a_role_into_star").await {
        let s = &b.server;
        let (me, token) = s.user_with_grants(&["role.*", "user.read"]).await;
        let caller = s.as_user(&token);
        let refused = caller
            .post(
                "/v1/role",
                json!({"title": "Mine", "moniker": "mine", "permissions": ["*"]}),
            )
            .await;
        assert_refused(b.name, "creating a role with *", refused, "*");
        let refused = caller
            .patch(
                &format!("/v1/role/{}", me.roles[0]),
                json!({"permissions": ["role.*", "user.read", "*"]}),
            )
            .await;
        assert_refused(b.name, "patching one's own role to *", refused, "*");
        assert!(!holds(s, &token, "credential.fetch").await, "{}", b.name);

        let (status, body) = caller
            .post(
                "/v1/role",
                json!({"title": "Readers", "moniker": "readers", "permissions": ["user.read", "role.read"]}),
            )
            .await;
        assert_eq!(status, 201, "{}: {body}", b.name);
    }
}

#[tokio::test]
async fn a_wildcard_with_a_denial_under_it_is_not_a_wildcard_to_give() {
    for b in backends("a_wildcard_with_a_denial_under_it_is_not_a_wildcard_to_give").await {
        let s = &b.server;
        let (_, token) = s
            .user_with_grants(&["*", "-credential.secure_values.read"])
            .await;
        let caller = s.as_user(&token);
        let refused = caller
            .post(
                "/v1/role",
                json!({"title": "Vault", "moniker": "vault", "permissions": ["credential.*"]}),
            )
            .await;
        assert_refused(
            b.name,
            "giving credential.* while denied secure values",
            refused,
            "credential.secure_values.read",
        );
        // Lifting a denial gives what it denied.
        let role = s
            .state
            .store
            .create_role(NewRole {
                title: "No secrets".into(),
                moniker: "no-secrets".into(),
                permissions: vec![
                    "credential.*".into(),
                    "-credential.secure_values.read".into(),
                ],
            })
            .await
            .unwrap();
        let refused = caller
            .send(
                "DELETE",
                &format!("/v1/role/{}/permissions", role.id),
                Some(json!({"permissions": ["-credential.secure_values.read"]})),
            )
            .await;
        assert_refused(
            b.name,
            "lifting a denial",
            refused,
            "credential.secure_values.read",
        );
    }
}

#[tokio::test]
async fn user_star_cannot_promote_arm_or_remove_anyone_beyond_itself() {
    for b in backends("user_star_cannot_promote_arm_or_remove_anyone_beyond_itself").await {
        let s = &b.server;
        let (_, token) = s.user_with_grants(&["user.*", "role.read"]).await;
        let caller = s.as_user(&token);
        let (someone, someone_token) = s.user_with_grants(&["user.read"]).await;
        let (admin, _) = s.user_with_grants(&[]).await;
        let admin_role = s.state.store.find_role("admin").await.unwrap().unwrap();
        let mut promoted = admin.clone();
        promoted.roles = vec![admin_role.id.clone()];
        s.state.store.update_user(&promoted).await.unwrap();

        let path = format!("/v1/user/users/{}", someone.id);
        let refused = caller.patch(&path, json!({"roles": ["admin"]})).await;
        assert_refused(b.name, "assigning admin", refused, "*");
        let refused = caller
            .patch(
                &path,
                json!({"permissions": ["credential.secure_values.read"]}),
            )
            .await;
        assert_refused(
            b.name,
            "granting secure values directly",
            refused,
            "credential.secure_values.read",
        );
        assert!(!holds(s, &someone_token, "credential.secure_values.read").await);
        assert!(!holds(s, &someone_token, "role.delete").await);

        let admin_path = format!("/v1/user/users/{}", admin.id);
        let (status, body) = caller.delete(&admin_path).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("OutrankedUser")),
            "{}: deleting the admin: {body}",
            b.name
        );
        let refused = caller.patch(&admin_path, json!({"name": "Owned"})).await;
        assert_refused(b.name, "renaming the admin", refused, "*");
        let refused = caller.patch(&admin_path, json!({"roles": []})).await;
        assert_refused(b.name, "taking the admin's roles", refused, "*");
        assert!(
            s.state.store.find_user(&admin.id).await.unwrap().is_some(),
            "{}",
            b.name
        );

        // Within what it holds, user.* manages users as before.
        let (status, body) = caller
            .patch(
                &path,
                json!({"name": "Renamed", "permissions": ["user.read.other"]}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", b.name);
        let (status, body) = caller.delete(&path).await;
        assert_eq!(status, 200, "{}: {body}", b.name);
    }
}

#[tokio::test]
async fn a_role_editor_cannot_disarm_a_greater_holder() {
    for b in backends("a_role_editor_cannot_disarm_a_greater_holder").await {
        let s = &b.server;
        let (_, token) = s.user_with_grants(&["role.*", "user.read"]).await;
        let caller = s.as_user(&token);
        let (admin, _) = s.user_with_grants(&["*"]).await;
        let path = format!("/v1/role/{}/permissions", admin.roles[0]);
        let (status, body) = caller
            .post(&path, json!({"permissions": ["-role.*"]}))
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("OutrankedUser")),
            "{}: {body}",
            b.name
        );
        let (status, body) = caller.delete(&format!("/v1/role/{}", admin.roles[0])).await;
        assert_eq!(status, 403, "{}: deleting the admin's role: {body}", b.name);
    }
}

#[tokio::test]
async fn the_last_administrator_stays() {
    for b in backends("the_last_administrator_stays").await {
        let s = &b.server;
        // The only holder of everything, through a role of its own rather than `admin`.
        let (root, token) = s.user_with_grants(&["*"]).await;
        let caller = s.as_user(&token);
        let own = format!("/v1/role/{}", root.roles[0]);
        let (status, body) = caller
            .patch(
                &own,
                json!({"permissions": ["*", "-credential.secure_values.read"]}),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("LastAdministrator")),
            "{}: {body}",
            b.name
        );
        let (status, _) = caller.delete(&own).await;
        assert_eq!(status, 409, "{}: deleting the last admin's role", b.name);

        // With a second administrator, the first may step down.
        let (second, _) = s.user_with_grants(&[]).await;
        let (status, body) = caller
            .patch(
                &format!("/v1/user/users/{}", second.id),
                json!({"roles": ["admin"]}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", b.name);
        let (status, body) = caller
            .patch(
                &own,
                json!({"permissions": ["*", "-credential.secure_values.read"]}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", b.name);
    }
}

#[tokio::test]
async fn a_profile_edit_never_restores_revoked_roles() {
    for b in backends("a_profile_edit_never_restores_revoked_roles").await {
        // A second replica on the same database, which still caches the member as it was.
        let dir = tempfile::tempdir().unwrap();
        let mut config = b.server.state.config.clone();
        config.data_dir = dir.path().to_owned();
        let other = TestServer::start(config).await.unwrap();
        let s = &b.server;
        let (mut member, token) = s
            .user_with_grants(&["user.read", "user.write", "role.read"])
            .await;
        // Directly held too, so the profile edit below is allowed whichever state it sees.
        member.permissions = vec!["user.read".into(), "user.write".into()];
        s.state.store.update_user(&member).await.unwrap();
        let (_, admin) = s.user_with_grants(&["*"]).await;
        assert_eq!(other.as_user(&token).get("/v1/user/@me").await.0, 200);

        let path = format!("/v1/user/users/{}", member.id);
        let (status, body) = s.as_user(&admin).patch(&path, json!({"roles": []})).await;
        assert_eq!(status, 200, "{}: {body}", b.name);
        // At once, on the replica that has not yet seen the change.
        let _ = other
            .as_user(&token)
            .patch("/v1/user/@me", json!({"name": "Still me"}))
            .await;
        let stored = s.state.store.find_user(&member.id).await.unwrap().unwrap();
        assert!(stored.roles.is_empty(), "{}: roles came back", b.name);
        assert_eq!(stored.name, "Still me", "{}", b.name);
    }
}

#[tokio::test]
async fn roles_given_at_sign_in_keep_their_monikers() {
    for b in backends("roles_given_at_sign_in_keep_their_monikers").await {
        let s = &b.server;
        let (_, token) = s.user_with_grants(&["role.*", "user.read"]).await;
        let caller = s.as_user(&token);
        let (status, body) = caller
            .patch("/v1/role/member", json!({"moniker": "member-old"}))
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("BuiltInRole")),
            "{}: {body}",
            b.name
        );
        let role = s
            .state
            .store
            .create_role(NewRole {
                title: "Auditors".into(),
                moniker: "auditors".into(),
                permissions: vec!["credential.*".into()],
            })
            .await
            .unwrap();
        s.state
            .store
            .delete_role(&s.state.store.find_role("member").await.unwrap().unwrap().id)
            .await
            .unwrap();
        let (status, body) = caller
            .patch(
                &format!("/v1/role/{}", role.id),
                json!({"moniker": "member"}),
            )
            .await;
        assert_eq!(
            status, 409,
            "{}: renaming into a default role: {body}",
            b.name
        );

        // The admin role stays exactly `*`, even with no one holding it to be disarmed.
        let (_, root) = s.user_with_grants(&["*"]).await;
        let (status, body) = s
            .as_user(&root)
            .post(
                "/v1/role/admin/permissions",
                json!({"permissions": ["-role.*"]}),
            )
            .await;
        assert_eq!(status, 409, "{}: {body}", b.name);
    }
}

#[tokio::test]
async fn deleting_gives_nothing_so_it_needs_no_more_than_the_target_holds() {
    for b in backends("deleting_gives_nothing_so_it_needs_no_more_than_the_target_holds").await {
        let s = &b.server;
        // Both hold everything but secrets; deleting the other lifts nothing for anyone.
        let (_, token) = s
            .user_with_grants(&["*", "-credential.secure_values.read"])
            .await;
        let (peer, _) = s
            .user_with_grants(&["*", "-credential.secure_values.read"])
            .await;
        let (status, body) = s
            .as_user(&token)
            .delete(&format!("/v1/user/users/{}", peer.id))
            .await;
        assert_eq!(status, 200, "{}: {body}", b.name);
    }
}

/// Grant changes are checked and written one at a time: a second change waits while the first
/// holds its turn, in the same process and, on PostgreSQL, on another replica too.
#[tokio::test]
async fn grant_changes_take_turns() {
    for b in backends("grant_changes_take_turns").await {
        let dir = tempfile::tempdir().unwrap();
        let mut config = b.server.state.config.clone();
        config.data_dir = dir.path().to_owned();
        let replica = TestServer::start(config).await.unwrap();
        let mut contenders = vec![("same process", b.server.state.clone())];
        if b.name == "postgres" {
            contenders.push(("another replica", replica.state.clone()));
        }
        for (where_, state) in contenders {
            let first = b.server.state.serialize_grant_changes().await.unwrap();
            let second = tokio::spawn(async move {
                let _turn = state.serialize_grant_changes().await.unwrap();
            });
            // Ample time for a second change that did not wait to get through.
            for _ in 0..20 {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert!(
                !second.is_finished(),
                "{}: a change in {where_} went ahead while another held its turn",
                b.name
            );
            drop(first);
            second.await.unwrap();
        }
    }
}
