//! Outputs that appear whole or not at all: a file or folder is built
//! under a hidden temporary name beside its target and renamed into place
//! on commit; dropped uncommitted, it is removed.
//!
//! A process killed outright (SIGKILL, power loss) leaves the hidden
//! `.NAME.septet-PID-N.tmp` behind, never a partial archive under the
//! target name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A temporary file or folder, removed on drop unless persisted.
#[derive(Debug)]
pub(crate) struct TempPath {
    path: PathBuf,
    target: PathBuf,
    is_dir: bool,
    persisted: bool,
}

impl TempPath {
    /// Creates `.<name>.septet-<pid>-<n>.tmp` beside `target` with
    /// `create` (which must fail if the path exists), retrying on a clash.
    pub(crate) fn create<T>(
        target: &Path,
        is_dir: bool,
        create: impl Fn(&Path) -> io::Result<T>,
    ) -> io::Result<(T, TempPath)> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let base = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
            .to_string_lossy()
            .into_owned();
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(".{base}.septet-{}-{n}.tmp", std::process::id()));
            match create(&path) {
                Ok(made) => {
                    let temp = TempPath {
                        path,
                        target: target.to_owned(),
                        is_dir,
                        persisted: false,
                    };
                    return Ok((made, temp));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary name",
        ))
    }

    /// The temporary path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the temporary path to the target.
    pub(crate) fn persist(mut self) -> io::Result<()> {
        fs::rename(&self.path, &self.target)?;
        self.persisted = true;
        // Make the rename itself durable where the platform allows it;
        // a failure here does not undo the rename, so it is not reported.
        #[cfg(unix)]
        if let Some(parent) = self.target.parent() {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            if let Ok(dir) = File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.persisted {
            // Best effort: nobody is left to report to.
            let _ = if self.is_dir {
                fs::remove_dir_all(&self.path)
            } else {
                fs::remove_file(&self.path)
            };
        }
    }
}

/// An output file that appears whole or not at all.
///
/// [`create`](Self::create) opens a temporary file,
/// `.<name>.septet-<pid>-<n>.tmp`, in the target's own directory (so the
/// final rename stays within one file system); writes go there.
/// [`commit`](Self::commit) fsyncs the file, renames it over the target
/// (atomic on POSIX: a reader sees the old file or the new one), then
/// fsyncs the directory so the rename itself survives a crash. Dropped
/// without `commit` (an error, a panic), the temporary file is removed and
/// the target is untouched. A process killed outright leaves only the
/// hidden temporary file behind.
///
/// A symlink target has the file it points to replaced, not the link.
/// Devices and pipes (`/dev/null`, a FIFO), which cannot be replaced, are
/// written in place, and `commit` only flushes.
///
/// Writes are not buffered: wrap it in a [`std::io::BufWriter`] for small
/// writes.
///
/// ```no_run
/// use std::io::Write;
/// use septet_mailbox::AtomicFile;
/// let mut file = AtomicFile::create("out.mbox".as_ref())?;
/// file.write_all(b"From a Thu Jan  1 00:00:00 1970\n\n")?;
/// file.commit()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    file: File,
    temp: Option<TempPath>,
}

impl AtomicFile {
    /// Opens the output for `target`. A symlink's destination is replaced,
    /// not the link; a folder is an error (`InvalidInput`).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let target = match fs::symlink_metadata(target) {
            Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(target)?,
            _ => target.to_owned(),
        };
        match fs::metadata(&target) {
            Ok(meta) if meta.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a folder (use the Maildir output for a folder)",
                ))
            }
            Ok(meta) if !meta.is_file() => {
                let file = OpenOptions::new().write(true).open(&target)?;
                return Ok(AtomicFile { file, temp: None });
            }
            _ => {}
        }
        let (file, temp) = TempPath::create(&target, false, |p| {
            OpenOptions::new().write(true).create_new(true).open(p)
        })?;
        Ok(AtomicFile {
            file,
            temp: Some(temp),
        })
    }

    /// Syncs the file to disk, renames it over the target and syncs the
    /// directory. On error the temporary file is removed and the target
    /// left as it was.
    pub fn commit(self) -> io::Result<()> {
        match self.temp {
            Some(temp) => {
                self.file.sync_all()?;
                drop(self.file);
                temp.persist()
            }
            None => Ok(()),
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.file.write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
