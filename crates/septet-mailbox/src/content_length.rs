//! Keeping a message's top-level `Content-Length` field true after a
//! transform changed the message.
//!
//! `Content-Length` is not a MIME field but an mbox one (mboxcl, mboxcl2,
//! and mail stores that add it on delivery): readers such as mutt use it to
//! find where a message ends. Once a transform (the downgrade) rewrites a
//! body, the old value points into the middle of some other bytes, and a
//! reader that trusts it loses message boundaries. The field is rewritten,
//! not dropped: a correct length is still useful to those readers, and
//! dropping a field would be a change the transform did not ask for.
//!
//! The value written is the length of the body as a reader of the output
//! gets it back: for a Maildir file, the body as is; for an mbox, the body
//! unquoted (as mboxcl2 counts it), plus the line break the writer adds to
//! a message that lacks a final one. So the value belongs to the message,
//! whatever archive holds it, and an mboxcl2 input's values stay right
//! for the messages the transform leaves alone. Within an mboxrd file the
//! `>` quoting can make the stored body longer than the value; readers
//! that trust the field check that a separator follows (as septet's and
//! mutt's do) and fall back to the separators then, and mboxrd quoting
//! never puts a false separator where the short length ends.

use super::lines::{line_at, trim, HEADER_SCAN_LIMIT};
use super::LineEnding;

/// How the output stores a message body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// In an mboxrd file whose added line breaks are this.
    Mbox(LineEnding),
    /// As a file of its own (Maildir).
    File,
}

/// The body length of `message` once stored as `stored`, counted from
/// `body` (the first byte after the empty line ending the header).
fn stored_body_length(message: &[u8], body: usize, stored: Stored) -> u64 {
    let bytes = &message[body..];
    let mut len = bytes.len() as u64;
    if let Stored::Mbox(eol) = stored {
        if !message.is_empty() && !message.ends_with(b"\n") {
            len += eol.as_bytes().len() as u64;
        }
    }
    len
}

/// Where the value of the first top-level `Content-Length` field lies in
/// `message` (after the colon, to the end of the field's last line,
/// continuation lines included), and where the body starts.
///
/// One walk over the header lines finds both the field and the empty line
/// that ends the header (the body must be found for the field to count):
/// this runs on every changed message, up to four times.
fn find_field(message: &[u8]) -> Option<(std::ops::Range<usize>, usize)> {
    const NAME: &[u8] = b"content-length:";
    let stop = message.len().min(HEADER_SCAN_LIMIT);
    let mut field: Option<std::ops::Range<usize>> = None;
    // The field found is still taking continuation lines.
    let mut open = false;
    let mut pos = 0;
    while pos < stop {
        let (content_end, next) = line_at(message, pos);
        if content_end == pos {
            // The empty line: the header ends, the body follows.
            return field.map(|value| (value, next));
        }
        let line = &message[pos..content_end];
        if open {
            match (line.first(), field.as_mut()) {
                (Some(b' ' | b'\t'), Some(value)) => value.end = content_end,
                _ => open = false,
            }
        }
        if field.is_none()
            && line.len() >= NAME.len()
            && line[..NAME.len()].eq_ignore_ascii_case(NAME)
        {
            field = Some(pos + NAME.len()..content_end);
            open = true;
        }
        pos = next;
    }
    None
}

/// `message` with its top-level `Content-Length` value replaced by the
/// body length it has once stored as `stored`; `None` when it has no such
/// field (or no header/body separator) or the value is already right.
/// The field keeps its name as written and its place.
pub(crate) fn fix_content_length(message: &[u8], stored: Stored) -> Option<Vec<u8>> {
    let (value, new_value) = replacement(message, stored)?;
    let mut out = Vec::with_capacity(message.len() + new_value.len());
    out.extend_from_slice(&message[..value.start]);
    out.extend_from_slice(new_value.as_bytes());
    out.extend_from_slice(&message[value.end..]);
    Some(out)
}

/// [`fix_content_length`] in place: only the field's value is replaced
/// (the bytes after it move by the difference in length, at most a few
/// bytes); nothing else of the message is copied. Returns whether it
/// changed anything.
pub(crate) fn fix_content_length_in_place(message: &mut Vec<u8>, stored: Stored) -> bool {
    match replacement(message, stored) {
        Some((value, new_value)) => {
            message.splice(value, new_value.into_bytes());
            true
        }
        None => false,
    }
}

/// The top-level `Content-Length` value of `message` as written (without
/// blanks around it), if it has one.
pub(crate) fn content_length_value(message: &[u8]) -> Option<&[u8]> {
    let (value, _) = find_field(message)?;
    Some(trim(&message[value]))
}

/// Where the value to replace lies and what replaces it; `None` when there
/// is no field or its value is already right.
fn replacement(message: &[u8], stored: Stored) -> Option<(std::ops::Range<usize>, String)> {
    let (value, body) = find_field(message)?;
    let length = stored_body_length(message, body, stored);
    let new_value = format!(" {length}");
    let old = &message[value.clone()];
    if trim(old) == new_value.trim_start().as_bytes() && !old.contains(&b'\n') {
        return None;
    }
    Some((value, new_value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MBOX_LF: Stored = Stored::Mbox(LineEnding::Lf);

    #[test]
    fn rewrites_a_stale_value() {
        let msg = b"Subject: x\nContent-Length: 99\n\nabc\n";
        let fixed = fix_content_length(msg, MBOX_LF).unwrap();
        assert_eq!(fixed, b"Subject: x\nContent-Length: 4\n\nabc\n");
        assert_eq!(fix_content_length(&fixed, MBOX_LF), None);
        assert_eq!(content_length_value(&fixed), Some(&b"4"[..]));
        assert_eq!(content_length_value(b"X: y\n\n"), None);
    }

    #[test]
    fn in_place_matches_the_copy() {
        let cases: [&[u8]; 4] = [
            b"Subject: x\nContent-Length: 99\n\nabc\n",
            b"Content-Length:\n  77\nX: y\n\nab\n",
            b"content-LENGTH:1\r\n\r\nFrom a\r\nend",
            b"X: y\n\nContent-Length: 5\n",
        ];
        for msg in cases {
            for stored in [MBOX_LF, Stored::Mbox(LineEnding::CrLf), Stored::File] {
                let mut in_place = msg.to_vec();
                let changed = fix_content_length_in_place(&mut in_place, stored);
                match fix_content_length(msg, stored) {
                    Some(copy) => {
                        assert!(changed);
                        assert_eq!(in_place, copy);
                    }
                    None => {
                        assert!(!changed);
                        assert_eq!(in_place, msg);
                    }
                }
            }
        }
    }

    #[test]
    fn counts_what_the_mbox_writer_adds() {
        // A missing final CRLF, which the writer adds; quoting is not
        // counted.
        let msg = b"content-LENGTH:1\r\n\r\nFrom a\r\n>From b\r\nend";
        let fixed = fix_content_length(msg, Stored::Mbox(LineEnding::CrLf)).unwrap();
        let body_len = b"From a\r\n>From b\r\nend".len() + 2;
        assert_eq!(
            fixed,
            format!("content-LENGTH: {body_len}\r\n\r\nFrom a\r\n>From b\r\nend").as_bytes()
        );
        let as_file = fix_content_length(msg, Stored::File).unwrap();
        assert!(as_file.starts_with(b"content-LENGTH: 20\r\n"));
    }

    #[test]
    fn folded_values_and_absent_fields() {
        let msg = b"Content-Length:\n  77\nX: y\n\nab\n";
        assert_eq!(
            fix_content_length(msg, Stored::File).unwrap(),
            b"Content-Length: 3\nX: y\n\nab\n"
        );
        assert_eq!(fix_content_length(b"X: y\n\nbody\n", Stored::File), None);
        // No empty line: no body to measure.
        assert_eq!(
            fix_content_length(b"Content-Length: 5\n", Stored::File),
            None
        );
        // A body line is not a header field.
        assert_eq!(
            fix_content_length(b"X: y\n\nContent-Length: 5\n", Stored::File),
            None
        );
        assert_eq!(
            fix_content_length(b"Content-Length: 0\n\n", Stored::File),
            None
        );
    }

    /// The two-walk search this module used before: the header block
    /// first, then the field within it.
    fn two_walks(message: &[u8]) -> Option<(std::ops::Range<usize>, usize)> {
        const NAME: &[u8] = b"content-length:";
        let (header_end, body) = crate::lines::header_block(message, 0, HEADER_SCAN_LIMIT)?;
        let mut pos = 0;
        while pos < header_end {
            let (content_end, next) = line_at(message, pos);
            let line = &message[pos..content_end];
            if line.len() >= NAME.len() && line[..NAME.len()].eq_ignore_ascii_case(NAME) {
                let mut end = content_end;
                let mut at = next;
                while at < header_end && matches!(message[at], b' ' | b'\t') {
                    let (cont_end, cont_next) = line_at(message, at);
                    end = cont_end;
                    at = cont_next;
                }
                return Some((pos + NAME.len()..end, body));
            }
            pos = next;
        }
        None
    }

    #[test]
    fn one_walk_finds_what_two_walks_found() {
        // Messages made of random lines from a small set that covers
        // folding, CR, empty and `\r`-only lines, fields after the empty
        // line and a second field.
        let pieces: [&[u8]; 12] = [
            b"Content-Length: 12\n",
            b"content-length:3\r\n",
            b" 4\n",
            b"\t5\r\n",
            b"X: y\n",
            b"\n",
            b"\r\n",
            b"\r\n\r",
            b"body\n",
            b" \n",
            b"\rz\n",
            b"Content-Length",
        ];
        let mut state = 0x5eed_u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let mut message = Vec::new();
            let mut bits = state;
            for _ in 0..(state >> 60) {
                message.extend_from_slice(pieces[(bits % 12) as usize]);
                bits /= 12;
            }
            assert_eq!(find_field(&message), two_walks(&message), "{message:?}");
        }
        // Past the scan limit.
        let mut long = b"Content-Length: 1\n".to_vec();
        long.resize(HEADER_SCAN_LIMIT + 10, b'a');
        long.extend_from_slice(b"\n\nbody");
        assert_eq!(find_field(&long), two_walks(&long));
    }
}
