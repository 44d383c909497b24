//! The decode state machine and driver shared by every kernel set.
//!
//! [`DecodeState::step`] consumes one byte and is the reference for the
//! decoded output and for every strict-mode error. Whenever nothing is
//! pending, the driver hands the input to the table's bulk kernel, which
//! handles the common bytes and stops at anything that needs the state
//! machine. What is pending (an `=`, white space, a CR) is carried across
//! calls, so the streaming decoder may split the input anywhere.

use std::collections::VecDeque;

use super::error::{DecodeError, DecodeErrorKind, DecodeSliceError};
use super::scalar::{HEX_VALUE, LINE_MAX};
use crate::codec::{drive, ByteDecoder};
use crate::simd::{Isa, Kernels};

/// The most white space held back to see whether it ends its line. Of a
/// longer run, the bytes beyond the last `WS_LIMIT` are kept as data (and an
/// `=` before them is not a soft break). No encoder or transport produces
/// such runs (SMTP lines are at most 998 bytes), and the bound keeps the
/// streaming decoder's memory constant. Strict mode never gets there: the
/// line is too long first.
pub(crate) const WS_LIMIT: usize = 1024;

/// Inputs shorter than this skip the kernel.
const KERNEL_MIN: usize = 32;

/// An `=` whose meaning depends on what follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    /// `=` at this offset (then possibly white space, then possibly a CR).
    Eq(u64),
    /// `=` at this offset and one hex digit (nothing after them yet).
    EqHex(u64, u8),
}

/// The decoder's pending bytes and position, carried across chunks.
#[derive(Clone, Debug)]
pub(crate) struct DecodeState {
    strict: bool,
    escape: Escape,
    /// Spaces and tabs that end the line unless something else follows.
    ws: VecDeque<u8>,
    /// Offset of `ws[0]`.
    ws_start: u64,
    /// The last byte was a CR: a line break if LF follows, else data.
    cr: bool,
    /// Absolute offset of the next byte to be fed.
    offset: u64,
    /// Offset of the first byte of the current encoded line (strict mode).
    line_start: u64,
    /// Lenient mode: what was seen of the `=` sequences so far (see
    /// [`Escapes`]).
    escapes: Escapes,
}

/// Lenient mode: whether every `=` decoded so far was an escape (`=XX`) or
/// a soft line break, so a caller can flag malformed input without a second
/// pass over it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// Every `=` so far was an escape or a soft break.
    Valid,
    /// Some `=` was kept literally: neither an escape nor a soft break.
    Invalid,
    /// An `=` was followed by more than [`WS_LIMIT`] blanks and kept as
    /// data without knowing whether a line break ends the run: the decoder
    /// cannot tell, the caller must look.
    Unknown,
}

impl Escapes {
    fn worsen(&mut self, to: Escapes) {
        if *self != Escapes::Invalid {
            *self = to;
        }
    }
}

/// Appends to a preallocated output slice.
struct Sink<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Sink<'_> {
    #[inline]
    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
}

impl DecodeState {
    pub(crate) fn new(strict: bool) -> Self {
        DecodeState {
            strict,
            escape: Escape::None,
            ws: VecDeque::new(),
            ws_start: 0,
            cr: false,
            offset: 0,
            line_start: 0,
            escapes: Escapes::Valid,
        }
    }

    /// Absolute offset of the next byte to be fed.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes held back that a later byte may turn into output.
    fn pending_len(&self) -> usize {
        let escape = match self.escape {
            Escape::None => 0,
            Escape::Eq(_) => 1,
            Escape::EqHex(..) => 2,
        };
        escape + self.ws.len() + usize::from(self.cr)
    }

    /// The most output that feeding `n` more bytes (or finishing, `n = 0`)
    /// can produce: decoding never makes anything longer.
    pub(crate) fn max_output(&self, n: usize) -> usize {
        n + self.pending_len()
    }

    fn idle(&self) -> bool {
        self.escape == Escape::None && self.ws.is_empty() && !self.cr
    }

    fn err(at: u64, kind: DecodeErrorKind) -> Result<(), DecodeError> {
        Err(DecodeError::new(at, kind))
    }

    /// Strict: the byte at `at` is a character of the current line.
    #[inline]
    fn count(&self, at: u64) -> Result<(), DecodeError> {
        if self.strict && at - self.line_start >= LINE_MAX as u64 {
            return Self::err(
                self.line_start + LINE_MAX as u64,
                DecodeErrorKind::LineTooLong,
            );
        }
        Ok(())
    }

    /// Decodes `input` into `out`, continuing from earlier calls; returns the
    /// bytes written. `out` must hold [`max_output`](Self::max_output)`(input.len())`.
    pub(crate) fn feed(
        &mut self,
        table: &Kernels,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DecodeError> {
        // After a stall, a whole run goes byte by byte before the kernel is
        // tried again.
        drive(&mut Run(self, table), input, out, KERNEL_MIN)
    }

    /// Strict mode: what the kernel may see of `avail`. A kernel counts
    /// columns from the start of its input (see `simd::QpDecodeFn`), so in
    /// mid-line it gets everything only if the rest of the current line is
    /// known to fit (its LF is near enough), else just the rest of the line.
    fn strict_avail<'a>(&self, avail: &'a [u8]) -> &'a [u8] {
        let col = (self.offset - self.line_start) as usize;
        if col == 0 {
            return avail;
        }
        // An LF at index `j` ends a line whose counted bytes (all before it
        // but the CR of a CRLF) stay below column LINE_MAX.
        let look = &avail[..avail.len().min((LINE_MAX + 2).saturating_sub(col))];
        if let Some(j) = memchr::memchr(b'\n', look) {
            if col + j <= LINE_MAX || (col + j == LINE_MAX + 1 && look[j - 1] == b'\r') {
                return avail;
            }
        }
        &avail[..avail.len().min(LINE_MAX.saturating_sub(col))]
    }

    /// Consumes one byte.
    fn step(&mut self, b: u8, out: &mut Sink) -> Result<(), DecodeError> {
        let at = self.offset;
        self.offset += 1;
        if let Escape::EqHex(eq, hi) = self.escape {
            self.escape = Escape::None;
            let lo = HEX_VALUE[b as usize];
            if lo < 16 {
                if self.strict && (hi.is_ascii_lowercase() || b.is_ascii_lowercase()) {
                    return Self::err(eq, DecodeErrorKind::LowercaseHex);
                }
                self.count(at)?;
                out.push((HEX_VALUE[hi as usize] << 4) | lo);
                return Ok(());
            }
            if self.strict {
                return Self::err(eq, DecodeErrorKind::InvalidEscape);
            }
            self.escapes.worsen(Escapes::Invalid);
            out.push(b'=');
            out.push(hi);
        }
        if self.cr {
            self.cr = false;
            if b == b'\n' {
                return self.end_line(at, true, out);
            }
            self.flush_with_cr(at - 1, out)?;
        }
        match b {
            b' ' | b'\t' => {
                self.count(at)?;
                self.push_ws(b, at, out);
                Ok(())
            }
            b'\r' => {
                // Counted (or not) once we know whether it ends the line.
                self.cr = true;
                Ok(())
            }
            b'\n' => self.end_line(at, false, out),
            _ => {
                if let Escape::Eq(eq) = self.escape {
                    if self.ws.is_empty() && HEX_VALUE[b as usize] < 16 {
                        self.count(at)?;
                        self.escape = Escape::EqHex(eq, b);
                        return Ok(());
                    }
                    self.bad_escape(eq, out)?;
                }
                // White space followed by data is not trailing.
                out.extend_ws(&mut self.ws);
                self.count(at)?;
                if b == b'=' {
                    self.escape = Escape::Eq(at);
                    return Ok(());
                }
                if self.strict && !(33..=126).contains(&b) {
                    return Self::err(at, DecodeErrorKind::ByteMustBeEncoded(b));
                }
                out.push(b);
                Ok(())
            }
        }
    }

    /// A pending `=` that starts neither an escape nor a soft break.
    fn bad_escape(&mut self, eq: u64, out: &mut Sink) -> Result<(), DecodeError> {
        if self.strict {
            return Self::err(eq, DecodeErrorKind::InvalidEscape);
        }
        self.escapes.worsen(Escapes::Invalid);
        self.escape = Escape::None;
        out.push(b'=');
        Ok(())
    }

    fn push_ws(&mut self, b: u8, at: u64, out: &mut Sink) {
        if self.ws.is_empty() {
            self.ws_start = at;
        } else if self.ws.len() == WS_LIMIT {
            // Too long to be transport padding: the oldest byte is data.
            if self.escape != Escape::None {
                self.escape = Escape::None;
                self.escapes.worsen(Escapes::Unknown);
                out.push(b'=');
            }
            if let Some(first) = self.ws.pop_front() {
                out.push(first);
            }
            self.ws_start += 1;
        }
        self.ws.push_back(b);
    }

    /// A CR at `cr_at` turned out not to start a CRLF: it is data, and so is
    /// what was pending before it.
    fn flush_with_cr(&mut self, cr_at: u64, out: &mut Sink) -> Result<(), DecodeError> {
        if let Escape::Eq(eq) = self.escape {
            self.bad_escape(eq, out)?;
        }
        out.extend_ws(&mut self.ws);
        if self.strict {
            return Self::err(cr_at, DecodeErrorKind::ByteMustBeEncoded(b'\r'));
        }
        out.push(b'\r');
        Ok(())
    }

    /// A line break (CRLF if `crlf`, else LF) whose LF is at `lf_at`: drops
    /// trailing white space; a pending `=` makes it a soft break (removed),
    /// else the break is passed through.
    fn end_line(&mut self, lf_at: u64, crlf: bool, out: &mut Sink) -> Result<(), DecodeError> {
        if self.strict && !self.ws.is_empty() {
            return Self::err(self.ws_start, DecodeErrorKind::TrailingWhitespace);
        }
        self.ws.clear();
        if self.escape == Escape::None {
            if crlf {
                out.push(b'\r');
            }
            out.push(b'\n');
        }
        self.escape = Escape::None;
        self.line_start = lf_at + 1;
        Ok(())
    }

    /// Ends the input: an incomplete escape is kept literally, trailing white
    /// space dropped, a final `=` (with white space) is a soft break.
    /// Returns the bytes written; `out` must hold `max_output(0)`.
    pub(crate) fn finish(&mut self, out: &mut [u8]) -> Result<usize, DecodeError> {
        let mut sink = Sink { buf: out, len: 0 };
        if let Escape::EqHex(eq, hi) = self.escape {
            if self.strict {
                return Err(DecodeError::new(eq, DecodeErrorKind::InvalidEscape));
            }
            self.escapes.worsen(Escapes::Invalid);
            self.escape = Escape::None;
            sink.push(b'=');
            sink.push(hi);
        }
        if self.cr {
            self.cr = false;
            self.flush_with_cr(self.offset - 1, &mut sink)?;
        }
        if self.strict && !self.ws.is_empty() {
            let at = self.ws_start;
            return Err(DecodeError::new(at, DecodeErrorKind::TrailingWhitespace));
        }
        self.ws.clear();
        self.escape = Escape::None;
        Ok(sink.len)
    }
}

/// The state with its kernel table, as the shared driver sees it.
struct Run<'a>(&'a mut DecodeState, &'a Kernels);

impl ByteDecoder for Run<'_> {
    type Error = DecodeError;

    #[inline]
    fn step(&mut self, byte: u8, out: &mut [u8]) -> Result<usize, DecodeError> {
        let mut sink = Sink { buf: out, len: 0 };
        self.0.step(byte, &mut sink)?;
        Ok(sink.len)
    }

    #[inline]
    fn settled(&self) -> bool {
        self.0.idle()
    }

    #[inline]
    fn bulk(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        let Run(state, k) = self;
        if input.len() < KERNEL_MIN {
            return (0, 0);
        }
        let avail = if state.strict {
            state.strict_avail(input)
        } else {
            input
        };
        let (c, n) = (k.qp_decode)(avail, out, state.strict);
        debug_assert!(c <= avail.len() && n <= c);
        if state.strict && k.isa() != Isa::Scalar {
            // The kernel may have crossed line breaks: the current line
            // starts after the last LF it consumed. (The scalar table's
            // strict kernel stops at line breaks; were that to change, the
            // tests at the column limit would see stale line starts.)
            if let Some(lf) = memchr::memrchr(b'\n', &avail[..c]) {
                state.line_start = state.offset + lf as u64 + 1;
            }
        }
        state.offset += c as u64;
        (c, n)
    }
}

impl Sink<'_> {
    fn extend_ws(&mut self, ws: &mut VecDeque<u8>) {
        for b in ws.drain(..) {
            self.push(b);
        }
    }
}

/// The reference alone (no kernel): decodes `input[..end]` byte by byte
/// from a fresh state, then settles what a kernel may settle early (white
/// space that `input[end]` shows not to be trailing; in lenient mode a CR
/// with nothing before it, output whatever follows). Returns the output and
/// whether nothing is left pending.
#[cfg(test)]
pub(crate) fn reference_prefix(
    strict: bool,
    input: &[u8],
    end: usize,
) -> Result<(Vec<u8>, bool), DecodeError> {
    let mut state = DecodeState::new(strict);
    let mut buf = vec![0; end];
    let mut sink = Sink {
        buf: &mut buf,
        len: 0,
    };
    for &b in &input[..end] {
        state.step(b, &mut sink)?;
    }
    if state.escape == Escape::None && !state.cr {
        if let Some(next) = input.get(end) {
            if !matches!(next, b' ' | b'\t' | b'\r' | b'\n') {
                sink.extend_ws(&mut state.ws);
            }
        }
    }
    if !strict && state.cr && state.escape == Escape::None && state.ws.is_empty() {
        state.cr = false;
        sink.push(b'\r');
    }
    let n = sink.len;
    buf.truncate(n);
    Ok((buf, state.idle()))
}

/// Input bytes decoded per step of [`DecodeState::feed_vec`]: the output
/// of one step is zero-filled and then overwritten while it is still in cache.
const CHUNK: usize = 16 << 10;

impl DecodeState {
    /// Decodes `input` (continuing from earlier calls) and appends the result
    /// to `out`. On error `out` is cut back to `keep` bytes.
    ///
    /// The input goes through the state machine in chunks, so output and
    /// errors are those of one call; each chunk's output room is zero-filled
    /// just before the kernel overwrites it, instead of the whole output at
    /// once.
    pub(crate) fn feed_vec(
        &mut self,
        k: &Kernels,
        input: &[u8],
        out: &mut Vec<u8>,
        keep: usize,
    ) -> Result<(), DecodeError> {
        for chunk in input.chunks(CHUNK) {
            let at = out.len();
            out.resize(at + self.max_output(chunk.len()), 0);
            match self.feed(k, chunk, &mut out[at..]) {
                Ok(n) => out.truncate(at + n),
                Err(e) => {
                    out.truncate(keep);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// [`finish`](Self::finish), appending to `out`; on error `out` is cut
    /// back to `keep` bytes.
    pub(crate) fn finish_vec(&mut self, out: &mut Vec<u8>, keep: usize) -> Result<(), DecodeError> {
        let at = out.len();
        out.resize(at + self.max_output(0), 0);
        match self.finish(&mut out[at..]) {
            Ok(n) => {
                out.truncate(at + n);
                Ok(())
            }
            Err(e) => {
                out.truncate(keep);
                Err(e)
            }
        }
    }
}

/// Input bytes per step of [`decode_to_slice`] once `out` may be too small:
/// with the pending bytes ([`WS_LIMIT`] blanks and an escape at most), one
/// step's output fits the stack scratch.
const SLICE_STEP: usize = 4096;
const SLICE_SCRATCH: usize = SLICE_STEP + WS_LIMIT + 64;

/// One-shot decode of a whole input into `out`; returns the bytes written.
/// Decodes in place while `out` has room for a step's worst case, then
/// through a stack scratch that counts what would not fit, so
/// `OutputTooSmall` carries the exact decoded length. An input error wins
/// over a short output (the offset is always reported).
pub(crate) fn decode_to_slice(
    k: &Kernels,
    strict: bool,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize, DecodeSliceError> {
    let mut state = DecodeState::new(strict);
    if out.len() >= input.len() {
        // Decoding never makes anything longer: no step can overflow.
        let n = state.feed(k, input, out)?;
        return Ok(n + state.finish(&mut out[n..])?);
    }
    let mut scratch = [0u8; SLICE_SCRATCH];
    let (mut needed, mut fits) = (0usize, true);
    for chunk in input.chunks(SLICE_STEP) {
        if fits && out.len() - needed >= state.max_output(chunk.len()) {
            needed += state.feed(k, chunk, &mut out[needed..])?;
        } else {
            let n = state.feed(k, chunk, &mut scratch)?;
            spill(&scratch[..n], out, &mut needed, &mut fits);
        }
    }
    let n = state.finish(&mut scratch)?;
    spill(&scratch[..n], out, &mut needed, &mut fits);
    if fits {
        Ok(needed)
    } else {
        Err(DecodeSliceError::OutputTooSmall { needed })
    }
}

/// Copies a step's output to `out` at `needed` while it fits; counts it
/// either way.
fn spill(step: &[u8], out: &mut [u8], needed: &mut usize, fits: &mut bool) {
    *fits = *fits && step.len() <= out.len() - *needed;
    if *fits {
        out[*needed..*needed + step.len()].copy_from_slice(step);
    }
    *needed += step.len();
}

/// One-shot lenient decode of a whole input, appended to `out`; says
/// whether every `=` was an escape or a soft break. Never fails: lenient
/// decoding has no errors (the `Err` arm is unreachable and reported as
/// [`Escapes::Unknown`]).
pub(crate) fn decode_lenient_to_vec(k: &Kernels, input: &[u8], out: &mut Vec<u8>) -> Escapes {
    let start = out.len();
    out.reserve(input.len());
    let mut state = DecodeState::new(false);
    match state
        .feed_vec(k, input, out, start)
        .and_then(|()| state.finish_vec(out, start))
    {
        Ok(()) => state.escapes,
        Err(_) => Escapes::Unknown,
    }
}

/// One-shot decode of a whole input, appended to `out`. On error `out` is
/// left as it was.
pub(crate) fn decode_to_vec(
    k: &Kernels,
    strict: bool,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    let start = out.len();
    // Decoding never makes anything longer.
    out.reserve(input.len());
    let mut state = DecodeState::new(strict);
    state.feed_vec(k, input, out, start)?;
    state.finish_vec(out, start)
}
