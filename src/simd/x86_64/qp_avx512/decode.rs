//! The AVX-512 quoted-printable decoder (see `simd::QpDecodeFn` for the
//! contract).
//!
//! Per 64-byte window, compares find `=`, CR, LF and blanks, and a
//! `vpermi2b` through a 128-entry table gives every byte's hex value (or
//! "not a digit"). An `=` followed by two digits is an escape; in lenient
//! mode one followed by CRLF or LF is a soft break, removed (the decoder is
//! idle after it, so this is within the contract's spirit: nothing pending).
//! A blank is copied if its run of blanks ends in a byte other than CR or
//! LF (a carry-free prefix scan along the run). The first byte the window
//! cannot take ends the call; everything before it is squeezed by
//! `vpcompressb` (escapes become their byte, digits and soft breaks vanish).
//!
//! - [`stream`] (lenient mode, the bulk): windows at a fixed stride, each
//!   classified once; "the byte after" comes from the next window's masks,
//!   and an escape's byte is put in the lane of its second digit, which may
//!   be in the next window. No load waits for a previous window's outcome.
//! - [`window`] (strict mode, whose calls are at most a line long, and the
//!   last bytes): loads at offsets 0, 1 and 2 so that the bytes after are
//!   plain lanes, all masked to the input.

use std::arch::x86_64::*;

use super::{below, blanks, eq, load_prefix, printable, store_lanes, Table};
use crate::qp::scalar::HEX_VALUE;

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
    let (mut pos, mut w) = (0, 0);
    if !strict {
        let more;
        (pos, w, more) = stream(k, input, out);
        if !more {
            return (pos, w);
        }
    }
    while pos < input.len() {
        let (c, n, more) = window(k, &input[pos..], &mut out[w..], strict);
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
}

impl Consts {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn classify(self, v: __m512i) -> Window {
        let (hex, digit) = self.hex(v);
        Window {
            bytes: v,
            hex,
            digit,
            eq: eq(v, b'='),
            cr: eq(v, b'\r'),
            lf: eq(v, b'\n'),
            blank: blanks(v),
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

/// The fast path (lenient mode): whole windows at a fixed stride of 64
/// while the window after the current one is inside `input`, so that "the
/// byte after" comes from the next window's masks and no load waits for the
/// previous window's outcome. An escape's value goes to the lane of its
/// second digit, which may be in the next window (hence the carried masks).
/// Returns `(consumed, written, more)` like [`window`]. (Strict mode never
/// gets here: the driver hands it one line, at most 76 bytes, at a time.)
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn stream(k: Consts, input: &[u8], out: &mut [u8]) -> (usize, usize, bool) {
    let len = input.len();
    if len < 128 || out.len() < len {
        return (0, 0, true);
    }
    let previous = super::table(&PREVIOUS);
    let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
    // SAFETY: callers pass `at + 64 <= len`.
    let load = |at: usize| unsafe { _mm512_loadu_si512(src.add(at).cast()) };
    let (mut pos, mut w) = (0, 0);
    let mut cur = k.classify(load(0));
    let mut prev_hex = _mm512_setzero_si512();
    // Lanes of the current window holding the rest of an escape or soft
    // break that starts in the previous one.
    let (mut carry_drop, mut carry_value) = (0u64, 0u64);
    while pos + 128 <= len {
        let next = k.classify(load(pos + 64));
        // Bit j: the byte `d` after byte j.
        let ahead = |m: u64, n: u64, d: u32| m >> d | n << (64 - d);
        let digit1 = ahead(cur.digit, next.digit, 1);
        let digit2 = ahead(cur.digit, next.digit, 2);
        let (cr1, lf1) = (ahead(cur.cr, next.cr, 1), ahead(cur.lf, next.lf, 1));
        let lf2 = ahead(cur.lf, next.lf, 2);
        let blank1 = ahead(cur.blank, next.blank, 1);

        let esc = cur.eq & digit1 & digit2;
        let (soft3, soft2) = (cur.eq & cr1 & lf2, cur.eq & lf1);
        let mut kept_blank = cur.blank & !(blank1 | cr1 | lf1);
        if cur.blank != kept_blank {
            if (cur.blank & blank1) >> 63 != 0 {
                // A run going on into the next window: kept if it ends there,
                // before data.
                let end = (!next.blank).trailing_zeros();
                if end < 64 && (next.cr | next.lf) >> end & 1 == 0 {
                    kept_blank |= 1 << 63;
                }
            }
            kept_blank = prefix_through(kept_blank, cur.blank & blank1);
        }
        let stop = (cur.eq & !(esc | soft3 | soft2)) | (cur.blank & !kept_blank);
        let s = stop.trailing_zeros() as usize;
        let before = below(s);
        let (esc, soft3, soft2) = (
            u128::from(esc & before),
            u128::from(soft3 & before),
            u128::from(soft2 & before),
        );
        let dropped = esc | esc << 1 | soft3 | soft3 << 1 | soft3 << 2 | soft2 | soft2 << 1;
        let value_at = esc << 2;
        let keep = before & !(dropped as u64 | carry_drop);

        let hex_prev = _mm512_permutex2var_epi8(cur.hex, previous, prev_hex);
        let value = hex_value(hex_prev, cur.hex);
        let bytes = _mm512_mask_blend_epi8(value_at as u64 | carry_value, cur.bytes, value);
        let n = keep.count_ones() as usize;
        // SAFETY: every byte written comes from a byte consumed, so
        // `w + n <= pos + 64 <= len <= out.len()`.
        unsafe {
            let packed = _mm512_maskz_compress_epi8(keep, bytes);
            _mm512_mask_storeu_epi8(dst.add(w).cast(), below(n), packed);
        }
        w += n;
        if s < 64 {
            return (pos + s, w, false);
        }
        carry_drop = (dropped >> 64) as u64;
        carry_value = (value_at >> 64) as u64;
        prev_hex = cur.hex;
        cur = next;
        pos += 64;
    }
    // Finish the item carried into the window at `pos`.
    if carry_value != 0 {
        let second = pos + carry_value.trailing_zeros() as usize;
        out[w] = (HEX_VALUE[input[second - 1] as usize] << 4) | HEX_VALUE[input[second] as usize];
        w += 1;
    }
    pos += 64 - (carry_drop | carry_value).leading_zeros() as usize;
    (pos, w, true)
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
