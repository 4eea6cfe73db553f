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

    /// `GET /v1/role/{identifier}`, as the catalog's `usedIn` shows it.
    pub fn display(&self) -> String {
        format!("{} {}", self.method, self.openapi_path())
    }
}

macro_rules! route {
    ($op:literal, $method:literal, $path:literal, $auth:ident, [$($perm:literal),*], [$($cond:literal),*], $status:literal, $message:literal) => {
        RouteSpec {
            operation_id: $op,
            method: $method,
            path: $path,
            auth: Auth::$auth,
            permissions: &[$($perm),*],
            conditional: &[$($cond),*],
            status: $status,
            message: $message,
            in_openapi: true,
        }
    };
}

/// Every route served.
pub const ROUTES: &[RouteSpec] = &[
    // auth
    route!(
        "getAuthUri",
        "GET",
        "/auth/uri",
        None,
        [],
        [],
        200,
        "Successfully fetch Auth URI"
    ),
    route!(
        "authRedirect",
        "GET",
        "/auth/redirect",
        None,
        [],
        [],
        200,
        "Signed in. You can close this window."
    ),
    route!(
        "refreshToken",
        "POST",
        "/auth/refresh",
        Refresh,
        [],
        [],
        201,
        "Token refreshed successfully!"
    ),
    route!(
        "exchangeCallbackKey",
        "POST",
        "/auth/exchange",
        None,
        [],
        [],
        201,
        "Signed in successfully!"
    ),
    RouteSpec {
        in_openapi: false,
        ..route!(
            "authSocket",
            "GET",
            "/auth/socket",
            None,
            [],
            [],
            101,
            "Tokens are sent on this socket"
        )
    },
    route!(
        "logout",
        "POST",
        "/auth/logout",
        Refresh,
        [],
        [],
        200,
        "Logged out."
    ),
    route!(
        "logoutAll",
        "POST",
        "/auth/logout-all",
        Bearer,
        [],
        [],
        200,
        "Logged out everywhere."
    ),
    // user
    route!(
        "getMe",
        "GET",
        "/user/@me",
        Bearer,
        ["user.read"],
        [],
        200,
        "Fetched user."
    ),
    route!(
        "updateMe",
        "PATCH",
        "/user/@me",
        Bearer,
        ["user.write"],
        [],
        200,
        "Successfully updated user."
    ),
    route!(
        "checkMyPermissions",
        "POST",
        "/user/@me/check-permission",
        Bearer,
        ["user.read"],
        ["permission.explain"],
        200,
        "Permission check completed."
    ),
    route!(
        "listUsers",
        "GET",
        "/user/users",
        Bearer,
        ["user.read.other", "user.list.other"],
        [],
        200,
        "Users Fetched Successfully!"
    ),
    route!(
        "getUser",
        "GET",
        "/user/users/:identifier",
        Bearer,
        ["user.read.other"],
        [],
        200,
        "User Fetched Successfully!"
    ),
    route!(
        "updateUser",
        "PATCH",
        "/user/users/:identifier",
        Bearer,
        ["user.write.other"],
        ["user.roles.other", "user.permissions.other"],
        200,
        "User Updated Successfully!"
    ),
    route!(
        "deleteUser",
        "DELETE",
        "/user/users/:identifier",
        Bearer,
        ["user.delete.other"],
        [],
        200,
        "User Deleted Successfully!"
    ),
    route!(
        "getUserRoles",
        "GET",
        "/user/users/:identifier/roles",
        Bearer,
        ["user.read.other", "role.read"],
        [],
        200,
        "User Roles Fetched Successfully!"
    ),
    route!(
        "checkUserPermissions",
        "POST",
        "/user/users/:identifier/check-permission",
        Bearer,
        ["user.read.other"],
        ["permission.explain"],
        200,
        "Permission check completed."
    ),
    // role
    route!(
        "createRole",
        "POST",
        "/role",
        Bearer,
        ["role.create"],
        [],
        201,
        "Role Created Successfully!"
    ),
    route!(
        "getRole",
        "GET",
        "/role/:identifier",
        Bearer,
        ["role.read"],
        [],
        200,
        "Role Fetched Successfully!"
    ),
    route!(
        "listRoles",
        "GET",
        "/role",
        Bearer,
        ["role.read", "role.list"],
        [],
        200,
        "Roles Fetched Successfully!"
    ),
    route!(
        "updateRole",
        "PATCH",
        "/role/:identifier",
        Bearer,
        ["role.modify"],
        [],
        200,
        "Role Updated Successfully!"
    ),
    route!(
        "deleteRole",
        "DELETE",
        "/role/:identifier",
        Bearer,
        ["role.delete"],
        [],
        200,
        "Role Deleted Successfully!"
    ),
    route!(
        "addRolePermissions",
        "POST",
        "/role/:identifier/permissions",
        Bearer,
        ["role.modify"],
        [],
        200,
        "Permissions Added Successfully!"
    ),
    route!(
        "removeRolePermissions",
        "DELETE",
        "/role/:identifier/permissions",
        Bearer,
        ["role.modify"],
        [],
        200,
        "Permissions Removed Successfully!"
    ),
    route!(
        "getRoleUsers",
        "GET",
        "/role/:identifier/users",
        Bearer,
        ["role.read", "user.read"],
        [],
        200,
        "Users Fetched Successfully!"
    ),
    // permissions
    route!(
        "getPermissionCatalog",
        "GET",
        "/permissions",
        Bearer,
        ["role.read"],
        [],
        200,
        "Permission Nodes Fetched Successfully!"
    ),
    route!(
        "getPermissionNodes",
        "GET",
        "/permissions/nodes",
        Bearer,
        ["role.read"],
        [],
        200,
        "All Permission Nodes Fetched Successfully!"
    ),
    route!(
        "getPermissionCategory",
        "GET",
        "/permissions/:category",
        Bearer,
        ["role.read"],
        [],
        200,
        "Permission Category Fetched Successfully!"
    ),
    // company
    route!(
        "listCompanies",
        "GET",
        "/company/companies",
        Bearer,
        ["company.fetch.many"],
        [],
        200,
        "Companies Fetched Successfully!"
    ),
    route!(
        "getCompany",
        "GET",
        "/company/companies/:identifier",
        Bearer,
        ["company.fetch"],
        ["company.fetch.address", "company.fetch.contacts"],
        200,
        "Company Fetched Successfully!"
    ),
    route!(
        "getCompanyConfigurations",
        "GET",
        "/company/companies/:identifier/configurations",
        Bearer,
        ["company.fetch", "company.fetch.configurations"],
        [],
        200,
        "Company Configurations Fetched Successfully!"
    ),
    route!(
        "getCompanyUnifiSites",
        "GET",
        "/company/companies/:identifier/unifi/sites",
        Bearer,
        ["unifi.access", "company.fetch"],
        [],
        200,
        "Company UniFi Sites Fetched Successfully!"
    ),
    // credential (credential types, credentials, the reveal audit)
    route!(
        "listValueTypes",
        "GET",
        "/credential/valuetypes",
        Bearer,
        [],
        [],
        200,
        "Value Types Fetched Successfully!"
    ),
    route!(
        "getCredential",
        "GET",
        "/credential/credentials/:id",
        Bearer,
        ["credential.fetch"],
        [],
        200,
        "Credential Fetched Successfully!"
    ),
    route!(
        "listCompanyCredentials",
        "GET",
        "/credential/credentials/company/:companyId",
        Bearer,
        ["credential.fetch.many"],
        [],
        200,
        "Company Credentials Fetched Successfully!"
    ),
    route!(
        "createCredential",
        "POST",
        "/credential/credentials",
        Bearer,
        ["credential.create"],
        [],
        201,
        "Credential Created Successfully!"
    ),
    route!(
        "updateCredential",
        "PATCH",
        "/credential/credentials/:id",
        Bearer,
        ["credential.update"],
        [],
        200,
        "Credential Updated Successfully!"
    ),
    route!(
        "updateCredentialFields",
        "PUT",
        "/credential/credentials/:id/fields",
        Bearer,
        ["credential.update", "credential.fields.update"],
        [],
        200,
        "Credential Fields Updated Successfully!"
    ),
    route!(
        "getCredentialFields",
        "GET",
        "/credential/credentials/:id/fields",
        Bearer,
        ["credential.fetch", "credential.fields.fetch"],
        [],
        200,
        "Credential Fields Fetched Successfully!"
    ),
    route!(
        "getSecureValues",
        "GET",
        "/credential/credentials/:id/secure-values",
        Bearer,
        ["credential.fetch", "credential.secure_values.read"],
        [],
        200,
        "Secure Values Fetched Successfully!"
    ),
    route!(
        "getSecureValue",
        "GET",
        "/credential/credentials/:id/secure-values/:fieldId",
        Bearer,
        ["credential.fetch", "credential.secure_values.read"],
        [],
        200,
        "Secure Value Fetched Successfully!"
    ),
    route!(
        "deleteCredential",
        "DELETE",
        "/credential/credentials/:id",
        Bearer,
        ["credential.delete"],
        [],
        200,
        "Credential Deleted Successfully!"
    ),
    route!(
        "listSubCredentials",
        "GET",
        "/credential/credentials/:id/sub-credentials",
        Bearer,
        ["credential.fetch", "credential.sub_credentials.fetch"],
        [],
        200,
        "Sub-Credentials Fetched Successfully!"
    ),
    route!(
        "createSubCredential",
        "POST",
        "/credential/credentials/:id/sub-credentials",
        Bearer,
        ["credential.fetch", "credential.sub_credentials.create"],
        [],
        201,
        "Sub-Credential Created Successfully!"
    ),
    route!(
        "deleteSubCredential",
        "DELETE",
        "/credential/credentials/:id/sub-credentials/:subId",
        Bearer,
        ["credential.fetch", "credential.sub_credentials.delete"],
        [],
        200,
        "Sub-Credential Removed Successfully!"
    ),
    route!(
        "getCredentialType",
        "GET",
        "/credential-type/:identifier",
        Bearer,
        ["credential_type.fetch"],
        [],
        200,
        "Credential Type Fetched Successfully!"
    ),
    route!(
        "listCredentialTypes",
        "GET",
        "/credential-type",
        Bearer,
        ["credential_type.fetch.many"],
        [],
        200,
        "Credential Types Fetched Successfully!"
    ),
    route!(
        "createCredentialType",
        "POST",
        "/credential-type",
        Bearer,
        ["credential_type.create"],
        [],
        201,
        "Credential Type Created Successfully!"
    ),
    route!(
        "updateCredentialType",
        "PATCH",
        "/credential-type/:identifier",
        Bearer,
        ["credential_type.update"],
        [],
        200,
        "Credential Type Updated Successfully!"
    ),
    route!(
        "deleteCredentialType",
        "DELETE",
        "/credential-type/:identifier",
        Bearer,
        ["credential_type.delete"],
        [],
        200,
        "Credential Type Deleted Successfully!"
    ),
    route!(
        "listCredentialsByType",
        "GET",
        "/credential-type/:id/credentials",
        Bearer,
        ["credential_type.fetch", "credential.fetch.many"],
        [],
        200,
        "Credentials Fetched Successfully!"
    ),
    route!(
        "listSecureValueReads",
        "GET",
        "/audit/secure-value-reads",
        Bearer,
        ["audit.read"],
        [],
        200,
        "Secure Value Reads Fetched Successfully!"
    ),
    // unifi
    route!(
        "listUnifiSites",
        "GET",
        "/unifi/sites",
        Bearer,
        ["unifi.access", "unifi.sites.fetch.many"],
        [],
        200,
        "UniFi Sites Fetched Successfully!"
    ),
    route!(
        "syncUnifiSites",
        "POST",
        "/unifi/sites/sync",
        Bearer,
        ["unifi.access", "unifi.sites.sync"],
        [],
        200,
        "UniFi Sites Synced Successfully!"
    ),
    route!(
        "createUnifiSite",
        "POST",
        "/unifi/sites/create",
        Bearer,
        ["unifi.access", "unifi.sites.create"],
        [],
        200,
        "UniFi Site Created Successfully!"
    ),
    route!(
        "getUnifiSite",
        "GET",
        "/unifi/site/:id",
        Bearer,
        ["unifi.access", "unifi.sites.fetch"],
        [],
        200,
        "UniFi Site Fetched Successfully!"
    ),
    route!(
        "getUnifiSiteOverview",
        "GET",
        "/unifi/site/:id/overview",
        Bearer,
        ["unifi.access", "unifi.site.overview"],
        [],
        200,
        "UniFi Site Overview Fetched Successfully!"
    ),
    route!(
        "listUnifiDevices",
        "GET",
        "/unifi/site/:id/devices",
        Bearer,
        ["unifi.access", "unifi.site.devices"],
        [],
        200,
        "UniFi Devices Fetched Successfully!"
    ),
    route!(
        "listUnifiWifi",
        "GET",
        "/unifi/site/:id/wifi",
        Bearer,
        ["unifi.access", "unifi.site.wifi"],
        [],
        200,
        "UniFi WiFi Networks Fetched Successfully!"
    ),
    route!(
        "updateUnifiWifi",
        "PATCH",
        "/unifi/site/:id/wifi/:wlanId",
        Bearer,
        ["unifi.access", "unifi.site.wifi", "unifi.site.wifi.update"],
        [],
        200,
        "UniFi WiFi Network Updated Successfully!"
    ),
    route!(
        "listUnifiNetworks",
        "GET",
        "/unifi/site/:id/networks",
        Bearer,
        ["unifi.access", "unifi.site.networks"],
        [],
        200,
        "UniFi Networks Fetched Successfully!"
    ),
    route!(
        "listUnifiWlanGroups",
        "GET",
        "/unifi/site/:id/wlan-groups",
        Bearer,
        ["unifi.access", "unifi.site.wlan-groups"],
        [],
        200,
        "UniFi WLAN Groups Fetched Successfully!"
    ),
    route!(
        "createUnifiWlanGroup",
        "POST",
        "/unifi/site/:id/wlan-groups",
        Bearer,
        [
            "unifi.access",
            "unifi.site.wlan-groups",
            "unifi.site.wlan-groups.create"
        ],
        [],
        201,
        "UniFi WLAN Group Created Successfully!"
    ),
    route!(
        "listUnifiApGroups",
        "GET",
        "/unifi/site/:id/ap-groups",
        Bearer,
        ["unifi.access", "unifi.site.ap-groups"],
        [],
        200,
        "UniFi AP Groups Fetched Successfully!"
    ),
    route!(
        "listUnifiAccessPoints",
        "GET",
        "/unifi/site/:id/access-points",
        Bearer,
        ["unifi.access", "unifi.site.access-points"],
        [],
        200,
        "UniFi Access Points Fetched Successfully!"
    ),
    route!(
        "getUnifiWifiLimits",
        "GET",
        "/unifi/site/:id/wifi-limits",
        Bearer,
        ["unifi.access", "unifi.site.wifi-limits"],
        [],
        200,
        "UniFi WiFi Limits Fetched Successfully!"
    ),
    route!(
        "listUnifiSpeedProfiles",
        "GET",
        "/unifi/site/:id/speed-profiles",
        Bearer,
        ["unifi.access", "unifi.site.speed-profiles"],
        [],
        200,
        "UniFi Speed Profiles Fetched Successfully!"
    ),
    route!(
        "createUnifiSpeedProfile",
        "POST",
        "/unifi/site/:id/speed-profiles",
        Bearer,
        [
            "unifi.access",
            "unifi.site.speed-profiles",
            "unifi.site.speed-profiles.create"
        ],
        [],
        201,
        "UniFi Speed Profile Created Successfully!"
    ),
    route!(
        "listUnifiPpsks",
        "GET",
        "/unifi/site/:id/wifi/:wlanId/ppsk",
        Bearer,
        ["unifi.access", "unifi.site.wifi", "unifi.site.wifi.ppsk"],
        [],
        200,
        "UniFi Private PSKs Fetched Successfully!"
    ),
    route!(
        "createUnifiPpsk",
        "POST",
        "/unifi/site/:id/wifi/:wlanId/ppsk",
        Bearer,
        [
            "unifi.access",
            "unifi.site.wifi",
            "unifi.site.wifi.ppsk",
            "unifi.site.wifi.ppsk.create"
        ],
        [],
        201,
        "UniFi Private PSK Created Successfully!"
    ),
    route!(
        "linkUnifiSite",
        "POST",
        "/unifi/site/:id/link",
        Bearer,
        ["unifi.access", "unifi.sites.link"],
        [],
        200,
        "UniFi Site Linked to Company Successfully!"
    ),
    route!(
        "unlinkUnifiSite",
        "POST",
        "/unifi/site/:id/unlink",
        Bearer,
        ["unifi.access", "unifi.sites.link"],
        [],
        200,
        "UniFi Site Unlinked from Company Successfully!"
    ),
    // procurement
    route!(
        "listCatalogItems",
        "GET",
        "/procurement/items",
        Bearer,
        ["procurement.catalog.fetch.many"],
        [],
        200,
        "Catalog items fetched successfully!"
    ),
    route!(
        "getCatalogItem",
        "GET",
        "/procurement/items/:identifier",
        Bearer,
        ["procurement.catalog.fetch"],
        [],
        200,
        "Catalog item fetched successfully!"
    ),
    route!(
        "countCatalogItems",
        "GET",
        "/procurement/count",
        Bearer,
        ["procurement.catalog.fetch.many"],
        [],
        200,
        "Catalog item count fetched successfully!"
    ),
    route!(
        "refreshCatalogItemInventory",
        "POST",
        "/procurement/items/:identifier/refresh-inventory",
        Bearer,
        ["procurement.catalog.inventory.refresh"],
        [],
        200,
        "Inventory refreshed successfully!"
    ),
    route!(
        "getLinkedCatalogItems",
        "GET",
        "/procurement/items/:identifier/linked",
        Bearer,
        ["procurement.catalog.fetch"],
        [],
        200,
        "Linked catalog items fetched successfully!"
    ),
    route!(
        "linkCatalogItem",
        "POST",
        "/procurement/items/:identifier/link",
        Bearer,
        ["procurement.catalog.link"],
        [],
        200,
        "Catalog item linked successfully!"
    ),
    route!(
        "unlinkCatalogItem",
        "POST",
        "/procurement/items/:identifier/unlink",
        Bearer,
        ["procurement.catalog.link"],
        [],
        200,
        "Catalog item unlinked successfully!"
    ),
    // sales
    route!(
        "listOpportunities",
        "GET",
        "/sales/opportunities",
        Bearer,
        ["sales.opportunity.fetch.many"],
        [],
        200,
        "Opportunities fetched successfully!"
    ),
    route!(
        "countOpportunities",
        "GET",
        "/sales/opportunities/count",
        Bearer,
        ["sales.opportunity.fetch.many"],
        [],
        200,
        "Opportunity count fetched successfully!"
    ),
    route!(
        "getOpportunity",
        "GET",
        "/sales/opportunities/:identifier",
        Bearer,
        ["sales.opportunity.fetch"],
        [],
        200,
        "Opportunity fetched successfully!"
    ),
    route!(
        "refreshOpportunity",
        "POST",
        "/sales/opportunities/:identifier/refresh",
        Bearer,
        ["sales.opportunity.refresh"],
        [],
        200,
        "Opportunity refreshed from ConnectWise successfully!"
    ),
    route!(
        "getOpportunityForecasts",
        "GET",
        "/sales/opportunities/:identifier/forecasts",
        Bearer,
        ["sales.opportunity.fetch"],
        [],
        200,
        "Opportunity forecasts fetched successfully!"
    ),
    route!(
        "getOpportunityNotes",
        "GET",
        "/sales/opportunities/:identifier/notes",
        Bearer,
        ["sales.opportunity.fetch"],
        [],
        200,
        "Opportunity notes fetched successfully!"
    ),
    route!(
        "getOpportunityContacts",
        "GET",
        "/sales/opportunities/:identifier/contacts",
        Bearer,
        ["sales.opportunity.fetch"],
        [],
        200,
        "Opportunity contacts fetched successfully!"
    ),
    // utility
    route!(
        "teapot",
        "GET",
        "/teapot",
        None,
        [],
        [],
        418,
        "I'm a teapot"
    ),
];

/// The route with this operation id.
///
/// Every handler names its own id, and a test checks each id is here, so a miss is a
/// programming error that the test suite catches.
pub fn route(operation_id: &str) -> &'static RouteSpec {
    ROUTES
        .iter()
        .find(|r| r.operation_id == operation_id)
        .unwrap_or_else(|| panic!("operation `{operation_id}` is not in the route table"))
}

/// The methods served at a concrete request path (`/v1/role/admin`), for `Allow` headers.
pub fn allowed_methods(request_path: &str) -> Vec<&'static str> {
    let wanted: Vec<&str> = request_path.trim_end_matches('/').split('/').collect();
    let mut methods: Vec<&'static str> = ROUTES
        .iter()
        .filter(|r| {
            let pattern = r.openapi_path();
            let parts: Vec<&str> = pattern.split('/').collect();
            parts.len() == wanted.len()
                && parts
                    .iter()
                    .zip(&wanted)
                    .all(|(p, w)| p.starts_with('{') || p == w)
        })
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
        assert_eq!(route("getRole").openapi_path(), "/v1/role/{identifier}");
        assert_eq!(route("getMe").openapi_path(), "/v1/user/@me");
        assert_eq!(route("listRoles").display(), "GET /v1/role");
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

    /// The spec's own table, when it is beside the checkout: every route it lists that is
    /// served here has the same permissions, status and message.
    #[test]
    fn agrees_with_the_spec_table() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/spec/optima-routes.tsv"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipped: {path} not found");
            return;
        };
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
