//! One-time codes (TOTP, RFC 6238) from the seed held by a [`ValueType::Totp`] field.
//!
//! The stored value is either a bare base32 secret (SHA1, 6 digits, 30 seconds, as authenticator
//! apps assume) or an `otpauth://totp/LABEL?secret=…` URI (Key URI format) that may set
//! `algorithm`, `digits` and `period`; `issuer`, the label and unknown parameters are ignored.
//! [`ValueType::check`] and [`TotpSeed::parse`] share one parser, so a value that validates always
//! yields codes. The HMAC and truncation are `totp-rs`'s; this module parses and checks the value
//! itself so that every problem names the part that is wrong without repeating the value.
//!
//! [`ValueType::Totp`]: super::ValueType::Totp
//! [`ValueType::check`]: super::ValueType::check

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::errors::ValidationErrors;
use super::value_type::ValueProblem;

/// Fewest base32 characters in a secret: 16 characters are 80 bits.
const MIN_SECRET_CHARS: usize = 16;
/// Longest secret, in bytes as written (spaces and padding included).
const MAX_SECRET_LEN: usize = 1024;
/// Longest period, in seconds.
const MAX_PERIOD: u64 = 300;

const DEFAULT_DIGITS: u32 = 6;
const DEFAULT_PERIOD: u64 = 30;

const SECRET_EMPTY: &str = "must not be empty";
const SECRET_TOO_LONG: &str = "must be at most 1024 characters";
const SECRET_CHARS: &str =
    "must be base32: letters A-Z and digits 2-7 only (case, spaces and `=` padding do not matter)";
const SECRET_TOO_SHORT: &str = "must be at least 16 base32 characters (80 bits)";
const SECRET_CUT: &str =
    "is not valid base32: its length is impossible, a character is missing or extra";

/// The HMAC hash a TOTP seed uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TotpAlgorithm {
    /// HMAC-SHA1: the default, and the only one many authenticator apps support.
    #[default]
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl TotpAlgorithm {
    /// The name used in `otpauth://` URIs (`SHA1`, `SHA256`, `SHA512`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TotpAlgorithm::Sha1 => "SHA1",
            TotpAlgorithm::Sha256 => "SHA256",
            TotpAlgorithm::Sha512 => "SHA512",
        }
    }

    fn from_name(name: &[u8]) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha512]
            .into_iter()
            .find(|a| a.as_str().as_bytes().eq_ignore_ascii_case(name))
    }

    const fn to_totp_rs(self) -> totp_rs::Algorithm {
        match self {
            TotpAlgorithm::Sha1 => totp_rs::Algorithm::SHA1,
            TotpAlgorithm::Sha256 => totp_rs::Algorithm::SHA256,
            TotpAlgorithm::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }
}

impl fmt::Display for TotpAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A TOTP seed parsed from the value of a totp field: the secret, algorithm, number of digits and
/// period. The secret is wiped from memory when the seed is dropped, and `Debug` shows everything
/// but the secret.
///
/// ```
/// use optima_core::vault::TotpSeed;
///
/// let seed = TotpSeed::parse("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME")?;
/// let code = seed.code_at(1_700_000_000);
/// assert_eq!(code.code.len(), 6);
/// assert_eq!(code.valid_for, 10); // 1_700_000_000 is 20 seconds into a 30-second period
/// # Ok::<(), optima_core::Error>(())
/// ```
#[derive(Clone)]
pub struct TotpSeed {
    /// Holds the secret (zeroized on drop through totp-rs's `zeroize` feature), digits and period.
    totp: totp_rs::Totp,
    algorithm: TotpAlgorithm,
}

impl TotpSeed {
    /// Parses the stored value of a totp field: a bare base32 secret or an `otpauth://totp/` URI
    /// (see [`ValueType::Totp`](super::ValueType::Totp)). A problem comes back as
    /// [`Error::Validation`](crate::Error::Validation) with one error whose path is the wrong part
    /// (`digits`), or empty for the value as a whole; it never contains the value.
    pub fn parse(value: &str) -> crate::Result<TotpSeed> {
        let parsed = parse(value).map_err(|problem| {
            let mut errs = ValidationErrors::new();
            errs.push(problem.part.unwrap_or(""), problem.message);
            crate::Error::Validation(errs)
        })?;
        let totp = totp_rs::Builder::new()
            .with_algorithm(parsed.algorithm.to_totp_rs())
            // 6..=8, checked by `parse`.
            .with_digits(parsed.digits as u8)
            .with_step_duration(parsed.period)
            .with_skew(0)
            // Copied into an exact-size allocation that totp-rs zeroizes on drop; `parsed.secret`
            // is zeroized when it goes out of scope. `build_noncompliant` because RFC 4226 asks
            // for 128 bits where services commonly issue 80: `parse` has checked everything else.
            .with_secret(&parsed.secret[..])
            .build_noncompliant();
        Ok(TotpSeed {
            totp,
            algorithm: parsed.algorithm,
        })
    }

    /// The HMAC hash.
    pub fn algorithm(&self) -> TotpAlgorithm {
        self.algorithm
    }

    /// How many digits a code has (6, 7 or 8).
    pub fn digits(&self) -> u32 {
        u32::from(self.totp.digits())
    }

    /// How long each code is valid, in seconds (1 to 300).
    pub fn period(&self) -> u64 {
        self.totp.step()
    }

    /// The code for the period that contains `unix_seconds` (seconds since 1970-01-01 UTC).
    pub fn code_at(&self, unix_seconds: u64) -> TotpCode {
        let period = self.period();
        TotpCode {
            code: self.totp.generate(unix_seconds).to_string(),
            valid_for: period - unix_seconds % period,
            period,
            digits: self.digits(),
        }
    }

    /// The code for now, by the system clock (a clock before 1970 counts as 1970).
    pub fn now(&self) -> TotpCode {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.code_at(now)
    }
}

/// Shows algorithm, digits and period; never the secret.
impl fmt::Debug for TotpSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpSeed")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits())
            .field("period", &self.period())
            .finish_non_exhaustive()
    }
}

/// A one-time code and how long it stays valid. Serialized in camelCase
/// (`{"code":"004242","validFor":12,"period":30,"digits":6}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotpCode {
    /// The code, zero-padded to `digits` digits.
    pub code: String,
    /// Seconds until this code expires, from 1 to `period`: at the first second of a period it is
    /// `period`, at its last second 1.
    pub valid_for: u64,
    /// Length of a period, in seconds.
    pub period: u64,
    /// Number of digits in `code`.
    pub digits: u32,
}

/// A parsed value: the decoded secret (zeroized on drop) and the code parameters.
struct Parsed {
    secret: Zeroizing<Vec<u8>>,
    algorithm: TotpAlgorithm,
    digits: u32,
    period: u64,
}

/// [`ValueType::Totp`](super::ValueType::Totp)'s check: whether `value` parses.
pub(crate) fn check(value: &str) -> Result<(), ValueProblem> {
    parse(value).map(drop)
}

fn parse(value: &str) -> Result<Parsed, ValueProblem> {
    let value = value.trim();
    // Base32 has no `:`, so anything with one is meant as a URI.
    if value.contains(':') {
        return parse_uri(value);
    }
    Ok(Parsed {
        secret: decode_secret(value.as_bytes(), None)?,
        algorithm: TotpAlgorithm::Sha1,
        digits: DEFAULT_DIGITS,
        period: DEFAULT_PERIOD,
    })
}

fn parse_uri(uri: &str) -> Result<Parsed, ValueProblem> {
    let (scheme, rest) = uri.split_once(':').unwrap_or((uri, ""));
    if !scheme.eq_ignore_ascii_case("otpauth") {
        return Err(ValueProblem::at(
            "scheme",
            "must be otpauth (otpauth://totp/LABEL?secret=…), or give the bare base32 secret",
        ));
    }
    let Some(rest) = rest.strip_prefix("//") else {
        return Err(ValueProblem::new(
            "is not an otpauth URI: expected otpauth://totp/LABEL?secret=…",
        ));
    };
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (kind_and_label, query) = rest.split_once('?').unwrap_or((rest, ""));
    // The label (`ISSUER:account`) only names the account; it does not matter for codes.
    let kind = kind_and_label
        .split_once('/')
        .map_or(kind_and_label, |(kind, _)| kind);
    if kind.eq_ignore_ascii_case("hotp") {
        return Err(ValueProblem::at(
            "type",
            "hotp (counter-based) codes are not supported: give an otpauth://totp/ URI",
        ));
    }
    if !kind.eq_ignore_ascii_case("totp") {
        return Err(ValueProblem::at(
            "type",
            "must be totp (otpauth://totp/LABEL?secret=…)",
        ));
    }

    let mut secret = None;
    let mut algorithm = None;
    let mut digits = None;
    let mut period = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, slot) = match key.to_ascii_lowercase().as_str() {
            "secret" => ("secret", &mut secret),
            "algorithm" => ("algorithm", &mut algorithm),
            "digits" => ("digits", &mut digits),
            "period" => ("period", &mut period),
            // `issuer`, `image` and anything else does not change the codes.
            _ => continue,
        };
        if slot.is_some() {
            return Err(ValueProblem::at(name, "is given more than once"));
        }
        *slot = Some(
            percent_decode(raw.as_bytes())
                .ok_or(ValueProblem::at(name, "has an invalid %-escape"))?,
        );
    }

    let Some(secret) = secret else {
        return Err(ValueProblem::at("secret", "is missing"));
    };
    let secret = decode_secret(&secret, Some("secret"))?;
    let algorithm = match algorithm {
        None => TotpAlgorithm::Sha1,
        Some(name) => TotpAlgorithm::from_name(&name).ok_or(ValueProblem::at(
            "algorithm",
            "must be SHA1, SHA256 or SHA512",
        ))?,
    };
    let digits = match digits {
        None => DEFAULT_DIGITS,
        Some(text) => parse_number(&text)
            .filter(|d| (6..=8).contains(d))
            .ok_or(ValueProblem::at("digits", "must be 6, 7 or 8"))? as u32,
    };
    let period = match period {
        None => DEFAULT_PERIOD,
        Some(text) => parse_number(&text)
            .filter(|p| (1..=MAX_PERIOD).contains(p))
            .ok_or(ValueProblem::at(
                "period",
                "must be a whole number of seconds from 1 to 300",
            ))?,
    };
    Ok(Parsed {
        secret,
        algorithm,
        digits,
        period,
    })
}

/// A decimal number of at most 19 digits (so it fits), nothing else.
fn parse_number(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
}

/// Decodes `%XX` escapes and `+` (a space in query strings). `None` on a broken escape.
fn percent_decode(raw: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let mut out = Zeroizing::new(Vec::with_capacity(raw.len()));
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'%' => {
                let hi = hex(*raw.get(i + 1)?)?;
                let lo = hex(*raw.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Decodes a base32 secret (RFC 4648 alphabet, any case), ignoring spaces and trailing `=`
/// padding. Problems are reported at `part`.
fn decode_secret(
    text: &[u8],
    part: Option<&'static str>,
) -> Result<Zeroizing<Vec<u8>>, ValueProblem> {
    let problem = |message| ValueProblem { part, message };
    if text.len() > MAX_SECRET_LEN {
        return Err(problem(SECRET_TOO_LONG));
    }
    let mut symbols: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut padding = false;
    for &b in text {
        let symbol = match b {
            b' ' => continue,
            b'=' => {
                padding = true;
                continue;
            }
            // Nothing but padding and spaces after padding.
            _ if padding => return Err(problem(SECRET_CHARS)),
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a',
            b'2'..=b'7' => b - b'2' + 26,
            _ => return Err(problem(SECRET_CHARS)),
        };
        symbols.push(symbol);
    }
    if symbols.is_empty() {
        return Err(problem(SECRET_EMPTY));
    }
    if symbols.len() < MIN_SECRET_CHARS {
        return Err(problem(SECRET_TOO_SHORT));
    }
    // Every 8 symbols are 5 bytes; a last group of 1, 3 or 6 symbols cannot come from encoding.
    if matches!(symbols.len() % 8, 1 | 3 | 6) {
        return Err(problem(SECRET_CUT));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(symbols.len() * 5 / 8));
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &symbol in symbols.iter() {
        buffer = (buffer << 5) | u32::from(symbol);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // Leftover bits (fewer than 8) are padding, as every decoder treats them.
    buffer.zeroize();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B seeds in base32: ASCII "1234567890" repeated to 20, 32 and 64 bytes.
    const SHA1_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    const SHA256_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====";
    const SHA512_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA=";

    fn seed(value: &str) -> TotpSeed {
        TotpSeed::parse(value).unwrap()
    }

    /// The single problem `TotpSeed::parse` reports, as `(path, message)`; also checks that
    /// `ValueType::check` agrees.
    fn problem(value: &str) -> (String, String) {
        let checked = check(value).unwrap_err();
        let crate::Error::Validation(errs) = TotpSeed::parse(value).unwrap_err() else {
            panic!("not a validation error");
        };
        let [e] = errs.errors() else { panic!("{errs}") };
        assert_eq!(e.path, checked.part.unwrap_or(""));
        assert_eq!(e.message, checked.message);
        (e.path.clone(), e.message.clone())
    }

    #[test]
    fn rfc_6238_appendix_b_vectors() {
        let cases: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        let sha1 = seed(&format!("otpauth://totp/RFC?secret={SHA1_SEED}&digits=8"));
        let sha256 = seed(&format!(
            "otpauth://totp/RFC?secret={}&algorithm=SHA256&digits=8&period=30",
            SHA256_SEED.replace('=', "%3D")
        ));
        let sha512 = seed(&format!(
            "otpauth://totp/RFC?algorithm=sha512&digits=8&secret={SHA512_SEED}"
        ));
        assert_eq!(sha1.algorithm(), TotpAlgorithm::Sha1);
        assert_eq!(sha256.algorithm(), TotpAlgorithm::Sha256);
        assert_eq!(sha512.algorithm(), TotpAlgorithm::Sha512);
        for (time, want1, want256, want512) in cases {
            assert_eq!(sha1.code_at(time).code, want1, "SHA1 at {time}");
            assert_eq!(sha256.code_at(time).code, want256, "SHA256 at {time}");
            assert_eq!(sha512.code_at(time).code, want512, "SHA512 at {time}");
        }
    }

    #[test]
    fn bare_secrets_use_the_defaults_and_codes_are_zero_padded() {
        let bare = seed(" gezd gnbv gy3t qojq GEZD GNBV GY3T QOJQ== ");
        assert_eq!(
            (bare.algorithm(), bare.digits(), bare.period()),
            (TotpAlgorithm::Sha1, 6, 30)
        );
        // The RFC's SHA1 code 07081804 at 1111111109, truncated to 6 digits.
        let code = bare.code_at(1111111109);
        assert_eq!(code.code, "081804");
        assert_eq!(
            seed(&format!("otpauth://totp/x?secret={SHA1_SEED}&digits=7"))
                .code_at(1111111109)
                .code,
            "7081804"
        );
        assert_eq!(
            serde_json::to_value(&code).unwrap(),
            serde_json::json!({"code": "081804", "validFor": 1, "period": 30, "digits": 6})
        );
        let now = bare.now();
        assert_eq!(now.code.len(), 6);
        assert!((1..=30).contains(&now.valid_for));
    }

    #[test]
    fn valid_for_counts_down_to_the_end_of_the_period() {
        let s = seed(&format!("otpauth://totp/x?secret={SHA1_SEED}&period=60"));
        assert_eq!(s.code_at(0).valid_for, 60);
        assert_eq!(s.code_at(1).valid_for, 59);
        assert_eq!(s.code_at(59).valid_for, 1);
        assert_eq!(s.code_at(60).valid_for, 60);
        assert_eq!(s.code_at(59).code, s.code_at(0).code);
        assert_ne!(s.code_at(60).code, s.code_at(59).code);
        let c = s.code_at(1_000_000_030);
        assert_eq!((c.valid_for, c.period, c.digits), (50, 60, 6));
        let one = seed(&format!("otpauth://totp/x?secret={SHA1_SEED}&period=1"));
        assert_eq!(one.code_at(12345).valid_for, 1);
        let max = seed(&format!("otpauth://totp/x?secret={SHA1_SEED}&period=300"));
        assert_eq!(max.code_at(u64::MAX).valid_for, 300 - u64::MAX % 300);
    }

    #[test]
    fn accepts_the_usual_otpauth_shapes() {
        for uri in [
            format!("otpauth://totp/ACME:alice@example.com?secret={SHA1_SEED}&issuer=ACME"),
            format!("OTPAUTH://TOTP/ACME%3Aalice?issuer=ACME&secret={SHA1_SEED}&image=x"),
            format!("otpauth://totp/?secret={SHA1_SEED}"),
            format!("otpauth://totp?secret={SHA1_SEED}"),
            format!(
                "otpauth://totp/x?secret={}",
                "gezd+gnbv%20gy3tqojqgezdgnbvgy3tqojq"
            ),
            format!("  otpauth://totp/x?secret={SHA1_SEED}#frag  "),
        ] {
            let s = seed(&uri);
            assert_eq!(s.code_at(59).code, "287082", "{uri}");
        }
        assert!(check("JBSWY3DPEHPK3PXP").is_ok(), "16 characters, 80 bits");
        assert!(check(&"A".repeat(1024)).is_ok());
    }

    #[test]
    fn names_the_wrong_part() {
        let ok = format!("otpauth://totp/ACME:a?secret={SHA1_SEED}");
        let cases: Vec<(String, &str, &str)> = vec![
            (
                format!("https://totp/x?secret={SHA1_SEED}"),
                "scheme",
                "must be otpauth (otpauth://totp/LABEL?secret=…), or give the bare base32 secret",
            ),
            (
                format!("otpauth:totp/x?secret={SHA1_SEED}"),
                "",
                "is not an otpauth URI: expected otpauth://totp/LABEL?secret=…",
            ),
            (
                format!("otpauth://hotp/x?secret={SHA1_SEED}&counter=1"),
                "type",
                "hotp (counter-based) codes are not supported: give an otpauth://totp/ URI",
            ),
            (
                format!("otpauth://steam/x?secret={SHA1_SEED}"),
                "type",
                "must be totp (otpauth://totp/LABEL?secret=…)",
            ),
            (
                "otpauth://totp/x?issuer=ACME".into(),
                "secret",
                "is missing",
            ),
            ("otpauth://totp/x?secret=".into(), "secret", SECRET_EMPTY),
            (
                "otpauth://totp/x?secret=GEZDGNBVGY3TQOJ1".into(),
                "secret",
                SECRET_CHARS,
            ),
            (
                "otpauth://totp/x?secret=GEZDGNBVGY3TQ".into(),
                "secret",
                SECRET_TOO_SHORT,
            ),
            (
                "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQG".into(),
                "secret",
                SECRET_CUT,
            ),
            (
                "otpauth://totp/x?secret=GEZD%ZZ".into(),
                "secret",
                "has an invalid %-escape",
            ),
            (
                format!("{ok}&secret={SHA1_SEED}"),
                "secret",
                "is given more than once",
            ),
            (
                format!("{ok}&algorithm=MD5"),
                "algorithm",
                "must be SHA1, SHA256 or SHA512",
            ),
            (format!("{ok}&digits=5"), "digits", "must be 6, 7 or 8"),
            (format!("{ok}&digits=9"), "digits", "must be 6, 7 or 8"),
            (format!("{ok}&digits=six"), "digits", "must be 6, 7 or 8"),
            (format!("{ok}&digits=+6"), "digits", "must be 6, 7 or 8"),
            (
                format!("{ok}&period=0"),
                "period",
                "must be a whole number of seconds from 1 to 300",
            ),
            (
                format!("{ok}&period=301"),
                "period",
                "must be a whole number of seconds from 1 to 300",
            ),
            (
                format!("{ok}&period=99999999999999999999999"),
                "period",
                "must be a whole number of seconds from 1 to 300",
            ),
            (
                format!("{ok}&period=30&period=60"),
                "period",
                "is given more than once",
            ),
        ];
        for (value, path, message) in cases {
            assert_eq!(
                problem(&value),
                (path.to_owned(), message.to_owned()),
                "{value}"
            );
        }
    }

    #[test]
    fn checks_bare_secrets() {
        let cases = [
            ("", SECRET_EMPTY),
            ("   ", SECRET_EMPTY),
            ("====", SECRET_EMPTY),
            ("GEZDGNBVGY3TQOJ0", SECRET_CHARS),
            ("GEZDGNBVGY3TQOJQ-GEZD", SECRET_CHARS),
            ("GEZDGNBV=GY3TQOJQ", SECRET_CHARS),
            ("GEZDGNBVGY3TQOJ", SECRET_TOO_SHORT),
            ("GEZDGNBVGY3TQOJQGEZ", SECRET_CUT),
            ("GEZDGNBVGY3TQOJQGEZDGN", SECRET_CUT),
        ];
        for (value, message) in cases {
            assert_eq!(
                problem(value),
                (String::new(), message.to_owned()),
                "{value:?}"
            );
        }
        // Whitespace around the value is trimmed; a line break inside it is not base32.
        assert!(check("\tGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n").is_ok());
        assert_eq!(
            problem("GEZDGNBVGY3TQOJQ\nGEZDGNBVGY3TQOJQ").1,
            SECRET_CHARS
        );
        assert_eq!(problem(&"A".repeat(1025)).1, SECRET_TOO_LONG);
    }

    #[test]
    fn never_shows_the_secret() {
        let s = seed(&format!(
            "otpauth://totp/x?secret={SHA256_SEED}&algorithm=SHA256&digits=8&period=45"
        ));
        let debug = format!("{s:?} {:?} {s:#?}", s.clone());
        assert_eq!(
            format!("{s:?}"),
            "TotpSeed { algorithm: Sha256, digits: 8, period: 45, .. }"
        );
        for needle in ["GEZD", "gezd", "1234", "3132", "REDACTED"] {
            assert!(!debug.contains(needle), "{needle} in {debug}");
        }
        // Problems never repeat the value either.
        let secretish = "otpauth://totp/TOPSECRETLABEL?secret=TOPSECRETTOPSECRET1&digits=6";
        let err = TotpSeed::parse(secretish).unwrap_err();
        assert!(
            !format!("{err} {err:?}")
                .to_uppercase()
                .contains("TOPSECRET")
        );
    }

    #[test]
    fn decodes_base32_at_every_possible_length() {
        for (encoded, plain) in [
            ("N5YHI2LNMEWXMYLV", "optima-vau"),
            ("N5YHI2LNMEWXMYLVNQ======", "optima-vaul"),
            ("n5yhi2lnmewxmylvnr2a", "optima-vault"),
            ("N5YH I2LN MEWX MYLV NR2C 2===", "optima-vault-"),
            ("N5YHI2LNMEWXMYLVNR2C23Y=", "optima-vault-o"),
        ] {
            let decoded = decode_secret(encoded.as_bytes(), None).unwrap();
            assert_eq!(&decoded[..], plain.as_bytes(), "{encoded}");
        }
    }
}
