//! The rules of DESIGN.md read naively, by scanning every grant: the model the compiled engine
//! and the delegation checks are compared with.

use optima_core::rbac::Grant;

/// Whether `grants` allow `node`: the most specific matching grant decides, a denial wins a tie,
/// nothing matching is a no; a node listed in `dependencies` needs each of its dependencies too.
pub fn naive(grants: &[String], node: &str, dependencies: &[(&str, &[&str])]) -> bool {
    let mut best: Option<(usize, bool)> = None; // (specificity, deny)
    for g in grants {
        let g = Grant::parse(g).unwrap();
        if !g.pattern.matches(node) {
            continue;
        }
        let s = g.pattern.specificity();
        best = match best {
            None => Some((s, g.deny)),
            Some((bs, _)) if s > bs => Some((s, g.deny)),
            Some((bs, bd)) if s == bs => Some((bs, bd || g.deny)),
            keep => keep,
        };
    }
    matches!(best, Some((_, false)))
        && dependencies
            .iter()
            .filter(|(n, _)| *n == node)
            .all(|(_, deps)| deps.iter().all(|d| naive(grants, d, dependencies)))
}
