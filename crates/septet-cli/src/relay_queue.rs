//! `septet queue list|flush|delete`: the relay's spool, from outside.

use std::path::PathBuf;

use septet_server::driver::delivery::FLUSH_FILE;
use septet_server::envelope::RcptState;
use septet_server::spool::Spool;

use crate::Failure;

/// `septet queue ...`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List queued messages.
    List {
        /// The queue folder.
        #[arg(long, value_name = "DIR")]
        spool: PathBuf,
        /// One JSON array of envelopes.
        #[arg(long)]
        json: bool,
    },
    /// Ask the running relay to retry every queued message now.
    Flush {
        /// The queue folder.
        #[arg(long, value_name = "DIR")]
        spool: PathBuf,
    },
    /// Remove a message from the queue.
    Delete {
        /// The queue folder.
        #[arg(long, value_name = "DIR")]
        spool: PathBuf,
        /// The queue id.
        id: String,
    },
}

/// Runs the queue command.
pub fn run(args: Args) -> Result<(), Failure> {
    match args.action {
        Action::List { spool, json } => {
            let spool = open(&spool)?;
            let list = spool.list().map_err(|e| Failure::io("queue list", e))?;
            if json {
                let text =
                    simd_json::to_string(&list).map_err(|e| Failure::Error(e.to_string()))?;
                println!("{text}");
            } else {
                for e in &list {
                    let pending: Vec<&str> = e
                        .recipients
                        .iter()
                        .filter(|r| r.state == RcptState::Pending)
                        .map(|r| r.address.as_str())
                        .collect();
                    println!(
                        "{}  from <{}>  attempts {}  pending: {}",
                        e.id,
                        e.sender,
                        e.attempts,
                        pending.join(", ")
                    );
                }
            }
            Ok(())
        }
        Action::Flush { spool } => {
            let spool = open(&spool)?;
            std::fs::write(spool.dir().join(FLUSH_FILE), b"")
                .map_err(|e| Failure::io("queue flush", e))
        }
        Action::Delete { spool, id } => {
            if id.contains(['/', '.']) {
                return Err(Failure::Usage(format!("queue delete: bad id {id:?}")));
            }
            let spool = open(&spool)?;
            spool
                .remove(&id)
                .map_err(|e| Failure::io(format!("queue delete {id}"), e))
        }
    }
}

fn open(dir: &std::path::Path) -> Result<Spool, Failure> {
    if !dir.is_dir() {
        return Err(Failure::Error(format!(
            "{}: no such spool folder",
            dir.display()
        )));
    }
    Spool::open(dir).map_err(|e| Failure::io(dir.display(), e))
}
