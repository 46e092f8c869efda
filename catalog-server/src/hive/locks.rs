//! Hive's table and database locks (`lock`, `check_lock`, `unlock`, `heartbeat`), which
//! PyIceberg's and Iceberg's Hive catalogs take around a commit.
//!
//! Locks live in the server's memory: clients of one `lakecat serve` exclude each other,
//! clients of two replicas on one database do not. A commit is safe across replicas anyway,
//! because `alter_table` refuses a stale Iceberg pointer and changes a table only at the
//! version it checked (see `calls`). A lock not heartbeated, checked or released for
//! [`LOCK_TIMEOUT`] is dropped, as Hive drops it after `hive.txn.timeout`, so a client that
//! died does not hold a table forever. Waiting locks are granted in request order.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a lock lives without a sign from its client (Hive's `hive.txn.timeout`).
pub(crate) const LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// Most locks held or waiting at once; beyond, requests are refused, so a client cannot
/// fill the server's memory with them.
const MAX_LOCKS: usize = 100_000;

/// `LockState` values.
pub(crate) mod lock_state {
    /// The lock is held.
    pub(crate) const ACQUIRED: i32 = 1;
    /// The lock waits for others.
    pub(crate) const WAITING: i32 = 2;
    /// The lock was refused.
    pub(crate) const NOT_ACQUIRED: i32 = 4;
}

/// What a lock covers: a database, or one table of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockTarget {
    /// The database, lower case.
    pub(crate) database: String,
    /// The table, lower case; `None` for the whole database.
    pub(crate) table: Option<String>,
    /// Whether others may hold the target too (Hive's SHARED_READ).
    pub(crate) shared: bool,
}

impl LockTarget {
    fn conflicts(&self, other: &LockTarget) -> bool {
        self.database == other.database
            && (self.table.is_none() || other.table.is_none() || self.table == other.table)
            && !(self.shared && other.shared)
    }
}

#[derive(Debug)]
struct Held {
    targets: Vec<LockTarget>,
    acquired: bool,
    expires: Instant,
}

/// The server's locks.
#[derive(Debug, Default)]
pub(crate) struct Locks {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next_id: i64,
    locks: BTreeMap<i64, Held>,
}

impl State {
    fn expire(&mut self, now: Instant) {
        self.locks.retain(|_, held| held.expires > now);
    }

    /// Grants `id` when no held lock and no earlier waiting one conflicts with it.
    fn try_acquire(&mut self, id: i64) -> i32 {
        let Some(wanted) = self.locks.get(&id) else {
            return lock_state::NOT_ACQUIRED;
        };
        if wanted.acquired {
            return lock_state::ACQUIRED;
        }
        let blocked = self.locks.iter().any(|(other_id, other)| {
            *other_id != id
                && (other.acquired || *other_id < id)
                && other
                    .targets
                    .iter()
                    .any(|t| wanted.targets.iter().any(|w| w.conflicts(t)))
        });
        if blocked {
            return lock_state::WAITING;
        }
        if let Some(held) = self.locks.get_mut(&id) {
            held.acquired = true;
        }
        lock_state::ACQUIRED
    }
}

impl Locks {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the mutex leaves plain data behind; carry on with it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Requests a lock on `targets`: its id and state (acquired or waiting), or `None`
    /// when the server holds too many locks.
    pub(crate) fn lock(&self, targets: Vec<LockTarget>, now: Instant) -> Option<(i64, i32)> {
        let mut state = self.state();
        state.expire(now);
        if state.locks.len() >= MAX_LOCKS {
            return None;
        }
        state.next_id += 1;
        let id = state.next_id;
        state.locks.insert(
            id,
            Held {
                targets,
                acquired: false,
                expires: now + LOCK_TIMEOUT,
            },
        );
        Some((id, state.try_acquire(id)))
    }

    /// The state of lock `id` after trying again to acquire it, and its lease renewed;
    /// `None` when there is no such lock (released, expired or never granted).
    pub(crate) fn check(&self, id: i64, now: Instant) -> Option<i32> {
        let mut state = self.state();
        state.expire(now);
        state.locks.get_mut(&id)?.expires = now + LOCK_TIMEOUT;
        Some(state.try_acquire(id))
    }

    /// Renews lock `id`'s lease; false when there is no such lock.
    pub(crate) fn heartbeat(&self, id: i64, now: Instant) -> bool {
        self.check(id, now).is_some()
    }

    /// Releases lock `id`; false when there is no such lock.
    pub(crate) fn unlock(&self, id: i64, now: Instant) -> bool {
        let mut state = self.state();
        state.expire(now);
        state.locks.remove(&id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> LockTarget {
        LockTarget {
            database: "db".into(),
            table: Some(name.into()),
            shared: false,
        }
    }

    #[test]
    fn exclusive_locks_wait_in_order_and_expire() {
        let locks = Locks::default();
        let now = Instant::now();
        let (first, state) = locks.lock(vec![table("t")], now).unwrap();
        assert_eq!(state, lock_state::ACQUIRED);
        let (second, state) = locks.lock(vec![table("t")], now).unwrap();
        assert_eq!(state, lock_state::WAITING);
        let (third, state) = locks.lock(vec![table("t")], now).unwrap();
        assert_eq!(state, lock_state::WAITING);
        let (other, state) = locks.lock(vec![table("u")], now).unwrap();
        assert_eq!(state, lock_state::ACQUIRED, "another table is free");
        assert_eq!(locks.check(second, now), Some(lock_state::WAITING));
        assert!(locks.unlock(first, now));
        assert!(!locks.unlock(first, now), "released once");
        // The third waits behind the second, which asked first.
        assert_eq!(locks.check(third, now), Some(lock_state::WAITING));
        assert_eq!(locks.check(second, now), Some(lock_state::ACQUIRED));
        assert!(locks.unlock(second, now));
        assert_eq!(locks.check(third, now), Some(lock_state::ACQUIRED));
        // A lock nobody checks on is dropped after the timeout; one kept alive is not.
        let later = now + Duration::from_secs(LOCK_TIMEOUT.as_secs() - 1);
        assert!(locks.heartbeat(third, later));
        let expired = now + LOCK_TIMEOUT + Duration::from_secs(1);
        assert_eq!(locks.check(other, expired), None);
        assert_eq!(locks.check(third, expired), Some(lock_state::ACQUIRED));
        assert!(!locks.heartbeat(999, expired));
    }

    #[test]
    fn database_locks_cover_their_tables_and_shared_locks_share() {
        let locks = Locks::default();
        let now = Instant::now();
        let whole = LockTarget {
            database: "db".into(),
            table: None,
            shared: false,
        };
        let (database, state) = locks.lock(vec![whole], now).unwrap();
        assert_eq!(state, lock_state::ACQUIRED);
        assert_eq!(
            locks.lock(vec![table("t")], now).unwrap().1,
            lock_state::WAITING
        );
        let elsewhere = LockTarget {
            database: "other".into(),
            ..table("t")
        };
        assert_eq!(
            locks.lock(vec![elsewhere], now).unwrap().1,
            lock_state::ACQUIRED
        );
        assert!(locks.unlock(database, now));

        let read = LockTarget {
            shared: true,
            ..table("r")
        };
        let (_, a) = locks.lock(vec![read.clone()], now).unwrap();
        let (_, b) = locks.lock(vec![read], now).unwrap();
        assert_eq!((a, b), (lock_state::ACQUIRED, lock_state::ACQUIRED));
        assert_eq!(
            locks.lock(vec![table("r")], now).unwrap().1,
            lock_state::WAITING
        );
    }
}
