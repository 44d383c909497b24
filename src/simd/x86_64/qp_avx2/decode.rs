//! AVX2 quoted-printable decode, 32 input bytes per step.
//!
//! A window without `=`, without a blank before a blank/CR/LF (strict mode:
//! and with printable bytes and blanks only) is copied with one store.
//! Otherwise the step finds, with the bytes one and two further on loaded
//! as vectors of their own, every `=XY` escape (and in lenient mode every
//! `=` CRLF / `=` LF soft break), the first thing it must stop before (an
//! `=` that is neither, a blank run that ends at a CR, LF or the window's
//! end, in strict mode any byte outside 33..=126 but a blank), decodes the
//! escapes in place and squeezes out the bytes they consumed with a byte
//! shuffle per 8 bytes. Squeezed output goes through a small buffer and is
//! copied out exactly, so nothing past the output is ever written.

use std::arch::x86_64::*;

use crate::qp::scalar;

/// Bytes a step reads: its window and two more (an escape or soft break
/// starting in the last two bytes).
const READ: usize = 34;

/// `pshufb` control squeezing an 8-byte group to the bytes whose bit is set
/// in the index (then zeros).
static SQUEEZE: [u64; 256] = squeeze_table();

const fn squeeze_table() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut keep = 0;
    while keep < 256 {
        let mut bytes = [0x80u8; 8];
        let mut n = 0;
        let mut i = 0;
        while i < 8 {
            if keep >> i & 1 == 1 {
                bytes[n] = i as u8;
                n += 1;
            }
            i += 1;
        }
        t[keep] = u64::from_le_bytes(bytes);
        keep += 1;
    }
    t
}

#[target_feature(enable = "avx2")]
#[inline]
fn splat(b: u8) -> __m256i {
    _mm256_set1_epi8(b as i8)
}

#[target_feature(enable = "avx2")]
#[inline]
fn is_blank(v: __m256i) -> __m256i {
    _mm256_or_si256(
        _mm256_cmpeq_epi8(v, splat(b' ')),
        _mm256_cmpeq_epi8(v, splat(b'\t')),
    )
}

#[target_feature(enable = "avx2")]
#[inline]
fn is_crlf(v: __m256i) -> __m256i {
    _mm256_or_si256(
        _mm256_cmpeq_epi8(v, splat(b'\r')),
        _mm256_cmpeq_epi8(v, splat(b'\n')),
    )
}

/// Bytes outside 33..=126.
#[target_feature(enable = "avx2")]
#[inline]
fn not_printable(v: __m256i) -> __m256i {
    let printable = _mm256_and_si256(
        _mm256_cmpgt_epi8(v, splat(b' ')),
        _mm256_cmpgt_epi8(splat(127), v),
    );
    _mm256_cmpeq_epi8(printable, _mm256_setzero_si256())
}

/// Which bytes are hex digits (upper case only if `strict`), and their
/// values (in the low nibble, garbage elsewhere).
#[target_feature(enable = "avx2")]
#[inline]
fn hex(v: __m256i, strict: bool) -> (__m256i, __m256i) {
    let digit = _mm256_sub_epi8(v, splat(b'0'));
    let is_digit = _mm256_cmpeq_epi8(_mm256_min_epu8(digit, splat(9)), digit);
    let letter = if strict {
        _mm256_sub_epi8(v, splat(b'A'))
    } else {
        _mm256_sub_epi8(_mm256_or_si256(v, splat(0x20)), splat(b'a'))
    };
    let is_letter = _mm256_cmpeq_epi8(_mm256_min_epu8(letter, splat(5)), letter);
    let value = _mm256_blendv_epi8(_mm256_add_epi8(letter, splat(10)), digit, is_digit);
    (_mm256_or_si256(is_digit, is_letter), value)
}

#[target_feature(enable = "avx2")]
#[inline]
fn mask(v: __m256i) -> u32 {
    _mm256_movemask_epi8(v) as u32
}

/// Bulk decode, see `simd::QpDecodeFn`.
///
/// # Safety
/// The CPU must support AVX2, BMI1, BMI2 and POPCNT.
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
pub(crate) unsafe fn decode(input: &[u8], out: &mut [u8], strict: bool) -> (usize, usize) {
    let (mut pos, mut w) = (0, 0);
    while pos + READ <= input.len() {
        // Output never outgrows input: out[w..] holds at least READ bytes.
        let (c, n, stopped) = step(&input[pos..pos + READ], &mut out[w..], strict);
        pos += c;
        w += n;
        if stopped {
            return (pos, w);
        }
    }
    let (c, n) = scalar::decode_bulk(&input[pos..], &mut out[w..], strict);
    (pos + c, w + n)
}

/// One window at `win[0]`; returns `(consumed, written, stopped)`.
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
#[inline]
fn step(win: &[u8], dst: &mut [u8], strict: bool) -> (usize, usize, bool) {
    assert!(win.len() >= READ && dst.len() >= 32);
    // SAFETY: `win` holds READ = 34 bytes: loads at 0, 1 and 2 stay inside.
    let (v0, v1, v2) = unsafe {
        let p = win.as_ptr();
        (
            _mm256_loadu_si256(p.cast()),
            _mm256_loadu_si256(p.add(1).cast()),
            _mm256_loadu_si256(p.add(2).cast()),
        )
    };
    let eq_v = _mm256_cmpeq_epi8(v0, splat(b'='));
    let blank_v = is_blank(v0);
    let eq = mask(eq_v);
    let blank = mask(blank_v);
    // Byte i + 1 is a blank, CR or LF: a blank at i may be trailing.
    let next_ws = mask(_mm256_or_si256(is_blank(v1), is_crlf(v1)));
    let bad = if strict {
        mask(_mm256_andnot_si256(blank_v, not_printable(v0)))
    } else {
        0
    };
    if eq | (blank & next_ws) | bad == 0 {
        // SAFETY: `dst` holds at least 32 bytes.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), v0) };
        return (32, 32, false);
    }

    let (hex1, val1) = hex(v1, strict);
    let (hex2, val2) = hex(v2, strict);
    let esc_v = _mm256_and_si256(eq_v, _mm256_and_si256(hex1, hex2));
    let esc = mask(esc_v);
    // Soft breaks `=` CRLF and `=` LF (lenient mode only: strict mode must
    // see line ends to count line lengths).
    let (soft3, soft2) = if strict {
        (0, 0)
    } else {
        let cr1 = mask(_mm256_cmpeq_epi8(v1, splat(b'\r')));
        let lf1 = mask(_mm256_cmpeq_epi8(v1, splat(b'\n')));
        let lf2 = mask(_mm256_cmpeq_epi8(v2, splat(b'\n')));
        (eq & cr1 & lf2, eq & lf1)
    };
    let invalid = eq & !esc & !soft3 & !soft2;

    // Blank runs, and the byte right after each (bit 32: the byte after
    // the window, bad if it is a blank, CR or LF).
    let runs = u64::from(blank);
    let starts = runs & !(runs << 1);
    let after = (runs + starts) & !runs;
    let line_end = u64::from(mask(is_crlf(v0))) | u64::from(next_ws >> 31) << 32;
    let bad_after = after & line_end;
    let trailing = if bad_after == 0 {
        64
    } else {
        let before = _bzhi_u64(starts, bad_after.trailing_zeros());
        63 - before.leading_zeros() as usize
    };
    let stop = (u64::from(invalid | bad) | 1 << 40)
        .trailing_zeros()
        .min(trailing as u32) as usize;

    // Bytes consumed by escapes and soft breaks besides the first `=`.
    let two = u64::from(esc | soft3);
    let covered = two << 1 | two << 2 | u64::from(soft2) << 1;
    let removed = covered | u64::from(soft3 | soft2);
    let (consumed, stopped) = if stop < 32 {
        (stop, true)
    } else {
        (32 + (64 - (covered >> 32).leading_zeros() as usize), false)
    };
    let removed = _bzhi_u64(removed, consumed as u32);
    let written = consumed - removed.count_ones() as usize;
    if removed == 0 {
        if consumed == 32 {
            // SAFETY: `dst` holds at least 32 bytes.
            unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), v0) };
        } else {
            copy_exact(&win[..consumed], &mut dst[..consumed]);
        }
        return (consumed, written, stopped);
    }

    let nibble = splat(0x0f);
    let byte = _mm256_or_si256(
        _mm256_slli_epi16::<4>(_mm256_and_si256(val1, nibble)),
        _mm256_and_si256(val2, nibble),
    );
    let decoded = _mm256_blendv_epi8(v0, byte, esc_v);
    let keep = !(removed as u32) & _bzhi_u32(u32::MAX, consumed.min(32) as u32);
    let group = |g: u32| SQUEEZE[(keep >> (8 * g) & 0xff) as usize] as i64;
    let ctrl = _mm256_add_epi8(
        _mm256_set_epi64x(group(3), group(2), group(1), group(0)),
        _mm256_set_epi64x(0x0808_0808_0808_0808, 0, 0x0808_0808_0808_0808, 0),
    );
    let squeezed = _mm256_shuffle_epi8(decoded, ctrl);
    let count = |g: u32| (keep >> (8 * g) & 0xff).count_ones() as usize;
    let mut buf = [0u8; 40];
    let lo = _mm256_castsi256_si128(squeezed);
    let hi = _mm256_extracti128_si256::<1>(squeezed);
    let (a, b) = (count(0), count(0) + count(1));
    let c = b + count(2);
    // SAFETY: each 8-byte store starts at most at 24 in the 40-byte buffer.
    unsafe {
        let p = buf.as_mut_ptr();
        _mm_storel_epi64(p.cast(), lo);
        _mm_storel_epi64(p.add(a).cast(), _mm_unpackhi_epi64(lo, lo));
        _mm_storel_epi64(p.add(b).cast(), hi);
        _mm_storel_epi64(p.add(c).cast(), _mm_unpackhi_epi64(hi, hi));
    }
    copy_exact(&buf[..written], &mut dst[..written]);
    (consumed, written, stopped)
}

/// Copies up to 32 bytes with at most two overlapping loads and stores.
#[target_feature(enable = "avx2")]
#[inline]
fn copy_exact(src: &[u8], dst: &mut [u8]) {
    let n = src.len();
    assert!(n <= 32 && dst.len() == n);
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    // SAFETY: every access below is inside `[0, n)` of both slices.
    unsafe {
        if n >= 16 {
            let head = _mm_loadu_si128(s.cast());
            let tail = _mm_loadu_si128(s.add(n - 16).cast());
            _mm_storeu_si128(d.cast(), head);
            _mm_storeu_si128(d.add(n - 16).cast(), tail);
        } else if n >= 8 {
            let head = s.cast::<u64>().read_unaligned();
            let tail = s.add(n - 8).cast::<u64>().read_unaligned();
            d.cast::<u64>().write_unaligned(head);
            d.add(n - 8).cast::<u64>().write_unaligned(tail);
        } else if n >= 4 {
            let head = s.cast::<u32>().read_unaligned();
            let tail = s.add(n - 4).cast::<u32>().read_unaligned();
            d.cast::<u32>().write_unaligned(head);
            d.add(n - 4).cast::<u32>().write_unaligned(tail);
        } else if n > 0 {
            *d = *s;
            *d.add(n / 2) = *s.add(n / 2);
            *d.add(n - 1) = *s.add(n - 1);
        }
    }
}
