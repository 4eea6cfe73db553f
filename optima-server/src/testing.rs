//! Running a real server on an ephemeral loopback port, for this crate's tests, the
//! end-to-end tests, and embedders' own tests.

use std::sync::Arc;
use std::time::Duration;

use optima_core::store::{NewRole, NewUser, RoleStore, User, UserStore, new_id};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::Value;

use crate::app::{StartError, app, build_state};
use crate::config::Config;
use crate::state::AppState;

/// A server listening on `127.0.0.1:<random port>`, stopped when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The server's state, for arranging data directly.
    pub state: Arc<AppState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Builds the state from `config` and serves it.
    pub async fn start(config: Config) -> Result<TestServer, StartError> {
        let state = build_state(config).await?;
        Ok(TestServer::serve(state).await?)
    }

    /// Serves an existing state.
    pub async fn serve(state: Arc<AppState>) -> std::io::Result<TestServer> {
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| std::io::Error::other("listener has no address"))?;
        let endpoint = app(state.clone());
        let task = tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor)
                .run(endpoint)
                .await;
        });
        Ok(TestServer {
            base_url: format!("http://{addr}"),
            state,
            task,
        })
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Requests as the holder of `token`, sent as a bearer token:
    /// `server.as_user(&token).get("/v1/user/@me").await`.
    pub fn as_user(&self, token: &str) -> TestClient<'_> {
        TestClient {
            server: self,
            token: Some(token.to_owned()),
            headers: Vec::new(),
            limit: None,
        }
    }

    /// Requests without a token, as a caller who has not signed in.
    pub fn anonymous(&self) -> TestClient<'_> {
        TestClient {
            server: self,
            token: None,
            headers: Vec::new(),
            limit: None,
        }
    }

    /// A new user holding exactly `grants` (through a role of their own, so no catalog check),
    /// and an access token for them.
    pub async fn user_with_grants(&self, grants: &[&str]) -> (User, String) {
        let store = &self.state.store;
        let id = new_id();
        let role = store
            .create_role(NewRole {
                title: format!("test role {id}"),
                moniker: format!("test-{id}"),
                permissions: grants.iter().map(|g| (*g).to_owned()).collect(),
            })
            .await
            .expect("create test role");
        let user = store
            .create_user(NewUser {
                name: format!("Test {id}"),
                email: format!("{id}@test.invalid"),
                login: id.clone(),
                image: None,
                roles: vec![role.id],
            })
            .await
            .expect("create test user");
        let token = self.state.access_token(&user.id).expect("mint token");
        (user, token)
    }
}

/// A database URL for one test: a fresh schema in the PostgreSQL named by
/// `OPTIMA_TEST_POSTGRES_URL`, or `None` (with a line saying the test is skipped) when unset.
pub async fn postgres_test_url(test: &str) -> Option<String> {
    let Ok(base) = std::env::var("OPTIMA_TEST_POSTGRES_URL") else {
        eprintln!("skipped {test} on PostgreSQL: OPTIMA_TEST_POSTGRES_URL is not set");
        return None;
    };
    let schema = format!("t_{}", new_id());
    crate::db::create_schema(&base, &schema)
        .await
        .unwrap_or_else(|e| panic!("OPTIMA_TEST_POSTGRES_URL is set but unusable: {e}"));
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!(
        "{base}{separator}options=-c%20search_path%3D{schema}"
    ))
}

/// A database URL for one test on SQLite: a file in `dir`.
pub fn sqlite_test_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("optima.db").display())
}

/// One caller's requests to a [`TestServer`], made by [`TestServer::as_user`] or
/// [`TestServer::anonymous`]. Every request answers the status and the JSON body (`Null` when
/// the body is empty or not JSON); a request the server does not answer fails the test.
#[derive(Debug, Clone)]
pub struct TestClient<'a> {
    server: &'a TestServer,
    token: Option<String>,
    headers: Vec<(String, String)>,
    limit: Option<Duration>,
}

impl TestClient<'_> {
    /// Sends `name: value` with every request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Fails the test when an answer takes longer than `limit`: for requests whose regression
    /// would be a hang (a vendor deadline that no longer ends them), so the test fails instead.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.limit = Some(limit);
        self
    }

    /// `GET path` (`/v1/…`).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send("GET", path, None).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send("DELETE", path, None).await
    }

    /// `POST path` with `body` as JSON, or with no body for `None`.
    pub async fn post(&self, path: &str, body: impl Into<Option<Value>>) -> (u16, Value) {
        self.send("POST", path, body.into()).await
    }

    /// `PUT path` with `body` as JSON, or with no body for `None`.
    pub async fn put(&self, path: &str, body: impl Into<Option<Value>>) -> (u16, Value) {
        self.send("PUT", path, body.into()).await
    }

    /// `PATCH path` with `body` as JSON, or with no body for `None`.
    pub async fn patch(&self, path: &str, body: impl Into<Option<Value>>) -> (u16, Value) {
        self.send("PATCH", path, body.into()).await
    }

    /// `method path` with `body` as JSON, for callers that hold the method as text (a route
    /// table row).
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let exchange = self.exchange(method, path, body);
        match self.limit {
            None => exchange.await,
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or_else(|_| panic!("{method} {path} got no answer within {limit:?}")),
        }
    }

    async fn exchange(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = reqwest::Client::new().request(method, self.server.url(path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the test server answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }
}
