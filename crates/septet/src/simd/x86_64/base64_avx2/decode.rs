//! AVX2 decode: validate and translate 32 characters with nibble lookups,
//! then pack their sextets into 24 bytes. The classify and pack steps are
//! shared with the MIME decoder.

use std::arch::x86_64::*;

use super::{splat16, splat16_static};
use crate::simd::scalar::base64::{STANDARD_ENCODE, URL_SAFE_ENCODE};
use crate::simd::B64Alphabet;

/// Characters consumed and bytes produced by one vector.
pub(super) const IN: usize = 32;
pub(super) const OUT: usize = 24;

/// The per-alphabet lookup tables.
///
/// A character `c` is looked up by two indices: its low nibble (the byte
/// shuffle uses `c` itself, whose low four bits are the nibble and whose top
/// bit turns the result into 0 for bytes >= 0x80), and `2 * (c >> 4)` (even,
/// 0..=14 for ASCII; the shuffle ignores bit 4, so bytes >= 0x80 alias ASCII
/// slots, but the zero from the low lookup already flags them).
struct Tables {
    /// Validation: each distinct set of valid low nibbles gets a class bit;
    /// `hi[2h]` is the class of high nibble `h`, `lo[l]` the classes in which
    /// `l` is valid. `c` is outside the alphabet iff `hi & !lo != 0`
    /// (never 0 for bytes >= 0x80, as every class has a bit and `lo` is 0).
    lo: [u8; 16],
    hi: [u8; 16],
    /// What to add to a character to get its sextet: `roll[2h]` for high
    /// nibble `h`, and `roll[2h - 1]` for the one character (`special`) whose
    /// offset differs from the others sharing its high nibble: its index is
    /// `2h` plus the all-ones byte of `c == special`, so odd slots, which no
    /// other character reaches, hold the exceptions.
    roll: [u8; 16],
    special: u8,
    /// `roll` without the exception slot, for an alphabet where one `min`
    /// with 63 does the exception's work (see [`Luts`]); all zero when
    /// `min63` is false.
    roll_min: [u8; 16],
    /// Whether `roll_min` works: every character but one gets its sextet
    /// from `roll_min[2h]`, and that one is sextet 63 and gets more.
    min63: bool,
}

impl Tables {
    /// Derives the tables from an alphabet; a clash fails the build.
    const fn new(alphabet: &[u8; 64], special: u8) -> Tables {
        assert!(special >> 4 != 0, "the special slot 2h - 1 needs h >= 1");
        let mut valid = [0u16; 8];
        let mut roll = [0u8; 16];
        let mut rolled = [false; 16];
        let mut v = 0;
        while v < 64 {
            let c = alphabet[v];
            assert!(c < 0x80, "alphabets are ASCII");
            valid[(c >> 4) as usize] |= 1 << (c & 15);
            let i = 2 * (c >> 4) as usize - if c == special { 1 } else { 0 };
            let offset = (v as u8).wrapping_sub(c);
            assert!(!rolled[i] || roll[i] == offset, "roll table clash");
            roll[i] = offset;
            rolled[i] = true;
            v += 1;
        }
        let mut classes = [0u16; 8];
        let mut count = 0;
        let mut hi = [0u8; 16];
        let mut h = 0;
        while h < 8 {
            let mut class = 0;
            while class < count && classes[class] != valid[h] {
                class += 1;
            }
            if class == count {
                assert!(count < 8, "more than 8 nibble classes");
                classes[count] = valid[h];
                count += 1;
            }
            hi[2 * h] = 1 << class;
            h += 1;
        }
        let mut lo = [0u8; 16];
        let mut l = 0;
        while l < 16 {
            let mut class = 0;
            while class < count {
                if classes[class] & (1 << l) != 0 {
                    lo[l] |= 1 << class;
                }
                class += 1;
            }
            l += 1;
        }
        let (roll_min, min63) = roll_min(alphabet);
        Tables {
            lo,
            hi,
            roll,
            special,
            roll_min,
            min63,
        }
    }
}

/// The roll table for [`Luts`] in `min` mode, and whether that mode
/// decodes `alphabet`: each high nibble's offset is the one of its first
/// character, and a character whose sum with that offset is not its
/// sextet must be sextet 63 with a sum above 63 (wrapping as bytes).
const fn roll_min(alphabet: &[u8; 64]) -> ([u8; 16], bool) {
    let mut roll = [0u8; 16];
    let mut rolled = [false; 16];
    let mut v = 0;
    while v < 64 {
        let c = alphabet[v];
        let i = 2 * (c >> 4) as usize;
        let offset = (v as u8).wrapping_sub(c);
        if !rolled[i] {
            roll[i] = offset;
            rolled[i] = true;
        } else if roll[i] != offset && (v != 63 || c.wrapping_add(roll[i]) <= 63) {
            return ([0; 16], false);
        }
        v += 1;
    }
    (roll, true)
}

/// `/` shares high nibble 2 with `+`.
static STANDARD: Tables = Tables::new(STANDARD_ENCODE, b'/');
// `/` is 0x2f, sextet 63, and `+`'s offset takes it to 66.
const _: () = assert!(STANDARD.min63, "the standard alphabet decodes with min");
/// `_` shares high nibble 5 with `P`..`Z`.
static URL_SAFE: Tables = Tables::new(URL_SAFE_ENCODE, b'_');

/// The [`Tables`] of one alphabet, loaded into vectors.
///
/// `MIN` picks how the one character whose offset differs from its high
/// nibble's is decoded: `true`, a `min` with 63 after the offset of its
/// nibble's other characters (one instruction; only for tables whose
/// `min63` holds, the standard alphabet), `false`, a compare that moves its
/// index to the odd slot (two instructions).
#[derive(Clone, Copy)]
pub(super) struct Luts<const MIN: bool> {
    lo: __m256i,
    hi: __m256i,
    roll: __m256i,
    special: __m256i,
}

impl Luts<true> {
    /// The tables of the standard alphabet (the only one whose `min63`
    /// holds).
    #[target_feature(enable = "avx2")]
    pub(super) fn standard() -> Self {
        let t = &STANDARD;
        Luts {
            lo: splat16_static(&t.lo),
            hi: splat16_static(&t.hi),
            roll: splat16_static(&t.roll_min),
            special: _mm256_set1_epi8(63),
        }
    }
}

impl Luts<false> {
    /// The tables of `alphabet`, with the exception slot.
    #[target_feature(enable = "avx2")]
    pub(super) fn new(alphabet: B64Alphabet) -> Self {
        let t = match alphabet {
            B64Alphabet::Standard => &STANDARD,
            B64Alphabet::UrlSafe => &URL_SAFE,
        };
        Luts {
            lo: splat16_static(&t.lo),
            hi: splat16_static(&t.hi),
            roll: splat16_static(&t.roll),
            special: _mm256_set1_epi8(t.special as i8),
        }
    }
}

/// Calls `$f::<MIN>($args)` with the [`Luts`] of `$alphabet` as its last
/// argument: the `min` form for the standard alphabet, the compare form
/// for the others.
macro_rules! with_luts {
    ($alphabet:expr, $f:ident($($arg:expr),*)) => {
        match $alphabet {
            B64Alphabet::Standard => $f($($arg,)* &Luts::standard()),
            other => $f($($arg,)* &Luts::new(other)),
        }
    };
}
pub(super) use with_luts;

/// Looks up 32 characters: returns `(bad, sextets)`, where `bad` is non-zero
/// exactly in the bytes that are not alphabet characters, and `sextets`
/// holds the value of every byte that is one.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn classify<const MIN: bool>(chars: __m256i, l: &Luts<MIN>) -> (__m256i, __m256i) {
    // 2 * high nibble: the shift moves bits 4..8 to 1..5, the mask drops
    // the neighbouring byte's bits.
    let hi = _mm256_and_si256(_mm256_srli_epi32::<3>(chars), _mm256_set1_epi8(0x1e));
    let bad = _mm256_andnot_si256(
        _mm256_shuffle_epi8(l.lo, chars),
        _mm256_shuffle_epi8(l.hi, hi),
    );
    if MIN {
        // `special` holds 63 here.
        let sextets = _mm256_add_epi8(chars, _mm256_shuffle_epi8(l.roll, hi));
        return (bad, _mm256_min_epu8(sextets, l.special));
    }
    let index = _mm256_add_epi8(hi, _mm256_cmpeq_epi8(chars, l.special));
    (
        bad,
        _mm256_add_epi8(chars, _mm256_shuffle_epi8(l.roll, index)),
    )
}

/// Packs 32 sextets into 24 bytes, 12 at the start of each 128-bit lane
/// (the last 4 bytes of each lane are garbage). No lane crossing: the
/// stores below put the halves in place.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn pack(sextets: __m256i) -> __m256i {
    // [a, b, c, d] -> 16-bit a:b, c:d -> 32-bit a:b:c:d (24 bits, little-endian).
    let pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x0140_0140));
    let quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_1000));
    let order = splat16([2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 0, 0, 0, 0]);
    _mm256_shuffle_epi8(quads, order)
}

/// Stores the 24 bytes of a [`pack`]ed vector at `dst`, exactly.
///
/// Two plain stores after one lane-crossing permute: masked stores
/// (`vpmaskmovd`) are microcoded and slow on AMD cores.
///
/// # Safety
/// `dst[0..24]` must be writable.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn store_exact(dst: *mut u8, v: __m256i) {
    let v = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
    // SAFETY: the two stores cover dst[0..16] and dst[16..24], which the
    // caller guarantees writable.
    unsafe {
        _mm_storeu_si128(dst.cast(), _mm256_castsi256_si128(v));
        _mm_storel_epi64(dst.add(16).cast(), _mm256_extracti128_si256::<1>(v));
    }
}

/// Stores a [`pack`]ed vector as two 16-byte stores at `dst` and `dst + 12`:
/// `dst[0..24]` gets the 24 bytes, `dst[24..28]` garbage.
///
/// # Safety
/// `dst[0..28]` must be writable, and the caller must overwrite or own
/// `dst[24..28]` afterwards.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn store_wide(dst: *mut u8, v: __m256i) {
    // SAFETY: the caller guarantees dst[0..28] writable; the second store
    // overwrites the first one's 4 garbage bytes.
    unsafe {
        _mm_storeu_si128(dst.cast(), _mm256_castsi256_si128(v));
        _mm_storeu_si128(dst.add(12).cast(), _mm256_extracti128_si256::<1>(v));
    }
}

/// The 4 bytes at `at`, to be put back with [`restore`] after a wide store
/// has run past the output into them.
///
/// # Safety
/// `at[0..4]` must be readable.
#[inline]
pub(super) unsafe fn save(at: *const u8) -> u32 {
    // SAFETY: the caller guarantees at[0..4] readable.
    unsafe { at.cast::<u32>().read_unaligned() }
}

/// Puts back the 4 bytes [`save`]d at `at`.
///
/// # Safety
/// `at[0..4]` must be writable.
#[inline]
pub(super) unsafe fn restore(at: *mut u8, saved: u32) {
    // SAFETY: the caller guarantees at[0..4] writable.
    unsafe { at.cast::<u32>().write_unaligned(saved) }
}

/// Loads 32 bytes.
///
/// # Safety
/// `src[0..32]` must be readable.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn load(src: *const u8) -> __m256i {
    // SAFETY: the caller guarantees src[0..32] readable.
    unsafe { _mm256_loadu_si256(src.cast()) }
}

/// Whether every byte of `bad` is zero.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn all_valid(bad: __m256i) -> bool {
    _mm256_testz_si256(bad, bad) != 0
}

/// The alphabet characters of a block as a bit mask (bit `j` for byte `j`).
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn alpha_mask(bad: __m256i) -> u32 {
    _mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256())) as u32
}

/// Bulk decode of alphabet-only blocks. See `simd::B64DecodeFn`.
///
/// Works in 32-character blocks, [`GROUP`] at a time (more keep too many
/// vectors alive across the check and measured slower): a group is checked
/// before anything is stored, and every block uses a wide store, each overwritten
/// by the next. The last one's 4 extra bytes are overwritten by the next
/// group, and after the last group they get back what they held (saved
/// before the group's stores), so nothing outside `out[..written]` changes.
/// After the whole blocks, one block moved back to end on the last whole
/// quad before `input`'s end, the first non-alphabet byte, or `out`'s end
/// takes the rest (rewriting output already written with the same bytes).
/// On a long input the first block may go alone first, so that the loads
/// after it are aligned (see [`align_loads`]).
/// So `consumed` is `min(stop / 4 * 4, out.len() / 3 * 4)` for the first
/// non-alphabet byte (or end) at `stop`, or 0 when that is below 32.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn decode(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    with_luts!(alphabet, decode_with(input, out))
}

/// [`decode`] with the tables of its alphabet.
#[target_feature(enable = "avx2")]
fn decode_with<const MIN: bool>(input: &[u8], out: &mut [u8], l: &Luts<MIN>) -> (usize, usize) {
    let l = *l;
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    let (mut i, mut o) = (0, 0);
    if let Some(skew) = align_loads(input, out, &l) {
        (i, o) = (skew, skew / 4 * 3);
    }
    let mut saved = None;
    while input.len() - i >= GROUP * IN && out.len() - o >= GROUP * OUT + 4 {
        let mut bad = _mm256_setzero_si256();
        let mut sextets = [bad; GROUP];
        for (j, s) in sextets.iter_mut().enumerate() {
            // SAFETY: input[i..i + 32 * GROUP] is in bounds (loop condition).
            let (b, v) = classify(unsafe { load(src.add(i + IN * j)) }, &l);
            bad = _mm256_or_si256(bad, b);
            *s = v;
        }
        if !all_valid(bad) {
            break;
        }
        // SAFETY: out[o..o + 24 * GROUP + 4] is in bounds (loop condition);
        // each wide store's garbage tail is overwritten by the next store,
        // the last one's by the next group or the restore below.
        unsafe {
            saved = Some(save(dst.add(o + GROUP * OUT)));
            for (j, &s) in sextets.iter().enumerate() {
                store_wide(dst.add(o + OUT * j), pack(s));
            }
        }
        i += GROUP * IN;
        o += GROUP * OUT;
    }
    if let Some(saved) = saved {
        // SAFETY: out[o..o + 4] was in bounds for the last group's stores.
        unsafe { restore(dst.add(o), saved) };
    }
    while input.len() - i >= IN && out.len() - o >= OUT {
        // SAFETY: input[i..i + 32] is in bounds (loop condition).
        let (bad, sextets) = classify(unsafe { load(src.add(i)) }, &l);
        if !all_valid(bad) {
            break;
        }
        // SAFETY: out[o..o + 24] is in bounds (loop condition).
        unsafe { store_exact(dst.add(o), pack(sextets)) };
        i += IN;
        o += OUT;
    }
    // SAFETY: AVX2 is enabled here; input[..i] was decoded into out[..o],
    // o == i / 4 * 3.
    let (c, w) = unsafe { tail(input, out, i, o, &l) };
    (i + c, o + w)
}

/// Blocks checked together before any of them is stored.
const GROUP: usize = 4;

/// Below this many characters a call does not pay for [`align_loads`].
const ALIGN_MIN: usize = 4096;

/// Decodes the first block when that lets every later load be 32-byte
/// aligned: a load that straddles two cache lines costs two, and a
/// buffer from the allocator is usually 16 bytes off. Returns the
/// characters (a multiple of 4, below 32) after which the loads are
/// aligned; the block decoded here covers them, and the blocks after
/// rewrite the rest of its bytes with the same values. `None` when the
/// input is short, cannot be aligned on a quad, is aligned already, or its
/// first block is not all alphabet characters.
#[target_feature(enable = "avx2")]
#[inline]
fn align_loads<const MIN: bool>(input: &[u8], out: &mut [u8], l: &Luts<MIN>) -> Option<usize> {
    let skew = input.as_ptr().align_offset(IN);
    if skew == 0 || !skew.is_multiple_of(4) || input.len() < ALIGN_MIN || out.len() < OUT {
        return None;
    }
    // SAFETY: input holds at least ALIGN_MIN >= 32 bytes.
    let (bad, sextets) = classify(unsafe { load(input.as_ptr()) }, l);
    if !all_valid(bad) {
        return None;
    }
    // SAFETY: out holds at least 24 bytes.
    unsafe { store_exact(out.as_mut_ptr(), pack(sextets)) };
    Some(skew)
}

/// The rest after the whole blocks at `input[i..]`, `out[o..]` (fewer than
/// 32 characters, or room for fewer than 24 bytes, or a block holding a
/// non-alphabet byte): the whole quads of alphabet characters that fit,
/// decoded by a block that ends with them and starts in the characters
/// before `i`. Returns `(consumed, written)` past `i`, `o`.
///
/// # Safety
/// The CPU must support AVX2, and the (up to 32) bytes before `input[i]`
/// must be alphabet characters that were decoded into the bytes right
/// before `out[o]` (`o >= min(i, 32) / 4 * 3`): the block rewrites those.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn tail<const MIN: bool>(
    input: &[u8],
    out: &mut [u8],
    i: usize,
    o: usize,
    l: &Luts<MIN>,
) -> (usize, usize) {
    let q = ((input.len() - i) / 4)
        .min((out.len() - o) / 3)
        .min(IN / 4 - 1)
        * 4;
    if q == 0 || i + q < IN {
        return (0, 0);
    }
    // SAFETY: input[i + q - 32..i + q] is in bounds (i + q >= 32, q <= len - i).
    let (bad, sextets) = classify(unsafe { load(input.as_ptr().add(i + q - IN)) }, l);
    // Valid characters among the q new ones (the 32 - q before are valid).
    let v = ((alpha_mask(bad) >> (IN - q)).trailing_ones() as usize / 4 * 4).min(q);
    let sextets = if v == q {
        sextets
    } else if v > 0 && i + v >= IN {
        // SAFETY: i + v - 32 >= 0 and i + v <= i + q <= input.len().
        classify(unsafe { load(input.as_ptr().add(i + v - IN)) }, l).1
    } else {
        return (0, 0);
    };
    // SAFETY: the 24 bytes end at o + v / 4 * 3 <= out.len() and start at
    // o + v / 4 * 3 - 24 >= 0, as i + v >= 32 and the characters before i
    // (at least 32 - v of them) map to the bytes before o (caller).
    unsafe { store_exact(out.as_mut_ptr().add(o + v / 4 * 3 - OUT), pack(sextets)) };
    (v, v / 4 * 3)
}
