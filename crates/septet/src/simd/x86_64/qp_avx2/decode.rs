//! AVX2 quoted-printable decode, 32 input bytes per step.
//!
//! A window without `=`, without a blank before a blank/CR/LF (strict mode:
//! with printable bytes, blanks and line breaks only, and short of the
//! column limit) is copied with one store. Otherwise the step finds, with
//! the bytes one and two further on loaded as vectors of their own, every
//! `=XY` escape and every `=` CRLF / `=` LF soft break, the first thing it
//! must stop before (an `=` that is neither, a blank run that ends at a CR,
//! LF or the window's end; in strict mode a byte outside 33..=126 but a
//! blank, an LF or the CR of a CRLF, and the item holding the first byte
//! at column 76), decodes the escapes in place and squeezes out the bytes
//! they consumed with a byte shuffle per 8 bytes. Squeezed output goes
//! through a small buffer and is copied out exactly, so nothing past the
//! output is ever written. Strict mode carries the column from step to
//! step (it restarts after each LF).

use std::arch::x86_64::*;

use crate::simd::scalar::qp as scalar;

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
    // Strict mode: the column of `input[pos]`, counted from the start.
    let (mut pos, mut w, mut col) = (0, 0, 0);
    while pos + READ <= input.len() {
        // Output never outgrows input: out[w..] holds at least READ bytes.
        let (win, dst) = (&input[pos..pos + READ], &mut out[w..]);
        // Two copies of the step, so that lenient mode pays nothing for
        // strict mode's checks.
        let (c, n, stopped) = if strict {
            step::<true>(win, dst, &mut col)
        } else {
            step::<false>(win, dst, &mut col)
        };
        pos += c;
        w += n;
        if stopped {
            return (pos, w);
        }
    }
    let mut rest = &input[pos..];
    if strict {
        if pos > 0 && input[pos - 1] == b'\r' && rest.first() == Some(&b'\n') {
            // The CR of a CRLF was taken (the scalar tail stops at its LF).
            out[w] = b'\n';
            (pos, w, col) = (pos + 1, w + 1, 0);
            rest = &input[pos..];
        }
        // The scalar tail stops at line ends: the rest of this line only.
        rest = &rest[..rest.len().min(scalar::LINE_MAX.saturating_sub(col))];
    }
    let (c, n) = scalar::decode_bulk(rest, &mut out[w..], strict);
    (pos + c, w + n)
}

/// One window at `win[0]`; returns `(consumed, written, stopped)`. Strict
/// mode: `col` is the column of `win[0]`, updated unless stopped.
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
#[inline]
fn step<const STRICT: bool>(win: &[u8], dst: &mut [u8], col: &mut usize) -> (usize, usize, bool) {
    let strict = STRICT;
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
    // Strict: bytes that must be encoded (a CR is allowed before an LF),
    // counted bytes at column LINE_MAX or beyond, the column after.
    let (mut bad, mut long, mut col_next, mut lf1) = (0, 0, 0, 0);
    if strict {
        let lf = mask(_mm256_cmpeq_epi8(v0, splat(b'\n')));
        lf1 = mask(_mm256_cmpeq_epi8(v1, splat(b'\n')));
        let line_cr = mask(_mm256_cmpeq_epi8(v0, splat(b'\r'))) & lf1;
        bad = mask(_mm256_andnot_si256(blank_v, not_printable(v0))) & !(lf | line_cr);
        // Only the line the window starts in can reach the limit.
        let first = _bzhi_u32(u32::MAX, lf.trailing_zeros());
        let fits = _bzhi_u32(
            u32::MAX,
            scalar::LINE_MAX.saturating_sub(*col).min(32) as u32,
        );
        long = first & !(fits | line_cr);
        col_next = if lf != 0 {
            lf.leading_zeros() as usize
        } else {
            *col + 32
        };
    }
    if eq | (blank & next_ws) | bad | long == 0 {
        // SAFETY: `dst` holds at least 32 bytes.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), v0) };
        *col = col_next;
        return (32, 32, false);
    }

    let (hex1, val1) = hex(v1, strict);
    let (hex2, val2) = hex(v2, strict);
    let esc_v = _mm256_and_si256(eq_v, _mm256_and_si256(hex1, hex2));
    let esc = mask(esc_v);
    // Soft breaks `=` CRLF and `=` LF.
    let cr1 = mask(_mm256_cmpeq_epi8(v1, splat(b'\r')));
    if !strict {
        lf1 = mask(_mm256_cmpeq_epi8(v1, splat(b'\n')));
    }
    let lf2 = mask(_mm256_cmpeq_epi8(v2, splat(b'\n')));
    let (soft3, soft2) = (eq & cr1 & lf2, eq & lf1);
    let mut invalid = eq & !esc & !soft3 & !soft2;
    if strict {
        // An escape going on past the window, past the limit, is long too.
        let crossing = esc >> 30 & 1 == 1 && col_next >= scalar::LINE_MAX
            || esc >> 31 == 1 && col_next + 1 >= scalar::LINE_MAX;
        if long != 0 || crossing {
            invalid |= long_item(long, esc, blank);
        }
    }

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
        let tail = 64 - (covered >> 32).leading_zeros() as usize;
        // A soft break going on past the window ends the line.
        *col = if (soft3 >> 30 | soft2 >> 31) != 0 {
            0
        } else {
            col_next + tail
        };
        (32 + tail, false)
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

/// Strict mode: the stop for the first counted byte at column `LINE_MAX`
/// or beyond (`long`, lanes of the window), or for an escape that goes on
/// past the window there: the start of the item holding it (an escape's
/// `=`, a run of blanks' first blank; runs never go on from the previous
/// window, which stops before a run reaching its end).
#[cold]
fn long_item(long: u32, esc: u32, blank: u32) -> u32 {
    let v = long.trailing_zeros();
    if v == 32 {
        // Only a crossing escape (in lane 30 or 31).
        return 1 << ((esc >> 30).trailing_zeros().min(1) + 30);
    }
    if v >= 1 && esc >> (v - 1) & 1 == 1 {
        return 1 << (v - 1);
    }
    if v >= 2 && esc >> (v - 2) & 1 == 1 {
        return 1 << (v - 2);
    }
    if blank >> v & 1 == 1 {
        let data = !blank & ((1u32 << v) - 1);
        return 1 << (32 - data.leading_zeros());
    }
    1 << v
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
