//! Building request paths from values a caller chose.

/// Percent-encodes one path segment, so an id like `a/b` stays one segment (`a%2Fb`).
///
/// ```
/// assert_eq!(optima_http::segment("a/b c"), "a%2Fb%20c");
/// ```
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
