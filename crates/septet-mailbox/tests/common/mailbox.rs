//! Helpers for the mailbox tests: scratch folders, and mbox writers for
//! each variant written independently of septet (line by line, from the
//! variant's definition), so the readers are checked against the format
//! rather than against septet's own writer.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A scratch folder under the system temp dir, removed on drop.
pub struct TestDir(PathBuf);

impl TestDir {
    pub fn new(name: &str) -> TestDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "septet-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TestDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }

    /// Names in the folder (sorted), for checking that nothing was left.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The lines of `data`, each with its terminator (the last may lack one).
pub fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

/// The number of `>` before `From ` if `line` is `>*From `.
pub fn from_depth(line: &[u8]) -> Option<usize> {
    let depth = line.iter().take_while(|&&b| b == b'>').count();
    line[depth..].starts_with(b"From ").then_some(depth)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    O,
    Rd,
    Cl,
    Cl2,
}

/// Quotes `message` the way `kind`'s writer does.
pub fn quote(message: &[u8], kind: Kind) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines(message) {
        let add = matches!(
            (kind, from_depth(line)),
            (Kind::O | Kind::Cl, Some(0)) | (Kind::Rd, Some(_))
        );
        if add {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    out
}

/// Writes `messages` (each `(from_line, message)`, messages ending with a
/// line break) as an mbox of `kind`, with `eol` after separators and as
/// the empty line after each message. The Content-Length variants get a
/// `Content-Length` field inserted first in the header, counting the
/// stored (quoted) body.
pub fn write_mbox(messages: &[(&str, Vec<u8>)], kind: Kind, eol: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (from, message) in messages {
        out.extend_from_slice(from.as_bytes());
        out.extend_from_slice(eol.as_bytes());
        let stored = quote(message, kind);
        if matches!(kind, Kind::Cl | Kind::Cl2) {
            let body = body_start(&stored);
            let len = stored.len() - body;
            out.extend_from_slice(format!("Content-Length: {len}{eol}").as_bytes());
        }
        out.extend_from_slice(&stored);
        out.extend_from_slice(eol.as_bytes());
    }
    out
}

/// Offset of the body: after the first empty line (LF or CRLF).
pub fn body_start(message: &[u8]) -> usize {
    let mut pos = 0;
    for line in lines(message) {
        pos += line.len();
        if line == b"\n" || line == b"\r\n" {
            return pos;
        }
    }
    message.len()
}

/// Adds `Content-Length` the way [`write_mbox`] does, to the expected
/// message of a Content-Length variant.
pub fn with_content_length(message: &[u8], kind: Kind, eol: &str) -> Vec<u8> {
    let stored = quote(message, kind);
    let len = stored.len() - body_start(&stored);
    let mut out = format!("Content-Length: {len}{eol}").into_bytes();
    out.extend_from_slice(message);
    out
}
