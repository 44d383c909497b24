//! The zero-copy tree: a driver that feeds the whole buffer to the
//! tokenizer once and records the events in a flat arena (depth-first
//! order), so no recursion is needed to build, walk or drop it.

use encoding_rs::Encoding;

use super::tokenizer::Tokenizer;
use super::{charset, Cte, Event, Flags, Kind, Limits, ParseError, Part};

/// Sentinel parent index of the root.
pub(crate) const NO_PARENT: usize = usize::MAX;

/// One header field's byte offsets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FieldPos {
    pub start: usize,
    pub name_end: usize,
    pub value_start: usize,
    pub value_end: usize,
    pub end: usize,
}

/// One part's offsets and structure.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub parent: usize,
    pub depth: usize,
    /// 1-based position among its siblings.
    pub index_in_parent: usize,
    pub kind: Kind,
    pub flags: Flags,
    /// The Content-Transfer-Encoding as the tokenizer read it.
    pub cte: Cte,
    pub start: usize,
    /// End of the last field (start of the blank line).
    pub header_end: usize,
    pub body_start: usize,
    pub body_end: usize,
    pub end: usize,
    pub fields: (usize, usize),
    pub children: usize,
    /// Index one past the last node of this part's subtree.
    pub subtree_end: usize,
    pub preamble: Option<(usize, usize)>,
    pub epilogue: Option<(usize, usize)>,
}

/// A parsed message borrowing its input.
///
/// Parts are stored depth-first; [`parts`](Self::parts) walks them in that
/// order (containers included), [`root`](Self::root) is the first.
///
/// ```
/// use septet::mime::Message;
/// let raw = b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
///             --b\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
///             --b\r\nContent-Type: application/octet-stream\r\n\
///             Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n";
/// let msg = Message::parse(raw).unwrap();
/// let types: Vec<String> = msg.parts().map(|p| p.content_type().mime_type()).collect();
/// assert_eq!(types, ["multipart/mixed", "text/plain", "application/octet-stream"]);
/// let attachment = msg.root().children().nth(1).unwrap();
/// assert_eq!(attachment.section(), "2");
/// assert_eq!(&*attachment.decoded_body().unwrap(), &[0, 1, 2]);
/// ```
#[derive(Clone, Debug)]
pub struct Message<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) nodes: Vec<Node>,
    pub(crate) fields: Vec<FieldPos>,
    pub(crate) legacy: &'static Encoding,
}

impl<'a> Message<'a> {
    /// Parses with the default [`Limits`].
    pub fn parse(input: &'a [u8]) -> Result<Self, ParseError> {
        Self::parse_with(input, Limits::default())
    }

    /// Parses with the given limits. Fails only if the input is longer than
    /// [`Limits::max_input`]; every other problem is recovered from and
    /// recorded in the parts' [`Flags`].
    pub fn parse_with(input: &'a [u8], limits: Limits) -> Result<Self, ParseError> {
        if input.len() > limits.max_input {
            return Err(ParseError::InputTooLarge {
                len: input.len(),
                max: limits.max_input,
            });
        }
        // Sized from the input so a message of many parts is not built by
        // repeated doubling (each step a copy of the arena, and in large
        // allocations fresh pages to fault in). A part is rarely shorter
        // than its delimiter line and a Content-Type field; pages reserved
        // beyond what is used are never touched.
        let parts = (input.len() / 256).clamp(8, limits.max_parts.max(8));
        let mut b = Builder {
            nodes: Vec::with_capacity(parts),
            fields: Vec::with_capacity(parts.saturating_mul(4)),
            stack: Vec::with_capacity(8),
        };
        Tokenizer::new(limits).run_to_end(input, |e| b.event(e));
        // A message that used far less than the estimate does not keep it:
        // shrinking in place is cheap, holding many parsed messages is not.
        shrink_if_sparse(&mut b.nodes);
        shrink_if_sparse(&mut b.fields);
        Ok(Message {
            input,
            nodes: b.nodes,
            fields: b.fields,
            legacy: charset::DEFAULT_LEGACY,
        })
    }

    /// Sets the charset used for 8-bit header bytes that are not UTF-8
    /// (default windows-1252).
    pub fn with_legacy_charset(mut self, encoding: &'static Encoding) -> Self {
        self.legacy = encoding;
        self
    }

    /// The input the message borrows.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    /// The top-level part (the message itself).
    pub fn root(&self) -> Part<'_, 'a> {
        Part::new(self, 0)
    }

    /// Every part, depth-first, containers included.
    pub fn parts(&self) -> impl DoubleEndedIterator<Item = Part<'_, 'a>> + ExactSizeIterator + '_ {
        (0..self.nodes.len()).map(move |i| Part::new(self, i))
    }

    /// The number of parts.
    pub fn part_count(&self) -> usize {
        self.nodes.len()
    }

    /// The part at `index` in depth-first order.
    pub fn part(&self, index: usize) -> Option<Part<'_, 'a>> {
        (index < self.nodes.len()).then(|| Part::new(self, index))
    }

    /// The part with IMAP section number `section` (see [`Part::section`]);
    /// for a number shared by a message/rfc822 part and its multipart
    /// content, the message/rfc822 part.
    pub fn find_section(&self, section: &str) -> Option<Part<'_, 'a>> {
        self.parts().find(|p| p.section() == section)
    }
}

/// Records tokenizer events into the arena.
struct Builder {
    nodes: Vec<Node>,
    fields: Vec<FieldPos>,
    stack: Vec<usize>,
}

impl Builder {
    fn top(&mut self) -> Option<&mut Node> {
        let i = *self.stack.last()?;
        self.nodes.get_mut(i)
    }

    fn event(&mut self, e: Event) {
        match e {
            Event::PartStart { at } => {
                let at = at as usize;
                let parent = self.stack.last().copied().unwrap_or(NO_PARENT);
                let mut index_in_parent = 1;
                if let Some(p) = self.nodes.get_mut(parent) {
                    p.children += 1;
                    index_in_parent = p.children;
                }
                self.stack.push(self.nodes.len());
                let n = self.fields.len();
                self.nodes.push(Node {
                    parent,
                    depth: self.stack.len() - 1,
                    index_in_parent,
                    kind: Kind::Leaf,
                    flags: Flags::empty(),
                    cte: Cte::SevenBit,
                    start: at,
                    header_end: at,
                    body_start: at,
                    body_end: at,
                    end: at,
                    fields: (n, n),
                    children: 0,
                    subtree_end: 0,
                    preamble: None,
                    epilogue: None,
                });
            }
            Event::Field {
                name, value, span, ..
            } => {
                self.fields.push(FieldPos {
                    start: span.start as usize,
                    name_end: name.end as usize,
                    value_start: value.start as usize,
                    value_end: value.end as usize,
                    end: span.end as usize,
                });
                let n = self.fields.len();
                if let Some(node) = self.top() {
                    node.fields.1 = n;
                    node.header_end = span.end as usize;
                }
            }
            Event::HeadersEnd {
                span,
                kind,
                flags,
                head,
            } => {
                if let Some(node) = self.top() {
                    node.cte = head.transfer_encoding;
                    node.header_end = span.start as usize;
                    node.body_start = span.end as usize;
                    node.body_end = span.end as usize;
                    node.kind = kind;
                    node.flags |= flags;
                }
            }
            Event::Body(span) | Event::Delimiter { span, .. } => {
                if let Some(node) = self.top() {
                    node.body_end = span.end as usize;
                }
            }
            Event::Preamble(span) => {
                if let Some(node) = self.top() {
                    extend(&mut node.preamble, span.start as usize, span.end as usize);
                    node.body_end = span.end as usize;
                }
            }
            Event::Epilogue(span) => {
                if let Some(node) = self.top() {
                    extend(&mut node.epilogue, span.start as usize, span.end as usize);
                    node.body_end = span.end as usize;
                }
            }
            Event::PartEnd { span, flags } => {
                let Some(i) = self.stack.pop() else { return };
                let subtree_end = self.nodes.len();
                let node = &mut self.nodes[i];
                node.flags |= flags;
                node.end = span.end as usize;
                node.subtree_end = subtree_end;
                if node.kind != Kind::Leaf {
                    node.body_end = node.end;
                }
                let end = node.end;
                if let Some(parent) = self.top() {
                    parent.body_end = end;
                }
            }
        }
    }
}

/// Gives back the unused capacity of an arena that used less than half.
fn shrink_if_sparse<T>(v: &mut Vec<T>) {
    if v.capacity() > 2 * v.len() + 16 {
        v.shrink_to_fit();
    }
}

fn extend(range: &mut Option<(usize, usize)>, start: usize, end: usize) {
    match range {
        Some((_, e)) => *e = end,
        None => *range = Some((start, end)),
    }
}
