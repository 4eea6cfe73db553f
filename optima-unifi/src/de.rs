//! What UniFi's JSON needs beyond the shared lenient deserialisers (`optima_http::lenient`):
//! `"auto"`-or-a-number values, and string enums that keep values they do not know.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A value that a controller sends either as `"auto"` or as a number (`channel`, `tx_power`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum AutoOr {
    /// The controller chooses (`"auto"`).
    Auto,
    /// A fixed value (from a number or a numeric string).
    Value(f64),
}

impl AutoOr {
    /// The fixed value as an integer, `None` for `Auto`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AutoOr::Auto => None,
            AutoOr::Value(v) => Some(*v as i64),
        }
    }

    /// True for `"auto"`.
    pub fn is_auto(&self) -> bool {
        matches!(self, AutoOr::Auto)
    }
}

impl std::fmt::Display for AutoOr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AutoOr::Auto => f.write_str("auto"),
            AutoOr::Value(v) if v.fract() == 0.0 => write!(f, "{}", *v as i64),
            AutoOr::Value(v) => write!(f, "{v}"),
        }
    }
}

impl Serialize for AutoOr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            AutoOr::Auto => s.serialize_str("auto"),
            AutoOr::Value(v) if v.fract() == 0.0 => s.serialize_i64(*v as i64),
            AutoOr::Value(v) => s.serialize_f64(*v),
        }
    }
}

/// `Option<AutoOr>` from `"auto"`, a number, a numeric string, `""` or `null`.
pub(crate) fn auto_or<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AutoOr>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64().map(AutoOr::Value)),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                Ok(None)
            } else if t.eq_ignore_ascii_case("auto") {
                Ok(Some(AutoOr::Auto))
            } else {
                t.parse::<f64>()
                    .map(|v| Some(AutoOr::Value(v)))
                    .map_err(|_| {
                        D::Error::custom(format!("expected \"auto\" or a number, got {s:?}"))
                    })
            }
        }
        other => Err(D::Error::custom(format!(
            "expected \"auto\" or a number, got {other}"
        ))),
    }
}

/// Declares a string enum whose unknown values are kept in `Other(String)`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as the controller spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(s) => s.as_str(),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $text => $name::$variant, )*
                    other => $name::Other(other.to_string()),
                })
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.parse() {
                    Ok(v) => v,
                    Err(e) => match e {},
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}

pub(crate) use open_enum;
