//! AVX2 decode: validate and translate 32 characters with nibble lookups,
//! then pack their sextets into 24 bytes. The classify and pack steps are
//! shared with the MIME decoder.

use std::arch::x86_64::*;

use super::splat16;
use crate::simd::scalar::base64::{STANDARD_ENCODE, URL_SAFE_ENCODE};
use crate::simd::B64Alphabet;

/// Characters consumed and bytes produced by one vector.
pub(super) const IN: usize = 32;
pub(super) const OUT: usize = 24;

/// The per-alphabet lookup tables, indexed by nibbles.
struct Tables {
    /// Validation: a byte `c` is outside the alphabet iff
    /// `lo[c & 15] & hi[c >> 4] != 0`. Each distinct set of valid low
    /// nibbles gets a class bit; `hi` maps a high nibble to its class and
    /// `lo[l]` holds the classes in which `l` is *not* valid, so one AND
    /// flags every bad byte (bytes >= 0x80 land in the empty class).
    lo: [u8; 16],
    hi: [u8; 16],
    /// `roll[i]` is what to add to a character to get its sextet, where `i`
    /// is its high nibble, moved by `bump` for the one character (`special`)
    /// whose offset differs from the others sharing its high nibble.
    roll: [u8; 16],
    special: u8,
    bump: u8,
}

impl Tables {
    /// Derives the tables from an alphabet; a clash fails the build.
    const fn new(alphabet: &[u8; 64], special: u8, bump: u8) -> Tables {
        let mut valid = [0u16; 16];
        let mut roll = [0u8; 16];
        let mut rolled = [false; 16];
        let mut v = 0;
        while v < 64 {
            let c = alphabet[v];
            valid[(c >> 4) as usize] |= 1 << (c & 15);
            let bumped = if c == special { bump } else { 0 };
            let i = ((c >> 4).wrapping_add(bumped) & 15) as usize;
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
        while h < 16 {
            let mut class = 0;
            while class < count && classes[class] != valid[h] {
                class += 1;
            }
            if class == count {
                assert!(count < 8, "more than 8 nibble classes");
                classes[count] = valid[h];
                count += 1;
            }
            hi[h] = 1 << class;
            h += 1;
        }
        let mut lo = [0u8; 16];
        let mut l = 0;
        while l < 16 {
            let mut class = 0;
            while class < count {
                if classes[class] & (1 << l) == 0 {
                    lo[l] |= 1 << class;
                }
                class += 1;
            }
            l += 1;
        }
        Tables {
            lo,
            hi,
            roll,
            special,
            bump,
        }
    }
}

/// `/` shares high nibble 2 with `+`; it moves to the unused slot 1.
const STANDARD: Tables = Tables::new(STANDARD_ENCODE, b'/', 0xff);
/// `_` shares high nibble 5 with `P`..`Z`; it moves to the unused slot 8.
const URL_SAFE: Tables = Tables::new(URL_SAFE_ENCODE, b'_', 3);

/// The [`Tables`] of one alphabet, loaded into vectors.
#[derive(Clone, Copy)]
pub(super) struct Luts {
    lo: __m256i,
    hi: __m256i,
    roll: __m256i,
    special: __m256i,
    bump: __m256i,
}

impl Luts {
    /// The tables of `alphabet`.
    #[target_feature(enable = "avx2")]
    pub(super) fn new(alphabet: B64Alphabet) -> Luts {
        let t = match alphabet {
            B64Alphabet::Standard => &STANDARD,
            B64Alphabet::UrlSafe => &URL_SAFE,
        };
        Luts {
            lo: splat16(t.lo),
            hi: splat16(t.hi),
            roll: splat16(t.roll),
            special: _mm256_set1_epi8(t.special as i8),
            bump: _mm256_set1_epi8(t.bump as i8),
        }
    }
}

/// Looks up 32 characters: returns `(bad, sextets)`, where `bad` is non-zero
/// exactly in the bytes that are not alphabet characters, and `sextets`
/// holds the value of every byte that is one.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn classify(chars: __m256i, l: &Luts) -> (__m256i, __m256i) {
    let nibble = _mm256_set1_epi8(0x0f);
    let hi = _mm256_and_si256(_mm256_srli_epi32::<4>(chars), nibble);
    let lo = _mm256_and_si256(chars, nibble);
    let bad = _mm256_and_si256(_mm256_shuffle_epi8(l.lo, lo), _mm256_shuffle_epi8(l.hi, hi));
    let special = _mm256_and_si256(_mm256_cmpeq_epi8(chars, l.special), l.bump);
    let roll = _mm256_shuffle_epi8(l.roll, _mm256_add_epi8(hi, special));
    (bad, _mm256_add_epi8(chars, roll))
}

/// Packs 32 sextets into 24 bytes at the start of the vector (the last 8
/// bytes are garbage: the shuffles fill them with copies rather than zeros,
/// which LLVM would otherwise blend in with an extra instruction).
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn pack(sextets: __m256i) -> __m256i {
    // [a, b, c, d] -> 16-bit a:b, c:d -> 32-bit a:b:c:d (24 bits, little-endian).
    let pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x0140_0140));
    let quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_1000));
    let order = splat16([2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 0, 0, 0, 0]);
    let lanes = _mm256_shuffle_epi8(quads, order);
    _mm256_permutevar8x32_epi32(lanes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7))
}

/// Stores the 24 packed bytes of `v` at `dst`, exactly.
///
/// # Safety
/// `dst[0..24]` must be writable.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn store_exact(dst: *mut u8, v: __m256i) {
    let first6 = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
    // SAFETY: the masked store touches only the 6 selected dwords, dst[0..24],
    // which the caller guarantees writable.
    unsafe { _mm256_maskstore_epi32(dst.cast(), first6, v) };
}

/// Stores all 32 bytes of `v` (24 packed bytes and 8 of garbage) at `dst`.
///
/// # Safety
/// `dst[0..32]` must be writable, and the caller must overwrite or own
/// `dst[24..32]` afterwards.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn store_wide(dst: *mut u8, v: __m256i) {
    // SAFETY: the caller guarantees dst[0..32] writable.
    unsafe { _mm256_storeu_si256(dst.cast(), v) };
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

/// Bulk decode of alphabet-only blocks. See `simd::B64DecodeFn`.
///
/// Works in 32-character blocks and stops before the first block holding
/// any other byte. Groups of four blocks are checked before anything is
/// stored, so that the first three can use plain 32-byte stores (each
/// overwritten by the next) and only the last needs an exact one.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn decode(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let l = Luts::new(alphabet);
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    let (mut i, mut o) = (0, 0);
    while input.len() - i >= 4 * IN && out.len() - o >= 4 * OUT {
        let mut bad = _mm256_setzero_si256();
        let mut sextets = [bad; 4];
        for (j, s) in sextets.iter_mut().enumerate() {
            // SAFETY: input[i..i + 128] is in bounds (loop condition).
            let (b, v) = classify(unsafe { load(src.add(i + IN * j)) }, &l);
            bad = _mm256_or_si256(bad, b);
            *s = v;
        }
        if _mm256_testz_si256(bad, bad) == 0 {
            break;
        }
        // SAFETY: out[o..o + 96] is in bounds (loop condition); the wide
        // stores end at o + 80 at most, and their garbage tails are
        // overwritten by the next store.
        unsafe {
            store_wide(dst.add(o), pack(sextets[0]));
            store_wide(dst.add(o + OUT), pack(sextets[1]));
            store_wide(dst.add(o + 2 * OUT), pack(sextets[2]));
            store_exact(dst.add(o + 3 * OUT), pack(sextets[3]));
        }
        i += 4 * IN;
        o += 4 * OUT;
    }
    while input.len() - i >= IN && out.len() - o >= OUT {
        // SAFETY: input[i..i + 32] is in bounds (loop condition).
        let (bad, sextets) = classify(unsafe { load(src.add(i)) }, &l);
        if _mm256_testz_si256(bad, bad) == 0 {
            break;
        }
        // SAFETY: out[o..o + 24] is in bounds (loop condition).
        unsafe { store_exact(dst.add(o), pack(sextets)) };
        i += IN;
        o += OUT;
    }
    (i, o)
}
