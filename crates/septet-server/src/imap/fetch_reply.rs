//! The FETCH responses: each message's items written straight into the
//! session's output, its analysis ([`Meta`]) taken from the process-wide
//! [`MetaCache`] or made by one read and parse and kept there.
//!
//! Responses are written a chunk ([`CHUNK`]) at a time: a FETCH of a
//! large mailbox continues in [`Session::poll_output`], so the output
//! buffer stays bounded and the first responses leave while the rest are
//! rendered.
//!
//! A warm FETCH of metadata items (FLAGS, UID, RFC822.SIZE, ENVELOPE,
//! BODYSTRUCTURE, BODY, INTERNALDATE) does no file I/O at all: the UID,
//! flags, size on disk and delivery time come from the SELECT scan, the
//! rest from the cache. Only items that need the contents read the file.

use std::path::Path;
use std::sync::Arc;

use super::cache::MetaCache;
use super::commands::{internal_date, resolve};
use super::fetch::{self, Item};
use super::mailbox::{Mailbox, Msg, FLAG_LETTERS};
use super::parse::SeqSet;
use super::structure::Meta;
use super::{Session, State};
use crate::mailstore::to_crlf;

/// Output gathered before [`Session::poll_output`] hands it over: a FETCH
/// stops rendering there and resumes on the next call.
const CHUNK: usize = 256 * 1024;

/// A FETCH in progress: the messages left and what to send of them.
#[derive(Debug)]
pub(super) struct FetchJob {
    tag: String,
    name: String,
    items: Vec<Item>,
    /// The messages (indices into the selected mailbox); while the job
    /// runs no command of this session changes the list.
    indices: Vec<usize>,
    next: usize,
    folder: Arc<Path>,
}

/// Starts FETCH (or UID FETCH, `name`) of `items` for the messages `set`
/// names: writes the first chunk of responses, and the tagged reply too
/// when they all fit; otherwise the job waits in the session for
/// [`resume`].
pub(super) fn start(
    s: &mut Session,
    tag: &str,
    name: &str,
    set: &SeqSet,
    uid: bool,
    items: Vec<Item>,
) {
    let State::Selected { mailbox, .. } = &s.state else {
        // Only reached in the selected state; answer anyway.
        return s.tagged(tag, &format!("OK {name} completed"));
    };
    s.fetch = Some(FetchJob {
        tag: tag.to_owned(),
        name: name.to_owned(),
        items,
        indices: resolve(mailbox, set, uid),
        next: 0,
        folder: Arc::from(mailbox.dir.as_path()),
    });
    resume(s);
}

/// Writes the next chunk of the pending FETCH, if any; true when that
/// finished it (its tagged reply written).
pub(super) fn resume(s: &mut Session) -> bool {
    let Some(mut job) = s.fetch.take() else {
        return false;
    };
    write_chunk(s, &mut job);
    if job.next < job.indices.len() && !s.is_closed() {
        s.fetch = Some(job);
        return false;
    }
    s.tagged(&job.tag, &format!("OK {} completed", job.name));
    true
}

/// Writes untagged FETCH responses of `job` until the output holds a
/// chunk or the messages run out, setting `\Seen` where an item asks.
fn write_chunk(s: &mut Session, job: &mut FetchJob) {
    let Session {
        state, output, ctx, ..
    } = s;
    let State::Selected { mailbox, .. } = state else {
        job.next = job.indices.len();
        return;
    };
    let items = &job.items;
    let needs_data = items.iter().any(Item::needs_data);
    let needs_meta = items.iter().any(|it| {
        matches!(
            it,
            Item::Size | Item::Envelope | Item::BodyStructure | Item::Body
        )
    });
    let sets_seen = !mailbox.read_only && items.iter().any(Item::sets_seen);
    let has_flags = items.contains(&Item::Flags);
    while output.len() < CHUNK {
        let Some(&i) = job.indices.get(job.next) else {
            break;
        };
        job.next += 1;
        if i >= mailbox.msgs.len() {
            continue;
        }
        let data = if needs_data {
            match mailbox.read(i) {
                Ok(d) => Some(to_crlf(&d)),
                // Gone meanwhile: nothing to send for it (RFC 3501 allows NO; skip quietly).
                Err(_) => continue,
            }
        } else {
            None
        };
        let meta = if needs_meta {
            meta_of(&ctx.imap_cache, &job.folder, mailbox, i, data.as_deref())
        } else {
            None
        };
        let mut flags_changed = false;
        if sets_seen && !mailbox.msgs[i].entry.flags.contains('S') {
            let letters = format!("{}S", mailbox.msgs[i].entry.flags);
            flags_changed = mailbox.set_flags(i, &letters).is_ok();
        }
        let m = &mailbox.msgs[i];
        output.extend_from_slice(b"* ");
        push_num(output, i as u64 + 1);
        output.extend_from_slice(b" FETCH (");
        for (k, it) in items.iter().enumerate() {
            if k > 0 {
                output.push(b' ');
            }
            render(output, it, m, meta.as_deref(), data.as_deref());
        }
        if flags_changed && !has_flags {
            output.push(b' ');
            render(output, &Item::Flags, m, None, None);
        }
        output.extend_from_slice(b")\r\n");
    }
}

/// The analysis of message `i`, from the cache or one read and parse
/// (of `data`, its CRLF form, when the caller has read it already).
fn meta_of(
    cache: &MetaCache,
    folder: &Arc<Path>,
    mailbox: &mut Mailbox,
    i: usize,
    data: Option<&[u8]>,
) -> Option<Arc<Meta>> {
    let e = &mailbox.msgs[i].entry;
    if let Some(m) = cache.get(folder, &e.unique, e.len) {
        return Some(m);
    }
    let m = Arc::new(match data {
        Some(d) => Meta::of(d),
        None => Meta::of(&to_crlf(&mailbox.read(i).ok()?)),
    });
    // Reading may have found the file again under a new name: the entry
    // is current now.
    let e = &mailbox.msgs[i].entry;
    cache.insert(folder, &e.unique, e.len, m.clone());
    Some(m)
}

/// Appends the decimal digits of `n`.
fn push_num(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[at..]);
}

/// `FLAGS (...)`: the system flags of the `:2,` letters, then `\Recent`.
fn push_flags(out: &mut Vec<u8>, m: &Msg) {
    out.extend_from_slice(b"FLAGS (");
    let mut first = true;
    let names = FLAG_LETTERS
        .iter()
        .filter(|(_, l)| m.entry.flags.contains(*l))
        .map(|(f, _)| *f)
        .chain(m.recent.then_some("\\Recent"));
    for name in names {
        if !first {
            out.push(b' ');
        }
        first = false;
        out.extend_from_slice(name.as_bytes());
    }
    out.push(b')');
}

fn render(out: &mut Vec<u8>, item: &Item, m: &Msg, meta: Option<&Meta>, data: Option<&[u8]>) {
    let data = data.unwrap_or(&[]);
    let literal = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.push(b'{');
        push_num(out, bytes.len() as u64);
        out.extend_from_slice(b"}\r\n");
        out.extend_from_slice(bytes);
    };
    match item {
        Item::Flags => push_flags(out, m),
        Item::Uid => {
            out.extend_from_slice(b"UID ");
            push_num(out, m.uid.into());
        }
        Item::Size => {
            out.extend_from_slice(b"RFC822.SIZE ");
            push_num(out, meta.map_or(0, |x| x.size));
        }
        Item::InternalDate => out.extend_from_slice(
            format!("INTERNALDATE \"{}\"", internal_date(m.entry.mtime)).as_bytes(),
        ),
        Item::Envelope => {
            out.extend_from_slice(b"ENVELOPE ");
            out.extend_from_slice(meta.map_or(&b"NIL"[..], |x| &x.envelope));
        }
        Item::BodyStructure => {
            out.extend_from_slice(b"BODYSTRUCTURE ");
            out.extend_from_slice(meta.map_or(&b"NIL"[..], |x| &x.bodystructure));
        }
        Item::Body => {
            out.extend_from_slice(b"BODY ");
            out.extend_from_slice(meta.map_or(&b"NIL"[..], |x| &x.body));
        }
        Item::Section(sec) => {
            let bytes = fetch::section_bytes(data, sec);
            out.extend_from_slice(b"BODY[");
            out.extend_from_slice(sec.spec.as_bytes());
            out.push(b']');
            if let Some((o, _)) = sec.partial {
                out.push(b'<');
                push_num(out, o.into());
                out.push(b'>');
            }
            out.push(b' ');
            literal(out, fetch::partial(&bytes, sec.partial));
        }
        Item::Rfc822 => {
            out.extend_from_slice(b"RFC822 ");
            literal(out, data);
        }
        Item::Rfc822Header | Item::Rfc822Text => {
            let split = memchr::memmem::find(data, b"\r\n\r\n").map_or(data.len(), |i| i + 4);
            if *item == Item::Rfc822Header {
                out.extend_from_slice(b"RFC822.HEADER ");
                literal(out, &data[..split]);
            } else {
                out.extend_from_slice(b"RFC822.TEXT ");
                literal(out, &data[split..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn drain(s: &mut Session) -> (Vec<usize>, String) {
        let (mut chunks, mut all) = (Vec::new(), Vec::new());
        while let Some(o) = s.poll_output() {
            chunks.push(o.len());
            all.extend_from_slice(&o);
        }
        (chunks, String::from_utf8_lossy(&all).into_owned())
    }

    #[test]
    fn large_fetch_is_chunked_and_pipelined_commands_wait() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("alice");
        crate::mailstore::ensure_maildir(&inbox).unwrap();
        let n = 3000;
        for i in 0..n {
            let body = format!(
                "From: a{i}@example.org\nSubject: message {i} {}\n\nbody\n",
                "x".repeat(100)
            );
            std::fs::write(inbox.join("cur").join(format!("{i:05}.t:2,S")), body).unwrap();
        }
        let ctx = crate::pop3::tests::context(dir.path());
        let cache = ctx.imap_cache.clone();
        for round in 0..2 {
            let now = Instant::now();
            let mut s = Session::new(ctx.clone(), "127.0.0.1".into(), now);
            drain(&mut s);
            s.handle_input(now, b"a LOGIN alice pw\r\nb SELECT INBOX\r\n");
            drain(&mut s);
            s.handle_input(
                now,
                b"c FETCH 1:* (UID RFC822.SIZE ENVELOPE BODYSTRUCTURE)\r\nd NOOP\r\n",
            );
            let (chunks, text) = drain(&mut s);
            assert!(chunks.len() > 2, "{chunks:?}");
            assert!(chunks.iter().all(|&c| c < CHUNK + 4096), "{chunks:?}");
            assert_eq!(text.matches(" FETCH (UID ").count(), n, "round {round}");
            let ok = text.find("c OK FETCH completed\r\n").unwrap();
            let noop = text.find("d OK").unwrap();
            assert!(ok < noop && text.ends_with("d OK NOOP completed\r\n"));
            assert!(text.contains(&format!("* {n} FETCH (UID {n} RFC822.SIZE ")));
            // The second session finds every analysis in the shared cache.
            assert_eq!(cache.len(), n);
        }
    }

    #[test]
    fn numbers() {
        for n in [0u64, 7, 10, 12345, u64::MAX] {
            let mut out = Vec::new();
            push_num(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
