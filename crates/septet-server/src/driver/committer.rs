//! Group commit, in two stages on two threads, shared by every session.
//! The first takes whatever jobs are waiting and stages them (files
//! fsynced, envelopes renamed in); the second fsyncs the spool folder once
//! for every batch staged meanwhile and only then lets the 250s go out.
//! So the next batch's file fsyncs overlap the previous batch's folder
//! fsync, and a slow folder fsync covers several batches.

use std::io;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc::UnboundedSender, oneshot};

use crate::envelope::Envelope;
use crate::spool::{Pending, Spool};

/// A message to commit, and where to say it is done.
pub(crate) struct CommitJob {
    pub pending: Pending,
    pub done: oneshot::Sender<io::Result<()>>,
}

/// A staged batch waiting for its folder fsync.
struct Staged {
    results: Vec<io::Result<()>>,
    replies: Vec<oneshot::Sender<io::Result<()>>>,
    envelopes: Vec<Envelope>,
    started: Instant,
}

/// Starts the committer threads. Committed envelopes go to `queued`
/// (the delivery loop). The threads end when every sender is dropped.
pub(crate) fn start(
    spool: Arc<Spool>,
    queued: UnboundedSender<Envelope>,
) -> io::Result<(mpsc::Sender<CommitJob>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<CommitJob>();
    let (staged_tx, staged_rx) = mpsc::channel::<Staged>();
    let dir_spool = spool.clone();
    std::thread::Builder::new()
        .name("septet-commit-dir".into())
        .spawn(move || sync_folder(&dir_spool, &staged_rx, &queued))?;
    let handle = std::thread::Builder::new()
        .name("septet-commit".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let started = Instant::now();
                let mut jobs = vec![first];
                jobs.extend(rx.try_iter());
                let mut envelopes = Vec::with_capacity(jobs.len());
                let mut replies = Vec::with_capacity(jobs.len());
                let mut pending = Vec::with_capacity(jobs.len());
                for job in jobs {
                    envelopes.push(job.pending.envelope.clone());
                    pending.push(job.pending);
                    replies.push(job.done);
                }
                let results = spool.stage_batch(pending);
                let staged = Staged {
                    results,
                    replies,
                    envelopes,
                    started,
                };
                if let Err(mpsc::SendError(staged)) = staged_tx.send(staged) {
                    // The folder thread is gone: nothing may be acknowledged.
                    for reply in staged.replies {
                        let _ = reply.send(Err(io::Error::other("spool folder sync stopped")));
                    }
                }
            }
        })?;
    Ok((tx, handle))
}

/// The second stage: one folder fsync per round, for every batch staged
/// before it started; then the replies.
fn sync_folder(spool: &Spool, staged: &mpsc::Receiver<Staged>, queued: &UnboundedSender<Envelope>) {
    while let Ok(first) = staged.recv() {
        let mut batches = vec![first];
        batches.extend(staged.try_iter());
        let mut results: Vec<io::Result<()>> = batches
            .iter_mut()
            .flat_map(|b| std::mem::take(&mut b.results))
            .collect();
        spool.sync_staged(&mut results);
        let mut results = results.into_iter();
        for b in batches {
            let n = b.replies.len();
            tracing::debug!(
                batch = n,
                micros = b.started.elapsed().as_micros() as u64,
                "group commit"
            );
            for (reply, env) in b.replies.into_iter().zip(b.envelopes) {
                let result = results
                    .next()
                    .unwrap_or_else(|| Err(io::Error::other("no commit result")));
                if result.is_ok() {
                    let _ = queued.send(env);
                }
                let _ = reply.send(result);
            }
        }
    }
}
