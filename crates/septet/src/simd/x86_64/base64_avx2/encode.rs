//! AVX2 encode: 24 input bytes to 32 characters per vector, and the MIME
//! variant that writes whole 76-character lines with their CRLF.

use std::arch::x86_64::*;

use super::{splat16, splat16_static};
use crate::simd::scalar::base64::{
    LINE_CHARS, LINE_INPUT, LINE_OUTPUT, STANDARD_ENCODE, URL_SAFE_ENCODE,
};
use crate::simd::B64Alphabet;

/// Bytes consumed and characters produced by one vector.
const IN: usize = 24;
const OUT: usize = 32;

/// In-lane shuffle spreading four 3-byte groups over 4-byte lanes as
/// `[b1, b0, b2, b1]`, so that each 16-bit half holds the two bytes a pair of
/// sextets straddles. `at` is where the lane's 12 bytes start.
const fn spread(at: u8) -> [u8; 16] {
    let mut t = [0; 16];
    let mut g = 0;
    while g < 4 {
        let s = at + 3 * g as u8;
        t[4 * g] = s + 1;
        t[4 * g + 1] = s;
        t[4 * g + 2] = s + 2;
        t[4 * g + 3] = s + 1;
        g += 1;
    }
    t
}

/// The bytes of a lane sit at its start (two 16-byte loads 12 bytes apart).
const SPREAD_AT_0: [u8; 16] = spread(0);
/// The bytes of the low lane start at byte 4: a 32-byte load made 4 bytes
/// before the 24 input bytes puts the first 12 at bytes 4..16 and the next 12
/// at bytes 16..28, i.e. at the start of the high lane.
const SPREAD_AT_4: [u8; 16] = spread(4);

/// What [`to_ascii`] adds to a sextet of each class, for an alphabet whose
/// first 62 characters are `A-Z a-z 0-9`. Class 0: 0..=25 (A-Z); 1: 26..=51
/// (a-z); 2..=11: 52..=61 (0-9); 12: 62; 13: 63. Built at compile time, so
/// a call loads it instead of assembling it byte by byte.
const fn offsets(table: &[u8; 64]) -> [u8; 16] {
    let mut t = [0u8; 16];
    t[0] = b'A';
    t[1] = b'a' - 26;
    let mut class = 2;
    while class <= 11 {
        t[class] = b'0'.wrapping_sub(52);
        class += 1;
    }
    t[12] = table[62].wrapping_sub(62);
    t[13] = table[63].wrapping_sub(63);
    t
}

static STANDARD_OFFSETS: [u8; 16] = offsets(STANDARD_ENCODE);
static URL_SAFE_OFFSETS: [u8; 16] = offsets(URL_SAFE_ENCODE);

/// The vectors one encode call works with.
#[derive(Clone, Copy)]
struct Consts {
    /// Shuffle for a vector loaded as two 16-byte halves.
    split: __m256i,
    /// Shuffle for a vector loaded 4 bytes before its input.
    shifted: __m256i,
    /// ASCII offset per sextet class (see [`to_ascii`]).
    offsets: __m256i,
}

impl Consts {
    /// The vectors for `alphabet`.
    #[target_feature(enable = "avx2")]
    fn new(alphabet: B64Alphabet) -> Self {
        let offsets = match alphabet {
            B64Alphabet::Standard => &STANDARD_OFFSETS,
            B64Alphabet::UrlSafe => &URL_SAFE_OFFSETS,
        };
        let low = splat16(SPREAD_AT_4);
        Consts {
            split: splat16(SPREAD_AT_0),
            shifted: _mm256_blend_epi32::<0xf0>(low, splat16(SPREAD_AT_0)),
            offsets: splat16_static(offsets),
        }
    }
}

/// Splits each 4-byte lane `[b1, b0, b2, b1]` into four sextets, one per byte,
/// most significant first. Each multiply moves two sextets of a 16-bit half
/// into place at once: the high one into the low byte (keeping the high 16
/// bits of the product), the low one into the high byte.
///
/// The multipliers are the powers of two that do this, plus a term that
/// changes nothing (a fraction below 1 that the high product drops, or a
/// multiple of 2^16 that the low product drops). Pure powers of two would
/// let LLVM turn the multiplies into per-lane shifts, which AVX2 lacks for
/// 16-bit lanes and which it then emulates with many more instructions.
#[target_feature(enable = "avx2")]
#[inline]
fn sextets(spread: __m256i) -> __m256i {
    // High halves: a << 10 times 2^6 + 1, c << 6 times 2^10 + 1 (a, c < 64).
    let outer = _mm256_and_si256(spread, _mm256_set1_epi32(0x0fc0_fc00));
    let outer = _mm256_mulhi_epu16(outer, _mm256_set1_epi32(0x0401_0041));
    // Low halves: b << 4 times 2^4 + 2^12, d times 2^8.
    let inner = _mm256_and_si256(spread, _mm256_set1_epi32(0x003f_03f0));
    let inner = _mm256_mullo_epi16(inner, _mm256_set1_epi32(0x0100_1010));
    _mm256_or_si256(outer, inner)
}

/// Sextets to characters: classify each value into one of 14 ranges whose
/// characters are consecutive, then add that range's offset.
#[target_feature(enable = "avx2")]
#[inline]
fn to_ascii(sextets: __m256i, offsets: __m256i) -> __m256i {
    // 52..=63 map to 1..=12, everything below to 0; then everything above
    // 25 gets one more (subtracting the all-ones of the compare).
    let class = _mm256_subs_epu8(sextets, _mm256_set1_epi8(51));
    let above = _mm256_cmpgt_epi8(sextets, _mm256_set1_epi8(25));
    let class = _mm256_sub_epi8(class, above);
    _mm256_add_epi8(sextets, _mm256_shuffle_epi8(offsets, class))
}

/// Encodes the 24 bytes a vector holds in the layout `shuffle` expects.
#[target_feature(enable = "avx2")]
#[inline]
fn encode_vec(raw: __m256i, shuffle: __m256i, c: Consts) -> __m256i {
    to_ascii(sextets(_mm256_shuffle_epi8(raw, shuffle)), c.offsets)
}

#[target_feature(enable = "avx2")]
#[inline]
/// Encodes `src[0..24]` into `dst[0..32]`.
///
/// # Safety
/// `src[0..28]` must be readable (two 16-byte loads at 0 and 12) and
/// `dst[0..32]` writable.
unsafe fn block_split(src: *const u8, dst: *mut u8, c: Consts) {
    // SAFETY: the caller guarantees src[0..28] readable.
    let raw = unsafe { _mm256_loadu2_m128i(src.add(12).cast(), src.cast()) };
    // SAFETY: the caller guarantees dst[0..32] writable.
    unsafe { _mm256_storeu_si256(dst.cast(), encode_vec(raw, c.split, c)) };
}

#[target_feature(enable = "avx2")]
#[inline]
/// Encodes `src[0..24]` into `dst[0..32]` with one 32-byte load at `src - 4`.
///
/// # Safety
/// `src[-4..28]` must be readable and `dst[0..32]` writable.
unsafe fn block_shifted(src: *const u8, dst: *mut u8, c: Consts) {
    // SAFETY: the caller guarantees src[-4..28] readable.
    let raw = unsafe { _mm256_loadu_si256(src.sub(4).cast()) };
    // SAFETY: the caller guarantees dst[0..32] writable.
    unsafe { _mm256_storeu_si256(dst.cast(), encode_vec(raw, c.shifted, c)) };
}

#[target_feature(enable = "avx2")]
#[inline]
/// Encodes the 24 bytes at `end[-24..0]` into `dst[0..32]` with one 32-byte
/// load at `end - 32`, its dwords moved so that each lane starts with its
/// 12 bytes.
///
/// # Safety
/// `end[-32..0]` must be readable and `dst[0..32]` writable.
unsafe fn block_ending(end: *const u8, dst: *mut u8, c: Consts) {
    // SAFETY: the caller guarantees end[-32..0] readable.
    let raw = unsafe { _mm256_loadu_si256(end.sub(32).cast()) };
    let raw = _mm256_permutevar8x32_epi32(raw, _mm256_setr_epi32(2, 3, 4, 4, 5, 6, 7, 7));
    // SAFETY: the caller guarantees dst[0..32] writable.
    unsafe { _mm256_storeu_si256(dst.cast(), encode_vec(raw, c.split, c)) };
}

#[target_feature(enable = "avx2")]
#[inline]
/// Encodes the 12 bytes at `src[4..16]` into 16 characters, in the low lane.
///
/// # Safety
/// `src[0..16]` must be readable.
unsafe fn half_shifted(src: *const u8, c: Consts) -> __m128i {
    // SAFETY: the caller guarantees src[0..16] readable.
    let raw = unsafe { _mm_loadu_si128(src.cast()) };
    let wide = encode_vec(_mm256_castsi128_si256(raw), c.shifted, c);
    _mm256_castsi256_si128(wide)
}

/// From this many input bytes on, [`encode`] spends one more vector to
/// align its stores.
const ALIGN_MIN: usize = 4096;

#[target_feature(enable = "avx2")]
/// Bulk encode of whole 3-byte groups. See `simd::B64EncodeFn`.
///
/// The first vector encodes `input[0..24]` from two 16-byte loads; on a
/// long input a second one, at the first group whose characters start on a
/// 32-byte boundary of `out`, makes every later store aligned (a store that
/// straddles two cache lines costs two; it rewrites characters already
/// written with the same values). From there vector `k` encodes the 24
/// bytes at `i + 24k` with one load 4 bytes before them, so the last 4 to
/// 27 bytes are left over; then one vector ending on the last whole group
/// that fits takes them (rewriting characters already written with the
/// same values). So every whole group that fits is encoded once the input
/// has 32 bytes.
///
/// # Safety
/// The CPU must support AVX2.
pub(crate) unsafe fn encode(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let c = Consts::new(alphabet);
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    let groups = (input.len() / 3).min(out.len() / 4);
    let (end, chars) = (3 * groups, 4 * groups);
    if end < 32 {
        if input.len() < 28 || out.len() < OUT {
            return (0, 0);
        }
        // SAFETY: input[0..28] and out[0..32] are in bounds.
        unsafe { block_split(src, dst, c) };
        return (IN, OUT);
    }
    // SAFETY: end >= 32, so input[0..28] and out[0..32] (chars >= 44) are
    // in bounds.
    unsafe { block_split(src, dst, c) };
    let (mut i, mut o) = (IN, OUT);
    let skew = dst.align_offset(32);
    if skew.is_multiple_of(4) && skew != 0 && end >= ALIGN_MIN {
        let at = skew / 4 * 3;
        // SAFETY: at <= 21 and skew <= 28, so input[at..at + 28] and
        // out[skew..skew + 32] are in bounds (end >= ALIGN_MIN).
        unsafe { block_split(src.add(at), dst.add(skew), c) };
        (i, o) = (at + IN, skew + OUT);
    }
    let blocks = (input.len().saturating_sub(i + 4) / IN).min(out.len().saturating_sub(o) / OUT);
    // In-bounds for every k < blocks: i + 24k - 4 >= 0 as i >= 24,
    // i + 24k + 28 <= i + 24 * blocks + 4 <= input.len(), o + 32k + 32 <= out.len().
    // Eight vectors per iteration: measured faster than four or sixteen.
    let mut k = 0;
    while k + 8 <= blocks {
        for j in k..k + 8 {
            // SAFETY: j < blocks, see above.
            unsafe { block_shifted(src.add(i + IN * j), dst.add(o + OUT * j), c) };
        }
        k += 8;
    }
    while k < blocks {
        // SAFETY: k < blocks, see above.
        unsafe { block_shifted(src.add(i + IN * k), dst.add(o + OUT * k), c) };
        k += 1;
    }
    (i, o) = (i + IN * blocks, o + OUT * blocks);
    // Here input[..i] is encoded into out[..o], i >= 24, i <= end (o <= chars
    // as both count whole groups that fit), and fewer than 28 bytes remain
    // (input) or fewer than 32 characters fit (out): at most one whole
    // block, then one ending with the last group.
    if end - i > IN {
        // SAFETY: reads input[i - 8..i + 24] (i >= 24, i + 24 < end),
        // writes out[o..o + 32] (o + 32 < chars).
        unsafe { block_ending(src.add(i + IN), dst.add(o), c) };
    }
    if end > i {
        // chars - 32 is at most where the blocks above ended, so no
        // character is left out, and the ones written again get the same
        // values.
        // SAFETY: reads input[end - 32..end] (32 <= end <= input.len()) and
        // writes out[chars - 32..chars] (chars <= out.len()).
        unsafe { block_ending(src.add(end), dst.add(chars - OUT), c) };
    }
    (end, chars)
}

#[target_feature(enable = "avx2")]
/// Bulk MIME encode of whole 57-byte lines. See `simd::B64EncodeMimeFn`.
///
/// The first and last lines go one at a time ([`one_line`]); the lines in
/// between two at a time ([`two_lines`]), which needs 5 vectors for 114
/// bytes where lines one at a time need 2.5 each.
///
/// # Safety
/// The CPU must support AVX2.
pub(crate) unsafe fn encode_mime(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    const _: () = assert!(LINE_INPUT == 57 && LINE_CHARS == 76 && LINE_OUTPUT == 78);
    let c = Consts::new(alphabet);
    let lines = (input.len() / LINE_INPUT).min(out.len() / LINE_OUTPUT);
    let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
    let mut line = 0;
    if lines > 0 {
        // SAFETY: lines >= 1, so input[..57] and out[..78] are in bounds.
        unsafe { one_line(src, dst, c) };
        line = 1;
    }
    // Four lines per iteration while they last: measured faster than two.
    while line + 4 <= lines && LINE_INPUT * (line + 4) + 4 <= input.len() {
        // SAFETY: as below, for lines line..line + 2 and line + 2..line + 4.
        unsafe {
            two_lines(src.add(LINE_INPUT * line), dst.add(LINE_OUTPUT * line), c);
            two_lines(
                src.add(LINE_INPUT * (line + 2)),
                dst.add(LINE_OUTPUT * (line + 2)),
                c,
            );
        }
        line += 4;
    }
    while line + 2 <= lines && LINE_INPUT * (line + 2) + 4 <= input.len() {
        // SAFETY: line + 2 <= lines, so the two lines' 114 input and 156
        // output bytes are in bounds; the loop condition covers the 4 bytes
        // read after them, and line >= 1 the 4 read before them.
        unsafe { two_lines(src.add(LINE_INPUT * line), dst.add(LINE_OUTPUT * line), c) };
        line += 2;
    }
    while line < lines {
        // SAFETY: line < lines, so input[57 * line..][..57] and
        // out[78 * line..][..78] are in bounds.
        unsafe { one_line(src.add(LINE_INPUT * line), dst.add(LINE_OUTPUT * line), c) };
        line += 1;
    }
    (LINE_INPUT * lines, LINE_OUTPUT * lines)
}

/// The line break after a line, in the last two bytes of a vector.
#[target_feature(enable = "avx2")]
#[inline]
fn crlf_high() -> __m128i {
    _mm_slli_si128::<14>(_mm_cvtsi32_si128(i32::from(u16::from_le_bytes(*b"\r\n"))))
}

#[target_feature(enable = "avx2")]
#[inline]
/// One line, three steps straight into `dst`: bytes 0..24 and 24..48 as full
/// vectors, then bytes 45..57 as a half vector whose characters 62..76 are
/// stored together with the CRLF at line offset 62 (rewriting characters 62
/// and 63 with the same values), so nothing lands past the line.
///
/// # Safety
/// `src[0..57]` must be readable and `dst[0..78]` writable.
unsafe fn one_line(src: *const u8, dst: *mut u8, c: Consts) {
    // SAFETY: reads 0..28, 20..52 and 41..57, writes 0..32, 32..64 and
    // 62..78, inside the ranges the caller guarantees.
    unsafe {
        block_split(src, dst, c);
        block_shifted(src.add(IN), dst.add(OUT), c);
        let tail = half_shifted(src.add(LINE_INPUT - 16), c);
        let tail = _mm_or_si128(_mm_srli_si128::<2>(tail), crlf_high());
        _mm_storeu_si128(dst.add(LINE_CHARS - 14).cast(), tail);
    }
}

#[target_feature(enable = "avx2")]
#[inline]
/// Two lines (114 bytes, 152 characters) in five vectors of 24 bytes, as if
/// they were one run: bytes 0..24, 24..48, 48..72, 72..96, and 90..114
/// (overlapping). The vector for 48..72 holds the first line's last 12
/// characters and the second line's first 20, which its stores split
/// around the first CRLF.
///
/// # Safety
/// `src[-4..118]` must be readable and `dst[0..156]` writable.
unsafe fn two_lines(src: *const u8, dst: *mut u8, c: Consts) {
    // The stores go in an order where each byte's last write is its final
    // value (see below).
    // SAFETY: loads read src[-4..28], [20..52], [44..76], [68..100], [86..118];
    // stores write dst[0..156] only; the caller guarantees both ranges.
    unsafe {
        block_shifted(src, dst, c);
        let b = encode_vec(_mm256_loadu_si256(src.add(IN - 4).cast()), c.shifted, c);
        _mm256_storeu_si256(dst.add(OUT).cast(), b);
        // Run characters 64..96: 64..76 end the first line (dst 64..76),
        // 76..96 start the second (dst 78..98).
        let raw = _mm256_loadu_si256(src.add(2 * IN - 4).cast());
        let mid = encode_vec(raw, c.shifted, c);
        let (low, high) = (
            _mm256_castsi256_si128(mid),
            _mm256_extracti128_si256::<1>(mid),
        );
        // Run 64..80 at dst 66: only its 76..80 at dst 78..82 stay.
        _mm_storeu_si128(dst.add(66).cast(), low);
        // Run 60..76 at dst 60: the second vector's last 4, then low's 12.
        let before = _mm256_extracti128_si256::<1>(b);
        _mm_storeu_si128(dst.add(60).cast(), _mm_alignr_epi8::<12>(low, before));
        dst.add(LINE_CHARS)
            .cast::<[u8; 2]>()
            .write_unaligned(*b"\r\n");
        _mm_storeu_si128(dst.add(82).cast(), high);
        // Second line, characters 20..52 and 44..76, then its CRLF.
        let second = dst.add(LINE_OUTPUT);
        block_shifted(src.add(3 * IN), second.add(20), c);
        block_shifted(
            src.add(2 * LINE_INPUT - IN),
            second.add(LINE_CHARS - OUT),
            c,
        );
        second
            .add(LINE_CHARS)
            .cast::<[u8; 2]>()
            .write_unaligned(*b"\r\n");
    }
}
