//! Threads that run the fsyncs of a batch side by side. A disk served
//! through a queue (virtio, NVMe) completes many writes and flushes at
//! once, so fsyncing N files from N threads costs about one fsync, where
//! one thread would pay N in a row. The threads are started once and kept:
//! starting them per batch cost more than the work on small batches.

use std::io;
use std::sync::{mpsc, Arc, Mutex};

/// One unit of work: an fsync, or a write and an fsync.
pub(crate) type Task<T> = Box<dyn FnOnce() -> T + Send + 'static>;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of threads taking [`Task`]s from one queue.
#[derive(Debug)]
pub(crate) struct SyncPool {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl SyncPool {
    /// Starts `threads` threads; they end when the pool is dropped.
    pub(crate) fn new(threads: usize) -> io::Result<SyncPool> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name("septet-fsync".into())
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })?;
        }
        Ok(SyncPool {
            jobs: Mutex::new(tx),
        })
    }

    /// Runs every task and returns their results in order; `None` for a
    /// task whose thread died (a panic) or that could not be queued.
    pub(crate) fn run<T: Send + 'static>(&self, tasks: Vec<Task<T>>) -> Vec<Option<T>> {
        let n = tasks.len();
        let (done_tx, done_rx) = mpsc::channel::<(usize, T)>();
        {
            let jobs = match self.jobs.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            for (i, task) in tasks.into_iter().enumerate() {
                let done = done_tx.clone();
                let _ = jobs.send(Box::new(move || {
                    let _ = done.send((i, task()));
                }));
            }
        }
        drop(done_tx);
        let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
        // Ends when every task has answered or was dropped unrun.
        for (i, result) in done_rx {
            out[i] = Some(result);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_order() {
        let pool = SyncPool::new(3).unwrap();
        let tasks: Vec<Task<usize>> = (0..10usize)
            .map(|i| Box::new(move || i * 2) as Task<usize>)
            .collect();
        let out = pool.run(tasks);
        assert_eq!(out, (0..10).map(|i| Some(i * 2)).collect::<Vec<_>>());
        assert!(pool.run(Vec::<Task<u8>>::new()).is_empty());
    }
}
