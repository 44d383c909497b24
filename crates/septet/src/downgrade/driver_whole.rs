//! The driver's whole-buffer mode and envelope line: the parts of
//! [`Downgrader`] that look at more of the input than one event.

use super::super::envelope::{self, Envelope};
use super::super::{Error, Report};
use super::{Downgrader, Normalizer, State};

impl Downgrader {
    /// Decides whether the input (held in `buf`) starts with an envelope
    /// line; if it does, writes it out and leaves the message after it in
    /// `buf` for the tokenizer. False while it cannot tell yet.
    pub(super) fn take_envelope(&mut self, out: &mut Vec<u8>, eof: bool) -> bool {
        self.envelope = envelope::detect(&self.buf, eof);
        let n = match self.envelope {
            Envelope::Undecided => return false,
            Envelope::Absent => return true,
            Envelope::Line(n) => n,
        };
        let before = out.len();
        let mut replaced = self.norm.push(&self.buf[..n], out, true);
        replaced += self.norm.flush(out, true);
        self.report.preamble_epilogue_replaced += replaced;
        self.report.output_bytes += (out.len() - before) as u64;
        self.report.envelope_line = true;
        self.buf.drain(..n);
        self.shift = n as u64;
        true
    }

    /// Converts a whole message held in one buffer (see
    /// [`downgrade_buffer`](super::downgrade_buffer)).
    pub(in crate::downgrade) fn whole(
        mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Report, Error> {
        self.whole = true;
        self.report.input_bytes = input.len() as u64;
        let from = out.len();
        self.buf.clear();
        let mut rest = input;
        if let Envelope::Line(n) = envelope::detect(input, true) {
            // `take_envelope` works on `buf`: only the line is copied.
            self.buf.extend_from_slice(&input[..n]);
            self.take_envelope(out, true);
            rest = &input[n..];
        }
        self.envelope = Envelope::Absent;
        let before = out.len();
        let mut result = self.run(rest, out, true);
        if result.is_ok() {
            let n = self.norm.flush(out, true);
            self.report.preamble_epilogue_replaced += n;
            if !self.tok.is_done() {
                // Not reachable with `eof`; never leave output half-made.
                result = Err(Error::Failed);
            }
        }
        self.report.output_bytes += (out.len() - before) as u64;
        self.sink.map(out, from);
        result.map_err(|e| e.shifted(self.shift))?;
        self.report.output_bytes -= self.sink.finish(out);
        Ok(self.report)
    }

    /// Whole-buffer mode: the current leaf, passed through as 7-bit, holds
    /// bytes with no 7-bit form in its body up to `end`. Its header block
    /// and body so far are taken back out of `out` and the part decided
    /// again with all of that body in view (so it is encoded), instead of
    /// refused with `late` (returned if there is nothing to replay).
    /// `complete`: the body ends at `end`.
    pub(super) fn replay(
        &mut self,
        buf: &[u8],
        end: u64,
        out: &mut Vec<u8>,
        late: Error,
        complete: bool,
    ) -> Result<(), Error> {
        let base = self.base;
        let Some(open) = self.stack.last_mut() else {
            return Err(late);
        };
        let Some((mark, p)) = open.replay.take() else {
            return Err(late);
        };
        let Some(start) = p.body_at.filter(|&s| s >= base && s <= end) else {
            return Err(late);
        };
        out.truncate(mark);
        self.norm = Normalizer::default();
        let body = &buf[(start - base) as usize..(end - base) as usize];
        let rep = &mut self.report.parts[open.report];
        rep.body_in = body.len() as u64;
        rep.body_out = 0;
        rep.repaired = 0;
        open.state = State::Deciding(p, body.to_vec());
        self.decide(complete, out)
    }
}
