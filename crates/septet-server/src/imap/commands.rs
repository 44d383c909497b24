//! The IMAP commands of the authenticated and selected states: folders
//! (LIST, SELECT, STATUS, CREATE, DELETE, APPEND) and messages (FETCH,
//! STORE, SEARCH, COPY, MOVE, EXPUNGE, CLOSE, IDLE).

use std::fs;
use std::path::{Path, PathBuf};

use super::fetch::{self, Item};
use super::folders;
use super::mailbox::{self, folder_dir, letter_of, Mailbox, Msg, FLAG_LETTERS};
use super::parse::{Bad, Cursor, SeqSet};
use super::search::{self, Candidate};
use super::{Session, State, Waiting, IDLE_POLL};
use crate::mailstore::{self, to_crlf};

const KNOWN: &[&str] = &[
    "SELECT",
    "EXAMINE",
    "CREATE",
    "DELETE",
    "RENAME",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "LIST",
    "LSUB",
    "NAMESPACE",
    "STATUS",
    "APPEND",
    "IDLE",
    "CLOSE",
    "UNSELECT",
    "EXPUNGE",
    "SEARCH",
    "FETCH",
    "STORE",
    "COPY",
    "MOVE",
    "UID FETCH",
    "UID STORE",
    "UID SEARCH",
    "UID COPY",
    "UID MOVE",
    "UID EXPUNGE",
];

/// Whether `name` is a command of the later states.
pub(super) fn is_known(name: &str) -> bool {
    KNOWN.contains(&name)
}

/// The FLAGS list of a message.
pub(super) fn flag_names(m: &Msg) -> String {
    let mut names: Vec<&str> = FLAG_LETTERS
        .iter()
        .filter(|(_, l)| m.entry.flags.contains(*l))
        .map(|(f, _)| *f)
        .collect();
    if m.recent {
        names.push("\\Recent");
    }
    names.join(" ")
}

/// Runs a command of the authenticated or selected state.
pub(super) fn run(s: &mut Session, tag: &str, name: &str, c: &mut Cursor<'_>) -> Result<(), Bad> {
    let user_dir = match &s.state {
        State::Authenticated { dir } | State::Selected { dir, .. } => dir.clone(),
        _ => return Ok(()),
    };
    match name {
        "NAMESPACE" => {
            c.end()?;
            s.untagged("NAMESPACE ((\"\" \".\")) NIL NIL");
            s.tagged(tag, "OK NAMESPACE completed");
        }
        "LIST" | "LSUB" => {
            c.sp()?;
            let reference = c.list_mailbox().or_else(|_| c.astring_text())?;
            c.sp()?;
            let pattern = c.list_mailbox()?;
            c.end()?;
            folders::list(s, tag, name, &user_dir, &format!("{reference}{pattern}"));
        }
        "SUBSCRIBE" | "UNSUBSCRIBE" => {
            c.sp()?;
            c.astring_text()?;
            c.end()?;
            s.tagged(tag, &format!("OK {name} completed"));
        }
        "SELECT" | "EXAMINE" => {
            c.sp()?;
            let mbox = c.astring_text()?;
            c.end()?;
            folders::select(s, tag, name, &user_dir, &mbox);
        }
        "STATUS" => {
            c.sp()?;
            let mbox = c.astring_text()?;
            c.sp()?;
            if !c.eat(b'(') {
                return Err(c.bad("("));
            }
            let mut items = Vec::new();
            while !c.eat(b')') {
                if !items.is_empty() {
                    c.sp()?;
                }
                items.push(c.atom()?.to_ascii_uppercase());
            }
            c.end()?;
            folders::status(s, tag, &user_dir, &mbox, &items);
        }
        "CREATE" | "DELETE" | "RENAME" => {
            c.sp()?;
            let mbox = c.astring_text()?;
            let target = if name == "RENAME" {
                c.sp()?;
                Some(c.astring_text()?)
            } else {
                None
            };
            c.end()?;
            folders::manage(s, tag, name, &user_dir, &mbox, target.as_deref());
        }
        "APPEND" => folders::append(s, tag, &user_dir, c)?,
        _ => {
            if !matches!(s.state, State::Selected { .. }) {
                if is_known(name) {
                    s.tagged(tag, "NO select a mailbox first");
                } else {
                    s.bad(tag, "unknown command");
                }
                return Ok(());
            }
            selected(s, tag, name, &user_dir, c)?;
        }
    }
    Ok(())
}

/// `dd-Mon-yyyy hh:mm:ss +0000` for Unix seconds.
pub(super) fn internal_date(secs: u64) -> String {
    let t = crate::time::rfc5322_date(secs);
    // "Mon, 07 Dec 2026 20:45:04 +0000"
    let p: Vec<&str> = t.split(' ').collect();
    match p[..] {
        [_, d, mon, y, time, zone] => format!("{d}-{mon}-{y} {time} {zone}"),
        _ => t,
    }
}

/// The indices a set names (sequence numbers or UIDs).
pub(super) fn resolve(mb: &Mailbox, set: &SeqSet, uid: bool) -> Vec<usize> {
    let max_seq = mb.msgs.len() as u32;
    let max_uid = mb.msgs.last().map_or(0, |m| m.uid);
    (0..mb.msgs.len())
        .filter(|&i| {
            if uid {
                set.contains(mb.msgs[i].uid, max_uid)
            } else {
                set.contains(i as u32 + 1, max_seq)
            }
        })
        .collect()
}

fn selected(
    s: &mut Session,
    tag: &str,
    name: &str,
    user_dir: &Path,
    c: &mut Cursor<'_>,
) -> Result<(), Bad> {
    let uid = name.starts_with("UID ");
    let verb = name.trim_start_matches("UID ");
    match verb {
        "CLOSE" | "UNSELECT" => {
            c.end()?;
            if let State::Selected { mailbox, .. } = &mut s.state {
                if verb == "CLOSE" && !mailbox.read_only {
                    let _ = mailbox.expunge(|_| true);
                }
            }
            s.state = State::Authenticated {
                dir: user_dir.to_owned(),
            };
            s.tagged(tag, &format!("OK {verb} completed"));
        }
        "IDLE" => {
            c.end()?;
            s.output.extend_from_slice(b"+ idling\r\n");
            s.refresh();
            s.waiting = Waiting::Idle(tag.to_owned());
            s.idle_poll = Some(std::time::Instant::now() + IDLE_POLL);
        }
        "EXPUNGE" => {
            let set = if uid {
                c.sp()?;
                Some(c.sequence_set()?)
            } else {
                None
            };
            c.end()?;
            let State::Selected { mailbox, .. } = &mut s.state else {
                return Ok(());
            };
            if mailbox.read_only {
                s.tagged(tag, "NO [READ-ONLY] mailbox is read-only");
                return Ok(());
            }
            let max_uid = mailbox.msgs.last().map_or(0, |m| m.uid);
            match mailbox.expunge(|u| set.as_ref().is_none_or(|st| st.contains(u, max_uid))) {
                Ok(gone) => {
                    for n in gone {
                        s.untagged(&format!("{n} EXPUNGE"));
                    }
                    s.tagged(tag, "OK EXPUNGE completed");
                }
                Err(e) => s.tagged(tag, &format!("NO [SERVERBUG] {e}")),
            }
        }
        "SEARCH" => {
            c.sp()?;
            let key = search::parse(c)?;
            let found = search_msgs(s, &key, uid);
            let list: Vec<String> = found.iter().map(u32::to_string).collect();
            let sep = if list.is_empty() { "" } else { " " };
            s.untagged(&format!("SEARCH{sep}{}", list.join(" ")));
            s.tagged(tag, &format!("OK {name} completed"));
        }
        "FETCH" => {
            c.sp()?;
            let set = c.sequence_set()?;
            c.sp()?;
            let mut items = fetch::parse_items(c)?;
            c.end()?;
            if uid && !items.contains(&Item::Uid) {
                items.insert(0, Item::Uid);
            }
            super::fetch_reply::start(s, tag, name, &set, uid, items);
        }
        "STORE" => {
            c.sp()?;
            let set = c.sequence_set()?;
            c.sp()?;
            let op = c.atom()?.to_ascii_uppercase();
            c.sp()?;
            let flags = c.flag_list()?;
            c.end()?;
            store(s, tag, name, &set, uid, &op, &flags);
        }
        "COPY" | "MOVE" => {
            c.sp()?;
            let set = c.sequence_set()?;
            c.sp()?;
            let dest = c.astring_text()?;
            c.end()?;
            copy(s, tag, name, &set, uid, user_dir, &dest, verb == "MOVE");
        }
        _ => s.bad(tag, "unknown command"),
    }
    Ok(())
}

fn search_msgs(s: &mut Session, key: &search::Key, uid: bool) -> Vec<u32> {
    let State::Selected { mailbox, .. } = &mut s.state else {
        return Vec::new();
    };
    let max_seq = mailbox.msgs.len() as u32;
    let max_uid = mailbox.msgs.last().map_or(0, |m| m.uid);
    let mut found = Vec::new();
    for i in 0..mailbox.msgs.len() {
        let data = if key.needs_data() {
            mailbox.read(i).ok().map(|d| to_crlf(&d))
        } else {
            None
        };
        let m = &mailbox.msgs[i];
        let cand = Candidate {
            seq: i as u32 + 1,
            uid: m.uid,
            max_seq,
            max_uid,
            flags: &m.entry.flags,
            recent: m.recent,
            date: m.entry.mtime,
            data: data.as_deref(),
        };
        if search::matches(key, &cand) {
            found.push(if uid { m.uid } else { i as u32 + 1 });
        }
    }
    found
}

fn store(
    s: &mut Session,
    tag: &str,
    name: &str,
    set: &SeqSet,
    uid: bool,
    op: &str,
    flags: &[String],
) {
    let State::Selected { mailbox, .. } = &mut s.state else {
        return;
    };
    if mailbox.read_only {
        return s.tagged(tag, "NO [READ-ONLY] mailbox is read-only");
    }
    let silent = op.ends_with(".SILENT");
    let op = op.trim_end_matches(".SILENT");
    if !matches!(op, "FLAGS" | "+FLAGS" | "-FLAGS") {
        return s.bad(tag, "STORE needs FLAGS, +FLAGS or -FLAGS");
    }
    let letters: String = flags.iter().filter_map(|f| letter_of(f)).collect();
    let mut lines = Vec::new();
    let mut failed = false;
    for i in resolve(mailbox, set, uid) {
        let old = mailbox.msgs[i].entry.flags.clone();
        let new: String = match op {
            "FLAGS" => letters.clone(),
            "+FLAGS" => format!("{old}{letters}"),
            _ => old.chars().filter(|l| !letters.contains(*l)).collect(),
        };
        if mailbox.set_flags(i, &new).is_err() {
            failed = true;
            continue;
        }
        if !silent {
            let m = &mailbox.msgs[i];
            let uid_part = if uid {
                format!(" UID {}", m.uid)
            } else {
                String::new()
            };
            lines.push(format!(
                "{} FETCH (FLAGS ({}){uid_part})",
                i + 1,
                flag_names(m)
            ));
        }
    }
    for l in lines {
        s.untagged(&l);
    }
    if failed {
        s.tagged(tag, "NO some flags could not be stored");
    } else {
        s.tagged(tag, &format!("OK {name} completed"));
    }
}

#[allow(clippy::too_many_arguments)]
fn copy(
    s: &mut Session,
    tag: &str,
    name: &str,
    set: &SeqSet,
    uid: bool,
    user_dir: &Path,
    dest: &str,
    is_move: bool,
) {
    let Some(to) = folder_dir(user_dir, dest).filter(|d| mailstore::is_maildir(d)) else {
        return s.tagged(tag, "NO [TRYCREATE] no such mailbox");
    };
    let State::Selected { mailbox, .. } = &mut s.state else {
        return;
    };
    if is_move && mailbox.read_only {
        return s.tagged(tag, "NO [READ-ONLY] mailbox is read-only");
    }
    let indices = resolve(mailbox, set, uid);
    let (mut src, mut dst, mut validity) = (Vec::new(), Vec::new(), 0);
    for &i in &indices {
        let copied = mailbox.path_of(i).and_then(|p: PathBuf| {
            let data = fs::read(&p)?;
            let m = &mailbox.msgs[i];
            mailbox::deliver(&to, &data, &m.entry.flags, Some(m.entry.mtime))
        });
        match copied {
            Ok((u, v)) => {
                src.push(mailbox.msgs[i].uid.to_string());
                dst.push(u.to_string());
                validity = v;
            }
            Err(e) => return s.tagged(tag, &format!("NO [SERVERBUG] copy failed: {e}")),
        }
    }
    let mut expunged = Vec::new();
    if is_move {
        for &i in indices.iter().rev() {
            if let Ok(p) = mailbox.path_of(i) {
                let _ = fs::remove_file(p);
            }
            mailbox.msgs.remove(i);
            expunged.push(i + 1);
        }
    }
    let code = if src.is_empty() {
        String::new()
    } else {
        format!("[COPYUID {validity} {} {}] ", src.join(","), dst.join(","))
    };
    if is_move && !code.is_empty() {
        s.untagged(&format!("OK {code}moved"));
    }
    for n in expunged {
        s.untagged(&format!("{n} EXPUNGE"));
    }
    if matches!(&s.state, State::Selected { mailbox, .. } if mailbox.dir == to) {
        s.refresh();
    }
    let code = if is_move { String::new() } else { code };
    s.tagged(tag, &format!("OK {code}{name} completed"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_dates() {
        assert_eq!(internal_date(0), "01-Jan-1970 00:00:00 +0000");
    }
}
