//! Assembling the server: state, the OpenAPI service, middleware, and plain routes.

use std::sync::Arc;
use std::time::Instant;

use optima_core::store::{NewRole, RoleStore};
use poem::http::HeaderValue;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use poem_openapi::OpenApiService;

use crate::api::api_keys::ApiKeyApi;
use crate::api::audit::AuditApi;
use crate::api::auth::{AuthApi, auth_socket};
use crate::api::common::render_poem_error;
use crate::api::companies::CompanyApi;
use crate::api::credential_types::CredentialTypeApi;
use crate::api::credentials::CredentialApi;
use crate::api::permissions::PermissionApi;
use crate::api::procurement::ProcurementApi;
use crate::api::roles::RoleApi;
use crate::api::sales::SalesApi;
use crate::api::sync_status::SyncStatusApi;
use crate::api::unifi::UnifiApi;
use crate::api::users::UserApi;
use crate::api::utility::UtilityApi;
use crate::config::Config;
use crate::db::{Db, DbError, redact_url};
use crate::routes;
use crate::state::AppState;
use crate::store::SqlStore;

/// The built-in role that holds `*`; bootstrap admins get it.
pub const ADMIN_ROLE: &str = "admin";
/// The built-in role new users get unless `OPTIMA_DEFAULT_ROLES` says otherwise: enough to
/// read and edit their own profile.
pub const MEMBER_ROLE: &str = "member";

/// Roles created at first start (and again if deleted, at the next start).
const BUILT_IN_ROLES: &[(&str, &str, &[&str])] = &[
    (ADMIN_ROLE, "Administrator", &["*"]),
    (MEMBER_ROLE, "Member", &["user.read", "user.write"]),
];

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database.
    #[error("database {url}: {source}")]
    Database {
        /// The URL, password redacted.
        url: String,
        /// Why.
        source: DbError,
    },
    /// Files in the data dir.
    #[error("data dir: {0}")]
    DataDir(#[from] std::io::Error),
    /// Seeding built-in records.
    #[error("seeding built-in roles: {0}")]
    Seed(#[from] optima_core::Error),
    /// A vendor's settings.
    #[error(transparent)]
    Integration(#[from] crate::integrations::IntegrationError),
    /// The vault's key ring.
    #[error(transparent)]
    VaultKeys(#[from] crate::vault::VaultKeyError),
}

/// Connects, migrates, seeds the admin role and builds the shared state.
pub async fn build_state(config: Config) -> Result<Arc<AppState>, StartError> {
    if config.metrics {
        // Installed before anything is recorded, so the first requests and syncs count.
        crate::metrics::handle();
    }
    let db_err = |source| StartError::Database {
        url: redact_url(&config.database_url),
        source,
    };
    let db = Db::connect(&config.database_url).await.map_err(db_err)?;
    db.migrate().await.map_err(db_err)?;
    let store = SqlStore::new(db);
    crate::store::stored(store.repair_search_indexes()).await?;
    seed(&store).await?;
    let state = Arc::new(AppState::new(config, store)?);
    // Credential types' permission scopes join the catalog.
    state.sync_credential_scopes().await?;
    Ok(state)
}

async fn seed(store: &SqlStore) -> Result<(), optima_core::Error> {
    for (moniker, title, permissions) in BUILT_IN_ROLES {
        if store.find_role(moniker).await?.is_some() {
            continue;
        }
        let created = store
            .create_role(NewRole {
                title: (*title).into(),
                moniker: (*moniker).into(),
                permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            })
            .await;
        match created {
            // Another replica seeded it first.
            Ok(_) | Err(optima_core::Error::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The documented API, every tag.
pub type Apis = (
    AuthApi,
    UserApi,
    ApiKeyApi,
    RoleApi,
    PermissionApi,
    CompanyApi,
    CredentialApi,
    CredentialTypeApi,
    AuditApi,
    ProcurementApi,
    SalesApi,
    SyncStatusApi,
    UnifiApi,
    UtilityApi,
);

/// The OpenAPI service over the state.
pub fn api_service(state: &Arc<AppState>) -> OpenApiService<Apis, ()> {
    let apis = (
        AuthApi {
            state: state.clone(),
        },
        UserApi {
            state: state.clone(),
        },
        ApiKeyApi {
            state: state.clone(),
        },
        RoleApi {
            state: state.clone(),
        },
        PermissionApi {
            state: state.clone(),
        },
        CompanyApi {
            state: state.clone(),
        },
        CredentialApi {
            state: state.clone(),
        },
        CredentialTypeApi {
            state: state.clone(),
        },
        AuditApi {
            state: state.clone(),
        },
        ProcurementApi {
            state: state.clone(),
        },
        SalesApi {
            state: state.clone(),
        },
        SyncStatusApi {
            state: state.clone(),
        },
        UnifiApi {
            state: state.clone(),
        },
        UtilityApi,
    );
    OpenApiService::new(apis, "Optima API", env!("CARGO_PKG_VERSION"))
        .description(
            "The internal platform API of a managed service provider: users, roles and \
             permissions, companies from ConnectWise, the credential vault, procurement, sales \
             and UniFi. Every response is an envelope `{status, message, data, successful}`; \
             errors are `{status, message, error, errors?, successful: false}`. No text may \
             contain U+0000: a path, query or body value with one is a 400 naming where it is; \
             a body over the server's size limit is a 413.",
        )
        .license(poem_openapi::LicenseObject::new(env!("CARGO_PKG_LICENSE")))
        .server(state.config.public_url.clone())
}

/// The OpenAPI document, as `optima-server openapi` prints it and `openapi/optima.json` keeps it.
pub async fn openapi_json() -> Result<String, StartError> {
    let mut config = Config::for_database("sqlite::memory:", std::env::temp_dir());
    config.jwt_secret = Some(secrecy::SecretString::from(
        "spec-generation-only".to_owned(),
    ));
    let state = build_state(config).await?;
    Ok(finish_spec(&api_service(&state).spec()))
}

/// What poem-openapi cannot say by itself, or says in a way generators mistype:
/// - request bodies refuse unknown fields (`JsonBody` rejects them), so every schema reachable
///   from a request body gets `additionalProperties: false`;
/// - a documented field whose type is another object comes out as `allOf: [{$ref}]` plus a
///   description, which generators turn into needless wrapper types; it becomes a plain `$ref`
///   (unless `nullable` needs the `allOf` form).
fn finish_spec(generated: &str) -> String {
    let Ok(mut spec) = serde_json::from_str::<serde_json::Value>(generated) else {
        return generated.to_owned();
    };
    // `get_mut`, not indexing: indexing a JSON object mutably inserts the key it looks for.
    let types: std::collections::HashMap<String, serde_json::Value> = spec
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(|s| s.as_object())
        .map(|schemas| {
            schemas
                .iter()
                .filter_map(|(name, schema)| Some((name.clone(), schema.get("type")?.clone())))
                .collect()
        })
        .unwrap_or_default();
    if let Some(schemas) = spec
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(|s| s.as_object_mut())
    {
        for schema in schemas.values_mut() {
            if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
                for property in properties.values_mut() {
                    unwrap_single_ref(property);
                    type_nullable_ref(property, &types);
                }
            }
        }
    }
    // Public operations say so: no `security` at all reads as "not specified", not "none".
    if let Some(paths) = spec.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for operation in paths
            .values_mut()
            .filter_map(|p| p.as_object_mut())
            .flat_map(|p| p.values_mut())
            .filter_map(|o| o.as_object_mut())
        {
            operation
                .entry("security")
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        }
    }
    let mut pending: Vec<String> = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) {
        for operation in paths
            .values()
            .filter_map(|p| p.as_object())
            .flat_map(|p| p.values())
        {
            if let Some(body) = operation.get("requestBody") {
                collect_refs(body, &mut pending);
            }
        }
    }
    let mut done = std::collections::HashSet::new();
    while let Some(name) = pending.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        let Some(schema) = spec
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
            .and_then(|s| s.get_mut(&name))
            .and_then(|s| s.as_object_mut())
        else {
            continue;
        };
        if schema.get("type").and_then(|t| t.as_str()) == Some("object") {
            schema.insert(
                "additionalProperties".into(),
                serde_json::Value::Bool(false),
            );
            if let Some(properties) = schema.get("properties").cloned() {
                collect_refs(&properties, &mut pending);
            }
            nullable_when_optional(schema, &types);
        }
    }
    serde_json::to_string_pretty(&spec).unwrap_or_else(|_| generated.to_owned())
}

fn unwrap_single_ref(property: &mut serde_json::Value) {
    // poem-openapi may add an entry with only a description (for enums); it says nothing.
    let annotation_only = |v: &serde_json::Value| {
        v.as_object()
            .is_some_and(|o| o.keys().all(|k| k == "description" || k == "title"))
    };
    let single = match property.get("allOf").and_then(|a| a.as_array()) {
        Some(all) => {
            let mut refs = all.iter().filter(|v| !annotation_only(v));
            match (refs.next(), refs.next()) {
                (Some(only), None) if only.get("$ref").is_some() => only.clone(),
                _ => return,
            }
        }
        None => return,
    };
    if property.get("nullable") != Some(&serde_json::Value::Bool(true)) {
        *property = single;
    }
}

/// In a request body, `null` on an optional property means "leave it out" (or "clear it", where
/// the model says so), and `JsonBody` takes it: the document says `nullable` for each.
fn nullable_when_optional(
    schema: &mut serde_json::Map<String, serde_json::Value>,
    types: &std::collections::HashMap<String, serde_json::Value>,
) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| {
            r.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if required.contains(name) {
            continue;
        }
        let Some(object) = property.as_object_mut() else {
            continue;
        };
        if let Some(reference) = object.remove("$ref") {
            object.insert("allOf".into(), serde_json::json!([{ "$ref": reference }]));
        }
        object.insert("nullable".into(), serde_json::Value::Bool(true));
        type_nullable_ref(property, types);
    }
}

/// OpenAPI 3.0 ignores `nullable` without a `type` beside it, and poem-openapi writes a nullable
/// reference as `{nullable, allOf: [{$ref}, {nullable}]}`; it becomes
/// `{type, nullable, allOf: [{$ref}]}` with the type of the schema referred to.
fn type_nullable_ref(
    property: &mut serde_json::Value,
    types: &std::collections::HashMap<String, serde_json::Value>,
) {
    let Some(object) = property.as_object_mut() else {
        return;
    };
    if object.get("nullable") != Some(&serde_json::Value::Bool(true)) || object.contains_key("type")
    {
        return;
    }
    let Some(all_of) = object.get_mut("allOf").and_then(|a| a.as_array_mut()) else {
        return;
    };
    all_of.retain(|member| {
        member
            .as_object()
            .is_none_or(|m| m.keys().any(|k| k != "nullable"))
    });
    let referred_type = all_of
        .iter()
        .filter_map(|member| member.get("$ref")?.as_str())
        .filter_map(|r| types.get(r.strip_prefix("#/components/schemas/")?))
        .next()
        .cloned();
    if let Some(referred_type) = referred_type {
        object.insert("type".into(), referred_type);
    }
}

fn collect_refs(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(|r| r.as_str())
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                into.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

/// The whole HTTP application.
pub fn app(state: Arc<AppState>) -> impl Endpoint {
    let service = api_service(&state);
    let docs = service.swagger_ui();
    let spec = Arc::new(finish_spec(&service.spec()));
    Route::new()
        .nest("/", service)
        .nest("/v1/docs", docs)
        .at(
            "/v1/openapi.json",
            get(poem::endpoint::make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/json")
                    .body(spec.as_str().to_owned())
            })),
        )
        .at(routes::AuthSocket::SPEC.openapi_path(), get(auth_socket))
        .at(
            routes::ConnectWiseCallback::SPEC.openapi_path(),
            poem::post(crate::api::connectwise_callbacks::connectwise_callback),
        )
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics))
        .with(crate::input::InputGuard {
            max_body_bytes: state.config.max_body_bytes,
        })
        .around(crate::audit::trail)
        .data(state)
        .with(poem::middleware::CatchPanic::new())
        .around(observe)
        .catch_all_error(|err| async move { render_poem_error(err) })
}

/// Prometheus text exposition; 404 when `OPTIMA_METRICS=false`.
#[handler]
fn metrics(poem::web::Data(state): poem::web::Data<&Arc<AppState>>) -> Response {
    let rendered = state.config.metrics.then(crate::metrics::render).flatten();
    match rendered {
        Some(text) => Response::builder()
            .content_type("text/plain; version=0.0.4")
            .body(text),
        None => render_poem_error(poem::Error::from_status(poem::http::StatusCode::NOT_FOUND)),
    }
}

#[handler]
fn healthz() -> poem::web::Json<serde_json::Value> {
    poem::web::Json(serde_json::json!({"status": "ok"}))
}

#[handler]
async fn readyz(poem::web::Data(state): poem::web::Data<&Arc<AppState>>) -> Response {
    if state.store.db().ping().await {
        poem::web::Json(serde_json::json!({"status": "ready"})).into_response()
    } else {
        (
            poem::http::StatusCode::SERVICE_UNAVAILABLE,
            poem::web::Json(serde_json::json!({"status": "database unavailable"})),
        )
            .into_response()
    }
}

/// A request id on every response (the caller's `x-request-id` if it sent a sane one) and one
/// log line per request. Bodies and headers are never logged.
async fn observe<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", %method, %path, request_id = %request_id);
    req.set_data(crate::audit::RequestId(request_id.clone()));
    let started = Instant::now();
    let result = tracing::Instrument::instrument(next.call(req), span.clone()).await;
    // poem-openapi tags what its operations answer with their id: a bounded metrics label.
    let mut operation = crate::metrics::NO_OPERATION;
    let mut response = match result {
        Ok(r) => {
            let r = r.into_response();
            if let Some(id) = r.data::<poem_openapi::OperationId>() {
                operation = id.0;
            }
            r
        }
        Err(e) => {
            if let Some(id) = e.data::<poem_openapi::OperationId>() {
                operation = id.0;
            }
            render_poem_error(e)
        }
    };
    let status = response.status().as_u16();
    crate::metrics::request(operation, status, started.elapsed());
    if status == 405 {
        let allowed = crate::routes::allowed_methods(&path).join(", ");
        if let Ok(value) = HeaderValue::from_str(&allowed) {
            response.headers_mut().insert("allow", value);
        }
    }
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}
