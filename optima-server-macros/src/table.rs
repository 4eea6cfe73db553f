//! Reading the route table file.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitInt, LitStr, Token, bracketed};

/// Where the table is, below the manifest directory of the crate being compiled.
pub(crate) const TABLE_PATH: &str = "src/routes.table";

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const AUTHS: &[&str] = &["None", "Bearer", "Refresh"];

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub name: String,
    pub method: String,
    pub path: String,
    pub auth: String,
    pub permissions: Vec<String>,
    /// `(constant name, permission node)`.
    pub conditional: Vec<(String, String)>,
    pub status: u16,
    pub message: String,
    pub hidden: bool,
    /// `#[read_only]`: a POST that changes nothing (a permission check), so it is not audited.
    pub read_only: bool,
}

impl Row {
    /// The operation id: the name with its first letter in lower case.
    pub fn operation_id(&self) -> String {
        let mut chars = self.name.chars();
        let first = chars.next().map(|c| c.to_ascii_lowercase());
        first.into_iter().chain(chars).collect()
    }
}

/// The whole table, in file order.
#[derive(Debug)]
pub(crate) struct Table {
    pub rows: Vec<Row>,
}

impl Table {
    /// Reads and checks the table of the crate being compiled.
    pub fn load() -> syn::Result<Table> {
        let at = |message: String| syn::Error::new(Span::call_site(), message);
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .map_err(|_| at("CARGO_MANIFEST_DIR is not set: build with cargo".into()))?;
        let path = std::path::Path::new(&dir).join(TABLE_PATH);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            at(format!(
                "cannot read the route table {}: {e}",
                path.display()
            ))
        })?;
        Table::parse(&text).map_err(|e| at(format!("{TABLE_PATH}:{e}")))
    }

    /// Parses and checks a table; an error starts with the line number.
    pub fn parse(text: &str) -> Result<Table, String> {
        let mut rows: Vec<Row> = Vec::new();
        // Names start with a capital letter, so distinct names are distinct operation ids.
        let (mut names, mut routes) = (HashSet::new(), HashSet::new());
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with("//") {
                continue;
            }
            let at = |message: String| format!("{}: {message}", index + 1);
            let row: Row = syn::parse_str(trimmed).map_err(|e| at(e.to_string()))?;
            if !names.insert(row.name.clone()) {
                return Err(at(format!("route {} is already in the table", row.name)));
            }
            if !routes.insert((row.method.clone(), row.path.clone())) {
                return Err(at(format!(
                    "{} {} is already in the table",
                    row.method, row.path
                )));
            }
            rows.push(row);
        }
        Ok(Table { rows })
    }

    /// The row of route `name`.
    pub fn get(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.name == name)
    }
}

/// `NAME = "node"` in the conditional column.
struct ConditionalColumn {
    name: Ident,
    node: LitStr,
}

impl Parse for ConditionalColumn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = input.parse()?;
        input.parse::<Token![=]>()?;
        let node = input.parse()?;
        Ok(ConditionalColumn { name, node })
    }
}

fn one_of(ident: &Ident, allowed: &[&str], what: &str) -> syn::Result<String> {
    let text = ident.to_string();
    if allowed.contains(&text.as_str()) {
        Ok(text)
    } else {
        Err(syn::Error::new(
            ident.span(),
            format!("`{text}` is not {what} (one of {})", allowed.join(", ")),
        ))
    }
}

impl Parse for Row {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let (mut hidden, mut read_only) = (false, false);
        while input.peek(Token![#]) {
            input.parse::<Token![#]>()?;
            let flag;
            bracketed!(flag in input);
            let ident: Ident = flag.parse()?;
            let set = match ident.to_string().as_str() {
                "hidden" => &mut hidden,
                "read_only" => &mut read_only,
                _ => {
                    return Err(syn::Error::new(
                        ident.span(),
                        "the flags are `#[hidden]` and `#[read_only]`",
                    ));
                }
            };
            if !flag.is_empty() || *set {
                return Err(syn::Error::new(
                    ident.span(),
                    "a flag takes no arguments, once",
                ));
            }
            *set = true;
        }
        let name: Ident = input.parse()?;
        let name = name.to_string();
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) || !name.is_ascii() {
            return Err(input.error(format!(
                "route name `{name}` must be ASCII and start with a capital letter"
            )));
        }
        let method = one_of(&input.parse()?, METHODS, "a method")?;
        let path: LitStr = input.parse()?;
        let path = path.value();
        if !path.starts_with('/') {
            return Err(input.error(format!("path `{path}` must start with `/`")));
        }
        let auth = one_of(&input.parse()?, AUTHS, "an authentication")?;
        let content;
        bracketed!(content in input);
        let permissions = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
            .iter()
            .map(LitStr::value)
            .collect();
        let content;
        bracketed!(content in input);
        let conditional: Vec<(String, String)> =
            Punctuated::<ConditionalColumn, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .map(|c| (c.name.to_string(), c.node.value()))
                .collect();
        if let Some((name, _)) = conditional.iter().find(|(name, _)| name == "SPEC") {
            return Err(input.error(format!("`{name}` is the row's own constant")));
        }
        let status: LitInt = input.parse()?;
        let status: u16 = status.base10_parse()?;
        if !(100..=599).contains(&status) {
            return Err(input.error(format!("status {status} is not an HTTP status")));
        }
        let message: LitStr = input.parse()?;
        input.parse::<Token![;]>()?;
        if !input.is_empty() {
            return Err(input.error("one route per line"));
        }
        Ok(Row {
            name,
            method,
            path,
            auth,
            permissions,
            conditional,
            status,
            message: message.value(),
            hidden,
            read_only,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"
// a comment
GetRole GET "/role/:identifier" Bearer ["role.read"] [] 200 "Role Fetched Successfully!";
#[hidden] AuthSocket GET "/auth/socket" None [] [] 101 "Tokens are sent on this socket";
GetCompany GET "/company/:id" Bearer ["company.fetch"] [ADDRESS = "company.fetch.address", CONTACTS = "company.fetch.contacts"] 200 "Fetched";
"#;

    #[test]
    fn reads_every_column() {
        let table = Table::parse(TABLE).unwrap();
        assert_eq!(table.rows.len(), 3);
        let role = table.get("GetRole").unwrap();
        assert_eq!(role.operation_id(), "getRole");
        assert_eq!(
            (role.method.as_str(), role.path.as_str(), role.auth.as_str()),
            ("GET", "/role/:identifier", "Bearer")
        );
        assert_eq!(role.permissions, ["role.read"]);
        assert_eq!(
            (role.status, role.message.as_str()),
            (200, "Role Fetched Successfully!")
        );
        assert!(!role.hidden);
        assert!(table.get("AuthSocket").unwrap().hidden);
        assert_eq!(
            table.get("GetCompany").unwrap().conditional,
            [
                ("ADDRESS".to_owned(), "company.fetch.address".to_owned()),
                ("CONTACTS".to_owned(), "company.fetch.contacts".to_owned())
            ]
        );
        assert!(table.get("getRole").is_none());
    }

    fn error_of(table: &str) -> String {
        Table::parse(table).unwrap_err()
    }

    #[test]
    fn errors_name_the_line_and_what_is_wrong() {
        let ok = r#"A GET "/a" None [] [] 200 "a";"#;
        assert!(
            error_of(&format!("{ok}\nB FETCH \"/b\" None [] [] 200 \"b\";"))
                .starts_with("2: `FETCH` is not a method")
        );
        assert!(error_of(r#"A GET "/a" Cookie [] [] 200 "a";"#).contains("not an authentication"));
        assert!(error_of(&format!("{ok}\n\n{ok}")).starts_with("3: route A is already"));
        assert!(
            error_of(&format!("{ok}\nB GET \"/a\" None [] [] 200 \"b\";"))
                .contains("GET /a is already")
        );
        assert!(error_of(r#"getA GET "/a" None [] [] 200 "a";"#).contains("capital letter"));
        assert!(error_of(r#"A GET "a" None [] [] 200 "a";"#).contains("must start with `/`"));
        assert!(error_of(r#"A GET "/a" None [] [] 200 "a""#).contains("expected `;`"));
        assert!(error_of(&format!("{ok} {ok}")).contains("one route per line"));
        assert!(error_of(r#"A GET "/a" None [] [] 1000 "a";"#).contains("not an HTTP status"));
        assert!(error_of(r#"#[secret] A GET "/a" None [] [] 200 "a";"#).contains("#[hidden]"));
    }
}
