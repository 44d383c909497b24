//! Group commit: one thread makes messages durable for every session.
//! While one batch is being fsynced, the next one collects, so many
//! concurrent sessions share each folder fsync.

use std::io;
use std::sync::mpsc;
use std::sync::Arc;

use tokio::sync::{mpsc::UnboundedSender, oneshot};

use crate::envelope::Envelope;
use crate::spool::{Pending, Spool};

/// A message to commit, and where to say it is done.
pub(crate) struct CommitJob {
    pub pending: Pending,
    pub done: oneshot::Sender<io::Result<()>>,
}

/// Starts the committer thread. Committed envelopes go to `delivered`
/// (the delivery loop). The thread ends when every sender is dropped.
pub(crate) fn start(
    spool: Arc<Spool>,
    queued: UnboundedSender<Envelope>,
) -> io::Result<(mpsc::Sender<CommitJob>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<CommitJob>();
    let handle = std::thread::Builder::new()
        .name("septet-commit".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
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
                let n = pending.len();
                let results = spool.commit_batch(pending);
                tracing::debug!(batch = n, "group commit");
                for ((result, reply), env) in results.into_iter().zip(replies).zip(envelopes) {
                    if result.is_ok() {
                        let _ = queued.send(env);
                    }
                    let _ = reply.send(result);
                }
            }
        })?;
    Ok((tx, handle))
}
