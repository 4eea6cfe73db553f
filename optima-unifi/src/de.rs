//! Lenient deserializers for the controller's sloppy JSON: numbers that arrive as numbers,
//! strings or `""`, booleans as strings, `null` where a list is expected.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

fn value_to_i64(v: &Value) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("expected an integer, got {n}")),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => {
            let t = s.trim();
            t.parse::<i64>()
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.fract() == 0.0)
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or_else(|| format!("expected an integer, got string {s:?}"))
        }
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        other => Err(format!("expected an integer, got {other}")),
    }
}

/// `Option<i64>` from a number, a numeric string, `""` or `null`.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Value::deserialize(d)?;
    value_to_i64(&v).map_err(D::Error::custom)
}

/// `Option<f64>` from a number, a numeric string, `""` or `null`.
pub(crate) fn float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a number, got string {s:?}"))),
        other => Err(D::Error::custom(format!("expected a number, got {other}"))),
    }
}

/// `Option<bool>` from a bool, `"true"`/`"false"`, `0`/`1`, `""` or `null`.
pub(crate) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(D::Error::custom(format!("expected a boolean, got {n}"))),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!(
                "expected a boolean, got string {s:?}"
            ))),
        },
        other => Err(D::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

/// `Option<String>` from a string or a number (rendered as text); `null` is `None`, `""` stays `""`.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(D::Error::custom(format!("expected a string, got {other}"))),
    }
}

/// A list where `null` or `""` means empty. Elements are deserialized in place, so decode errors
/// keep their JSON path.
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ListVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list, null or an empty string")
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            if s.is_empty() {
                Ok(Vec::new())
            } else {
                Err(E::invalid_type(serde::de::Unexpected::Str(s), &self))
            }
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }
    }

    d.deserialize_any(ListVisitor(std::marker::PhantomData))
}

/// Secret string from a string; `null` is `None`.
pub(crate) fn secret<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<secrecy::SecretString>, D::Error> {
    Ok(string(d)?.map(secrecy::SecretString::from))
}

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

/// Writes a secret in clear, for the bodies sent to the controller (the counterpart of
/// [`secret`]; `Debug` of the models still redacts it).
pub(crate) fn ser_secret<S: serde::Serializer>(
    v: &Option<secrecy::SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret as _;
    match v {
        Some(v) => s.serialize_str(v.expose_secret()),
        None => s.serialize_none(),
    }
}
