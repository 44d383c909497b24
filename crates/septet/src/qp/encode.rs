//! The encode driver shared by every kernel set: the table's bulk kernel,
//! then the reference token encoder for what the kernel left (tails, the
//! last [`LOOKAHEAD`] bytes, whatever the kernel chose not to handle).
//! The only state carried between calls is the output column, which is what
//! lets the streaming encoder split its input anywhere.

use super::scalar::{self, EncodeFlags, LOOKAHEAD, MAX_TOKEN_OUT};
use crate::simd::Kernels;

/// Inputs shorter than this (beyond the lookahead) skip the kernel.
const KERNEL_MIN: usize = 16;
/// After a kernel call that made no progress, encode at least this many
/// bytes with the reference before trying the kernel again.
const STALL_RUN: usize = 64;

/// An upper bound on the encoded length of `n` bytes, for any options.
///
/// Every byte takes at most 3 characters (a bare LF written as a hard break
/// takes 2); a soft break (3 bytes) only ends a line that holds at least 73
/// characters, so there are at most `3n / 73 <= n / 24` of them.
pub(crate) const fn max_encoded_len(n: usize) -> usize {
    n.saturating_mul(3)
        .saturating_add((n / 24).saturating_mul(3))
        .saturating_add(MAX_TOKEN_OUT)
}

/// Output room [`encode_to_vec`] zero-fills per call of [`encode`] (and
/// the most input it passes): small enough to stay in the L2 cache until the
/// encoder overwrites it, large enough that each call's end (a few vector
/// steps and reference tokens) costs little. 16 KiB to 256 KiB measured
/// the same on 1 MiB inputs.
const VEC_CHUNK: usize = 64 << 10;

/// Encodes `input` from column `*col` and appends it to `out`; returns the
/// input consumed (all of it with `at_end`, else all but the last
/// [`LOOKAHEAD`] bytes or fewer, whose encoding depends on what follows).
///
/// `out` grows [`VEC_CHUNK`] bytes at a time and is cut back to what was
/// written, so the zero-filled room is about the real output and is written
/// while it is still in cache (zero-filling [`max_encoded_len`] of the
/// whole input, about 3 bytes per input byte, cost about 20% of a 1 MiB
/// text encode). Each call takes as much input as should fill the room at
/// the previous call's expansion and stops where that chunk or the room
/// ends, between tokens; the column carries over exactly as in the
/// push encoder, so the result equals one call over the whole input.
pub(crate) fn encode_to_vec(
    k: &Kernels,
    flags: EncodeFlags,
    col: &mut usize,
    input: &[u8],
    at_end: bool,
    out: &mut Vec<u8>,
) -> usize {
    let mut pos = 0;
    // Input bytes per call: the first call guesses 1:1.
    let mut take = VEC_CHUNK / 16 * 15;
    loop {
        let rest = &input[pos..];
        if rest.is_empty() || (!at_end && rest.len() <= LOOKAHEAD) {
            return pos;
        }
        let last = rest.len() <= take;
        let chunk = &rest[..rest.len().min(take)];
        let start = out.len();
        // Small inputs: room for all of it in one call.
        out.resize(start + VEC_CHUNK.min(max_encoded_len(chunk.len())), 0);
        let (c, n) = encode(k, flags, col, chunk, last && at_end, &mut out[start..]);
        out.truncate(start + n);
        pos += c;
        if pos == c && pos < input.len() {
            // Reserve once for the rest at the first call's ratio (plus
            // 1/16), so that growing does not copy the output again and again.
            let guess = ((input.len() - pos) / c.max(1)).saturating_mul(n) + n;
            out.reserve(guess.saturating_add(guess / 16));
        }
        // At this call's ratio, take what fills 15/16 of the room, so that
        // calls end at the chunk's end (a few vector steps) rather than
        // where the room runs out (the kernels finish that token by token).
        take = (VEC_CHUNK / 16 * 15 * c / n.max(1)).clamp(VEC_CHUNK / 8, VEC_CHUNK);
    }
}

/// Encodes as much of `input` as possible at column `*col` into `out`;
/// returns `(consumed, written)` and updates `*col`.
///
/// With `at_end`, `input` is the end of the data and everything is encoded
/// if `out` holds [`max_encoded_len`]`(input.len())` bytes. Without it, the
/// last [`LOOKAHEAD`] bytes (or fewer) are left unconsumed: their encoding
/// depends on what comes next. It also stops when `out` has no room for the
/// next token.
pub(crate) fn encode(
    k: &Kernels,
    flags: EncodeFlags,
    col: &mut usize,
    input: &[u8],
    at_end: bool,
    out: &mut [u8],
) -> (usize, usize) {
    let (mut pos, mut w) = (0, 0);
    let mut stalled = false;
    loop {
        if input.len() - pos >= LOOKAHEAD + KERNEL_MIN {
            let (c, n, new_col) = (k.qp_encode)(&input[pos..], &mut out[w..], *col, flags);
            debug_assert!(c == 0 || c + LOOKAHEAD <= input.len() - pos);
            debug_assert!(n <= out.len() - w && new_col <= scalar::LINE_MAX);
            pos += c;
            w += n;
            *col = new_col;
            stalled = c == 0;
        }
        let min_run = if stalled { STALL_RUN } else { 1 };
        let start = pos;
        while pos - start < min_run {
            match scalar::encode_token(input, pos, at_end, col, flags, &mut out[w..]) {
                Some((c, n)) => {
                    pos += c;
                    w += n;
                }
                None => return (pos, w),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::{Isa, Kernels};

    #[test]
    fn bound_holds_for_worst_cases() {
        let k = Kernels::for_isa(Isa::Scalar).unwrap();
        let all = EncodeFlags::new(0xf);
        for input in [
            vec![0u8; 1000],
            vec![b'\n'; 1000],
            b"=\n".repeat(500),
            vec![b'.'; 1000],
        ] {
            for n in [0, 1, 2, 23, 24, 25, 73, 500, 1000] {
                let mut out = vec![0; max_encoded_len(n)];
                let mut col = 0;
                let (c, _) = encode(k, all, &mut col, &input[..n], true, &mut out);
                assert_eq!(c, n);
            }
        }
    }

    #[test]
    fn chunked_vec_equals_one_call() {
        // Breaks, blanks, escapes and guards straddling the chunk edges.
        let mut input = Vec::new();
        let mut x = 1u32;
        while input.len() < 3 * VEC_CHUNK + 200 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            input.extend_from_slice(match x >> 28 {
                0 => b"\r\n",
                1 => b" ",
                2 => b"\t\r\n",
                3 => b".",
                4 => b"From ",
                5 => b"\xc3\xa9",
                6 => b"=",
                _ => b"abcdefg",
            });
        }
        for isa in crate::simd::available() {
            let k = Kernels::for_isa(isa).unwrap();
            for flags in [0x0d, 0x0f, 0x0c] {
                let flags = EncodeFlags::new(flags);
                for len in [VEC_CHUNK - 1, VEC_CHUNK, VEC_CHUNK + 3, 2 * VEC_CHUNK + 5] {
                    for shift in 0..6 {
                        let input = &input[shift..shift + len];
                        let mut want = vec![0; max_encoded_len(len)];
                        let (c, n) = encode(k, flags, &mut 0, input, true, &mut want);
                        assert_eq!(c, len);
                        want.truncate(n);
                        let mut got = b"head".to_vec();
                        encode_to_vec(k, flags, &mut 0, input, true, &mut got);
                        assert_eq!(&got[..4], b"head");
                        assert!(got[4..] == want[..], "{isa} {len} {shift}");
                    }
                }
            }
        }
    }

    #[test]
    fn stops_at_the_lookahead_without_at_end() {
        let k = Kernels::for_isa(Isa::Scalar).unwrap();
        let mut out = vec![0; 1000];
        let mut col = 0;
        let input = [b'a'; 100];
        assert_eq!(
            encode(k, EncodeFlags::default(), &mut col, &input, false, &mut out),
            (96, 99)
        );
        assert_eq!(col, 21);
    }
}
