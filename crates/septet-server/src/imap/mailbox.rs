//! An IMAP mailbox over a Maildir folder: UIDs and UIDVALIDITY kept in a
//! map file per folder (`septet-uidlist`), flags in the `:2,` letters,
//! `new/` moved to `cur/` on SELECT, and rescans that report what other
//! sessions changed.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::filelock::FileLock;
use crate::mailstore::{self, Entry, Sub};

/// The map file of a folder.
const UIDLIST: &str = "septet-uidlist";

/// The lock file of a folder's map ([`sync_uids`]).
pub const UIDLOCK: &str = "septet-uidlist.lock";

/// Serializes UID assignment between the sessions of this process (the
/// file lock alone would do on Unix; this keeps them from queueing in
/// the kernel).
static UID_LOCK: Mutex<()> = Mutex::new(());

/// IMAP system flags and their Maildir letters.
pub const FLAG_LETTERS: [(&str, char); 5] = [
    ("\\Draft", 'D'),
    ("\\Flagged", 'F'),
    ("\\Answered", 'R'),
    ("\\Seen", 'S'),
    ("\\Deleted", 'T'),
];

/// The Maildir letter of an IMAP flag (case-insensitive).
pub fn letter_of(flag: &str) -> Option<char> {
    FLAG_LETTERS
        .iter()
        .find(|(f, _)| f.eq_ignore_ascii_case(flag))
        .map(|&(_, l)| l)
}

/// The folder directory for an IMAP mailbox name: `INBOX` is the user's
/// Maildir, `A.B` is `.A.B/` (Maildir++). Names with `/`, empty levels,
/// a leading `.`, control characters or non-ASCII are refused, so the
/// path never leaves `user_dir`.
pub fn folder_dir(user_dir: &Path, name: &str) -> Option<PathBuf> {
    if name.eq_ignore_ascii_case("INBOX") {
        return Some(user_dir.to_owned());
    }
    let ok = !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'/' && b != b'\\')
        && name.split('.').all(|level| !level.is_empty())
        && !name.to_ascii_uppercase().starts_with("INBOX.");
    ok.then(|| user_dir.join(format!(".{name}")))
}

/// One message as this session sees it.
#[derive(Clone, Debug)]
pub struct Msg {
    /// Its UID.
    pub uid: u32,
    /// Where the file is and its flag letters.
    pub entry: Entry,
    /// `\Recent` for this session.
    pub recent: bool,
}

/// What a rescan found changed.
#[derive(Debug, Default)]
pub struct Changes {
    /// Sequence numbers gone, highest first (send as EXPUNGE in order).
    pub expunged: Vec<u32>,
    /// Whether messages were added (send EXISTS and RECENT).
    pub added: bool,
    /// Sequence numbers (after the expunges) whose flags changed.
    pub flags: Vec<u32>,
}

/// A selected (or examined) mailbox.
#[derive(Debug)]
pub struct Mailbox {
    /// The folder directory.
    pub dir: PathBuf,
    /// UIDVALIDITY.
    pub uidvalidity: u32,
    /// UIDNEXT.
    pub uidnext: u32,
    /// The messages, in UID order (sequence number = index + 1).
    pub msgs: Vec<Msg>,
    /// EXAMINE: no flag changes, no `new/` moves.
    pub read_only: bool,
}

/// UIDVALIDITY, UIDNEXT and the UID of every message of the folder
/// `dir`, assigning UIDs to new messages (in scan order) and saving the
/// map file.
///
/// The folder is listed and the map read, updated and replaced under the
/// exclusive [`UIDLOCK`] file lock, so two processes (two servers, or a
/// server and another's delivery) never give one UID twice. Renames by
/// septet sessions (`new/` to `cur/`, flag changes) take the lock shared,
/// so a listing never misses a message being renamed; a message missing
/// from the listing is listed once more before its UID is forgotten, for
/// the renames of other programs.
pub fn sync_uids(dir: &Path) -> io::Result<(u32, u32, Vec<Msg>)> {
    let _guard = UID_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let _lock = FileLock::exclusive(&dir.join(UIDLOCK))?;
    let mut entries = mailstore::scan(dir)?;
    let path = dir.join(UIDLIST);
    let (mut validity, mut next, mut map) = (0u32, 1u32, HashMap::new());
    match fs::read_to_string(&path) {
        Ok(text) => {
            let mut lines = text.lines();
            let head: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
            if let [_, v, n] = head[..] {
                validity = v.parse().unwrap_or(0);
                next = n.parse().unwrap_or(1);
            }
            for l in lines {
                if let Some((uid, unique)) = l.split_once(' ') {
                    if let Ok(uid) = uid.parse::<u32>() {
                        map.insert(unique.to_owned(), uid);
                    }
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // A damaged header must not hand out a UID the map already has.
    next = next.max(map.values().max().map_or(1, |&u| u.saturating_add(1)));
    let seen: HashSet<&str> = entries.iter().map(|e| e.unique.as_str()).collect();
    if map.keys().any(|u| !seen.contains(u.as_str())) {
        let again: Vec<Entry> = mailstore::scan(dir)?
            .into_iter()
            .filter(|e| !seen.contains(e.unique.as_str()) && map.contains_key(&e.unique))
            .collect();
        entries.extend(again);
    }
    let mut changed = false;
    if validity == 0 {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_secs());
        validity = (secs as u32).max(1);
        changed = true;
    }
    let mut msgs = Vec::with_capacity(entries.len());
    for entry in entries {
        let uid = match map.get(&entry.unique) {
            Some(&u) => u,
            None => {
                let u = next;
                next = next.saturating_add(1);
                map.insert(entry.unique.clone(), u);
                changed = true;
                u
            }
        };
        msgs.push(Msg {
            uid,
            entry,
            recent: false,
        });
    }
    // Forget messages that are gone, so the file stays the folder's size.
    if map.len() != msgs.len() {
        changed = true;
    }
    msgs.sort_by_key(|m| m.uid);
    if changed {
        let mut text = format!("septet-uidlist-1 {validity} {next}\n");
        for m in &msgs {
            text.push_str(&format!("{} {}\n", m.uid, m.entry.unique));
        }
        let tmp = dir.join(format!("{UIDLIST}.tmp"));
        fs::File::create(&tmp)?.write_all(text.as_bytes())?;
        fs::rename(&tmp, &path)?;
    }
    Ok((validity, next, msgs))
}

/// Holds the folder's [`UIDLOCK`] shared while a septet session renames
/// one of its files.
fn renaming(dir: &Path) -> io::Result<FileLock> {
    FileLock::shared(&dir.join(UIDLOCK))
}

impl Mailbox {
    /// Opens the folder `dir`; unless `read_only`, moves `new/` messages
    /// to `cur/` and marks them `\Recent` for this session.
    pub fn open(dir: PathBuf, read_only: bool) -> io::Result<Mailbox> {
        let recent = if read_only {
            Vec::new()
        } else {
            move_new(&dir)?
        };
        let (uidvalidity, uidnext, mut msgs) = sync_uids(&dir)?;
        for m in &mut msgs {
            m.recent = recent.contains(&m.entry.unique);
        }
        Ok(Mailbox {
            dir,
            uidvalidity,
            uidnext,
            msgs,
            read_only,
        })
    }

    /// Rescans the folder and reports what others changed; messages
    /// delivered to `new/` meanwhile become this session's `\Recent`.
    pub fn refresh(&mut self) -> io::Result<Changes> {
        let recent = if self.read_only {
            Vec::new()
        } else {
            move_new(&self.dir)?
        };
        let (validity, next, fresh) = sync_uids(&self.dir)?;
        let mut changes = Changes::default();
        let by_uid: HashMap<u32, &Msg> = fresh.iter().map(|m| (m.uid, m)).collect();
        for i in (0..self.msgs.len()).rev() {
            if !by_uid.contains_key(&self.msgs[i].uid) {
                changes.expunged.push(i as u32 + 1);
                self.msgs.remove(i);
            }
        }
        for (i, m) in self.msgs.iter_mut().enumerate() {
            if let Some(f) = by_uid.get(&m.uid) {
                if f.entry.flags != m.entry.flags {
                    changes.flags.push(i as u32 + 1);
                }
                m.entry = f.entry.clone();
            }
        }
        let last = self.msgs.last().map_or(0, |m| m.uid);
        for mut m in fresh.into_iter().filter(|m| m.uid > last) {
            m.recent = recent.contains(&m.entry.unique);
            self.msgs.push(m);
            changes.added = true;
        }
        self.uidvalidity = validity;
        self.uidnext = next;
        Ok(changes)
    }

    /// The file of message `i`, found again by its unique name if another
    /// session renamed it (flag change, `new/` to `cur/`).
    pub fn path_of(&mut self, i: usize) -> io::Result<PathBuf> {
        let dir = self.dir.clone();
        let m = self.msgs.get_mut(i).ok_or(io::ErrorKind::NotFound)?;
        let p = m.entry.path(&dir);
        if p.exists() {
            return Ok(p);
        }
        let found = mailstore::scan(&dir)?
            .into_iter()
            .find(|e| e.unique == m.entry.unique)
            .ok_or(io::ErrorKind::NotFound)?;
        m.entry = found;
        Ok(m.entry.path(&dir))
    }

    /// Reads message `i`: one open and read where the file is still
    /// where the scan saw it (no `stat` first), found again by
    /// [`Mailbox::path_of`] if another session renamed it.
    pub fn read(&mut self, i: usize) -> io::Result<Vec<u8>> {
        let m = self.msgs.get(i).ok_or(io::ErrorKind::NotFound)?;
        match fs::read(m.entry.path(&self.dir)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            done => return done,
        }
        let p = self.path_of(i)?;
        fs::read(p)
    }

    /// Sets message `i`'s flag letters (sorted, deduplicated) by renaming
    /// its file into `cur/`.
    ///
    /// Another session (of any process) may rename the same file at the
    /// same moment: then the rename finds no file, and the file is looked
    /// up again under its new name and renamed from there (the last
    /// writer's flags win, as with any two STOREs).
    pub fn set_flags(&mut self, i: usize, letters: &str) -> io::Result<()> {
        let mut l: Vec<char> = letters.chars().collect();
        l.sort_unstable();
        l.dedup();
        let letters: String = l.into_iter().collect();
        let _lock = renaming(&self.dir)?;
        let mut attempts = 0;
        loop {
            let from = self.path_of(i)?;
            let m = &mut self.msgs[i];
            if m.entry.flags == letters && m.entry.sub == Sub::Cur {
                return Ok(());
            }
            let mut to = m.entry.clone();
            to.sub = Sub::Cur;
            to.flags = letters.clone();
            match fs::rename(from, to.path(&self.dir)) {
                Ok(()) => {
                    m.entry = to;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempts < 8 => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Removes the messages with `\Deleted` whose UID `keep` rejects not;
    /// returns their sequence numbers, highest first.
    pub fn expunge(&mut self, only: impl Fn(u32) -> bool) -> io::Result<Vec<u32>> {
        let mut gone = Vec::new();
        for i in (0..self.msgs.len()).rev() {
            let m = &self.msgs[i];
            if m.entry.flags.contains('T') && only(m.uid) {
                let p = self.path_of(i)?;
                match fs::remove_file(p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
                self.msgs.remove(i);
                gone.push(i as u32 + 1);
            }
        }
        Ok(gone)
    }
}

/// Moves the messages of `new/` to `cur/`; returns the unique names this
/// call moved (another session may move one first: then it is theirs).
fn move_new(dir: &Path) -> io::Result<Vec<String>> {
    let mut moved_names = Vec::new();
    let _lock = renaming(dir)?;
    for e in mailstore::scan(dir)?
        .into_iter()
        .filter(|e| e.sub == Sub::New)
    {
        let mut moved = e.clone();
        moved.sub = Sub::Cur;
        if fs::rename(e.path(dir), moved.path(dir)).is_ok() {
            moved_names.push(e.unique);
        }
    }
    Ok(moved_names)
}

/// Stores `data` in the folder `dir` through `tmp/`, into `cur/` with the
/// flag `letters`, mtime `internal_date` if given; returns the new UID
/// and UIDVALIDITY.
pub fn deliver(
    dir: &Path,
    data: &[u8],
    letters: &str,
    internal_date: Option<u64>,
) -> io::Result<(u32, u32)> {
    mailstore::ensure_maildir(dir)?;
    let unique = unique_name();
    let tmp = dir.join("tmp").join(&unique);
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        if let Some(secs) = internal_date {
            let t = UNIX_EPOCH + std::time::Duration::from_secs(secs);
            f.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))?;
        }
    }
    let (_, flags) = mailstore::split_name(&format!("x:2,{letters}"));
    fs::rename(&tmp, dir.join("cur").join(format!("{unique}:2,{flags}")))?;
    let (validity, _, msgs) = sync_uids(dir)?;
    let uid = msgs
        .iter()
        .find(|m| m.entry.unique == unique)
        .map_or(0, |m| m.uid);
    Ok((uid, validity))
}

/// A Maildir unique name: time, microseconds, process and a counter.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.M{}P{}Q{}.septet",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_stay_inside() {
        let u = Path::new("/r/alice");
        assert_eq!(folder_dir(u, "inbox").unwrap(), u);
        assert_eq!(folder_dir(u, "Sent").unwrap(), u.join(".Sent"));
        assert_eq!(folder_dir(u, "A.B").unwrap(), u.join(".A.B"));
        for bad in ["", "..", "a/b", ".x", "x.", "a..b", "../../etc", "a\u{1}"] {
            assert!(folder_dir(u, bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn concurrent_appends_and_renames_never_reuse_or_lose_a_uid() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_owned();
        mailstore::ensure_maildir(&dir).unwrap();
        let (writers, each) = (4, 15);
        let given: Vec<u32> = std::thread::scope(|s| {
            // Flag changes rename files while the writers list the folder,
            // two sessions at once on the same files.
            let renamers: Vec<_> = ["S", "F"]
                .into_iter()
                .map(|flag| {
                    let dir = &dir;
                    s.spawn(move || {
                        for round in 0..20 {
                            let mut mb = Mailbox::open(dir.clone(), false).unwrap();
                            for i in 0..mb.msgs.len() {
                                let f = if round % 2 == 0 { flag } else { "" };
                                mb.set_flags(i, f).unwrap();
                            }
                        }
                    })
                })
                .collect();
            let handles: Vec<_> = (0..writers)
                .map(|w| {
                    let dir = &dir;
                    s.spawn(move || {
                        (0..each)
                            .map(|i| deliver(dir, format!("{w} {i}").as_bytes(), "", None))
                            .map(|r| r.unwrap().0)
                            .collect::<Vec<u32>>()
                    })
                })
                .collect();
            let mut all: Vec<u32> = handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect();
            for r in renamers {
                r.join().unwrap();
            }
            all.sort_unstable();
            all
        });
        let n = (writers * each) as u32;
        assert_eq!(
            given,
            (1..=n).collect::<Vec<_>>(),
            "UIDs given are not exactly 1..=n: one reused or lost"
        );
        let (_, next, msgs) = sync_uids(&dir).unwrap();
        let kept: Vec<u32> = msgs.iter().map(|m| m.uid).collect();
        assert_eq!(kept, given, "a message changed its UID");
        assert_eq!(next, n + 1);
    }

    #[test]
    fn uids_persist_and_grow() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_owned();
        mailstore::ensure_maildir(&dir).unwrap();
        fs::write(dir.join("new/1.a"), "x").unwrap();
        let mb = Mailbox::open(dir.clone(), false).unwrap();
        assert_eq!(mb.msgs.len(), 1);
        assert_eq!(mb.msgs[0].uid, 1);
        assert!(mb.msgs[0].recent);
        assert!(dir.join("cur/1.a:2,").exists());
        let (uid, v) = deliver(&dir, b"y", "S", None).unwrap();
        assert_eq!((uid, v), (2, mb.uidvalidity));
        let mut again = Mailbox::open(dir.clone(), false).unwrap();
        assert_eq!(again.msgs.iter().map(|m| m.uid).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(again.uidnext, 3);
        again.set_flags(0, "TS").unwrap();
        assert_eq!(again.expunge(|_| true).unwrap(), [1]);
        let mut mb = mb;
        let ch = mb.refresh().unwrap();
        assert_eq!(ch.expunged, [1]);
        assert!(ch.added);
        assert_eq!(mb.msgs[0].uid, 2);
    }
}
