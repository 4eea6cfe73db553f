//! The response envelope, the error type every handler returns, and a JSON body extractor
//! whose parse errors carry the path of what was wrong.

use poem::http::StatusCode;
use poem::{Request, RequestBody};
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiResponse, Object};
use serde::de::DeserializeOwned;

use crate::routes::RouteSpec;

/// The success envelope: `{status, message, data, successful: true}`.
#[derive(Debug, Object)]
pub struct Envelope<T: ParseFromJSON + ToJSON> {
    /// HTTP status, repeated.
    pub status: u16,
    /// What happened.
    pub message: String,
    /// The payload.
    pub data: T,
    /// Always true here.
    pub successful: bool,
}

/// A 200 response in the envelope.
#[derive(Debug, ApiResponse)]
pub enum Ok200<T: ParseFromJSON + ToJSON> {
    /// Success.
    #[oai(status = 200)]
    Ok(Json<Envelope<T>>),
}

/// A 201 response in the envelope.
#[derive(Debug, ApiResponse)]
pub enum Created201<T: ParseFromJSON + ToJSON> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Envelope<T>>),
}

fn envelope<T: ParseFromJSON + ToJSON>(r: &RouteSpec, data: T) -> Json<Envelope<T>> {
    Json(Envelope {
        status: r.status,
        message: r.message.to_owned(),
        data,
        successful: true,
    })
}

/// A 200 for `route`, with its message from the route table.
pub fn ok<T: ParseFromJSON + ToJSON>(route: &RouteSpec, data: T) -> Ok200<T> {
    Ok200::Ok(envelope(route, data))
}

/// A 201 for `route`, with its message from the route table.
pub fn created<T: ParseFromJSON + ToJSON>(route: &RouteSpec, data: T) -> Created201<T> {
    Created201::Created(envelope(route, data))
}

/// One problem with a request, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Object, serde::Serialize)]
pub struct FieldError {
    /// Where: `["body", "permissions", "2"]`, `["query", "page"]`, `["path", "identifier"]`.
    pub path: Vec<String>,
    /// What is wrong there.
    pub message: String,
}

/// The error envelope: `{status, message, error, successful: false}`, with `errors` on
/// validation failures.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct ErrorBody {
    /// HTTP status, repeated.
    pub status: u16,
    /// What went wrong, for people.
    pub message: String,
    /// What went wrong, for programs (`UserNotFound`, `InsufficientPermission`…).
    pub error: String,
    /// Every problem found, for validation errors.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Always false here.
    pub successful: bool,
}

/// Every error a handler returns, by status.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed or invalid; `errors` says where.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Authenticated but not permitted.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The resource does not exist.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The request clashes with existing data, or a sign-in is still pending.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// Something failed inside the server; the message says what, without internals.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// A vendor (Microsoft, ConnectWise, UniFi) answered with an error.
    #[oai(status = 502)]
    BadGateway(Json<ErrorBody>),
    /// A vendor integration is not configured.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
    /// A vendor did not answer in time.
    #[oai(status = 504)]
    GatewayTimeout(Json<ErrorBody>),
}

impl ApiError {
    /// An error with a status, a machine-readable code and a message.
    pub fn new(status: StatusCode, error: &str, message: impl Into<String>) -> ApiError {
        let body = Json(ErrorBody {
            status: status.as_u16(),
            message: message.into(),
            error: error.to_owned(),
            errors: None,
            successful: false,
        });
        match status.as_u16() {
            400 => ApiError::BadRequest(body),
            401 => ApiError::Unauthorized(body),
            403 => ApiError::Forbidden(body),
            404 => ApiError::NotFound(body),
            409 => ApiError::Conflict(body),
            502 => ApiError::BadGateway(body),
            503 => ApiError::Unavailable(body),
            504 => ApiError::GatewayTimeout(body),
            _ => ApiError::Internal(body),
        }
    }

    /// A 400 listing every problem.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let message = match errors.as_slice() {
            [one] => format!(
                "Validation error at {}: {}",
                one.path.join("."),
                one.message
            ),
            many => format!("Validation error: {} problems", many.len()),
        };
        ApiError::BadRequest(Json(ErrorBody {
            status: 400,
            message,
            error: "ValidationError".into(),
            errors: Some(errors),
            successful: false,
        }))
    }

    /// A 400 for one problem at `path`.
    pub fn invalid(path: &[&str], message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            message: message.into(),
        }])
    }

    /// 401.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    /// 403 naming what is missing.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "InsufficientPermission", message)
    }

    /// 404.
    pub fn not_found(error: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, error, message)
    }

    /// 500 that logs the cause and tells the client only that something failed.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "Internal server error",
        )
    }

    /// The body, whatever the status.
    pub fn body(&self) -> &ErrorBody {
        match self {
            ApiError::BadRequest(b)
            | ApiError::Unauthorized(b)
            | ApiError::Forbidden(b)
            | ApiError::NotFound(b)
            | ApiError::Conflict(b)
            | ApiError::Internal(b)
            | ApiError::BadGateway(b)
            | ApiError::Unavailable(b)
            | ApiError::GatewayTimeout(b) => &b.0,
        }
    }
}

/// A store operation failed: a database failure is a 500 that logs the cause and tells the
/// client only that something failed; an outcome the core names (not found, a clash) answers
/// as that outcome. Lets `?` work on the store's results.
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Core(e) => e.into(),
            other => ApiError::internal(&other),
        }
    }
}

impl From<optima_core::Error> for ApiError {
    fn from(e: optima_core::Error) -> Self {
        use optima_core::Error as E;
        match e {
            E::InvalidNode(e) => {
                ApiError::new(StatusCode::BAD_REQUEST, "InvalidPermission", e.to_string())
            }
            E::UnknownNode { node } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnknownPermission",
                format!("Unknown permission node `{node}`"),
            ),
            E::NotFound { kind, id } => ApiError::not_found(
                "NotFound",
                format!("{kind} with identifier '{id}' was not found."),
            ),
            E::Conflict { kind, id } => ApiError::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!("A {kind} `{id}` already exists."),
            ),
            E::ChangedMeanwhile { kind, id } => ApiError::new(
                StatusCode::CONFLICT,
                "ChangedMeanwhile",
                format!(
                    "The {kind} '{id}' changed while this request was being handled; read it again and retry."
                ),
            ),
            other => ApiError::internal(&other),
        }
    }
}

/// Runs one walk of a body against its schema, starting at `["body"]`, and refuses the request
/// with every problem the walk found.
fn refuse_found(walk: impl FnOnce(&mut Vec<String>, &mut Vec<FieldError>)) -> poem::Result<()> {
    let mut found = Vec::new();
    walk(&mut vec!["body".to_owned()], &mut found);
    if found.is_empty() {
        Ok(())
    } else {
        Err(error_into_poem(ApiError::validation(found)))
    }
}

/// A JSON request body parsed with serde, so that a body that does not fit gives a 400 with the
/// path of the first field that failed (`["body", "permissions", "1"]`), not a bare text error.
/// The schema in the OpenAPI document comes from `T`'s poem-openapi derive.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = <Vec<u8> as poem::FromRequest>::from_request(request, body).await?;
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        let invalid = |path: Vec<String>, message: String| {
            error_into_poem(ApiError::validation(vec![FieldError { path, message }]))
        };
        let mut value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| invalid(vec!["body".into()], clean_serde_message(&e.to_string())))?;
        // PostgreSQL cannot store U+0000 in text; refused here for every body and backend alike.
        let nuls = crate::input::nul_paths(&value, &["body"], MAX_REPORTED_ERRORS);
        if !nuls.is_empty() {
            return Err(error_into_poem(ApiError::validation(nuls)));
        }
        let mut registry = Registry::new();
        T::register(&mut registry);
        // Size limits before anything that works per item: poem-openapi checks each item of an
        // array (compiling its `pattern` each time) before the array's `maxItems`.
        refuse_found(|path, found| over_limits(&value, &T::schema_ref(), &registry, path, found))?;
        // `null` on an optional field means "leave it out" unless the field says what null
        // does there (`nullable`: clear it on PATCH): gone before anything reads the body.
        drop_optional_nulls(&mut value, &T::schema_ref(), &registry);
        // serde first: its errors name the exact field (and it refuses unknown fields).
        let parsed = serde_path_to_error::deserialize::<_, T>(&value).map_err(|err| {
            let mut path = vec!["body".to_owned()];
            path.extend(
                err.path()
                    .iter()
                    .map(|segment| match segment {
                        serde_path_to_error::Segment::Seq { index } => index.to_string(),
                        other => other.to_string(),
                    })
                    .filter(|s| s != "?"),
            );
            invalid(path, clean_serde_message(&err.inner().to_string()))
        })?;
        // What `null` is left stands on a required field or an array item: refused unless the
        // document says `nullable` there.
        refuse_found(|path, found| {
            refused_nulls(&value, &T::schema_ref(), &registry, path, found)
        })?;
        // Then the schema's own rules (lengths, patterns, bounds, objects given as arrays), so
        // that what is accepted is exactly what the OpenAPI document describes.
        if let Err(e) = T::parse_from_json(Some(value)) {
            let (path, message) = schema_error_path(&e.into_message());
            return Err(invalid(path, message));
        }
        Ok(JsonBody(parsed))
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON + DeserializeOwned + Send);

/// The `pattern` of names, titles and descriptions: at least one character that no regex dialect
/// reading the spec calls whitespace. `\S` would be shorter, but ECMA-262, Python and Rust disagree
/// on what it covers (U+0085, U+001C–U+001F, U+FEFF), so clients and the server would disagree on
/// what is valid. poem-openapi takes patterns as literals only: the fields repeat this text, and
/// the `openapi` test holds them to it.
pub const NOT_BLANK_PATTERN: &str =
    r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]";

/// The `pattern` of image URLs: `http://` or `https://` and no whitespace (as above).
pub const HTTP_URL_PATTERN: &str = r"^https?://[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$";

/// Puts poem-openapi's `verification failed. pattern("…")` for the patterns above in words.
fn in_words(message: &str) -> String {
    let rules = [
        (NOT_BLANK_PATTERN, "must not be blank"),
        (
            HTTP_URL_PATTERN,
            "must be an http:// or https:// URL without whitespace",
        ),
    ];
    for (pattern, words) in rules {
        let raw = format!("verification failed. pattern(\"{pattern}\")");
        if message.contains(&raw) {
            return message.replace(&raw, words);
        }
    }
    message.to_owned()
}

/// The schema `schema` stands for: a named one from the registry, or itself; a lone `allOf`
/// member (poem-openapi's way of making a reference nullable) stands for its member.
fn resolve<'r>(schema: &'r MetaSchemaRef, registry: &'r Registry) -> Option<&'r MetaSchema> {
    let schema = match schema {
        MetaSchemaRef::Inline(inline) => inline.as_ref(),
        MetaSchemaRef::Reference(name) => registry.schemas.get(name)?,
    };
    match schema.all_of.as_slice() {
        [only] if schema.properties.is_empty() => resolve(only, registry).or(Some(schema)),
        _ => Some(schema),
    }
}

/// Whether `schema` allows `null`: on the reference's wrapper or on what it refers to.
fn allows_null(schema: &MetaSchemaRef, registry: &Registry) -> bool {
    match schema {
        MetaSchemaRef::Inline(inline) if inline.nullable => true,
        _ => resolve(schema, registry).is_some_and(|s| s.nullable),
    }
}

/// Collects the paths in `value` where a `null` stands that `schema` does not allow.
fn refused_nulls(
    value: &serde_json::Value,
    schema: &MetaSchemaRef,
    registry: &Registry,
    path: &mut Vec<String>,
    out: &mut Vec<FieldError>,
) {
    use serde_json::Value;
    let Some(resolved) = resolve(schema, registry) else {
        return;
    };
    let mut visit = |key: String, child: &Value, child_schema: &MetaSchemaRef| {
        path.push(key);
        if child.is_null() {
            if !allows_null(child_schema, registry) {
                out.push(FieldError {
                    path: path.clone(),
                    message: "must not be null".into(),
                });
            }
        } else {
            refused_nulls(child, child_schema, registry, path, out);
        }
        path.pop();
    };
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let declared = resolved
                    .properties
                    .iter()
                    .find(|(name, _)| *name == key.as_str())
                    .map(|(_, s)| s)
                    .or(resolved.additional_properties.as_deref());
                if let Some(child_schema) = declared {
                    visit(key.clone(), child, child_schema);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = resolved.items.as_deref() {
                for (i, child) in items.iter().enumerate() {
                    visit(i.to_string(), child, item_schema);
                }
            }
        }
        _ => {}
    }
}

/// Removes every `null` that stands on an optional property whose schema is not `nullable`, at
/// any depth: for such a field `null` and absent mean the same. The spec marks these
/// properties `nullable` too (`finish_spec` in app.rs), so what is accepted is what it says.
fn drop_optional_nulls(value: &mut serde_json::Value, schema: &MetaSchemaRef, registry: &Registry) {
    use serde_json::Value;
    let Some(resolved) = resolve(schema, registry) else {
        return;
    };
    match value {
        Value::Object(map) => {
            map.retain(|key, child| {
                let declared = resolved
                    .properties
                    .iter()
                    .find(|(name, _)| *name == key.as_str())
                    .map(|(_, s)| s);
                !(child.is_null()
                    && declared.is_some_and(|child_schema| {
                        !resolved.required.contains(&key.as_str())
                            && !allows_null(child_schema, registry)
                    }))
            });
            for (key, child) in map.iter_mut() {
                let declared = resolved
                    .properties
                    .iter()
                    .find(|(name, _)| *name == key.as_str())
                    .map(|(_, s)| s)
                    .or(resolved.additional_properties.as_deref());
                if let Some(child_schema) = declared {
                    drop_optional_nulls(child, child_schema, registry);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = resolved.items.as_deref() {
                for child in items {
                    drop_optional_nulls(child, item_schema, registry);
                }
            }
        }
        _ => {}
    }
}

/// The most problems one validation error lists; past that, the first ones say enough.
const MAX_REPORTED_ERRORS: usize = 50;

/// Collects the paths in `value` where an array has more items, or an object more properties,
/// than `schema` allows; what lies inside such a value is not looked at.
fn over_limits(
    value: &serde_json::Value,
    schema: &MetaSchemaRef,
    registry: &Registry,
    path: &mut Vec<String>,
    out: &mut Vec<FieldError>,
) {
    use serde_json::Value;
    let Some(resolved) = resolve(schema, registry) else {
        return;
    };
    if out.len() >= MAX_REPORTED_ERRORS {
        return;
    }
    match value {
        Value::Array(items) => {
            if let Some(max) = resolved.max_items
                && items.len() > max
            {
                out.push(FieldError {
                    path: path.clone(),
                    message: format!("must have at most {max} items, not {}", items.len()),
                });
                return;
            }
            if let Some(item_schema) = resolved.items.as_deref() {
                for (i, child) in items.iter().enumerate() {
                    path.push(i.to_string());
                    over_limits(child, item_schema, registry, path, out);
                    path.pop();
                }
            }
        }
        Value::Object(map) => {
            if let Some(max) = resolved.max_properties
                && map.len() > max
            {
                out.push(FieldError {
                    path: path.clone(),
                    message: format!("must have at most {max} properties, not {}", map.len()),
                });
                return;
            }
            for (key, child) in map {
                let declared = resolved
                    .properties
                    .iter()
                    .find(|(name, _)| *name == key.as_str())
                    .map(|(_, s)| s)
                    .or(resolved.additional_properties.as_deref());
                if let Some(child_schema) = declared {
                    path.push(key.clone());
                    over_limits(child, child_schema, registry, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// poem-openapi says `failed to parse "CreateRole": field `moniker` verification failed. …`;
/// the field belongs in the path.
fn schema_error_path(message: &str) -> (Vec<String>, String) {
    let mut path = vec!["body".to_owned()];
    if let Some(start) = message.find("field `") {
        let rest = &message[start + "field `".len()..];
        if let Some(end) = rest.find('`') {
            path.push(rest[..end].to_owned());
            return (path, in_words(rest[end + 1..].trim()));
        }
    }
    (path, in_words(message))
}

/// serde's messages end with `at line 1 column 20`; the path already says where.
fn clean_serde_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns an [`ApiError`] into a `poem::Error` that renders as the same JSON.
pub fn error_into_poem(error: ApiError) -> poem::Error {
    let body = error.body().clone();
    let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::BAD_REQUEST);
    poem::Error::from_response(
        poem::Response::builder()
            .status(status)
            .content_type("application/json")
            .body(serde_json::to_vec(&body).unwrap_or_default()),
    )
}

/// The JSON envelope for a `poem::Error` raised outside a handler (a missing token, a parameter
/// that does not parse, an unknown path), so that every error the API returns has one shape.
pub fn render_poem_error(err: poem::Error) -> poem::Response {
    if err.is_from_response() {
        // Already rendered by `error_into_poem`.
        return err.into_response();
    }
    if let Some(limit) = crate::input::body_too_large(&err) {
        return crate::input::too_large(limit).into_response();
    }
    let status = err.status();
    let message = err.to_string();
    let body = if let Some(e) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        ApiError::validation(vec![FieldError {
            path: vec!["parameter".into(), e.name.to_owned()],
            message: in_words(&clean_serde_message(&e.reason)),
        }])
        .body()
        .clone()
    } else if err.is::<poem_openapi::error::ContentTypeError>()
        || err.is::<poem_openapi::error::ParseRequestPayloadError>()
    {
        ApiError::validation(vec![FieldError {
            path: vec!["body".into()],
            message,
        }])
        .body()
        .clone()
    } else if err.is::<poem_openapi::error::AuthorizationError>()
        || status == StatusCode::UNAUTHORIZED
    {
        ApiError::unauthorized("Unauthorized: a valid bearer token is required")
            .body()
            .clone()
    } else {
        let code = match status {
            StatusCode::NOT_FOUND => "NotFound",
            StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
            StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLarge",
            s if s.is_client_error() => "BadRequest",
            _ => "InternalError",
        };
        let message = if status.is_server_error() {
            tracing::error!(error = %message, "unhandled error");
            "Internal server error".to_owned()
        } else if status == StatusCode::NOT_FOUND {
            "Resource not found".to_owned()
        } else {
            message
        };
        ErrorBody {
            status: status.as_u16(),
            message,
            error: code.into(),
            errors: None,
            successful: false,
        }
    };
    let status = StatusCode::from_u16(body.status).unwrap_or(status);
    poem::Response::builder()
        .status(status)
        .content_type("application/json")
        .body(serde_json::to_vec(&body).unwrap_or_default())
}

/// A model cut down to the fields its reader may see: the JSON of `T` with some keys removed.
/// It is documented as `T` (whose fields are all optional), and sent as it is, so that a field
/// left out stays absent rather than coming back as null.
#[derive(Debug, Clone)]
pub struct Filtered<T> {
    value: serde_json::Value,
    model: std::marker::PhantomData<fn() -> T>,
}

impl<T> Filtered<T> {
    /// Wraps the filtered JSON of a `T`.
    pub fn new(value: serde_json::Value) -> Filtered<T> {
        Filtered {
            value,
            model: std::marker::PhantomData,
        }
    }

    /// The JSON as it will be sent.
    pub fn value(&self) -> &serde_json::Value {
        &self.value
    }
}

impl<T: Type> Type for Filtered<T> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> std::borrow::Cow<'static, str> {
        T::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl<T: Type> ToJSON for Filtered<T> {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(self.value.clone())
    }
}

impl<T: Type> ParseFromJSON for Filtered<T> {
    fn parse_from_json(
        value: Option<serde_json::Value>,
    ) -> poem_openapi::types::ParseResult<Filtered<T>> {
        Ok(Filtered::new(value.unwrap_or_default()))
    }
}
