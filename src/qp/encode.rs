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
