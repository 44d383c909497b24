//! A part's header block as the driver holds it until the body's encoding
//! is decided, and the CRLF form of its fields.

use crate::mime::Cte;

/// Initial room for a header block.
const HEAD_CAPACITY: usize = 1024;

/// A part's header block, held until its body's encoding is decided.
///
/// The fields' output form is kept in one buffer (reused from part to
/// part by the driver) rather than a `Vec` per field.
#[derive(Clone, Default)]
pub(super) struct Pending {
    /// Output form of the fields, CRLF-terminated, one after another, then
    /// (from `fields_end` on, once the block has ended) its blank line.
    pub(super) head: Vec<u8>,
    /// End of the fields in `head`.
    pub(super) fields_end: usize,
    /// Range in `head` of the first Content-Transfer-Encoding field.
    pub(super) cte_at: Option<(usize, usize)>,
    /// The value that field is written with instead (or, if there is no
    /// such field, the value of a field added after the others).
    pub(super) cte_new: Option<&'static str>,
    /// The part's Content-Transfer-Encoding, as the tokenizer read it.
    pub(super) cte: Option<Cte>,
    pub(super) has_content_type: bool,
    pub(super) text: bool,
    pub(super) has_mime_version: bool,
    /// An unknown Content-Transfer-Encoding label as written (trimmed,
    /// its first 64 bytes), for the error that refuses it.
    pub(super) label: String,
    /// Offset of the body's first byte, once it is known.
    pub(super) body_at: Option<u64>,
}

impl Pending {
    pub(super) fn new(mut head: Vec<u8>) -> Self {
        head.clear();
        // Most header blocks fit: one allocation per message instead of a
        // doubling series as fields are appended.
        head.reserve(HEAD_CAPACITY);
        Pending {
            head,
            ..Pending::default()
        }
    }

    pub(super) fn bytes(&self) -> usize {
        self.head.len()
    }

    pub(super) fn set_cte(&mut self, value: &'static str) {
        self.cte_new = Some(value);
    }

    /// Writes the block: its fields, with the Content-Transfer-Encoding
    /// field replaced (`set_cte`), then the pieces of `added` fields, then
    /// the Content-Transfer-Encoding field if it is added, then the blank
    /// line (a CRLF if there was none and `need_blank`).
    pub(super) fn emit(&self, added: &[&[u8]], need_blank: bool, out: &mut Vec<u8>) {
        let (fields, blank) = self.head.split_at(self.fields_end);
        match (self.cte_new, self.cte_at) {
            (Some(value), Some((start, end))) => {
                out.extend_from_slice(&fields[..start]);
                cte_field(value, out);
                out.extend_from_slice(&fields[end..]);
            }
            _ => out.extend_from_slice(fields),
        }
        for piece in added {
            out.extend_from_slice(piece);
        }
        if let (Some(value), None) = (self.cte_new, self.cte_at) {
            cte_field(value, out);
        }
        if blank.is_empty() && need_blank {
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend_from_slice(blank);
        }
    }
}

/// The label of an unknown Content-Transfer-Encoding field value, trimmed
/// and cut to 64 bytes (lossily made UTF-8: it is for a message).
pub(super) fn label_of(value: &[u8]) -> String {
    let v = value.trim_ascii();
    String::from_utf8_lossy(&v[..v.len().min(64)]).into_owned()
}

/// True for an unknown label that is plainly a spelling of 7bit or 8bit
/// (`7bits`, `7-bit`, `8 bit`, `8bit+`, `8bith`): its body is raw
/// octets, as every reader (Python's `email` too) takes an unknown label
/// to mean, so re-encoding it and relabelling loses nothing.
pub(super) fn is_identity_spelling(label: &str) -> bool {
    let alnum: String = label
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| char::from(b.to_ascii_lowercase()))
        .collect();
    alnum.starts_with("7bit") || alnum.starts_with("8bit")
}

fn cte_field(value: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"Content-Transfer-Encoding: ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

pub(super) fn emit_headers(p: &Pending, out: &mut Vec<u8>) {
    p.emit(&[], false, out);
}

/// Appends an ASCII field or blank line with CRLF line breaks (a bare CR
/// becomes a space; a last line without a break gets one). A CR that ends
/// the raw bytes ends the input too (the tokenizer holds back a CR that an
/// LF may follow), and the parser reads it as a line break, so it is one
/// here: a lone `\r` at the end of a message is its blank line.
pub(super) fn crlf_into(raw: &[u8], v: &mut Vec<u8>) {
    // Usually every line break is CRLF already: copy.
    if raw.ends_with(b"\r\n")
        && memchr::memchr_iter(b'\r', raw).all(|i| raw.get(i + 1) == Some(&b'\n'))
        && memchr::memchr_iter(b'\n', raw).all(|i| i > 0 && raw[i - 1] == b'\r')
    {
        v.extend_from_slice(raw);
        return;
    }
    if memchr::memchr(b'\r', raw).is_none() {
        // LF line breaks (an LF archive): copied line by line.
        let mut from = 0;
        for lf in memchr::memchr_iter(b'\n', raw) {
            v.extend_from_slice(&raw[from..lf]);
            v.extend_from_slice(b"\r\n");
            from = lf + 1;
        }
        if from < raw.len() {
            v.extend_from_slice(&raw[from..]);
            v.extend_from_slice(b"\r\n");
        }
        return;
    }
    let start = v.len();
    v.reserve(raw.len() + 2);
    for (i, &b) in raw.iter().enumerate() {
        match b {
            b'\n' => v.extend_from_slice(b"\r\n"),
            b'\r' if raw.get(i + 1) == Some(&b'\n') => {}
            b'\r' if i + 1 == raw.len() => v.extend_from_slice(b"\r\n"),
            b'\r' => v.push(b' '),
            _ => v.push(b),
        }
    }
    if v.len() > start && !v.ends_with(b"\r\n") {
        v.extend_from_slice(b"\r\n");
    }
}
