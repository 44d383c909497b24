//! Non-temporal stores for large encoder outputs.
//!
//! Past a few MiB the output does not stay in cache anyway, and ordinary
//! stores first read every line they write (read for ownership). Streaming
//! stores skip that read: encoding measured 10% faster at 4 MiB and 1.5 to 2
//! times as fast from 16 MiB on. They need whole, 64-byte aligned vectors,
//! which the encoder's aligned 64-character blocks are. (The decoder, which
//! writes a quarter less than it reads and would need an extra shuffle to
//! make whole vectors, showed no clear gain and does not stream.)

use std::arch::x86_64::*;

use super::{load, Encoder};

/// Output bytes from which the kernels stream.
pub(super) const STREAM_MIN: usize = 4 << 20;

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
/// Stores `v` at `p` without reading the line into the cache first.
///
/// # Safety
/// `p..p + 64` must be writable and `p` aligned to 64.
unsafe fn stream(p: *mut u8, v: __m512i) {
    // SAFETY: the caller guarantees 64 writable, aligned bytes.
    unsafe { _mm512_stream_si512(p.cast(), v) }
}

/// Encodes 192-byte runs from `input[i..]` to `out[o..]` with streaming
/// stores while both have room. Returns the new `(i, o)`; does nothing
/// unless `out[o..]` is 64-byte aligned.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
pub(super) fn encode(
    enc: Encoder,
    input: &[u8],
    mut i: usize,
    out: &mut [u8],
    mut o: usize,
) -> (usize, usize) {
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    if !(dst as usize + o).is_multiple_of(64) {
        return (i, o);
    }
    while i + 3 * 48 + 64 <= input.len() && o + 4 * 64 <= out.len() {
        // SAFETY: the loads end at i + 208 <= input.len(), the stores at
        // o + 256 <= out.len(), each at a multiple of 64 from an aligned o.
        unsafe {
            let (a, b) = (load(src.add(i)), load(src.add(i + 48)));
            let (c, d) = (load(src.add(i + 96)), load(src.add(i + 144)));
            stream(dst.add(o), enc.block(a));
            stream(dst.add(o + 64), enc.block(b));
            stream(dst.add(o + 128), enc.block(c));
            stream(dst.add(o + 192), enc.block(d));
        }
        i += 4 * 48;
        o += 4 * 64;
    }
    // Order the streaming stores before whatever the caller does next.
    _mm_sfence();
    (i, o)
}
