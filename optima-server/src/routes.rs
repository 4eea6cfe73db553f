//! The route table: the one list of what the API serves and what each route requires.
//!
//! Handlers look up their own entry to check permissions and to word their response; the
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

/// The bytes of `name` with its first letter in lower case: `CreateRole` → `createRole`, so
/// the table writes each route's name once and the operation id follows from it.
const fn lower_first<const N: usize>(name: &str) -> [u8; N] {
    let bytes = name.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out[0] = out[0].to_ascii_lowercase();
    out
}

/// Whether a route is described in the OpenAPI document (`#[hidden]` in the table: not).
macro_rules! in_openapi {
    () => {
        true
    };
    (hidden) => {
        false
    };
}

/// Defines one unit type per route implementing [`Route`], its conditional permissions as
/// associated constants, and [`ROUTES`]: the table below is the only place a route's
/// operation id, path, permissions and wording are written.
macro_rules! route_table {
    ($(
        $(#[$flag:ident])?
        $name:ident $method:ident $path:literal $auth:ident
        [$($perm:literal),*] [$($cond_name:ident = $cond:literal),*]
        $status:literal $message:literal;
    )*) => {
        $(
            #[doc = concat!("`", stringify!($method), " /v1", $path, "`: ", $message)]
            #[derive(Debug, Clone, Copy)]
            pub struct $name;

            impl $name {
                /// This route's row of the table.
                pub const SPEC: &'static RouteSpec = &RouteSpec {
                    operation_id: {
                        const NAME: &str = stringify!($name);
                        const ID: [u8; NAME.len()] = lower_first(NAME);
                        match std::str::from_utf8(&ID) {
                            Ok(id) => id,
                            Err(_) => panic!("route names are ASCII"),
                        }
                    },
                    method: stringify!($method),
                    path: $path,
                    auth: Auth::$auth,
                    permissions: &[$($perm),*],
                    conditional: &[$($cond),*],
                    status: $status,
                    message: $message,
                    in_openapi: in_openapi!($($flag)?),
                };
                $(
                    #[doc = concat!("`", $cond, "`, asked for only when the request needs it.")]
                    pub const $cond_name: Conditional<$name> = Conditional::new($cond);
                )*
            }

            impl Route for $name {
                const SPEC: &'static RouteSpec = $name::SPEC;
            }
        )*

        /// Every route served, in table order.
        pub const ROUTES: &[RouteSpec] = &[$(*$name::SPEC),*];
    };
}

// One route per line: name (the operation id, capitalised), method, path below `/v1`, how the
// caller authenticates, the permissions it requires, the conditional ones (each a constant the
// handler asks for), the success status and message.
#[rustfmt::skip]
route_table! {
    // auth
    GetAuthUri GET "/auth/uri" None [] [] 200 "Successfully fetch Auth URI";
    AuthRedirect GET "/auth/redirect" None [] [] 200 "Signed in. You can close this window.";
    RefreshToken POST "/auth/refresh" Refresh [] [] 201 "Token refreshed successfully!";
    ExchangeCallbackKey POST "/auth/exchange" None [] [] 201 "Signed in successfully!";
    #[hidden] AuthSocket GET "/auth/socket" None [] [] 101 "Tokens are sent on this socket";
    Logout POST "/auth/logout" Refresh [] [] 200 "Logged out.";
    LogoutAll POST "/auth/logout-all" Bearer [] [] 200 "Logged out everywhere.";
    // user
    GetMe GET "/user/@me" Bearer ["user.read"] [] 200 "Fetched user.";
    UpdateMe PATCH "/user/@me" Bearer ["user.write"] [] 200 "Successfully updated user.";
    CheckMyPermissions POST "/user/@me/check-permission" Bearer ["user.read"] [EXPLAIN = "permission.explain"] 200 "Permission check completed.";
    ListUsers GET "/user/users" Bearer ["user.read.other", "user.list.other"] [] 200 "Users Fetched Successfully!";
    GetUser GET "/user/users/:identifier" Bearer ["user.read.other"] [] 200 "User Fetched Successfully!";
    UpdateUser PATCH "/user/users/:identifier" Bearer ["user.write.other"] [ROLES = "user.roles.other", PERMISSIONS = "user.permissions.other"] 200 "User Updated Successfully!";
    DeleteUser DELETE "/user/users/:identifier" Bearer ["user.delete.other"] [] 200 "User Deleted Successfully!";
    GetUserRoles GET "/user/users/:identifier/roles" Bearer ["user.read.other", "role.read"] [] 200 "User Roles Fetched Successfully!";
    CheckUserPermissions POST "/user/users/:identifier/check-permission" Bearer ["user.read.other"] [EXPLAIN = "permission.explain"] 200 "Permission check completed.";
    // role
    CreateRole POST "/role" Bearer ["role.create"] [] 201 "Role Created Successfully!";
    GetRole GET "/role/:identifier" Bearer ["role.read"] [] 200 "Role Fetched Successfully!";
    ListRoles GET "/role" Bearer ["role.read", "role.list"] [] 200 "Roles Fetched Successfully!";
    UpdateRole PATCH "/role/:identifier" Bearer ["role.modify"] [] 200 "Role Updated Successfully!";
    DeleteRole DELETE "/role/:identifier" Bearer ["role.delete"] [] 200 "Role Deleted Successfully!";
    AddRolePermissions POST "/role/:identifier/permissions" Bearer ["role.modify"] [] 200 "Permissions Added Successfully!";
    RemoveRolePermissions DELETE "/role/:identifier/permissions" Bearer ["role.modify"] [] 200 "Permissions Removed Successfully!";
    GetRoleUsers GET "/role/:identifier/users" Bearer ["role.read", "user.read"] [] 200 "Users Fetched Successfully!";
    // permissions
    GetPermissionCatalog GET "/permissions" Bearer ["role.read"] [] 200 "Permission Nodes Fetched Successfully!";
    GetPermissionNodes GET "/permissions/nodes" Bearer ["role.read"] [] 200 "All Permission Nodes Fetched Successfully!";
    GetPermissionCategory GET "/permissions/:category" Bearer ["role.read"] [] 200 "Permission Category Fetched Successfully!";
    // company
    ListCompanies GET "/company/companies" Bearer ["company.fetch.many"] [] 200 "Companies Fetched Successfully!";
    GetCompany GET "/company/companies/:identifier" Bearer ["company.fetch"] [ADDRESS = "company.fetch.address", CONTACTS = "company.fetch.contacts"] 200 "Company Fetched Successfully!";
    GetCompanyConfigurations GET "/company/companies/:identifier/configurations" Bearer ["company.fetch", "company.fetch.configurations"] [] 200 "Company Configurations Fetched Successfully!";
    GetCompanyUnifiSites GET "/company/companies/:identifier/unifi/sites" Bearer ["unifi.access", "company.fetch"] [] 200 "Company UniFi Sites Fetched Successfully!";
    // credential (credential types, credentials, the reveal audit)
    ListValueTypes GET "/credential/valuetypes" Bearer [] [] 200 "Value Types Fetched Successfully!";
    GetCredential GET "/credential/credentials/:id" Bearer ["credential.fetch"] [] 200 "Credential Fetched Successfully!";
    ListCompanyCredentials GET "/credential/credentials/company/:companyId" Bearer ["credential.fetch.many"] [] 200 "Company Credentials Fetched Successfully!";
    CreateCredential POST "/credential/credentials" Bearer ["credential.create"] [] 201 "Credential Created Successfully!";
    UpdateCredential PATCH "/credential/credentials/:id" Bearer ["credential.update"] [] 200 "Credential Updated Successfully!";
    UpdateCredentialFields PUT "/credential/credentials/:id/fields" Bearer ["credential.update", "credential.fields.update"] [] 200 "Credential Fields Updated Successfully!";
    GetCredentialFields GET "/credential/credentials/:id/fields" Bearer ["credential.fetch", "credential.fields.fetch"] [] 200 "Credential Fields Fetched Successfully!";
    GetSecureValues GET "/credential/credentials/:id/secure-values" Bearer ["credential.fetch", "credential.secure_values.read"] [] 200 "Secure Values Fetched Successfully!";
    GetSecureValue GET "/credential/credentials/:id/secure-values/:fieldId" Bearer ["credential.fetch", "credential.secure_values.read"] [] 200 "Secure Value Fetched Successfully!";
    DeleteCredential DELETE "/credential/credentials/:id" Bearer ["credential.delete"] [] 200 "Credential Deleted Successfully!";
    ListSubCredentials GET "/credential/credentials/:id/sub-credentials" Bearer ["credential.fetch", "credential.sub_credentials.fetch"] [] 200 "Sub-Credentials Fetched Successfully!";
    CreateSubCredential POST "/credential/credentials/:id/sub-credentials" Bearer ["credential.fetch", "credential.sub_credentials.create"] [] 201 "Sub-Credential Created Successfully!";
    DeleteSubCredential DELETE "/credential/credentials/:id/sub-credentials/:subId" Bearer ["credential.fetch", "credential.sub_credentials.delete"] [] 200 "Sub-Credential Removed Successfully!";
    GetCredentialType GET "/credential-type/:identifier" Bearer ["credential_type.fetch"] [] 200 "Credential Type Fetched Successfully!";
    ListCredentialTypes GET "/credential-type" Bearer ["credential_type.fetch.many"] [] 200 "Credential Types Fetched Successfully!";
    CreateCredentialType POST "/credential-type" Bearer ["credential_type.create"] [] 201 "Credential Type Created Successfully!";
    UpdateCredentialType PATCH "/credential-type/:identifier" Bearer ["credential_type.update"] [] 200 "Credential Type Updated Successfully!";
    DeleteCredentialType DELETE "/credential-type/:identifier" Bearer ["credential_type.delete"] [] 200 "Credential Type Deleted Successfully!";
    ListCredentialsByType GET "/credential-type/:id/credentials" Bearer ["credential_type.fetch", "credential.fetch.many"] [] 200 "Credentials Fetched Successfully!";
    ListSecureValueReads GET "/audit/secure-value-reads" Bearer ["audit.read"] [] 200 "Secure Value Reads Fetched Successfully!";
    // unifi
    ListUnifiSites GET "/unifi/sites" Bearer ["unifi.access", "unifi.sites.fetch.many"] [] 200 "UniFi Sites Fetched Successfully!";
    SyncUnifiSites POST "/unifi/sites/sync" Bearer ["unifi.access", "unifi.sites.sync"] [] 200 "UniFi Sites Synced Successfully!";
    CreateUnifiSite POST "/unifi/sites/create" Bearer ["unifi.access", "unifi.sites.create"] [] 200 "UniFi Site Created Successfully!";
    GetUnifiSite GET "/unifi/site/:id" Bearer ["unifi.access", "unifi.sites.fetch"] [] 200 "UniFi Site Fetched Successfully!";
    GetUnifiSiteOverview GET "/unifi/site/:id/overview" Bearer ["unifi.access", "unifi.site.overview"] [] 200 "UniFi Site Overview Fetched Successfully!";
    ListUnifiDevices GET "/unifi/site/:id/devices" Bearer ["unifi.access", "unifi.site.devices"] [] 200 "UniFi Devices Fetched Successfully!";
    ListUnifiWifi GET "/unifi/site/:id/wifi" Bearer ["unifi.access", "unifi.site.wifi"] [] 200 "UniFi WiFi Networks Fetched Successfully!";
    UpdateUnifiWifi PATCH "/unifi/site/:id/wifi/:wlanId" Bearer ["unifi.access", "unifi.site.wifi", "unifi.site.wifi.update"] [] 200 "UniFi WiFi Network Updated Successfully!";
    ListUnifiNetworks GET "/unifi/site/:id/networks" Bearer ["unifi.access", "unifi.site.networks"] [] 200 "UniFi Networks Fetched Successfully!";
    ListUnifiWlanGroups GET "/unifi/site/:id/wlan-groups" Bearer ["unifi.access", "unifi.site.wlan-groups"] [] 200 "UniFi WLAN Groups Fetched Successfully!";
    CreateUnifiWlanGroup POST "/unifi/site/:id/wlan-groups" Bearer ["unifi.access", "unifi.site.wlan-groups", "unifi.site.wlan-groups.create"] [] 201 "UniFi WLAN Group Created Successfully!";
    ListUnifiApGroups GET "/unifi/site/:id/ap-groups" Bearer ["unifi.access", "unifi.site.ap-groups"] [] 200 "UniFi AP Groups Fetched Successfully!";
    ListUnifiAccessPoints GET "/unifi/site/:id/access-points" Bearer ["unifi.access", "unifi.site.access-points"] [] 200 "UniFi Access Points Fetched Successfully!";
    GetUnifiWifiLimits GET "/unifi/site/:id/wifi-limits" Bearer ["unifi.access", "unifi.site.wifi-limits"] [] 200 "UniFi WiFi Limits Fetched Successfully!";
    ListUnifiSpeedProfiles GET "/unifi/site/:id/speed-profiles" Bearer ["unifi.access", "unifi.site.speed-profiles"] [] 200 "UniFi Speed Profiles Fetched Successfully!";
    CreateUnifiSpeedProfile POST "/unifi/site/:id/speed-profiles" Bearer ["unifi.access", "unifi.site.speed-profiles", "unifi.site.speed-profiles.create"] [] 201 "UniFi Speed Profile Created Successfully!";
    ListUnifiPpsks GET "/unifi/site/:id/wifi/:wlanId/ppsk" Bearer ["unifi.access", "unifi.site.wifi", "unifi.site.wifi.ppsk"] [] 200 "UniFi Private PSKs Fetched Successfully!";
    CreateUnifiPpsk POST "/unifi/site/:id/wifi/:wlanId/ppsk" Bearer ["unifi.access", "unifi.site.wifi", "unifi.site.wifi.ppsk", "unifi.site.wifi.ppsk.create"] [] 201 "UniFi Private PSK Created Successfully!";
    LinkUnifiSite POST "/unifi/site/:id/link" Bearer ["unifi.access", "unifi.sites.link"] [] 200 "UniFi Site Linked to Company Successfully!";
    UnlinkUnifiSite POST "/unifi/site/:id/unlink" Bearer ["unifi.access", "unifi.sites.link"] [] 200 "UniFi Site Unlinked from Company Successfully!";
    // procurement
    ListCatalogItems GET "/procurement/items" Bearer ["procurement.catalog.fetch.many"] [] 200 "Catalog items fetched successfully!";
    GetCatalogItem GET "/procurement/items/:identifier" Bearer ["procurement.catalog.fetch"] [] 200 "Catalog item fetched successfully!";
    CountCatalogItems GET "/procurement/count" Bearer ["procurement.catalog.fetch.many"] [] 200 "Catalog item count fetched successfully!";
    RefreshCatalogItemInventory POST "/procurement/items/:identifier/refresh-inventory" Bearer ["procurement.catalog.inventory.refresh"] [] 200 "Inventory refreshed successfully!";
    GetLinkedCatalogItems GET "/procurement/items/:identifier/linked" Bearer ["procurement.catalog.fetch"] [] 200 "Linked catalog items fetched successfully!";
    LinkCatalogItem POST "/procurement/items/:identifier/link" Bearer ["procurement.catalog.link"] [] 200 "Catalog item linked successfully!";
    UnlinkCatalogItem POST "/procurement/items/:identifier/unlink" Bearer ["procurement.catalog.link"] [] 200 "Catalog item unlinked successfully!";
    // sales
    ListOpportunities GET "/sales/opportunities" Bearer ["sales.opportunity.fetch.many"] [] 200 "Opportunities fetched successfully!";
    CountOpportunities GET "/sales/opportunities/count" Bearer ["sales.opportunity.fetch.many"] [] 200 "Opportunity count fetched successfully!";
    GetOpportunity GET "/sales/opportunities/:identifier" Bearer ["sales.opportunity.fetch"] [] 200 "Opportunity fetched successfully!";
    RefreshOpportunity POST "/sales/opportunities/:identifier/refresh" Bearer ["sales.opportunity.refresh"] [] 200 "Opportunity refreshed from ConnectWise successfully!";
    GetOpportunityForecasts GET "/sales/opportunities/:identifier/forecasts" Bearer ["sales.opportunity.fetch"] [] 200 "Opportunity forecasts fetched successfully!";
    GetOpportunityNotes GET "/sales/opportunities/:identifier/notes" Bearer ["sales.opportunity.fetch"] [] 200 "Opportunity notes fetched successfully!";
    GetOpportunityContacts GET "/sales/opportunities/:identifier/contacts" Bearer ["sales.opportunity.fetch"] [] 200 "Opportunity contacts fetched successfully!";
    // utility
    Teapot GET "/teapot" None [] [] 418 "I'm a teapot";

}

/// The methods served at a concrete request path (`/v1/role/admin`), for `Allow` headers.
pub fn allowed_methods(request_path: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = ROUTES
        .iter()
        .filter(|r| r.serves_path(request_path))
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
