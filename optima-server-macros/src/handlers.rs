//! `#[handlers]`: each handler's `#[oai(path, method, operation_id)]` from the table.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::{
    FnArg, GenericArgument, ImplItem, ImplItemFn, ItemImpl, LitStr, Meta, PathArguments, Token,
    Type,
};

use crate::table::{Row, TABLE_PATH, Table};
use crate::types::include_table;

/// The macro.
pub(crate) fn handlers(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new_spanned(attr, "#[handlers] takes no arguments")
            .into_compile_error();
    }
    match (Table::load(), syn::parse2(item)) {
        (Ok(table), Ok(imp)) => expand(&table, imp),
        (Err(e), _) | (_, Err(e)) => e.into_compile_error(),
    }
}

/// The impl with every handler's `#[oai]` written; a handler's error comes with the rest of
/// the impl, so that the first error shown is the one that counts.
pub(crate) fn expand(table: &Table, mut imp: ItemImpl) -> TokenStream {
    let mut errors: Option<syn::Error> = None;
    for item in &mut imp.items {
        if let ImplItem::Fn(handler) = item
            && let Err(e) = write_route(table, handler)
        {
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
        }
    }
    let errors = errors.map(syn::Error::into_compile_error);
    let include = include_table();
    quote! {
        #errors
        #imp
        #include
    }
}

/// Replaces the handler's `#[oai]` options with an `#[oai]` that has its route's path, method
/// and operation id; the route is the `routes::X` its parameters name (in `Authorized<…>` or
/// `Public<…>`).
fn write_route(table: &Table, handler: &mut ImplItemFn) -> syn::Result<()> {
    let mut named: Vec<Ident> = Vec::new();
    for input in &handler.sig.inputs {
        if let FnArg::Typed(param) = input {
            route_types(&param.ty, &mut named);
        }
    }
    let fn_name = &handler.sig.ident;
    let route = match named.as_slice() {
        [] => {
            return Err(syn::Error::new(
                fn_name.span(),
                format!(
                    "handler `{fn_name}` names no route: take `caller: Authorized<routes::Name>`, \
                     or `route: Public<routes::Name>` if its route needs no bearer token"
                ),
            ));
        }
        [route] => route,
        [first, second, ..] => {
            return Err(syn::Error::new(
                second.span(),
                format!("handler `{fn_name}` names its route twice (`{first}`, `{second}`)"),
            ));
        }
    };
    let row = table.get(&route.to_string()).ok_or_else(|| {
        syn::Error::new(route.span(), format!("no route `{route}` in {TABLE_PATH}"))
    })?;
    let mut options: Vec<Meta> = Vec::new();
    let mut position = None;
    let mut index = 0;
    let mut option_error = None;
    handler.attrs.retain(|attr| {
        index += 1;
        if !attr.path().is_ident("oai") {
            return true;
        }
        position.get_or_insert(index - 1);
        match keep_options(attr, row) {
            Ok(kept) => options.extend(kept),
            Err(e) => option_error = Some(e),
        }
        false
    });
    if let Some(e) = option_error {
        return Err(e);
    }

    let span = route.span();
    let path = LitStr::new(&row.path, span);
    let method = LitStr::new(&row.method.to_ascii_lowercase(), span);
    let operation_id = LitStr::new(&row.operation_id(), span);
    let hidden = row.hidden.then(|| quote_spanned!(span=> hidden,));
    let attr: syn::Attribute = syn::parse_quote_spanned! {span=>
        #[oai(path = #path, method = #method, operation_id = #operation_id, #hidden #(#options),*)]
    };
    handler
        .attrs
        .insert(position.unwrap_or(handler.attrs.len()), attr);
    other_routes(handler.block.to_token_stream(), row, table)
}

/// The options of a handler's `#[oai(...)]` other than those the table gives.
fn keep_options(attr: &syn::Attribute, row: &Row) -> syn::Result<Vec<Meta>> {
    let options = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
    let mut kept = Vec::new();
    for option in options {
        let key = option.path();
        if ["path", "method", "operation_id"]
            .iter()
            .any(|k| key.is_ident(k))
        {
            return Err(syn::Error::new_spanned(
                key,
                format!(
                    "`{}` comes from the route table ({TABLE_PATH}): remove it",
                    key.to_token_stream()
                ),
            ));
        }
        if key.is_ident("hidden") {
            if row.hidden {
                continue; // written from the table anyway
            }
            return Err(syn::Error::new_spanned(
                key,
                format!(
                    "whether route {} is in the OpenAPI document is its row's `#[hidden]` in \
                     {TABLE_PATH}: remove `hidden` here",
                    row.name
                ),
            ));
        }
        kept.push(option);
    }
    Ok(kept)
}

/// Routes named by `routes::Name` as a generic argument anywhere in a parameter's type.
fn route_types(ty: &Type, out: &mut Vec<Ident>) {
    match ty {
        Type::Path(ty) => {
            for segment in &ty.path.segments {
                let PathArguments::AngleBracketed(args) = &segment.arguments else {
                    continue;
                };
                for arg in &args.args {
                    if let GenericArgument::Type(inner) = arg {
                        match route_name(inner) {
                            Some(route) => out.push(route),
                            None => route_types(inner, out),
                        }
                    }
                }
            }
        }
        Type::Reference(ty) => route_types(&ty.elem, out),
        Type::Paren(ty) => route_types(&ty.elem, out),
        Type::Group(ty) => route_types(&ty.elem, out),
        Type::Tuple(ty) => ty.elems.iter().for_each(|t| route_types(t, out)),
        _ => {}
    }
}

/// `X` of a type path ending in `routes::X`.
fn route_name(ty: &Type) -> Option<Ident> {
    let Type::Path(ty) = ty else { return None };
    if ty.qself.is_some() {
        return None;
    }
    let segments: Vec<_> = ty.path.segments.iter().collect();
    match segments.as_slice() {
        [.., module, route] if module.ident == "routes" && route.arguments.is_none() => {
            Some(route.ident.clone())
        }
        _ => None,
    }
}

/// A handler serves one route: its body may use its own route's type (`routes::Own::SPEC`),
/// not another's, so a public handler's `#[route]` and its body cannot disagree.
fn other_routes(body: TokenStream, row: &Row, table: &Table) -> syn::Result<()> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => other_routes(group.stream(), row, table)?,
            TokenTree::Ident(module) if module == "routes" => {
                if let [
                    TokenTree::Punct(a),
                    TokenTree::Punct(b),
                    TokenTree::Ident(route),
                    ..,
                ] = &tokens[i + 1..]
                    && a.as_char() == ':'
                    && b.as_char() == ':'
                    && *route != row.name
                    && table.get(&route.to_string()).is_some()
                {
                    return Err(syn::Error::new(
                        route.span(),
                        format!(
                            "this handler serves route {}, not {route}: a handler serves one route",
                            row.name
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table::parse(
            r#"
CreateRole POST "/role" Bearer ["role.create"] [] 201 "Created";
GetRole GET "/role/:identifier" Bearer ["role.read"] [] 200 "Fetched";
Teapot GET "/teapot" None [] [] 418 "I'm a teapot";
#[hidden] Secret GET "/secret" None [] [] 200 "Shh";
"#,
        )
        .unwrap()
    }

    fn expanded(imp: TokenStream) -> String {
        expand(&table(), syn::parse2(imp).unwrap()).to_string()
    }

    fn error_of(imp: TokenStream) -> String {
        let out = expanded(imp);
        assert!(out.contains("compile_error"), "no error in {out}");
        out
    }

    #[test]
    fn the_route_comes_from_the_parameter() {
        let out = expanded(quote! {
            impl Api {
                /// Doc.
                #[oai(tag = "ApiTags::Role")]
                async fn create(&self, caller: Authorized<routes::CreateRole>) {}
                async fn get(&self, caller: Authorized<crate::routes::GetRole>, id: Path<String>) {}
                async fn teapot(&self, route: Public<routes::Teapot>) { route.ok(()) }
                async fn secret(&self, route: Public<routes::Secret>) {}
            }
        });
        assert!(!out.contains("compile_error"), "{out}");
        for expected in [
            r#"# [doc = r" Doc."] # [oai (path = "/role" , method = "post" , operation_id = "createRole" , tag = "ApiTags::Role")] async fn create"#,
            r#"# [oai (path = "/role/:identifier" , method = "get" , operation_id = "getRole" ,)] async fn get"#,
            r#"# [oai (path = "/teapot" , method = "get" , operation_id = "teapot" ,)] async fn teapot"#,
            r#"# [oai (path = "/secret" , method = "get" , operation_id = "secret" , hidden ,)] async fn secret"#,
            r#"include_str !"#,
        ] {
            assert!(out.contains(expected), "{expected} not in {out}");
        }
    }

    #[test]
    fn a_handler_names_one_known_route_once() {
        assert!(
            error_of(quote!(impl Api { async fn f(&self) {} }))
                .contains("handler `f` names no route")
        );
        assert!(
            error_of(quote! {
                impl Api {
                    async fn f(&self, route: Public<routes::Teapot>, caller: Authorized<routes::GetRole>) {}
                }
            })
            .contains("names its route twice (`Teapot`, `GetRole`)")
        );
        assert!(
            error_of(quote!(impl Api { async fn f(&self, c: Authorized<routes::Nope>) {} }))
                .contains("no route `Nope` in src/routes.table")
        );
    }

    #[test]
    fn the_table_owns_path_method_operation_id_and_hidden() {
        for option in [
            quote!(path = "/role"),
            quote!(method = "post"),
            quote!(operation_id = "createRole"),
        ] {
            assert!(
                error_of(quote! {
                    impl Api {
                        #[oai(#option)]
                        async fn f(&self, c: Authorized<routes::CreateRole>) {}
                    }
                })
                .contains("comes from the route table")
            );
        }
        assert!(
            error_of(quote! {
                impl Api {
                    #[oai(hidden)]
                    async fn f(&self, route: Public<routes::Teapot>) {}
                }
            })
            .contains("row's `#[hidden]`")
        );
    }

    #[test]
    fn a_body_cannot_use_another_route() {
        assert!(
            error_of(quote! {
                impl Api {
                    async fn f(&self, route: Public<routes::Teapot>) { if x { ok(routes::GetRole::SPEC) } }
                }
            })
            .contains("this handler serves route Teapot, not GetRole")
        );
    }
}
