//! Sign-in with Microsoft end to end, against wiremock standing in for the authority and Graph.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::StreamExt;
use optima_server::config::{Config, MicrosoftConfig};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "signin-test-secret";

fn microsoft(mock: &MockServer) -> MicrosoftConfig {
    MicrosoftConfig {
        tenant_id: "tenant-1".into(),
        client_id: "client-1".into(),
        client_secret: secrecy::SecretString::from("client-secret-1".to_owned()),
        redirect_url: "https://optima.example.com/v1/auth/redirect".into(),
        authority_url: mock.uri(),
        graph_url: mock.uri(),
    }
}

fn config(url: String, dir: &std::path::Path, mock: &MockServer) -> Config {
    let mut config = Config::for_database(url, dir);
    config.jwt_secret = Some(secrecy::SecretString::from(SECRET.to_owned()));
    config.microsoft = Some(microsoft(mock));
    config.bootstrap_admins = vec!["jo@example.com".into()];
    config
}

/// Microsoft's token endpoint: accepts the code only with the verifier whose S256 challenge
/// was in the login URL, and the right client credentials.
async fn mount_microsoft(mock: &MockServer, codes: &'static [&'static str], email: &'static str) {
    Mock::given(method("POST"))
        .and(path("/tenant-1/oauth2/v2.0/token"))
        .respond_with(move |req: &Request| {
            let form: HashMap<String, String> = url::form_urlencoded::parse(&req.body)
                .into_owned()
                .collect();
            let ok = form.get("grant_type").map(String::as_str) == Some("authorization_code")
                && form.get("code").is_some_and(|c| codes.contains(&c.as_str()))
                && form.get("client_id").map(String::as_str) == Some("client-1")
                && form.get("client_secret").map(String::as_str) == Some("client-secret-1")
                && form.get("redirect_uri").map(String::as_str)
                    == Some("https://optima.example.com/v1/auth/redirect")
                && form.contains_key("code_verifier");
            if ok {
                // Echo the verifier's challenge so the test can compare it with the URL's.
                let verifier = &form["code_verifier"];
                let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                ResponseTemplate::new(200).set_body_json(json!({
                    "token_type": "Bearer",
                    "scope": "openid profile email User.Read",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": format!("graph-token-{challenge}"),
                    "id_token": "eyJ0eXAiOiJKV1QifQ.e30.sig"
                }))
            } else {
                ResponseTemplate::new(400).set_body_json(json!({
                    "error": "invalid_grant",
                    "error_description": "AADSTS70008: The provided authorization code or refresh token has expired.\r\nTrace ID: 1",
                    "error_codes": [70008]
                }))
            }
        })
        .mount(mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(move |req: &Request| {
            let auth = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if auth.starts_with("Bearer graph-token-") {
                ResponseTemplate::new(200).set_body_json(json!({
                    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
                    "businessPhones": [],
                    "displayName": "Jo Tech",
                    "givenName": "Jo",
                    "jobTitle": null,
                    "mail": email,
                    "mobilePhone": null,
                    "officeLocation": null,
                    "preferredLanguage": null,
                    "surname": "Tech",
                    "userPrincipalName": email,
                    "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"
                }))
            } else {
                ResponseTemplate::new(401)
            }
        })
        .mount(mock)
        .await;
}

struct SignIn {
    uri: url::Url,
    callback_key: String,
    state: String,
    challenge: String,
}

async fn start_sign_in(server: &TestServer) -> SignIn {
    let (_, body) = server.anonymous().get("/v1/auth/uri").await;
    assert_eq!(body["status"], 200, "{body}");
    let uri = url::Url::parse(body["data"]["uri"].as_str().unwrap()).unwrap();
    let callback_key = body["data"]["callbackKey"].as_str().unwrap().to_owned();
    let params: HashMap<String, String> = uri.query_pairs().into_owned().collect();
    SignIn {
        state: params["state"].clone(),
        challenge: params["code_challenge"].clone(),
        uri,
        callback_key,
    }
}

/// The browser coming back from Microsoft with `code` for the sign-in of `state`.
async fn redirect(server: &TestServer, code: &str, state: &str) -> u16 {
    let path = format!("/v1/auth/redirect?code={code}&state={state}");
    server.anonymous().get(&path).await.0
}

/// The client trading its callback key for tokens.
async fn exchange(server: &TestServer, key: &str) -> (u16, Value) {
    let body = json!({"callbackKey": key});
    server.anonymous().post("/v1/auth/exchange", body).await
}

/// Whether (and as whom) the server accepts the access token `token`.
async fn me(server: &TestServer, token: &str) -> (u16, Value) {
    server.as_user(token).get("/v1/user/@me").await
}

/// The client trading the refresh token `token` for new tokens.
async fn refresh(server: &TestServer, token: &str) -> (u16, Value) {
    let client = server.anonymous().header("x-refresh-token", token);
    client.post("/v1/auth/refresh", None).await
}

async fn socket(
    server: &TestServer,
    key: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let ws_url = server
        .url(&format!("/v1/auth/socket?callbackKey={key}"))
        .replacen("http", "ws", 1);
    let (ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    ws
}

async fn next_json(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .expect("a message within 10 s")
        .unwrap()
        .unwrap();
    serde_json::from_str(message.to_text().unwrap()).unwrap()
}

#[tokio::test]
async fn login_url_carries_pkce_and_a_state_that_is_not_the_callback_key() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(config(sqlite_test_url(dir.path()), dir.path(), &mock))
        .await
        .unwrap();
    let s = start_sign_in(&server).await;
    assert_eq!(s.uri.path(), "/tenant-1/oauth2/v2.0/authorize");
    let params: HashMap<String, String> = s.uri.query_pairs().into_owned().collect();
    assert_eq!(params["client_id"], "client-1");
    assert_eq!(params["response_type"], "code");
    assert_eq!(
        params["redirect_uri"],
        "https://optima.example.com/v1/auth/redirect"
    );
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(params["scope"].contains("User.Read"));
    assert_eq!(s.challenge.len(), 43, "base64url of a SHA-256");
    assert_ne!(s.state, s.callback_key);
    assert!(
        !s.uri.as_str().contains(&s.callback_key),
        "the key never appears in a URL"
    );
}

#[tokio::test]
async fn tokens_arrive_on_the_socket_and_the_user_is_provisioned() {
    let mock = MockServer::start().await;
    mount_microsoft(&mock, &["code-1", "code-2"], "jo@example.com").await;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(config(sqlite_test_url(dir.path()), dir.path(), &mock))
        .await
        .unwrap();
    let s = start_sign_in(&server).await;
    let mut ws = socket(&server, &s.callback_key).await;
    assert_eq!(redirect(&server, "code-1", &s.state).await, 200);
    let message = next_json(&mut ws).await;
    assert_eq!(message["status"], 201, "{message}");
    let access = message["data"]["accessToken"].as_str().unwrap();
    let (status, body) = me(&server, access).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["email"], "jo@example.com");
    assert_eq!(body["data"]["name"], "Jo Tech");
    assert_eq!(
        body["data"]["roles"],
        json!(["member", "admin"]),
        "default role and bootstrap admin"
    );

    // The token exchange used the verifier matching the URL's challenge.
    let requests = mock.received_requests().await.unwrap();
    let graph = requests
        .iter()
        .find(|r| r.url.path() == "/v1.0/me")
        .unwrap();
    let auth = graph
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(auth, format!("Bearer graph-token-{}", s.challenge));

    // The key was used up by the socket.
    assert_eq!(exchange(&server, &s.callback_key).await.0, 404);
    // A second sign-in of the same person finds the same user.
    let s2 = start_sign_in(&server).await;
    assert_eq!(redirect(&server, "code-2", &s2.state).await, 200);
    let (_, tokens) = exchange(&server, &s2.callback_key).await;
    let (_, again) = me(&server, tokens["data"]["accessToken"].as_str().unwrap()).await;
    assert_eq!(again["data"]["id"], body["data"]["id"]);
}

#[tokio::test]
async fn exchange_is_pending_then_single_use_and_refresh_rotates() {
    let mock = MockServer::start().await;
    mount_microsoft(&mock, &["code-1"], "sam@example.com").await;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(config(sqlite_test_url(dir.path()), dir.path(), &mock))
        .await
        .unwrap();
    let s = start_sign_in(&server).await;
    let (status, body) = exchange(&server, &s.callback_key).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("SignInPending"))
    );
    assert_eq!(redirect(&server, "code-1", &s.state).await, 200);
    assert_eq!(
        redirect(&server, "code-1", &s.state).await,
        404,
        "a state works once"
    );
    let (status, tokens) = exchange(&server, &s.callback_key).await;
    assert_eq!(status, 201, "{tokens}");
    assert_eq!(
        exchange(&server, &s.callback_key).await.0,
        404,
        "single use"
    );
    let (_, user) = me(&server, tokens["data"]["accessToken"].as_str().unwrap()).await;
    assert_eq!(
        user["data"]["roles"],
        json!(["member"]),
        "default role only, not admin"
    );

    let first = tokens["data"]["refreshToken"].as_str().unwrap().to_owned();
    let (status, second) = refresh(&server, &first).await;
    assert_eq!(status, 201, "{second}");
    let second_refresh = second["data"]["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(first, second_refresh);
    assert_eq!(
        me(&server, second["data"]["accessToken"].as_str().unwrap())
            .await
            .0,
        200
    );

    // Reusing the rotated token revokes the family, including its newest member.
    let (status, reused) = refresh(&server, &first).await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (401, Some("RefreshTokenReused"))
    );
    assert_eq!(refresh(&server, &second_refresh).await.0, 401);
    assert_eq!(refresh(&server, "made-up").await.0, 401);
    let (status, _) = server.anonymous().post("/v1/auth/refresh", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn refused_sign_ins_reach_the_client_with_a_reason() {
    let mock = MockServer::start().await;
    mount_microsoft(&mock, &["good-code"], "jo@example.com").await;
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(config(sqlite_test_url(dir.path()), dir.path(), &mock))
        .await
        .unwrap();

    let s = start_sign_in(&server).await;
    assert_eq!(redirect(&server, "stale-code", &s.state).await, 400);
    let (status, body) = exchange(&server, &s.callback_key).await;
    assert_eq!(status, 401);
    assert!(
        body["message"].as_str().unwrap().contains("AADSTS70008"),
        "{body}"
    );
    assert!(!body.to_string().contains("client-secret-1"));

    let s = start_sign_in(&server).await;
    let mut ws = socket(&server, &s.callback_key).await;
    let cancelled = format!(
        "/v1/auth/redirect?error=access_denied&error_description=The+user+cancelled&state={}",
        s.state
    );
    assert_eq!(server.anonymous().get(&cancelled).await.0, 400);
    let message = next_json(&mut ws).await;
    assert_eq!(message["status"], 401);
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains("access_denied")
    );

    assert_eq!(redirect(&server, "good-code", "unknown-state").await, 404);
    let ws_url = server
        .url("/v1/auth/socket?callbackKey=nope")
        .replacen("http", "ws", 1);
    match tokio_tungstenite::connect_async(ws_url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 404)
        }
        other => panic!("expected a 404 handshake, got {other:?}"),
    }
}

#[tokio::test]
async fn microsoft_down_is_a_bad_gateway() {
    let mock = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(sqlite_test_url(dir.path()), dir.path(), &mock);
    if let Some(ms) = cfg.microsoft.as_mut() {
        ms.authority_url = "http://127.0.0.1:9".into();
    }
    let server = TestServer::start(cfg).await.unwrap();
    let s = start_sign_in(&server).await;
    assert_eq!(redirect(&server, "c", &s.state).await, 502);
    let (status, body) = exchange(&server, &s.callback_key).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Microsoft could not be reached")
    );
}

#[tokio::test]
async fn sign_in_is_503_when_not_configured() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    cfg.jwt_secret = Some(secrecy::SecretString::from(SECRET.to_owned()));
    let server = TestServer::start(cfg).await.unwrap();
    let (status, body) = server.anonymous().get("/v1/auth/uri").await;
    assert_eq!(status, 503);
    assert_eq!(body["error"], "IntegrationNotConfigured");
    assert!(body["message"].as_str().unwrap().contains("Microsoft"));
}

#[tokio::test]
async fn expired_forged_and_signed_out_tokens_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    cfg.jwt_secret = Some(secrecy::SecretString::from(SECRET.to_owned()));
    let server = TestServer::start(cfg).await.unwrap();
    let (user, good) = server.user_with_grants(&["user.read"]).await;
    assert_eq!(me(&server, &good).await.0, 200);

    let now = chrono::Utc::now();
    let claims = |iat: i64, exp: i64| json!({"sub": user.id, "iat": iat, "exp": exp, "iatMs": iat * 1000, "typ": "access"});
    let sign = |claims: &Value, secret: &str, alg: jsonwebtoken::Algorithm| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let t = now.timestamp();
    let expired = sign(
        &claims(t - 7200, t - 3600),
        SECRET,
        jsonwebtoken::Algorithm::HS256,
    );
    let (status, body) = me(&server, &expired).await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Access token expired");
    let forged = sign(
        &claims(t, t + 600),
        "another-secret",
        jsonwebtoken::Algorithm::HS256,
    );
    assert_eq!(me(&server, &forged).await.0, 401);
    let other_alg = sign(&claims(t, t + 600), SECRET, jsonwebtoken::Algorithm::HS512);
    assert_eq!(me(&server, &other_alg).await.0, 401);
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(t, t + 600).to_string())
    );
    assert_eq!(me(&server, &unsigned).await.0, 401);

    // Sign-out everywhere ends tokens issued before it.
    let (status, _) = server
        .as_user(&good)
        .post("/v1/auth/logout-all", None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = me(&server, &good).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("This session was signed out"))
    );
    let fresh = server.state.access_token(&user.id).unwrap();
    assert_eq!(me(&server, &fresh).await.0, 200, "new sign-ins still work");
}

#[tokio::test]
async fn logout_revokes_the_refresh_family() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::for_database(sqlite_test_url(dir.path()), dir.path());
    cfg.jwt_secret = Some(secrecy::SecretString::from(SECRET.to_owned()));
    let server = TestServer::start(cfg).await.unwrap();
    let (user, _) = server.user_with_grants(&["user.read"]).await;
    let pair = server.state.issue_tokens(&user.id, None).await.unwrap();
    let (status, _) = server
        .anonymous()
        .header("x-refresh-token", &pair.refresh_token)
        .post("/v1/auth/logout", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(refresh(&server, &pair.refresh_token).await.0, 401);
}

/// The socket on one replica, the redirect on another, one PostgreSQL between them.
#[tokio::test]
async fn sign_in_spans_two_replicas_on_postgres() {
    let Some(url) = postgres_test_url("sign_in_spans_two_replicas_on_postgres").await else {
        return;
    };
    let mock = MockServer::start().await;
    mount_microsoft(&mock, &["code-1"], "jo@example.com").await;
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let (a, b) = tokio::join!(
        TestServer::start(config(url.clone(), dir_a.path(), &mock)),
        TestServer::start(config(url.clone(), dir_b.path(), &mock)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let s = start_sign_in(&a).await;
    let mut ws = socket(&a, &s.callback_key).await;
    assert_eq!(redirect(&b, "code-1", &s.state).await, 200);
    let message = next_json(&mut ws).await;
    assert_eq!(message["status"], 201, "{message}");
    let access = message["data"]["accessToken"].as_str().unwrap();
    assert_eq!(me(&b, access).await.0, 200);
    assert_eq!(me(&a, access).await.0, 200);
    let refresh_token = message["data"]["refreshToken"].as_str().unwrap();
    assert_eq!(refresh(&b, refresh_token).await.0, 201);
    assert_eq!(
        refresh(&a, refresh_token).await.0,
        401,
        "reuse is seen across replicas"
    );
}

/// Two replicas on one database: a change made through one bites there on the next request,
/// and on the other once its known grants version has aged past the documented bound.
async fn replicas_see_each_others_changes(url: String, dir: &std::path::Path) {
    let mut cfg = Config::for_database(url, dir);
    cfg.jwt_secret = Some(secrecy::SecretString::from(SECRET.to_owned()));
    let here = TestServer::start(cfg.clone()).await.unwrap();
    let there = TestServer::start(cfg).await.unwrap();
    let (user, token) = here.user_with_grants(&["user.read"]).await;
    assert_eq!(me(&here, &token).await.0, 200);
    assert_eq!(me(&there, &token).await.0, 200);

    there
        .state
        .store
        .revoke_user_sessions(&user.id, chrono::Utc::now().timestamp_millis() + 1)
        .await
        .unwrap();
    assert_eq!(me(&there, &token).await.0, 401, "at once where it was made");

    tokio::time::sleep(
        optima_server::store::rbac_version::CROSS_PROCESS_STALENESS
            + std::time::Duration::from_millis(50),
    )
    .await;
    let (status, body) = me(&here, &token).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("This session was signed out")),
        "on the other replica once the bound has passed"
    );
}

#[tokio::test]
async fn replicas_see_each_others_changes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    replicas_see_each_others_changes(sqlite_test_url(dir.path()), dir.path()).await;
}

#[tokio::test]
async fn replicas_see_each_others_changes_on_postgres() {
    let Some(url) = postgres_test_url("replicas_see_each_others_changes").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    replicas_see_each_others_changes(url, dir.path()).await;
}
