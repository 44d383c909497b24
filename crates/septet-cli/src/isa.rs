//! `septet isa`: which kernel sets this CPU runs and which one is in use.

use std::io::Write;

use septet::simd::{self, FORCE_ISA_ENV};

use crate::io::write_failure;
use crate::Failure;

/// Arguments of `septet isa` (none).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Prints `available: ...` and `active: ...` lines.
pub fn run(_args: Args) -> Result<(), Failure> {
    let available: Vec<&str> = simd::available()
        .into_iter()
        .map(|isa| isa.name())
        .collect();
    let forced = std::env::var(FORCE_ISA_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|_| format!(" (forced by {FORCE_ISA_ENV})"))
        .unwrap_or_default();
    let text = format!(
        "available: {}\nactive: {}{forced}\n",
        available.join(" "),
        simd::active()
    );
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| write_failure("standard output", e))
}
