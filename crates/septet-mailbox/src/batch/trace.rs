//! Per-stage times of a conversion, printed on standard error when the
//! environment variable `SEPTET_TRACE_TIMES` is `1`: the evidence for
//! where a run's time goes (the writing branch's above all, since it is
//! the serial part), without a profiler. Wall-clock times: the kernel's
//! per-thread CPU counters are only as fine as its timer tick, coarser
//! than one window's writing; on a loaded machine they include waits.

use std::time::{Duration, Instant};

/// The stage clocks of one run (all zero and never read when off).
#[derive(Debug)]
pub(super) struct Trace {
    on: bool,
    start: Instant,
    /// Opening and detecting the inputs (wall clock).
    open: Duration,
    /// The writing branch: writing windows, splitting the next ones.
    write: Duration,
    split: Duration,
    /// The transform branch (its own time: the writing thread joins it
    /// when done).
    transform: Duration,
    /// Whole windows, both branches from the start of the join to its end
    /// (more than the longer branch by the time a thread took to pick up
    /// the other: long on a loaded machine).
    joins: Duration,
    /// Between windows, on the calling thread alone (freeing the written
    /// window, releasing its pages, progress).
    between: Duration,
    windows: u64,
}

/// A point in time.
pub(super) type Stamp = Instant;

impl Trace {
    pub(super) fn from_env() -> Trace {
        Trace {
            on: std::env::var_os("SEPTET_TRACE_TIMES").is_some_and(|v| v == "1"),
            start: Instant::now(),
            open: Duration::ZERO,
            write: Duration::ZERO,
            split: Duration::ZERO,
            transform: Duration::ZERO,
            between: Duration::ZERO,
            joins: Duration::ZERO,
            windows: 0,
        }
    }

    /// Now, when tracing.
    pub(super) fn stamp(&self) -> Option<Stamp> {
        self.on.then(Instant::now)
    }

    pub(super) fn opened(&mut self) {
        self.open = self.start.elapsed();
    }

    /// Adds one window: the writing branch's stamps (start, written,
    /// split) and the transform branch's (start, end).
    pub(super) fn window(&mut self, writer: [Option<Stamp>; 3], transform: [Option<Stamp>; 2]) {
        if let [Some(a), Some(b), Some(c)] = writer {
            self.write += b - a;
            self.split += c - b;
        }
        if let [Some(a), Some(b)] = transform {
            self.transform += b - a;
        }
        self.windows += u64::from(self.on);
    }

    /// Adds the time since `from` to the windows' joins.
    pub(super) fn joined(&mut self, from: Option<Stamp>) {
        if let Some(from) = from {
            self.joins += from.elapsed();
        }
    }

    /// Adds the time since `from` to the serial time between windows.
    pub(super) fn between(&mut self, from: Option<Stamp>) {
        if let Some(from) = from {
            self.between += from.elapsed();
        }
    }

    /// Prints the stages, when tracing.
    pub(super) fn report(&self) {
        if !self.on {
            return;
        }
        let s = |d: Duration| d.as_secs_f64();
        eprintln!(
            "septet: times (wall clock): open+detect {:.3}s; {} windows: writing {:.3}s, \
             splitting {:.3}s, transform branch {:.3}s, whole windows {:.3}s, between windows \
             {:.3}s; total {:.3}s",
            s(self.open),
            self.windows,
            s(self.write),
            s(self.split),
            s(self.transform),
            s(self.joins),
            s(self.between),
            s(self.start.elapsed()),
        );
    }
}
