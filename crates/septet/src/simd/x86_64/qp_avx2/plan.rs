//! Planning a walk through a 64-byte block (see `encode`): the block's
//! classes and token ends, and how far the walk goes line by line.
//!
//! On each line the walk takes the tokens that end by column 75, so that
//! `scalar::fits` holds whatever follows them:
//!
//! - it stops before a CR/LF, and never ends on a blank whose successor it
//!   does not take on the same line (a blank is literal only if the token
//!   after it fits after it); a blank before a blank must leave 3 columns
//!   after it (see `scalar::blank_literal`);
//! - a token followed by a hard break may end at column 76;
//! - the line then ends in a soft break before the first token that does
//!   not fit (a printable or escaped token that is not a guard candidate,
//!   or a blank that does not fit even as `=20`; a blank before a token
//!   that does not fit goes after the break too, if `=20` does not fit
//!   either), or in a CRLF hard break, copied as two literal tokens;
//! - the next line goes on the same way, unless it starts with a guard
//!   candidate.
//!
//! Everything else (a blank written `=20`, a guard, a bare CR or LF, a CRLF
//! across the block's end) stops the walk and goes to the reference.

use std::arch::x86_64::*;

use super::encode::{splat, Consts, Step, WIN};
use crate::simd::scalar::qp::{CLASS, SAFE, SOFT_MAX};

/// How far a walk goes.
pub(super) struct Plan {
    /// The block's tokens `from..take` are taken.
    pub(super) from: usize,
    pub(super) take: usize,
    /// Bit `i`: a soft break goes before token `i` (at most 3: a line
    /// after a soft break holds at least 24 tokens).
    pub(super) softs: u64,
    /// The last line's column is `end(i) - base` after token `i`.
    base: isize,
}

impl Plan {
    /// The same plan with token ends counted `by` further on.
    #[inline]
    pub(super) fn shifted(self, by: isize) -> Plan {
        Plan {
            base: self.base + by,
            ..self
        }
    }

    /// The walk's result once the plan is written, given where its last
    /// token ends and its first starts (from the block's start).
    #[inline]
    pub(super) fn step(&self, last_end: usize, first_start: usize, reach: usize) -> Step {
        Step {
            consumed: self.take - self.from,
            written: last_end - first_start + 3 * self.softs.count_ones() as usize,
            col: (last_end as isize - self.base) as usize,
            reach,
        }
    }
}

/// The top bits of the bytes of `v`, as a mask.
///
/// Opaque to the optimiser: LLVM turns two such masks shifted together
/// into one 64-lane mask, which it then lowers byte by byte on AVX2
/// (64 `vpextrb`), depending on inlining. The empty `asm!` block emits no
/// instruction and keeps the two `vpmovmskb`.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn movemask(v: __m256i) -> u32 {
    let mut m = _mm256_movemask_epi8(v) as u32;
    // SAFETY: an empty block that only claims to read and write a register.
    unsafe { std::arch::asm!("/* {0:e} */", inout(reg) m, options(pure, nomem, nostack)) };
    m
}

/// The top bits of the bytes of `lo` then `hi`, as a mask.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn mask64(lo: __m256i, hi: __m256i) -> u64 {
    u64::from(movemask(lo)) | u64::from(movemask(hi)) << 32
}

/// Mask of bits `i >= n` (none for `n >= 64`).
#[target_feature(enable = "bmi2")]
#[inline]
pub(super) fn from_bit(n: usize) -> u64 {
    !_bzhi_u64(u64::MAX, n.min(64) as u32)
}

/// Plans a walk over the tokens `from..WIN` of block `win`, where the
/// line's column after token `i` is `end(i) - base` (see the module docs).
/// `over(limit)`: the tokens ending after `limit` (from the block's start;
/// any `limit`, negative included); `end(i)`: where token `i` ends.
#[target_feature(enable = "bmi1,bmi2,popcnt")]
#[inline]
pub(super) fn plan(
    win: &[u8],
    b: &Block,
    from: usize,
    base: isize,
    c: &Consts,
    over: impl Fn(isize) -> u64,
    end: impl Fn(usize) -> isize,
) -> Plan {
    let (blank, stop) = (b.blank_m, b.stop_m);
    // Blanks whose successor in the block is not a blank, and blanks
    // before a blank (the last byte's successor counts as non-blank).
    let lone = blank & !(blank >> 1);
    let pairs = blank & (blank >> 1);
    let start_of = |i: usize| if i == 0 { 0 } else { end(i - 1) };
    let is_stop = |b: u8| c.text && (b == b'\r' || b == b'\n');
    // Tokens from `limit` on are not available (the block's end, or the
    // input's last LOOKAHEAD bytes).
    let limit_tok = b.limit;
    let mut start = from;
    let mut base = base;
    let mut softs = 0;
    loop {
        let limit = base + SOFT_MAX as isize;
        let mut bad = over(limit);
        if pairs & from_bit(start) != 0 {
            bad |= pairs & over(limit - 3);
        }
        let cut = ((bad | stop | from_bit(limit_tok)) & from_bit(start)).trailing_zeros() as usize;
        let stop_at = |take| Plan {
            from,
            take,
            softs,
            base,
        };
        // Where the next line starts, and the token before it (a soft
        // break goes before `next` itself).
        let next;
        // (Mode first: in binary mode the test is not even looked at.)
        if c.text
            && cut < limit_tok
            && {
                let (b1, b2) = (win[cut + 1], win[cut + 2]);
                (b1 == b'\r' && b2 == b'\n') || (b1 == b'\n' && c.bare_lf)
            }
            && (blank | stop) >> cut & 1 == 0
            && end(cut) <= limit + 1
        {
            // Followed by a hard break, the token may end at column 76 (and
            // a blank before it stays literal).
            if cut + 2 < limit_tok && win[cut + 1] == b'\r' {
                base = end(cut + 2);
                next = cut + 3;
            } else {
                return stop_at(cut + 1);
            }
        } else if cut > start && lone >> (cut - 1) & 1 == 1 {
            // A blank before a token that does not fit is literal only if
            // the token does.
            let blank_end = end(cut - 1);
            if cut == limit_tok {
                // Its successor is the first token not available.
                let succ = win[limit_tok];
                let width = if CLASS[succ as usize] == SAFE { 1 } else { 3 };
                if !is_stop(succ) && blank_end + width <= limit {
                    return stop_at(limit_tok);
                }
                return stop_at(cut - 1);
            }
            if stop >> cut & 1 == 1 || blank_end + 2 <= limit {
                // Before a line end, or `=20` fits: the reference decides.
                return stop_at(cut - 1);
            }
            // Even `=20` does not fit: a soft break, then the blank.
            base = start_of(cut - 1);
            softs |= 1 << (cut - 1);
            next = cut - 1;
        } else if cut >= limit_tok {
            return stop_at(limit_tok);
        } else if stop >> cut & 1 == 1 {
            if cut + 1 < limit_tok && win[cut] == b'\r' && win[cut + 1] == b'\n' {
                base = end(cut + 1);
                next = cut + 2;
            } else {
                return stop_at(cut);
            }
        } else if blank >> cut & 1 == 1 {
            // A blank that does not fit literally: written `=20` if that
            // fits (the reference decides), else after a soft break if
            // it is literal there (not before a line end).
            if is_stop(win[cut + 1]) || end(cut) + 2 <= limit {
                return stop_at(cut);
            }
            base = start_of(cut);
            softs |= 1 << cut;
            next = cut;
        } else if c.guard(win[cut]) {
            return stop_at(cut);
        } else {
            // Printable or escaped, it fits on the next line.
            base = start_of(cut);
            softs |= 1 << cut;
            next = cut;
        }
        if next < limit_tok && c.guard(win[next]) {
            return Plan {
                from,
                take: next,
                softs,
                base,
            };
        }
        start = next;
    }
}

/// A block's classes (bit `i` of a mask is byte `i`) and, if any byte is
/// escaped, where each token ends counted from the block's start (at most
/// 192).
pub(super) struct Block {
    pub(super) esc: [__m256i; 2],
    pub(super) esc_m: u64,
    blank_m: u64,
    stop_m: u64,
    ends: [__m256i; 2],
    /// Tokens from here on are not to be taken ([`WIN`] but at the input's end).
    pub(super) limit: usize,
}

impl Block {
    /// Where each 4-token group starts (bytes 0..16), counted from the
    /// block's start (meaningful if any byte is escaped).
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn group_starts(&self) -> __m128i {
        // Ends of tokens 3, 7, 11, 15 of each lane to the lane's first dword,
        // the four such dwords side by side, then shifted one group on.
        let pick = _mm256_setr_epi8(
            3, 7, 11, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, //
            3, 7, 11, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        );
        let lanes = _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0);
        let part = |e: __m256i| {
            _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(
                _mm256_shuffle_epi8(e, pick),
                lanes,
            ))
        };
        let ends = _mm_unpacklo_epi64(part(self.ends[0]), part(self.ends[1]));
        _mm_slli_si128::<1>(ends)
    }

    /// The tokens (of a block with an escaped byte) that end after `limit`,
    /// counted from the block's start; any `limit`, negative included.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn over(&self, limit: isize) -> u64 {
        // Unsigned `end > limit` as `max(end, limit + 1) == end`; ends are
        // at most 192, so a bound of 255 takes none.
        let bound = _mm256_set1_epi8((limit + 1).clamp(0, 255) as u8 as i8);
        let hit = |e: __m256i| _mm256_cmpeq_epi8(_mm256_max_epu8(e, bound), e);
        mask64(hit(self.ends[0]), hit(self.ends[1]))
    }

    /// Where token `i` starts (`i <= 64`), counted from the block's start.
    #[target_feature(enable = "bmi2,popcnt")]
    #[inline]
    pub(super) fn start(&self, i: usize) -> usize {
        i + 2 * _bzhi_u64(self.esc_m, i as u32).count_ones() as usize
    }
}

/// Classifies `win[..WIN]`.
#[target_feature(enable = "avx2,bmi1,bmi2,popcnt")]
#[inline]
pub(super) fn classify(win: &[u8], c: &Consts) -> Block {
    assert!(win.len() >= WIN);
    let mut esc = [_mm256_setzero_si256(); 2];
    let (mut esc_m, mut blank_m, mut stop_m) = (0u64, 0u64, 0u64);
    for (h, esc) in esc.iter_mut().enumerate() {
        // SAFETY: `win` holds at least 64 bytes.
        let x = unsafe { _mm256_loadu_si256(win.as_ptr().add(32 * h).cast()) };
        let printable = _mm256_and_si256(
            _mm256_cmpgt_epi8(x, splat(b' ')),
            _mm256_cmpgt_epi8(splat(127), x),
        );
        let safe = _mm256_andnot_si256(_mm256_cmpeq_epi8(x, splat(b'=')), printable);
        let blank = _mm256_or_si256(
            _mm256_cmpeq_epi8(x, splat(b' ')),
            _mm256_cmpeq_epi8(x, splat(b'\t')),
        );
        let crlf = _mm256_or_si256(
            _mm256_cmpeq_epi8(x, splat(b'\r')),
            _mm256_cmpeq_epi8(x, splat(b'\n')),
        );
        let stop = _mm256_and_si256(crlf, c.stops);
        let other = _mm256_or_si256(_mm256_or_si256(safe, blank), stop);
        *esc = _mm256_cmpeq_epi8(other, _mm256_setzero_si256());
        let bits = |m: __m256i| u64::from(movemask(m)) << (32 * h);
        esc_m |= bits(*esc);
        blank_m |= bits(blank);
        stop_m |= bits(stop);
    }
    let mut b = Block {
        esc,
        esc_m,
        blank_m,
        stop_m,
        ends: [_mm256_setzero_si256(); 2],
        limit: WIN,
    };
    if esc_m == 0 {
        return b;
    }
    for (ends, esc) in b.ends.iter_mut().zip(esc) {
        let width = _mm256_add_epi8(splat(1), _mm256_and_si256(esc, splat(2)));
        let mut e = _mm256_add_epi8(width, _mm256_slli_si256::<1>(width));
        e = _mm256_add_epi8(e, _mm256_slli_si256::<2>(e));
        e = _mm256_add_epi8(e, _mm256_slli_si256::<4>(e));
        e = _mm256_add_epi8(e, _mm256_slli_si256::<8>(e));
        *ends = e;
    }
    // Add to each 16-byte lane the totals of the lanes before it.
    let t0 = _mm256_shuffle_epi8(b.ends[0], splat(15));
    let t1 = _mm256_shuffle_epi8(b.ends[1], splat(15));
    let first_half = _mm256_add_epi8(
        _mm256_permute2x128_si256::<0x00>(t0, t0),
        _mm256_permute2x128_si256::<0x11>(t0, t0),
    );
    b.ends[0] = _mm256_add_epi8(b.ends[0], _mm256_permute2x128_si256::<0x08>(t0, t0));
    b.ends[1] = _mm256_add_epi8(
        b.ends[1],
        _mm256_add_epi8(first_half, _mm256_permute2x128_si256::<0x08>(t1, t1)),
    );
    b
}
