//! Spool files are reused instead of deleted and created again. On ext4
//! without a journal, creating a file scans the inode table past every
//! recently deleted inode, and deleting one on a filesystem mounted with
//! `discard` waits for the disk to trim its blocks: with a message in and
//! out every few milliseconds, those two were half of the relay's CPU in
//! profiles. A finished file is moved to the spool's `free/` folder (as
//! `<fresh id>.msg` or `.env`) and moved back into service for a later
//! message; its old bytes are overwritten and cut off (`set_len`) before
//! it is fsynced, and only a committed `.env` makes a `.msg` count, so
//! stale bytes are never read. Recovery and a clean stop empty `free/`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Free files kept per kind at most; more are deleted.
const MAX_FREE: usize = 512;

/// The subfolder of the spool holding the files kept for reuse.
pub(crate) const FREE_DIR: &str = "free";

/// Free files, kept by the spool that recovered the folder (the server):
/// another process (`septet queue delete`) deletes as before.
#[derive(Debug, Default)]
pub(crate) struct Recycler {
    enabled: AtomicBool,
    messages: Mutex<Lists>,
    envelopes: Mutex<Lists>,
}

/// A retired file is reused only once a folder fsync has made its new
/// name durable. Otherwise a crash could bring back the old name (say a
/// delivered message's `.env` and `.msg`) over bytes already rewritten
/// for another message, and recovery would send those to the old
/// recipients.
#[derive(Debug, Default)]
struct Lists {
    /// Renamed, the rename not fsynced yet.
    retired: Vec<PathBuf>,
    /// Safe to reuse.
    ready: Vec<PathBuf>,
}

/// Retired files taken by [`Recycler::before_sync`].
#[derive(Debug, Default)]
pub(crate) struct Retired {
    messages: Vec<PathBuf>,
    envelopes: Vec<PathBuf>,
}

/// Which list a file belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// A `.msg` file.
    Message,
    /// A `.env` file.
    Envelope,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Retired {
    /// Nothing was retired.
    pub(crate) fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.envelopes.is_empty()
    }
}

impl Recycler {
    /// From now on, retired files are kept for reuse.
    pub(crate) fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    fn lists(&self, kind: Kind) -> &Mutex<Lists> {
        match kind {
            Kind::Message => &self.messages,
            Kind::Envelope => &self.envelopes,
        }
    }

    /// A free file safe to reuse, taken off its list.
    pub(crate) fn take(&self, kind: Kind) -> Option<PathBuf> {
        lock(self.lists(kind)).ready.pop()
    }

    /// Takes `path` out of the queue: renamed to `free` (a fresh name in
    /// [`FREE_DIR`]) and kept, or deleted.
    pub(crate) fn retire(&self, path: &Path, free: PathBuf, kind: Kind) -> io::Result<()> {
        let keep = self.enabled.load(Ordering::Relaxed) && {
            let l = lock(self.lists(kind));
            l.retired.len() + l.ready.len() < MAX_FREE
        };
        if keep {
            let mut moved = fs::rename(path, &free);
            if moved
                .as_ref()
                .is_err_and(|e| e.kind() == io::ErrorKind::NotFound)
            {
                // `free/` is made on first use (after recovery removed it).
                if let Some(folder) = free.parent() {
                    let _ = fs::create_dir(folder);
                }
                moved = fs::rename(path, &free);
            }
            if moved.is_ok() {
                lock(self.lists(kind)).retired.push(free);
                return Ok(());
            }
        }
        fs::remove_file(path)
    }

    /// Deletes every kept file and keeps none from now on (a clean stop
    /// leaves only queued messages in the folder).
    pub(crate) fn clear(&self) {
        self.enabled.store(false, Ordering::Relaxed);
        for kind in [Kind::Message, Kind::Envelope] {
            let mut guard = lock(self.lists(kind));
            let l = &mut *guard;
            for path in l.retired.drain(..).chain(l.ready.drain(..)) {
                let _ = fs::remove_file(path);
            }
        }
    }

    /// Call right before a folder fsync: the files retired so far.
    pub(crate) fn before_sync(&self) -> Retired {
        Retired {
            messages: std::mem::take(&mut lock(&self.messages).retired),
            envelopes: std::mem::take(&mut lock(&self.envelopes).retired),
        }
    }

    /// Call after that fsync: if it succeeded, `retired` may be reused.
    pub(crate) fn after_sync(&self, retired: Retired, synced: bool) {
        for (kind, files) in [
            (Kind::Message, retired.messages),
            (Kind::Envelope, retired.envelopes),
        ] {
            let mut l = lock(self.lists(kind));
            if synced {
                l.ready.extend(files);
            } else {
                l.retired.extend(files);
            }
        }
    }
}

/// Opens `path` for writing, new (`create_new`), or a free file renamed
/// to it when one is given and `path` does not exist. The caller writes
/// from the start and cuts the rest off with `set_len` before the fsync.
pub(crate) fn open_reusing(free: Option<PathBuf>, path: &Path) -> io::Result<File> {
    if let Some(free) = free {
        // The id is fresh, so `path` does not exist; checked anyway, as a
        // rename would replace it where `create_new` refuses.
        if !path.exists() && fs::rename(&free, path).is_ok() {
            return OpenOptions::new().write(true).open(path);
        }
        let _ = fs::remove_file(&free);
    }
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Writes `data` as the whole content of the temporary `path` (new, or
/// a reused free file) and fsyncs it.
pub(crate) fn write_synced_reusing(
    free: Option<PathBuf>,
    path: &Path,
    data: &[u8],
) -> io::Result<()> {
    let reused = match free {
        Some(free) => fs::rename(&free, path).is_ok(),
        None => false,
    };
    let mut f = if reused {
        OpenOptions::new().write(true).open(path)?
    } else {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?
    };
    f.write_all(data)?;
    f.set_len(data.len() as u64)?;
    f.sync_all()
}
