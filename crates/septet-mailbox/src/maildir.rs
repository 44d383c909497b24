//! Maildir folders: listing the messages of `new/` and `cur/` in a stable
//! order, and delivering messages through `tmp/`.
//!
//! A Maildir file name is `UNIQUE` in `new/` and `UNIQUE:2,FLAGS` in
//! `cur/`; septet keeps the unique part, the info after `:` and the
//! subdirectory as they are, so a Maildir-to-Maildir conversion
//! reproduces every name.

use std::cmp::Ordering;
use std::ffi::{OsStr, OsString};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::atomic::TempPath;
use super::Error;

/// The Maildir subdirectories that hold delivered messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subdir {
    /// `new/`: not yet seen by a mail client.
    New,
    /// `cur/`: seen; the name carries flags.
    Cur,
}

impl Subdir {
    /// `"new"` or `"cur"`.
    pub fn name(self) -> &'static str {
        match self {
            Subdir::New => "new",
            Subdir::Cur => "cur",
        }
    }
}

/// A message's Maildir name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MaildirName {
    /// `new/` or `cur/`.
    pub subdir: Subdir,
    /// The unique part, before `:`.
    pub unique: OsString,
    /// What follows `:` (`2,FRS`), if anything.
    pub info: Option<String>,
}

impl MaildirName {
    /// Splits a file name at its first `:`. A name that is not valid
    /// Unicode is kept whole as the unique part.
    pub fn parse(subdir: Subdir, file_name: &OsStr) -> MaildirName {
        match file_name.to_str().and_then(|s| s.split_once(':')) {
            Some((unique, info)) => MaildirName {
                subdir,
                unique: unique.into(),
                info: Some(info.to_owned()),
            },
            None => MaildirName {
                subdir,
                unique: file_name.to_owned(),
                info: None,
            },
        }
    }

    /// The file name: unique part, then `:` and the info if any.
    pub fn file_name(&self) -> OsString {
        let mut name = self.unique.clone();
        if let Some(info) = &self.info {
            name.push(":");
            name.push(info);
        }
        name
    }

    /// The flag letters of a `2,` info (`"FRS"`), empty otherwise.
    pub fn flags(&self) -> &str {
        self.info
            .as_deref()
            .and_then(|i| i.strip_prefix("2,"))
            .unwrap_or("")
    }

    /// The delivery time that Maildir unique names start with (Unix
    /// seconds), if the name starts with digits.
    pub fn timestamp(&self) -> Option<i64> {
        let name = self.unique.to_str()?;
        let digits = name.len() - name.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        name[..digits].parse().ok()
    }
}

/// A message stored in a file of its own (Maildir or `.eml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its size when listed.
    pub len: u64,
    /// Its modification time (Unix seconds), if known.
    pub mtime: Option<i64>,
    /// Its Maildir name, for a Maildir message.
    pub maildir: Option<MaildirName>,
}

impl MailFile {
    /// Stats `path`; `None` if it is not a regular file (after following
    /// symlinks).
    pub(crate) fn stat(
        path: PathBuf,
        maildir: Option<MaildirName>,
    ) -> io::Result<Option<MailFile>> {
        let meta = fs::metadata(&path)?;
        if !meta.is_file() {
            return Ok(None);
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        Ok(Some(MailFile {
            path,
            len: meta.len(),
            mtime,
            maildir,
        }))
    }
}

/// Whether `path` is a Maildir: a folder with `cur/` and `new/` (`tmp/`
/// may be missing; it is only used while delivering).
pub fn is_maildir(path: &Path) -> bool {
    path.join("cur").is_dir() && path.join("new").is_dir()
}

/// The messages of the Maildir at `root`: the regular files of `new/` and
/// `cur/` whose names do not start with `.`, ordered by the delivery time
/// that leads the name (numerically: names without one first), then by
/// unique part, then `new/` before `cur/`. This is delivery order for
/// names made by the usual `TIME.ID.HOST` scheme, and stable for any other.
pub fn list_maildir(root: &Path) -> Result<Vec<MailFile>, Error> {
    let mut files = Vec::new();
    for subdir in [Subdir::New, Subdir::Cur] {
        let dir = root.join(subdir.name());
        let entries = fs::read_dir(&dir).map_err(|e| Error::io(&dir, "listing", e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, "listing", e))?;
            let file_name = entry.file_name();
            if file_name.as_encoded_bytes().first() == Some(&b'.') {
                continue;
            }
            let name = MaildirName::parse(subdir, &file_name);
            let path = entry.path();
            if let Some(file) = MailFile::stat(path.clone(), Some(name))
                .map_err(|e| Error::io(&path, "reading", e))?
            {
                files.push(file);
            }
        }
    }
    files.sort_by(order);
    Ok(files)
}

fn order(a: &MailFile, b: &MailFile) -> Ordering {
    match (&a.maildir, &b.maildir) {
        (Some(x), Some(y)) => x
            .timestamp()
            .cmp(&y.timestamp())
            .then_with(|| x.unique.cmp(&y.unique))
            .then_with(|| x.subdir.cmp(&y.subdir))
            .then_with(|| x.info.cmp(&y.info)),
        _ => a.path.cmp(&b.path),
    }
}

/// Delivers messages into a Maildir.
///
/// If the folder does not exist, it is built under a temporary name
/// beside it and renamed into place by [`commit`](Self::commit), so it
/// appears complete or not at all. If it exists, messages are delivered
/// into it one by one, each written to `tmp/` and renamed into `new/` or
/// `cur/`, so a reader never sees a partial message. There is no fsync
/// per message (it would dominate the run time on large archives); a
/// machine crash can lose recent deliveries, a killed process cannot
/// corrupt them.
#[derive(Debug)]
pub struct MaildirWriter {
    /// Where messages go now: the target, or the temporary folder.
    root: PathBuf,
    temp: Option<TempPath>,
    delivered: u64,
}

impl MaildirWriter {
    /// Opens (or prepares to create) the Maildir at `target`, creating
    /// missing `tmp/`, `new/` and `cur/` folders.
    pub fn create(target: &Path) -> Result<MaildirWriter, Error> {
        let make_subdirs = |root: &Path| -> io::Result<()> {
            for sub in ["tmp", "new", "cur"] {
                match fs::create_dir(root.join(sub)) {
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                    _ => {}
                }
            }
            Ok(())
        };
        if fs::symlink_metadata(target).is_ok() {
            if !target.is_dir() {
                return Err(Error::io(
                    target,
                    "writing a Maildir into",
                    io::Error::new(io::ErrorKind::InvalidInput, "not a folder"),
                ));
            }
            make_subdirs(target)
                .map_err(|e| Error::io(target, "creating Maildir folders in", e))?;
            return Ok(MaildirWriter {
                root: target.to_owned(),
                temp: None,
                delivered: 0,
            });
        }
        let ((), temp) = TempPath::create(target, true, |p| {
            fs::create_dir(p)?;
            make_subdirs(p)
        })
        .map_err(|e| Error::io(target, "creating a Maildir beside", e))?;
        Ok(MaildirWriter {
            root: temp.path().to_owned(),
            temp: Some(temp),
            delivered: 0,
        })
    }

    /// Delivers `data` under `name`; returns the name used, which differs
    /// from `name` only when that name was taken: `.dupN` is then appended
    /// to the unique part (a message is never overwritten).
    pub fn deliver(&mut self, name: &MaildirName, data: &[u8]) -> Result<MaildirName, Error> {
        self.delivered += 1;
        // The unique part is unique per folder; the counter makes the tmp
        // name unique even when two inputs share a name.
        let mut tmp_name = name.unique.clone();
        tmp_name.push(format!(".{}.septet", self.delivered));
        let tmp = self.root.join("tmp").join(tmp_name);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(data));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(Error::io(&tmp, "writing", e));
        }
        let dest_dir = self.root.join(name.subdir.name());
        let mut final_name = name.clone();
        let mut n = 0;
        loop {
            let dest = dest_dir.join(final_name.file_name());
            // Check first: `rename` would silently replace an existing message.
            if fs::symlink_metadata(&dest).is_err() {
                return match fs::rename(&tmp, &dest) {
                    Ok(()) => Ok(final_name),
                    Err(e) => {
                        let _ = fs::remove_file(&tmp);
                        Err(Error::io(&dest, "delivering", e))
                    }
                };
            }
            n += 1;
            if n > 10_000 {
                let _ = fs::remove_file(&tmp);
                let taken =
                    io::Error::new(io::ErrorKind::AlreadyExists, "every .dupN name is taken");
                return Err(Error::io(dest, "delivering", taken));
            }
            final_name.unique = name.unique.clone();
            final_name.unique.push(format!(".dup{n}"));
        }
    }

    /// Puts a newly built Maildir in place (nothing to do for an existing
    /// one).
    pub fn commit(self) -> Result<(), Error> {
        match self.temp {
            Some(temp) => {
                let path = temp.path().to_owned();
                temp.persist()
                    .map_err(|e| Error::io(path, "renaming the Maildir into place", e))
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let n = MaildirName::parse(Subdir::Cur, OsStr::new("1700000000.M1P2.host:2,FRS"));
        assert_eq!(n.unique, "1700000000.M1P2.host");
        assert_eq!(n.flags(), "FRS");
        assert_eq!(n.timestamp(), Some(1_700_000_000));
        assert_eq!(n.file_name(), "1700000000.M1P2.host:2,FRS");
        let n = MaildirName::parse(Subdir::New, OsStr::new("abc"));
        assert_eq!((n.info.as_deref(), n.timestamp()), (None, None));
    }
}
