//! Running the `septet` binary as a user would, in scratch folders.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh, empty folder for one test, under Cargo's per-target temp dir.
pub fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names in `dir`, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `septet ARGS` in `dir` with `stdin` as standard input.
pub fn septet_in<I, S>(dir: &Path, args: I, stdin: &[u8]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = Command::new(env!("CARGO_BIN_EXE_septet"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // Written from a thread: a large input could otherwise fill the pipe
    // while septet waits to write its output.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Runs `septet ARGS` in `dir` with empty standard input.
pub fn septet<I, S>(dir: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    septet_in(dir, args, b"")
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One small LF message per sender, as an mbox.
pub fn mbox(senders: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, s) in senders.iter().enumerate() {
        out.extend_from_slice(
            format!(
                "From {s} Mon Jan  1 00:00:0{i} 2024\nFrom: <{s}>\nSubject: message {i}\n\nbody {i}\n\n"
            )
            .as_bytes(),
        );
    }
    out
}

/// Runs `septet ARGS` with `input` on standard input, in the current
/// folder: (exit status success, standard output, standard error).
pub fn piped(args: &[&str], input: &[u8]) -> (bool, Vec<u8>, String) {
    let out = septet_in(Path::new("."), args, input);
    let err = stderr(&out);
    (out.status.success(), out.stdout, err)
}
