//! `route_table!()`: the table's rows as types.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::table::{Row, TABLE_PATH, Table};

pub(crate) fn route_table(input: TokenStream) -> syn::Result<TokenStream> {
    if !input.is_empty() {
        return Err(syn::Error::new_spanned(
            input,
            format!("route_table!() takes no arguments: it reads {TABLE_PATH}"),
        ));
    }
    Ok(expand(&Table::load()?))
}

/// Makes cargo rebuild the crate when the table changes.
pub(crate) fn include_table() -> TokenStream {
    let path = format!("/{TABLE_PATH}");
    quote! {
        const _: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), #path));
    }
}

fn route_type(row: &Row) -> TokenStream {
    let name = Ident::new(&row.name, Span::call_site());
    let doc = format!("`{} /v1{}`: {}", row.method, row.path, row.message);
    let operation_id = row.operation_id();
    let Row {
        method,
        path,
        permissions,
        message,
        ..
    } = row;
    let auth = Ident::new(&row.auth, Span::call_site());
    let status = Literal::u16_unsuffixed(row.status);
    let in_openapi = !row.hidden;
    let changes_state = row.method != "GET" && !row.read_only;
    let nodes = row.conditional.iter().map(|(_, node)| node);
    let conditionals = row.conditional.iter().map(|(constant, node)| {
        let constant = Ident::new(constant, Span::call_site());
        let doc = format!("`{node}`, asked for only when the request needs it.");
        quote! {
            #[doc = #doc]
            pub const #constant: Conditional<#name> = Conditional::new(#node);
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #name;

        impl #name {
            /// This route's row of the table.
            pub const SPEC: &'static RouteSpec = &RouteSpec {
                operation_id: #operation_id,
                method: #method,
                path: #path,
                auth: Auth::#auth,
                permissions: &[#(#permissions),*],
                conditional: &[#(#nodes),*],
                status: #status,
                message: #message,
                in_openapi: #in_openapi,
                changes_state: #changes_state,
            };
            #(#conditionals)*
        }

        impl Route for #name {
            const SPEC: &'static RouteSpec = #name::SPEC;
        }
    }
}

pub(crate) fn expand(table: &Table) -> TokenStream {
    let types = table.rows.iter().map(route_type);
    let names = table
        .rows
        .iter()
        .map(|r| Ident::new(&r.name, Span::call_site()));
    let include = include_table();
    quote! {
        #include
        #(#types)*
        /// Every route served, in table order.
        pub const ROUTES: &[RouteSpec] = &[#(*#names::SPEC),*];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_becomes_a_type_with_its_spec_and_conditionals() {
        let table = Table::parse(
            r#"GetCompany GET "/company/:id" Bearer ["company.fetch"] [ADDRESS = "company.fetch.address"] 200 "Fetched";"#,
        )
        .unwrap();
        let out = expand(&table).to_string();
        for expected in [
            "pub struct GetCompany",
            r#"operation_id : "getCompany""#,
            r#"method : "GET""#,
            r#"path : "/company/:id""#,
            "auth : Auth :: Bearer",
            r#"permissions : & ["company.fetch"]"#,
            r#"conditional : & ["company.fetch.address"]"#,
            "status : 200 ,",
            "in_openapi : true",
            r#"pub const ADDRESS : Conditional < GetCompany > = Conditional :: new ("company.fetch.address")"#,
            "impl Route for GetCompany",
            "pub const ROUTES : & [RouteSpec] = & [* GetCompany :: SPEC]",
            r#"include_str ! (concat ! (env ! ("CARGO_MANIFEST_DIR") , "/src/routes.table"))"#,
        ] {
            assert!(out.contains(expected), "{expected} not in {out}");
        }
    }

    #[test]
    fn arguments_are_refused() {
        let err = route_table(quote!("routes.txt")).unwrap_err();
        assert!(err.to_string().contains("takes no arguments"));
    }
}
