//! AVX-512 base64 kernels (F, BW, VL, VBMI, VBMI2, BMI2, POPCNT), after Muła
//! and Lemire, "Base64 encoding and decoding at almost the speed of a memory
//! copy" (2019): one 512-bit vector turns 48 bytes into 64 characters or back.
//!
//! - Encode (here): `vpermb` copies each 3-byte group into a 4-byte lane,
//!   `vpmultishiftqb` cuts the four 6-bit fields out of every lane, and a
//!   second `vpermb` maps them through the 64-character alphabet.
//! - Decode (here): `vpermi2b` maps every character through a 128-entry
//!   table (sextet value, or a flag with bit 7 set for bytes the kernel must
//!   stop before); `vpmaddubsw` + `vpmaddwd` join four sextets into 24 bits
//!   and `vpermb` squeezes out every fourth byte.
//! - MIME encode (`encode_mime`): the output stream, line breaks included,
//!   vector by vector, with per-vector tables.
//! - MIME decode (`mime`, `lines`): runs of lines of one length four lines
//!   at a time, anything else through `vpcompressb` into a staging buffer.
//! - `stream`: non-temporal stores for outputs of several MiB.
//!
//! Stores are aligned where the output allows it (unaligned 64-byte stores
//! cost about a third more here). A whole-vector store that reaches past its
//! data is only made where a later store of the same call overwrites the
//! excess; the last store of a run is masked, so nothing outside
//! `out[..written]` is ever written. Loads past a block are whole-vector only
//! where `input` is long enough; elsewhere they are masked, and masked-off
//! bytes are neither read nor able to fault.

use std::arch::x86_64::*;

use crate::simd::scalar::base64::{STANDARD_ENCODE, URL_SAFE_ENCODE};
use crate::simd::B64Alphabet;

use super::avx512_util::{first_lanes, load_prefix, table, Table};

mod encode_mime;
mod lines;
mod mime;
mod stream;
#[cfg(test)]
mod tests;

pub(crate) use encode_mime::encode_mime;
pub(crate) use mime::decode_mime;

/// Decode-table value of CR, LF, space and tab in the MIME tables: bit 6
/// marks "not a sextet" without bit 7 ("stop here").
const SPACE: u8 = 0x40;
/// Decode-table value of every byte a kernel stops before.
const STOP: u8 = 0xc0;

/// The 128-entry `vpermi2b` decode table. Bytes >= 0x80 index it modulo 128;
/// the kernels catch them through bit 7 of the input byte itself.
const fn decode_table(encode: &[u8; 64], mime: bool) -> Table<128> {
    let mut t = [STOP; 128];
    let mut i = 0;
    while i < 64 {
        t[encode[i] as usize] = i as u8;
        i += 1;
    }
    if mime {
        t[b'\r' as usize] = SPACE;
        t[b'\n' as usize] = SPACE;
        t[b' ' as usize] = SPACE;
        t[b'\t' as usize] = SPACE;
    }
    Table(t)
}

static DECODE_STANDARD: Table<128> = decode_table(STANDARD_ENCODE, false);
static DECODE_URL_SAFE: Table<128> = decode_table(URL_SAFE_ENCODE, false);
static DECODE_MIME_STANDARD: Table<128> = decode_table(STANDARD_ENCODE, true);
static DECODE_MIME_URL_SAFE: Table<128> = decode_table(URL_SAFE_ENCODE, true);

/// `vpermb` indices that fill lane `i` with bytes `b+1, b, b+2, b+1` of the
/// group starting at `starts[i]`: the order in which each 12-bit half of the
/// group is contiguous for `vpmultishiftqb`.
const fn spread_table(starts: [u8; 16]) -> Table<64> {
    let mut t = [0; 64];
    let mut i = 0;
    while i < 16 {
        let b = starts[i];
        t[4 * i] = b + 1;
        t[4 * i + 1] = b;
        t[4 * i + 2] = b + 2;
        t[4 * i + 3] = b + 1;
        i += 1;
    }
    Table(t)
}

/// Groups 0..16 of one 48-byte block.
static SPREAD: Table<64> =
    spread_table([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45]);
/// `vpmultishiftqb` bit offsets of the four sextets of each 32-bit lane
/// laid out by [`SPREAD`] (`b1 b0 b2 b1`): 10, 4 in the low half, 22, 16 in the
/// high half, repeated for the second lane of each 64-bit element.
const SEXTET_SHIFTS: i64 = 0x3036_242a_1016_040a;

/// `vpermb` indices gathering bytes 2, 1, 0 of each 32-bit lane (the 24-bit
/// value, most significant first) into 48 contiguous bytes.
static COMPACT: Table<64> = {
    let mut t = [0; 64];
    let mut j = 0;
    while j < 48 {
        t[j] = (4 * (j / 3) + 2 - j % 3) as u8;
        j += 1;
    }
    Table(t)
};

/// Stores the first `n` bytes of `v` into `dst` (fewer if `dst` is shorter).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn store_prefix(dst: &mut [u8], n: usize, v: __m512i) {
    // SAFETY: the mask covers only lanes inside `dst`; masked-off lanes are
    // left untouched.
    unsafe { _mm512_mask_storeu_epi8(dst.as_mut_ptr().cast(), first_lanes(n.min(dst.len())), v) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
/// Loads 64 bytes from `p`.
///
/// # Safety
/// `p..p + 64` must be readable.
unsafe fn load(p: *const u8) -> __m512i {
    // SAFETY: the caller guarantees 64 readable bytes.
    unsafe { _mm512_loadu_si512(p.cast()) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
/// Stores 64 bytes at `p`.
///
/// # Safety
/// `p..p + 64` must be writable.
unsafe fn store(p: *mut u8, v: __m512i) {
    // SAFETY: the caller guarantees 64 writable bytes.
    unsafe { _mm512_storeu_si512(p.cast(), v) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
/// Stores the lanes of `v` selected by `mask` at the same offsets from `p`.
///
/// # Safety
/// `p + i` must be writable for every lane `i` set in `mask`.
unsafe fn store_lanes(p: *mut u8, mask: u64, v: __m512i) {
    // SAFETY: the caller guarantees every selected lane is writable;
    // unselected lanes are not touched.
    unsafe { _mm512_mask_storeu_epi8(p.cast(), mask, v) }
}

/// The encoder's constant vectors.
#[derive(Clone, Copy)]
struct Encoder {
    spread: __m512i,
    shifts: __m512i,
    alphabet: __m512i,
}

impl Encoder {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn new(alphabet: B64Alphabet) -> Self {
        // SAFETY: the encode table is 64 readable bytes.
        let chars = unsafe { _mm512_loadu_si512(alphabet.encode_table().as_ptr().cast()) };
        Encoder {
            spread: table(&SPREAD),
            shifts: _mm512_set1_epi64(SEXTET_SHIFTS),
            alphabet: chars,
        }
    }

    /// The characters of 16 groups already laid out by a spread table.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn chars(self, lanes: __m512i) -> __m512i {
        let sextets = _mm512_multishift_epi64_epi8(self.shifts, lanes);
        _mm512_permutexvar_epi8(sextets, self.alphabet)
    }

    /// The 64 characters of the first 48 bytes of `block`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn block(self, block: __m512i) -> __m512i {
        self.chars(_mm512_permutexvar_epi8(self.spread, block))
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
/// Bulk encode of whole 3-byte groups. See `simd::B64EncodeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
pub(crate) unsafe fn encode(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let enc = Encoder::new(alphabet);
    let groups = (input.len() / 3).min(out.len() / 4);
    let out_len = groups * 4;
    // Up to 15 groups first, so that the whole-vector stores are aligned
    // (if `out` is 4-byte aligned): unaligned ones cost a third more.
    let misaligned = out.as_ptr() as usize % 64;
    let head = if misaligned.is_multiple_of(4) {
        (64 - misaligned) % 64 / 4
    } else {
        0
    };
    let mut done = encode_groups(enc, input, out, 0, head.min(groups));
    let (mut i, mut o) = (3 * done, 4 * done);
    if out_len - o >= stream::STREAM_MIN {
        (i, o) = stream::encode(enc, input, i, &mut out[..out_len], o);
    }
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    // Each 64-byte load reads 16 bytes past its 48-byte block.
    while i + 3 * 48 + 64 <= input.len() && o + 4 * 64 <= out_len {
        // SAFETY: the loads end at i + 208 <= input.len() and the stores at
        // o + 256 <= out_len <= out.len().
        unsafe {
            let (a, b) = (load(src.add(i)), load(src.add(i + 48)));
            let (c, d) = (load(src.add(i + 96)), load(src.add(i + 144)));
            store(dst.add(o), enc.block(a));
            store(dst.add(o + 64), enc.block(b));
            store(dst.add(o + 128), enc.block(c));
            store(dst.add(o + 192), enc.block(d));
        }
        i += 4 * 48;
        o += 4 * 64;
    }
    while i + 64 <= input.len() && o + 64 <= out_len {
        // SAFETY: the load ends at i + 64 <= input.len(), the store at
        // o + 64 <= out.len().
        unsafe { store(dst.add(o), enc.block(load(src.add(i)))) };
        i += 48;
        o += 64;
    }
    done = o / 4;
    while done < groups {
        done += encode_groups(enc, input, out, done, groups - done);
    }
    (groups * 3, out_len)
}

/// Encodes up to 16 groups, starting with group `at`, with masked loads and
/// stores; returns how many (`n.min(16)`). The groups must exist in
/// `input` and fit in `out`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn encode_groups(enc: Encoder, input: &[u8], out: &mut [u8], at: usize, n: usize) -> usize {
    let n = n.min(16);
    if n > 0 {
        let block = load_prefix(&input[3 * at..3 * (at + n)]);
        store_prefix(&mut out[4 * at..], 4 * n, enc.block(block));
    }
    n
}

/// The decoder's constant vectors.
#[derive(Clone, Copy)]
struct Decoder {
    lo: __m512i,
    hi: __m512i,
    compact: __m512i,
}

impl Decoder {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn new(t: &Table<128>) -> Self {
        // SAFETY: a `Table<128>` is 128 readable bytes aligned to 64.
        let (lo, hi) = unsafe {
            let p = t.0.as_ptr();
            (
                _mm512_load_si512(p.cast()),
                _mm512_load_si512(p.add(64).cast()),
            )
        };
        Decoder {
            lo,
            hi,
            compact: table(&COMPACT),
        }
    }

    /// Each character's table value (sextet, [`SPACE`] or [`STOP`]).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn translate(self, chars: __m512i) -> __m512i {
        _mm512_permutex2var_epi8(self.lo, chars, self.hi)
    }

    /// Each character's table value, with bit 7 also set for bytes >= 0x80
    /// (which the 128-entry table sees modulo 128).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn values(self, chars: __m512i) -> __m512i {
        let high = _mm512_set1_epi8(0x80u8 as i8);
        _mm512_ternarylogic_epi32::<0xf8>(self.translate(chars), chars, high)
    }

    /// The 48 bytes of 64 sextets, in the first 48 lanes.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn pack(self, sextets: __m512i) -> __m512i {
        self.pack_with(sextets, self.compact)
    }

    /// The 24-bit values of each 32-bit lane of sextets, placed by the
    /// `vpermb` indices `compact`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn pack_with(self, sextets: __m512i, compact: __m512i) -> __m512i {
        _mm512_permutexvar_epi8(compact, self.words(sextets))
    }

    /// The 24-bit value of each 32-bit lane of sextets, least significant
    /// byte first.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn words(self, sextets: __m512i) -> __m512i {
        let pairs = _mm512_maddubs_epi16(sextets, _mm512_set1_epi32(0x0140_0140));
        _mm512_madd_epi16(pairs, _mm512_set1_epi32(0x0001_1000))
    }
}

/// Decodes whole 64-character blocks of alphabet characters from
/// `input[i..]` to `out[o..]`, four at a time while it can, until a block
/// holds any other byte or either slice runs short. Returns the new `(i, o)`.
///
/// A block is clean if no table value has bit 7 set (not in the alphabet)
/// and no character has (a byte >= 0x80, which the 128-entry table sees
/// modulo 128); with `SPACES` (the MIME tables), also no value has bit 6 set
/// (whitespace).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn decode_blocks<const SPACES: bool>(
    dec: Decoder,
    input: &[u8],
    mut i: usize,
    out: &mut [u8],
    mut o: usize,
) -> (usize, usize) {
    let unclean = |all: __m512i| {
        if SPACES {
            _mm512_test_epi8_mask(all, _mm512_set1_epi8(0xc0u8 as i8)) != 0
        } else {
            _mm512_movepi8_mask(all) != 0
        }
    };
    let high = _mm512_set1_epi8(0x80u8 as i8);
    let (len, cap) = (input.len(), out.len());
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    while i + 4 * 64 <= len && o + 4 * 48 <= cap {
        // SAFETY: the loads end at i + 256 <= len.
        let (a, b, c, d) = unsafe {
            let p = src.add(i);
            (load(p), load(p.add(64)), load(p.add(128)), load(p.add(192)))
        };
        let raw = _mm512_ternarylogic_epi32::<0xfe>(a, b, c);
        // (raw | d) & high
        let raw = _mm512_ternarylogic_epi32::<0xa8>(raw, d, high);
        let (ta, tb, tc, td) = (
            dec.translate(a),
            dec.translate(b),
            dec.translate(c),
            dec.translate(d),
        );
        let all = _mm512_ternarylogic_epi32::<0xfe>(ta, tb, tc);
        if unclean(_mm512_ternarylogic_epi32::<0xfe>(all, td, raw)) {
            break;
        }
        // SAFETY: the stores end at o + 192 <= cap; the 16 extra bytes of
        // each whole-vector store are overwritten by the next store.
        unsafe {
            let q = dst.add(o);
            store(q, dec.pack(ta));
            store(q.add(48), dec.pack(tb));
            store(q.add(96), dec.pack(tc));
            store_lanes(q.add(144), first_lanes(48), dec.pack(td));
        }
        i += 4 * 64;
        o += 4 * 48;
    }
    while i + 64 <= len && o + 48 <= cap {
        // SAFETY: the load ends at i + 64 <= len.
        let a = unsafe { load(src.add(i)) };
        let ta = dec.translate(a);
        // ta | (a & high)
        if unclean(_mm512_ternarylogic_epi32::<0xf8>(ta, a, high)) {
            break;
        }
        // SAFETY: the store ends at o + 48 <= cap.
        unsafe { store_lanes(dst.add(o), first_lanes(48), dec.pack(ta)) };
        i += 64;
        o += 48;
    }
    (i, o)
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
/// Bulk decode of alphabet-only blocks. See `simd::B64DecodeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
pub(crate) unsafe fn decode(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let dec = Decoder::new(match alphabet {
        B64Alphabet::Standard => &DECODE_STANDARD,
        B64Alphabet::UrlSafe => &DECODE_URL_SAFE,
    });
    // Up to 15 quads first, so that the stores of 48 bytes are 16-byte
    // aligned: unaligned ones cost about a third more. 11 is the inverse
    // of 3 modulo 16.
    let head = (16 - out.as_ptr() as usize % 16) % 16 * 11 % 16;
    let quads = if head == 0 {
        0
    } else {
        decode_quads(dec, input, 0, out, 0, head)
    };
    if quads < head {
        return (4 * quads, 3 * quads);
    }
    let (i, o) = (4 * quads, 3 * quads);
    let (i, o) = decode_blocks::<false>(dec, input, i, out, o);
    // The block that stopped the loops, or the short end of the input.
    let quads = decode_quads(dec, input, i, out, o, 16);
    (i + 4 * quads, o + 3 * quads)
}

/// Decodes up to `n` (at most 16) whole quads of alphabet characters from
/// `input[i..]` to `out[o..]` with masked loads and stores, stopping before
/// any other byte and where `out` ends; returns how many.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn decode_quads(dec: Decoder, input: &[u8], i: usize, out: &mut [u8], o: usize, n: usize) -> usize {
    let len = (input.len() - i).min(64);
    let a = load_prefix(&input[i..i + len]);
    let ta = dec.translate(a);
    let stops = _mm512_movepi8_mask(_mm512_or_si512(a, ta)) | !first_lanes(len);
    let ok = stops.trailing_zeros() as usize;
    let quads = (ok / 4).min(n).min((out.len() - o) / 3);
    store_prefix(&mut out[o..], 3 * quads, dec.pack(ta));
    quads
}
