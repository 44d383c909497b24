//! Advisory locks on a file that hold across processes: `flock(2)` on
//! Unix (`LockFileEx` on Windows), through std's `File::lock` family.
//!
//! The lock belongs to the open file, so two sessions of one process
//! exclude each other as two processes do, and the kernel drops it when
//! the holder closes the file or dies: a killed server leaves no stale
//! lock behind (unlike a dot-lock file).

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

/// A held lock, released on drop (closing the file releases it).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Opens (creating if needed, never truncating) the lock file `path`.
fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

impl FileLock {
    /// Waits for the exclusive lock on `path`.
    pub fn exclusive(path: &Path) -> io::Result<FileLock> {
        let file = open(path)?;
        file.lock()?;
        Ok(FileLock { _file: file })
    }

    /// Waits for a shared lock on `path` (many holders, no exclusive one).
    pub fn shared(path: &Path) -> io::Result<FileLock> {
        let file = open(path)?;
        file.lock_shared()?;
        Ok(FileLock { _file: file })
    }

    /// The exclusive lock on `path` if nobody holds a lock on it now,
    /// `Ok(None)` if somebody does.
    pub fn try_exclusive(path: &Path) -> io::Result<Option<FileLock>> {
        let file = open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FileLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_within_a_process_and_releases_on_drop() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.lock");
        let a = FileLock::try_exclusive(&p).unwrap().unwrap();
        assert!(FileLock::try_exclusive(&p).unwrap().is_none());
        drop(a);
        let s1 = FileLock::shared(&p).unwrap();
        let s2 = FileLock::shared(&p).unwrap();
        assert!(FileLock::try_exclusive(&p).unwrap().is_none());
        drop((s1, s2));
        assert!(FileLock::exclusive(&p).is_ok());
    }
}
