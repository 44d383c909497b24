//! The IMAP commands on folders: LIST/LSUB, SELECT/EXAMINE, STATUS,
//! CREATE/DELETE/RENAME and APPEND. Folder names become paths only
//! through [`folder_dir`], which keeps them inside the user's Maildir.

use std::fs;
use std::path::Path;

use super::mailbox::{self, folder_dir, letter_of, Mailbox};
use super::parse::{Bad, Cursor};
use super::search;
use super::structure;
use super::{Session, State};
use crate::mailstore::{self, Sub};

/// Glob matching for LIST: `*` matches anything, `%` anything but `.`.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| glob(rest, &name[i..])),
        Some((b'%', rest)) => (0..=name.len())
            .take_while(|&i| i == 0 || name[i - 1] != b'.')
            .any(|i| glob(rest, &name[i..])),
        Some((&p, rest)) => {
            name.first().is_some_and(|&n| n.eq_ignore_ascii_case(&p)) && glob(rest, &name[1..])
        }
    }
}

/// The folders of a user: INBOX and every Maildir++ `.Name/`.
fn folders(user_dir: &Path) -> Vec<String> {
    let mut names = vec!["INBOX".to_owned()];
    if let Ok(rd) = fs::read_dir(user_dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(n) = name.strip_prefix('.') {
                if folder_dir(user_dir, n).is_some() && mailstore::is_maildir(&e.path()) {
                    names.push(n.to_owned());
                }
            }
        }
    }
    names[1..].sort();
    names
}

pub(super) fn list(s: &mut Session, tag: &str, cmd: &str, user_dir: &Path, pattern: &str) {
    if pattern.is_empty() {
        s.untagged(&format!("{cmd} (\\Noselect) \".\" \"\""));
    } else {
        let all = folders(user_dir);
        for f in &all {
            if glob(pattern.as_bytes(), f.as_bytes()) {
                let children = all.iter().any(|o| o.starts_with(&format!("{f}.")));
                let attr = if children {
                    "\\HasChildren"
                } else {
                    "\\HasNoChildren"
                };
                let mut line = format!("{cmd} ({attr}) \".\" ").into_bytes();
                structure::string(&mut line, f.as_bytes());
                s.untagged(&String::from_utf8_lossy(&line));
            }
        }
    }
    s.tagged(tag, &format!("OK {cmd} completed"));
}

pub(super) fn select(s: &mut Session, tag: &str, cmd: &str, user_dir: &Path, name: &str) {
    // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
    s.state = State::Authenticated {
        dir: user_dir.to_owned(),
    };
    let Some(dir) = folder_dir(user_dir, name).filter(|d| mailstore::is_maildir(d)) else {
        return s.tagged(tag, "NO [NONEXISTENT] no such mailbox");
    };
    let read_only = cmd == "EXAMINE";
    let mb = match Mailbox::open(dir, read_only) {
        Ok(mb) => mb,
        Err(e) => return s.tagged(tag, &format!("NO [SERVERBUG] cannot open the mailbox: {e}")),
    };
    let flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
    s.untagged(&format!("FLAGS ({flags})"));
    let perm = if read_only { "" } else { flags };
    s.untagged(&format!("OK [PERMANENTFLAGS ({perm})] flags permitted"));
    s.untagged(&format!("{} EXISTS", mb.msgs.len()));
    s.untagged(&format!(
        "{} RECENT",
        mb.msgs.iter().filter(|m| m.recent).count()
    ));
    if let Some(i) = mb.msgs.iter().position(|m| !m.entry.flags.contains('S')) {
        s.untagged(&format!("OK [UNSEEN {}] first unseen", i + 1));
    }
    s.untagged(&format!("OK [UIDVALIDITY {}] UIDs valid", mb.uidvalidity));
    s.untagged(&format!("OK [UIDNEXT {}] predicted next UID", mb.uidnext));
    let mode = if read_only { "READ-ONLY" } else { "READ-WRITE" };
    s.state = State::Selected {
        dir: user_dir.to_owned(),
        mailbox: mb,
    };
    s.tagged(tag, &format!("OK [{mode}] {cmd} completed"));
}

pub(super) fn status(s: &mut Session, tag: &str, user_dir: &Path, name: &str, items: &[String]) {
    let Some(dir) = folder_dir(user_dir, name).filter(|d| mailstore::is_maildir(d)) else {
        return s.tagged(tag, "NO [NONEXISTENT] no such mailbox");
    };
    let (validity, next, msgs) = match mailbox::sync_uids(&dir) {
        Ok(v) => v,
        Err(e) => return s.tagged(tag, &format!("NO [SERVERBUG] {e}")),
    };
    let recent = msgs.iter().filter(|m| m.entry.sub == Sub::New).count();
    let unseen = msgs.iter().filter(|m| !m.entry.flags.contains('S')).count();
    let n = msgs.len();
    let mut parts = Vec::new();
    for item in items {
        let v = match item.as_str() {
            "MESSAGES" => n as u64,
            "RECENT" => recent as u64,
            "UNSEEN" => unseen as u64,
            "UIDNEXT" => u64::from(next),
            "UIDVALIDITY" => u64::from(validity),
            _ => return s.bad(tag, "unknown STATUS item"),
        };
        parts.push(format!("{item} {v}"));
    }
    let mut line = b"STATUS ".to_vec();
    structure::string(&mut line, name.as_bytes());
    s.untagged(&format!(
        "{} ({})",
        String::from_utf8_lossy(&line),
        parts.join(" ")
    ));
    s.tagged(tag, "OK STATUS completed");
}

pub(super) fn manage(
    s: &mut Session,
    tag: &str,
    cmd: &str,
    user_dir: &Path,
    name: &str,
    target: Option<&str>,
) {
    if name.eq_ignore_ascii_case("INBOX") && cmd != "CREATE" {
        return s.tagged(tag, "NO INBOX cannot be deleted or renamed");
    }
    let Some(dir) = folder_dir(user_dir, name.trim_end_matches('.')) else {
        return s.tagged(tag, "NO [CANNOT] invalid mailbox name");
    };
    let result = match cmd {
        "CREATE" if mailstore::is_maildir(&dir) => {
            return s.tagged(tag, "NO [ALREADYEXISTS] mailbox exists")
        }
        "CREATE" => mailstore::ensure_maildir(&dir),
        _ if !mailstore::is_maildir(&dir) => {
            return s.tagged(tag, "NO [NONEXISTENT] no such mailbox")
        }
        "DELETE" => {
            if matches!(&s.state, State::Selected { mailbox, .. } if mailbox.dir == dir) {
                s.state = State::Authenticated {
                    dir: user_dir.to_owned(),
                };
            }
            fs::remove_dir_all(&dir)
        }
        _ => match target.and_then(|t| folder_dir(user_dir, t)) {
            Some(to) if to.exists() => return s.tagged(tag, "NO [ALREADYEXISTS] target exists"),
            Some(to) => fs::rename(&dir, to),
            None => return s.tagged(tag, "NO [CANNOT] invalid target name"),
        },
    };
    match result {
        Ok(()) => s.tagged(tag, &format!("OK {cmd} completed")),
        Err(e) => s.tagged(tag, &format!("NO [SERVERBUG] {e}")),
    }
}

pub(super) fn append(
    s: &mut Session,
    tag: &str,
    user_dir: &Path,
    c: &mut Cursor<'_>,
) -> Result<(), Bad> {
    c.sp()?;
    let name = c.astring_text()?;
    c.sp()?;
    let mut letters = String::new();
    if c.peek() == Some(b'(') {
        for f in c.flag_list()? {
            if let Some(l) = letter_of(&f) {
                letters.push(l);
            }
        }
        c.sp()?;
    }
    let mut date = None;
    if c.peek() == Some(b'"') {
        let at = c.bad("date-time");
        let text = String::from_utf8(c.string()?).map_err(|_| at.clone())?;
        date = Some(parse_date_time(&text).ok_or(at)?);
        c.sp()?;
    }
    let data = c.string()?;
    c.end()?;
    let Some(dir) = folder_dir(user_dir, &name).filter(|d| mailstore::is_maildir(d)) else {
        s.tagged(tag, "NO [TRYCREATE] no such mailbox");
        return Ok(());
    };
    match mailbox::deliver(&dir, &data, &letters, date) {
        Ok((uid, validity)) => {
            if matches!(&s.state, State::Selected { mailbox, .. } if mailbox.dir == dir) {
                s.refresh();
            }
            s.tagged(
                tag,
                &format!("OK [APPENDUID {validity} {uid}] APPEND completed"),
            );
        }
        Err(e) => s.tagged(tag, &format!("NO [SERVERBUG] {e}")),
    }
    Ok(())
}

/// `"dd-Mon-yyyy hh:mm:ss +zzzz"` as Unix seconds.
fn parse_date_time(s: &str) -> Option<u64> {
    let (date, rest) = s.trim().split_once(' ')?;
    let day = search::parse_date(date)?;
    let (time, zone) = rest.split_once(' ')?;
    let t: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = t[..] else { return None };
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let z: i64 = zone.get(1..5)?.parse().ok()?;
    let offset = sign * ((z / 100) * 3600 + (z % 100) * 60);
    u64::try_from(day * 86_400 + h * 3600 + m * 60 + sec - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing_and_dates() {
        assert!(glob(b"*", b"A.B"));
        assert!(glob(b"%", b"INBOX"));
        assert!(!glob(b"%", b"A.B"));
        assert!(glob(b"A.%", b"A.B"));
        assert!(glob(b"inbox", b"INBOX"));
        assert_eq!(parse_date_time("01-Jan-1970 01:00:00 +0100"), Some(0));
    }
}
