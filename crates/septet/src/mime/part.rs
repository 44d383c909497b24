//! A handle on one part of a parsed [`Message`].

use std::borrow::Cow;
use std::ops::Range;

use super::message::{Node, NO_PARENT};
use super::{
    charset, decode, rfc2231, ContentType, DecodeError, Disposition, Flags, Header, Kind, Message,
    SectionPath, TransferEncoding,
};

/// One part of a [`Message`]: a cheap, copyable handle.
///
/// Every slice it returns borrows the original input (`'a`).
#[derive(Clone, Copy)]
pub struct Part<'m, 'a> {
    msg: &'m Message<'a>,
    idx: usize,
}

impl std::fmt::Debug for Part<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part")
            .field("index", &self.idx)
            .field("section", &self.section())
            .field("kind", &self.kind())
            .field("flags", &self.flags())
            .finish()
    }
}

impl<'m, 'a> Part<'m, 'a> {
    pub(crate) fn new(msg: &'m Message<'a>, idx: usize) -> Self {
        Part { msg, idx }
    }

    fn node(&self) -> &'m Node {
        &self.msg.nodes[self.idx]
    }

    /// Position in depth-first order (the root is 0).
    pub fn index(&self) -> usize {
        self.idx
    }

    /// Containers above this part (the root is at depth 0).
    pub fn depth(&self) -> usize {
        self.node().depth
    }

    /// How the body was parsed.
    pub fn kind(&self) -> Kind {
        self.node().kind
    }

    /// True if this part has no child parts (a leaf body, or a container
    /// whose content could not be parsed, see [`flags`](Self::flags)).
    pub fn is_leaf(&self) -> bool {
        self.node().children == 0
    }

    /// Defects recovered while parsing this part's headers and structure.
    /// Decoding defects come from [`decode_body`](Self::decode_body) and
    /// [`Header::decoded_with_flags`].
    pub fn flags(&self) -> Flags {
        self.node().flags
    }

    /// The enclosing part (`None` for the root).
    pub fn parent(&self) -> Option<Part<'m, 'a>> {
        let p = self.node().parent;
        (p != NO_PARENT).then(|| Part::new(self.msg, p))
    }

    /// The direct children: the parts of a multipart, or the one nested
    /// message of a message/rfc822 part.
    pub fn children(&self) -> impl Iterator<Item = Part<'m, 'a>> + 'm {
        let msg = self.msg;
        let end = self.node().subtree_end;
        let mut next = self.idx + 1;
        std::iter::from_fn(move || {
            if next >= end || next >= msg.nodes.len() {
                return None;
            }
            let part = Part::new(msg, next);
            next = msg.nodes[next].subtree_end.max(next + 1);
            Some(part)
        })
    }

    /// This part and everything below it, depth-first.
    pub fn descendants(&self) -> impl Iterator<Item = Part<'m, 'a>> + 'm {
        let msg = self.msg;
        (self.idx..self.node().subtree_end.max(self.idx + 1)).map(move |i| Part::new(msg, i))
    }

    /// The IMAP section number (RFC 3501 6.4.5): `""` for a multipart
    /// message root, `"1"` for a single-part root; the parts of a multipart
    /// are numbered from 1 below it (`"2.1"`); the message inside a
    /// message/rfc822 part `"n"` shares `"n"` if it is a multipart, and its
    /// body is `"n.1"` otherwise.
    pub fn section(&self) -> String {
        self.section_path().to_string()
    }

    /// The IMAP section number as a [`SectionPath`] (see [`section`](Self::section)).
    pub fn section_path(&self) -> SectionPath {
        let nodes = &self.msg.nodes;
        // Ancestors, innermost first; the tree is an arena, so no recursion.
        let mut chain = vec![self.idx];
        let mut i = self.idx;
        while let Some(p) = nodes.get(i).map(|n| n.parent).filter(|&p| p != NO_PARENT) {
            chain.push(p);
            i = p;
        }
        let mut path = SectionPath::default();
        let mut parent: Option<&Node> = None;
        for &i in chain.iter().rev() {
            let node = &nodes[i];
            path = match parent {
                Some(p) if p.kind == Kind::Multipart => path.child(node.index_in_parent),
                // The root, or the message inside a message/rfc822 part.
                _ => path.nested(node.kind),
            };
            parent = Some(node);
        }
        path
    }

    /// Every header field in order.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = Header<'a>> + 'm {
        let msg = self.msg;
        let (from, to) = self.node().fields;
        msg.fields[from..to].iter().map(move |f| Header {
            name: &msg.input[f.start..f.name_end],
            value: &msg.input[f.value_start..f.value_end],
            range: f.start..f.end,
            legacy: msg.legacy,
        })
    }

    /// The first field named `name` (ASCII case-insensitive). Duplicates:
    /// the first wins, everywhere in this crate, as in Python and mailparse.
    pub fn header(&self, name: &str) -> Option<Header<'a>> {
        self.headers().find(|h| h.is(name))
    }

    /// Every field named `name`, in order.
    pub fn headers_named<'n>(&self, name: &'n str) -> impl Iterator<Item = Header<'a>> + 'n
    where
        'm: 'n,
    {
        self.headers().filter(move |h| h.is(name))
    }

    /// The first `name` field decoded to text (RFC 2047, 8-bit fallback).
    pub fn header_text(&self, name: &str) -> Option<String> {
        self.header(name).map(|h| h.decoded())
    }

    fn in_digest(&self) -> bool {
        self.parent().is_some_and(|p| {
            p.kind() == Kind::Multipart && p.content_type().is("multipart", "digest")
        })
    }

    /// The Content-Type: the first field if it parses, else the default
    /// (`text/plain; charset=us-ascii`, or `message/rfc822` in a
    /// multipart/digest).
    pub fn content_type(&self) -> ContentType<'a> {
        let mut flags = Flags::empty();
        self.header("content-type")
            .and_then(|h| ContentType::parse(h.raw_value(), self.msg.legacy, &mut flags))
            .unwrap_or_else(|| ContentType::default_for(self.in_digest()))
    }

    /// The Content-Transfer-Encoding (7bit if absent).
    pub fn transfer_encoding(&self) -> TransferEncoding {
        // As the tokenizer read it (the first field), not parsed again.
        self.node().cte.to_transfer_encoding(self.msg.input, 0)
    }

    /// The Content-Disposition, if present.
    pub fn disposition(&self) -> Option<Disposition<'a>> {
        let mut flags = Flags::empty();
        self.header("content-disposition")
            .map(|h| Disposition::parse(h.raw_value(), self.msg.legacy, &mut flags))
    }

    /// The file name: Content-Disposition `filename`, else Content-Type
    /// `name`; RFC 2231 (continuations, charset) or RFC 2047 forms decoded.
    pub fn filename(&self) -> Option<String> {
        let mut flags = Flags::empty();
        let from = |field: &str, param: &[u8], flags: &mut Flags| {
            let h = self.header(field)?;
            let text = params_of(field, h.raw_value())?;
            rfc2231::lookup(text, param).map(|j| j.text(self.msg.legacy, flags))
        };
        from("content-disposition", b"filename", &mut flags)
            .or_else(|| from("content-type", b"name", &mut flags))
    }

    /// The raw body: the bytes after the header block's blank line, up to
    /// the line break before the next delimiter. For a container, its whole
    /// content.
    pub fn body_raw(&self) -> &'a [u8] {
        &self.msg.input[self.body_range()]
    }

    /// The body with the transfer encoding undone (leniently; see
    /// [`decode_body`](Self::decode_body) for the defects found). Borrows
    /// for 7bit, 8bit, binary and unknown encodings.
    pub fn decoded_body(&self) -> Result<Cow<'a, [u8]>, DecodeError> {
        Ok(self.decode_body().0)
    }

    /// The decoded body and the decoding defects
    /// ([`Flags::BAD_BASE64`], [`Flags::BAD_QUOTED_PRINTABLE`],
    /// [`Flags::UNKNOWN_TRANSFER_ENCODING`]).
    pub fn decode_body(&self) -> (Cow<'a, [u8]>, Flags) {
        let mut flags = Flags::empty();
        let bytes = decode::body(self.body_raw(), &self.transfer_encoding(), &mut flags);
        (bytes, flags)
    }

    /// The decoded body as text, converted from the `charset` parameter:
    /// a byte-order mark wins over the label; us-ascii, a missing label and
    /// an unknown label (flagged) read as UTF-8, falling back to the legacy
    /// charset; malformed bytes become U+FFFD (flagged).
    pub fn text(&self) -> (String, Flags) {
        let (bytes, mut flags) = self.decode_body();
        let ct = self.content_type();
        let label = ct.charset().unwrap_or("us-ascii");
        let known = charset::charset_for_label(label.as_bytes());
        let text = match known {
            Some(enc) if !label.eq_ignore_ascii_case("us-ascii") => {
                let (text, _, malformed) = enc.decode(&bytes);
                if malformed {
                    flags.insert(Flags::MALFORMED_TEXT);
                }
                text.into_owned()
            }
            _ => {
                if known.is_none() {
                    flags.insert(Flags::UNKNOWN_CHARSET);
                }
                charset::decode_utf8_or_legacy(&bytes, self.msg.legacy, &mut flags)
            }
        };
        (text, flags)
    }

    /// The whole part: header block, blank line and body.
    pub fn range(&self) -> Range<usize> {
        self.node().start..self.node().end
    }

    /// The header fields (without the blank line after them).
    pub fn header_range(&self) -> Range<usize> {
        self.node().start..self.node().header_end
    }

    /// The raw header block.
    pub fn header_raw(&self) -> &'a [u8] {
        &self.msg.input[self.header_range()]
    }

    /// The body (see [`body_raw`](Self::body_raw)).
    pub fn body_range(&self) -> Range<usize> {
        self.node().body_start..self.node().body_end
    }

    /// The preamble of a multipart (before its first delimiter).
    pub fn preamble(&self) -> Option<&'a [u8]> {
        self.node().preamble.map(|(s, e)| &self.msg.input[s..e])
    }

    /// The epilogue of a multipart (after its close delimiter, starting with
    /// the line break that ended the delimiter line).
    pub fn epilogue(&self) -> Option<&'a [u8]> {
        self.node().epilogue.map(|(s, e)| &self.msg.input[s..e])
    }
}

/// The parameter text of a Content-Type or Content-Disposition value.
fn params_of<'v>(field: &str, value: &'v [u8]) -> Option<&'v [u8]> {
    if field == "content-type" {
        super::params::media_type(value).map(|t| t.params)
    } else {
        Some(super::params::disposition(value).1)
    }
}
