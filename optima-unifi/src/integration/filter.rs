//! A typed builder of the Integration API's `filter` query parameter.
//!
//! The grammar, as Ubiquiti documents it (tag "Filtering" of the Network API spec):
//!
//! - property expressions `<property>.<function>(<arguments>)`, arguments separated by commas,
//!   nested properties joined by dots: `name.eq('x')`, `access.type.eq('GUEST')`,
//!   `createdAt.in(2025-01-01, 2025-01-05)`, `name.isNotNull()`;
//! - compound expressions of **two or more** expressions: `and(a, b)`, `or(a, b, c)`;
//! - negation: `not(a)`;
//! - literals: strings in single quotes with `'` doubled (`'O''Brien'`); integers, decimals,
//!   timestamps (ISO 8601), booleans and UUIDs unquoted; sets as `[1, 2, 3]`;
//! - `like` patterns: `.` matches one character, `*` any number, `\` escapes either
//!   (see [`like_literal`]).
//!
//! ```
//! use optima_unifi::integration::filter::{Filter, Uuid, prop};
//!
//! let f = Filter::and([
//!     prop("name").eq("O'Brien"),
//!     prop("expired").eq(true),
//!     prop("timeLimitMinutes").ge(60),
//! ]);
//! assert_eq!(
//!     f.to_query().unwrap(),
//!     "and(name.eq('O''Brien'), expired.eq(true), timeLimitMinutes.ge(60))"
//! );
//!
//! let id = Uuid::parse("550e8400-e29b-41d4-a716-446655440000").unwrap();
//! assert_eq!(
//!     Filter::not(prop("id").is_in([id])).to_query().unwrap(),
//!     "not(id.in(550e8400-e29b-41d4-a716-446655440000))"
//! );
//! ```
//!
//! Mistakes the grammar cannot express (an empty `and()`, an `in()` without values, a property
//! name that is not a dotted identifier, a non-finite decimal) are refused by
//! [`Filter::to_query`] with [`Error::InvalidInput`] before any request is sent. An `and`/`or`
//! of a single expression, which the server would refuse, is sent as that expression alone.

use std::fmt::Write as _;

use crate::error::{Error, Result};

/// A UUID literal (8-4-4-4-12 hex digits), written unquoted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uuid(String);

impl Uuid {
    /// Checks the 8-4-4-4-12 shape and keeps the text lower-cased.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `s` is not a UUID.
    pub fn parse(s: &str) -> Result<Self> {
        let groups: Vec<&str> = s.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        let ok = groups.len() == 5
            && groups
                .iter()
                .zip(lens)
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
        if ok {
            Ok(Uuid(s.to_ascii_lowercase()))
        } else {
            Err(Error::InvalidInput(format!("not a UUID: {s:?}")))
        }
    }

    /// The UUID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A timestamp literal: an ISO 8601 date (`2025-01-29`) or date-time (`2025-01-29T12:39:11Z`),
/// written unquoted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp(String);

impl Timestamp {
    /// Checks that `s` looks like an ISO 8601 date or date-time: it starts with `YYYY-MM-DD` and
    /// holds nothing but digits and `-:.TZ+`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] otherwise (such text could not be sent unquoted safely).
    pub fn parse(s: &str) -> Result<Self> {
        let b = s.as_bytes();
        let date_ok = b.len() >= 10
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..7].iter().all(u8::is_ascii_digit)
            && b[7] == b'-'
            && b[8..10].iter().all(u8::is_ascii_digit);
        let rest_ok = b[b.len().min(10)..]
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b':' | b'.' | b'T' | b'Z' | b'+'));
        if date_ok && rest_ok {
            Ok(Timestamp(s.to_owned()))
        } else {
            Err(Error::InvalidInput(format!(
                "not an ISO 8601 date or date-time: {s:?}"
            )))
        }
    }

    /// The timestamp as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One literal argument of a filter function.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FilterValue {
    /// `STRING`: written in single quotes, `'` doubled.
    String(String),
    /// `INTEGER`: written as is.
    Integer(i64),
    /// `DECIMAL`: written as is (must be finite).
    Decimal(f64),
    /// `BOOLEAN`: `true` / `false`.
    Bool(bool),
    /// `UUID`: unquoted.
    Uuid(Uuid),
    /// `TIMESTAMP`: unquoted.
    Timestamp(Timestamp),
    /// `SET(...)`: `[a, b, c]`.
    Set(Vec<FilterValue>),
}

impl FilterValue {
    /// A set literal, `[a, b, c]`.
    pub fn set<I, V>(values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        FilterValue::Set(values.into_iter().map(Into::into).collect())
    }

    fn write(&self, out: &mut String) -> Result<()> {
        match self {
            FilterValue::String(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
            FilterValue::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            FilterValue::Decimal(d) => {
                if !d.is_finite() {
                    return Err(Error::InvalidInput(format!(
                        "a filter decimal must be finite, got {d}"
                    )));
                }
                let _ = write!(out, "{d}");
            }
            FilterValue::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            FilterValue::Uuid(u) => out.push_str(u.as_str()),
            FilterValue::Timestamp(t) => out.push_str(t.as_str()),
            FilterValue::Set(items) => {
                out.push('[');
                write_list(out, items)?;
                out.push(']');
            }
        }
        Ok(())
    }
}

fn write_list(out: &mut String, items: &[FilterValue]) -> Result<()> {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        v.write(out)?;
    }
    Ok(())
}

impl From<&str> for FilterValue {
    fn from(s: &str) -> Self {
        FilterValue::String(s.to_owned())
    }
}

impl From<String> for FilterValue {
    fn from(s: String) -> Self {
        FilterValue::String(s)
    }
}

impl From<&String> for FilterValue {
    fn from(s: &String) -> Self {
        FilterValue::String(s.clone())
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for FilterValue {
            fn from(i: $t) -> Self {
                FilterValue::Integer(i64::from(i))
            }
        }
    )*};
}
from_int!(i8, i16, i32, u8, u16, u32);

impl From<i64> for FilterValue {
    fn from(i: i64) -> Self {
        FilterValue::Integer(i)
    }
}

impl From<f64> for FilterValue {
    fn from(d: f64) -> Self {
        FilterValue::Decimal(d)
    }
}

impl From<f32> for FilterValue {
    fn from(d: f32) -> Self {
        FilterValue::Decimal(f64::from(d))
    }
}

impl From<bool> for FilterValue {
    fn from(b: bool) -> Self {
        FilterValue::Bool(b)
    }
}

impl From<Uuid> for FilterValue {
    fn from(u: Uuid) -> Self {
        FilterValue::Uuid(u)
    }
}

impl From<&Uuid> for FilterValue {
    fn from(u: &Uuid) -> Self {
        FilterValue::Uuid(u.clone())
    }
}

impl From<Timestamp> for FilterValue {
    fn from(t: Timestamp) -> Self {
        FilterValue::Timestamp(t)
    }
}

/// Escapes `\`, `.` and `*` in `text` so that a `like` pattern matches it literally; add your
/// own wildcards around it: `prop("name").like(format!("{}*", like_literal("v1.2")))` matches
/// names starting with `v1.2`.
///
/// The docs say `\` escapes `.` and `*`; doubling a literal `\` follows from that but is not
/// spelled out by Ubiquiti.
pub fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '.' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A property to apply a function to: `prop("name")`, `prop("access.type")`.
pub fn prop(name: impl Into<String>) -> Property {
    Property(name.into())
}

/// A (possibly nested, dot-separated) property name; its methods make [`Filter`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property(String);

// The method names mirror the API's functions (`isNull`, `in`, `isEmpty`), and each consumes
// the property to make a filter.
#[allow(clippy::wrong_self_convention)]
impl Property {
    fn call(self, function: &'static str, args: Vec<FilterValue>) -> Filter {
        Filter::Call {
            property: self.0,
            function,
            args,
        }
    }

    fn call_many<I, V>(self, function: &'static str, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        self.call(function, values.into_iter().map(Into::into).collect())
    }

    /// `prop.isNull()`.
    pub fn is_null(self) -> Filter {
        self.call("isNull", Vec::new())
    }
    /// `prop.isNotNull()`.
    pub fn is_not_null(self) -> Filter {
        self.call("isNotNull", Vec::new())
    }
    /// `prop.eq(v)`.
    pub fn eq(self, v: impl Into<FilterValue>) -> Filter {
        self.call("eq", vec![v.into()])
    }
    /// `prop.ne(v)`.
    pub fn ne(self, v: impl Into<FilterValue>) -> Filter {
        self.call("ne", vec![v.into()])
    }
    /// `prop.gt(v)`.
    pub fn gt(self, v: impl Into<FilterValue>) -> Filter {
        self.call("gt", vec![v.into()])
    }
    /// `prop.ge(v)`.
    pub fn ge(self, v: impl Into<FilterValue>) -> Filter {
        self.call("ge", vec![v.into()])
    }
    /// `prop.lt(v)`.
    pub fn lt(self, v: impl Into<FilterValue>) -> Filter {
        self.call("lt", vec![v.into()])
    }
    /// `prop.le(v)`.
    pub fn le(self, v: impl Into<FilterValue>) -> Filter {
        self.call("le", vec![v.into()])
    }
    /// `prop.like('pattern')`: `pattern` is sent as written, so `.` and `*` are wildcards
    /// (use [`like_literal`] for text that must match literally).
    pub fn like(self, pattern: impl Into<String>) -> Filter {
        self.call("like", vec![FilterValue::String(pattern.into())])
    }
    /// `prop.in(a, b, …)` (one value or more).
    pub fn is_in<I, V>(self, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        self.call_many("in", values)
    }
    /// `prop.notIn(a, b, …)` (one value or more).
    pub fn not_in<I, V>(self, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        self.call_many("notIn", values)
    }
    /// `prop.isEmpty()` (set properties).
    pub fn is_empty(self) -> Filter {
        self.call("isEmpty", Vec::new())
    }
    /// `prop.contains(v)` (set properties).
    pub fn contains(self, v: impl Into<FilterValue>) -> Filter {
        self.call("contains", vec![v.into()])
    }
    /// `prop.containsAny(a, b, …)` (set properties).
    pub fn contains_any<I, V>(self, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        self.call_many("containsAny", values)
    }
    /// `prop.containsAll(a, b, …)` (set properties).
    pub fn contains_all<I, V>(self, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        self.call_many("containsAll", values)
    }
    /// `prop.containsExactly(a, b, …)` (set properties).
    pub fn contains_exactly<I, V>(self, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        self.call_many("containsExactly", values)
    }
}

/// A filter expression; [`Filter::to_query`] writes it in the documented syntax.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Filter {
    /// `property.function(args)`.
    Call {
        /// Dot-separated property name.
        property: String,
        /// Function name as sent (`eq`, `notIn`, `isNull` …).
        function: &'static str,
        /// Arguments.
        args: Vec<FilterValue>,
    },
    /// `and(a, b, …)`.
    And(Vec<Filter>),
    /// `or(a, b, …)`.
    Or(Vec<Filter>),
    /// `not(a)`.
    Not(Box<Filter>),
    /// Text sent exactly as given (for syntax this builder lacks); not checked.
    Raw(String),
}

impl Filter {
    /// `and(a, b, …)`: every expression holds.
    pub fn and(parts: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::And(parts.into_iter().collect())
    }

    /// `or(a, b, …)`: any expression holds.
    pub fn or(parts: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::Or(parts.into_iter().collect())
    }

    /// `not(a)`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(inner: Filter) -> Filter {
        Filter::Not(Box::new(inner))
    }

    /// A filter written by hand, sent as is.
    pub fn raw(text: impl Into<String>) -> Filter {
        Filter::Raw(text.into())
    }

    /// `self` and `other`; nests flatly when `self` is already an `and`.
    pub fn and_also(self, other: Filter) -> Filter {
        match self {
            Filter::And(mut parts) => {
                parts.push(other);
                Filter::And(parts)
            }
            first => Filter::And(vec![first, other]),
        }
    }

    /// The value of the `filter` query parameter.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an `and`/`or` of no expressions, a function that needs
    /// arguments and got none (`in`, `notIn`, `containsAny` …), a property name that is not a
    /// dot-separated list of identifiers, or a non-finite decimal.
    pub fn to_query(&self) -> Result<String> {
        let mut out = String::new();
        self.write(&mut out)?;
        Ok(out)
    }

    fn write(&self, out: &mut String) -> Result<()> {
        match self {
            Filter::Call {
                property,
                function,
                args,
            } => {
                check_property(property)?;
                let arity_ok = match *function {
                    "isNull" | "isNotNull" | "isEmpty" => args.is_empty(),
                    "in" | "notIn" | "containsAny" | "containsAll" | "containsExactly" => {
                        !args.is_empty()
                    }
                    _ => args.len() == 1,
                };
                if !arity_ok {
                    return Err(Error::InvalidInput(format!(
                        "filter function {property}.{function} got {} argument(s)",
                        args.len()
                    )));
                }
                out.push_str(property);
                out.push('.');
                out.push_str(function);
                out.push('(');
                write_list(out, args)?;
                out.push(')');
            }
            Filter::And(parts) => write_compound(out, "and", parts)?,
            Filter::Or(parts) => write_compound(out, "or", parts)?,
            Filter::Not(inner) => {
                out.push_str("not(");
                inner.write(out)?;
                out.push(')');
            }
            Filter::Raw(text) => out.push_str(text),
        }
        Ok(())
    }
}

fn write_compound(out: &mut String, op: &str, parts: &[Filter]) -> Result<()> {
    match parts {
        [] => Err(Error::InvalidInput(format!(
            "a filter {op}() needs at least one expression (two or more to combine)"
        ))),
        // The grammar wants two or more; one expression on its own means the same thing.
        [only] => only.write(out),
        _ => {
            out.push_str(op);
            out.push('(');
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                p.write(out)?;
            }
            out.push(')');
            Ok(())
        }
    }
}

fn check_property(p: &str) -> Result<()> {
    let ok = !p.is_empty()
        && p.split('.').all(|seg| {
            let mut b = seg.bytes();
            b.next().is_some_and(|c| c.is_ascii_alphabetic())
                && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "filter property {p:?} is not a dot-separated name"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(f: Filter) -> String {
        f.to_query().unwrap()
    }

    #[test]
    fn property_expressions_follow_the_documented_examples() {
        assert_eq!(q(prop("id").eq(123)), "id.eq(123)");
        assert_eq!(q(prop("name").is_not_null()), "name.isNotNull()");
        let a = Timestamp::parse("2025-01-01").unwrap();
        let b = Timestamp::parse("2025-01-05").unwrap();
        assert_eq!(
            q(prop("createdAt").is_in([a, b])),
            "createdAt.in(2025-01-01, 2025-01-05)"
        );
        assert_eq!(
            q(prop("access.type").eq("GUEST")),
            "access.type.eq('GUEST')"
        );
        assert_eq!(q(prop("name").like("guest*")), "name.like('guest*')");
        assert_eq!(q(prop("expired").ne(false)), "expired.ne(false)");
        assert_eq!(q(prop("vlanId").lt(4009u32)), "vlanId.lt(4009)");
        assert_eq!(q(prop("vlanId").le(30i64)), "vlanId.le(30)");
        assert_eq!(q(prop("vlanId").gt(1)), "vlanId.gt(1)");
        assert_eq!(q(prop("code").not_in(["1", "2"])), "code.notIn('1', '2')");
        assert_eq!(q(prop("x").is_null()), "x.isNull()");
    }

    #[test]
    fn strings_double_single_quotes_and_keep_other_characters() {
        assert_eq!(
            q(prop("name").eq("Hello, 'World'!")),
            "name.eq('Hello, ''World''!')"
        );
        assert_eq!(q(prop("name").eq("''")), "name.eq('''''')");
        assert_eq!(
            q(prop("name").eq("a), or(b")),
            "name.eq('a), or(b')",
            "parentheses and commas stay inside the quotes"
        );
    }

    #[test]
    fn numbers_booleans_uuids_and_timestamps_are_unquoted() {
        let id = Uuid::parse("550E8400-E29B-41D4-A716-446655440000").unwrap();
        assert_eq!(
            q(prop("id").eq(id)),
            "id.eq(550e8400-e29b-41d4-a716-446655440000)"
        );
        assert_eq!(q(prop("rate").ge(123.321)), "rate.ge(123.321)");
        assert_eq!(q(prop("rate").ge(5.0)), "rate.ge(5)");
        assert_eq!(q(prop("enabled").eq(true)), "enabled.eq(true)");
        let t = Timestamp::parse("2025-01-29T12:39:11Z").unwrap();
        assert_eq!(
            q(prop("createdAt").gt(t)),
            "createdAt.gt(2025-01-29T12:39:11Z)"
        );
    }

    #[test]
    fn set_literals_and_set_functions() {
        assert_eq!(
            q(prop("broadcastingFrequenciesGHz").contains_exactly([2.4, 5.0])),
            "broadcastingFrequenciesGHz.containsExactly(2.4, 5)"
        );
        assert_eq!(
            q(prop("broadcastingFrequenciesGHz").contains(6)),
            "broadcastingFrequenciesGHz.contains(6)"
        );
        assert_eq!(q(prop("tags").is_empty()), "tags.isEmpty()");
        assert_eq!(q(prop("ids").contains_any(["a"])), "ids.containsAny('a')");
        assert_eq!(q(prop("ids").contains_all([1, 2])), "ids.containsAll(1, 2)");
        assert_eq!(
            q(prop("xs").eq(FilterValue::set([1, 2, 3]))),
            "xs.eq([1, 2, 3])"
        );
    }

    #[test]
    fn compounds_and_negation_nest() {
        let f = Filter::and([
            prop("name").eq("O'Brien"),
            Filter::or([
                prop("expired").eq(true),
                Filter::not(prop("name").like("guest*")),
            ]),
        ]);
        assert_eq!(
            q(f),
            "and(name.eq('O''Brien'), or(expired.eq(true), not(name.like('guest*'))))"
        );
        assert_eq!(
            q(Filter::or([
                prop("name").is_null(),
                prop("expired").is_null(),
                prop("expiresAt").is_null()
            ])),
            "or(name.isNull(), expired.isNull(), expiresAt.isNull())"
        );
        assert_eq!(
            q(prop("a")
                .eq(1)
                .and_also(prop("b").eq(2))
                .and_also(prop("c").eq(3))),
            "and(a.eq(1), b.eq(2), c.eq(3))"
        );
    }

    #[test]
    fn compounds_of_fewer_than_two_are_refused_or_collapsed() {
        assert!(matches!(
            Filter::and(Vec::<Filter>::new()).to_query(),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            Filter::or(Vec::<Filter>::new()).to_query(),
            Err(Error::InvalidInput(_))
        ));
        assert_eq!(q(Filter::and([prop("a").eq(1)])), "a.eq(1)");
        assert_eq!(q(Filter::or([prop("a").eq(1)])), "a.eq(1)");
        assert!(matches!(
            Filter::not(Filter::and(Vec::<Filter>::new())).to_query(),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn malformed_expressions_are_refused() {
        let empty: [i64; 0] = [];
        assert!(prop("id").is_in(empty).to_query().is_err());
        assert!(prop("id").not_in(empty).to_query().is_err());
        assert!(prop("id").contains_any(empty).to_query().is_err());
        assert!(prop("name) or(x").eq(1).to_query().is_err());
        assert!(prop("").eq(1).to_query().is_err());
        assert!(prop("a..b").eq(1).to_query().is_err());
        assert!(prop("1a").eq(1).to_query().is_err());
        assert!(prop("x").eq(f64::NAN).to_query().is_err());
        assert!(prop("x").eq(f64::INFINITY).to_query().is_err());
        assert_eq!(
            q(prop("network.networkId").is_null()),
            "network.networkId.isNull()"
        );
    }

    #[test]
    fn literal_parsers_refuse_what_could_not_go_unquoted() {
        assert!(Uuid::parse("550e8400-e29b-41d4-a716-44665544000").is_err());
        assert!(Uuid::parse("550e8400-e29b-41d4-a716-44665544000g").is_err());
        assert!(Uuid::parse("x) or(y").is_err());
        assert!(Timestamp::parse("2025-01-29").is_ok());
        assert!(Timestamp::parse("2025-01-29T12:39:11.123+02:00").is_ok());
        assert!(Timestamp::parse("2025-1-29").is_err());
        assert!(Timestamp::parse("2025-01-29), x.eq(1").is_err());
    }

    #[test]
    fn like_literal_escapes_wildcards() {
        assert_eq!(like_literal("type."), "type\\.");
        assert_eq!(like_literal("a*b\\c"), "a\\*b\\\\c");
        assert_eq!(
            q(prop("name").like(format!("{}*", like_literal("v1.2")))),
            "name.like('v1\\.2*')"
        );
        assert_eq!(
            q(prop("name").like(like_literal("it's"))),
            "name.like('it''s')"
        );
    }
}
