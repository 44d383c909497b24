//! Standard input and output for a subcommand whose library side works on
//! paths (`convert`: an mbox is memory-mapped, and the output is renamed
//! into place): standard input is spooled into a private temporary
//! folder, and the output is built there and copied to standard output
//! once complete, so a failed run writes nothing to it.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::Failure;

/// The name that stands for standard input or output on the command line.
pub const DASH: &str = "-";

/// Whether `path` is `-`.
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == DASH
}

/// A private temporary folder, removed with everything in it on drop.
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Creates `septet-<pid>-<n>` in the system's temporary folder
    /// (`TMPDIR`), readable only by the user: it holds their mail. A run
    /// killed by a signal leaves it behind.
    pub fn new() -> Result<Spool, Failure> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir();
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("septet-{}-{n}", std::process::id()));
            match builder.create(&dir) {
                Ok(()) => return Ok(Spool { dir }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    let doing = format!("creating a temporary folder in {}", base.display());
                    return Err(Failure::io(doing, e));
                }
            }
        }
        Err(Failure::Error(format!(
            "creating a temporary folder in {}: no free name",
            base.display()
        )))
    }

    /// A path inside the folder (nothing is created).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Copies all of standard input into the file `name` and returns its
    /// path.
    pub fn stdin_to(&self, name: &str) -> Result<PathBuf, Failure> {
        let path = self.path(name);
        let mut file = File::create(&path).map_err(|e| {
            Failure::io(format!("spooling standard input to {}", path.display()), e)
        })?;
        io::copy(&mut io::stdin().lock(), &mut file)
            .map_err(|e| Failure::io("reading standard input", e))?;
        Ok(path)
    }

    /// Replaces every mention of the spool folder's files in `msg` by
    /// `standard input` / `standard output`, so errors name what the user
    /// gave.
    pub fn rename_in(&self, msg: &str, names: &[(&str, &str)]) -> String {
        names.iter().fold(msg.to_owned(), |m, (file, shown)| {
            m.replace(&self.path(file).display().to_string(), shown)
        })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // Best effort: nobody is left to report to.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Copies the file at `path` to standard output.
pub fn copy_to_stdout(path: &Path) -> Result<(), Failure> {
    let mut file = File::open(path).map_err(|e| Failure::io("reading the spooled output", e))?;
    let mut out = io::stdout().lock();
    io::copy(&mut file, &mut out)
        .and_then(|_| io::Write::flush(&mut out))
        .map_err(|e| Failure::io("writing standard output", e))?;
    Ok(())
}
