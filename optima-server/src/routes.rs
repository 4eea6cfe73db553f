//! The route table: the one list of what the API serves and what each route requires.
//!
//! The table itself is `routes.table` beside this file, one route per line; this module turns
//! it into one type per route ([`route_table!`](optima_server_macros::route_table)). Handlers
//! name their route's type once, and [`handlers`] writes their path, method and operation id
//! from its row; they look up the row to check permissions and to word their response; the
//! permission catalog's `usedIn` is filled from it; the auth tests are generated from it; and a
//! test holds it equal to the generated OpenAPI document. Nothing else lists routes.

/// How a route authenticates its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone may call it.
    None,
    /// A bearer access token.
    Bearer,
    /// A refresh token in `x-refresh-token`.
    Refresh,
}

/// One route of the `/v1` API.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// The OpenAPI operation id (unique).
    pub operation_id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path below `/v1`, with `:param` segments as the spec writes them.
    pub path: &'static str,
    /// How the caller authenticates.
    pub auth: Auth,
    /// Every one of these must be granted.
    pub permissions: &'static [&'static str],
    /// Required only when the request asks for what they guard (documented per route).
    pub conditional: &'static [&'static str],
    /// Success status.
    pub status: u16,
    /// Success message.
    pub message: &'static str,
    /// Whether it is described in the OpenAPI document (the WebSocket is not: OpenAPI 3.0
    /// cannot describe one).
    pub in_openapi: bool,
    /// Whether a success changes something, and so is written to the audit trail: every
    /// method but GET, unless the row says `#[read_only]` (a POST that only checks).
    pub changes_state: bool,
}

impl RouteSpec {
    /// The path as OpenAPI writes it, with the `/v1` prefix: `/v1/role/{identifier}`.
    pub fn openapi_path(&self) -> String {
        let mut out = String::from("/v1");
        for segment in self.path.split('/').filter(|s| !s.is_empty()) {
            out.push('/');
            match segment.strip_prefix(':') {
                Some(name) => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
                None => out.push_str(segment),
            }
        }
        out
    }

    /// Whether a concrete request path (`/v1/role/admin`) is this route's path (any value
    /// stands for a parameter).
    pub fn serves_path(&self, request_path: &str) -> bool {
        let Some(below_v1) = request_path.trim_end_matches('/').strip_prefix("/v1/") else {
            return false;
        };
        let mut wanted = below_v1.split('/');
        let mut pattern = self.path.trim_start_matches('/').split('/');
        loop {
            match (pattern.next(), wanted.next()) {
                (None, None) => return true,
                (Some(p), Some(w)) if p.starts_with(':') || p == w => {}
                _ => return false,
            }
        }
    }

    /// `GET /v1/role/{identifier}`, as the catalog's `usedIn` shows it.
    pub fn display(&self) -> String {
        format!("{} {}", self.method, self.openapi_path())
    }
}

/// A route of the table as a type, so a handler names its route once (in its extractor,
/// [`crate::api::Authorized`]) and everything else follows from it: the permission check, the
/// response wording, the conditional permissions it may ask for.
pub trait Route: Send + Sync + 'static {
    /// The route's row of the table.
    const SPEC: &'static RouteSpec;
}

/// A permission a route requires only when the request asks for what it guards, typed by its
/// route: a handler can ask only for the conditionals of its own route, each listed once in the
/// table.
#[derive(Debug)]
pub struct Conditional<R> {
    /// The permission node.
    pub node: &'static str,
    route: std::marker::PhantomData<fn() -> R>,
}

impl<R> Clone for Conditional<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Conditional<R> {}

impl<R> Conditional<R> {
    const fn new(node: &'static str) -> Self {
        Conditional {
            node,
            route: std::marker::PhantomData,
        }
    }
}

// Every route's type, `SPEC` and conditional constants, and `ROUTES`, from the table next to this
// file (`routes.table`, one route per line): the only place a route's operation id, method,
// path, permissions and wording are written.
optima_server_macros::route_table!();

/// Put above a poem-openapi `#[OpenApi]` impl: writes each handler's path, method and operation
/// id from the row of the route it names, by its `Authorized<routes::Name>` parameter or, on a
/// public route, its `Public<routes::Name>` parameter.
pub use optima_server_macros::handlers;

/// The methods served at a concrete request path (`/v1/role/admin`), for `Allow` headers. As
/// the router does, a path written out (`/api-keys/all`) wins over one with a parameter in its
/// place (`/api-keys/:id`): only the most specific paths that match count.
pub fn allowed_methods(request_path: &str) -> Vec<&'static str> {
    // Specificity: for each segment from the left, written out beats a parameter.
    let specificity = |r: &RouteSpec| -> Vec<bool> {
        r.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| !s.starts_with(':'))
            .collect()
    };
    let serving: Vec<&RouteSpec> = ROUTES
        .iter()
        .filter(|r| r.serves_path(request_path))
        .collect();
    let Some(best) = serving.iter().map(|r| specificity(r)).max() else {
        return Vec::new();
    };
    let mut methods: Vec<&'static str> = serving
        .iter()
        .filter(|r| specificity(r) == best)
        .map(|r| r.method)
        .collect();
    methods.sort_unstable();
    methods.dedup();
    methods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_and_routes_are_unique() {
        let mut ids = std::collections::HashSet::new();
        let mut routes = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(ids.insert(r.operation_id), "{} twice", r.operation_id);
            assert!(
                routes.insert((r.method, r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn every_permission_is_in_the_catalog() {
        let catalog = optima_core::rbac::Catalog::optima();
        for r in ROUTES {
            for p in r.permissions.iter().chain(r.conditional) {
                assert!(catalog.contains(p), "{} uses unknown {p}", r.operation_id);
            }
        }
    }

    #[test]
    fn allowed_methods_follow_the_table() {
        assert_eq!(
            allowed_methods("/v1/role/admin"),
            ["DELETE", "GET", "PATCH"]
        );
        assert_eq!(allowed_methods("/v1/teapot"), ["GET"]);
        // A written-out path wins over a parameter, as in the router.
        assert_eq!(allowed_methods("/v1/api-keys/all"), ["GET"]);
        assert_eq!(allowed_methods("/v1/api-keys/k-1"), ["DELETE", "GET"]);
        assert!(allowed_methods("/v1/nothing").is_empty());
    }

    #[test]
    fn paths_convert_to_openapi() {
        assert_eq!(GetRole::SPEC.openapi_path(), "/v1/role/{identifier}");
        assert_eq!(GetMe::SPEC.openapi_path(), "/v1/user/@me");
        assert_eq!(ListRoles::SPEC.display(), "GET /v1/role");
    }

    /// Whether two paths are equal but for the names of their parameters.
    fn same_shape(a: &str, b: &str) -> bool {
        let shape = |p: &str| -> Vec<String> {
            p.split('/')
                .map(|s| {
                    if s.starts_with(':') {
                        ":".into()
                    } else {
                        s.to_owned()
                    }
                })
                .collect()
        };
        shape(a) == shape(b)
    }

    /// The documented route table, as kept in the repository (`spec/optima-routes.tsv`).
    const DOCUMENTED_ROUTES: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/optima-routes.tsv"
    ));

    /// The repository's copy of the documented table is the spec's own, whenever the spec is
    /// beside the checkout (it is in CI), so a change to the spec shows up here.
    #[test]
    fn documented_table_is_the_specs() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/spec/optima-routes.tsv"
        );
        match std::fs::read_to_string(path) {
            Ok(spec) => assert_eq!(
                DOCUMENTED_ROUTES, spec,
                "spec/optima-routes.tsv differs from {path}: copy the spec's table over and serve what changed"
            ),
            Err(_) => eprintln!("not compared: {path} not found"),
        }
    }

    /// Every route the documented table lists that is served here has the same permissions,
    /// status and message.
    #[test]
    fn agrees_with_the_spec_table() {
        let text = DOCUMENTED_ROUTES;
        let mut unserved = Vec::new();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (method, path, permissions, status, message) =
                (cols[0], cols[1], cols[3], cols[4], cols[5]);
            // Parameter names are not compared: one path cannot carry two names for the same
            // segment (`/credential-type/:identifier` and `/credential-type/:id`).
            let Some(r) = ROUTES
                .iter()
                .find(|r| r.method == method && same_shape(r.path, path))
            else {
                unserved.push(format!("{method} {path}"));
                continue;
            };
            let (mut required, mut conditional) = (Vec::new(), Vec::new());
            for p in permissions
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                match p.strip_suffix("(conditional)") {
                    Some(c) => conditional.push(c.trim()),
                    None => required.push(p),
                }
            }
            assert_eq!(r.permissions, required.as_slice(), "{method} {path}");
            for c in conditional {
                assert!(
                    r.conditional.contains(&c),
                    "{method} {path} lacks conditional {c}"
                );
            }
            if status != "None" {
                assert_eq!(r.status.to_string(), status, "{method} {path}");
                assert_eq!(r.message, message, "{method} {path}");
            }
        }
        eprintln!("spec routes not served yet: {}", unserved.len());
        for u in unserved {
            eprintln!("  {u}");
        }
    }
}
