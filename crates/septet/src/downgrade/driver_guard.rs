//! The driver's watches across events: signed content that changes
//! (flagged or refused), and changes where readers disagree about what
//! the bytes are (refused): a multipart with no delimiter, a field with
//! blanks before its colon.

use super::super::Error;
use super::{Action, Downgrader};
use crate::mime::Event;

/// A part inside signed content, watched across one event.
pub(super) struct Watch {
    part: usize,
    container: usize,
    start: u64,
    replaced_before: u64,
}

/// What the part at the top of the stack looked like before an event,
/// while a field with blanks before its colon is in force (or may be read
/// by the event).
pub(super) struct Snapshot {
    part: Option<usize>,
    header_encoded: bool,
    action: Action,
    repaired: u64,
    replaced: u64,
    fields_rewritten: u64,
    ambiguous: Option<(usize, u64)>,
}

/// Offset in `data` of its first byte with no 7-bit form (8-bit, NUL, a
/// CR before anything but LF; 0 if there is none, for an over-long line or
/// a CR at the end of `data` that the next bytes made bare).
pub(super) fn first_unencodable(data: &[u8]) -> u64 {
    let bare_cr = |i: usize| matches!(data.get(i + 1), Some(&b) if b != b'\n');
    data.iter()
        .enumerate()
        .position(|(i, &b)| b == 0 || b >= 0x80 || (b == b'\r' && bare_cr(i)))
        .unwrap_or(0) as u64
}

/// True if the first line of `body` holds a byte the downgrade would
/// write differently (8-bit or NUL).
pub(super) fn first_line_changes(body: &[u8]) -> bool {
    let line = memchr::memchr(b'\n', body).map_or(body, |i| &body[..i]);
    line.iter().any(|&b| b == 0 || b >= 0x80)
}

impl Downgrader {
    /// Bytes of a multipart's preamble or epilogue (`data`, at `offset`)
    /// were replaced. Remembered on the multipart: if it has no part,
    /// readers take its whole body as its content, epilogue after a lone
    /// close delimiter included ([`Error::UndelimitedMultipart`]).
    pub(super) fn preamble_replaced(&mut self, data: &[u8], offset: u64) {
        if let Some(open) = self.stack.last_mut() {
            open.preamble_bad
                .get_or_insert(offset + first_unencodable(data));
        }
    }

    /// At a part's end: if it is a multipart that had no part at all (no
    /// delimiter line, or only a close delimiter: its body is all
    /// preamble), refused if bytes of it had to be replaced. Python's
    /// `email` (and other readers) then read the body as the part's
    /// content; a multipart may not be encoded (RFC 2045 6.4), so no 7-bit
    /// form of it reads the same.
    pub(super) fn undelimited(&self) -> Result<(), Error> {
        match self.stack.last() {
            Some(o) if o.children == 0 => match o.preamble_bad {
                Some(offset) => Err(Error::UndelimitedMultipart { offset }),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Before an event: a snapshot, if a field with blanks before its colon
    /// is in force or the event is a field (which may be one).
    pub(super) fn ambiguity_watch(&self, ev: &Event) -> Option<Snapshot> {
        if self.ambiguous.is_none() && !matches!(ev, Event::Field { .. }) {
            return None;
        }
        let part = self.stack.last().map(|o| o.report);
        let p = part.map(|i| &self.report.parts[i]);
        Some(Snapshot {
            part,
            header_encoded: p.is_some_and(|p| p.header_encoded),
            action: p.map_or(Action::Kept, |p| p.action),
            repaired: p.map_or(0, |p| p.repaired),
            replaced: self.report.preamble_epilogue_replaced,
            fields_rewritten: self.fields_rewritten,
            ambiguous: self.ambiguous,
        })
    }

    /// After an event: refuses with [`Error::AmbiguousHeader`] if, while a
    /// field with blanks before its colon was in force (from that field to
    /// the end of its part), anything changed: a field rewritten, a body
    /// re-encoded, escaped or repaired, a container relabelled, preamble
    /// bytes replaced. Readers that do not take that line as a field
    /// (Python's `email`) read it and everything after it in the part as
    /// body text, so any such change would change that text.
    pub(super) fn ambiguity_check(&self, s: Snapshot) -> Result<(), Error> {
        let Some((_, offset)) = s.ambiguous.or(self.ambiguous) else {
            return Ok(());
        };
        let p = s.part.map(|i| &self.report.parts[i]);
        let changed = self.fields_rewritten > s.fields_rewritten
            || self.report.preamble_epilogue_replaced > s.replaced
            || p.is_some_and(|p| {
                (p.header_encoded && !s.header_encoded)
                    || p.action != s.action
                    || p.repaired > s.repaired
            });
        if !changed {
            return Ok(());
        }
        Err(Error::AmbiguousHeader {
            offset,
            field: self.ambiguous_field.clone(),
        })
    }

    /// The current part, if it is signed content not yet known to change.
    pub(super) fn signed_watch(&self) -> Option<Watch> {
        let open = self.stack.last()?;
        let container = open.signed?;
        if self.report.parts[container].signed_modified {
            return None;
        }
        Some(Watch {
            part: open.report,
            container,
            start: open.start,
            replaced_before: self.report.preamble_epilogue_replaced,
        })
    }

    /// After an event: if the watched part changed (a field rewritten, the
    /// body re-encoded or repaired, a container relabelled, bytes of its
    /// preamble replaced), its signature cannot verify any more: refused
    /// with `refuse_signed`, else flagged on every enclosing
    /// multipart/signed. CRLF normalisation is not a change: RFC 1847
    /// signs the canonical CRLF form.
    pub(super) fn signed_check(&mut self, w: Watch) -> Result<(), Error> {
        let p = &self.report.parts[w.part];
        let changed = p.header_encoded
            || p.action != Action::Kept
            || p.repaired > 0
            || self.report.preamble_epilogue_replaced > w.replaced_before;
        if !changed {
            return Ok(());
        }
        if self.opts.refuse_signed {
            return Err(Error::SignedModified { offset: w.start });
        }
        self.report.signed_modified = true;
        let mut container = Some(w.container);
        while let Some(c) = container {
            self.report.parts[c].signed_modified = true;
            container = self
                .stack
                .iter()
                .find(|o| o.report == c)
                .and_then(|o| o.signed);
        }
        Ok(())
    }
}
