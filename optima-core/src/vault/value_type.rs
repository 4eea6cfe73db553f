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
    /// A TOTP (RFC 6238) seed for one-time codes: a bare base32 secret (at least 16 characters,
    /// i.e. 80 bits; case, spaces and `=` padding do not matter), or an
    /// `otpauth://totp/LABEL?secret=…` URI that may also set `algorithm` (SHA1, SHA256, SHA512),
    /// `digits` (6 to 8) and `period` (1 to 300 seconds). Always secure; see
    /// [`TotpSeed`](super::TotpSeed) for the codes.
    Totp,
    /// Not a value: the field holds sub-credentials described by its `subFields`.
    MultiCredential,
}

impl ValueType {
    /// Every value type, in the order the API lists them.
    pub const ALL: [ValueType; 8] = [
        ValueType::PlainText,
        ValueType::LicenseKey,
        ValueType::IpAddress,
        ValueType::GenericSecret,
        ValueType::BitlockerKey,
        ValueType::Password,
        ValueType::Totp,
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
            ValueType::Totp => "totp",
            ValueType::MultiCredential => "multi_credential",
        }
    }

    /// Whether fields of this type must be secure (sealed at rest and hidden until revealed):
    /// true for [`ValueType::Totp`], whose value is a seed anyone could make codes from.
    pub const fn always_secure(self) -> bool {
        matches!(self, ValueType::Totp)
    }

    /// Whether fields of this type carry `subFields` (and sub-credentials) instead of a value.
    pub const fn is_multi(self) -> bool {
        matches!(self, ValueType::MultiCredential)
    }

    /// Checks a value of this type. The problem says what is wrong, and for a value with parts
    /// (a totp `otpauth://` URI) which part, without repeating the value: it may be a secret, and
    /// problems end up in responses and logs.
    pub fn check(self, value: &str) -> Result<(), ValueProblem> {
        match self {
            ValueType::PlainText => Ok(()),
            ValueType::LicenseKey | ValueType::GenericSecret | ValueType::Password => {
                if value.is_empty() {
                    Err(ValueProblem::new("must not be empty"))
                } else {
                    Ok(())
                }
            }
            ValueType::IpAddress => IpAddr::from_str(value)
                .map(|_| ())
                .map_err(|_| ValueProblem::new("must be an IPv4 or IPv6 address")),
            ValueType::BitlockerKey => {
                if is_bitlocker_key(value) {
                    Ok(())
                } else {
                    Err(ValueProblem::new(
                        "must be 8 groups of 6 digits separated by `-`",
                    ))
                }
            }
            ValueType::Totp => super::otp::check(value),
            ValueType::MultiCredential => Err(ValueProblem::new(
                "a multi_credential field takes sub-credentials, not a value",
            )),
        }
    }
}

/// What is wrong with a value, as found by [`ValueType::check`]. Never contains the value (it may
/// be a secret), so it is safe to show and log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueProblem {
    /// The part of the value that is wrong, or `None` for the value as a whole. Only values with
    /// parts have them: for a totp `otpauth://totp/…` URI one of `scheme`, `type`, `secret`,
    /// `algorithm`, `digits` or `period`. Validation reports the problem at the value's path with
    /// this part appended (`fields[0].value.digits`).
    pub part: Option<&'static str>,
    /// What is wrong (`must be 6, 7 or 8`).
    pub message: &'static str,
}

impl ValueProblem {
    /// A problem with the value as a whole.
    pub const fn new(message: &'static str) -> Self {
        ValueProblem {
            part: None,
            message,
        }
    }

    /// A problem with one `part` of the value.
    pub const fn at(part: &'static str, message: &'static str) -> Self {
        ValueProblem {
            part: Some(part),
            message,
        }
    }
}

/// `part: message`, or just the message for the value as a whole.
impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.part {
            Some(part) => write!(f, "{part}: {}", self.message),
            None => f.write_str(self.message),
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
            r#"["plain_text","license_key","ip_address","generic_secret","bitlocker_key","password","totp","multi_credential"]"#
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
        assert_eq!(
            MultiCredential.check("x"),
            Err(ValueProblem::new(
                "a multi_credential field takes sub-credentials, not a value"
            ))
        );
        assert_eq!(
            IpAddress.check("x").unwrap_err().to_string(),
            "must be an IPv4 or IPv6 address"
        );
    }

    #[test]
    fn checks_totp_values_and_names_the_wrong_part() {
        use ValueType::*;
        assert!(Totp.check("JBSW Y3DP EHPK 3PXP").is_ok());
        assert!(Totp.check("jbswy3dpehpk3pxp").is_ok());
        assert!(
            Totp.check("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
                .is_ok()
        );
        assert_eq!(Totp.check("JBSWY3DP").unwrap_err().part, None);
        let problem = Totp
            .check("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=9")
            .unwrap_err();
        assert_eq!(problem, ValueProblem::at("digits", "must be 6, 7 or 8"));
        assert_eq!(problem.to_string(), "digits: must be 6, 7 or 8");
        assert!(Totp.always_secure());
        assert!(
            ValueType::ALL
                .iter()
                .filter(|t| t.always_secure())
                .eq([&Totp])
        );
    }
}
