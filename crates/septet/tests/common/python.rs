//! How septet's differential tests find Python: one rule and one message
//! for every test that needs it.
#![allow(dead_code)]

use std::process::Command;

/// Set to `1` to skip every test that needs Python.
pub const SKIP_PYTHON: &str = "SEPTET_SKIP_PYTHON";

/// The message of a test that needs Python and does not find it.
pub const PYTHON_REQUIRED: &str = "python3 >= 3.11 is required for septet's differential tests; \
                                   install it, or set SEPTET_SKIP_PYTHON=1 to skip them";

/// A `python3` command for a differential test, or `None` (after printing
/// `skipped: SEPTET_SKIP_PYTHON is set`) when `SEPTET_SKIP_PYTHON=1`.
///
/// # Panics
///
/// With [`PYTHON_REQUIRED`] when `python3` is missing or older than 3.11,
/// so a machine without Python fails loudly instead of passing silently.
pub fn python3() -> Option<Command> {
    if std::env::var_os(SKIP_PYTHON).is_some_and(|v| v == "1") {
        eprintln!("skipped: SEPTET_SKIP_PYTHON is set");
        return None;
    }
    let version = Command::new("python3").arg("--version").output();
    // `Python 3.11.7` (on stderr before Python 3.4).
    let new_enough = version.is_ok_and(|out| {
        let text = String::from_utf8_lossy(if out.stdout.is_empty() {
            &out.stderr
        } else {
            &out.stdout
        })
        .into_owned();
        let mut numbers = text
            .trim()
            .strip_prefix("Python ")
            .unwrap_or("")
            .split('.')
            .map(|n| n.parse::<u32>().ok());
        let (major, minor) = (numbers.next().flatten(), numbers.next().flatten());
        out.status.success() && matches!((major, minor), (Some(3), Some(m)) if m >= 11)
    });
    assert!(new_enough, "{PYTHON_REQUIRED}");
    Some(Command::new("python3"))
}
