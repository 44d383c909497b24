//! The AVX-512 quoted-printable decoder (see `simd::QpDecodeFn` for the
//! contract).
//!
//! Per 64-byte window, compares find `=`, CR, LF and blanks, and a
//! `vpermi2b` through a 128-entry table gives every byte's hex value (or
//! "not a digit"; upper-case digits only in strict mode). An `=` followed
//! by two digits is an escape; one followed by CRLF or LF is a soft break,
//! removed (the decoder is idle after it). A blank is copied if its run of
//! blanks ends in a byte other than CR or LF (a carry-free prefix scan
//! along the run). The first byte the window cannot take ends the call;
//! everything before it is squeezed by `vpcompressb` (escapes become their
//! byte, digits and soft breaks vanish).
//!
//! - [`stream`] (the bulk, both modes): windows at a fixed stride, each
//!   classified once; "the byte after" comes from the next window's masks,
//!   and an escape's byte is put in the lane of its second digit, which may
//!   be in the next window. No load waits for a previous window's outcome.
//!   In strict mode line breaks are taken too, the column is carried from
//!   window to window, and what strict decoding rejects is one more mask to
//!   stop before.
//! - [`window`] (the last bytes): loads at offsets 0, 1 and 2 so that the
//!   bytes after are plain lanes, all masked to the input. In strict mode it
//!   takes no soft or line breaks and sees the rest of the line only.

use std::arch::x86_64::*;

use super::{below, blanks, eq, load_prefix, printable, store_lanes, Table};
use crate::simd::scalar::qp::{HEX_VALUE, LINE_MAX};

/// Hex digit values for `vpermi2b` (the low 7 bits of a byte), `0x80` for
/// anything else.
const fn hex_table(lower: bool) -> [Table<64>; 2] {
    let mut t = [0x80u8; 128];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'A' as usize + i] = 10 + i as u8;
        if lower {
            t[b'a' as usize + i] = 10 + i as u8;
        }
        i += 1;
    }
    let (mut lo, mut hi) = ([0; 64], [0; 64]);
    let mut i = 0;
    while i < 64 {
        lo[i] = t[i];
        hi[i] = t[64 + i];
        i += 1;
    }
    [Table(lo), Table(hi)]
}

static HEX_ANY_CASE: [Table<64>; 2] = hex_table(true);
static HEX_UPPER_CASE: [Table<64>; 2] = hex_table(false);

/// The decoder's constant vectors.
#[derive(Clone, Copy)]
struct Consts {
    hex_lo: __m512i,
    hex_hi: __m512i,
}

impl Consts {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn new(strict: bool) -> Self {
        let t = if strict {
            &HEX_UPPER_CASE
        } else {
            &HEX_ANY_CASE
        };
        Consts {
            hex_lo: super::table(&t[0]),
            hex_hi: super::table(&t[1]),
        }
    }

    /// Each byte's hex value (garbage where it is not a digit) and the mask
    /// of the digits.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn hex(self, v: __m512i) -> (__m512i, u64) {
        let t = _mm512_permutex2var_epi8(self.hex_lo, v, self.hex_hi);
        // Bit 7 is set for non-digits in the table and for bytes >= 0x80,
        // which the 128-entry table sees modulo 128.
        (t, !_mm512_movepi8_mask(_mm512_or_si512(t, v)))
    }
}

/// Bulk quoted-printable decode. See `simd::QpDecodeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
pub(crate) unsafe fn decode(input: &[u8], out: &mut [u8], strict: bool) -> (usize, usize) {
    let k = Consts::new(strict);
    let (mut pos, mut w, col, more) = if strict {
        stream::<true>(k, input, out)
    } else {
        stream::<false>(k, input, out)
    };
    if !more {
        return (pos, w);
    }
    // Strict mode: `window` stops at line ends, so the rest of the current
    // line is all it may see.
    let end = if strict {
        input.len().min(pos + LINE_MAX.saturating_sub(col))
    } else {
        input.len()
    };
    while pos < end {
        let (c, n, more) = window(k, &input[pos..end], &mut out[w..], strict);
        pos += c;
        w += n;
        if !more || c == 0 {
            break;
        }
    }
    (pos, w)
}

/// The classes of the 64 bytes of one window.
#[derive(Clone, Copy)]
struct Window {
    bytes: __m512i,
    /// Each byte's hex value (junk where it is not a digit).
    hex: __m512i,
    digit: u64,
    eq: u64,
    cr: u64,
    lf: u64,
    blank: u64,
    /// Strict mode: printable ASCII (33..=126); lenient: unused.
    printable: u64,
}

impl Consts {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn classify<const STRICT: bool>(self, v: __m512i) -> Window {
        let (hex, digit) = self.hex(v);
        Window {
            bytes: v,
            hex,
            digit,
            eq: eq(v, b'='),
            cr: eq(v, b'\r'),
            lf: eq(v, b'\n'),
            blank: blanks(v),
            printable: if STRICT { printable(v) } else { 0 },
        }
    }
}

/// `vpermt2b` indices of the bytes one lane down: lane 0 takes lane 63 of
/// the second table (the previous window).
static PREVIOUS: Table<64> = {
    let mut t = [127; 64];
    let mut i = 1;
    while i < 64 {
        t[i] = i as u8 - 1;
        i += 1;
    }
    Table(t)
};

/// The fast path: whole windows at a fixed stride of 64 while the window
/// after the current one is inside `input`, so that "the byte after" comes
/// from the next window's masks and no load waits for the previous
/// window's outcome. An escape's value goes to the lane of its second
/// digit, which may be in the next window (hence the carried masks).
///
/// Strict mode runs the same loop: what strict decoding rejects (lower-case
/// digits, by the upper-case table; bytes that must be encoded; a counted
/// byte at column [`LINE_MAX`] or beyond, columns counting from the start
/// of `input`) is one more reason to stop, at the start of the item
/// holding it, so the state machine reports it.
/// Returns `(consumed, written, column, more)`: `column` is that of
/// `input[consumed]` (strict mode), `more` as for [`window`].
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn stream<const STRICT: bool>(
    k: Consts,
    input: &[u8],
    out: &mut [u8],
) -> (usize, usize, usize, bool) {
    let len = input.len();
    if len < 128 || out.len() < len {
        return (0, 0, 0, true);
    }
    let previous = super::table(&PREVIOUS);
    let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
    // SAFETY: callers pass `at + 64 <= len`.
    let load = |at: usize| unsafe { _mm512_loadu_si512(src.add(at).cast()) };
    let (mut pos, mut w, mut col) = (0, 0, 0);
    let mut cur = k.classify::<STRICT>(load(0));
    let mut prev_hex = _mm512_setzero_si512();
    // Lanes of the current window holding the rest of an escape or soft
    // break that starts in the previous one.
    let (mut carry_drop, mut carry_value) = (0u64, 0u64);
    // Strict: the last byte taken is the CR of a CRLF (`window` would stop
    // at its LF, leaving the CR pending).
    let mut cr_last = false;
    while pos + 128 <= len {
        let next = k.classify::<STRICT>(load(pos + 64));
        // Bit j: the byte `d` after byte j.
        let ahead = |m: u64, n: u64, d: u32| ((u128::from(n) << 64 | u128::from(m)) >> d) as u64;
        let digit1 = ahead(cur.digit, next.digit, 1);
        let digit2 = ahead(cur.digit, next.digit, 2);
        let (cr1, lf1) = (ahead(cur.cr, next.cr, 1), ahead(cur.lf, next.lf, 1));
        let lf2 = ahead(cur.lf, next.lf, 2);
        let blank1 = ahead(cur.blank, next.blank, 1);

        let esc = cur.eq & digit1 & digit2;
        let (soft3, soft2) = (cur.eq & cr1 & lf2, cur.eq & lf1);
        // Strict: the column of the byte after the window.
        let col_next = if cur.lf != 0 {
            cur.lf.leading_zeros() as usize
        } else {
            col + 64
        };
        let mut kept_blank = cur.blank & !(blank1 | cr1 | lf1);
        if cur.blank != kept_blank {
            if (cur.blank & blank1) >> 63 != 0 {
                // A run going on into the next window: kept if it ends there,
                // before data (strict: data before column LINE_MAX, so that
                // the rest of the line `decode` gives `window` holds it).
                let end = (!next.blank).trailing_zeros();
                if end < 64
                    && (next.cr | next.lf) >> end & 1 == 0
                    && (!STRICT || col_next + (end as usize) < LINE_MAX)
                {
                    kept_blank |= 1 << 63;
                }
            }
            kept_blank = prefix_through(kept_blank, cur.blank & blank1);
        }
        let mut stop = (cur.eq & !(esc | soft3 | soft2)) | (cur.blank & !kept_blank);
        let mut line_cr = 0;
        if STRICT {
            line_cr = cur.cr & lf1;
            stop |= !(cur.printable | cur.blank | cur.lf | line_cr);
            // Counted bytes at column LINE_MAX or beyond: only the line the
            // window starts in can get there (a window is shorter than a
            // line), and an escape going on into the next window.
            let first = below(cur.lf.trailing_zeros() as usize);
            let long = first & !(below(LINE_MAX.saturating_sub(col)) | line_cr);
            let crossing = esc >> 62 & 1 == 1 && col_next >= LINE_MAX
                || esc >> 63 == 1 && col_next + 1 >= LINE_MAX;
            if long != 0 || crossing {
                stop |= long_item(long, esc, cur.blank);
            }
        }
        let s = stop.trailing_zeros() as usize;
        let before = below(s);
        let (esc, soft3) = (esc & before, soft3 & before);
        // An item's `=` and the byte after it are dropped (an escape's
        // byte goes to the lane of its second digit), and the LF of `=` CRLF.
        let item = esc | soft3 | (soft2 & before);
        let dropped = item | item << 1 | soft3 << 2;
        let keep = before & !(dropped | carry_drop);

        let hex_prev = _mm512_permutex2var_epi8(cur.hex, previous, prev_hex);
        let value = hex_value(hex_prev, cur.hex);
        let bytes = _mm512_mask_blend_epi8(esc << 2 | carry_value, cur.bytes, value);
        let n = keep.count_ones() as usize;
        // SAFETY: every byte written comes from a byte consumed, so
        // `w + n <= pos + 64 <= len <= out.len()`.
        unsafe {
            let packed = _mm512_maskz_compress_epi8(keep, bytes);
            _mm512_mask_storeu_epi8(dst.add(w).cast(), below(n), packed);
        }
        w += n;
        if s < 64 {
            // (No column: the caller stops here.)
            return (pos + s, w, 0, false);
        }
        carry_drop = item >> 63 | soft3 >> 62;
        carry_value = esc >> 62;
        cr_last = (line_cr & keep) >> 63 == 1;
        prev_hex = cur.hex;
        cur = next;
        col = col_next;
        pos += 64;
    }
    // Finish the item carried into the window at `pos`.
    if carry_value != 0 {
        let second = pos + carry_value.trailing_zeros() as usize;
        out[w] = (HEX_VALUE[input[second - 1] as usize] << 4) | HEX_VALUE[input[second] as usize];
        w += 1;
    }
    let tail = 64 - (carry_drop | carry_value).leading_zeros() as usize;
    if cr_last {
        out[w] = b'\n';
        return (pos + 1, w + 1, 0, true);
    }
    // A soft break's line break ends the line.
    let col = if carry_value == 0 && carry_drop != 0 {
        0
    } else {
        col + tail
    };
    (pos + tail, w, col, true)
}

/// Strict mode: the stop for the first counted byte at column `LINE_MAX`
/// or beyond (`long`, lanes of the window), or for an escape that goes on
/// into the next window there: the start of the item holding it (an
/// escape's `=`, a run of blanks' first blank).
#[cold]
fn long_item(long: u64, esc: u64, blank: u64) -> u64 {
    let v = long.trailing_zeros();
    if v == 64 {
        // Only a crossing escape (the first, if two start in lanes 62, 63).
        return 1 << ((esc >> 62).trailing_zeros().min(1) + 62);
    }
    if v >= 1 && esc >> (v - 1) & 1 == 1 {
        return 1 << (v - 1);
    }
    if v >= 2 && esc >> (v - 2) & 1 == 1 {
        return 1 << (v - 2);
    }
    if blank >> v & 1 == 1 {
        // Lanes `start..=v` are blanks. (A run from the previous window
        // was kept only if it ended before column LINE_MAX.)
        let data = !blank & ((1u64 << v) - 1);
        let start = 64 - data.leading_zeros();
        return 1 << start;
    }
    1 << v
}

/// The byte of each escape, in the lane of its second digit: `(hi << 4) |
/// lo` of hex values one lane apart.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn hex_value(hi: __m512i, lo: __m512i) -> __m512i {
    // (hi << 4 & 0xf0) | lo: the 16-bit shift carries junk of non-digit
    // lanes into the low nibble of the next lane, which the mask clears.
    let shifted = _mm512_slli_epi16::<4>(hi);
    _mm512_ternarylogic_epi32::<0xea>(shifted, _mm512_set1_epi8(0xf0u8 as i8), lo)
}

/// Decodes a prefix of the first 64 bytes of `rest` (and up to 2 more for
/// an escape or soft break starting in them) into `out`. Returns
/// `(consumed, written, more)`; `more` is false if the prefix ends before a
/// byte the kernel must leave to the state machine.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn window(k: Consts, rest: &[u8], out: &mut [u8], strict: bool) -> (usize, usize, bool) {
    let v0 = load_prefix(rest);
    let v1 = load_prefix(rest.get(1..).unwrap_or_default());
    let v2 = load_prefix(rest.get(2..).unwrap_or_default());
    let exists = below(rest.len());

    let eqs = eq(v0, b'=');
    let (h1, d1) = k.hex(v1);
    let (h2, d2) = k.hex(v2);
    let esc = eqs & d1 & d2;
    let (cr1, lf1, lf2) = (eq(v1, b'\r'), eq(v1, b'\n'), eq(v2, b'\n'));
    // Soft breaks: `=` CRLF (three bytes) and `=` LF (two).
    let (soft3, soft2) = if strict {
        (0, 0)
    } else {
        (eqs & cr1 & lf2, eqs & lf1)
    };

    // Blanks followed by a run of blanks and then data.
    let blank = blanks(v0);
    let blank1 = blanks(v1);
    let data1 = below(rest.len().saturating_sub(1)) & !(blank1 | cr1 | lf1);
    let mut kept_blank = blank & data1;
    let mut undecided = 0;
    if blank & !kept_blank != 0 {
        kept_blank = prefix_through(kept_blank, blank & blank1);
        if blank1 >> 63 & blank >> 63 != 0 {
            // A run past the window: the next window decides.
            undecided = blank & !below(64 - (!blank).leading_zeros() as usize);
        }
    }

    let mut stop = (eqs & !(esc | soft3 | soft2)) | (blank & !kept_blank) | !exists;
    if strict {
        stop |= !(printable(v0) | blank);
    }
    let s = stop.trailing_zeros() as usize;
    let before = below(s);
    let (esc, soft3, soft2) = (esc & before, soft3 & before, soft2 & before);
    let three = esc | soft3;
    let dropped = soft3 | soft2 | three << 1 | three << 2 | soft2 << 1;
    let keep = before & !dropped;

    // Past the window only the last escape or soft break may reach.
    let tails = u128::from(three) << 2 | u128::from(soft2) << 1;
    let consumed = s.max(128 - tails.leading_zeros() as usize);

    let value = hex_value(h1, h2);
    let bytes = _mm512_mask_blend_epi8(esc, v0, value);
    let packed = _mm512_maskz_compress_epi8(keep, bytes);
    let written = keep.count_ones() as usize;
    store_lanes(out, below(written), packed);
    let more = s == 64 || undecided >> s & 1 != 0;
    (consumed, written, more)
}

/// `seed` extended down runs of `run`: bit `i` ends up set if `seed` has
/// bit `j >= i` and `run` has every bit from `i` to `j - 1`.
#[cold]
fn prefix_through(seed: u64, run: u64) -> u64 {
    let (mut c, mut p) = (seed, run);
    for shift in [1, 2, 4, 8, 16, 32] {
        c |= p & c >> shift;
        p &= p >> shift;
    }
    c
}
