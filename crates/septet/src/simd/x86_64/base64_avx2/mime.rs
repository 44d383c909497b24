//! AVX2 MIME decode: CR, LF, space and tab may sit anywhere.
//!
//! Three paths, from fast to general:
//! - lines of one layout (`lines`): decoded straight from the input;
//! - a 32-byte block of alphabet characters only, arriving while nothing
//!   is pending: decoded straight into the output;
//! - any other block: its sextets are squeezed (whitespace removed) into a
//!   buffer (`squeeze`) that is decoded in whole 32-character blocks.
//!
//! The general path switches to the line path at a line break once the
//! line after it turns out to have a layout the line path takes. When it
//! ends on a block decoded straight, the last whole quads before the next
//! non-alphabet byte go too, in one block moved back (`decode::tail`).

use std::arch::x86_64::*;

use super::decode::{classify, load, pack, store_exact, tail, with_luts, Luts, IN, OUT};
use super::lines::{decode_lines, detect};
use super::splat16;
use super::squeeze::{drain, flush, push, Buf, BUF, FLUSH};
use crate::simd::scalar::base64::is_mime_space;
use crate::simd::B64Alphabet;

/// `SPACES[c & 15] == c` exactly for CR, LF, space and tab among bytes below
/// 0x80 (0xff never matches; the shuffle turns bytes >= 0x80 into 0).
const SPACES: [u8; 16] = {
    let mut t = [0xff; 16];
    t[0] = b' ';
    t[b'\t' as usize] = b'\t';
    t[b'\n' as usize] = b'\n';
    t[b'\r' as usize] = b'\r';
    t
};

/// General-path blocks to wait after a failed try at the line path.
const RETRY_AFTER: u32 = 16;

/// Bulk MIME decode skipping CR, LF, space, tab. See `simd::B64DecodeMimeFn`.
///
/// Stops before the first byte that is neither an alphabet character nor
/// whitespace, at the last whole 32-byte input block, or when `out` is full.
/// Sextets still pending then are given back: `consumed` is moved back to
/// the first character that was not decoded.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn decode_mime(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    with_luts!(alphabet, decode_mime_with(input, out))
}

/// [`decode_mime`] with the tables of its alphabet.
#[target_feature(enable = "avx2")]
fn decode_mime_with<const MIN: bool>(
    input: &[u8],
    out: &mut [u8],
    l: &Luts<MIN>,
) -> (usize, usize) {
    let l = *l;
    let spaces = splat16(SPACES);
    let lf = _mm256_set1_epi8(b'\n' as i8);
    let mut buf: Buf = [0; BUF];
    let mut pending = 0;
    let (mut i, mut o) = match detect(input, &l) {
        Some(layout) => decode_lines(input, out, layout, &l),
        None => (0, 0),
    };
    let mut wait = 0;
    // Whether input[i - 32..i] was a block decoded straight into out[..o].
    let mut direct = false;
    while input.len() - i >= IN {
        // SAFETY: input[i..i + 32] is in bounds (loop condition).
        let chars = unsafe { load(input.as_ptr().add(i)) };
        let (bad, sextets) = classify(chars, &l);
        let alpha = _mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256())) as u32;
        if alpha == u32::MAX && pending == 0 {
            if out.len() - o < OUT {
                break;
            }
            // SAFETY: out[o..o + 24] is in bounds (checked above).
            unsafe { store_exact(out.as_mut_ptr().add(o), pack(sextets)) };
            i += IN;
            o += OUT;
            direct = true;
            continue;
        }
        direct = false;
        let space_bytes = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(spaces, chars), chars);
        let space = _mm256_movemask_epi8(space_bytes) as u32;
        let other = !(alpha | space);
        let lfs = _mm256_movemask_epi8(_mm256_cmpeq_epi8(chars, lf)) as u32;
        let sync = wait == 0 && lfs != 0;
        wait = u32::saturating_sub(wait, 1);
        if other == 0 && !sync {
            // The usual case, kept apart so that the next load's address does
            // not wait for this block's masks.
            pending = push(&mut buf, pending, sextets, alpha);
            i += IN;
        } else {
            // Take the block up to its first byte that is neither, or else
            // up to its last LF, to look for a line layout after it.
            let take = match other {
                0 => 32 - lfs.leading_zeros(),
                _ => other.trailing_zeros(),
            };
            let keep = alpha & (u64::from(u32::MAX) >> (32 - take)) as u32;
            pending = push(&mut buf, pending, sextets, keep);
            i += take as usize;
            if other != 0 {
                break;
            }
            if let Some(layout) = detect(&input[i..], &l) {
                if let Some(w) = drain(&mut buf, pending, &mut out[o..]) {
                    pending = 0;
                    o += w;
                    let (c, w) = decode_lines(&input[i..], &mut out[o..], layout, &l);
                    i += c;
                    o += w;
                    continue;
                }
            }
            wait = RETRY_AFTER;
        }
        if pending >= FLUSH {
            let (rest, w) = flush(&mut buf, pending, &mut out[o..]);
            pending = rest;
            o += w;
            if pending >= IN {
                break; // `out` is full
            }
        }
    }
    if direct && pending == 0 {
        // The last characters before a line break or the end, without
        // whitespace: one block moved back over the block before.
        // SAFETY: AVX2 is enabled here; `direct` says the 32 bytes before i
        // were decoded into the 24 bytes before o.
        let (c, w) = unsafe { tail(input, out, i, o, &l) };
        i += c;
        o += w;
    }
    let (rest, w) = flush(&mut buf, pending, &mut out[o..]);
    o += w;
    // Every byte of input[..i] is a character or whitespace: step back over
    // the characters still pending.
    let mut rest = rest;
    while rest > 0 {
        i -= 1;
        if !is_mime_space(input[i]) {
            rest -= 1;
        }
    }
    (i, o)
}
