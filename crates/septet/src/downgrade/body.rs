//! Body transforms: the streaming base64 and quoted-printable encoders, the
//! line-break normaliser for bytes that are kept, and the first-window
//! classification that picks an encoding.

use crate::base64;
use crate::qp::encode::{self as qp_encode, max_encoded_len};
use crate::qp::scalar::{EncodeFlags, LOOKAHEAD};
use crate::qp::{self, EncodeOptions, Mode};
use crate::simd::Kernels;

/// The longest line SMTP allows, CRLF excluded (RFC 5321 4.5.3.1.6).
pub(crate) const MAX_LINE: usize = 998;
/// Base64 input bytes per output line (76 characters).
const B64_LINE: usize = 57;
/// Whole lines encoded per block: the output room is zero-filled a block at
/// a time, so it is still in L1 when the encoder overwrites it.
const B64_BLOCK: usize = B64_LINE * 128;

/// Normaliser blocks: small enough that the census, the line walk and
/// the copy find the block in L1.
const NORM_BLOCK: usize = 8 * 1024;

/// Byte counts from one pass over a slice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Census {
    /// Bytes >= 0x80.
    high: usize,
    /// NUL bytes.
    nul: usize,
    /// CR bytes.
    cr: usize,
    /// CR LF pairs.
    crlf: usize,
}

impl Census {
    /// Counts over pairs of neighbours in fixed-size chunks with byte-wide
    /// counters, a loop shape the compiler vectorises (SSE2 is always there
    /// on x86-64).
    fn of(data: &[u8]) -> Census {
        const CHUNK: usize = 128;
        let mut c = Census::default();
        let Some((&last, _)) = data.split_last() else {
            return c;
        };
        // Each byte but the last with the byte after it.
        let (this, next) = (&data[..data.len() - 1], &data[1..]);
        for (a, b) in this.chunks(CHUNK).zip(next.chunks(CHUNK)) {
            let (mut high, mut nul, mut cr, mut crlf) = (0u8, 0u8, 0u8, 0u8);
            for (&x, &y) in a.iter().zip(b) {
                high += x >> 7;
                nul += u8::from(x == 0);
                cr += u8::from(x == b'\r');
                crlf += u8::from(x == b'\r') & u8::from(y == b'\n');
            }
            c.high += usize::from(high);
            c.nul += usize::from(nul);
            c.cr += usize::from(cr);
            c.crlf += usize::from(crlf);
        }
        c.high += usize::from(last >> 7);
        c.nul += usize::from(last == 0);
        c.cr += usize::from(last == b'\r');
        c
    }
}

/// What the first bytes of a body look like.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Scan {
    pub eight_bit: usize,
    pub nul: bool,
    pub bare_cr: bool,
    pub long_line: bool,
    pub len: usize,
}

impl Scan {
    /// Scans `window` (the start of a body; `complete` if it is all of it).
    pub(crate) fn of(window: &[u8], complete: bool) -> Scan {
        let census = Census::of(window);
        // A CR at the end of an incomplete window may be half of CRLF.
        let held_cr = usize::from(!complete && window.last() == Some(&b'\r'));
        let bare_cr = census.cr > census.crlf + held_cr;
        // A line is too long if it holds more than MAX_LINE bytes other
        // than CR (a CR before its LF, or a bare one, takes no column).
        let mut long_line = false;
        // If every `SEGMENT` bytes hold an LF, no two LFs (nor an end of
        // the window and an LF) are `MAX_LINE` bytes apart: the usual
        // case, settled with a few memchr calls instead of one per line.
        const SEGMENT: usize = MAX_LINE / 2;
        let dense = || {
            window
                .chunks_exact(SEGMENT)
                .all(|s| memchr::memchr(b'\n', s).is_some())
        };
        if window.len() > MAX_LINE && !dense() {
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', window).chain(std::iter::once(window.len())) {
                let line = &window[start..end];
                if line.len() > MAX_LINE && line.len() - Census::of(line).cr > MAX_LINE {
                    long_line = true;
                    break;
                }
                start = end + 1;
            }
        }
        Scan {
            eight_bit: census.high,
            nul: census.nul > 0,
            bare_cr,
            long_line,
            len: window.len(),
        }
    }

    /// True if `window` (scanned as `self`) is UTF-8, a character cut by
    /// the end of an incomplete window included. Only a root part without
    /// Content-Type needs it (for its charset), so it is not part of
    /// [`Scan::of`]'s pass.
    pub(crate) fn valid_utf8(&self, window: &[u8], complete: bool) -> bool {
        if self.eight_bit == 0 {
            return true;
        }
        match std::str::from_utf8(window) {
            Ok(_) => true,
            // A character cut by the window's end is not an error.
            Err(e) => e.error_len().is_none() && !complete,
        }
    }

    /// True if the bytes may be sent as 7bit.
    pub(crate) fn is_clean(&self) -> bool {
        self.eight_bit == 0 && !self.nul && !self.bare_cr && !self.long_line
    }

    /// True if quoted-printable suits these bytes (few 8-bit bytes, text lines).
    pub(crate) fn suits_qp(&self) -> bool {
        !self.nul && !self.bare_cr && self.eight_bit * 8 < self.len.max(1)
    }
}

/// Streaming quoted-printable straight into the caller's buffer: the shared
/// encode driver (bulk kernel, then the reference tokens) plus the few
/// input bytes whose encoding depends on what follows.
pub(crate) struct QpEncoder {
    kernels: &'static Kernels,
    flags: EncodeFlags,
    col: usize,
    carry: [u8; QP_CARRY],
    carry_len: usize,
}

/// Held-back input plus the first bytes of the next push, encoded together.
const QP_CARRY: usize = 16;
/// Most output room zero-filled per call of the encode driver.
const QP_ROOM: usize = 32 * 1024;

impl QpEncoder {
    fn new(options: EncodeOptions) -> Self {
        QpEncoder {
            kernels: qp::Codec::new().kernels_or_scalar(),
            flags: options.flags(),
            col: 0,
            carry: [0; QP_CARRY],
            carry_len: 0,
        }
    }

    /// Encodes what can be decided of `input` (all of it with `at_end`)
    /// onto `out`; returns the bytes consumed.
    fn encode(&mut self, input: &[u8], at_end: bool, out: &mut Vec<u8>) -> usize {
        let mut done = 0;
        let mut tight = true;
        loop {
            let left = input.len() - done;
            if left == 0 || (!at_end && left <= LOOKAHEAD) {
                return done;
            }
            // The driver stops between tokens when the room is used up, so
            // the room zero-filled per call is kept about the size of the
            // output (encoded text is rarely much longer) and small enough
            // to stay in cache until it is overwritten. The bound is the
            // fallback that always suffices.
            let room = if tight {
                (left + left / 4 + 64).min(QP_ROOM)
            } else {
                max_encoded_len(left)
            };
            let at = out.len();
            out.resize(at + room, 0);
            let (c, n) = qp_encode::encode(
                self.kernels,
                self.flags,
                &mut self.col,
                &input[done..],
                at_end,
                &mut out[at..],
            );
            out.truncate(at + n);
            done += c;
            if c == 0 {
                if !tight {
                    return done;
                }
                tight = false;
            }
        }
    }

    fn push(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        while !data.is_empty() {
            if self.carry_len > 0 {
                // Decide the held-back bytes with enough of `data` after them.
                let held = self.carry_len;
                let take = data.len().min(QP_CARRY - held);
                self.carry[held..held + take].copy_from_slice(&data[..take]);
                let combined = self.carry;
                let c = self.encode(&combined[..held + take], false, out);
                if c < held {
                    self.carry.copy_within(c..held + take, 0);
                    self.carry_len = held + take - c;
                    data = &data[take..];
                    continue;
                }
                self.carry_len = 0;
                data = &data[c - held..];
            }
            let c = self.encode(data, false, out);
            let left = &data[c..];
            self.carry[..left.len()].copy_from_slice(left);
            self.carry_len = left.len();
            return;
        }
    }

    fn finish(mut self, out: &mut Vec<u8>) {
        let carry = self.carry;
        self.encode(&carry[..self.carry_len], true, out);
    }
}

/// A body being re-encoded.
pub(crate) enum Encoder {
    /// Input of a partial line is held (`carry[..len]`) until the line is
    /// complete: an array, so a small part costs no allocation here.
    Base64 {
        carry: [u8; B64_LINE],
        len: usize,
    },
    Qp(QpEncoder),
}

impl Encoder {
    pub(crate) fn base64() -> Self {
        Encoder::Base64 {
            carry: [0; B64_LINE],
            len: 0,
        }
    }

    /// Quoted-printable for text: CRLF or LF line breaks become CRLF, a
    /// leading `.` and `From ` are escaped (safe for SMTP and mbox).
    pub(crate) fn qp() -> Self {
        Encoder::Qp(QpEncoder::new(EncodeOptions {
            bare_lf_is_line_break: true,
            ..EncodeOptions::new(Mode::Text)
        }))
    }

    /// Bytes held inside the encoder.
    pub(crate) fn buffered(&self) -> usize {
        match self {
            Encoder::Base64 { len, .. } => *len,
            Encoder::Qp(q) => q.carry_len,
        }
    }

    pub(crate) fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        match self {
            Encoder::Base64 { carry, len } => {
                if *len > 0 {
                    let take = (B64_LINE - *len).min(input.len());
                    carry[*len..*len + take].copy_from_slice(&input[..take]);
                    *len += take;
                    input = &input[take..];
                    if *len < B64_LINE {
                        return;
                    }
                    encode_lines(&carry[..], out);
                    *len = 0;
                }
                let whole = input.len() / B64_LINE * B64_LINE;
                out.reserve(whole / B64_LINE * (76 + 2));
                for block in input[..whole].chunks(B64_BLOCK) {
                    encode_lines(block, out);
                }
                let rest = &input[whole..];
                carry[..rest.len()].copy_from_slice(rest);
                *len = rest.len();
            }
            Encoder::Qp(q) => q.push(input, out),
        }
    }

    pub(crate) fn finish(self, out: &mut Vec<u8>) {
        match self {
            Encoder::Base64 { carry, len } => {
                // Straight into `out`, without a String in between.
                base64::MIME.encode_into(&carry[..len], out);
            }
            Encoder::Qp(q) => q.finish(out),
        }
    }
}

/// Encodes whole 57-byte lines (76 characters + CRLF each).
fn encode_lines(input: &[u8], out: &mut Vec<u8>) {
    debug_assert_eq!(input.len() % B64_LINE, 0);
    base64::MIME.encode_into(input, out);
}

/// Writes kept bytes with CRLF line breaks. With `repair`, bytes that have
/// no place in 7-bit data (8-bit, NUL, bare CR) become `?` and lines over
/// 998 octets are broken; each such change is counted.
///
/// Input is taken in blocks: a block that is already in final form (CRLF
/// line breaks only, and with `repair` 7-bit, no NUL, short lines) is
/// copied whole after one census and one walk over its line breaks; a
/// 7-bit block without CR gets CRLF line by line; anything else goes
/// through the run-by-run path.
#[derive(Debug, Default)]
pub(crate) struct Normalizer {
    pending_cr: bool,
    col: usize,
    /// Set for the duration of [`push_qp`](Self::push_qp).
    escape: bool,
    /// The CR held was pushed in escape mode: if the input ends there, it
    /// is escaped rather than replaced.
    cr_escape: bool,
    /// Escape mode, a CR held: how many bytes of `=` LF LF after it have
    /// been read and held too (see [`qp_cr`](Self::qp_cr)).
    qp_hold: u8,
}

impl Normalizer {
    pub(crate) fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>, repair: bool) -> u64 {
        let mut changed = 0;
        if !self.escape && !input.is_empty() {
            // What follows is not the quoted-printable body any more.
            changed += self.release_qp_hold(out);
            self.cr_escape = false;
        }
        if !repair {
            // Only line breaks change: the few bytes of a part's end.
            return changed + self.runs(input, out, false);
        }
        while let Some(&first) = input.first() {
            if self.pending_cr && self.escape && (self.qp_hold > 0 || first == b'=') {
                let (used, n) = self.qp_cr(input, out);
                changed += n;
                input = &input[used..];
                continue;
            }
            if self.pending_cr {
                self.pending_cr = false;
                if first == b'\n' {
                    out.extend_from_slice(b"\r\n");
                    self.col = 0;
                    input = &input[1..];
                    continue;
                }
                changed += self.bare_cr(out, true);
            }
            let mut n = input.len().min(NORM_BLOCK);
            // A CR ending the block is decided with the next block.
            if n > 1 && input[n - 1] == b'\r' {
                n -= 1;
            }
            let block = &input[..n];
            changed += match self.block(block, out) {
                Some(n) => n,
                None => self.runs(block, out, true),
            };
            input = &input[n..];
        }
        changed
    }

    /// The fast paths for a block (with repair): the changes made, or
    /// `None` (nothing written) if it needs the run-by-run path.
    fn block(&mut self, block: &[u8], out: &mut Vec<u8>) -> Option<u64> {
        if memchr::memchr(b'\r', block).is_none() {
            if !block.is_ascii() || memchr::memchr(0, block).is_some() {
                return None;
            }
            // LF line breaks (or none): each becomes CRLF.
            let (mut start, mut changed) = (0, 0);
            for lf in memchr::memchr_iter(b'\n', block) {
                changed += self.run(&block[start..lf], out);
                out.extend_from_slice(b"\r\n");
                self.col = 0;
                start = lf + 1;
            }
            return Some(changed + self.run(&block[start..], out));
        }
        if !crlf_seven_bit(block) {
            return None;
        }
        self.col = short_lines(self.col, block, self.limit())?;
        out.extend_from_slice(block);
        Some(0)
    }

    /// A run without CR or LF in a 7-bit block: copied, unless a line
    /// break has to be inserted.
    fn run(&mut self, run: &[u8], out: &mut Vec<u8>) -> u64 {
        if self.col + run.len() > self.limit() {
            return self.repair_run(run, out);
        }
        out.extend_from_slice(run);
        self.col += run.len();
        0
    }

    /// The general path: runs between line-break bytes, repaired as needed.
    fn runs(&mut self, mut input: &[u8], out: &mut Vec<u8>, repair: bool) -> u64 {
        let mut changed = 0;
        while let Some(&first) = input.first() {
            if self.pending_cr && self.escape && (self.qp_hold > 0 || first == b'=') {
                let (used, n) = self.qp_cr(input, out);
                changed += n;
                input = &input[used..];
                continue;
            }
            if self.pending_cr {
                self.pending_cr = false;
                if first == b'\n' {
                    out.extend_from_slice(b"\r\n");
                    self.col = 0;
                    input = &input[1..];
                    continue;
                }
                changed += self.bare_cr(out, repair);
            }
            // Runs between line-break bytes are copied whole when clean.
            let end = memchr::memchr2(b'\r', b'\n', input).unwrap_or(input.len());
            let run = &input[..end];
            if !repair
                || (self.col + run.len() <= self.limit() && run.is_ascii() && !run.contains(&0))
            {
                out.extend_from_slice(run);
                self.col += run.len();
            } else {
                changed += self.repair_run(run, out);
            }
            match input.get(end) {
                Some(b'\r') => self.pending_cr = true,
                Some(_) => {
                    out.extend_from_slice(b"\r\n");
                    self.col = 0;
                }
                None => {}
            }
            input = input.get(end + 1..).unwrap_or_default();
        }
        changed
    }

    /// A run without line breaks that needs `?` or a line break inserted.
    fn repair_run(&mut self, run: &[u8], out: &mut Vec<u8>) -> u64 {
        if self.escape {
            return self.escape_run(run, out);
        }
        let mut changed = 0;
        for &b in run {
            if self.col >= MAX_LINE {
                out.extend_from_slice(b"\r\n");
                self.col = 0;
                changed += 1;
            }
            if b == 0 || b >= 128 {
                out.push(b'?');
                changed += 1;
            } else {
                out.push(b);
            }
            self.col += 1;
        }
        changed
    }

    /// True if a CR is held, to be decided by the next byte.
    pub(crate) fn holds_cr(&self) -> bool {
        self.pending_cr
    }

    /// Called before bytes that do not pass through here: a CR still held
    /// is bare.
    pub(crate) fn flush(&mut self, out: &mut Vec<u8>, repair: bool) -> u64 {
        let mut changed = 0;
        if self.qp_hold > 0 {
            changed += self.release_qp_hold(out);
        } else if std::mem::take(&mut self.pending_cr) {
            if repair && std::mem::take(&mut self.cr_escape) {
                // Lossless: not a repair.
                self.escape_run(b"\r", out);
            } else {
                changed = self.bare_cr(out, repair);
            }
        }
        self.col = 0;
        changed
    }

    fn bare_cr(&mut self, out: &mut Vec<u8>, repair: bool) -> u64 {
        if repair && self.escape {
            self.escape_run(b"\r", out)
        } else if repair {
            // The `?` is one more character on the line: break first if it
            // would make the line too long, as `repair_run` does.
            self.repair_run(b"\0", out)
        } else {
            // Only structural bytes go through unrepaired (a delimiter line
            // or the break before one): a CR there can only mean a line
            // end, and a bare CR must never reach the 7-bit output.
            out.extend_from_slice(b"\r\n");
            self.col = 0;
            0
        }
    }
}

/// True if `block` holds only 7-bit bytes other than NUL, and its CRs and
/// LFs all come in CR LF pairs.
///
/// One pass over neighbouring bytes with an OR accumulator: a loop shape
/// the compiler vectorises (SSE2 is always there on x86-64).
fn crlf_seven_bit(block: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (block.first(), block.last()) else {
        return true;
    };
    if first == b'\n' || last == b'\r' || last == 0 || last >= 0x80 {
        return false;
    }
    // Every byte but the last with the byte after it: a CR must be followed
    // by LF and an LF preceded by CR, which is the same condition.
    let (this, next) = (&block[..block.len() - 1], &block[1..]);
    let mut bad = 0u8;
    for (a, b) in this.chunks(256).zip(next.chunks(256)) {
        let mut acc = 0u8;
        for (&x, &y) in a.iter().zip(b) {
            acc |= (x & 0x80) | u8::from(x == 0) | (u8::from(x == b'\r') ^ u8::from(y == b'\n'));
        }
        bad |= acc;
    }
    bad == 0
}

/// For a block of CR LF lines starting at column `col`: the column at its
/// end, or `None` if a line would be longer than `limit` (at most
/// [`MAX_LINE`]).
fn short_lines(col: usize, block: &[u8], limit: usize) -> Option<usize> {
    // If every `segment` bytes between the first and last LF hold an LF,
    // no two neighbouring LFs are `2 * segment` or more apart, so every
    // line between them is shorter than `limit`.
    let segment = limit / 2;
    let Some(first) = memchr::memchr(b'\n', block) else {
        return Some(col + block.len()).filter(|&c| c <= limit);
    };
    // The LF has its CR before it: `first - 1` bytes of text.
    if col + first - 1 > limit {
        return None;
    }
    let last = memchr::memrchr(b'\n', block).unwrap_or(first);
    let tail = block.len() - last - 1;
    if tail > limit {
        return None;
    }
    let middle = &block[first..=last];
    let dense = middle
        .chunks_exact(segment)
        .all(|seg| memchr::memchr(b'\n', seg).is_some());
    if !dense {
        let mut prev = first;
        for lf in memchr::memchr_iter(b'\n', &block[first + 1..=last]) {
            let at = first + 1 + lf;
            // Between the two LFs: the line's text and its CR.
            if at - prev - 2 > limit {
                return None;
            }
            prev = at;
        }
    }
    Some(tail)
}

#[path = "body_escape.rs"]
mod escape;

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
