//! Permission nodes and grants: parsing and the rules of what a grant covers.

use std::fmt;

/// A concrete permission node: dot-separated segments of `[A-Za-z0-9_-]`, case-sensitive
/// (`unifi.site.wifi.read.hideSSID`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node(Box<str>);

/// Why a node or grant failed to parse, with the byte offset where the problem starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid permission `{input}` at position {position}: {reason}")]
pub struct NodeError {
    /// The text as it was given.
    pub input: String,
    /// Byte offset of the first offending character (or of the empty segment).
    pub position: usize,
    /// What is wrong there.
    pub reason: NodeErrorReason,
}

/// What made a node or grant invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeErrorReason {
    /// Nothing was given.
    Empty,
    /// Two dots in a row, a leading dot or a trailing dot.
    EmptySegment,
    /// A character outside `[A-Za-z0-9_-]`.
    InvalidCharacter(char),
    /// A `*` anywhere but as the whole grant or as the last segment (`a.*`).
    MisplacedWildcard,
}

impl fmt::Display for NodeErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeErrorReason::Empty => f.write_str("it is empty"),
            NodeErrorReason::EmptySegment => f.write_str("empty segment"),
            NodeErrorReason::InvalidCharacter(c) => write!(
                f,
                "character {c:?} is not allowed (only letters, digits, `_` and `-`)"
            ),
            NodeErrorReason::MisplacedWildcard => {
                f.write_str("`*` may only stand alone or as the whole last segment")
            }
        }
    }
}

fn error(input: &str, position: usize, reason: NodeErrorReason) -> NodeError {
    NodeError {
        input: input.to_owned(),
        position,
        reason,
    }
}

/// Checks `segments` (a dotted path, no wildcard) starting at byte `offset` of `input`.
fn check_segments(input: &str, segments: &str, offset: usize) -> Result<(), NodeError> {
    if segments.is_empty() {
        return Err(error(input, offset, NodeErrorReason::EmptySegment));
    }
    let mut segment_start = true;
    for (i, c) in segments.char_indices() {
        match c {
            '.' if segment_start => {
                return Err(error(input, offset + i, NodeErrorReason::EmptySegment));
            }
            '.' => segment_start = true,
            '*' => return Err(error(input, offset + i, NodeErrorReason::MisplacedWildcard)),
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => segment_start = false,
            c => {
                return Err(error(
                    input,
                    offset + i,
                    NodeErrorReason::InvalidCharacter(c),
                ));
            }
        }
    }
    if segment_start {
        return Err(error(
            input,
            offset + segments.len(),
            NodeErrorReason::EmptySegment,
        ));
    }
    Ok(())
}

impl Node {
    /// Parses a concrete node. Wildcards and denials are grants, not nodes: see [`Grant::parse`].
    pub fn parse(input: &str) -> Result<Self, NodeError> {
        if input.is_empty() {
            return Err(error(input, 0, NodeErrorReason::Empty));
        }
        check_segments(input, input, 0)?;
        Ok(Node(input.into()))
    }

    /// The node as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The dot-separated segments.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }

    /// Whether `self` lies strictly below `prefix` (`a.b.c` is below `a.b`, `a.b` is not).
    pub fn is_below(&self, prefix: &Node) -> bool {
        is_strictly_below(&self.0, &prefix.0)
    }
}

pub(crate) fn is_strictly_below(node: &str, prefix: &str) -> bool {
    node.len() > prefix.len() + 1
        && node.starts_with(prefix)
        && node.as_bytes()[prefix.len()] == b'.'
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Node {
    type Err = NodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Node::parse(s)
    }
}

impl AsRef<str> for Node {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What a grant matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// `*`: every node.
    All,
    /// `prefix.*`: every node strictly below `prefix`.
    Below(Node),
    /// One node exactly.
    Exact(Node),
}

impl Pattern {
    /// Whether this pattern matches the concrete node `node`.
    pub fn matches(&self, node: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Below(prefix) => is_strictly_below(node, prefix.as_str()),
            Pattern::Exact(exact) => exact.as_str() == node,
        }
    }

    /// Higher is more specific: an exact node beats any wildcard that matches the same node,
    /// a longer prefix beats a shorter one, and `*` is the least specific.
    pub fn specificity(&self) -> usize {
        match self {
            Pattern::All => 0,
            Pattern::Below(prefix) => 2 * prefix.segments().count(),
            Pattern::Exact(node) => 2 * node.segments().count() + 1,
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::All => f.write_str("*"),
            Pattern::Below(prefix) => write!(f, "{prefix}.*"),
            Pattern::Exact(node) => write!(f, "{node}"),
        }
    }
}

/// A grant as written on a role or user: a node, `*`, `prefix.*`, or any of those denied with
/// a leading `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    /// What the grant matches.
    pub pattern: Pattern,
    /// `true` for a denial (`-node`).
    pub deny: bool,
}

impl Grant {
    /// Parses `node`, `*`, `prefix.*`, `-node`, `-*` or `-prefix.*`.
    pub fn parse(input: &str) -> Result<Self, NodeError> {
        let (deny, body, offset) = match input.strip_prefix('-') {
            Some(rest) => (true, rest, 1),
            None => (false, input, 0),
        };
        if body.is_empty() {
            return Err(error(input, offset, NodeErrorReason::Empty));
        }
        let pattern = if body == "*" {
            Pattern::All
        } else if let Some(prefix) = body.strip_suffix(".*") {
            check_segments(input, prefix, offset)?;
            Pattern::Below(Node(prefix.into()))
        } else {
            check_segments(input, body, offset)?;
            Pattern::Exact(Node(body.into()))
        };
        Ok(Grant { pattern, deny })
    }

    /// An allowing grant of one exact node.
    pub fn allow(node: Node) -> Self {
        Grant {
            pattern: Pattern::Exact(node),
            deny: false,
        }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.deny {
            f.write_str("-")?;
        }
        self.pattern.fmt(f)
    }
}

impl std::str::FromStr for Grant {
    type Err = NodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Grant::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nodes_and_grants() {
        assert_eq!(
            Node::parse("unifi.site.wifi.read.hideSSID")
                .unwrap()
                .segments()
                .count(),
            5
        );
        assert_eq!(Grant::parse("*").unwrap().pattern, Pattern::All);
        let g = Grant::parse("-credential.secure_values.read").unwrap();
        assert!(g.deny);
        assert_eq!(g.to_string(), "-credential.secure_values.read");
        let g = Grant::parse("unifi.site-x.*").unwrap();
        assert_eq!(
            g.pattern,
            Pattern::Below(Node::parse("unifi.site-x").unwrap())
        );
        assert_eq!(Grant::parse("-a.*").unwrap().to_string(), "-a.*");
    }

    #[test]
    fn rejects_malformed_input_with_position() {
        let cases: &[(&str, usize, NodeErrorReason)] = &[
            ("", 0, NodeErrorReason::Empty),
            ("-", 1, NodeErrorReason::Empty),
            ("a..b", 2, NodeErrorReason::EmptySegment),
            (".a", 0, NodeErrorReason::EmptySegment),
            ("a.", 2, NodeErrorReason::EmptySegment),
            ("a b", 1, NodeErrorReason::InvalidCharacter(' ')),
            ("*.x", 0, NodeErrorReason::MisplacedWildcard),
            ("a.*b", 2, NodeErrorReason::MisplacedWildcard),
            ("a.b*", 3, NodeErrorReason::MisplacedWildcard),
            ("-a..*", 3, NodeErrorReason::EmptySegment),
            ("a.é", 2, NodeErrorReason::InvalidCharacter('é')),
            (".*", 0, NodeErrorReason::EmptySegment),
        ];
        for (input, position, reason) in cases {
            let err = Grant::parse(input).unwrap_err();
            assert_eq!(
                (err.position, err.reason),
                (*position, *reason),
                "{input:?}"
            );
            assert!(err.to_string().contains(&format!("`{input}`")));
        }
        assert!(Node::parse("a.*").is_err(), "a node is never a wildcard");
        assert!(Node::parse("*").is_err());
    }

    #[test]
    fn below_is_strict() {
        let p = Pattern::Below(Node::parse("a.b").unwrap());
        assert!(p.matches("a.b.c"));
        assert!(p.matches("a.b.c.d"));
        assert!(!p.matches("a.b"));
        assert!(!p.matches("a.bc"));
        assert!(!p.matches("a"));
    }
}
