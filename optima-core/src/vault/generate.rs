//! Password and passphrase generation from the operating system's CSPRNG.
//!
//! Word list: `eff_large_wordlist.txt` is the EFF Large Wordlist for Passphrases (7776 words) by
//! the Electronic Frontier Foundation, <https://www.eff.org/dice>, licensed under CC BY 3.0 US
//! (<https://creativecommons.org/licenses/by/3.0/us/>). It is vendored unchanged apart from the
//! dice numbers, dropped as in the `eff-long` list shipped with xkcdpass 1.30.0 (PyPI).

use std::sync::OnceLock;

use rand::Rng;
use rand::rngs::OsRng;
use rand::seq::SliceRandom;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::errors::{ValidationErrors, join_key};

/// The EFF large wordlist, one word per line.
const EFF_LARGE_WORDLIST: &str = include_str!("eff_large_wordlist.txt");

const LOWERCASE: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPERCASE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";

/// How to generate a password, or a passphrase when `words` is set. Serialized in camelCase; fields
/// left out take their [`Default`] values (20 characters from all four classes, no look-alikes).
///
/// ```
/// use optima_core::vault::PasswordPolicy;
/// use secrecy::ExposeSecret;
///
/// let policy = PasswordPolicy { length: 32, symbols: false, ..Default::default() };
/// policy.validate("passwordPolicy")?;
/// assert_eq!(policy.generate().expose_secret().len(), 32);
///
/// let words = PasswordPolicy { words: Some(5), digits: false, ..Default::default() };
/// assert_eq!(words.generate().expose_secret().split('-').count(), 5);
/// # Ok::<(), optima_core::vault::ValidationErrors>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordPolicy {
    /// Number of characters, from [`PasswordPolicy::MIN_LENGTH`] to
    /// [`PasswordPolicy::MAX_LENGTH`]. Ignored for passphrases.
    pub length: u32,
    /// Use lowercase letters `a`-`z`. Ignored for passphrases.
    pub lowercase: bool,
    /// Use uppercase letters `A`-`Z`. Ignored for passphrases.
    pub uppercase: bool,
    /// Use digits `0`-`9`. For a passphrase: append one random digit to one random word.
    pub digits: bool,
    /// Use the symbols of [`PasswordPolicy::SYMBOLS`]. Ignored for passphrases.
    pub symbols: bool,
    /// Leave out [`PasswordPolicy::LOOK_ALIKES`], characters easily mistaken for one another.
    /// Ignored for passphrases.
    pub exclude_look_alikes: bool,
    /// Generate a passphrase of this many words (from [`PasswordPolicy::MIN_WORDS`] to
    /// [`PasswordPolicy::MAX_WORDS`]) from the EFF large wordlist instead of a password: each word
    /// adds about 12.9 bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<u32>,
    /// What goes between the words of a passphrase: at most
    /// [`PasswordPolicy::MAX_SEPARATOR_CHARS`] characters, none of them a letter, digit or
    /// control character (so the words stay apart); may be empty.
    pub separator: String,
}

impl Default for PasswordPolicy {
    /// 20 characters with at least one lowercase, uppercase, digit and symbol, no look-alikes.
    fn default() -> Self {
        PasswordPolicy {
            length: 20,
            lowercase: true,
            uppercase: true,
            digits: true,
            symbols: true,
            exclude_look_alikes: true,
            words: None,
            separator: "-".to_owned(),
        }
    }
}

impl PasswordPolicy {
    /// Shortest password.
    pub const MIN_LENGTH: u32 = 8;
    /// Longest password.
    pub const MAX_LENGTH: u32 = 256;
    /// Fewest words in a passphrase.
    pub const MIN_WORDS: u32 = 3;
    /// Most words in a passphrase.
    pub const MAX_WORDS: u32 = 20;
    /// Longest passphrase separator, in characters.
    pub const MAX_SEPARATOR_CHARS: usize = 3;
    /// The symbols used: ASCII punctuation except quotes, backquote and backslash, which break
    /// quoting in shells, JSON and config files.
    pub const SYMBOLS: &'static str = "!#$%&()*+,-./:;<=>?@[]^_{|}~";
    /// Characters left out with `excludeLookAlikes`: `I`, `l`, `1` and `|`; `O`, `0` and `o`.
    pub const LOOK_ALIKES: &'static str = "Il1|O0o";

    /// Checks the policy; problems are reported under `path` (`passwordPolicy.length`). For a
    /// password: `length` in range and at least one character class, with room for one character of
    /// each. For a passphrase (`words` set): `words` in range and `separator` short and free of
    /// letters, digits and control characters; the password settings are not checked.
    pub fn validate(&self, path: &str) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        if let Some(words) = self.words {
            if !(Self::MIN_WORDS..=Self::MAX_WORDS).contains(&words) {
                errs.push(
                    join_key(path, "words"),
                    format!("must be from {} to {}", Self::MIN_WORDS, Self::MAX_WORDS),
                );
            }
            if self.separator.chars().count() > Self::MAX_SEPARATOR_CHARS {
                errs.push(
                    join_key(path, "separator"),
                    format!("must be at most {} characters", Self::MAX_SEPARATOR_CHARS),
                );
            } else if self
                .separator
                .chars()
                .any(|c| c.is_alphanumeric() || c.is_control())
            {
                errs.push(
                    join_key(path, "separator"),
                    "must not contain letters, digits or control characters",
                );
            }
            return errs.into_result();
        }
        let classes = self.class_count();
        if classes == 0 {
            errs.push(
                path,
                "enable at least one of lowercase, uppercase, digits and symbols",
            );
        }
        if !(Self::MIN_LENGTH..=Self::MAX_LENGTH).contains(&self.length) {
            errs.push(
                join_key(path, "length"),
                format!("must be from {} to {}", Self::MIN_LENGTH, Self::MAX_LENGTH),
            );
        } else if self.length < classes {
            errs.push(
                join_key(path, "length"),
                format!("must be at least {classes}, one character for each class enabled"),
            );
        }
        errs.into_result()
    }

    /// Generates a password or passphrase with the OS's CSPRNG, every choice uniform. A password
    /// has at least one character of each class enabled (one is picked from each, the rest from all
    /// of them, then all are shuffled). A passphrase is `words` words from the EFF large wordlist
    /// joined by `separator`, with one digit appended to one word if `digits` is set.
    ///
    /// Never fails: check the policy with [`PasswordPolicy::validate`] first. A policy that does not
    /// validate is brought into range (length and word count clamped, separator cut to its first
    /// characters, all four classes used when none is enabled).
    pub fn generate(&self) -> SecretString {
        match self.words {
            Some(words) => self.passphrase(words.clamp(Self::MIN_WORDS, Self::MAX_WORDS)),
            None => self.password(),
        }
    }

    fn class_count(&self) -> u32 {
        [self.lowercase, self.uppercase, self.digits, self.symbols]
            .into_iter()
            .filter(|&on| on)
            .count() as u32
    }

    /// The character classes to use, each without the look-alikes when they are excluded.
    fn classes(&self) -> Vec<Vec<u8>> {
        let all = [
            (self.lowercase, LOWERCASE),
            (self.uppercase, UPPERCASE),
            (self.digits, DIGITS),
            (self.symbols, Self::SYMBOLS.as_bytes()),
        ];
        let none = !all.iter().any(|(on, _)| *on);
        all.into_iter()
            .filter(|(on, _)| *on || none)
            .map(|(_, chars)| {
                chars
                    .iter()
                    .copied()
                    .filter(|c| {
                        !(self.exclude_look_alikes && Self::LOOK_ALIKES.as_bytes().contains(c))
                    })
                    .collect()
            })
            .collect()
    }

    fn password(&self) -> SecretString {
        let length = self.length.clamp(Self::MIN_LENGTH, Self::MAX_LENGTH) as usize;
        let classes = self.classes();
        let union: Vec<u8> = classes.concat();
        let mut rng = OsRng;
        let mut chars = Zeroizing::new(Vec::with_capacity(length));
        for class in &classes {
            // No class is empty: the look-alikes are a few characters of each.
            if let Some(&c) = class.choose(&mut rng) {
                chars.push(c);
            }
        }
        while chars.len() < length {
            if let Some(&c) = union.choose(&mut rng) {
                chars.push(c);
            }
        }
        chars.shuffle(&mut rng);
        // ASCII only, so the string has exactly `length` bytes and boxing it does not reallocate
        // (which would leave a copy behind).
        let mut password = String::with_capacity(length);
        password.extend(chars.iter().map(|&c| char::from(c)));
        SecretString::from(password)
    }

    fn passphrase(&self, words: u32) -> SecretString {
        let list = word_list();
        let separator: String = self
            .separator
            .chars()
            .take(Self::MAX_SEPARATOR_CHARS)
            .collect();
        let words = words as usize;
        let mut rng = OsRng;
        let mut picks = Zeroizing::new(Vec::with_capacity(words));
        for _ in 0..words {
            picks.push(rng.gen_range(0..list.len()));
        }
        // (word index, digit)
        let digit = self
            .digits
            .then(|| (rng.gen_range(0..words), rng.gen_range(b'0'..=b'9')));
        let length = picks.iter().map(|&i| list[i].len()).sum::<usize>()
            + separator.len() * (words - 1)
            + usize::from(digit.is_some());
        let mut phrase = String::with_capacity(length);
        for (n, &i) in picks.iter().enumerate() {
            if n > 0 {
                phrase.push_str(&separator);
            }
            phrase.push_str(list[i]);
            if let Some((at, d)) = digit
                && at == n
            {
                phrase.push(char::from(d));
            }
        }
        SecretString::from(phrase)
    }
}

/// The EFF large wordlist without its four hyphenated words (`drop-down`, `felt-tip`, `t-shirt`,
/// `yo-yo`), so that words split cleanly at a `-` separator: 7772 words of `a`-`z`.
fn word_list() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        EFF_LARGE_WORDLIST
            .lines()
            .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    use super::*;

    fn errors(policy: &PasswordPolicy, path: &str) -> Vec<(String, String)> {
        match policy.validate(path) {
            Ok(()) => vec![],
            Err(errs) => errs.into_iter().map(|e| (e.path, e.message)).collect(),
        }
    }

    fn err(path: &str, message: &str) -> (String, String) {
        (path.to_owned(), message.to_owned())
    }

    #[test]
    fn the_word_list_is_the_eff_large_list() {
        let raw: Vec<&str> = EFF_LARGE_WORDLIST.lines().collect();
        assert_eq!(raw.len(), 7776);
        assert_eq!((raw[0], raw[7775]), ("abacus", "zoom"));
        assert_eq!(raw.iter().collect::<HashSet<_>>().len(), 7776);
        let words = word_list();
        assert_eq!(words.len(), 7772);
        assert!(!words.contains(&"t-shirt"));
    }

    #[test]
    fn default_policy() {
        let policy = PasswordPolicy::default();
        policy.validate("passwordPolicy").unwrap();
        assert_eq!(
            serde_json::to_value(&policy).unwrap(),
            serde_json::json!({
                "length": 20, "lowercase": true, "uppercase": true, "digits": true,
                "symbols": true, "excludeLookAlikes": true, "separator": "-"
            })
        );
        let partial: PasswordPolicy =
            serde_json::from_value(serde_json::json!({"length": 12, "symbols": false})).unwrap();
        assert_eq!(
            partial,
            PasswordPolicy {
                length: 12,
                symbols: false,
                ..Default::default()
            }
        );
        let words: PasswordPolicy =
            serde_json::from_value(serde_json::json!({"words": 6, "separator": " "})).unwrap();
        assert_eq!(words.words, Some(6));
        assert_eq!(policy.generate().expose_secret().len(), 20);
    }

    #[test]
    fn validate_reports_each_problem_at_its_path() {
        let p = |f: fn(&mut PasswordPolicy)| {
            let mut policy = PasswordPolicy::default();
            f(&mut policy);
            policy
        };
        assert_eq!(
            errors(&p(|p| p.length = 7), "passwordPolicy"),
            vec![err("passwordPolicy.length", "must be from 8 to 256")]
        );
        assert_eq!(
            errors(&p(|p| p.length = 257), "passwordPolicy"),
            vec![err("passwordPolicy.length", "must be from 8 to 256")]
        );
        assert!(errors(&p(|p| p.length = 8), "x").is_empty());
        assert!(errors(&p(|p| p.length = 256), "x").is_empty());
        assert_eq!(
            errors(
                &p(|p| {
                    p.lowercase = false;
                    p.uppercase = false;
                    p.digits = false;
                    p.symbols = false;
                    p.length = 0;
                }),
                "passwordPolicy"
            ),
            vec![
                err(
                    "passwordPolicy",
                    "enable at least one of lowercase, uppercase, digits and symbols"
                ),
                err("passwordPolicy.length", "must be from 8 to 256"),
            ]
        );
        assert_eq!(
            errors(&p(|p| p.length = 1), ""),
            vec![err("length", "must be from 8 to 256")]
        );
        // A passphrase is checked on its own settings only.
        assert!(
            errors(
                &p(|p| {
                    p.words = Some(3);
                    p.length = 0;
                    p.lowercase = false;
                    p.separator = String::new();
                }),
                "passwordPolicy"
            )
            .is_empty()
        );
        assert!(errors(&p(|p| p.words = Some(20)), "x").is_empty());
        assert_eq!(
            errors(
                &p(|p| {
                    p.words = Some(2);
                    p.separator = " -- ".into();
                }),
                "body.policy"
            ),
            vec![
                err("body.policy.words", "must be from 3 to 20"),
                err("body.policy.separator", "must be at most 3 characters"),
            ]
        );
        assert_eq!(
            errors(&p(|p| p.words = Some(21)), "passwordPolicy"),
            vec![err("passwordPolicy.words", "must be from 3 to 20")]
        );
        let with_separator = |separator: &str| PasswordPolicy {
            words: Some(4),
            separator: separator.to_owned(),
            ..Default::default()
        };
        for bad in ["a", "-x-", "1", "\n", "é"] {
            assert_eq!(
                errors(&with_separator(bad), "passwordPolicy"),
                vec![err(
                    "passwordPolicy.separator",
                    "must not contain letters, digits or control characters"
                )],
                "{bad:?}"
            );
        }
        assert!(errors(&with_separator("·•·"), "passwordPolicy").is_empty());
    }

    #[test]
    fn generate_brings_an_invalid_policy_into_range() {
        let none = PasswordPolicy {
            length: 3,
            lowercase: false,
            uppercase: false,
            digits: false,
            symbols: false,
            ..Default::default()
        };
        let password = none.generate();
        assert_eq!(password.expose_secret().len(), 8);
        let long = PasswordPolicy {
            length: 10_000,
            ..Default::default()
        };
        assert_eq!(long.generate().expose_secret().len(), 256);
        let phrase = PasswordPolicy {
            words: Some(100),
            digits: false,
            separator: "    ".into(),
            ..Default::default()
        };
        assert_eq!(phrase.generate().expose_secret().split("   ").count(), 20);
    }

    #[test]
    fn words_may_run_together() {
        let policy = PasswordPolicy {
            words: Some(3),
            separator: String::new(),
            digits: false,
            ..Default::default()
        };
        policy.validate("passwordPolicy").unwrap();
        let phrase = policy.generate();
        let phrase = phrase.expose_secret();
        assert!(phrase.len() >= 9, "three words of at least 3 letters");
        assert!(phrase.bytes().all(|b| b.is_ascii_lowercase()));
    }

    #[test]
    fn generated_values_differ() {
        let policy = PasswordPolicy::default();
        let seen: HashSet<String> = (0..50)
            .map(|_| policy.generate().expose_secret().to_owned())
            .collect();
        assert_eq!(seen.len(), 50);
    }

    fn password_policy() -> impl Strategy<Value = PasswordPolicy> {
        (
            PasswordPolicy::MIN_LENGTH..=PasswordPolicy::MAX_LENGTH,
            1u8..16,
            any::<bool>(),
        )
            .prop_map(|(length, classes, exclude_look_alikes)| PasswordPolicy {
                length,
                lowercase: classes & 1 != 0,
                uppercase: classes & 2 != 0,
                digits: classes & 4 != 0,
                symbols: classes & 8 != 0,
                exclude_look_alikes,
                ..Default::default()
            })
    }

    fn passphrase_policy() -> impl Strategy<Value = PasswordPolicy> {
        (
            PasswordPolicy::MIN_WORDS..=PasswordPolicy::MAX_WORDS,
            prop::sample::select(vec!["-", " ", ".", "_", "+=+", " / ", "·"]),
            any::<bool>(),
        )
            .prop_map(|(words, separator, digits)| PasswordPolicy {
                words: Some(words),
                separator: separator.to_owned(),
                digits,
                ..Default::default()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn passwords_follow_the_policy(policy in password_policy()) {
            prop_assert!(policy.validate("passwordPolicy").is_ok());
            let password = policy.generate();
            let password = password.expose_secret();
            prop_assert_eq!(password.len(), policy.length as usize);
            let classes: [(bool, &[u8]); 4] = [
                (policy.lowercase, LOWERCASE),
                (policy.uppercase, UPPERCASE),
                (policy.digits, DIGITS),
                (policy.symbols, PasswordPolicy::SYMBOLS.as_bytes()),
            ];
            for b in password.bytes() {
                prop_assert!(
                    classes.iter().any(|(on, chars)| *on && chars.contains(&b)),
                    "{:?} is not allowed", char::from(b)
                );
                if policy.exclude_look_alikes {
                    prop_assert!(!PasswordPolicy::LOOK_ALIKES.as_bytes().contains(&b));
                }
            }
            for (on, chars) in classes {
                if on {
                    prop_assert!(password.bytes().any(|b| chars.contains(&b)));
                }
            }
        }

        #[test]
        fn passphrases_follow_the_policy(policy in passphrase_policy()) {
            prop_assert!(policy.validate("passwordPolicy").is_ok());
            let phrase = policy.generate();
            let phrase = phrase.expose_secret();
            let n = policy.words.unwrap() as usize;
            let words: Vec<&str> = phrase.split(policy.separator.as_str()).collect();
            prop_assert_eq!(words.len(), n);
            let list: HashSet<&str> = word_list().iter().copied().collect();
            let mut digits = 0;
            for word in words {
                let bare = word.trim_end_matches(|c: char| c.is_ascii_digit());
                digits += word.len() - bare.len();
                prop_assert!(list.contains(bare), "{} is not a list word", bare);
            }
            prop_assert_eq!(digits, usize::from(policy.digits));
        }
    }
}
