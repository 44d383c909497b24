//! The spool: one folder holding `<id>.msg` (the message as received,
//! CRLF) and `<id>.env` (its [`Envelope`], JSON) per queued message.
//!
//! Durability: a message is written straight to `<id>.msg`, its envelope
//! to `<id>.env.tmp`; [`Spool::stage_batch`] fsyncs both files of every
//! message at once (one thread each) and renames the envelope into place,
//! the commit point: a `.msg` without its `.env` was never acknowledged.
//! [`Spool::sync_staged`] then fsyncs the folder once for any number of
//! staged batches, after which their 250s may go out ([`Spool::commit_batch`]
//! does both). [`Spool::recover`] removes `.tmp` files and unpaired `.msg`
//! files and returns every envelope. The server's spool (the one that ran
//! `recover`) reuses finished files instead of deleting them
//! (`recycle.rs`), kept in `free/`, which recovery deletes.

mod files;
mod pool;
mod recycle;

use std::fs::{self, File};
use std::io::{self, Seek};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::envelope::Envelope;
pub use files::sync_dir;
use recycle::{Kind, Recycler, FREE_DIR};

/// Threads fsyncing side by side (two files per message: 32 messages).
const SYNC_THREADS: usize = 64;

/// A message written but not committed yet.
#[derive(Debug)]
pub struct Pending {
    /// Its envelope.
    pub envelope: Envelope,
    /// The open `<id>.msg`, all data written.
    pub file: File,
}

/// The spool folder.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    counter: AtomicU32,
    /// Started by the first commit (`queue list` never needs it).
    pool: OnceLock<Option<pool::SyncPool>>,
    /// Finished files kept for reuse.
    recycler: Recycler,
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
            pool: OnceLock::new(),
            recycler: Recycler::default(),
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

    fn envelope_tmp_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.env.tmp"))
    }

    /// A fresh name for a file kept for reuse.
    fn free_path(&self, kind: Kind) -> PathBuf {
        let ext = match kind {
            Kind::Message => "msg",
            Kind::Envelope => "env",
        };
        self.dir
            .join(FREE_DIR)
            .join(format!("{}.{ext}", self.new_id()))
    }

    /// Creates `<id>.msg` for a message being received (possibly a reused
    /// file: write it from the start; the commit cuts off what is past the
    /// end). It is not queued until its envelope is committed: without
    /// one, recovery removes it.
    pub fn create(&self, id: &str) -> io::Result<File> {
        recycle::open_reusing(self.recycler.take(Kind::Message), &self.message_path(id))
    }

    /// Drops a message that was not committed.
    pub fn discard(&self, id: &str) {
        let _ = self.recycler.retire(
            &self.message_path(id),
            self.free_path(Kind::Message),
            Kind::Message,
        );
    }

    /// Commits messages: [`Spool::stage_batch`], then
    /// [`Spool::sync_staged`]. Returns one result per message, in order.
    pub fn commit_batch(&self, batch: Vec<Pending>) -> Vec<io::Result<()>> {
        let mut results = self.stage_batch(batch);
        self.sync_staged(&mut results);
        results
    }

    /// The first half of a commit: every message file and envelope
    /// fsynced (all at once, from the pool's threads), then each envelope
    /// renamed into place. Not durable until [`Spool::sync_staged`] has
    /// fsynced the folder: no 250 before that. A message that fails is
    /// removed. Returns one result per message, in order.
    pub fn stage_batch(&self, batch: Vec<Pending>) -> Vec<io::Result<()>> {
        let mut ids = Vec::with_capacity(batch.len());
        let mut tasks: Vec<pool::Task<io::Result<()>>> = Vec::with_capacity(batch.len() * 2);
        for p in batch {
            let Pending { envelope, file } = p;
            tasks.push(Box::new(move || {
                // A reused file may be longer than this message.
                let len = (&file).stream_position()?;
                file.set_len(len)?;
                file.sync_all()
            }));
            let env_tmp = self.envelope_tmp_path(&envelope.id);
            let json = serde_json::to_vec(&envelope);
            let free = self.recycler.take(Kind::Envelope);
            tasks.push(Box::new(move || {
                recycle::write_synced_reusing(free, &env_tmp, &json?)
            }));
            ids.push(envelope.id);
        }
        let mut synced = self.run(tasks).into_iter();
        let mut result_of = move || {
            synced
                .next()
                .flatten()
                .unwrap_or_else(|| Err(io::Error::other("fsync thread failed")))
        };
        ids.into_iter()
            .map(|id| {
                let (msg, env) = (result_of(), result_of());
                // The message is fsynced before its envelope appears.
                let result = msg.and(env).and_then(|()| {
                    fs::rename(self.envelope_tmp_path(&id), self.envelope_path(&id))
                });
                if result.is_err() {
                    self.discard(&id);
                    let _ = fs::remove_file(self.envelope_tmp_path(&id));
                }
                result
            })
            .collect()
    }

    /// The second half of a commit: one folder fsync for every message
    /// staged before it (any number of [`Spool::stage_batch`] calls), so
    /// their names are durable. Turns the `Ok`s into errors if it fails.
    pub fn sync_staged(&self, results: &mut [io::Result<()>]) {
        if !results.iter().any(|r| r.is_ok()) {
            return;
        }
        let retired = self.recycler.before_sync();
        let (synced, free_synced) = if retired.is_empty() {
            (sync_dir(&self.dir), true)
        } else {
            // `free/` too, side by side: without it a crash could leave a
            // moved file with no name at all (harmless, but leaked).
            let (dir, free) = (self.dir.clone(), self.dir.join(FREE_DIR));
            let tasks: Vec<pool::Task<io::Result<()>>> = vec![
                Box::new(move || sync_dir(&dir)),
                Box::new(move || sync_dir(&free)),
            ];
            let mut done = self.run(tasks).into_iter();
            let synced = done
                .next()
                .flatten()
                .unwrap_or_else(|| Err(io::Error::other("fsync thread failed")));
            (synced, matches!(done.next(), Some(Some(Ok(())))))
        };
        self.recycler
            .after_sync(retired, synced.is_ok() && free_synced);
        if let Err(e) = synced {
            for r in results.iter_mut().filter(|r| r.is_ok()) {
                *r = Err(io::Error::new(e.kind(), e.to_string()));
            }
        }
    }

    /// Runs fsync tasks on the pool, or here one by one if its threads
    /// could not be started.
    fn run(&self, tasks: Vec<pool::Task<io::Result<()>>>) -> Vec<Option<io::Result<()>>> {
        let pool = self
            .pool
            .get_or_init(|| match pool::SyncPool::new(SYNC_THREADS) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::warn!(error = %e, "no fsync threads: committing one file at a time");
                    None
                }
            });
        match pool {
            Some(p) => p.run(tasks),
            None => tasks.into_iter().map(|t| Some(t())).collect(),
        }
    }

    /// Rewrites an envelope (after a delivery attempt) atomically.
    pub fn save(&self, envelope: &Envelope) -> io::Result<()> {
        let tmp = self.envelope_tmp_path(&envelope.id);
        files::write_synced(&tmp, &serde_json::to_vec(envelope)?)?;
        fs::rename(&tmp, self.envelope_path(&envelope.id))?;
        sync_dir(&self.dir)
    }

    /// Deletes the files kept for reuse and keeps none from now on: for
    /// a clean stop.
    pub fn clear_free(&self) {
        self.recycler.clear();
        let _ = fs::remove_dir(self.dir.join(FREE_DIR));
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
        let env = self.free_path(Kind::Envelope);
        self.recycler
            .retire(&self.envelope_path(id), env, Kind::Envelope)?;
        let msg = self.free_path(Kind::Message);
        let _ = self
            .recycler
            .retire(&self.message_path(id), msg, Kind::Message);
        Ok(())
    }

    /// After a restart: removes `.tmp` files, `free/` and messages
    /// without an envelope, and lets this spool keep files for reuse from
    /// now on; returns every queued envelope, oldest id first. An
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
        // This spool owns the folder now: it may keep files for reuse.
        let _ = fs::remove_dir_all(self.dir.join(FREE_DIR));
        self.recycler.enable();
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
