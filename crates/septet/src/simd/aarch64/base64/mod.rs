//! NEON base64 kernels: 48 bytes to 64 characters per step, or back, with
//! structured loads and stores doing the (de)interleaving and 64-entry
//! table lookups (`tbl`/`tbx` over four registers) doing the translation.
//!
//! - [`encode`], [`encode_mime`]: in `encode`.
//! - [`decode`]: in `decode`.
//! - [`decode_mime`]: in `mime`, a fast path for regular lines (any length
//!   that is a multiple of 4 and at least 32, CRLF or LF) and a squeezing
//!   path for everything else.
//!
//! This file holds the translation steps every kernel shares.

use core::arch::aarch64::*;

use crate::simd::B64Alphabet;

mod decode;
mod encode;
mod mime;
#[cfg(test)]
mod tests;

pub(crate) use decode::decode;
pub(crate) use encode::{encode, encode_mime};
pub(crate) use mime::decode_mime;

/// Characters decoded (and bytes encoded) per full step.
pub(super) const CHARS: usize = 64;
/// Bytes decoded (and characters encoded) per full step.
pub(super) const BYTES: usize = 48;
/// The half step on 64-bit registers: characters, bytes.
pub(super) const HALF_CHARS: usize = 32;
pub(super) const HALF_BYTES: usize = 24;

/// The alphabet in value order, in four registers: `tbl` turns sextets
/// (0..=63) into characters directly.
#[derive(Clone, Copy)]
pub(super) struct EncodeLut(uint8x16x4_t);

impl EncodeLut {
    #[target_feature(enable = "neon")]
    pub(super) fn new(alphabet: B64Alphabet) -> Self {
        let table = alphabet.encode_table();
        // SAFETY: the table is 64 bytes, exactly what the four-register load reads.
        EncodeLut(unsafe { vld1q_u8_x4(table.as_ptr()) })
    }

    /// Sextets of 16 groups `(b0, b1, b2)` (deinterleaved) to their characters.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn encode(self, b: uint8x16x3_t) -> uint8x16x4_t {
        let m = vdupq_n_u8(0x3f);
        // `vsli` keeps the low bits of its first operand and shifts the
        // second in above them, one instruction for `(x << n) | y`.
        let s0 = vshrq_n_u8::<2>(b.0);
        let s1 = vandq_u8(vsliq_n_u8::<4>(vshrq_n_u8::<4>(b.1), b.0), m);
        let s2 = vandq_u8(vsliq_n_u8::<2>(vshrq_n_u8::<6>(b.2), b.1), m);
        let s3 = vandq_u8(b.2, m);
        let t = self.0;
        uint8x16x4_t(
            vqtbl4q_u8(t, s0),
            vqtbl4q_u8(t, s1),
            vqtbl4q_u8(t, s2),
            vqtbl4q_u8(t, s3),
        )
    }

    /// [`encode`](Self::encode) on 8 groups (64-bit registers).
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn encode_half(self, b: uint8x8x3_t) -> uint8x8x4_t {
        let m = vdup_n_u8(0x3f);
        let s0 = vshr_n_u8::<2>(b.0);
        let s1 = vand_u8(vsli_n_u8::<4>(vshr_n_u8::<4>(b.1), b.0), m);
        let s2 = vand_u8(vsli_n_u8::<2>(vshr_n_u8::<6>(b.2), b.1), m);
        let s3 = vand_u8(b.2, m);
        let t = self.0;
        uint8x8x4_t(
            vqtbl4_u8(t, s0),
            vqtbl4_u8(t, s1),
            vqtbl4_u8(t, s2),
            vqtbl4_u8(t, s3),
        )
    }
}

/// The decode table for the characters the alphabets use, 43 (`+`) to
/// 122 (`z`): a character's sextet, or [`BAD`]. The first 64 go in four
/// registers, the last 16 in one; every other byte falls outside both and
/// keeps the [`BAD`] the lookup starts from.
#[derive(Clone, Copy)]
pub(super) struct DecodeLut {
    low: uint8x16x4_t,
    high: uint8x16_t,
}

/// The first character the table covers.
const FIRST: u8 = b'+';
/// What the lookup gives a byte outside the alphabet (any value above 63
/// would do; all bits set keeps the OR-reduction simple).
const BAD: u8 = 0xff;

impl DecodeLut {
    #[target_feature(enable = "neon")]
    pub(super) fn new(alphabet: B64Alphabet) -> Self {
        let table = alphabet.decode_table();
        // SAFETY: the table is 256 bytes; the loads read bytes 43..123.
        unsafe {
            let first = table.as_ptr().add(FIRST as usize);
            DecodeLut {
                low: vld1q_u8_x4(first),
                high: vld1q_u8(first.add(64)),
            }
        }
    }

    /// The sextet of every byte of `c`, [`BAD`] for bytes outside the alphabet.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn lookup(self, c: uint8x16_t) -> uint8x16_t {
        // `tbx` leaves lanes whose index is out of range as they were;
        // bytes below 43 wrap around to indices above 212.
        let i = vsubq_u8(c, vdupq_n_u8(FIRST));
        let v = vqtbx4q_u8(vdupq_n_u8(BAD), self.low, i);
        vqtbx1q_u8(v, self.high, vsubq_u8(i, vdupq_n_u8(64)))
    }

    /// [`lookup`](Self::lookup) on 8 bytes.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn lookup_half(self, c: uint8x8_t) -> uint8x8_t {
        let i = vsub_u8(c, vdup_n_u8(FIRST));
        let v = vqtbx4_u8(vdup_n_u8(BAD), self.low, i);
        vqtbx1_u8(v, self.high, vsub_u8(i, vdup_n_u8(64)))
    }

    /// Looks up 64 deinterleaved characters: `(bytes, any)`, the packed
    /// bytes and the OR of all the lookups, which is above 63 if any
    /// character is outside the alphabet (then the bytes are meaningless).
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn decode_any(self, c: uint8x16x4_t) -> (uint8x16x3_t, uint8x16_t) {
        let (a, b) = (self.lookup(c.0), self.lookup(c.1));
        let (x, d) = (self.lookup(c.2), self.lookup(c.3));
        let any = vorrq_u8(vorrq_u8(a, b), vorrq_u8(x, d));
        (pack(a, b, x, d), any)
    }

    /// Looks up 64 deinterleaved characters: `(bytes, ok)`, `ok` false if
    /// any of them is outside the alphabet.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn decode(self, c: uint8x16x4_t) -> (uint8x16x3_t, bool) {
        let (bytes, any) = self.decode_any(c);
        (bytes, vmaxvq_u8(any) < 64)
    }

    /// [`decode`](Self::decode) on 32 characters.
    #[target_feature(enable = "neon")]
    #[inline]
    pub(super) fn decode_half(self, c: uint8x8x4_t) -> (uint8x8x3_t, bool) {
        let (a, b) = (self.lookup_half(c.0), self.lookup_half(c.1));
        let (x, d) = (self.lookup_half(c.2), self.lookup_half(c.3));
        let any = vorr_u8(vorr_u8(a, b), vorr_u8(x, d));
        let bytes = uint8x8x3_t(
            vsli_n_u8::<2>(vshr_n_u8::<4>(b), a),
            vsli_n_u8::<4>(vshr_n_u8::<2>(x), b),
            vsli_n_u8::<6>(d, x),
        );
        (bytes, vmaxv_u8(any) < 64)
    }
}

/// Quads of sextets `(a, b, c, d)` to their three bytes. Only meaningful
/// where all four are below 64 (callers check that before storing).
#[target_feature(enable = "neon")]
#[inline]
fn pack(a: uint8x16_t, b: uint8x16_t, c: uint8x16_t, d: uint8x16_t) -> uint8x16x3_t {
    uint8x16x3_t(
        vsliq_n_u8::<2>(vshrq_n_u8::<4>(b), a),
        vsliq_n_u8::<4>(vshrq_n_u8::<2>(c), b),
        vsliq_n_u8::<6>(d, c),
    )
}

/// Decodes the 64 characters at `src` to 48 bytes at `dst` if all are in
/// the alphabet; returns whether they were (nothing is stored otherwise).
///
/// # Safety
/// `src[..64]` must be readable and `dst[..48]` writable.
#[target_feature(enable = "neon")]
#[inline]
pub(super) unsafe fn decode_block(lut: DecodeLut, src: *const u8, dst: *mut u8) -> bool {
    // SAFETY: the caller guarantees src[..64] readable.
    let (bytes, ok) = lut.decode(unsafe { vld4q_u8(src) });
    if ok {
        // SAFETY: the caller guarantees dst[..48] writable.
        unsafe { vst3q_u8(dst, bytes) };
    }
    ok
}

/// [`decode_block`] on 32 characters to 24 bytes.
///
/// # Safety
/// `src[..32]` must be readable and `dst[..24]` writable.
#[target_feature(enable = "neon")]
#[inline]
pub(super) unsafe fn decode_half_block(lut: DecodeLut, src: *const u8, dst: *mut u8) -> bool {
    // SAFETY: the caller guarantees src[..32] readable.
    let (bytes, ok) = lut.decode_half(unsafe { vld4_u8(src) });
    if ok {
        // SAFETY: the caller guarantees dst[..24] writable.
        unsafe { vst3_u8(dst, bytes) };
    }
    ok
}
