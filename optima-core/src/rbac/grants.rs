//! A user's grants compiled into lookup tables, so that a check is a handful of hash lookups
//! rather than a scan over strings.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;

use super::catalog::Catalog;
use super::node::{Grant, NodeError, Pattern};

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<rustc_hash::FxHasher>>;

/// Where a grant came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "role", rename_all = "camelCase")]
pub enum GrantSource {
    /// A role the user holds, by moniker.
    Role(String),
    /// Granted to the user directly.
    Direct,
}

impl fmt::Display for GrantSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantSource::Role(moniker) => write!(f, "role `{moniker}`"),
            GrantSource::Direct => f.write_str("direct grant"),
        }
    }
}

/// One grant and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourcedGrant {
    /// The grant as written (`-credential.*`).
    #[serde(serialize_with = "serialize_display")]
    pub grant: Grant,
    /// The role or direct assignment it came from.
    pub source: GrantSource,
}

fn serialize_display<S: serde::Serializer>(
    value: &impl fmt::Display,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Why a check came out as it did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The node that was checked.
    pub node: String,
    /// The outcome.
    pub granted: bool,
    /// The grant that decided, if any matched (none matching means denied).
    pub decided_by: Option<SourcedGrant>,
    /// A dependency of the node that was not granted; when set, `granted` is false.
    pub missing_dependency: Option<String>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.granted { "granted" } else { "denied" };
        write!(f, "`{}` {verdict}", self.node)?;
        match (&self.decided_by, &self.missing_dependency) {
            (_, Some(dep)) => write!(f, ": its dependency `{dep}` is not granted"),
            (Some(d), None) => write!(f, " by `{}` from {}", d.grant, d.source),
            (None, None) => f.write_str(": no grant matches"),
        }
    }
}

/// The effect of the most specific grant at one key, remembering the index of the grant for
/// explanations.
#[derive(Debug, Clone, Copy)]
struct Effect {
    deny: bool,
    index: u32,
}

impl Effect {
    /// At equal specificity a denial wins; between equals the first written is kept.
    fn merge(slot: &mut Option<Effect>, new: Effect) {
        match slot {
            Some(existing) if existing.deny || !new.deny => {}
            _ => *slot = Some(new),
        }
    }

    fn merge_at(map: &mut FastMap<Box<str>, Effect>, key: &str, new: Effect) {
        let mut slot = map.get(key).copied();
        Effect::merge(&mut slot, new);
        if let Some(effect) = slot {
            map.insert(key.into(), effect);
        }
    }
}

/// The grants of one subject (a user's roles plus their direct grants), compiled for checks.
///
/// Build with [`GrantSet::builder`]. Dependencies between nodes are taken from the catalog
/// given to [`GrantSetBuilder::dependencies_from`]; without one, nodes have no dependencies.
#[derive(Clone, Default)]
pub struct GrantSet {
    grants: Vec<SourcedGrant>,
    all: Option<Effect>,
    exact: FastMap<Box<str>, Effect>,
    below: FastMap<Box<str>, Effect>,
    dependencies: FastMap<Box<str>, Box<[Box<str>]>>,
    /// Whether each node that has dependencies has them all granted, worked out once at build
    /// time: a grant set never changes, and field filtering asks about the same dependency
    /// for every field.
    dependencies_met: FastMap<Box<str>, bool>,
}

impl fmt::Debug for GrantSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrantSet")
            .field(
                "grants",
                &self
                    .grants
                    .iter()
                    .map(|g| g.grant.to_string())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Collects grants from roles and direct assignments, then compiles them.
#[derive(Debug, Default)]
pub struct GrantSetBuilder {
    grants: Vec<SourcedGrant>,
    pub(crate) dependencies: FastMap<Box<str>, Box<[Box<str>]>>,
}

impl GrantSetBuilder {
    /// Adds a role's grants, parsing each; the first malformed one is an error.
    pub fn role<S: AsRef<str>>(
        mut self,
        moniker: &str,
        grants: impl IntoIterator<Item = S>,
    ) -> Result<Self, NodeError> {
        let source = GrantSource::Role(moniker.into());
        for g in grants {
            self.grants.push(SourcedGrant {
                grant: Grant::parse(g.as_ref())?,
                source: source.clone(),
            });
        }
        Ok(self)
    }

    /// Adds grants given to the subject directly.
    pub fn direct<S: AsRef<str>>(
        mut self,
        grants: impl IntoIterator<Item = S>,
    ) -> Result<Self, NodeError> {
        for g in grants {
            self.grants.push(SourcedGrant {
                grant: Grant::parse(g.as_ref())?,
                source: GrantSource::Direct,
            });
        }
        Ok(self)
    }

    /// Adds already parsed grants.
    pub fn grants(mut self, grants: impl IntoIterator<Item = SourcedGrant>) -> Self {
        self.grants.extend(grants);
        self
    }

    /// Takes node dependencies from the catalog: a node is granted only if its dependencies are.
    pub fn dependencies_from(mut self, catalog: &Catalog) -> Self {
        self.dependencies = catalog
            .dependency_edges()
            .map(|(node, deps)| {
                (
                    Box::from(node),
                    deps.iter().map(|d| Box::from(d.as_str())).collect(),
                )
            })
            .collect();
        self
    }

    /// Compiles the grants.
    pub fn build(self) -> GrantSet {
        let mut set = GrantSet {
            dependencies: self.dependencies,
            ..GrantSet::default()
        };
        for (i, sourced) in self.grants.iter().enumerate() {
            let effect = Effect {
                deny: sourced.grant.deny,
                index: u32::try_from(i).unwrap_or(u32::MAX),
            };
            match &sourced.grant.pattern {
                Pattern::All => Effect::merge(&mut set.all, effect),
                Pattern::Exact(node) => Effect::merge_at(&mut set.exact, node.as_str(), effect),
                Pattern::Below(prefix) => Effect::merge_at(&mut set.below, prefix.as_str(), effect),
            }
        }
        set.grants = self.grants;
        set.dependencies_met = set
            .dependencies
            .keys()
            .map(|node| (node.clone(), set.dependencies_met_at_depth(node, 0)))
            .collect();
        set
    }
}

/// How deep dependency chains are followed; the catalog's chains are short, this only stops
/// a cycle written by mistake.
const MAX_DEPENDENCY_DEPTH: usize = 8;

impl GrantSet {
    /// Starts an empty builder.
    pub fn builder() -> GrantSetBuilder {
        GrantSetBuilder::default()
    }

    /// The grants this set was compiled from, with their sources.
    pub fn grants(&self) -> &[SourcedGrant] {
        &self.grants
    }

    /// Each node that has dependencies, with them.
    pub(crate) fn dependency_edges(&self) -> impl Iterator<Item = (&str, &[Box<str>])> {
        self.dependencies.iter().map(|(n, d)| (&**n, &**d))
    }

    /// The most specific matching grant's effect, ignoring dependencies.
    fn decide(&self, node: &str) -> Option<Effect> {
        match self.exact.get(node) {
            Some(effect) => Some(*effect),
            None => self.decide_below(node, node.len()),
        }
    }

    /// The effect of the wildcards covering `node`, looking only at prefixes of `node[..end]`
    /// (longest first: `a.b.*` is more specific than `a.*`), then `*`.
    fn decide_below(&self, node: &str, end: usize) -> Option<Effect> {
        if !self.below.is_empty() {
            let bytes = node.as_bytes();
            let mut end = end;
            while let Some(dot) = bytes[..end].iter().rposition(|&b| b == b'.') {
                if let Some(effect) = self.below.get(&node[..dot]) {
                    return Some(*effect);
                }
                end = dot;
            }
        }
        self.all
    }

    /// A checker for the direct children of `parent` (`parent.<segment>`), which works out
    /// the wildcard part of the decision once rather than per child.
    pub(crate) fn children_of(&self, parent: &str) -> ChildChecker<'_> {
        let below_parent = match self.below.get(parent) {
            Some(effect) => Some(*effect),
            None => self.decide_below(parent, parent.len()),
        };
        ChildChecker {
            set: self,
            below_parent,
        }
    }

    /// Whether `node` is granted: its most specific matching grant allows it and every
    /// dependency of it is granted too. Anything unmatched is denied.
    pub fn check(&self, node: &str) -> bool {
        matches!(self.decide(node), Some(Effect { deny: false, .. }))
            && self.dependencies_met.get(node).copied().unwrap_or(true)
    }

    /// The slow path behind `dependencies_met`, used only while building.
    fn check_at_depth(&self, node: &str, depth: usize) -> bool {
        matches!(self.decide(node), Some(Effect { deny: false, .. }))
            && self.dependencies_met_at_depth(node, depth)
    }

    fn dependencies_met_at_depth(&self, node: &str, depth: usize) -> bool {
        match self.dependencies.get(node) {
            None => true,
            Some(_) if depth >= MAX_DEPENDENCY_DEPTH => false,
            Some(deps) => deps.iter().all(|d| self.check_at_depth(d, depth + 1)),
        }
    }

    /// Whether every node is granted.
    pub fn check_all<S: AsRef<str>>(&self, nodes: impl IntoIterator<Item = S>) -> bool {
        nodes.into_iter().all(|n| self.check(n.as_ref()))
    }

    /// Checks each node, in order.
    pub fn check_many<S: AsRef<str>>(&self, nodes: impl IntoIterator<Item = S>) -> Vec<bool> {
        nodes.into_iter().map(|n| self.check(n.as_ref())).collect()
    }

    /// Checks `node` and says which grant decided and where it came from.
    pub fn explain(&self, node: &str) -> Explanation {
        let decided_by = self
            .decide(node)
            .and_then(|e| self.grants.get(e.index as usize))
            .cloned();
        let allowed = decided_by.as_ref().is_some_and(|g| !g.grant.deny);
        let missing_dependency = if allowed {
            self.missing_dependency(node, 0)
        } else {
            None
        };
        Explanation {
            node: node.to_owned(),
            granted: allowed && missing_dependency.is_none(),
            decided_by,
            missing_dependency,
        }
    }

    fn missing_dependency(&self, node: &str, depth: usize) -> Option<String> {
        let deps = self.dependencies.get(node)?;
        for dep in deps.iter() {
            if depth >= MAX_DEPENDENCY_DEPTH || !self.check_at_depth(dep, depth + 1) {
                return Some(dep.to_string());
            }
        }
        None
    }
}

/// See [`GrantSet::children_of`].
pub(crate) struct ChildChecker<'a> {
    set: &'a GrantSet,
    below_parent: Option<Effect>,
}

impl ChildChecker<'_> {
    /// Checks `node`, which the caller guarantees is `parent.<one valid segment>`.
    pub(crate) fn check(&self, node: &str) -> bool {
        let effect = match self.set.exact.get(node) {
            Some(effect) => Some(*effect),
            None => self.below_parent,
        };
        matches!(effect, Some(Effect { deny: false, .. }))
            && self.set.dependencies_met.get(node).copied().unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(grants: &[&str]) -> GrantSet {
        GrantSet::builder().direct(grants).unwrap().build()
    }

    #[test]
    fn nothing_matches_means_denied() {
        assert!(!set(&[]).check("user.read"));
        assert!(!set(&["user.write"]).check("user.read"));
    }

    #[test]
    fn star_grants_everything() {
        let s = set(&["*"]);
        assert!(s.check("user.read"));
        assert!(s.check("unifi.site.wifi.read.hideSSID"));
    }

    #[test]
    fn prefix_wildcard_covers_strictly_below() {
        let s = set(&["credential.*"]);
        assert!(s.check("credential.fetch"));
        assert!(s.check("credential.fetch.many"));
        assert!(!s.check("credential"));
        assert!(!s.check("credential_type.fetch"));
    }

    #[test]
    fn most_specific_wins() {
        let s = set(&["*", "-credential.*", "credential.fetch"]);
        assert!(s.check("user.read"));
        assert!(!s.check("credential.delete"));
        assert!(s.check("credential.fetch"));
        assert!(!s.check("credential.fetch.many"), "a.* denial beats *");

        let s = set(&["-unifi.*", "unifi.site.*"]);
        assert!(s.check("unifi.site.wifi"));
        assert!(!s.check("unifi.access"));
    }

    #[test]
    fn denial_wins_ties_in_any_order() {
        for grants in [
            ["credential.fetch", "-credential.fetch"],
            ["-credential.fetch", "credential.fetch"],
        ] {
            assert!(!set(&grants).check("credential.fetch"));
        }
        assert!(!set(&["a.*", "-a.*"]).check("a.b"));
        assert!(!set(&["-*", "*"]).check("a"));
    }

    #[test]
    fn everything_but_secrets() {
        let s = set(&["*", "-credential.secure_values.read"]);
        assert!(s.check("credential.fetch"));
        assert!(!s.check("credential.secure_values.read"));
    }

    #[test]
    fn explains_the_deciding_grant_and_source() {
        let s = GrantSet::builder()
            .role("admin", ["*"])
            .unwrap()
            .role("auditor", ["-credential.*"])
            .unwrap()
            .direct(["credential.fetch"])
            .unwrap()
            .build();
        let e = s.explain("credential.fetch");
        assert!(e.granted);
        assert_eq!(e.decided_by.as_ref().unwrap().source, GrantSource::Direct);
        let e = s.explain("credential.delete");
        assert!(!e.granted);
        let d = e.decided_by.unwrap();
        assert_eq!(d.grant.to_string(), "-credential.*");
        assert_eq!(d.source, GrantSource::Role("auditor".into()));
        assert_eq!(
            s.explain("role.read").decided_by.unwrap().source,
            GrantSource::Role("admin".into())
        );
        let none = set(&[]).explain("x");
        assert!(!none.granted && none.decided_by.is_none());
        assert_eq!(none.to_string(), "`x` denied: no grant matches");
    }

    #[test]
    fn check_many_and_all() {
        let s = set(&["a.b", "c.*"]);
        assert_eq!(s.check_many(["a.b", "a.c", "c.d"]), vec![true, false, true]);
        assert!(s.check_all(["a.b", "c.d"]));
        assert!(!s.check_all(["a.b", "a.c"]));
    }
}
