//! NEON quoted-printable encode. See `simd::QpEncodeFn` for the contract
//! and the module docs for the shape.

use core::arch::aarch64::*;

use super::{blanks, lane_bits, leading_set, printable, LANES};
use crate::simd::scalar::qp::{
    encode_token, write_escape, EncodeFlags, BLANK, CLASS, CR, ESCAPE, HEX_UPPER, LOOKAHEAD, SAFE,
    SOFT_MAX,
};

/// Bulk quoted-printable encode. See `simd::QpEncodeFn`.
///
/// # Safety
/// The CPU must support NEON.
#[target_feature(enable = "neon")]
pub(crate) unsafe fn encode(
    input: &[u8],
    out: &mut [u8],
    col: usize,
    flags: EncodeFlags,
) -> (usize, usize, usize) {
    let end = input.len().saturating_sub(LOOKAHEAD);
    let mut col = col;
    let (mut pos, mut w) = (0, 0);
    while pos < end {
        let b = input[pos];
        let class = CLASS[b as usize];
        // The `.` and `From ` guards apply at column 0 only: the reference decides.
        let guard_col = col == 0 && (b == b'.' || b == b'F');
        if (class == SAFE || class == BLANK) && !guard_col {
            let budget = SOFT_MAX.saturating_sub(col);
            let n = literal_run(input, pos, end, &mut out[w..], budget);
            if n > 0 {
                pos += n;
                w += n;
                col += n;
                continue;
            }
        }
        let escape = class == ESCAPE || (class >= CR && !flags.text());
        if escape && col + 3 <= SOFT_MAX && out.len() - w >= 3 {
            let most = ((SOFT_MAX - col) / 3).min((out.len() - w) / 3);
            let n = escape_run(&input[pos..end], &mut out[w..], most, flags.text());
            pos += n;
            w += 3 * n;
            col += 3 * n;
            continue;
        }
        if b == b'\r' && pos + 1 == end {
            // A CRLF here would reach into the last LOOKAHEAD bytes.
            break;
        }
        match encode_token(input, pos, false, &mut col, flags, &mut out[w..]) {
            Some((c, n)) => {
                pos += c;
                w += n;
            }
            None => break,
        }
    }
    (pos, w, col)
}

/// Copies the longest run at `input[pos..]` of printable bytes (33..=126
/// but `=`) and of blanks followed by a printable byte, ending before
/// `end`, within `budget` columns and what fits in `out`; returns its
/// length. Every byte lands before column 75 and every blank has its
/// printable byte after it on the same line, so the reference writes all of
/// them literally (the caller keeps `.`/`F` at column 0 out).
#[target_feature(enable = "neon")]
#[inline]
fn literal_run(input: &[u8], pos: usize, end: usize, out: &mut [u8], budget: usize) -> usize {
    let limit = budget.min(end - pos).min(out.len());
    let mut i = 0;
    // A step classifies 16 bytes and needs the byte after them (a blank is
    // literal only with a printable byte after it); the loads may reach
    // into the lookahead bytes, which are classified but never taken.
    while i < limit && pos + i + LANES < input.len() {
        let at = pos + i;
        // SAFETY: input[at..at + 17] is in bounds (loop condition).
        let (v, next) = unsafe {
            (
                vld1q_u8(input.as_ptr().add(at)),
                vld1q_u8(input.as_ptr().add(at + 1)),
            )
        };
        let eq = vceqq_u8(v, vdupq_n_u8(b'='));
        let safe = vbicq_u8(printable(v), eq);
        let next_safe = vbicq_u8(printable(next), vceqq_u8(next, vdupq_n_u8(b'=')));
        let blank = blanks(v);
        let literal = lane_bits(vorrq_u8(safe, vandq_u8(blank, next_safe)));
        // Strictly below the limit: a blank in lane 15 needs its byte in budget.
        if literal == u64::MAX && i + LANES < limit {
            // SAFETY: out[i..i + 16] is in bounds (i + 16 < limit <= out.len()).
            unsafe { vst1q_u8(out.as_mut_ptr().add(i), v) };
            i += LANES;
            continue;
        }
        // A run that ends inside the step never ends on a blank (its
        // printable byte is literal too); one cut by the limit may, and
        // that blank's byte would land beyond the budget: not taken.
        let mut k = leading_set(literal).min(limit - i);
        if k > 0 && matches!(input[at + k - 1], b' ' | b'\t') {
            k -= 1;
        }
        out[i..i + k].copy_from_slice(&input[at..at + k]);
        return i + k;
    }
    // The last few bytes before the limit, one (or a blank and its byte) at a time.
    let input = &input[pos..pos + limit];
    while let Some(&c) = input.get(i) {
        match CLASS[c as usize] {
            SAFE => {
                out[i] = c;
                i += 1;
            }
            BLANK if i + 1 < limit && CLASS[input[i + 1] as usize] == SAFE => {
                out[i] = c;
                out[i + 1] = input[i + 1];
                i += 2;
            }
            _ => break,
        }
    }
    i
}

/// Writes `=XY` for the leading bytes of `input` that are always escaped
/// (in binary mode, CR and LF too), at most `most` of them; returns how
/// many. `out` holds at least `3 * most` bytes; `most >= 1` and
/// `input[0]` is such a byte.
#[target_feature(enable = "neon")]
#[inline]
fn escape_run(input: &[u8], out: &mut [u8], most: usize, text: bool) -> usize {
    let mut n = 0;
    // SAFETY: HEX_UPPER is 16 bytes.
    let hex = unsafe { vld1q_u8(HEX_UPPER.as_ptr()) };
    while n + LANES <= input.len() && n < most {
        // SAFETY: input[n..n + 16] is in bounds (loop condition).
        let v = unsafe { vld1q_u8(input.as_ptr().add(n)) };
        let k = leading_set(lane_bits(escaped(v, text))).min(most - n);
        if k == 0 {
            return n;
        }
        let digits = uint8x16x3_t(
            vdupq_n_u8(b'='),
            vqtbl1q_u8(hex, vshrq_n_u8::<4>(v)),
            vqtbl1q_u8(hex, vandq_u8(v, vdupq_n_u8(15))),
        );
        if k == LANES {
            // SAFETY: out[3n..3n + 48] is in bounds: n + 16 <= most and
            // out holds 3 * most bytes.
            unsafe { vst3q_u8(out.as_mut_ptr().add(3 * n), digits) };
        } else {
            let mut tmp = [0u8; 3 * LANES];
            // SAFETY: tmp holds the 48 bytes the store writes.
            unsafe { vst3q_u8(tmp.as_mut_ptr(), digits) };
            out[3 * n..3 * (n + k)].copy_from_slice(&tmp[..3 * k]);
            return n + k;
        }
        n += LANES;
    }
    while n < most && n < input.len() {
        let b = input[n];
        let class = CLASS[b as usize];
        if !(class == ESCAPE || (class >= CR && !text)) {
            break;
        }
        write_escape(b, &mut out[3 * n..]);
        n += 1;
    }
    n
}

/// Lanes of bytes the encoder always escapes: `=`, controls but tab, CR
/// and LF (those two too in binary mode), and 127..=255.
#[target_feature(enable = "neon")]
#[inline]
fn escaped(v: uint8x16_t, text: bool) -> uint8x16_t {
    let eq = vceqq_u8(v, vdupq_n_u8(b'='));
    let mut literal = vorrq_u8(vbicq_u8(printable(v), eq), blanks(v));
    if text {
        let breaks = vorrq_u8(
            vceqq_u8(v, vdupq_n_u8(b'\r')),
            vceqq_u8(v, vdupq_n_u8(b'\n')),
        );
        literal = vorrq_u8(literal, breaks);
    }
    vmvnq_u8(literal)
}
