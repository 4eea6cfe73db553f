//! The OpenAPI document: the checked-in copy matches what the server generates, and it
//! describes exactly the routes of the route table.

use optima_server::api::common::{HTTP_URL_PATTERN, NOT_BLANK_PATTERN};
use optima_server::routes::{Auth, ROUTES};
use serde_json::Value;

const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/optima.json");

async fn generated() -> String {
    optima_server::app::openapi_json().await.unwrap()
}

#[tokio::test]
async fn checked_in_spec_matches_the_server() {
    let spec = generated().await;
    if std::env::var_os("OPTIMA_UPDATE_OPENAPI").is_some() {
        std::fs::write(CHECKED_IN, format!("{spec}\n")).unwrap();
    }
    let checked_in = std::fs::read_to_string(CHECKED_IN).unwrap_or_default();
    assert!(
        checked_in.trim_end() == spec.trim_end(),
        "openapi/optima.json is out of date: run `OPTIMA_UPDATE_OPENAPI=1 cargo test -p optima-server --test openapi` \
         (or `cargo run -p optima-server -- openapi > openapi/optima.json`)"
    );
}

#[tokio::test]
async fn spec_and_route_table_describe_the_same_operations() {
    let spec: Value = serde_json::from_str(&generated().await).unwrap();
    assert_eq!(spec["openapi"], "3.0.0");
    let mut in_spec = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .expect("every operation has an id");
            in_spec.push((
                method.to_uppercase(),
                path.clone(),
                id.to_owned(),
                operation.clone(),
            ));
        }
    }
    let mut ids: Vec<&str> = in_spec.iter().map(|o| o.2.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "operation ids are unique");

    for route in ROUTES.iter().filter(|r| r.in_openapi) {
        let found = in_spec
            .iter()
            .find(|(_, _, id, _)| id == route.operation_id)
            .unwrap_or_else(|| panic!("{} is not in the spec", route.operation_id));
        assert_eq!(found.0, route.method, "{}", route.operation_id);
        assert_eq!(found.1, route.openapi_path(), "{}", route.operation_id);
        let security = found.3["security"].as_array().cloned().unwrap_or_default();
        let scheme = security
            .first()
            .and_then(|s| s.as_object())
            .and_then(|s| s.keys().next().cloned());
        let expected = match route.auth {
            Auth::None => None,
            Auth::Bearer => Some("BearerAuth".to_owned()),
            Auth::Refresh => Some("RefreshTokenAuth".to_owned()),
        };
        assert_eq!(scheme, expected, "{} security", route.operation_id);
        let responses = found.3["responses"].as_object().unwrap();
        assert!(
            responses.contains_key(&route.status.to_string()),
            "{} documents its success status {}",
            route.operation_id,
            route.status
        );
    }
    for (method, path, id, _) in &in_spec {
        assert!(
            ROUTES.iter().any(|r| r.operation_id == id),
            "{method} {path} ({id}) is served but not in the route table"
        );
    }
}

#[tokio::test]
async fn spec_is_served_and_docs_are_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = optima_server::config::Config::for_database(
        optima_server::testing::sqlite_test_url(dir.path()),
        dir.path(),
    );
    config.jwt_secret = Some(secrecy::SecretString::from("x".to_owned()));
    let server = optima_server::testing::TestServer::start(config)
        .await
        .unwrap();
    let spec: Value = reqwest::get(server.url("/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["paths"]["/v1/user/@me"].is_object());
    let docs = reqwest::get(server.url("/v1/docs")).await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
    let health: Value = reqwest::get(server.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"));
}

fn patterns(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("pattern", Value::String(p)) => out.push(p.clone()),
                    _ => patterns(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| patterns(v, out)),
        _ => {}
    }
}

/// Every whitespace character of the three regex dialects that read this spec: ECMA-262
/// (JSON Schema, the TypeScript client), Python's `re` (schemathesis) and Rust's `regex`
/// (the server's own validators).
const WHITESPACE_OF_ANY_DIALECT: &[char] = &[
    '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}', '\u{85}',
    '\u{a0}', '\u{1680}', '\u{2000}', '\u{2005}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}',
    '\u{205f}', '\u{3000}', '\u{feff}',
];

/// `\s`, `\S`, `\w`, `\d` and `\b` mean different things in those dialects (is U+0085
/// whitespace?), so a generator and the server would disagree on what is valid: the spec spells
/// every class out instead.
#[tokio::test]
async fn patterns_mean_the_same_in_every_regex_dialect() {
    let spec: Value = serde_json::from_str(&generated().await).unwrap();
    let mut found = Vec::new();
    patterns(&spec, &mut found);
    assert!(!found.is_empty());
    for pattern in &found {
        for shorthand in [r"\s", r"\S", r"\w", r"\W", r"\d", r"\D", r"\b", r"\B"] {
            assert!(
                !pattern.contains(shorthand),
                "pattern {pattern:?} uses {shorthand}, whose meaning differs between regex dialects"
            );
        }
    }
    // Whitespace classes are spelled one way only, the constants' way.
    for pattern in found.iter().filter(|p| p.contains("\\x85")) {
        assert!(
            [NOT_BLANK_PATTERN, HTTP_URL_PATTERN].contains(&pattern.as_str()),
            "{pattern:?} spells whitespace differently from api::common's patterns"
        );
    }
    assert!(found.iter().any(|p| p == NOT_BLANK_PATTERN));
    assert!(found.iter().any(|p| p == HTTP_URL_PATTERN));
    // The "not blank" class: blank in any dialect is refused, anything else is accepted.
    let re = regex::Regex::new(NOT_BLANK_PATTERN).unwrap();
    let blank: String = WHITESPACE_OF_ANY_DIALECT.iter().collect();
    assert!(!re.is_match(&blank), "{blank:?} is blank");
    for c in WHITESPACE_OF_ANY_DIALECT {
        assert!(!re.is_match(&c.to_string()), "{c:?} alone is blank");
        assert!(re.is_match(&format!("{c}x{c}")));
    }
    assert!(
        re.is_match("\u{200b}"),
        "a zero-width space is not whitespace anywhere"
    );
}
