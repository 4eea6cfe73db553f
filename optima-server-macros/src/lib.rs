//! # optima-server-macros
//!
//! optima-server's route table is a text file, `src/routes.table` of the crate that uses these
//! macros, one route per line:
//!
//! ```text
//! CreateRole POST "/role" Bearer ["role.create"] [] 201 "Role Created Successfully!";
//! GetCompany GET "/company/companies/:identifier" Bearer ["company.fetch"] [ADDRESS = "company.fetch.address"] 200 "Company Fetched Successfully!";
//! #[hidden] AuthSocket GET "/auth/socket" None [] [] 101 "Tokens are sent on this socket";
//! ```
//!
//! The columns: optional flags (`#[hidden]`: not in the OpenAPI document; `#[read_only]`: a
//! POST that changes nothing, so the server does not audit it), the route's name (its
//! operation id, capitalised), the method, the path below `/v1` with `:param` segments, how the
//! caller authenticates (`None`, `Bearer`, `Refresh`), the permissions it requires, its
//! conditional permissions (`NAME = "node"`), the success status and the success message.
//! Lines starting with `//` are comments.
//!
//! Two macros read it, so that the table is the only place a route's path, method and operation
//! id are written:
//!
//! - [`route_table!()`](route_table) defines one type per route (in the module that invokes it),
//!   with the route's row as a constant;
//! - [`#[handlers]`](macro@handlers), placed above a poem-openapi `#[OpenApi]` impl, writes each
//!   handler's `#[oai(path, method, operation_id)]` from the row of the route the handler names.
//!
//! A rebuild follows every change of the table: both macros' output includes it.
#![deny(missing_docs)]

mod handlers;
mod table;
mod types;

use proc_macro::TokenStream;

/// Defines the route types from the table, in the invoking module.
///
/// Takes no arguments. For each row it defines a unit struct named after the route, with
///
/// - `pub const SPEC: &'static RouteSpec`: the route's row (operation id, method, path, auth,
///   permissions, conditional permissions, status, message, whether it is in the OpenAPI
///   document);
/// - one `pub const NAME: Conditional<Route>` per conditional permission;
/// - an `impl Route` with the same `SPEC`;
///
/// and `pub const ROUTES: &[RouteSpec]`, every row in table order. `RouteSpec`, `Auth`,
/// `Route` and `Conditional` (with a `const fn new(node: &'static str)`) must be in scope where
/// it is invoked. A malformed row, an unknown method or authentication, or a name, operation
/// id or method and path used twice is a compile error naming the table's line.
#[proc_macro]
pub fn route_table(input: TokenStream) -> TokenStream {
    types::route_table(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Writes each handler's path, method and operation id from the route table.
///
/// Place it above `#[OpenApi(...)]` (it must run first). Every method of the impl is a handler
/// and names its route exactly once: by a parameter whose type has the route's type as a
/// generic argument: `caller: Authorized<routes::CreateRole>` on a bearer route,
/// `route: Public<routes::Teapot>` on a public one. The handler's
/// `#[oai(...)]` then gets `path`, `method` and `operation_id` from the route's row (and
/// `hidden` if the row is `#[hidden]`); its other options (`tag`, `deprecated`, …) stay.
///
/// Compile errors: a handler that names no route or two, a route the table lacks, a `path`, `method` or `operation_id` written on the handler, `hidden` on a
/// route the table puts in the document, and a handler body that uses another route's type
/// (`routes::Other`).
#[proc_macro_attribute]
pub fn handlers(attr: TokenStream, item: TokenStream) -> TokenStream {
    handlers::handlers(attr.into(), item.into()).into()
}
