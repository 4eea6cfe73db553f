//! No escalation, checked against a naive model: over random holders and random grants, the
//! delegation checks agree with a brute-force reading over a finite universe of nodes, and no
//! sequence of allowed role and user changes ever gives anyone a node its author did not hold.

use std::collections::BTreeSet;

use optima_core::rbac::{Affected, Catalog, Grant, GrantSet, authorize_change};
use proptest::prelude::*;

/// Segments grants are written with; the universe adds `d`, a segment no grant names, so that
/// "any other child" is in it too.
const GRANT_SEGMENTS: &[&str] = &["a", "b", "c"];
const UNIVERSE_SEGMENTS: &[&str] = &["a", "b", "c", "d"];

/// `a.b` needs `c`, and `c.a` needs `b.b`: dependencies the checks must respect.
const DEPENDENCIES: &[(&str, &[&str])] = &[("a.b", &["c"]), ("c.a", &["b.b"])];

fn catalog() -> Catalog {
    let mut catalog = Catalog::new();
    catalog.add_category("t", "Test", "test nodes").unwrap();
    for node in ["c", "b.b"] {
        catalog.add_node("t", node, "a dependency", &[]).unwrap();
    }
    for (node, deps) in DEPENDENCIES {
        catalog
            .add_node("t", node, "has dependencies", deps)
            .unwrap();
    }
    catalog
}

/// Every node of up to four segments over the universe's segments: 340 nodes. Grants name at
/// most three segments from a smaller set, so every way a real node can be decided shows up.
fn universe() -> Vec<String> {
    let mut all = Vec::new();
    let mut level: Vec<String> = vec![String::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for prefix in &level {
            for s in UNIVERSE_SEGMENTS {
                next.push(if prefix.is_empty() {
                    (*s).to_owned()
                } else {
                    format!("{prefix}.{s}")
                });
            }
        }
        all.extend(next.iter().cloned());
        level = next;
    }
    all
}

mod common;

/// The rules of DESIGN.md by scanning, with this file's dependencies when `with_dependencies`.
fn naive(grants: &[String], node: &str, with_dependencies: bool) -> bool {
    common::naive(
        grants,
        node,
        if with_dependencies { DEPENDENCIES } else { &[] },
    )
}

fn compiled(grants: &[String]) -> GrantSet {
    GrantSet::builder()
        .direct(grants)
        .unwrap()
        .dependencies_from(&catalog())
        .build()
}

/// A node, often one of those with or behind a dependency, where escalation likes to hide.
fn node() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(&["a.b", "c", "c.a", "b.b"][..]).prop_map(str::to_owned),
        5 => prop::collection::vec(prop::sample::select(GRANT_SEGMENTS), 1..4)
            .prop_map(|s| s.join(".")),
    ]
}

fn grant() -> impl Strategy<Value = String> {
    (
        prop::bool::weighted(0.25),
        prop_oneof![
            1 => Just("*".to_owned()),
            4 => node().prop_map(|n| format!("{n}.*")),
            6 => node(),
        ],
    )
        .prop_map(|(deny, g)| if deny { format!("-{g}") } else { g })
}

fn grants() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(grant(), 0..7)
}

fn parsed(grants: &[String]) -> Vec<Grant> {
    grants.iter().map(|g| Grant::parse(g).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// `can_grant(g)` holds exactly when the holder holds every node `g` matches.
    #[test]
    fn can_grant_agrees_with_the_model(holder in grants(), given in grant()) {
        let set = compiled(&holder);
        let g = Grant::parse(&given).unwrap();
        let model = g.deny
            || universe()
                .iter()
                .all(|n| !naive(std::slice::from_ref(&given), n, false) || naive(&holder, n, true));
        prop_assert_eq!(set.can_grant(&g).is_ok(), model, "holder {:?} grant {}", holder, given);
    }

    /// `covers(other)` holds exactly when every node `other` holds, `self` holds.
    #[test]
    fn covers_agrees_with_the_model(holder in grants(), other in grants()) {
        let model = universe()
            .iter()
            .all(|n| !naive(&other, n, true) || naive(&holder, n, true));
        prop_assert_eq!(compiled(&holder).covers(&compiled(&other)).is_ok(), model,
            "holder {:?} other {:?}", holder, other);
    }

    /// `can_confer` holds exactly when every node gained, the holder holds; and whatever it
    /// reports lacking is something gained that the holder does not hold.
    #[test]
    fn can_confer_agrees_with_the_model(holder in grants(), before in grants(), after in grants()) {
        let gained: Vec<String> = universe()
            .into_iter()
            .filter(|n| naive(&after, n, true) && !naive(&before, n, true))
            .collect();
        let model = gained.iter().all(|n| naive(&holder, n, true));
        let result = compiled(&holder).can_confer(&compiled(&before), &compiled(&after));
        prop_assert_eq!(result.is_ok(), model, "holder {:?} {:?} -> {:?}", holder, before, after);
    }

    /// `can_change` never lets a written change give what the holder lacks, whatever else the
    /// subject holds: compare the written lists on their own.
    #[test]
    fn can_change_never_gives_what_the_holder_lacks(
        holder in grants(), before in grants(), after in grants(), others in grants(),
    ) {
        let set = compiled(&holder);
        if set.can_change(&parsed(&before), &parsed(&after)).is_ok() {
            let with = |written: &[String]| [written, &others[..]].concat();
            for n in universe() {
                if naive(&with(&after), &n, false) && !naive(&with(&before), &n, false) {
                    prop_assert!(naive(&holder, &n, true),
                        "{} gained under others {:?} though the holder {:?} lacks it", n, others, holder);
                }
            }
        }
    }
}

/// A small organisation: users with roles and direct grants.
#[derive(Debug, Clone)]
struct Org {
    roles: Vec<Vec<String>>,
    users: Vec<Option<UserState>>,
}

#[derive(Debug, Clone)]
struct UserState {
    roles: BTreeSet<usize>,
    direct: Vec<String>,
}

impl Org {
    fn written(&self, user: usize) -> Option<Vec<String>> {
        let u = self.users[user].as_ref()?;
        let mut all: Vec<String> = u
            .roles
            .iter()
            .flat_map(|r| self.roles[*r].clone())
            .collect();
        all.extend(u.direct.iter().cloned());
        Some(all)
    }

    fn effective(&self, user: usize) -> GrantSet {
        compiled(&self.written(user).unwrap_or_default())
    }

    fn holders(&self, role: usize) -> Vec<usize> {
        (0..self.users.len())
            .filter(|u| {
                self.users[*u]
                    .as_ref()
                    .is_some_and(|s| s.roles.contains(&role))
            })
            .collect()
    }
}

/// One change, made by `actor`, as the server's routes make it.
#[derive(Debug, Clone)]
enum Op {
    /// Create, edit, add to, remove from or delete a role: its grants become `grants`.
    SetRoleGrants {
        actor: usize,
        role: usize,
        grants: Vec<String>,
    },
    /// Replace a user's direct grants.
    SetDirect {
        actor: usize,
        user: usize,
        grants: Vec<String>,
    },
    /// Replace a user's roles.
    SetRoles {
        actor: usize,
        user: usize,
        roles: BTreeSet<usize>,
    },
    /// Delete a user.
    Delete { actor: usize, user: usize },
}

const USERS: usize = 4;
const ROLES: usize = 3;

fn op() -> impl Strategy<Value = Op> {
    let who = 0..USERS;
    prop_oneof![
        (who.clone(), 0..ROLES, grants()).prop_map(|(actor, role, grants)| Op::SetRoleGrants {
            actor,
            role,
            grants
        }),
        (who.clone(), who.clone(), grants()).prop_map(|(actor, user, grants)| Op::SetDirect {
            actor,
            user,
            grants
        }),
        (
            who.clone(),
            who.clone(),
            prop::collection::btree_set(0..ROLES, 0..=ROLES)
        )
            .prop_map(|(actor, user, roles)| Op::SetRoles { actor, user, roles }),
        (who.clone(), who).prop_map(|(actor, user)| Op::Delete { actor, user }),
    ]
}

fn org() -> impl Strategy<Value = Org> {
    (
        prop::collection::vec(grants(), ROLES),
        prop::collection::vec(
            (prop::collection::btree_set(0..ROLES, 0..=ROLES), grants()),
            USERS,
        ),
    )
        .prop_map(|(roles, users)| Org {
            roles,
            users: users
                .into_iter()
                .map(|(roles, direct)| Some(UserState { roles, direct }))
                .collect(),
        })
}

/// Applies `op` if the delegation rules allow it, as the server does; returns the new state, or
/// `None` when it is refused.
fn apply(org: &Org, op: &Op) -> Option<Org> {
    let actor = match op {
        Op::SetRoleGrants { actor, .. }
        | Op::SetDirect { actor, .. }
        | Op::SetRoles { actor, .. }
        | Op::Delete { actor, .. } => *actor,
    };
    org.users[actor].as_ref()?;
    let actor_set = org.effective(actor);
    let mut next = org.clone();
    let (before, after, affected_users): (Vec<String>, Vec<String>, Vec<usize>) = match op {
        Op::SetRoleGrants { role, grants, .. } => {
            next.roles[*role] = grants.clone();
            (org.roles[*role].clone(), grants.clone(), org.holders(*role))
        }
        Op::SetDirect { user, grants, .. } => {
            let u = next.users[*user].as_mut()?;
            let before = std::mem::replace(&mut u.direct, grants.clone());
            (before, grants.clone(), vec![*user])
        }
        Op::SetRoles { user, roles, .. } => {
            let u = next.users[*user].as_mut()?;
            u.roles = roles.clone();
            let written = |o: &Org| -> Vec<String> {
                o.users[*user].as_ref().map_or_else(Vec::new, |s| {
                    s.roles.iter().flat_map(|r| o.roles[*r].clone()).collect()
                })
            };
            (written(org), written(&next), vec![*user])
        }
        Op::Delete { user, .. } => {
            next.users[*user].as_ref()?;
            next.users[*user] = None;
            (org.written(*user)?, Vec::new(), vec![*user])
        }
    };
    // Managing another user needs holding all they hold; changing one's own grants is refused.
    if let Op::SetDirect { user, .. } | Op::SetRoles { user, .. } | Op::Delete { user, .. } = op
        && (*user == actor || actor_set.covers(&org.effective(*user)).is_err())
    {
        return None;
    }
    let befores: Vec<GrantSet> = affected_users.iter().map(|u| org.effective(*u)).collect();
    let afters: Vec<GrantSet> = affected_users.iter().map(|u| next.effective(*u)).collect();
    let names: Vec<String> = affected_users.iter().map(|u| format!("user {u}")).collect();
    let affected = (0..affected_users.len()).map(|i| Affected {
        subject: &names[i],
        before: &befores[i],
        after: &afters[i],
    });
    authorize_change(&actor_set, &parsed(&before), &parsed(&after), affected).ok()?;
    Some(next)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Every node anyone gains through an allowed change, its author held when making it; so no
    /// sequence of allowed changes gives anyone a node that no author in it held. And whoever
    /// loses anything through a change held nothing its author lacked.
    #[test]
    fn no_sequence_of_allowed_changes_escalates(
        start in org(),
        ops in prop::collection::vec(op(), 1..12),
    ) {
        let universe = universe();
        let mut org = start;
        for op in &ops {
            let Some(next) = apply(&org, op) else { continue };
            let actor = match op {
                Op::SetRoleGrants { actor, .. } | Op::SetDirect { actor, .. }
                | Op::SetRoles { actor, .. } | Op::Delete { actor, .. } => *actor,
            };
            let author = org.written(actor).unwrap();
            for user in 0..USERS {
                let Some(was) = org.written(user) else { continue };
                let now = next.written(user).unwrap_or_default();
                for n in &universe {
                    if naive(&now, n, true) && !naive(&was, n, true) {
                        prop_assert!(naive(&author, n, true),
                            "{:?} gave user {} `{}`, which its author (grants {:?}) lacks", op, user, n, author);
                    }
                }
                // Whoever loses anything held nothing the author lacked: no disarming a superior.
                if universe.iter().any(|n| naive(&was, n, true) && !naive(&now, n, true)) {
                    for n in &universe {
                        prop_assert!(!naive(&was, n, true) || naive(&author, n, true),
                            "{:?} took from user {}, who holds `{}`, which its author (grants {:?}) lacks",
                            op, user, n, author);
                    }
                }
            }
            org = next;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// An API key's effective grants: the owner's and the key's own, both; the intersection
    /// agrees with the naive model on every node of the universe, whatever either side writes
    /// (wildcards, denials, dependencies).
    #[test]
    fn intersection_is_what_both_hold(owner in grants(), scope in grants()) {
        let owner_set = compiled(&owner);
        let scope_set = compiled(&scope);
        let both = owner_set.intersection(&scope_set, optima_core::rbac::GrantSource::Direct);
        for node in universe() {
            let expected = naive(&owner, &node, true) && naive(&scope, &node, true);
            prop_assert_eq!(both.check(&node), expected, "{} with {:?} and {:?}", node, owner, scope);
        }
        // Neither side is widened: the intersection is covered by each.
        prop_assert!(owner_set.covers(&both).is_ok());
        prop_assert!(scope_set.covers(&both).is_ok());
    }
}
