//! NEON MIME decode: CR, LF, space and tab are skipped, any other byte
//! outside the alphabet stops the kernel.
//!
//! Two paths. [`lines`] takes regular lines (the first line's length, a
//! multiple of 4 from 32 to [`MAX_LINE`], every line ending the same way in
//! CRLF or LF, as encoders write them), a batch of lines per
//! [`decode_span`]. [`squeeze`] takes anything else: 16 bytes at a time, a
//! chunk of alphabet characters goes to a stage buffer whole, a chunk with
//! white space byte by byte, and the stage is decoded every 64 characters.
//! It hands back to [`lines`] at a line start when it can.

use core::arch::aarch64::*;
use core::mem::MaybeUninit;

use super::decode::decode_span;
use super::{decode_block, DecodeLut, BYTES, CHARS, HALF_CHARS};
use crate::simd::scalar::base64::{is_mime_space, INVALID};
use crate::simd::B64Alphabet;

/// The longest line [`lines`] looks for (longer ones go through [`squeeze`],
/// which handles unbroken runs at full speed anyway).
const MAX_LINE: usize = 1024;
/// Input [`squeeze`] covers before it tries to hand back to [`lines`].
const SQUEEZE_SPAN: usize = 256;
/// Bytes [`squeeze`] classifies at once.
const CHUNK: usize = 16;
/// The stage [`lines`] copies a batch of lines into (at least two lines).
const STAGE: usize = 2 * MAX_LINE;

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
///
/// Lines whose length is a multiple of 64 are decoded in place; others
/// (76 characters, typically) are copied side by side into a stage buffer
/// first, so that a batch decodes in full steps with one partial step at
/// its end instead of one per line.
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
    if len < HALF_CHARS || !len.is_multiple_of(4) {
        return (0, 0);
    }
    let crlf = probe[len] == b'\r';
    let (stride, line_out) = (len + 1 + usize::from(crlf), len / 4 * 3);
    let direct = len.is_multiple_of(CHARS);
    let base = input.as_ptr();
    let mut stage = MaybeUninit::<[u8; STAGE]>::uninit();
    let stage = stage.as_mut_ptr().cast::<u8>();
    let (mut i, mut o) = (start, 0);
    loop {
        let most = ((input.len() - i) / stride)
            .min((out.len() - o) / line_out)
            .min(if direct { 1 } else { STAGE / len });
        // Check each line's end and stage it in one pass.
        let mut n = 0;
        while n < most {
            let line = i + n * stride;
            // SAFETY: n < most, so input[line..line + stride] is in bounds;
            // the staged copy goes to stage[n * len..][..len], inside STAGE.
            unsafe {
                let end = base.add(line + len);
                let ends = if crlf {
                    end.cast::<[u8; 2]>().read_unaligned() == *b"\r\n"
                } else {
                    *end == b'\n'
                };
                if !ends {
                    break;
                }
                if !direct {
                    copy_line(base.add(line), stage.add(n * len), len);
                }
            }
            n += 1;
        }
        if n == 0 {
            // A leading line break alone is harmless progress: the squeeze
            // path would skip it too.
            return (i, o);
        }
        let chars = n * len;
        let src = if direct {
            // SAFETY: i < input.len() (a whole line follows).
            unsafe { base.add(i) }
        } else {
            stage.cast_const()
        };
        // SAFETY: src holds chars bytes (the line in place, or n staged
        // lines, all written above); out[o..] holds n * line_out bytes;
        // chars >= 32 and chars % 4 == 0.
        let k = unsafe { decode_span(lut, src, chars, out.as_mut_ptr().add(o)) };
        if k < chars {
            return (i + k / len * stride + k % len, o + k / 4 * 3);
        }
        i += n * stride;
        o += n * line_out;
    }
}

/// Copies the `len` bytes at `src` to `dst` (64, then 16 at a time, the
/// last 16 overlapping the ones before).
///
/// # Safety
/// `src[..len]` must be readable, `dst[..len]` writable, `len >= 16`.
#[target_feature(enable = "neon")]
#[inline]
// SAFETY: sound when src[..len] is readable, dst[..len] writable and len >= 16.
unsafe fn copy_line(src: *const u8, dst: *mut u8, len: usize) {
    let mut k = 0;
    // SAFETY: every copy lies inside [0, len), which the caller guarantees
    // readable at src and writable at dst.
    unsafe {
        while k + CHARS <= len {
            vst1q_u8_x4(dst.add(k), vld1q_u8_x4(src.add(k)));
            k += CHARS;
        }
        while k + CHUNK < len {
            vst1q_u8(dst.add(k), vld1q_u8(src.add(k)));
            k += CHUNK;
        }
        vst1q_u8(dst.add(len - CHUNK), vld1q_u8(src.add(len - CHUNK)));
    }
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
                    if stage.len.is_multiple_of(4) {
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
