//! The delivery loop: keeps the queue in memory, asks the [`Scheduler`]
//! what is due, runs attempts (local Maildirs, remote destinations),
//! records their outcome in the spool, and sends DSNs.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use super::remote::RemoteJob;
use super::Shared;
use crate::dsn;
use crate::envelope::{domain_of, BodyType, Envelope, Origin, RcptState, Recipient};
use crate::local;
use crate::queue::{Outcome, RcptResult};
use crate::spool::{unix_now, Pending};

/// The file `septet queue flush` creates in the spool: retry everything now.
pub const FLUSH_FILE: &str = "flush";

/// Runs until shutdown. `initial` is the recovered queue.
pub(crate) async fn run(
    shared: Arc<Shared>,
    initial: Vec<Envelope>,
    mut queued: mpsc::UnboundedReceiver<Envelope>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut entries: HashMap<String, Envelope> =
        initial.into_iter().map(|e| (e.id.clone(), e)).collect();
    let mut in_flight: HashSet<String> = HashSet::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(String, Option<Envelope>)>();
    loop {
        let now = unix_now();
        if shared.spool.dir().join(FLUSH_FILE).exists() {
            let _ = std::fs::remove_file(shared.spool.dir().join(FLUSH_FILE));
            for e in entries.values_mut() {
                e.next_attempt = now;
            }
        }
        let idle = entries.values().filter(|e| !in_flight.contains(&e.id));
        for id in shared.scheduler().due(now, idle) {
            let Some(env) = entries.get(&id).cloned() else {
                continue;
            };
            in_flight.insert(id.clone());
            let (shared, done) = (shared.clone(), done_tx.clone());
            tokio::spawn(async move {
                let after = attempt(&shared, env).await;
                let _ = done.send((id, after));
            });
        }
        // Everything that arrived is taken in before the next `due`, which
        // walks the whole queue: once per wakeup, not once per message.
        let finished = |id: String,
                        after: Option<Envelope>,
                        entries: &mut HashMap<_, _>,
                        in_flight: &mut HashSet<String>| {
            in_flight.remove(&id);
            match after {
                Some(env) => {
                    entries.insert(id, env);
                }
                None => {
                    entries.remove(&id);
                }
            }
        };
        tokio::select! {
            Some(env) = queued.recv() => { entries.insert(env.id.clone(), env); }
            Some((id, after)) = done_rx.recv() => finished(id, after, &mut entries, &mut in_flight),
            // Attempts are scheduled in whole seconds; the tick also
            // notices the flush file.
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return,
        }
        while let Ok(env) = queued.try_recv() {
            entries.insert(env.id.clone(), env);
        }
        while let Ok((id, after)) = done_rx.try_recv() {
            finished(id, after, &mut entries, &mut in_flight);
        }
    }
}

/// One attempt for every pending recipient of `env`; returns the envelope
/// to keep (with its next attempt), or `None` once it is finished.
async fn attempt(shared: &Arc<Shared>, env: Envelope) -> Option<Envelope> {
    // `septet queue delete` may have removed it meanwhile.
    let mut env = match shared.spool.load(&env.id) {
        Ok(e) => e,
        Err(_) => return None,
    };
    let settings = &shared.settings;
    let mut local_rcpts = Vec::new();
    let mut remote: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in env.recipients.iter().enumerate() {
        if r.state != RcptState::Pending {
            continue;
        }
        let domain = domain_of(&r.address).unwrap_or_default();
        if settings.session.local_domains.contains(&domain) {
            local_rcpts.push(i);
        } else {
            // The smarthost, or the domain itself, whose MX hosts the
            // destination's workers look up on each connection.
            let dest = settings.relayhost.clone().unwrap_or(domain);
            remote.entry(dest).or_default().push(i);
        }
    }
    let mut results = Vec::new();
    if !local_rcpts.is_empty() {
        let (s, e) = (shared.clone(), env.clone());
        let local = tokio::task::spawn_blocking(move || deliver_local(&s, &e, &local_rcpts)).await;
        results.extend(local.unwrap_or_default());
    }
    let mut waits = Vec::new();
    for (dest, rcpts) in remote {
        let (done, wait) = oneshot::channel();
        let job = RemoteJob {
            envelope: env.clone(),
            rcpts: rcpts.clone(),
            done,
        };
        shared.destinations.submit(shared, &dest, job);
        waits.push((rcpts, wait));
    }
    for (rcpts, wait) in waits {
        match wait.await {
            Ok(r) => results.extend(r),
            Err(_) => results.extend(
                rcpts
                    .into_iter()
                    .map(|i| (i, RcptResult::Temporary("worker failed".into()))),
            ),
        }
    }
    for (i, r) in &results {
        let rcpt = &env.recipients[*i].address;
        match r {
            RcptResult::Delivered => tracing::info!(queue_id = %env.id, to = %rcpt, "delivered"),
            RcptResult::Temporary(why) => {
                tracing::info!(queue_id = %env.id, to = %rcpt, %why, "deferred")
            }
            RcptResult::Permanent(why) => {
                tracing::warn!(queue_id = %env.id, to = %rcpt, %why, "bounced")
            }
        }
    }
    let outcome = shared.scheduler().record(unix_now(), &mut env, &results);
    match outcome {
        Outcome::Retry(_) => {
            if let Err(e) = shared.spool.save(&env) {
                tracing::error!(queue_id = %env.id, error = %e, "could not save the envelope");
            }
            Some(env)
        }
        Outcome::Finished => {
            if let Err(e) = bounce(shared, &env) {
                // Keep the message: the DSN is retried with it.
                tracing::error!(queue_id = %env.id, error = %e, "could not queue the DSN");
                return Some(env);
            }
            // Off the runtime: an unlink frees the file's blocks, and on a
            // filesystem mounted with `discard` that waits for the disk.
            let (s, id) = (shared.clone(), env.id.clone());
            let removed = tokio::task::spawn_blocking(move || s.spool.remove(&id)).await;
            match removed {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(queue_id = %env.id, error = %e, "could not remove the message")
                }
                Err(e) => {
                    tracing::error!(queue_id = %env.id, error = %e, "could not remove the message")
                }
            }
            None
        }
    }
}

fn deliver_local(shared: &Shared, env: &Envelope, rcpts: &[usize]) -> Vec<(usize, RcptResult)> {
    let Some(root) = &shared.settings.maildir_root else {
        return rcpts
            .iter()
            .map(|&i| {
                (
                    i,
                    RcptResult::Permanent("550 5.3.5 no --maildir-root".into()),
                )
            })
            .collect();
    };
    let path = shared.spool.message_path(&env.id);
    let host = &shared.settings.session.hostname;
    rcpts
        .iter()
        .map(|&i| {
            let r = &env.recipients[i].address;
            match local::deliver(root, host, env, r, &path) {
                Ok(_) => (i, RcptResult::Delivered),
                Err(e) => (
                    i,
                    RcptResult::Temporary(format!("451 4.3.0 local delivery failed: {e}")),
                ),
            }
        })
        .collect()
}

/// Queues a DSN for the failed recipients (none for `<>`).
fn bounce(shared: &Shared, env: &Envelope) -> io::Result<()> {
    // The common case, everything delivered: no need to read the header.
    if env.sender.is_empty() || env.recipients.iter().all(|r| r.state != RcptState::Failed) {
        return Ok(());
    }
    let header = dsn::original_header(&shared.spool.message_path(&env.id)).unwrap_or_default();
    let host = &shared.settings.session.hostname;
    let Some(report) = dsn::build(env, host, &header, unix_now()) else {
        return Ok(());
    };
    let id = shared.spool.new_id();
    let mut file = shared.spool.create(&id)?;
    file.write_all(&report)?;
    let now = unix_now();
    let dsn_env = Envelope {
        id: id.clone(),
        sender: String::new(),
        recipients: vec![Recipient {
            address: env.sender.clone(),
            state: RcptState::Pending,
            last_reply: None,
        }],
        body: BodyType::SevenBit,
        smtputf8: env.smtputf8 && !env.sender.is_ascii(),
        eight_bit: !report.is_ascii(),
        received_at: now,
        attempts: 0,
        next_attempt: now,
        origin: Origin {
            helo: host.clone(),
            addr: "127.0.0.1".into(),
            protocol: "local".into(),
        },
    };
    let result = shared
        .spool
        .commit_batch(vec![Pending {
            envelope: dsn_env.clone(),
            file,
        }])
        .pop()
        .unwrap_or_else(|| Err(io::Error::other("no commit result")));
    result?;
    tracing::info!(queue_id = %id, original = %env.id, to = %env.sender, "DSN queued");
    let _ = shared.queued.send(dsn_env);
    Ok(())
}
