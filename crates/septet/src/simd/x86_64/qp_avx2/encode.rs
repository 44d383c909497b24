//! AVX2 quoted-printable encode, in 64-byte blocks: the driver loop and
//! the per-call constants. A block is classified and each walk through it
//! planned in `plan`, and written in `emit`.
//!
//! Blocks sit at fixed offsets of the input, so classifying the next block
//! does not wait for the walk through this one (only the column and the
//! position carry over). Where a walk stops early, the reference token
//! encoder takes one token and the walk resumes in the same block.
//!
//! Stores are whole vectors; the bytes they write past the output (at most
//! 64) are overwritten by what comes next. The main loop stops while at
//! least 64 + 8 input bytes remain; the last blocks are walked over a
//! padded copy of the input into a buffer copied out exactly, and they (or
//! the scalar bulk encoder, when the output is nearly full) write at least
//! one byte per byte consumed, so the slack is covered: when the kernel
//! returns, nothing outside `out[..written]` has been written.

use std::arch::x86_64::*;

use super::emit::{groups, sparse, REACH, SPARSE_MAX};
use super::plan::{classify, from_bit, plan, Block};
use crate::simd::scalar::qp::{self as scalar, EncodeFlags, HEX_UPPER, LOOKAHEAD};

/// Tokens (input bytes) in a block.
pub(super) const WIN: usize = 64;
/// Bytes of input a walk may read from its block's start: the block, and
/// for a soft break in a literal block a copy of 64 bytes from the break on.
pub(super) const READ: usize = 2 * WIN;
/// Input the main loop leaves to the tail: after its last block at least
/// `READ - WIN + TAIL_IN - 1` bytes remain, of which the tail consumes all
/// but the last 5, writing at least one byte for each: that covers the
/// slack (at most `WIN` bytes) the main loop's stores left past the output.
const TAIL_IN: usize = 8;
/// Output room a walk in the main loop needs: its stores' reach, then room
/// for the scalar encoder to write past it before it stops for lack of
/// room (5 bytes short at most).
const ROOM: usize = REACH + 8;

/// `b` in every byte.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn splat(b: u8) -> __m256i {
    _mm256_set1_epi8(b as i8)
}

/// Per-call constants.
#[derive(Clone, Copy)]
pub(super) struct Consts {
    /// All ones in text mode (CR and LF stop a line), zero in binary mode.
    pub(super) stops: __m256i,
    pub(super) hex: __m256i,
    /// `'=', CR, LF, 0` in every dword: the soft break a group may insert.
    pub(super) brk: __m256i,
    pub(super) text: bool,
    pub(super) bare_lf: bool,
    pub(super) dot: bool,
    pub(super) from: bool,
}

impl Consts {
    #[target_feature(enable = "avx2")]
    fn new(flags: EncodeFlags) -> Self {
        let hex = u128::from_le_bytes(*HEX_UPPER);
        Consts {
            stops: _mm256_set1_epi8(if flags.text() { -1 } else { 0 }),
            hex: _mm256_broadcastsi128_si256(_mm_set_epi64x((hex >> 64) as i64, hex as i64)),
            brk: _mm256_set1_epi32(i32::from_le_bytes([b'=', b'\r', b'\n', 0])),
            text: flags.text(),
            bare_lf: flags.bare_lf(),
            dot: flags.dot(),
            from: flags.from(),
        }
    }

    /// Whether `b` at the start of a line may need a guard escape (an `F`
    /// whatever follows it: the reference decides).
    #[inline]
    pub(super) fn guard(&self, b: u8) -> bool {
        (b == b'.' && self.dot) || (b == b'F' && self.from)
    }
}

/// Bulk encode, see `simd::QpEncodeFn`.
///
/// # Safety
/// The CPU must support AVX2, BMI1, BMI2 and POPCNT.
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
pub(crate) unsafe fn encode(
    input: &[u8],
    out: &mut [u8],
    col: usize,
    flags: EncodeFlags,
) -> (usize, usize, usize) {
    let c = Consts::new(flags);
    let mut scratch = [0u8; 16];
    let (mut pos, mut w, mut col) = (0, 0, col);
    // End of the furthest store so far (checked against the final output).
    let mut reach = 0;
    let mut at = 0;
    'blocks: while at + READ + TAIL_IN <= input.len() {
        let win = &input[at..at + READ];
        let b = classify(win, &c);
        // A token taken by the reference may end past the block (a CRLF).
        while pos < at + WIN {
            if w + ROOM > out.len() {
                break 'blocks;
            }
            if !(col == 0 && c.guard(input[pos])) {
                let s = walk(
                    win,
                    pos - at,
                    &b,
                    &mut out[w..w + REACH],
                    col,
                    &c,
                    &mut scratch,
                );
                if s.consumed > 0 {
                    reach = reach.max(w + s.reach);
                    pos += s.consumed;
                    w += s.written;
                    col = s.col;
                    continue;
                }
            }
            match scalar::encode_token(input, pos, false, &mut col, flags, &mut out[w..]) {
                Some((c, n)) => {
                    pos += c;
                    w += n;
                }
                None => break 'blocks,
            }
        }
        at += WIN;
    }
    if at + READ + TAIL_IN > input.len() {
        // The last blocks: the same walk over a copy of the input padded to
        // READ bytes, up to the last LOOKAHEAD bytes, into a buffer that is
        // copied out exactly.
        let end = input.len().saturating_sub(LOOKAHEAD);
        'tail: while pos < end {
            if pos >= at + WIN {
                at += WIN;
                continue;
            }
            let mut buf = [0u8; READ];
            let n = (input.len() - at).min(READ);
            buf[..n].copy_from_slice(&input[at..at + n]);
            let mut b = classify(&buf, &c);
            b.limit = (end - at).min(WIN);
            while pos < at + b.limit {
                if !(col == 0 && c.guard(input[pos])) {
                    let mut tmp = [0u8; REACH];
                    let s = walk(&buf, pos - at, &b, &mut tmp, col, &c, &mut scratch);
                    if s.consumed > 0 {
                        let Some(to) = out.get_mut(w..w + s.written) else {
                            break 'tail;
                        };
                        to.copy_from_slice(&tmp[..s.written]);
                        pos += s.consumed;
                        w += s.written;
                        col = s.col;
                        continue;
                    }
                }
                if pos + 1 == end && input[pos] == b'\r' {
                    // A CRLF here would reach into the last LOOKAHEAD bytes.
                    break 'tail;
                }
                match scalar::encode_token(input, pos, false, &mut col, flags, &mut out[w..]) {
                    Some((c, n)) => {
                        pos += c;
                        w += n;
                    }
                    None => break 'tail,
                }
            }
            at += WIN;
        }
    }
    let (c, n, col) = scalar::encode_bulk(&input[pos..], &mut out[w..], col, flags);
    debug_assert!(w + n >= reach, "vector slack left past the output");
    (pos + c, w + n, col)
}

/// What one walk did.
pub(super) struct Step {
    pub(super) consumed: usize,
    pub(super) written: usize,
    pub(super) col: usize,
    /// End of the furthest store, from the walk's output start.
    pub(super) reach: usize,
}

/// Plans and writes the tokens of block `win` from token `from` on, at
/// column `col`; `win` holds [`READ`] bytes and `dst` [`REACH`].
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
#[inline]
fn walk(
    win: &[u8],
    from: usize,
    b: &Block,
    dst: &mut [u8],
    col: usize,
    c: &Consts,
    scratch: &mut [u8; 16],
) -> Step {
    let esc_m = b.esc_m & from_bit(from);
    let p = if esc_m == 0 {
        let over = |limit: isize| from_bit(limit.max(0) as usize);
        let base = from as isize - col as isize;
        let p = plan(win, b, from, base, c, over, |i| i as isize + 1);
        // Into the block's numbering, where tokens before `from` may be
        // escaped.
        p.shifted(b.start(from) as isize - from as isize)
    } else {
        let over = |limit: isize| b.over(limit);
        let base = b.start(from) as isize - col as isize;
        plan(win, b, from, base, c, over, |i| b.start(i + 1) as isize)
    };
    if (esc_m & _bzhi_u64(u64::MAX, p.take as u32)).count_ones() <= SPARSE_MAX {
        return sparse(win, from, b, dst, &p);
    }
    groups(win, from, b, dst, &p, c, scratch)
}
