//! The Maildirs that the access servers (POP3, IMAP) read: where a user's
//! mail is, what a folder holds, and the wire form of a stored message.
//!
//! `ROOT/<user>/` is the user's INBOX Maildir (`cur/ new/ tmp/`); its
//! subfolders are Maildir++ folders `ROOT/<user>/.Name/`. User and folder
//! names are validated before they become paths, so no command can reach
//! outside the user's own Maildir.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use crate::filelock::FileLock;
use crate::users::valid_user_name;

/// `new/` or `cur/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sub {
    /// Not yet seen by any client.
    New,
    /// Seen; the name carries `:2,` flags.
    Cur,
}

impl Sub {
    /// `"new"` or `"cur"`.
    pub fn name(self) -> &'static str {
        match self {
            Sub::New => "new",
            Sub::Cur => "cur",
        }
    }
}

/// One message file of a Maildir, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where the file is.
    pub sub: Sub,
    /// The unique part of the name (before `:`).
    pub unique: String,
    /// The `:2,` flag letters, sorted.
    pub flags: String,
    /// The file's size on disk.
    pub len: u64,
    /// The modification time (Unix seconds): the delivery time.
    pub mtime: u64,
}

impl Entry {
    /// The file name (`unique` in `new/`, `unique:2,FLAGS` in `cur/`).
    pub fn file_name(&self) -> String {
        match self.sub {
            Sub::New if self.flags.is_empty() => self.unique.clone(),
            _ => format!("{}:2,{}", self.unique, self.flags),
        }
    }

    /// The path of the file in the Maildir `dir`.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join(self.sub.name()).join(self.file_name())
    }
}

/// `ROOT/<user>` if `user` is a valid name.
pub fn user_dir(root: &Path, user: &str) -> Option<PathBuf> {
    valid_user_name(user).then(|| root.join(user))
}

/// Creates `cur/ new/ tmp/` under `dir` as needed.
pub fn ensure_maildir(dir: &Path) -> io::Result<()> {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    Ok(())
}

/// Whether `dir` is a Maildir (`cur/` and `new/` present).
pub fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// Splits a file name into its unique part and its sorted flag letters.
pub fn split_name(name: &str) -> (String, String) {
    match name.split_once(':') {
        Some((unique, info)) => {
            let mut flags: Vec<char> = info
                .strip_prefix("2,")
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_alphabetic)
                .collect();
            flags.sort_unstable();
            flags.dedup();
            (unique.to_owned(), flags.into_iter().collect())
        }
        None => (name.to_owned(), String::new()),
    }
}

/// Lists the messages of the Maildir `dir` (`new/` and `cur/`), ordered by
/// delivery time then name, so the order is stable between scans. Dot
/// files and names that are not UTF-8 are skipped.
pub fn scan(dir: &Path) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for sub in [Sub::New, Sub::Cur] {
        let rd = match fs::read_dir(dir.join(sub.name())) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for item in rd {
            let item = item?;
            let Some(name) = item.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            // A file renamed or deleted by another session meanwhile is
            // simply not listed.
            let Ok(meta) = item.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let (unique, flags) = split_name(&name);
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            out.push(Entry {
                sub,
                unique,
                flags,
                len: meta.len(),
                mtime,
            });
        }
    }
    out.sort_by(|a, b| (a.mtime, &a.unique).cmp(&(b.mtime, &b.unique)));
    Ok(out)
}

/// The size of `data` with every bare LF counted as CRLF (what POP3 and
/// IMAP sizes are, whatever the file holds).
pub fn crlf_len(data: &[u8]) -> u64 {
    let bare = memchr::memchr_iter(b'\n', data)
        .filter(|&i| i == 0 || data[i - 1] != b'\r')
        .count();
    (data.len() + bare) as u64
}

/// `data` with every bare LF turned into CRLF.
pub fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 2);
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', data) {
        if i == 0 || data[i - 1] != b'\r' {
            out.extend_from_slice(&data[start..i]);
            out.extend_from_slice(b"\r\n");
            start = i + 1;
        }
    }
    out.extend_from_slice(&data[start..]);
    out
}

/// The lock file in a user's Maildir that a POP3 session holds (with
/// `flock`) for as long as it has the maildrop.
pub const POP3_LOCK: &str = "septet-pop3.lock";

/// A set of mailboxes in use, shared by the sessions of a process: a POP3
/// session holds its maildrop exclusively ([`LockTable::try_lock_maildrop`]
/// also against other processes).
#[derive(Clone, Debug, Default)]
pub struct LockTable {
    held: Arc<Mutex<HashSet<PathBuf>>>,
}

/// A held mailbox lock, released on drop.
#[derive(Debug)]
pub struct MailboxLock {
    table: LockTable,
    path: PathBuf,
    /// The cross-process half, if taken.
    _file: Option<FileLock>,
}

impl LockTable {
    /// Takes the lock on `path` within this process, or `None` if another
    /// session holds it.
    pub fn try_lock(&self, path: &Path) -> Option<MailboxLock> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.insert(path.to_owned()).then(|| MailboxLock {
            table: self.clone(),
            path: path.to_owned(),
            _file: None,
        })
    }

    /// Takes the maildrop `dir` (a Maildir, created if missing) for this
    /// session against the other sessions of this process and of every
    /// other process ([`POP3_LOCK`] held with `flock`); `Ok(None)` if
    /// someone holds it. A killed holder's lock is gone with it.
    pub fn try_lock_maildrop(&self, dir: &Path) -> io::Result<Option<MailboxLock>> {
        let Some(mut lock) = self.try_lock(dir) else {
            return Ok(None);
        };
        ensure_maildir(dir)?;
        match FileLock::try_exclusive(&dir.join(POP3_LOCK))? {
            Some(file) => {
                lock._file = Some(file);
                Ok(Some(lock))
            }
            None => Ok(None),
        }
    }
}

impl Drop for MailboxLock {
    fn drop(&mut self) {
        let mut held = self.table.held.lock().unwrap_or_else(|p| p.into_inner());
        held.remove(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_counting() {
        assert_eq!(crlf_len(b"a\nb\r\nc"), 7);
        assert_eq!(to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(crlf_len(b"\n"), 2);
        assert_eq!(to_crlf(b"\n\n"), b"\r\n\r\n");
    }

    #[test]
    fn names() {
        assert_eq!(split_name("123.x:2,SF"), ("123.x".into(), "FS".into()));
        assert_eq!(split_name("123.x"), ("123.x".into(), "".into()));
        assert!(user_dir(Path::new("/r"), "../x").is_none());
    }

    #[test]
    fn locks_exclude_and_release() {
        let t = LockTable::default();
        let a = t.try_lock(Path::new("/m/a")).unwrap();
        assert!(t.try_lock(Path::new("/m/a")).is_none());
        drop(a);
        assert!(t.try_lock(Path::new("/m/a")).is_some());
    }

    #[test]
    fn maildrop_locks_hold_across_tables() {
        // Two tables stand for two processes: only the file lock is shared.
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("alice");
        let (t1, t2) = (LockTable::default(), LockTable::default());
        let a = t1.try_lock_maildrop(&dir).unwrap().unwrap();
        assert!(is_maildir(&dir));
        assert!(t1.try_lock_maildrop(&dir).unwrap().is_none());
        assert!(t2.try_lock_maildrop(&dir).unwrap().is_none());
        drop(a);
        assert!(t2.try_lock_maildrop(&dir).unwrap().is_some());
    }
}
