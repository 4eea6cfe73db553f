//! Delegation: who may give whom which grants.
//!
//! The rule is the one Kubernetes RBAC enforces with its `escalate` and `bind` verbs: nobody can
//! give anyone, themselves included, a permission they do not hold. Holding a route's permission
//! (`role.modify`, `user.permissions.other`) only says that a caller may edit grants at all; the
//! checks here say whether *this* edit stays within what the caller holds.
//!
//! Node space is unbounded, so "every node a grant set allows" cannot be listed. It does not need
//! to be: two nodes that match the same grants of every set involved are decided alike by each
//! set, so it is enough to probe one node per class. The classes are the nodes the sets name, and,
//! below every prefix they name, "any other child" — probed with the text `prefix.*`, which no
//! exact grant can equal and which every wildcard covering a fresh child also covers. `*` probes a
//! fresh top-level node. See [`GrantSet::covers`].

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use super::grants::{GrantSet, GrantSource, SourcedGrant};
use super::node::{Grant, Pattern, is_strictly_below};

/// The nodes a caller would need to hold for a change, as probes: a node (`credential.fetch`),
/// or `prefix.*` meaning "some node below `prefix` that is not named otherwise", or `*` for
/// "some node nothing names". Sorted, and without entries that a broader entry already implies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lacking(Vec<String>);

impl Lacking {
    /// The probes the caller lacks, sorted.
    pub fn nodes(&self) -> &[String] {
        &self.0
    }

    /// Whether nothing is lacking.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn from_probes(probes: BTreeSet<String>) -> Lacking {
        if probes.contains("*") {
            return Lacking(vec!["*".to_owned()]);
        }
        let regions: Vec<&str> = probes.iter().filter_map(|p| p.strip_suffix(".*")).collect();
        let implied = |probe: &str| {
            let node = probe.strip_suffix(".*").unwrap_or(probe);
            regions.iter().any(|r| is_strictly_below(node, r))
        };
        Lacking(probes.iter().filter(|p| !implied(p)).cloned().collect())
    }

    fn into_result(self) -> Result<(), Lacking> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    fn merge(results: impl IntoIterator<Item = Result<(), Lacking>>) -> Result<(), Lacking> {
        let all: BTreeSet<String> = results
            .into_iter()
            .filter_map(Result::err)
            .flat_map(|l| l.0)
            .collect();
        Lacking::from_probes(all).into_result()
    }
}

impl fmt::Display for Lacking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, node) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{node}`")?;
        }
        Ok(())
    }
}

impl std::error::Error for Lacking {}

/// Every node that decides alike for all of `sets`, once: the named nodes, a fresh child below
/// every named prefix (and below every named node), and a fresh top-level node.
fn probes(sets: &[&GrantSet]) -> BTreeSet<String> {
    let mut named: HashSet<&str> = HashSet::new();
    let mut prefixes: HashSet<&str> = HashSet::new();
    for set in sets {
        for sourced in set.grants() {
            match &sourced.grant.pattern {
                Pattern::All => {}
                Pattern::Exact(node) => {
                    named.insert(node.as_str());
                }
                Pattern::Below(prefix) => {
                    prefixes.insert(prefix.as_str());
                }
            }
        }
        for (node, deps) in set.dependency_edges() {
            named.insert(node);
            named.extend(deps.iter().map(|d| &**d));
        }
    }
    let mut out: BTreeSet<String> = named.iter().map(|n| (*n).to_owned()).collect();
    out.insert("*".to_owned());
    for text in named.iter().chain(prefixes.iter()) {
        let mut end = text.len();
        loop {
            out.insert(format!("{}.*", &text[..end]));
            match text[..end].rfind('.') {
                Some(dot) => end = dot,
                None => break,
            }
        }
    }
    out
}

/// The probes for which `pred` holds, as what is lacking.
fn lacking_where(sets: &[&GrantSet], pred: impl Fn(&str) -> bool) -> Result<(), Lacking> {
    Lacking::from_probes(probes(sets).into_iter().filter(|p| pred(p)).collect()).into_result()
}

impl GrantSet {
    /// Whether `self` holds at least every node `other` holds, dependencies included; otherwise
    /// what `other` holds that `self` does not. Managing a user needs this: nobody below an
    /// administrator can remove or disarm one.
    pub fn covers(&self, other: &GrantSet) -> Result<(), Lacking> {
        lacking_where(&[self, other], |p| other.check(p) && !self.check(p))
    }

    /// Whether `self` holds every node `grant` would give. A denial gives nothing, so anyone may
    /// add one. `p.*` is covered only by `p.*` or something broader, with no denial of the
    /// holder's below `p`. Dependencies count against the holder (who holds a node only with
    /// its dependencies) but not against the grant, which gives the node to whoever holds them.
    pub fn can_grant(&self, grant: &Grant) -> Result<(), Lacking> {
        if grant.deny {
            return Ok(());
        }
        let given = GrantSet::builder()
            .grants([super::grants::SourcedGrant {
                grant: grant.clone(),
                source: super::grants::GrantSource::Direct,
            }])
            .build();
        lacking_where(&[self, &given], |p| given.check(p) && !self.check(p))
    }

    /// Whether `self` may change a written list of grants (a role's, or a user's direct ones)
    /// from `before` to `after`: every allowing grant added and every denial taken away gives
    /// something, so `self` must hold what it gives. Removing allowing grants and adding
    /// denials give nothing.
    pub fn can_change(&self, before: &[Grant], after: &[Grant]) -> Result<(), Lacking> {
        let old: HashSet<&Grant> = before.iter().collect();
        let new: HashSet<&Grant> = after.iter().collect();
        let added = after
            .iter()
            .filter(|g| !g.deny && !old.contains(g))
            .map(|g| self.can_grant(g));
        let lifted = before
            .iter()
            .filter(|g| g.deny && !new.contains(g))
            .map(|g| {
                self.can_grant(&Grant {
                    pattern: g.pattern.clone(),
                    deny: false,
                })
            });
        Lacking::merge(added.chain(lifted))
    }

    /// Whether `self` holds every node that a subject holds `after` a change but did not hold
    /// `before` it. This sees what [`GrantSet::can_change`] cannot: the subject's other roles,
    /// and dependencies a change completes.
    pub fn can_confer(&self, before: &GrantSet, after: &GrantSet) -> Result<(), Lacking> {
        lacking_where(&[self, before, after], |p| {
            after.check(p) && !before.check(p) && !self.check(p)
        })
    }

    /// What `self` and `scope` both hold, as one set: an API key's effective grants are its
    /// owner's intersected with the key's own. For every node, `intersection.check(n)` is
    /// `self.check(n) && scope.check(n)` (dependencies included); the set is written with one
    /// grant per class of nodes that both decide alike, each allowing or denying, all from
    /// `source`, and has `self`'s dependencies.
    pub fn intersection(&self, scope: &GrantSet, source: GrantSource) -> GrantSet {
        let grants = probes(&[self, scope]).into_iter().filter_map(|probe| {
            let held = self.check(&probe) && scope.check(&probe);
            let text = if held { probe } else { format!("-{probe}") };
            // Every probe is a node, `prefix.*` or `*`: it parses.
            Grant::parse(&text).ok().map(|grant| SourcedGrant {
                grant,
                source: source.clone(),
            })
        });
        let mut builder = GrantSet::builder().grants(grants);
        builder.dependencies = self
            .dependency_edges()
            .map(|(node, deps)| (node.into(), deps.into()))
            .collect();
        builder.build()
    }

    /// Whether this set holds every node there is (`*` with nothing denied under it and every
    /// dependency met): an administrator.
    pub fn holds_everything(&self) -> bool {
        lacking_where(&[self], |p| !self.check(p)).is_ok()
    }
}

/// A subject (a user) whose effective grants a change alters, before and after it.
#[derive(Debug, Clone, Copy)]
pub struct Affected<'a> {
    /// How to name the subject in an error (an email, say).
    pub subject: &'a str,
    /// The subject's effective grants now.
    pub before: &'a GrantSet,
    /// The subject's effective grants if the change is made.
    pub after: &'a GrantSet,
}

/// Why a change of grants was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DelegationError {
    /// The change would give what the caller does not hold.
    #[error("you cannot grant permissions you do not hold yourself; you lack {lacking}")]
    Escalation {
        /// What the caller would need to hold.
        lacking: Lacking,
    },
    /// The change takes something away from a subject who holds more than the caller.
    #[error(
        "{subject} holds permissions you do not, so you cannot change or remove what they hold; you lack {lacking}"
    )]
    Outranked {
        /// The subject, as named in [`Affected::subject`].
        subject: String,
        /// What the subject holds and the caller does not.
        lacking: Lacking,
    },
}

/// Decides whether `actor` may change a written list of grants from `written_before` to
/// `written_after`, given every subject whose effective grants the change alters:
/// - the written change gives nothing the actor lacks ([`GrantSet::can_change`]);
/// - no affected subject gains a node the actor lacks ([`GrantSet::can_confer`]);
/// - a subject who loses anything holds nothing the actor lacks ([`GrantSet::covers`]), so a
///   delegated administrator cannot disarm a greater one.
///
/// Deleting a role, or a user, is a change to an empty list; assigning a role to a user is a
/// change from nothing to the role's grants with that user affected.
pub fn authorize_change<'a>(
    actor: &GrantSet,
    written_before: &[Grant],
    written_after: &[Grant],
    affected: impl IntoIterator<Item = Affected<'a>>,
) -> Result<(), DelegationError> {
    let escalation = |lacking| DelegationError::Escalation { lacking };
    actor
        .can_change(written_before, written_after)
        .map_err(escalation)?;
    for a in affected {
        actor.can_confer(a.before, a.after).map_err(escalation)?;
        if a.after.covers(a.before).is_err() {
            actor
                .covers(a.before)
                .map_err(|lacking| DelegationError::Outranked {
                    subject: a.subject.to_owned(),
                    lacking,
                })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(grants: &[&str]) -> GrantSet {
        GrantSet::builder().direct(grants).unwrap().build()
    }

    fn grant(g: &str) -> Grant {
        Grant::parse(g).unwrap()
    }

    fn lacking(result: Result<(), Lacking>) -> Vec<String> {
        result.err().map(|l| l.0).unwrap_or_default()
    }

    #[test]
    fn a_holder_can_grant_what_it_holds() {
        let caller = set(&["role.*", "user.read"]);
        assert!(caller.can_grant(&grant("user.read")).is_ok());
        assert!(caller.can_grant(&grant("role.modify")).is_ok());
        assert!(caller.can_grant(&grant("role.*")).is_ok());
        assert!(caller.can_grant(&grant("role.a.*")).is_ok());
        assert_eq!(lacking(caller.can_grant(&grant("*"))), ["*"]);
        assert_eq!(lacking(caller.can_grant(&grant("user.*"))), ["user.*"]);
        assert_eq!(lacking(caller.can_grant(&grant("role"))), ["role"]);
    }

    #[test]
    fn a_denial_under_a_wildcard_blocks_granting_the_wildcard() {
        let caller = set(&["credential.*", "-credential.secure_values.read"]);
        assert_eq!(
            lacking(caller.can_grant(&grant("credential.*"))),
            ["credential.secure_values.read"]
        );
        assert!(caller.can_grant(&grant("credential.fetch")).is_ok());
        let caller = set(&["*", "-credential.secure_values.*"]);
        assert_eq!(
            lacking(caller.can_grant(&grant("*"))),
            ["credential.secure_values.*"]
        );
    }

    #[test]
    fn anyone_may_add_a_denial() {
        assert!(set(&[]).can_grant(&grant("-*")).is_ok());
        assert!(set(&[]).can_grant(&grant("-credential.*")).is_ok());
    }

    #[test]
    fn lifting_a_denial_gives_what_it_denied() {
        let caller = set(&["role.modify"]);
        let before = [grant("*"), grant("-credential.secure_values.read")];
        let after = [grant("*")];
        assert_eq!(
            lacking(caller.can_change(&before, &after)),
            ["credential.secure_values.read"]
        );
        assert!(
            caller.can_change(&after, &before).is_ok(),
            "adding a denial"
        );
        assert!(caller.can_change(&before, &before).is_ok(), "no change");
    }

    #[test]
    fn covers_compares_what_is_held_not_how_it_is_written() {
        let admin = set(&["*"]);
        let almost = set(&["*", "-credential.secure_values.read"]);
        assert!(admin.covers(&almost).is_ok());
        assert_eq!(
            lacking(almost.covers(&admin)),
            ["credential.secure_values.read"]
        );
        assert!(almost.covers(&almost).is_ok());
        let split = set(&["a.*", "b.*"]);
        assert!(split.covers(&set(&["a.x", "b.y.z", "-c"])).is_ok());
        assert!(admin.holds_everything());
        assert!(!almost.holds_everything());
        assert!(!split.holds_everything());
    }

    #[test]
    fn conferring_sees_the_subjects_other_grants() {
        // A subject's `-a.*` ties with a role's `a.*`; adding `a.b` to the role gives `a.b`.
        let before = set(&["a.*", "-a.*"]);
        let after = set(&["a.*", "-a.*", "a.b"]);
        let caller = set(&["role.modify"]);
        assert_eq!(lacking(caller.can_confer(&before, &after)), ["a.b"]);
        assert!(set(&["a.b"]).can_confer(&before, &after).is_ok());
    }

    #[test]
    fn only_a_greater_holder_may_take_away() {
        let admin = set(&["*"]);
        let delegate = set(&["user.*", "role.*"]);
        let nothing = GrantSet::default();
        let deleting_the_admin = Affected {
            subject: "admin@example.com",
            before: &admin,
            after: &nothing,
        };
        let err = authorize_change(&delegate, &[], &[], [deleting_the_admin]).unwrap_err();
        assert!(matches!(err, DelegationError::Outranked { .. }), "{err}");
        assert!(err.to_string().contains("admin@example.com"));
        assert!(authorize_change(&admin, &[], &[], [deleting_the_admin]).is_ok());
    }

    #[test]
    fn lacking_names_the_broadest_region_only() {
        let caller = set(&[]);
        let l = lacking(caller.can_grant(&grant("a.*")));
        assert_eq!(l, ["a.*"]);
        let l = lacking(set(&["a.b"]).covers(&set(&["a.*", "c.d"])));
        assert_eq!(l, ["a.*", "c.d"]);
    }
}
