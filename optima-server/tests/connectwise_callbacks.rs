//! ConnectWise callbacks end to end, against a stand-in ConnectWise (wiremock) that serves
//! records, the signing key and `system/callbacks`: a good signature is applied, a bad one is a
//! 401 that changes nothing, a key URL on another origin is refused without a request to it, a
//! replay is applied once, a delete is applied, and `callbacks ensure` run twice registers once.

use std::sync::{Arc, Mutex};

use optima_connectwise::callbacks::sign;
use optima_server::config::Config;
use optima_server::testing::{TestServer, sqlite_test_url};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[path = "support/fake_connectwise.rs"]
mod fake_connectwise;

use fake_connectwise::{BASE, FakeConnectWise};
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};

const SIGNING_KEY: &str = "cw-callback-signing-key";
const KEY_PATH: &str = "/v4_6_release/callbacks/key/1";

fn company(id: i64, name: &str) -> Value {
    json!({"id": id, "identifier": format!("C{id}"), "name": name,
           "_info": {"lastUpdated": "2026-01-01T00:00:00Z"}})
}

struct World {
    cw: FakeConnectWise,
    server: TestServer,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let cw = FakeConnectWise::start(
            "company/companies",
            vec![company(1, "Acme Corp"), company(2, "Beta LLC")],
            10,
        )
        .await;
        // One record by id, as it is now in the stand-in.
        let records = cw.records.clone();
        Mock::given(method("GET"))
            .and(path_regex(format!(r"^{BASE}/company/companies/\d+$")))
            .respond_with(move |req: &Request| {
                let id: i64 = req.url.path().rsplit('/').next().unwrap().parse().unwrap();
                match records.lock().unwrap().iter().find(|c| c["id"] == id) {
                    Some(c) => ResponseTemplate::new(200).set_body_json(c.clone()),
                    None => ResponseTemplate::new(404)
                        .set_body_json(json!({"code": "NotFound", "message": "not found"})),
                }
            })
            .mount(&cw.server)
            .await;
        Mock::given(method("GET"))
            .and(path(KEY_PATH))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"signing_key": SIGNING_KEY})),
            )
            .mount(&cw.server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_database(sqlite_test_url(dir.path()), dir.path());
        config.jwt_secret = Some(secrecy::SecretString::from("callbacks".to_owned()));
        config.connectwise = Some(cw.config());
        let server = TestServer::start(config).await.unwrap();
        run_target(&server.state, SyncTarget::Companies, SyncMode::Full, &Quiet)
            .await
            .unwrap();
        World {
            cw,
            server,
            _dir: dir,
        }
    }

    fn delivery(&self, message: &str, action: &str, id: i64, key_url: &str) -> Vec<u8> {
        json!({
            "MessageId": message, "FromUrl": "stand-in", "CompanyId": "optima", "MemberId": 7,
            "Action": action, "Type": "company", "ID": id,
            "Entity": format!("{{\"id\":{id}}}"),
            "Metadata": {"key_url": key_url}
        })
        .to_string()
        .into_bytes()
    }

    fn key_url(&self) -> String {
        format!("{}{KEY_PATH}", self.cw.server.uri())
    }

    async fn post(&self, body: Vec<u8>, signature: Option<String>) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(self.server.url("/v1/connectwise/callbacks"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-content-signature", signature);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn company_name(&self, cw_id: i64) -> Option<String> {
        sqlx::query_scalar("SELECT name FROM companies WHERE cw_id = $1 AND deleted_at IS NULL")
            .bind(cw_id)
            .fetch_optional(&self.server.state.store.db().pool)
            .await
            .unwrap()
    }

    fn rename(&self, id: i64, name: &str) {
        let mut records = self.cw.records.lock().unwrap();
        let record = records.iter_mut().find(|c| c["id"] == id).unwrap();
        record["name"] = json!(name);
    }

    async fn fetches_of(&self, id: i64) -> usize {
        let wanted = format!("{BASE}/company/companies/{id}");
        self.cw
            .server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == wanted)
            .count()
    }
}

#[tokio::test]
async fn a_signed_delivery_is_applied_without_a_sync() {
    let w = World::new().await;
    w.rename(1, "Acme Renamed");
    let body = w.delivery("m-1", "updated", 1, &w.key_url());
    let signature = sign(SIGNING_KEY, &body);
    let (status, answer) = w.post(body, Some(signature)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["outcome"], "upserted");
    // Served changed through the API, with no sync run.
    let (_, admin) = w.server.user_with_grants(&["company.fetch"]).await;
    let (status, company) = w
        .server
        .as_user(&admin)
        .get("/v1/company/companies/1")
        .await;
    assert_eq!(status, 200, "{company}");
    assert_eq!(company["data"]["name"], "Acme Renamed");
    // On the audit trail, with no user behind it.
    let events = w
        .server
        .state
        .store
        .audit_events_after(0, 1000)
        .await
        .unwrap();
    let callback: Vec<_> = events
        .iter()
        .filter(|e| e.operation_id == "connectWiseCallback")
        .collect();
    assert_eq!(callback.len(), 1, "{events:?}");
    assert_eq!(callback[0].outcome, "succeeded");
    assert!(callback[0].actor_user_id.is_none());
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_changes_nothing() {
    let w = World::new().await;
    w.rename(1, "Should Not Appear");
    let body = w.delivery("m-2", "updated", 1, &w.key_url());
    for signature in [
        None,
        Some("not base64!".to_owned()),
        Some(sign("another key", &body)),
        Some(sign(SIGNING_KEY, b"another body")),
    ] {
        let (status, answer) = w.post(body.clone(), signature).await;
        assert_eq!(status, 401, "{answer}");
        assert_eq!(answer["error"], "InvalidCallbackSignature");
    }
    assert_eq!(w.company_name(1).await.as_deref(), Some("Acme Corp"));
    assert_eq!(w.fetches_of(1).await, 0);
    // A tampered body under a good signature of the original.
    let good = w.delivery("m-2", "updated", 1, &w.key_url());
    let signature = sign(SIGNING_KEY, &good);
    let tampered = w.delivery("m-2", "deleted", 1, &w.key_url());
    let (status, _) = w.post(tampered, Some(signature)).await;
    assert_eq!(status, 401);
    assert_eq!(w.company_name(1).await.as_deref(), Some("Acme Corp"));
}

#[tokio::test]
async fn a_key_url_on_another_origin_is_never_fetched() {
    let w = World::new().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"signing_key": "attacker"})))
        .mount(&elsewhere)
        .await;
    let body = w.delivery("m-3", "deleted", 1, &format!("{}/key", elsewhere.uri()));
    let signature = sign("attacker", &body);
    let (status, answer) = w.post(body, Some(signature)).await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("not trusted"),
        "{answer}"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    assert_eq!(w.company_name(1).await.as_deref(), Some("Acme Corp"));
}

#[tokio::test]
async fn a_replayed_message_is_applied_once() {
    let w = World::new().await;
    w.rename(2, "Beta Renamed");
    let body = w.delivery("m-4", "updated", 2, &w.key_url());
    let signature = sign(SIGNING_KEY, &body);
    let (status, first) = w.post(body.clone(), Some(signature.clone())).await;
    assert_eq!(
        (status, first["data"]["outcome"].clone()),
        (200, json!("upserted"))
    );
    w.rename(2, "Changed Again");
    let (status, again) = w.post(body, Some(signature)).await;
    assert_eq!(
        (status, again["data"]["outcome"].clone()),
        (200, json!("replayed"))
    );
    assert_eq!(w.fetches_of(2).await, 1);
    assert_eq!(w.company_name(2).await.as_deref(), Some("Beta Renamed"));
}

#[tokio::test]
async fn a_delete_is_applied() {
    let w = World::new().await;
    let body = w.delivery("m-5", "deleted", 2, &w.key_url());
    let signature = sign(SIGNING_KEY, &body);
    let (status, answer) = w.post(body, Some(signature)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["outcome"], "deleted");
    assert_eq!(w.company_name(2).await, None);
    let (_, admin) = w.server.user_with_grants(&["company.fetch"]).await;
    let (status, _) = w
        .server
        .as_user(&admin)
        .get("/v1/company/companies/2")
        .await;
    assert_eq!(status, 404);
}

/// `system/callbacks` with state: what was registered is listed.
async fn mount_registrations(cw: &FakeConnectWise) -> Arc<Mutex<Vec<Value>>> {
    let registered: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(Vec::new()));
    let list = registered.clone();
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/system/callbacks")))
        .respond_with(move |_: &Request| {
            ResponseTemplate::new(200).set_body_json(list.lock().unwrap().clone())
        })
        .mount(&cw.server)
        .await;
    let add = registered.clone();
    Mock::given(method("POST"))
        .and(path(format!("{BASE}/system/callbacks")))
        .respond_with(move |req: &Request| {
            let mut entry: Value = serde_json::from_slice(&req.body).unwrap();
            let mut all = add.lock().unwrap();
            entry["id"] = json!(all.len() as i64 + 100);
            all.push(entry.clone());
            ResponseTemplate::new(201).set_body_json(entry)
        })
        .mount(&cw.server)
        .await;
    let remove = registered.clone();
    Mock::given(method("DELETE"))
        .and(path_regex(format!(r"^{BASE}/system/callbacks/\d+$")))
        .respond_with(move |req: &Request| {
            let id: i64 = req.url.path().rsplit('/').next().unwrap().parse().unwrap();
            remove.lock().unwrap().retain(|e| e["id"] != id);
            ResponseTemplate::new(204)
        })
        .mount(&cw.server)
        .await;
    registered
}

#[tokio::test]
async fn ensure_registers_once_and_remove_takes_them_away() {
    let cw = FakeConnectWise::start("company/companies", Vec::new(), 10).await;
    let registered = mount_registrations(&cw).await;
    let client = optima_connectwise::ConnectWiseClient::builder()
        .site(cw.server.uri())
        .company_id("optima")
        .public_key("pub")
        .private_key(secrecy::SecretString::from("priv".to_owned()))
        .client_id("client")
        .codebase("v4_6_release/")
        .build()
        .unwrap();
    let url = "https://optima.example.net/v1/connectwise/callbacks";
    let wanted = optima_server::sync::callbacks::wanted_registrations(url);
    let first = client.callbacks().ensure(&wanted).await.unwrap();
    assert_eq!(first.created.len(), 2);
    let second = client.callbacks().ensure(&wanted).await.unwrap();
    assert!(second.created.is_empty() && second.reactivated.is_empty());
    assert_eq!(second.unchanged.len(), 2);
    {
        let all = registered.lock().unwrap();
        assert_eq!(all.len(), 2);
        let mut kinds: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
        kinds.sort();
        assert_eq!(kinds, ["company", "opportunity"]);
        assert!(all.iter().all(|e| e["url"] == url && e["level"] == "owner"));
    }
    let removed = client.callbacks().remove(url).await.unwrap();
    assert_eq!(removed.len(), 2);
    assert!(registered.lock().unwrap().is_empty());
}

#[tokio::test]
async fn sync_status_shows_runs_failures_and_callback_lag() {
    let w = World::new().await;
    // An incremental run, then a failed one.
    run_target(
        &w.server.state,
        SyncTarget::Companies,
        SyncMode::Incremental,
        &Quiet,
    )
    .await
    .unwrap();
    Mock::given(method("GET"))
        .and(path(format!("{BASE}/company/companies")))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({"code": "Boom", "message": "down"})),
        )
        .with_priority(1)
        .mount(&w.cw.server)
        .await;
    assert!(
        run_target(
            &w.server.state,
            SyncTarget::Companies,
            SyncMode::Full,
            &Quiet
        )
        .await
        .is_err()
    );
    w.rename(1, "Acme Renamed");
    let body = w.delivery("m-status", "updated", 1, &w.key_url());
    let signature = sign(SIGNING_KEY, &body);
    let (status, _) = w.post(body, Some(signature)).await;
    assert_eq!(status, 200);

    let (_, token) = w.server.user_with_grants(&["sync.status.read"]).await;
    let (status, answer) = w.server.as_user(&token).get("/v1/sync/status").await;
    assert_eq!(status, 200, "{answer}");
    let companies = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "companies")
        .unwrap()
        .clone();
    assert_eq!(companies["lastFull"]["fetched"], 2, "{companies}");
    assert_eq!(companies["lastFull"]["created"], 2);
    assert!(
        companies["lastIncremental"]["at"].is_string(),
        "{companies}"
    );
    assert!(
        companies["lastFailure"]["message"]
            .as_str()
            .unwrap()
            .contains("ConnectWise")
    );
    assert_eq!(companies["callbacks"]["applied"], 1);
    // The stand-in's record says it changed on 2026-01-01: the lag counts from then.
    assert!(companies["callbacks"]["lagMs"].as_u64().unwrap() > 0);
    let (status, _) = w
        .server
        .as_user(&w.server.user_with_grants(&[]).await.1)
        .get("/v1/sync/status")
        .await;
    assert_eq!(status, 403);
}
