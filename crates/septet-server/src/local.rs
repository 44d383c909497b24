//! Local delivery: a message for a `--local-domain` goes into
//! `--maildir-root/<local-part>/` as a Maildir message (written in `tmp/`,
//! fsynced, renamed into `new/`, `new/` fsynced), streamed from the spool
//! file with Return-Path and Received in front.
//!
//! septet-mailbox's `MaildirWriter` takes whole messages in memory and
//! does not fsync (archive conversion does not need either); a relay needs
//! both, so delivery here is its own small writer with the same layout.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::envelope::{local_part_of, Envelope};
use crate::smtp::server::safe_local_part;
use crate::spool::{sync_dir, unix_now};
use crate::trace;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Delivers the spooled message at `message` for `rcpt` under `root`;
/// returns the path of the new file.
pub fn deliver(
    root: &Path,
    hostname: &str,
    envelope: &Envelope,
    rcpt: &str,
    message: &Path,
) -> io::Result<PathBuf> {
    let local = local_part_of(rcpt);
    if !safe_local_part(local) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "unsafe local part",
        ));
    }
    let folder = root.join(local);
    for sub in ["tmp", "new", "cur"] {
        fs::create_dir_all(folder.join(sub))?;
    }
    let unique = format!(
        "{}.M{}P{}Q{}.{}",
        unix_now(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_micros()),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        hostname.replace(['/', ':'], "_")
    );
    let tmp = folder.join("tmp").join(&unique);
    let result = (|| {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut out = BufWriter::with_capacity(64 << 10, file);
        out.write_all(trace::return_path(envelope).as_bytes())?;
        out.write_all(trace::received(envelope, hostname, Some(rcpt)).as_bytes())?;
        io::copy(&mut File::open(message)?, &mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        let dest = folder.join("new").join(&unique);
        fs::rename(&tmp, &dest)?;
        sync_dir(&folder.join("new"))?;
        Ok(dest)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
