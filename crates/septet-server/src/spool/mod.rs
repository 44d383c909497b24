//! The spool: one folder holding `<id>.msg` (the message as received,
//! CRLF) and `<id>.env` (its [`Envelope`], JSON) per queued message.
//!
//! Durability: a message is written to `<id>.msg.tmp`, its envelope to
//! `<id>.env.tmp`; [`Spool::commit_batch`] fsyncs the files, renames the
//! message, then the envelope (the commit point: a `.msg` without its
//! `.env` was never acknowledged), and fsyncs the folder once for the whole
//! batch, after which the 250s may go out. [`Spool::recover`] removes
//! `.tmp` files and unpaired `.msg` files and returns every envelope.

mod files;

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::envelope::Envelope;
pub use files::sync_dir;

/// Threads fsyncing one batch at most.
const MAX_SYNC_THREADS: usize = 32;

/// A message written but not committed yet.
#[derive(Debug)]
pub struct Pending {
    /// Its envelope.
    pub envelope: Envelope,
    /// The open `<id>.msg.tmp`, all data written.
    pub file: File,
}

/// The spool folder.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    counter: AtomicU32,
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Spool {
    /// Opens (creating if needed) the spool folder.
    pub fn open(dir: &Path) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        Ok(Spool {
            dir: dir.to_owned(),
            counter: AtomicU32::new(0),
        })
    }

    /// The spool folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A fresh queue id: microseconds since the epoch and a counter, in
    /// hex (sortable by arrival within a run; a clash with an id of an
    /// earlier run is caught by `create_new`).
    pub fn new_id(&self) -> String {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{micros:014X}{:04X}", n & 0xFFFF)
    }

    /// Where the committed message `id` is.
    pub fn message_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.msg"))
    }

    fn envelope_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.env"))
    }

    /// Creates `<id>.msg.tmp` for a message being received.
    pub fn create(&self, id: &str) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.dir.join(format!("{id}.msg.tmp")))
    }

    /// Drops a message that was not committed.
    pub fn discard(&self, id: &str) {
        let _ = fs::remove_file(self.dir.join(format!("{id}.msg.tmp")));
    }

    /// Commits messages: every file fsynced, renamed, and one folder fsync
    /// for all. Returns one result per message, in order; the folder fsync
    /// failing fails them all.
    pub fn commit_batch(&self, batch: Vec<Pending>) -> Vec<io::Result<()>> {
        // The files are fsynced from several threads at once: the
        // filesystem's journal then commits them together, instead of one
        // journal commit per file, one after the other.
        let lanes = batch.len().clamp(1, MAX_SYNC_THREADS);
        let mut lanes_in: Vec<Vec<(usize, Pending)>> = (0..lanes).map(|_| Vec::new()).collect();
        let n = batch.len();
        for (i, p) in batch.into_iter().enumerate() {
            lanes_in[i % lanes].push((i, p));
        }
        let mut results: Vec<io::Result<()>> = (0..n).map(|_| Ok(())).collect();
        let staged: Vec<Vec<(usize, io::Result<()>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = lanes_in
                .into_iter()
                .map(|lane| {
                    scope.spawn(move || {
                        lane.into_iter()
                            .map(|(i, p)| (i, self.stage(p)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut seen = vec![false; n];
        for (i, r) in staged.into_iter().flatten() {
            seen[i] = true;
            results[i] = r;
        }
        for (i, r) in results.iter_mut().enumerate() {
            if !seen[i] {
                *r = Err(io::Error::other("commit thread failed"));
            }
        }
        if results.iter().any(|r| r.is_ok()) {
            if let Err(e) = sync_dir(&self.dir) {
                for r in results.iter_mut().filter(|r| r.is_ok()) {
                    *r = Err(io::Error::new(e.kind(), e.to_string()));
                }
            }
        }
        results
    }

    /// fsync and rename one message and its envelope.
    fn stage(&self, p: Pending) -> io::Result<()> {
        let id = p.envelope.id.clone();
        let result = (|| {
            p.file.sync_all()?;
            drop(p.file);
            let env_tmp = self.dir.join(format!("{id}.env.tmp"));
            files::write_synced(&env_tmp, &serde_json::to_vec(&p.envelope)?)?;
            fs::rename(
                self.dir.join(format!("{id}.msg.tmp")),
                self.message_path(&id),
            )?;
            fs::rename(&env_tmp, self.envelope_path(&id))
        })();
        if result.is_err() {
            self.discard(&id);
            let _ = fs::remove_file(self.dir.join(format!("{id}.env.tmp")));
        }
        result
    }

    /// Rewrites an envelope (after a delivery attempt) atomically.
    pub fn save(&self, envelope: &Envelope) -> io::Result<()> {
        let tmp = self.dir.join(format!("{}.env.tmp", envelope.id));
        files::write_synced(&tmp, &serde_json::to_vec(envelope)?)?;
        fs::rename(&tmp, self.envelope_path(&envelope.id))?;
        sync_dir(&self.dir)
    }

    /// Loads one envelope.
    pub fn load(&self, id: &str) -> io::Result<Envelope> {
        let data = fs::read(self.envelope_path(id))?;
        serde_json::from_slice(&data).map_err(io::Error::from)
    }

    /// Removes a finished message: the envelope first (after that the
    /// message is gone for recovery), then the data. The folder is not
    /// fsynced: after a crash the message may come back and be delivered
    /// twice, which is allowed; it is never lost.
    pub fn remove(&self, id: &str) -> io::Result<()> {
        fs::remove_file(self.envelope_path(id))?;
        let _ = fs::remove_file(self.message_path(id));
        Ok(())
    }

    /// After a restart: removes `.tmp` files and messages without an
    /// envelope; returns every queued envelope, oldest id first. An
    /// envelope that does not parse is kept on disk and reported in the
    /// second list.
    pub fn recover(&self) -> io::Result<(Vec<Envelope>, Vec<String>)> {
        let mut envelopes = Vec::new();
        let mut broken = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.ends_with(".tmp") {
                let _ = fs::remove_file(self.dir.join(name));
            } else if let Some(id) = name.strip_suffix(".msg") {
                if !self.envelope_path(id).exists() {
                    let _ = fs::remove_file(self.dir.join(name));
                }
            } else if let Some(id) = name.strip_suffix(".env") {
                if !self.message_path(id).exists() {
                    broken.push(id.to_owned());
                    continue;
                }
                match self.load(id) {
                    Ok(env) => envelopes.push(env),
                    Err(_) => broken.push(id.to_owned()),
                }
            }
        }
        envelopes.sort_by(|a, b| a.id.cmp(&b.id));
        Ok((envelopes, broken))
    }

    /// Every queued envelope, without changing anything (for `queue list`).
    pub fn list(&self) -> io::Result<Vec<Envelope>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".env")) {
                if let Ok(env) = self.load(id) {
                    out.push(env);
                }
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
