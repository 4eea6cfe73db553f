//! Lenient deserializers for vendor fields that are sloppy about their types.
//!
//! Vendors (ConnectWise and the PSA integrations that write to it, UniFi controllers) send
//! numbers as JSON numbers, as strings (`"12.50"`) or as empty strings (`""`), booleans as
//! `true`, `"true"`, `"1"`, `"on"` or `""`, and `null` or `""` where a list belongs. The
//! functions here are meant for `#[serde(default, deserialize_with = "...")]` on `Option` (or
//! `Vec`) fields: they accept every one of those forms and map empty or `null` values to `None`
//! (strings keep `""`: for text, empty is a value).
//! A value that cannot be read as the target type is still an error, so the decode error names
//! the offending JSON path (see [`from_slice`]).

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};
use serde::de::{self, Deserializer, Visitor};

struct NumVisitor<T>(std::marker::PhantomData<T>);

trait LenientNum: Sized {
    const EXPECTING: &'static str;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn parse(s: &str) -> Option<Self>;
    fn from_bool(v: bool) -> Option<Self>;
}

impl LenientNum for i64 {
    const EXPECTING: &'static str = "an integer, an integer string, an empty string or null";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        // Accept integral floats such as `12.0`, which some writers emit.
        if v.fract() == 0.0 && v.is_finite() && v.abs() < 9.0e15 {
            #[allow(clippy::cast_possible_truncation)]
            Some(v as i64)
        } else {
            None
        }
    }
    fn parse(s: &str) -> Option<Self> {
        s.parse::<i64>()
            .ok()
            .or_else(|| s.parse::<f64>().ok().and_then(Self::from_f64))
    }
    /// UniFi writes some counters and flags as `true`/`false`.
    fn from_bool(v: bool) -> Option<Self> {
        Some(i64::from(v))
    }
}

impl LenientNum for f64 {
    const EXPECTING: &'static str = "a number, a numeric string, an empty string or null";
    fn from_i64(v: i64) -> Option<Self> {
        #[allow(clippy::cast_precision_loss)]
        Some(v as f64)
    }
    fn from_u64(v: u64) -> Option<Self> {
        #[allow(clippy::cast_precision_loss)]
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn parse(s: &str) -> Option<Self> {
        if s.contains(',') {
            // Thousands separators only (`1,299.50`): `1,5` is not a number we can trust.
            return without_thousands_separators(s)?.parse::<f64>().ok();
        }
        s.parse::<f64>().ok()
    }
    /// A price of `true` is a bug at the vendor, not 1.0.
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

/// `1,299.50` as `1299.50`, when every comma separates a group of three digits of the integer
/// part; `None` otherwise.
fn without_thousands_separators(s: &str) -> Option<String> {
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let digits = int.strip_prefix(['-', '+']).unwrap_or(int);
    let mut groups = digits.split(',');
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_digit());
    let rest_ok = groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    if !(first_ok && rest_ok) || frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    Some(s.replace(',', ""))
}

impl<'de, T: LenientNum> Visitor<'de> for NumVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::from_i64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::from_u64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::from_f64(v)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        T::from_bool(v)
            .map(Some)
            .ok_or_else(|| E::invalid_type(de::Unexpected::Bool(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("null") {
            return Ok(None);
        }
        T::parse(t)
            .map(Some)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Deserializes an optional integer from a number, a numeric string, a boolean (0/1, as UniFi
/// sends some), `""` or `null`.
///
/// # Errors
/// Fails on values that are not numbers (for example `"abc"` or `{}`).
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(NumVisitor::<i64>(std::marker::PhantomData))
}

/// Deserializes an optional float from a number, a numeric string (`1,299.50` included, but
/// not `1,5`), `""` or `null`.
///
/// # Errors
/// Fails on values that are not numbers (for example `"abc"` or `{}`).
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(NumVisitor::<f64>(std::marker::PhantomData))
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, \"true\"/\"false\", 0/1, an empty string or null")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "" | "null" => Ok(None),
            "true" | "1" | "yes" | "y" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "n" | "off" => Ok(Some(false)),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Deserializes an optional boolean from `true`/`false`, `"true"`/`"false"`, `"yes"`/`"no"`,
/// `"on"`/`"off"`, `0`/`1`, `""` or `null`.
///
/// # Errors
/// Fails on any other value.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(BoolVisitor)
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // `{:?}` keeps `1.0` as sent; `to_string` would make it `1`.
        Ok(Some(format!("{v:?}")))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Deserializes an optional string, accepting numbers and booleans as their text.
///
/// Useful for identifiers that some records carry as `12345` and others as `"12345"`.
///
/// # Errors
/// Fails on arrays and objects.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(StrVisitor)
}

/// Deserializes a list that may be missing, `null` or `""` (all three become an empty `Vec`).
///
/// Elements are deserialized in place, so an element's decode error keeps its JSON path.
///
/// # Errors
/// Fails when the value is neither an array, `null` nor `""`, or when an element fails.
pub fn vec_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    struct ListVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, null or an empty string")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            if s.is_empty() {
                Ok(Vec::new())
            } else {
                Err(E::invalid_type(de::Unexpected::Str(s), &self))
            }
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }
    }

    d.deserialize_any(ListVisitor(std::marker::PhantomData))
}

/// Deserializes an optional secret (a password, a passphrase) from a string or a number;
/// `null` is `None`. The value is never shown by `Debug`.
///
/// # Errors
/// Fails on arrays and objects.
pub fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(opt_string(d)?.map(SecretString::from))
}

/// Writes an optional secret in clear, for the bodies sent to a vendor: the counterpart of
/// [`opt_secret`] for `#[serde(serialize_with = "...")]`.
///
/// # Errors
/// Only the serializer's own.
pub fn ser_opt_secret<S: serde::Serializer>(
    v: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(v.expose_secret()),
        None => s.serialize_none(),
    }
}

/// Decodes JSON; on failure, names the JSON path of the value that failed (e.g. `data[3].price`).
///
/// The fast path is plain `serde_json`: only a body that fails is decoded a second time, with
/// `serde_path_to_error`, to find the path, so success costs nothing extra.
///
/// # Errors
/// The path (`.` for the root) and serde's error.
pub fn from_slice<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => Ok(v),
        Err(_) => {
            let de = &mut serde_json::Deserializer::from_slice(bytes);
            serde_path_to_error::deserialize::<_, T>(de)
        }
    }
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Option<chrono::DateTime<chrono::Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date-time, an empty string or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
            return Ok(Some(dt.with_timezone(&chrono::Utc)));
        }
        // Some records carry no offset ("2024-05-01T14:22:10"); ConnectWise means UTC.
        for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
            if let Ok(n) = chrono::NaiveDateTime::parse_from_str(t, fmt) {
                return Ok(Some(n.and_utc()));
            }
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(d.and_hms_opt(0, 0, 0).map(|n| n.and_utc()));
        }
        Err(E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Deserializes an optional UTC date-time: RFC 3339, or without offset (read as UTC), `""` or `null`.
///
/// # Errors
/// Fails on text that is not a date.
pub fn opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
    d.deserialize_any(DateVisitor)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "super::opt_i64")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "super::opt_f64")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "super::opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "super::opt_string")]
        s: Option<String>,
    }

    fn t(j: &str) -> T {
        serde_json::from_str(j).unwrap()
    }

    #[test]
    fn numbers_strings_empty_null_and_missing() {
        let v = t(r#"{"i":"42","f":"1,299.50","b":"true","s":17}"#);
        assert_eq!(
            (v.i, v.f, v.b, v.s.as_deref()),
            (Some(42), Some(1299.5), Some(true), Some("17"))
        );
        let v = t(r#"{"i":"","f":"","b":"","s":null}"#);
        assert_eq!((v.i, v.f, v.b, v.s), (None, None, None, None));
        let v = t(r#"{}"#);
        assert_eq!((v.i, v.f, v.b, v.s), (None, None, None, None));
        let v = t(r#"{"i":7.0,"f":3,"b":0}"#);
        assert_eq!((v.i, v.f, v.b), (Some(7), Some(3.0), Some(false)));
    }

    #[test]
    fn dates_with_and_without_offset() {
        #[derive(Deserialize)]
        struct D {
            #[serde(default, deserialize_with = "super::opt_datetime")]
            d: Option<chrono::DateTime<chrono::Utc>>,
        }
        let p = |j: &str| {
            serde_json::from_str::<D>(j)
                .unwrap()
                .d
                .map(|d| d.to_rfc3339())
        };
        assert_eq!(
            p(r#"{"d":"2026-01-02T03:04:05Z"}"#).as_deref(),
            Some("2026-01-02T03:04:05+00:00")
        );
        assert_eq!(
            p(r#"{"d":"2026-01-02T03:04:05"}"#).as_deref(),
            Some("2026-01-02T03:04:05+00:00")
        );
        assert_eq!(p(r#"{"d":""}"#), None);
        assert!(serde_json::from_str::<D>(r#"{"d":"yesterday"}"#).is_err());
    }

    #[test]
    fn unifi_spellings() {
        let v = t(r#"{"i":true,"b":"off","s":""}"#);
        assert_eq!((v.i, v.b, v.s.as_deref()), (Some(1), Some(false), Some("")));
    }

    #[test]
    fn lists_from_null_empty_text_and_arrays_keep_element_paths() {
        #[derive(Deserialize, Debug)]
        struct L {
            #[serde(default, deserialize_with = "super::vec_or_null")]
            l: Vec<T>,
        }
        for j in [r#"{}"#, r#"{"l":null}"#, r#"{"l":""}"#] {
            assert!(serde_json::from_str::<L>(j).unwrap().l.is_empty(), "{j}");
        }
        assert_eq!(
            serde_json::from_str::<L>(r#"{"l":[{"i":"1"},{}]}"#)
                .unwrap()
                .l
                .len(),
            2
        );
        let e = super::from_slice::<L>(br#"{"l":[{"i":1},{"i":"abc"}]}"#).unwrap_err();
        assert_eq!(e.path().to_string(), "l[1].i");
        assert!(serde_json::from_str::<L>(r#"{"l":"x"}"#).is_err());
    }

    #[test]
    fn secrets_read_and_write_in_clear_but_never_debug() {
        use secrecy::ExposeSecret as _;
        #[derive(Deserialize, serde::Serialize)]
        struct S {
            #[serde(
                default,
                deserialize_with = "super::opt_secret",
                serialize_with = "super::ser_opt_secret"
            )]
            p: Option<secrecy::SecretString>,
        }
        let s: S = serde_json::from_str(r#"{"p":"hunter22"}"#).unwrap();
        assert_eq!(s.p.as_ref().unwrap().expose_secret(), "hunter22");
        assert!(!format!("{:?}", s.p).contains("hunter22"));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"p":"hunter22"}"#);
    }

    #[test]
    fn commas_only_as_thousands_separators_and_no_boolean_prices() {
        assert_eq!(t(r#"{"f":"12,345,678.5"}"#).f, Some(12_345_678.5));
        assert_eq!(t(r#"{"f":"-1,000"}"#).f, Some(-1000.0));
        for bad in [
            r#"{"f":"1,5"}"#,
            r#"{"f":"1,2345"}"#,
            r#"{"f":",100"}"#,
            r#"{"f":true}"#,
        ] {
            assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
        }
        assert_eq!(t(r#"{"s":1.0}"#).s.as_deref(), Some("1.0"));
        assert_eq!(t(r#"{"s":2.5}"#).s.as_deref(), Some("2.5"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(serde_json::from_str::<T>(r#"{"i":"abc"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"i":1.5}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"b":"maybe"}"#).is_err());
    }
}
