//! The incremental MIME state machine (sans-IO).
//!
//! [`Tokenizer`] reads a message from byte slices of any size and reports
//! [`Event`]s with absolute offsets. It never copies input: the caller keeps
//! the bytes from [`Tokenizer::offset`] on and passes them again with more
//! appended. What it holds back is bounded: a partial header field (at most
//! [`Limits::max_header_block`]) or a partial line that might be a delimiter
//! (at most [`MAX_DELIMITER_LOOKAHEAD`] bytes). Body bytes are reported as
//! soon as they cannot belong to a delimiter.
//!
//! Both drivers use this one machine: [`Message::parse`](super::Message::parse)
//! passes the whole buffer with `eof = true`; a streaming driver passes what
//! it has. The events are the same, except that body, preamble and epilogue
//! bytes may come in more pieces.
//!
//! ```
//! use septet::mime::{Event, Limits, Step, Tokenizer};
//! let input = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n--b--\n";
//! let mut tok = Tokenizer::new(Limits::default());
//! let mut delimiters = 0;
//! // A streaming driver: 7 bytes at a time into a buffer that starts at tok.offset().
//! let (mut buf, mut fed) = (Vec::new(), 0);
//! loop {
//!     let eof = fed == input.len();
//!     match tok.next_event(&buf, eof) {
//!         Step::Event(ev) => {
//!             if let Event::Delimiter { .. } = ev {
//!                 delimiters += 1;
//!             }
//!         }
//!         Step::NeedInput => {
//!             let end = (fed + 7).min(input.len());
//!             buf.extend_from_slice(&input[fed..end]);
//!             fed = end;
//!         }
//!         Step::Done => break,
//!     }
//!     // Drop what the tokenizer has reported.
//!     let keep_from = (tok.offset() - (fed - buf.len()) as u64) as usize;
//!     buf.drain(..keep_from);
//! }
//! assert_eq!(delimiters, 2);
//! ```

mod classify;
mod delimiter;
mod headers;
mod region;

use std::collections::VecDeque;

use super::{Event, Flags, Kind, Limits, Span};
use classify::PartAcc;
pub use delimiter::MAX_DELIMITER_LOOKAHEAD;

/// What [`Tokenizer::next_event`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// An event. Its span (if any) is within the input just passed.
    Event(Event),
    /// More input is needed (never returned when `eof` was true).
    NeedInput,
    /// The message is complete; every byte was reported.
    Done,
}

/// Which kind of bytes the scanner is reading outside header blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    Body,
    Preamble,
    Epilogue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a line of the current part's header block.
    Headers,
    /// Reading a region; `line_start` is true when the next byte starts a
    /// line whose preceding line break was already reported.
    Region {
        region: Region,
        line_start: bool,
    },
    Done,
}

/// An open container part.
#[derive(Debug)]
struct Frame {
    /// The boundary of a multipart; `None` for a message/rfc822 part.
    boundary: Option<Box<[u8]>>,
    digest: bool,
    /// The close delimiter was seen (the epilogue is being read).
    closed: bool,
    delimiters: usize,
    /// Flags for this container's PartEnd.
    flags: Flags,
}

/// The incremental MIME state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Tokenizer {
    limits: Limits,
    /// Absolute offset of the first byte not yet covered by a returned event.
    pos: u64,
    state: State,
    frames: Vec<Frame>,
    /// Frames with a boundary that is still open (not closed).
    open_boundaries: usize,
    queue: VecDeque<Event>,
    parts: usize,
    /// The part limit was hit: no more delimiters are recognised.
    flat: bool,
    acc: PartAcc,
    /// A leaf part is open (its body is being read).
    leaf_open: bool,
    leaf_flags: Flags,
    /// In a header field: bytes after `pos` already known to be whole lines
    /// of the field, so a short feed does not rescan them.
    scanned: usize,
}

impl Tokenizer {
    /// A tokenizer at offset 0, about to read a message.
    pub fn new(limits: Limits) -> Self {
        let mut queue = VecDeque::new();
        queue.push_back(Event::PartStart { at: 0 });
        Tokenizer {
            limits,
            pos: 0,
            state: State::Headers,
            frames: Vec::new(),
            open_boundaries: 0,
            queue,
            parts: 1,
            flat: false,
            acc: PartAcc::new(false),
            leaf_open: false,
            leaf_flags: Flags::empty(),
            scanned: 0,
        }
    }

    /// The absolute offset of the first byte not yet reported: the next call
    /// must be given the input from here on.
    pub fn offset(&self) -> u64 {
        self.pos
    }

    /// True once [`Step::Done`] was returned or is due.
    pub fn is_done(&self) -> bool {
        self.state == State::Done && self.queue.is_empty()
    }

    /// Open containers around the current position.
    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    /// Advances by one event. `input` must start at [`offset`](Self::offset)
    /// and hold every byte received since; `eof` says no more will come.
    /// The bytes of a returned event's span are
    /// `input[span.start - offset_before_call ..]`.
    pub fn next_event(&mut self, input: &[u8], eof: bool) -> Step {
        loop {
            if let Some(event) = self.queue.pop_front() {
                let span = event.span();
                debug_assert_eq!(span.start, self.pos, "events must tile the input");
                self.pos = span.end;
                return Step::Event(event);
            }
            let progressed = match self.state {
                State::Done => return Step::Done,
                State::Headers => self.headers(input, eof),
                State::Region { region, line_start } => self.region(input, eof, region, line_start),
            };
            if !progressed {
                if eof {
                    // Unreachable by construction; never spin a caller at EOF.
                    debug_assert!(false, "tokenizer asked for input after EOF");
                    self.state = State::Done;
                    return Step::Done;
                }
                return Step::NeedInput;
            }
        }
    }

    /// Reads a whole message (`input` from offset 0, `eof`) and hands every
    /// event to `sink` in the order [`next_event`](Self::next_event) returns
    /// them: the same machine, with the events of each step drained in one
    /// go instead of one call and one `Step` per event. The parser of whole
    /// buffers uses it; a message of many small parts has several events
    /// per part, and their round trips were a sizeable share of its parse.
    pub(crate) fn run_to_end(&mut self, input: &[u8], mut sink: impl FnMut(Event)) {
        loop {
            for event in self.queue.drain(..) {
                debug_assert_eq!(event.span().start, self.pos, "events must tile the input");
                self.pos = event.span().end;
                sink(event);
            }
            let from = usize::try_from(self.pos).map_or(input.len(), |p| p.min(input.len()));
            let rest = &input[from..];
            let progressed = match self.state {
                State::Done => return,
                State::Headers => self.headers(rest, true),
                State::Region { region, line_start } => self.region(rest, true, region, line_start),
            };
            if !progressed {
                // Unreachable by construction (as in `next_event`).
                debug_assert!(false, "tokenizer asked for input after EOF");
                self.state = State::Done;
            }
        }
    }

    fn at(&self, rel: usize) -> u64 {
        self.pos + rel as u64
    }

    fn push(&mut self, event: Event) {
        self.queue.push_back(event);
    }

    /// Starts a new part at `rel`, a child of the innermost container.
    fn start_part(&mut self, rel: usize, in_digest: bool) {
        self.parts += 1;
        self.push(Event::PartStart { at: self.at(rel) });
        self.acc = PartAcc::new(in_digest);
        self.scanned = 0;
        self.state = State::Headers;
    }

    fn push_frame(&mut self, boundary: Option<Box<[u8]>>, digest: bool) {
        if boundary.is_some() {
            self.open_boundaries += 1;
        }
        self.frames.push(Frame {
            boundary,
            digest,
            closed: false,
            delimiters: 0,
            flags: Flags::empty(),
        });
    }

    /// Pops the innermost container and reports its end at `rel`.
    fn pop_frame(&mut self, rel: usize, span_end: usize) {
        let Some(f) = self.frames.pop() else { return };
        let mut flags = f.flags;
        if f.boundary.is_some() && !f.closed {
            self.open_boundaries -= 1;
            if !self.flat {
                flags.insert(if f.delimiters == 0 {
                    Flags::NO_PARTS
                } else {
                    Flags::MISSING_CLOSE_DELIMITER
                });
            }
        }
        self.push(Event::PartEnd {
            span: Span::new(self.at(rel), self.at(span_end)),
            flags,
        });
    }

    /// Ends the current header block with the blank line `rel..end` and
    /// enters the body as decided by the fields seen.
    fn end_headers(&mut self, rel: usize, end: usize, extra: Flags, force_leaf: bool) {
        let acc = std::mem::take(&mut self.acc);
        let depth = self.frames.len();
        let full = self.parts >= self.limits.max_parts;
        let mut d = classify::decide(acc, depth, full, &self.limits);
        d.flags |= extra;
        // A nested message refused for the part limit: the rest of the
        // input is its body.
        let limit_leaf = d.kind == Kind::Leaf && d.flags.contains(Flags::PART_LIMIT);
        if force_leaf {
            d.kind = Kind::Leaf;
        }
        self.push(Event::HeadersEnd {
            span: Span::new(self.at(rel), self.at(end)),
            kind: d.kind,
            flags: d.flags,
            head: d.head,
        });
        match (d.kind, d.boundary) {
            (Kind::Multipart, Some((boundary, digest))) => {
                self.push_frame(Some(boundary), digest);
                self.enter(Region::Preamble, true);
            }
            (Kind::Message, _) => {
                self.push_frame(None, false);
                self.start_part(end, false);
            }
            _ => {
                if limit_leaf && !force_leaf {
                    self.flat = true;
                }
                self.leaf_open = true;
                self.leaf_flags = Flags::empty();
                self.enter(Region::Body, true);
            }
        }
    }

    fn enter(&mut self, region: Region, line_start: bool) {
        self.state = State::Region { region, line_start };
    }

    /// True if a delimiter could end the current region.
    fn delimiters_possible(&self) -> bool {
        !self.flat && self.open_boundaries > 0
    }

    /// Open boundaries, innermost first, with their frame index.
    fn open(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.frames
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, f)| !f.closed)
            .filter_map(|(i, f)| f.boundary.as_deref().map(|b| (i, b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stepped(input: &[u8], limits: Limits) -> Vec<Event> {
        let mut tok = Tokenizer::new(limits);
        let mut out = Vec::new();
        loop {
            let from = (tok.offset() as usize).min(input.len());
            match tok.next_event(&input[from..], true) {
                Step::Event(e) => out.push(e),
                Step::NeedInput | Step::Done => return out,
            }
        }
    }

    fn drained(input: &[u8], limits: Limits) -> Vec<Event> {
        let mut out = Vec::new();
        Tokenizer::new(limits).run_to_end(input, |e| out.push(e));
        out
    }

    /// `run_to_end` reports exactly the events of `next_event`, on every
    /// corpus message, every prefix of a few of them, and with limits small
    /// enough to be hit.
    #[test]
    fn run_to_end_matches_next_event() {
        let tiny = Limits {
            max_depth: 2,
            max_parts: 5,
            max_header_block: 120,
            max_header_fields: 4,
            ..Limits::default()
        };
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus");
        let mut messages = Vec::new();
        for form in ["crlf", "lf"] {
            let Ok(dir) = std::fs::read_dir(format!("{root}/{form}")) else {
                continue;
            };
            for entry in dir.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    messages.push(bytes);
                }
            }
        }
        assert!(!messages.is_empty(), "corpus not found under {root}");
        for (i, m) in messages.iter().enumerate() {
            for limits in [Limits::default(), tiny] {
                assert_eq!(drained(m, limits), stepped(m, limits), "message {i}");
                if i % 8 == 0 {
                    for cut in 0..m.len().min(600) {
                        let m = &m[..cut];
                        assert_eq!(drained(m, limits), stepped(m, limits), "{i} cut {cut}");
                    }
                }
            }
        }
    }
}
