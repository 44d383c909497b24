//! MIME decode: base64 with CR, LF, space and tab anywhere in it.
//!
//! Three paths, tried in this order wherever the input allows:
//! - lines (in `lines`): runs of lines of one length, straight to the output;
//! - blocks without whitespace, straight to the output like plain decoding;
//! - anything else, 64 bytes at a time through `vpcompressb`, which drops
//!   the whitespace, into a staging buffer of sextets that stays in L1 and
//!   is decoded in whole 64-sextet blocks. While lines are expected, such a
//!   block is cut after its last byte if that is an LF, so that the next
//!   line can be tried as a line again.

use std::arch::x86_64::*;

use super::lines::{decode_lines, Lines};
use super::{
    decode_blocks, first_lanes, load, load_prefix, store, store_lanes, Decoder, Table,
    DECODE_MIME_STANDARD, DECODE_MIME_URL_SAFE,
};
use crate::simd::scalar::base64::is_mime_space;
use crate::simd::B64Alphabet;

/// Sextets gathered before a decode pass over them: small enough to stay in
/// L1, large enough that the pass runs long after the stores that fill it.
const BATCH: usize = 1024;
/// The staging buffer: a batch, one more block, and room for the
/// whole-vector stores and loads past the end.
const BUF: usize = BATCH + 128;
/// Line starts at which to look for the line length before giving up on
/// lines; renewed by every group of lines decoded as lines.
const LEARN: u32 = 4;

/// Sextets of alphabet characters not decoded yet: `buf[..fill]`.
///
/// The buffer lives apart from `fill`, so that `fill` stays in a register
/// rather than being reloaded after every store into the buffer.
struct Stage<'a> {
    buf: &'a mut Table<BUF>,
    fill: usize,
}

impl Stage<'_> {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    /// Appends the lanes `alpha` of `values` (sextets).
    ///
    /// # Safety
    /// `self.fill <= BATCH`.
    unsafe fn push(&mut self, values: __m512i, alpha: u64) {
        // SAFETY: fill + 64 <= BATCH + 64 < BUF by the caller's promise.
        unsafe {
            let at = self.buf.0.as_mut_ptr().add(self.fill);
            store(at, _mm512_maskz_compress_epi8(alpha, values));
        }
        self.fill += alpha.count_ones() as usize;
    }

    /// Decodes the staged sextets to `out[o..]`: all whole quads if `all`,
    /// else whole 64-sextet blocks, keeping the rest staged. Returns the
    /// bytes written. Stops early rather than write past `out`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn flush(&mut self, dec: Decoder, out: &mut [u8], o: usize, all: bool) -> usize {
        let fill = self.fill.min(BUF - 64);
        let n = if all { fill / 4 * 4 } else { fill / 64 * 64 };
        let n = n.min((out.len() - o) / 3 * 4);
        let b = self.buf.0.as_mut_ptr();
        let mut k = 0;
        let mut w = 0;
        // Every load is inside the buffer (k < n <= BUF - 64); the stores end
        // by o + n / 4 * 3 <= out.len(), the whole-vector ones within the
        // next block's output.
        while k + 128 <= n {
            // SAFETY: as above.
            unsafe { store(out.as_mut_ptr().add(o + w), dec.pack(load(b.add(k)))) };
            k += 64;
            w += 48;
        }
        while k < n {
            let quads = ((n - k) / 4).min(16);
            // SAFETY: as above.
            let bytes = dec.pack(unsafe { load(b.add(k)) });
            // SAFETY: as above.
            unsafe { store_lanes(out.as_mut_ptr().add(o + w), first_lanes(3 * quads), bytes) };
            k += 64;
            w += 3 * quads;
        }
        // What is left (under 64 sextets) moves to the front.
        // SAFETY: n <= BUF - 64.
        unsafe { store(b, load(b.add(n))) };
        self.fill = fill - n;
        w
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
/// Bulk MIME decode skipping CR, LF, space, tab. See `simd::B64DecodeMimeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
pub(crate) unsafe fn decode_mime(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    let dec = Decoder::new(match alphabet {
        B64Alphabet::Standard => &DECODE_MIME_STANDARD,
        B64Alphabet::UrlSafe => &DECODE_MIME_URL_SAFE,
    });
    let (len, cap) = (input.len(), out.len());
    let flags = _mm512_set1_epi8(0xc0u8 as i8);
    let mut buf = Table([0; BUF]);
    let mut stage = Stage {
        buf: &mut buf,
        fill: 0,
    };
    let (mut i, mut o) = (0, 0);
    let (mut lines, mut learn, mut line_start) = (None, LEARN, true);
    loop {
        if line_start {
            line_start = false;
            if lines.is_none() && learn > 0 {
                learn -= 1;
                lines = Lines::find(input, i);
            }
            // The line path writes straight to the output: only from a
            // quantum boundary, after what is staged.
            if let Some(l) = lines.filter(|_| stage.fill.is_multiple_of(4)) {
                o += stage.flush(dec, out, o, true);
                let start = i;
                if stage.fill == 0 {
                    (i, o) = decode_lines(dec, &l, input, i, out, o);
                }
                if i > start {
                    learn = LEARN;
                } else {
                    lines = None;
                }
            }
        }
        if stage.fill == 0 {
            (i, o) = decode_blocks::<true>(dec, input, i, out, o);
        }
        let want_lines = lines.is_some() || learn > 0;
        // Blocks with whitespace, until a line starts or anything else.
        while i + 64 <= len && o + (stage.fill + 64) / 4 * 3 <= cap {
            if stage.fill > BATCH {
                o += stage.flush(dec, out, o, false);
            }
            // SAFETY: the load ends at i + 64 <= len.
            let v = dec.values(unsafe { load(input.as_ptr().add(i)) });
            if _mm512_movepi8_mask(v) != 0 {
                break;
            }
            // The alphabet lanes straight into a mask register for the
            // compress, with no round trip through a general register.
            let alpha = _mm512_testn_epi8_mask(v, flags);
            let not_alpha = !alpha;
            if want_lines && not_alpha != 0 {
                // Cut after the last whitespace byte if it ends a line. A
                // branch that leaves the loop, not a select: the next load
                // must not wait for this one.
                let last = 63 - not_alpha.leading_zeros() as usize;
                if input[i + last] == b'\n' {
                    // SAFETY: fill <= BATCH, flushed above otherwise.
                    unsafe { stage.push(v, alpha & first_lanes(last + 1)) };
                    i += last + 1;
                    line_start = true;
                    break;
                }
            }
            // SAFETY: fill <= BATCH, flushed above otherwise.
            unsafe { stage.push(v, alpha) };
            i += 64;
        }
        if !line_start {
            break;
        }
    }
    // The blocks that stopped the loops, up to the first byte to stop at,
    // while the output has room for them.
    while i < len {
        let n = (len - i).min(64);
        let v = dec.values(load_prefix(&input[i..i + n]));
        let stop = _mm512_movepi8_mask(v) | !first_lanes(n);
        let took = if stop == 0 {
            64
        } else {
            stop.trailing_zeros() as usize
        };
        let alpha = !_mm512_test_epi8_mask(v, flags) & first_lanes(took);
        if o + (stage.fill + alpha.count_ones() as usize) / 4 * 3 > cap {
            break;
        }
        if stage.fill > BATCH {
            o += stage.flush(dec, out, o, false);
        }
        // SAFETY: fill <= BATCH.
        unsafe { stage.push(v, alpha) };
        i += took;
        if stop != 0 {
            break;
        }
    }
    o += stage.flush(dec, out, o, true);
    (back_off(input, i, stage.fill), o)
}

/// Where to stop so that the last `extra` alphabet characters before `end`
/// are left for the scalar code: just after the alphabet character before
/// them (or 0). `input[..end]` holds only alphabet characters and whitespace.
fn back_off(input: &[u8], mut end: usize, mut extra: usize) -> usize {
    if extra == 0 {
        return end;
    }
    while extra > 0 {
        end -= 1;
        extra -= usize::from(!is_mime_space(input[end]));
    }
    while end > 0 && is_mime_space(input[end - 1]) {
        end -= 1;
    }
    end
}
