//! The kinds of value a credential field can hold, and the checks each kind applies.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of value a field holds. Serialized in `snake_case` exactly as the HTTP API lists them
/// (`GET /credential/valuetypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Free text; may be empty unless the field is required.
    PlainText,
    /// A product or license key; never empty.
    LicenseKey,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// An opaque secret (API key, token); never empty.
    GenericSecret,
    /// A BitLocker recovery key: 8 groups of 6 digits separated by `-`.
    BitlockerKey,
    /// A password; never empty.
    Password,
    /// Not a value: the field holds sub-credentials described by its `subFields`.
    MultiCredential,
}

impl ValueType {
    /// Every value type, in the order the API lists them.
    pub const ALL: [ValueType; 7] = [
        ValueType::PlainText,
        ValueType::LicenseKey,
        ValueType::IpAddress,
        ValueType::GenericSecret,
        ValueType::BitlockerKey,
        ValueType::Password,
        ValueType::MultiCredential,
    ];

    /// The wire name (`plain_text`, `ip_address`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            ValueType::PlainText => "plain_text",
            ValueType::LicenseKey => "license_key",
            ValueType::IpAddress => "ip_address",
            ValueType::GenericSecret => "generic_secret",
            ValueType::BitlockerKey => "bitlocker_key",
            ValueType::Password => "password",
            ValueType::MultiCredential => "multi_credential",
        }
    }

    /// Whether fields of this type carry `subFields` (and sub-credentials) instead of a value.
    pub const fn is_multi(self) -> bool {
        matches!(self, ValueType::MultiCredential)
    }

    /// Checks a value of this type. The error says what is wrong without repeating the value,
    /// because the value may be a secret and errors end up in responses and logs.
    pub fn check(self, value: &str) -> Result<(), &'static str> {
        match self {
            ValueType::PlainText => Ok(()),
            ValueType::LicenseKey | ValueType::GenericSecret | ValueType::Password => {
                if value.is_empty() {
                    Err("must not be empty")
                } else {
                    Ok(())
                }
            }
            ValueType::IpAddress => IpAddr::from_str(value)
                .map(|_| ())
                .map_err(|_| "must be an IPv4 or IPv6 address"),
            ValueType::BitlockerKey => {
                if is_bitlocker_key(value) {
                    Ok(())
                } else {
                    Err("must be 8 groups of 6 digits separated by `-`")
                }
            }
            ValueType::MultiCredential => {
                Err("a multi_credential field takes sub-credentials, not a value")
            }
        }
    }
}

fn is_bitlocker_key(value: &str) -> bool {
    let mut groups = 0;
    for group in value.split('-') {
        groups += 1;
        if group.len() != 6 || !group.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    groups == 8
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given to [`ValueType::from_str`] is not a value type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value type `{0}`")]
pub struct UnknownValueType(pub String);

impl FromStr for ValueType {
    type Err = UnknownValueType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ValueType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownValueType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_exactly_as_the_api_lists_them() {
        let json = serde_json::to_string(&ValueType::ALL).unwrap();
        assert_eq!(
            json,
            r#"["plain_text","license_key","ip_address","generic_secret","bitlocker_key","password","multi_credential"]"#
        );
        for t in ValueType::ALL {
            assert_eq!(t.as_str().parse::<ValueType>().unwrap(), t);
            let back: ValueType = serde_json::from_str(&format!("\"{t}\"")).unwrap();
            assert_eq!(back, t);
        }
        assert!("PlainText".parse::<ValueType>().is_err());
    }

    #[test]
    fn checks_values_per_type() {
        use ValueType::*;
        assert!(IpAddress.check("10.0.0.1").is_ok());
        assert!(IpAddress.check("2001:db8::1").is_ok());
        assert!(IpAddress.check("::").is_ok());
        assert!(IpAddress.check("10.0.0.256").is_err());
        assert!(IpAddress.check(" 10.0.0.1").is_err());
        assert!(IpAddress.check("example.com").is_err());
        assert!(IpAddress.check("").is_err());

        let key = "123456-234567-345678-456789-567890-678901-789012-890123";
        assert!(BitlockerKey.check(key).is_ok());
        assert!(BitlockerKey.check(&key[..key.len() - 7]).is_err());
        assert!(BitlockerKey.check(&format!("{key}-000000")).is_err());
        assert!(BitlockerKey.check(&key.replace('1', "a")).is_err());
        assert!(BitlockerKey.check(&key.replace('-', " ")).is_err());
        assert!(
            BitlockerKey
                .check("١٢٣٤٥٦-234567-345678-456789-567890-678901-789012-890123")
                .is_err()
        );
        assert!(BitlockerKey.check("").is_err());

        for t in [Password, GenericSecret, LicenseKey] {
            assert!(t.check("").is_err());
            assert!(t.check("x").is_ok());
        }
        assert!(PlainText.check("").is_ok());
        assert!(MultiCredential.check("x").is_err());
    }
}
