//! NEON MIME decode: CR, LF, space and tab are skipped, any other byte
//! outside the alphabet stops the kernel.
//!
//! Two paths. [`lines`] takes regular lines (the first line's length, a
//! multiple of 4 from 32 to [`MAX_LINE`], every line ending the same way in
//! CRLF or LF, as encoders write them) straight from the input, a line per
//! [`decode_span`]. [`squeeze`] takes anything else: 16 bytes at a time, a
//! chunk of alphabet characters goes to a stage buffer whole, a chunk with
//! white space byte by byte, and the stage is decoded every 64 characters.
//! It hands back to [`lines`] at a line start when it can.

use core::arch::aarch64::*;

use super::decode::decode_span;
use super::{decode_block, DecodeLut, BYTES, CHARS};
use crate::simd::scalar::base64::{is_mime_space, INVALID};
use crate::simd::B64Alphabet;

/// The longest line [`lines`] looks for (longer ones go through [`squeeze`],
/// which handles unbroken runs at full speed anyway).
const MAX_LINE: usize = 1024;
/// Input [`squeeze`] covers before it tries to hand back to [`lines`].
const SQUEEZE_SPAN: usize = 256;
/// Bytes [`squeeze`] classifies at once.
const CHUNK: usize = 16;

/// Bulk MIME decode. See `simd::B64DecodeMimeFn`.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn decode_mime(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    let lut = DecodeLut::new(alphabet);
    let table = alphabet.decode_table();
    let (mut i, mut o) = (0, 0);
    loop {
        let (c, w) = lines(lut, &input[i..], &mut out[o..]);
        i += c;
        o += w;
        let (c, w, done) = squeeze(lut, table, &input[i..], &mut out[o..]);
        i += c;
        o += w;
        if done || c == 0 {
            return (i, o);
        }
    }
}

/// Regular lines from the start of `input` (after a line break there, if
/// any). Returns `(consumed, written)`; it stops before the first line
/// that is shorter, longer, ends differently, holds a byte outside the
/// alphabet (after decoding the steps before that byte), or does not fit.
#[target_feature(enable = "neon")]
fn lines(lut: DecodeLut, input: &[u8], out: &mut [u8]) -> (usize, usize) {
    let start = match input {
        [b'\r', b'\n', ..] => 2,
        [b'\n', ..] => 1,
        _ => 0,
    };
    let probe = &input[start..input.len().min(start + MAX_LINE + 1)];
    let Some(len) = memchr::memchr2(b'\r', b'\n', probe) else {
        return (0, 0);
    };
    if len < 32 || len % 4 != 0 {
        return (0, 0);
    }
    let eol: &[u8] = if probe[len] == b'\n' { b"\n" } else { b"\r\n" };
    let (stride, line_out) = (len + eol.len(), len / 4 * 3);
    let (mut i, mut o) = (start, 0);
    while input.len() - i >= stride
        && out.len() - o >= line_out
        && &input[i + len..i + stride] == eol
    {
        // SAFETY: input[i..i + len] and out[o..o + len / 4 * 3] are in
        // bounds (loop condition); len >= 32 and len % 4 == 0 (checked).
        let k = unsafe { decode_span(lut, input[i..].as_ptr(), len, out[o..].as_mut_ptr()) };
        if k < len {
            return (i + k, o + k / 4 * 3);
        }
        i += stride;
        o += line_out;
    }
    // A leading line break alone is not progress worth reporting, but it
    // is harmless: the squeeze path skips it too.
    (i, o)
}

/// Characters staged but not yet decoded, with room for a chunk on top.
struct Stage {
    buf: [u8; CHARS + CHUNK],
    len: usize,
}

impl Stage {
    /// Decodes the whole quads staged, as many as `out` holds; returns the
    /// bytes written. The characters left over stay staged.
    #[target_feature(enable = "neon")]
    fn flush(&mut self, lut: DecodeLut, out: &mut [u8]) -> usize {
        let quads = (self.len / 4).min(out.len() / 3);
        let mut done = 0;
        while done < quads {
            // A step of 16 quads at most, padded with `A`s.
            let now = (quads - done).min(CHARS / 4);
            let mut chars = [b'A'; CHARS];
            chars[..now * 4].copy_from_slice(&self.buf[done * 4..(done + now) * 4]);
            let mut bytes = [0u8; BYTES];
            // SAFETY: both arrays have the sizes a step reads and writes;
            // the staged characters are all in the alphabet, so it succeeds.
            unsafe { decode_block(lut, chars.as_ptr(), bytes.as_mut_ptr()) };
            out[done * 3..(done + now) * 3].copy_from_slice(&bytes[..now * 3]);
            done += now;
        }
        self.buf.copy_within(quads * 4..self.len, 0);
        self.len -= quads * 4;
        quads * 3
    }
}

/// What [`squeeze`] does with one byte of a chunk holding white space.
enum Byte {
    Next,
    /// A byte outside the alphabet that is not white space.
    Stop,
    /// A line feed after [`SQUEEZE_SPAN`]: a place to hand back to [`lines`].
    LineEnd,
}

/// Any layout: returns `(consumed, written, done)`, `done` when it stopped
/// for good (end of input, a stop byte, no room) rather than at a line
/// start where [`lines`] may take over.
#[target_feature(enable = "neon")]
fn squeeze(
    lut: DecodeLut,
    table: &[u8; 256],
    input: &[u8],
    out: &mut [u8],
) -> (usize, usize, bool) {
    let mut stage = Stage {
        buf: [0; CHARS + CHUNK],
        len: 0,
    };
    let (mut i, mut o) = (0, 0);
    let mut done = true;
    'outer: while out.len() - o >= BYTES {
        if stage.len == 0 && input.len() - i >= CHARS {
            // An unbroken run: straight from the input, no staging.
            // SAFETY: input[i..i + 64] and out[o..o + 48] are in bounds.
            if unsafe { decode_block(lut, input[i..].as_ptr(), out[o..].as_mut_ptr()) } {
                i += CHARS;
                o += BYTES;
                continue;
            }
        }
        let chunk = &input[i..input.len().min(i + CHUNK)];
        if chunk.len() == CHUNK {
            // SAFETY: chunk holds 16 readable bytes.
            let values = lut.lookup(unsafe { vld1q_u8(chunk.as_ptr()) });
            if vmaxvq_u8(values) < 64 {
                stage.buf[stage.len..stage.len + CHUNK].copy_from_slice(chunk);
                stage.len += CHUNK;
                i += CHUNK;
                if stage.len >= CHARS {
                    o += stage.flush(lut, &mut out[o..o + BYTES]);
                }
                continue;
            }
        } else if chunk.is_empty() {
            break;
        }
        for &b in chunk {
            let step = if is_mime_space(b) {
                if b == b'\n' && i >= SQUEEZE_SPAN {
                    Byte::LineEnd
                } else {
                    Byte::Next
                }
            } else if table[b as usize] == INVALID {
                Byte::Stop
            } else {
                stage.buf[stage.len] = b;
                stage.len += 1;
                Byte::Next
            };
            match step {
                Byte::Next => i += 1,
                Byte::Stop => break 'outer,
                Byte::LineEnd => {
                    i += 1;
                    if stage.len % 4 == 0 {
                        // Whole quads only: after this flush nothing is left.
                        o += stage.flush(lut, &mut out[o..]);
                        done = false;
                        break 'outer;
                    }
                }
            }
        }
        if stage.len >= CHARS {
            o += stage.flush(lut, &mut out[o..o + BYTES]);
        }
    }
    o += stage.flush(lut, &mut out[o..]);
    // Characters still staged (a partial quad, or no room) are given
    // back: the input restarts at the first of them.
    let mut left = stage.len;
    while left > 0 {
        i -= 1;
        if !is_mime_space(input[i]) {
            left -= 1;
        }
    }
    (i, o, done)
}
