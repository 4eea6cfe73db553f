//! The caller of a bearer route, resolved and checked before the handler runs.
//!
//! A handler for a bearer route takes `caller: Authorized<routes::CreateRole>`: the extractor
//! verifies the token, resolves the caller (cached per grants version), and checks every
//! permission the route's table row requires, so a handler cannot be reached without that
//! check and names its route exactly once. The response wording comes from the same row
//! (`caller.ok(data)`), and so do the conditional permissions (`caller.require(..)`).

use std::marker::PhantomData;
use std::sync::Arc;

use poem::{Request, RequestBody};
use poem_openapi::auth::Bearer;
use poem_openapi::registry::Registry;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme};

use super::common::{ApiError, Created201, Ok200, created, error_into_poem, ok};
use crate::auth::caller::{Caller, check_route};
use crate::routes::{Auth, Conditional, Route, RouteSpec};
use crate::state::AppState;

// Verified and resolved to its `Caller` by the checker; handlers take `Authorized`, which adds
// the route's permission check. (The doc comment is the spec's description of the scheme.)
/// An access token (`Authorization: Bearer <jwt>`) or an API key (`Authorization: Bearer
/// optima_…`; `X-API-Key: optima_…` is accepted too).
#[derive(Debug, SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "resolve_caller")]
pub struct BearerAuth(pub Caller);

/// Verifies the bearer's token (an access token or an API key) and resolves who they are.
async fn resolve_caller(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    resolve_token(req, &bearer.token).await
}

/// Resolves an access token or API key to its caller, with the same 401s as ever.
async fn resolve_token(req: &Request, token: &str) -> poem::Result<Caller> {
    let state = req.data::<Arc<AppState>>().ok_or_else(|| {
        error_into_poem(ApiError::internal(&"the application state is not attached"))
    })?;
    let address = crate::api::credentials::client_address(req);
    state
        .caller(token, address.as_deref())
        .await
        .map_err(error_into_poem)
}

/// The `X-API-Key` header, if the request has one.
fn api_key_header(req: &Request) -> Option<&str> {
    req.headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The signed-in caller of route `R`, holding every permission `R` requires.
#[derive(Debug)]
pub struct Authorized<R: Route> {
    caller: Caller,
    route: PhantomData<fn() -> R>,
}

impl<R: Route> std::ops::Deref for Authorized<R> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<R: Route> Authorized<R> {
    /// The route's row of the table.
    pub fn route(&self) -> &'static RouteSpec {
        R::SPEC
    }

    /// 403 unless the caller holds `permission`, one of this route's conditional permissions;
    /// `message` says what the request asked for that needs it.
    pub fn require(&self, permission: Conditional<R>, message: &str) -> Result<(), ApiError> {
        self.caller.require(permission.node, message)
    }

    /// Whether the caller holds `permission`, one of this route's conditional permissions.
    pub fn holds(&self, permission: Conditional<R>) -> bool {
        self.caller.can(permission.node)
    }

    /// This route's 200, worded from the table.
    pub fn ok<T: ParseFromJSON + ToJSON>(&self, data: T) -> Ok200<T> {
        ok(R::SPEC, data)
    }

    /// This route's 201, worded from the table.
    pub fn created<T: ParseFromJSON + ToJSON>(&self, data: T) -> Created201<T> {
        created(R::SPEC, data)
    }
}

/// The route `R` of a handler that needs no bearer token (signing in, refreshing, the teapot):
/// it names the handler's route, as [`Authorized`] does for the others, and words its response.
#[derive(Debug)]
pub struct Public<R: Route> {
    route: PhantomData<fn() -> R>,
}

impl<R: Route> Public<R> {
    /// The route's row of the table.
    pub fn spec(&self) -> &'static RouteSpec {
        R::SPEC
    }

    /// This route's 200, worded from the table.
    pub fn ok<T: ParseFromJSON + ToJSON>(&self, data: T) -> Ok200<T> {
        ok(R::SPEC, data)
    }

    /// This route's 201, worded from the table.
    pub fn created<T: ParseFromJSON + ToJSON>(&self, data: T) -> Created201<T> {
        created(R::SPEC, data)
    }
}

impl<'a, R: Route> poem::FromRequest<'a> for Public<R> {
    async fn from_request(_: &'a Request, _: &mut RequestBody) -> poem::Result<Self> {
        const {
            assert!(
                !matches!(R::SPEC.auth, Auth::Bearer),
                "a bearer route takes Authorized, which checks its permissions"
            )
        };
        crate::audit::context::identify(R::SPEC, None);
        Ok(Public { route: PhantomData })
    }
}

impl<'a, R: Route> ApiExtractor<'a> for Authorized<R> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        BearerAuth::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        BearerAuth::security_schemes()
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        const {
            assert!(
                matches!(R::SPEC.auth, Auth::Bearer),
                "Authorized is for bearer routes"
            )
        };
        // An API key may come as `X-API-Key` instead of a bearer token.
        let caller = match api_key_header(req) {
            Some(key)
                if req
                    .headers()
                    .get(poem::http::header::AUTHORIZATION)
                    .is_none() =>
            {
                resolve_token(req, key).await?
            }
            _ => BearerAuth::from_request(req, body, param_opts).await?.0,
        };
        crate::audit::context::identify(
            R::SPEC,
            Some(crate::audit::context::Actor {
                user_id: caller.user.id.clone(),
                api_key_id: caller.api_key.as_ref().map(|k| k.id.clone()),
            }),
        );
        check_route(&caller, R::SPEC).map_err(error_into_poem)?;
        Ok(Authorized {
            caller,
            route: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use poem::http::{Method, StatusCode};
    use poem::{Endpoint, Route as PoemRoute};
    use poem_openapi::{OpenApi, OpenApiService};

    use super::*;
    use crate::routes;

    struct Handlers;

    // The path, method and operation id come from the route the handler names.
    #[routes::handlers]
    #[OpenApi(prefix_path = "/v1")]
    impl Handlers {
        async fn get_role(
            &self,
            caller: Authorized<routes::GetRole>,
            #[oai(name = "identifier")] _identifier: poem_openapi::param::Path<String>,
        ) -> Result<Ok200<String>, ApiError> {
            Ok(caller.ok(String::new()))
        }
    }

    #[tokio::test]
    async fn a_handler_is_served_at_its_routes_path_and_checks_the_token() {
        let app = PoemRoute::new().nest("/", OpenApiService::new(Handlers, "test", "1"));
        let status_of = async |method: Method, path: &str| {
            let request = Request::builder().method(method).uri_str(path).finish();
            app.get_response(request).await.status()
        };
        assert_eq!(
            status_of(Method::GET, "/v1/role/admin").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status_of(Method::POST, "/v1/role/admin").await,
            StatusCode::METHOD_NOT_ALLOWED
        );
        let spec: serde_json::Value =
            serde_json::from_str(&OpenApiService::new(Handlers, "test", "1").spec()).unwrap();
        assert_eq!(
            spec["paths"]["/v1/role/{identifier}"]["get"]["operationId"],
            "getRole"
        );
    }

    #[test]
    fn conditionals_belong_to_their_route() {
        assert_eq!(routes::GetCompany::ADDRESS.node, "company.fetch.address");
        assert_eq!(routes::UpdateUser::ROLES.node, "user.roles.other");
        for route in crate::routes::ROUTES {
            assert!(
                route
                    .conditional
                    .iter()
                    .all(|c| !route.permissions.contains(c)),
                "{} lists a node as both required and conditional",
                route.operation_id
            );
        }
    }
}
