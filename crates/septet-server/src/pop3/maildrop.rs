//! A POP3 maildrop: the snapshot of a user's INBOX Maildir taken at login,
//! with deletion marks applied only in the update phase.

use std::fs;
use std::io;
use std::path::PathBuf;

use crate::mailstore::{self, crlf_len, Entry};

/// One message of the snapshot.
#[derive(Debug)]
struct Msg {
    path: PathBuf,
    unique: String,
    /// Octets with CRLF line ends (RFC 1939 sizes are on the wire form).
    size: u64,
    deleted: bool,
}

/// The messages listed at login, numbered from 1.
#[derive(Debug)]
pub struct Maildrop {
    msgs: Vec<Msg>,
}

impl Maildrop {
    /// Lists the Maildir `dir` (created if missing) and sizes each message.
    pub fn open(dir: PathBuf) -> io::Result<Maildrop> {
        mailstore::ensure_maildir(&dir)?;
        let mut msgs = Vec::new();
        for e in mailstore::scan(&dir)? {
            let path = e.path(&dir);
            // Sizes need the line ends counted, so each file is read once.
            let data = match fs::read(&path) {
                Ok(d) => d,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err),
            };
            msgs.push(Msg {
                path,
                unique: uidl_of(&e),
                size: crlf_len(&data),
                deleted: false,
            });
        }
        Ok(Maildrop { msgs })
    }

    fn get(&self, n: usize) -> Option<&Msg> {
        n.checked_sub(1)
            .and_then(|i| self.msgs.get(i))
            .filter(|m| !m.deleted)
    }

    /// The count and total size of the messages not marked deleted.
    pub fn stat(&self) -> (usize, u64) {
        self.live()
            .fold((0, 0), |(n, s), (_, m)| (n + 1, s + m.size))
    }

    fn live(&self) -> impl Iterator<Item = (usize, &Msg)> {
        self.msgs
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.deleted)
            .map(|(i, m)| (i + 1, m))
    }

    /// `(number, size)` of every live message.
    pub fn list(&self) -> Vec<(usize, u64)> {
        self.live().map(|(n, m)| (n, m.size)).collect()
    }

    /// The size of message `n`, if it exists and is not deleted.
    pub fn size(&self, n: usize) -> Option<u64> {
        self.get(n).map(|m| m.size)
    }

    /// `(number, unique id)` of every live message.
    pub fn uidl(&self) -> Vec<(usize, &str)> {
        self.live().map(|(n, m)| (n, m.unique.as_str())).collect()
    }

    /// The unique id of message `n`.
    pub fn uid(&self, n: usize) -> Option<&str> {
        self.get(n).map(|m| m.unique.as_str())
    }

    /// Reads message `n` as stored; `Ok(None)` if there is no such live
    /// message.
    pub fn read(&self, n: usize) -> io::Result<Option<Vec<u8>>> {
        match self.get(n) {
            Some(m) => fs::read(&m.path).map(Some),
            None => Ok(None),
        }
    }

    /// Marks message `n` deleted; false if there is no such live message.
    pub fn delete(&mut self, n: usize) -> bool {
        match n.checked_sub(1).and_then(|i| self.msgs.get_mut(i)) {
            Some(m) if !m.deleted => {
                m.deleted = true;
                true
            }
            _ => false,
        }
    }

    /// Clears every deletion mark.
    pub fn reset(&mut self) {
        for m in &mut self.msgs {
            m.deleted = false;
        }
    }

    /// The update phase: removes the marked files. A file already gone
    /// (removed by another client) is not an error; the first other
    /// failure is returned after trying every file.
    pub fn commit(&self) -> io::Result<usize> {
        let mut removed = 0;
        let mut first_err = None;
        for m in self.msgs.iter().filter(|m| m.deleted) {
            match fs::remove_file(&m.path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        first_err.map_or(Ok(removed), Err)
    }
}

/// The UIDL of a message: its Maildir unique name, restricted to the
/// printable characters RFC 1939 allows (0x21..0x7E, at most 70).
fn uidl_of(e: &Entry) -> String {
    let s: String = e
        .unique
        .chars()
        .filter(|c| ('\x21'..='\x7e').contains(c))
        .take(70)
        .collect();
    if s.is_empty() {
        format!("m{}", e.mtime)
    } else {
        s
    }
}
