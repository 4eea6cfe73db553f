//! Locks that span processes on SQLite: an OS file lock on a small file next to the database.
//!
//! PostgreSQL keeps replicas apart with advisory locks; an SQLite database has no server to hold
//! one, so its migrations and syncs lock `<database>.<name>.lock` instead (`flock` through
//! `std::fs::File::lock`). Chosen over a lock row with a lease because the operating system
//! drops the lock the moment its holder exits, crashed or not: there is no lease to guess a
//! length for, no clock to trust, and no stale row to clear by hand. The holder writes who it
//! is into the file, so a process that finds the lock taken can say who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// Who holds a lock, as the holder described itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockHolder {
    /// When it took the lock.
    pub since: DateTime<Utc>,
    /// The process: what it runs, its pid and host (`optima-server sync, pid 4242 on web-1`).
    pub who: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "since {}, by {}",
            self.since
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.who
        )
    }
}

/// How this process names itself to processes that find its locks taken.
static PROCESS_ROLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names what this process is (`optima-server serve`), for [`this_process`]. The first call wins.
pub fn set_process_role(role: impl Into<String>) {
    let _ = PROCESS_ROLE.set(role.into());
}

/// This process as a lock holder describes itself: its role, pid and host.
pub fn this_process() -> String {
    let role = PROCESS_ROLE
        .get()
        .map(String::as_str)
        .unwrap_or("optima-server");
    let host = whoami::fallible::hostname().unwrap_or_else(|_| "this host".into());
    format!("{role}, pid {} on {host}", std::process::id())
}

/// A held file lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    /// Takes the lock on `path` (creating the file, readable by the owner only), waiting for
    /// another holder to let go when `wait`, else returning what is known of the holder.
    pub async fn acquire(
        path: PathBuf,
        wait: bool,
    ) -> std::io::Result<Result<FileLock, Option<LockHolder>>> {
        tokio::task::spawn_blocking(move || Self::acquire_blocking(&path, wait))
            .await
            .map_err(std::io::Error::other)?
    }

    fn acquire_blocking(
        path: &Path,
        wait: bool,
    ) -> std::io::Result<Result<FileLock, Option<LockHolder>>> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        if wait {
            file.lock()?;
        } else {
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Ok(Err(read_holder(&mut file))),
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
        // Ours now: say who we are, for whoever finds it taken.
        let holder = LockHolder {
            since: Utc::now(),
            who: this_process(),
        };
        file.set_len(0)?;
        file.rewind()?;
        file.write_all(
            serde_json::to_string(&holder)
                .unwrap_or_default()
                .as_bytes(),
        )?;
        file.flush()?;
        Ok(Ok(FileLock {
            file,
            path: path.to_owned(),
        }))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes it prompt and explicit.
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> Option<LockHolder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.test.lock");
        let first = FileLock::acquire(path.clone(), false)
            .await
            .unwrap()
            .unwrap();
        // A second open file description conflicts just as another process would.
        let refused = FileLock::acquire(path.clone(), false).await.unwrap();
        let holder = refused
            .expect_err("the lock is held")
            .expect("holder known");
        assert!(
            holder.who.contains(&std::process::id().to_string()),
            "{holder}"
        );
        drop(first);
        let again = FileLock::acquire(path.clone(), false).await.unwrap();
        assert!(again.is_ok());
    }

    #[tokio::test]
    async fn a_waiting_holder_gets_the_lock_when_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.test.lock");
        let first = FileLock::acquire(path.clone(), false)
            .await
            .unwrap()
            .unwrap();
        let waiter = tokio::spawn(FileLock::acquire(path.clone(), true));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(first);
        let second = tokio::time::timeout(std::time::Duration::from_secs(30), waiter)
            .await
            .expect("the waiter got the lock")
            .unwrap()
            .unwrap();
        assert!(second.is_ok());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn lock_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.test.lock");
        let _lock = FileLock::acquire(path.clone(), false)
            .await
            .unwrap()
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
