//! Writing a planned encode walk (see `encode`): whole-vector stores, in
//! output order, so that each store's tail past the output is overwritten
//! by the next one (the last one's by the caller's later output).

use std::arch::x86_64::*;

use super::encode::{splat, Consts, Step, READ, WIN};
use super::plan::{Block, Plan};
use crate::simd::scalar::qp::HEX_UPPER;

/// The furthest a walk's stores reach past its output start: a group ends
/// by `end(59) + 3 * 3 + 16 <= 205`, a sparse copy by `64 + 9 + 12 + 64`.
pub(super) const REACH: usize = 208;

/// Shuffle control for one 4-token group: row
/// `(skip * 5 + split) * 16 + escaped`, where bit `j` of `escaped` says
/// token `j` is written `=XY`, `split` (0..=3, 4 = none) is the token a
/// soft break goes before, and the first `skip` tokens are left out. The
/// source holds `x0-3, hi0-3, lo0-3, '=', CR, LF` (`x` the byte, or `=`
/// if escaped).
static GROUP_CTRL: [[u8; 16]; 320] = group_ctrl();

const fn group_ctrl() -> [[u8; 16]; 320] {
    let mut t = [[0x80u8; 16]; 320];
    let mut r = 0;
    while r < 320 {
        let (skip, split, esc) = (r / 80, r / 16 % 5, r % 16);
        let mut o = 0;
        let mut j = skip;
        while j < 4 {
            if j == split {
                t[r][o] = 12;
                t[r][o + 1] = 13;
                t[r][o + 2] = 14;
                o += 3;
            }
            t[r][o] = j as u8;
            o += 1;
            if esc >> j & 1 == 1 {
                t[r][o] = 4 + j as u8;
                t[r][o + 1] = 8 + j as u8;
                o += 2;
            }
            j += 1;
        }
        r += 1;
    }
    t
}

/// Escaped tokens a plan may hold for [`sparse`]: past that, [`groups`].
pub(super) const SPARSE_MAX: u32 = 6;

/// Writes a plan with at most [`SPARSE_MAX`] escaped tokens: the block from
/// token `from` on, then at each soft break or escaped token the break or
/// the escape and the block again from the token after it.
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
#[inline]
pub(super) fn sparse(win: &[u8], from: usize, b: &Block, dst: &mut [u8], p: &Plan) -> Step {
    assert!(win.len() >= READ && dst.len() >= REACH && from < WIN);
    let escs = b.esc_m & !_bzhi_u64(u64::MAX, from as u32) & _bzhi_u64(u64::MAX, p.take as u32);
    debug_assert!(escs.count_ones() <= SPARSE_MAX);
    let last_end = b.start(p.take);
    let first_start = b.start(from);
    if p.take <= from {
        return p.step(last_end, first_start, 0);
    }
    let (src, out) = (win.as_ptr(), dst.as_mut_ptr());
    // SAFETY: the loads end by from + 64 <= READ, the stores by 64 <= REACH.
    unsafe {
        let a = _mm256_loadu_si256(src.add(from).cast());
        let b = _mm256_loadu_si256(src.add(from + 32).cast());
        _mm256_storeu_si256(out.cast(), a);
        _mm256_storeu_si256(out.add(32).cast(), b);
    }
    let mut reach = WIN;
    let mut events = p.softs | escs;
    // Output added so far by breaks (3 each) and escapes (2 each).
    let mut shift = 0;
    while events != 0 {
        let at = events.trailing_zeros() as usize;
        events &= events - 1;
        let mut to = at - from + shift;
        let mut next = at;
        // Each 4-byte write's last byte is overwritten by the copy after it.
        // With from <= at <= 63, at most 3 breaks and SPARSE_MAX escapes,
        // the 4-byte writes end by 63 + 9 + 12 + 4.
        // SAFETY: so every write is below REACH; the copy reads
        // `win[next..next + 64]` (next <= 64, READ = 128) and writes up to
        // 64 + 9 + 12 + 64 < REACH.
        unsafe {
            if p.softs >> at & 1 == 1 {
                out.add(to)
                    .cast::<u32>()
                    .write_unaligned(u32::from_le_bytes(*b"=\r\n\0"));
                to += 3;
                shift += 3;
            }
            if escs >> at & 1 == 1 {
                let c = win[at];
                let hex = [
                    b'=',
                    HEX_UPPER[(c >> 4) as usize],
                    HEX_UPPER[(c & 15) as usize],
                    0,
                ];
                out.add(to)
                    .cast::<u32>()
                    .write_unaligned(u32::from_le_bytes(hex));
                to += 3;
                shift += 2;
                next = at + 1;
            }
            let a = _mm256_loadu_si256(src.add(next).cast());
            let b = _mm256_loadu_si256(src.add(next + 32).cast());
            _mm256_storeu_si256(out.add(to).cast(), a);
            _mm256_storeu_si256(out.add(to + 32).cast(), b);
        }
        reach = to + WIN;
    }
    p.step(last_end, first_start, reach)
}

/// Writes a plan with escaped tokens: the block as sixteen 4-token groups,
/// each expanded by one byte shuffle and stored at its first token's output
/// offset. Groups outside the plan go to `scratch`.
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
#[inline]
pub(super) fn groups(
    win: &[u8],
    from: usize,
    b: &Block,
    dst: &mut [u8],
    p: &Plan,
    c: &Consts,
    scratch: &mut [u8; 16],
) -> Step {
    assert!(win.len() >= WIN && dst.len() >= REACH && from < p.take);
    let nibble = splat(0x0f);
    // Vector 4h + q holds group 8h + q in its low lane, 8h + q + 4 in its high.
    let mut src = [_mm256_setzero_si256(); 8];
    for h in 0..2 {
        // SAFETY: `win` holds at least 64 bytes.
        let v = unsafe { _mm256_loadu_si256(win.as_ptr().add(32 * h).cast()) };
        let x = _mm256_blendv_epi8(v, splat(b'='), b.esc[h]);
        let hi = _mm256_shuffle_epi8(c.hex, _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble));
        let lo = _mm256_shuffle_epi8(c.hex, _mm256_and_si256(v, nibble));
        let xh_lo = _mm256_unpacklo_epi32(x, hi);
        let lb_lo = _mm256_unpacklo_epi32(lo, c.brk);
        let xh_hi = _mm256_unpackhi_epi32(x, hi);
        let lb_hi = _mm256_unpackhi_epi32(lo, c.brk);
        src[4 * h] = _mm256_unpacklo_epi64(xh_lo, lb_lo);
        src[4 * h + 1] = _mm256_unpackhi_epi64(xh_lo, lb_lo);
        src[4 * h + 2] = _mm256_unpacklo_epi64(xh_hi, lb_hi);
        src[4 * h + 3] = _mm256_unpackhi_epi64(xh_hi, lb_hi);
    }

    // Output offset of each group: where its first token starts, plus 3
    // per soft break before it, from the walk's output start.
    let out_start = b.start(from);
    let mut at = b.group_starts();
    let group_first = _mm_setr_epi8(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60);
    // At most 3 breaks: a fixed number of rounds, no branch to mispredict
    // (a missing break is token 64, after every group).
    let mut softs = p.softs;
    for _ in 0..3 {
        let s = softs.trailing_zeros() as i8;
        softs &= softs.wrapping_sub(1);
        let after = _mm_cmpgt_epi8(group_first, _mm_set1_epi8(s));
        at = _mm_add_epi8(at, _mm_and_si128(after, _mm_set1_epi8(3)));
    }
    at = _mm_subs_epu8(at, _mm_set1_epi8(out_start as u8 as i8));
    let mut offset = [0u8; 16];
    // SAFETY: `offset` is 16 bytes.
    unsafe { _mm_storeu_si128(offset.as_mut_ptr().cast(), at) };

    // Control rows, as byte offsets into GROUP_CTRL: by default no skip
    // and no split (row 16 * 4 + escaped).
    let esc = _mm_cvtsi64_si128(b.esc_m as i64);
    let nibbles = _mm_unpacklo_epi8(
        _mm_and_si128(esc, _mm_set1_epi8(0x0f)),
        _mm_and_si128(_mm_srli_epi16::<4>(esc), _mm_set1_epi8(0x0f)),
    );
    let rows_v = _mm256_slli_epi16::<4>(_mm256_add_epi16(
        _mm256_cvtepu8_epi16(nibbles),
        _mm256_set1_epi16(64),
    ));
    // Slot 16 takes the patches of missing breaks.
    let mut row = [0u16; 17];
    // SAFETY: `row` holds 32 bytes and more.
    unsafe { _mm256_storeu_si256(row.as_mut_ptr().cast(), rows_v) };
    let (first, last) = (from / 4, (p.take - 1) / 4);
    row[first] += 16 * 80 * (from % 4) as u16;
    let mut softs = p.softs;
    for _ in 0..3 {
        let s = softs.trailing_zeros() as usize;
        softs &= softs.wrapping_sub(1);
        row[s / 4] = row[s / 4].wrapping_sub(16 * 16 * (4 - s % 4) as u16);
    }

    let table = GROUP_CTRL.as_ptr().cast::<u8>();
    let ctrl = |g: usize| {
        debug_assert!(usize::from(row[g]) < 16 * 320);
        // SAFETY: rows are below 320 (skip < 4, split <= 4, escaped < 16).
        unsafe { table.add(usize::from(row[g])) }
    };
    let base = dst.as_mut_ptr();
    let sink = scratch.as_mut_ptr();
    // Whole blocks (the common case) store every group where it belongs.
    let whole = first == 0 && last == 15;
    let span = last - first;
    for h in 0..2 {
        let mut halves = [_mm_setzero_si128(); 8];
        for q in 0..4 {
            let (g_lo, g_hi) = (8 * h + q, 8 * h + q + 4);
            // SAFETY: `ctrl` points at 16-byte rows of GROUP_CTRL.
            let c = unsafe { _mm256_loadu2_m128i(ctrl(g_hi).cast(), ctrl(g_lo).cast()) };
            let r = _mm256_shuffle_epi8(src[4 * h + q], c);
            halves[q] = _mm256_castsi256_si128(r);
            halves[q + 4] = _mm256_extracti128_si256::<1>(r);
        }
        // In group order: each store's tail is overwritten by the next one.
        for (i, &half) in halves.iter().enumerate() {
            let g = 8 * h + i;
            let at = usize::from(offset[g]);
            debug_assert!(at + 16 <= REACH);
            // SAFETY: planned groups start below REACH - 16 (see REACH),
            // and `dst` holds REACH bytes.
            let mut to = unsafe { base.add(at) };
            if !whole && g.wrapping_sub(first) > span {
                to = sink;
            }
            // SAFETY: `to` points at 16 writable bytes.
            unsafe { _mm_storeu_si128(to.cast(), half) };
        }
    }
    p.step(b.start(p.take), out_start, usize::from(offset[last]) + 16)
}
