//! The MIME decoder's buffer of pending sextets: blocks come in with their
//! whitespace squeezed out, whole 32-sextet blocks go out decoded.
//!
//! The fill level is passed in and returned rather than stored next to the
//! buffer, so that it stays in a register while the buffer is written
//! through pointers.

use std::arch::x86_64::*;

use super::decode::{load, pack, store_exact, store_wide, IN, OUT};

/// Pending sextets are decoded once at least this many have gathered.
pub(super) const FLUSH: usize = 8 * IN;
/// Below `FLUSH` before a push, so a push (at most 32) ends below `FLUSH + 32`.
pub(super) const BUF: usize = FLUSH + IN;

/// The buffer; sextets sit at its start, in input order.
pub(super) type Buf = [u8; BUF];

/// Compaction shuffles as two 8-byte halves: half 0 of entry `m` gathers the
/// bytes selected by the bits of `m` from an 8-byte chunk to its front; half
/// 1 does the same for the chunk in bytes 8..16 of a 16-byte vector.
static COMPACT: [[u64; 2]; 256] = {
    let mut t = [[0; 2]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut low, mut high) = ([0x80u8; 8], [0x80u8; 8]);
        let (mut bit, mut n) = (0, 0);
        while bit < 8 {
            if m & (1 << bit) != 0 {
                low[n] = bit as u8;
                high[n] = bit as u8 + 8;
                n += 1;
            }
            bit += 1;
        }
        t[m] = [u64::from_le_bytes(low), u64::from_le_bytes(high)];
        m += 1;
    }
    t
};

/// Set bits per byte value (the `popcnt` instruction is not part of AVX2).
static COUNT: [u8; 256] = {
    let mut t = [0; 256];
    let mut m = 0;
    while m < 256 {
        t[m] = (m as u32).count_ones() as u8;
        m += 1;
    }
    t
};

/// Appends the sextets of the bytes selected by `keep` to the `len` pending
/// ones; returns the new count. Requires `len < FLUSH`.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn push(buf: &mut Buf, len: usize, sextets: __m256i, keep: u32) -> usize {
    assert!(len < FLUSH);
    let at = buf.as_mut_ptr();
    if keep == u32::MAX {
        // SAFETY: len + 32 < FLUSH + 32 = BUF.
        unsafe { _mm256_storeu_si256(at.add(len).cast(), sextets) };
        return len + IN;
    }
    let m = keep.to_le_bytes().map(usize::from);
    let shuffle_lo = _mm_set_epi64x(COMPACT[m[1]][1] as i64, COMPACT[m[0]][0] as i64);
    let shuffle_hi = _mm_set_epi64x(COMPACT[m[3]][1] as i64, COMPACT[m[2]][0] as i64);
    let lo = _mm_shuffle_epi8(_mm256_castsi256_si128(sextets), shuffle_lo);
    let hi = _mm_shuffle_epi8(_mm256_extracti128_si256::<1>(sextets), shuffle_hi);
    let chunks = [
        lo,
        _mm_unpackhi_epi64(lo, lo),
        hi,
        _mm_unpackhi_epi64(hi, hi),
    ];
    let mut len = len;
    for (chunk, m) in chunks.into_iter().zip(m) {
        // SAFETY: the four 8-byte stores advance by at most 8 each, so the
        // last ends at len + 32 at most, inside the buffer.
        unsafe { _mm_storel_epi64(at.add(len).cast(), chunk) };
        len += usize::from(COUNT[m]);
    }
    len
}

/// Decodes as many whole 32-sextet blocks of the `len` pending ones as `out`
/// has room for and moves the rest to the front. Returns the new count and
/// the bytes written.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn flush(buf: &mut Buf, len: usize, out: &mut [u8]) -> (usize, usize) {
    let len = len.min(BUF);
    let blocks = (len / IN).min(out.len() / OUT);
    let (src, dst) = (buf.as_ptr(), out.as_mut_ptr());
    for j in 0..blocks {
        // SAFETY: 32 * (j + 1) <= len <= BUF.
        let bytes = pack(unsafe { load(src.add(IN * j)) });
        // SAFETY: 24 * (j + 1) <= out.len(); a wide store (not the last
        // block) ends at 24 * j + 28 <= 24 * (j + 2), inside the next
        // block's output, which overwrites its tail.
        unsafe {
            if j + 1 < blocks {
                store_wide(dst.add(OUT * j), bytes);
            } else {
                store_exact(dst.add(OUT * j), bytes);
            }
        }
    }
    buf.copy_within(IN * blocks..len, 0);
    (len - IN * blocks, OUT * blocks)
}

/// Decodes all `len` pending sextets, which must be whole quads, if `out`
/// has room for them. Returns the bytes written.
#[target_feature(enable = "avx2")]
pub(super) fn drain(buf: &mut Buf, len: usize, out: &mut [u8]) -> Option<usize> {
    let need = len / 4 * 3;
    if !len.is_multiple_of(4) || out.len() < need {
        return None;
    }
    let (rest, written) = flush(buf, len, out);
    if rest > 0 {
        // The first `rest` sextets are real, the others stale but harmless.
        // SAFETY: 32 <= BUF.
        let bytes = pack(unsafe { load(buf.as_ptr()) });
        let mut tmp = [0u8; IN];
        // SAFETY: tmp holds 32 bytes, the wide store writes 28.
        unsafe { store_wide(tmp.as_mut_ptr(), bytes) };
        out[written..need].copy_from_slice(&tmp[..rest / 4 * 3]);
    }
    Some(need)
}
