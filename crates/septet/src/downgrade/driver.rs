//! The streaming driver: tokenizer events in, 7-bit bytes out.

use super::body::{Encoder, Normalizer};
use super::envelope::{self, Envelope};
use super::line_ending::Sink;
use super::pending::{crlf_into, emit_headers, label_of, Pending};
use super::{fold, header};
use super::{Action, Error, Options, PartReport, Report};
use crate::mime::{Cte, Event, FieldRole, Flags, Kind, SectionPath, Span, Step, Tokenizer};

#[path = "driver_decide.rs"]
mod decide;
#[path = "driver_guard.rs"]
mod guard;
#[path = "driver_whole.rs"]
mod whole;

use guard::{first_line_changes, first_unencodable};

/// New input copied after held-back bytes before the rest of a chunk is
/// read in place (enough to get past a held line break or delimiter start).
const BRIDGE: usize = 4096;

/// The most body bytes held to decide how to write a leaf labelled 8bit or
/// binary: it is encoded whatever follows, and the window only chooses
/// quoted-printable or base64. A part labelled 7bit or unlabelled (or with
/// an unknown label) holds the whole lookahead ([`Options::window`]) to
/// decide whether it may pass through as it is.
const DECISION_WINDOW: usize = 4096;

enum State {
    Headers(Pending),
    Deciding(Pending, Vec<u8>),
    /// Passed through as labelled (base64); bytes with no 7-bit form are
    /// repaired and counted (base64 decoders skip them anyway).
    Keep,
    /// Labelled quoted-printable: passed through, bytes with no 7-bit form
    /// escaped (lossless).
    KeepQp,
    /// Passed through because its first bytes were 7-bit; anything else
    /// later is refused unless `repair_late_8bit` is set.
    KeepSevenBit,
    /// A container past the depth limit, which the tokenizer reports as a
    /// leaf: its body (the nested parts) passes through as it is, and
    /// anything with no 7-bit form in it is refused with
    /// [`Error::TooDeep`], since it cannot be encoded without parsing it.
    Opaque,
    Encode(Encoder),
    Container,
}

struct Open {
    report: usize,
    children: usize,
    /// Position among the parent multipart's parts (from 1; 0 for a root
    /// or a nested message).
    index: usize,
    section: SectionPath,
    message: bool,
    state: State,
    /// Offset of the part's first byte.
    start: u64,
    /// The multipart/signed (report index) whose signed content this part
    /// is in: its first child or anything below it.
    signed: Option<usize>,
    /// Whole-buffer mode, a leaf passed through as 7-bit: where its header
    /// block starts in the output, and the block, to write it again with
    /// an encoding if later bytes turn out not to be 7-bit.
    replay: Option<(usize, Pending)>,
    /// Its header block ended without a blank line.
    headless: bool,
    /// A multipart: offset of the first byte of its preamble (or epilogue)
    /// that had no 7-bit form (see [`Error::UndelimitedMultipart`]).
    preamble_bad: Option<u64>,
}

/// A header field's bytes, and the offset of its first byte.
struct Field<'b> {
    name: &'b [u8],
    value: &'b [u8],
    raw: &'b [u8],
    at: u64,
}

/// The streaming 8bit-to-7bit converter. See the [module docs](super).
pub struct Downgrader {
    opts: Options,
    tok: Tokenizer,
    /// Input from `base` on (the tokenizer's unreported bytes).
    buf: Vec<u8>,
    base: u64,
    stack: Vec<Open>,
    norm: Normalizer,
    report: Report,
    failed: bool,
    /// A header buffer to reuse for the next part (one allocation per
    /// message, not one per field).
    spare_head: Vec<u8>,
    /// A decision window buffer to reuse for the next leaf.
    spare_window: Vec<u8>,
    /// The output line ending, applied to what each call wrote.
    sink: Sink,
    /// Whether the input starts with an mbox envelope line.
    envelope: Envelope,
    /// Input bytes before the tokenizer's offset 0 (the envelope line).
    shift: u64,
    /// The whole message is in one buffer ([`downgrade_buffer`]): a part
    /// found not to be 7-bit late is written again instead of refused.
    whole: bool,
    /// A header field with blanks before its colon was read (see
    /// [`Error::AmbiguousHeader`]): the stack depth of its part, while that
    /// part is open, and the field's offset.
    ambiguous: Option<(usize, u64)>,
    /// The name of that field.
    ambiguous_field: String,
    /// Header fields rewritten so far (encoded or folded).
    fields_rewritten: u64,
}

impl Downgrader {
    /// A downgrader at the start of a message.
    pub fn new(opts: Options) -> Self {
        Downgrader {
            opts,
            tok: Tokenizer::new(opts.limits),
            buf: Vec::new(),
            base: 0,
            stack: Vec::new(),
            norm: Normalizer::default(),
            report: Report::default(),
            failed: false,
            spare_head: Vec::new(),
            spare_window: Vec::new(),
            sink: Sink::new(opts.line_ending),
            envelope: Envelope::Undecided,
            shift: 0,
            whole: false,
            ambiguous: None,
            ambiguous_field: String::new(),
            fields_rewritten: 0,
        }
    }

    /// Bytes held between calls: unreported input, a pending header block,
    /// the decision window and encoder state. Bounded by the options, not
    /// by the message.
    pub fn buffered_bytes(&self) -> usize {
        let parts: usize = self
            .stack
            .iter()
            .map(|o| match &o.state {
                State::Headers(p) => p.bytes(),
                State::Deciding(p, w) => p.bytes() + w.len(),
                State::Encode(e) => e.buffered(),
                State::Keep
                | State::KeepQp
                | State::KeepSevenBit
                | State::Opaque
                | State::Container => 0,
            })
            .sum();
        self.buf.len() + parts
    }

    /// Converts the next chunk of the message, appending output to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let from = out.len();
        let result = self.feed_wire(input, out);
        self.sink.map(out, from);
        result.map_err(|e| e.shifted(self.shift))
    }

    /// `feed` in wire form.
    fn feed_wire(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.failed {
            return Err(Error::Failed);
        }
        self.report.input_bytes += input.len() as u64;
        let mut input = input;
        if self.envelope == Envelope::Undecided {
            if !self.buf.is_empty() {
                self.buf.extend_from_slice(input);
                if self.take_envelope(out, false) {
                    return self.guarded(out, false);
                }
                return Ok(());
            }
            // Usually decided by the first bytes: the input is then read in
            // place, not copied.
            match envelope::detect(input, false) {
                Envelope::Absent => self.envelope = Envelope::Absent,
                Envelope::Line(n) => {
                    self.buf.extend_from_slice(&input[..n]);
                    self.take_envelope(out, false);
                    input = &input[n..];
                }
                Envelope::Undecided => {
                    self.buf.extend_from_slice(input);
                    return Ok(());
                }
            }
        }
        if !self.buf.is_empty() {
            // Held-back bytes go first, with a bounded bridge of the new
            // input; once the tokenizer is past them, the rest of `input`
            // is read in place instead of being copied.
            let bridge = input.len().min(self.buf.len() + BRIDGE);
            self.buf.extend_from_slice(&input[..bridge]);
            self.guarded(out, false)?;
            input = &input[bridge..];
            if !self.buf.is_empty() {
                self.buf.extend_from_slice(input);
                return self.guarded(out, false);
            }
        }
        self.in_place(input, out)
    }

    /// `feed` with nothing held back: runs the tokenizer over `input` where
    /// it is and keeps only what it has not reported yet.
    fn in_place(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        debug_assert!(self.buf.is_empty() && self.base == self.tok.offset());
        let before = out.len();
        let result = self.run(input, out, false);
        let used = (self.tok.offset() - self.base) as usize;
        self.buf.extend_from_slice(&input[used.min(input.len())..]);
        self.base = self.tok.offset();
        self.report.output_bytes += (out.len() - before) as u64;
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    /// Ends the message: converts what is held back and returns the report.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<Report, Error> {
        if self.failed {
            return Err(Error::Failed);
        }
        let from = out.len();
        if self.envelope == Envelope::Undecided {
            self.take_envelope(out, true);
        }
        let result = self.guarded(out, true);
        if result.is_ok() {
            let before = out.len();
            let n = self.norm.flush(out, true);
            self.report.preamble_epilogue_replaced += n;
            self.report.output_bytes += (out.len() - before) as u64;
        }
        self.sink.map(out, from);
        result.map_err(|e| e.shifted(self.shift))?;
        // Wire bytes were counted; the sink knows what it took out.
        self.report.output_bytes -= self.sink.finish(out);
        Ok(self.report)
    }

    fn guarded(&mut self, out: &mut Vec<u8>, eof: bool) -> Result<(), Error> {
        let before = out.len();
        let buf = std::mem::take(&mut self.buf);
        let result = self.run(&buf, out, eof);
        self.buf = buf;
        let keep = (self.tok.offset() - self.base) as usize;
        self.buf.drain(..keep.min(self.buf.len()));
        self.base = self.tok.offset();
        self.report.output_bytes += (out.len() - before) as u64;
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn run(&mut self, buf: &[u8], out: &mut Vec<u8>, eof: bool) -> Result<(), Error> {
        loop {
            let rel = (self.tok.offset() - self.base) as usize;
            match self.tok.next_event(&buf[rel..], eof) {
                Step::Event(ev) => {
                    let watch = self.signed_watch();
                    let guard = self.ambiguity_watch(&ev);
                    self.event(ev, buf, out)?;
                    if let Some(w) = watch {
                        self.signed_check(w)?;
                    }
                    if let Some(g) = guard {
                        self.ambiguity_check(g)?;
                    }
                }
                Step::NeedInput | Step::Done => return Ok(()),
            }
        }
    }

    fn bytes<'b>(&self, buf: &'b [u8], span: Span) -> &'b [u8] {
        &buf[(span.start - self.base) as usize..(span.end - self.base) as usize]
    }

    fn event(&mut self, ev: Event, buf: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        match ev {
            Event::PartStart { at } => self.part_start(at),
            Event::Field {
                name,
                value,
                span,
                role,
            } => {
                let field = Field {
                    name: self.bytes(buf, name),
                    value: self.bytes(buf, value),
                    raw: self.bytes(buf, span),
                    at: span.start,
                };
                self.field(field, role, buf)?;
            }
            Event::HeadersEnd {
                span, kind, flags, ..
            } => {
                if flags.contains(Flags::HEADER_LIMIT) {
                    return Err(Error::HeaderTooLarge { offset: span.start });
                }
                let blank = self.bytes(buf, span);
                let deep = flags.contains(Flags::DEPTH_LIMIT);
                let guard = flags.contains(Flags::NO_BLANK_LINE)
                    && first_line_changes(&buf[(span.end - self.base) as usize..]);
                self.headers_end(blank, kind, deep, guard, out);
            }
            Event::Body(span) => {
                let data = self.bytes(buf, span);
                match self.body(data, span.start, out) {
                    Err(e @ Error::LateEightBit { .. }) if self.whole => {
                        self.replay(buf, span.end, out, e, false)?;
                    }
                    r => r?,
                }
            }
            Event::Preamble(span) => {
                let n = self.norm.push(self.bytes(buf, span), out, true);
                self.report.preamble_epilogue_replaced += n;
                if n > 0 {
                    self.preamble_replaced(self.bytes(buf, span), span.start);
                }
            }
            Event::Epilogue(span) => {
                let n = self.norm.push(self.bytes(buf, span), out, true);
                self.report.preamble_epilogue_replaced += n;
                if n > 0 {
                    // Content too, if the multipart had no part.
                    self.preamble_replaced(self.bytes(buf, span), span.start);
                }
            }
            Event::Delimiter { span, .. } => {
                // Only a boundary with 8-bit bytes or NUL (no 7-bit form)
                // is changed here.
                let n = self.norm.push(self.bytes(buf, span), out, true);
                self.report.preamble_epilogue_replaced += n;
            }
            Event::PartEnd { span, .. } => {
                self.undelimited()?;
                self.bare_cr_at_end(span, buf, out)?;
                self.part_end(out)?;
                self.norm.push(self.bytes(buf, span), out, false);
            }
        }
        Ok(())
    }

    /// A part passed through as 7-bit whose body ends in a CR at the end of
    /// the input (no delimiter line after it, whose break it would be
    /// part of): that CR is bare, so the part was not 7-bit after all.
    fn bare_cr_at_end(&mut self, span: Span, buf: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let state = self.stack.last().map(|o| &o.state);
        let deep = matches!(state, Some(State::Opaque));
        let seven = matches!(state, Some(State::KeepSevenBit));
        if !(seven || deep) || span.start != span.end || !self.norm.holds_cr() {
            return Ok(());
        }
        if deep {
            return Err(Error::TooDeep {
                offset: span.start.saturating_sub(1),
            });
        }
        if self.opts.repair_late_8bit {
            return Ok(());
        }
        let late = Error::LateEightBit {
            offset: span.start.saturating_sub(1),
        };
        if !self.whole {
            return Err(late);
        }
        self.replay(buf, span.start, out, late, true)
    }

    fn part_start(&mut self, start: u64) {
        let (index, signed) = match self.stack.last_mut() {
            None => (0, None),
            Some(p) if p.message => (0, p.signed),
            Some(p) => {
                p.children += 1;
                let parent = &self.report.parts[p.report];
                let signed = if p.children == 1 && parent.content_type == "multipart/signed" {
                    Some(p.report)
                } else {
                    p.signed
                };
                (p.children, signed)
            }
        };
        self.report.parts.push(PartReport {
            // Numbered once the part's kind is known (`headers_end`).
            section: String::new(),
            content_type: "text/plain".into(),
            action: Action::Kept,
            header_encoded: false,
            body_in: 0,
            body_out: 0,
            repaired: 0,
            signed_modified: false,
            malformed_encoded_words: 0,
        });
        self.stack.push(Open {
            report: self.report.parts.len() - 1,
            children: 0,
            index,
            section: SectionPath::default(),
            message: false,
            state: State::Headers(Pending::new(std::mem::take(&mut self.spare_head))),
            start,
            signed,
            replay: None,
            headless: false,
            preamble_bad: None,
        });
    }

    /// A header field; `role` is what the tokenizer made of it, its spans
    /// into `buf` (the input from `self.base` on).
    fn field(&mut self, f: Field<'_>, role: FieldRole, buf: &[u8]) -> Result<(), Error> {
        let Field {
            name,
            value,
            raw,
            at,
        } = f;
        // Blanks before the colon (RFC 5322 obsolete syntax).
        if self.ambiguous.is_none() && matches!(raw.get(name.len()), Some(b' ' | b'\t')) {
            self.ambiguous = Some((self.stack.len(), at));
            self.ambiguous_field = String::from_utf8_lossy(&name[..name.len().min(64)]).into();
        }
        let Some(open) = self.stack.last_mut() else {
            return Ok(());
        };
        let State::Headers(p) = &mut open.state else {
            return Ok(());
        };
        let rep = &mut self.report.parts[open.report];
        let start = p.head.len();
        match role {
            FieldRole::TransferEncoding(cte) => {
                if matches!(cte, Cte::Other(_)) && p.cte.is_none() {
                    p.label = label_of(value);
                }
                p.cte = Some(cte);
            }
            FieldRole::ContentType(media) => {
                p.has_content_type = true;
                // Written over the part's default, reusing its allocation.
                // An invalid type leaves the default (RFC 2045 5.2).
                if let Some(m) = media {
                    m.mime_type_into(buf, self.base, &mut rep.content_type);
                }
                p.text = rep.content_type.starts_with("text/");
            }
            FieldRole::Other => {
                if name.eq_ignore_ascii_case(b"mime-version") {
                    p.has_mime_version = true;
                }
            }
        }
        let is_cte = matches!(role, FieldRole::TransferEncoding(_));
        // The output form goes straight into the block's buffer; only a
        // field that has to be rewritten is taken out again.
        crlf_into(raw, &mut p.head);
        let field = &p.head[start..];
        // A field of at most 1000 bytes has no line over 998 (plus CRLF).
        let fits = field.len() <= fold::HARD + 2 || header::fits(field);
        if !(fits && raw.is_ascii() && !raw.contains(&0)) {
            let r = header::rewrite(name, value, field).map_err(|e| e.at(at, name))?;
            rep.header_encoded = true;
            self.fields_rewritten += 1;
            rep.repaired += r.replaced;
            rep.malformed_encoded_words += r.malformed;
            p.head.truncate(start);
            p.head.extend_from_slice(&r.bytes);
        }
        if is_cte {
            p.cte_at = Some((start, p.head.len()));
        }
        p.fields_end = p.head.len();
        Ok(())
    }

    /// The end of a header block. `deep`: a container past the depth limit
    /// (a leaf to the tokenizer), passed through as opaque data. `guard`:
    /// the block ended without a blank line, at a body line that is not a
    /// field but might read as one once its 8-bit bytes are escaped or
    /// replaced (`ab\xe9c: x` as `ab=E9c: x`), so a blank line is written
    /// before it: every reader then starts the body at the same line.
    fn headers_end(
        &mut self,
        blank: &[u8],
        kind: Kind,
        deep: bool,
        guard: bool,
        out: &mut Vec<u8>,
    ) {
        let section = self.section(kind);
        let Some(open) = self.stack.last_mut() else {
            return;
        };
        self.report.parts[open.report].section = section.to_string();
        open.section = section;
        let State::Headers(mut p) = std::mem::replace(&mut open.state, State::Container) else {
            return;
        };
        if !p.has_content_type {
            p.text = true;
        }
        p.fields_end = p.head.len();
        crlf_into(blank, &mut p.head);
        let rep = &mut self.report.parts[open.report];
        if guard && blank.is_empty() {
            p.head.extend_from_slice(b"\r\n");
            rep.header_encoded = true;
        }
        open.headless = p.head.len() == p.fields_end;
        match kind {
            Kind::Multipart | Kind::Message => {
                open.message = kind == Kind::Message;
                if matches!(p.cte, Some(Cte::EightBit | Cte::Binary)) {
                    p.set_cte("7bit");
                    rep.action = Action::Relabelled;
                }
                self.norm.flush(out, false);
                emit_headers(&p, out);
                self.spare_head = p.head;
            }
            Kind::Leaf if deep => {
                if matches!(p.cte, Some(Cte::EightBit | Cte::Binary)) {
                    p.set_cte("7bit");
                    rep.action = Action::Relabelled;
                }
                self.norm.flush(out, false);
                emit_headers(&p, out);
                self.spare_head = p.head;
                open.state = State::Opaque;
            }
            Kind::Leaf => match p.cte {
                Some(Cte::SevenBit | Cte::EightBit | Cte::Binary | Cte::Other(_)) | None => {
                    let mut window = std::mem::take(&mut self.spare_window);
                    window.clear();
                    open.state = State::Deciding(p, window);
                }
                Some(cte) => {
                    self.norm.flush(out, false);
                    emit_headers(&p, out);
                    open.state = if cte == Cte::QuotedPrintable {
                        State::KeepQp
                    } else {
                        State::Keep
                    };
                    self.spare_head = p.head;
                }
            },
        }
    }

    /// The section of the current part, of kind `kind` (the rule shared
    /// with [`Part::section`](crate::mime::Part::section)).
    fn section(&self, kind: Kind) -> SectionPath {
        let parent = self.stack.len().checked_sub(2).map(|i| &self.stack[i]);
        match (parent, self.stack.last()) {
            (Some(p), _) if p.message => p.section.nested(kind),
            (Some(p), Some(open)) => p.section.child(open.index),
            _ => SectionPath::root(kind),
        }
    }

    fn body(&mut self, data: &[u8], offset: u64, out: &mut Vec<u8>) -> Result<(), Error> {
        let Some(open) = self.stack.last_mut() else {
            return Ok(());
        };
        if let State::Deciding(p, w) = &mut open.state {
            // Only a part that may pass through as 7-bit needs the whole
            // lookahead. The whole-buffer mode uses it too, so that both
            // modes take the same decision from the same bytes.
            let may_pass = matches!(p.cte, None | Some(Cte::SevenBit | Cte::Other(_)));
            let window = if may_pass {
                self.opts.window
            } else {
                self.opts.window.min(DECISION_WINDOW)
            };
            p.body_at.get_or_insert(offset);
            // Only the window is held; the rest goes through once decided.
            let take = window.saturating_sub(w.len()).min(data.len());
            w.extend_from_slice(&data[..take]);
            self.report.parts[open.report].body_in += take as u64;
            if w.len() >= window {
                self.decide(false, out)?;
                if take < data.len() {
                    return self.body(&data[take..], offset + take as u64, out);
                }
            }
            return Ok(());
        }
        let rep = &mut self.report.parts[open.report];
        rep.body_in += data.len() as u64;
        let before = out.len();
        match &mut open.state {
            State::Deciding(..) => {}
            State::Keep => rep.repaired += self.norm.push(data, out, true),
            State::KeepQp => {
                if self.norm.push_qp(data, out) > 0 {
                    rep.action = Action::QuotedPrintable;
                }
            }
            State::Opaque => {
                let mark = out.len();
                if self.norm.push(data, out, true) > 0 {
                    out.truncate(mark);
                    return Err(Error::TooDeep {
                        offset: offset + first_unencodable(data),
                    });
                }
            }
            State::KeepSevenBit => {
                let mark = out.len();
                let repaired = self.norm.push(data, out, true);
                if repaired > 0 && !self.opts.repair_late_8bit {
                    out.truncate(mark);
                    let first = data.iter().position(|&b| b == 0 || b >= 0x80);
                    let offset = offset + first.unwrap_or(0) as u64;
                    return Err(Error::LateEightBit { offset });
                }
                rep.repaired += repaired;
            }
            State::Encode(e) => e.push(data, out),
            State::Headers(_) | State::Container => {}
        }
        rep.body_out += (out.len() - before) as u64;
        Ok(())
    }

    fn part_end(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        if matches!(
            self.stack.last().map(|o| &o.state),
            Some(State::Deciding(..))
        ) {
            self.decide(true, out)?;
        }
        let Some(open) = self.stack.pop() else {
            return Ok(());
        };
        if self
            .ambiguous
            .is_some_and(|(depth, _)| self.stack.len() < depth)
        {
            self.ambiguous = None;
        }
        if let State::Encode(enc) = open.state {
            let before = out.len();
            enc.finish(out);
            self.report.parts[open.report].body_out += (out.len() - before) as u64;
        }
        Ok(())
    }
}
