//! The grants version as this process knows it, so that a request does not ask the database.
//!
//! Every change to roles, grants or sessions moves `rbac_state.version` in the same transaction,
//! and cached callers are keyed by it. Reading it per request cost a query per request; instead a
//! replica keeps the last value it read and:
//! - forgets it the moment this process commits a change of its own, so a change made through
//!   this server (a revoked session, a removed role) bites on the very next request;
//! - re-reads it once it is older than [`CROSS_PROCESS_STALENESS`], which bounds how long a change
//!   made by another process (a second replica, the CLI) takes to be seen.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest time a change committed by another process goes unseen by this one.
pub const CROSS_PROCESS_STALENESS: Duration = Duration::from_millis(100);

/// The last grants version read from the database, and when.
#[derive(Debug, Default)]
pub struct VersionCache {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The version and when the query that returned it started.
    known: Option<(i64, Instant)>,
    /// Moves on every local change; a read that started under an older epoch is not kept.
    epoch: u64,
    /// A re-read of an expired (not invalidated) version is in flight.
    refreshing: bool,
}

/// What a caller of [`VersionCache::lookup`] should do.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Use this version.
    Known(i64),
    /// Read the version from the database, then hand it to [`VersionCache::remember`] with this
    /// ticket.
    Read(Ticket),
}

/// Proof of which epoch a database read started in.
#[derive(Debug, PartialEq, Eq)]
pub struct Ticket {
    epoch: u64,
    started: Instant,
}

impl VersionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The version to use now, or a ticket to read it.
    pub fn lookup(&self) -> Lookup {
        let now = Instant::now();
        let mut state = self.lock();
        match state.known {
            Some((version, read_at)) if now.duration_since(read_at) < CROSS_PROCESS_STALENESS => {
                Lookup::Known(version)
            }
            // Expired only by age: one request re-reads while the rest keep the value, which is
            // still within the bound plus one query.
            Some((version, _)) if state.refreshing => Lookup::Known(version),
            _ => {
                state.refreshing = true;
                Lookup::Read(Ticket {
                    epoch: state.epoch,
                    started: now,
                })
            }
        }
    }

    /// Keeps a version read from the database, unless a local change committed meanwhile.
    pub fn remember(&self, ticket: Ticket, version: i64) {
        let mut state = self.lock();
        if state.epoch == ticket.epoch {
            state.known = Some((version, ticket.started));
            state.refreshing = false;
        }
    }

    /// Gives up a read that failed, so that the next request tries again.
    pub fn abandon(&self, ticket: Ticket) {
        let mut state = self.lock();
        if state.epoch == ticket.epoch {
            state.refreshing = false;
        }
    }

    /// Forgets the version: called after this process commits a change to it.
    pub fn invalidate(&self) {
        let mut state = self.lock();
        state.epoch += 1;
        state.known = None;
        state.refreshing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(cache: &VersionCache) -> Ticket {
        match cache.lookup() {
            Lookup::Read(t) => t,
            Lookup::Known(v) => panic!("expected a read, got known version {v}"),
        }
    }

    #[test]
    fn a_fresh_version_is_served_without_a_read() {
        let cache = VersionCache::default();
        let t = ticket(&cache);
        cache.remember(t, 7);
        assert_eq!(cache.lookup(), Lookup::Known(7));
    }

    #[test]
    fn a_local_change_forces_a_read() {
        let cache = VersionCache::default();
        cache.remember(ticket(&cache), 7);
        cache.invalidate();
        let t = ticket(&cache);
        // Everyone else waits for the database too rather than use the forgotten value.
        assert!(matches!(cache.lookup(), Lookup::Read(_)));
        cache.remember(t, 8);
        assert_eq!(cache.lookup(), Lookup::Known(8));
    }

    #[test]
    fn a_read_that_raced_a_local_change_is_not_kept() {
        let cache = VersionCache::default();
        let before = ticket(&cache);
        cache.invalidate();
        cache.remember(before, 7);
        assert!(matches!(cache.lookup(), Lookup::Read(_)));
    }

    #[test]
    fn an_old_version_is_read_again_by_one_request_at_a_time() {
        let cache = VersionCache::default();
        let long_ago = Instant::now()
            .checked_sub(CROSS_PROCESS_STALENESS * 2)
            .expect("the clock is past the bound");
        cache.remember(
            Ticket {
                epoch: 0,
                started: long_ago,
            },
            7,
        );
        let t = ticket(&cache);
        assert_eq!(cache.lookup(), Lookup::Known(7));
        cache.remember(t, 9);
        assert_eq!(cache.lookup(), Lookup::Known(9));
    }

    #[test]
    fn a_failed_read_lets_the_next_request_try() {
        let cache = VersionCache::default();
        let t = ticket(&cache);
        cache.abandon(t);
        assert!(matches!(cache.lookup(), Lookup::Read(_)));
    }
}
