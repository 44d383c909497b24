//! The AVX-512 quoted-printable encoder (see the module docs of
//! [`super`] for the shape, `simd::QpEncodeFn` for the contract).
//!
//! [`encode`] alternates three things: the [`stream`] of whole windows (the
//! bulk of any input), steps (below: any position, any length, used for the
//! last bytes and where the stream stops), and one reference token
//! (`encode_token`) where a step cannot decide.
//!
//! One step takes the 64 bytes at the current position and works on masks
//! (bit `i` = byte `i`):
//! - **Classes.** Printable bytes other than `=` are copied; spaces and tabs
//!   are copied too (the step ends before any it cannot prove literal, see
//!   below); text-mode CRLF is a hard break and is copied as it is; a bare
//!   LF with `bare_lf_is_line_break` is a hard break written as CRLF; every
//!   other byte, and a `.`/`From ` at the start of a line begun by a hard
//!   break (or by the step itself, at column 0), is escaped.
//! - **Placement.** In a layout of three slots per byte (21 bytes per 64-bit
//!   word), a byte keeps one slot, or three if escaped (two for a bare LF);
//!   `pext` of the slot-0 bits through the kept slots is the mask of the
//!   token starts in the output, for everything the 62 bytes produce.
//! - **Lines.** Only the line the step starts on can reach column 76 inside
//!   64 output bytes; the token holding that column gets a soft break
//!   before it, unless it ends exactly there and a hard break follows (the
//!   reference lets such a token end at column 76).
//! - **Blanks.** The reference writes a blank literally when the token after
//!   it fits on the same line. Blanks on a line that starts inside the step
//!   are at column 63 at most, where that always holds; on the first line it
//!   holds at columns up to 73 if a printable byte follows, up to 71
//!   otherwise. Any other blank, or one before a hard break, ends the step.
//!
//! The step is free of data-dependent branches in the common cases (whether
//! it holds a soft or a hard break is a select, and an absent soft break is
//! a store with an empty mask): on text, those are coin flips that would
//! cost more than computing both sides.

use std::arch::x86_64::*;

use super::{below, blanks, eq, load_prefix, printable, store_lanes, stream, table, Table};
use crate::simd::scalar::qp::{
    encode_token, EncodeFlags, HEX_UPPER, LINE_MAX, LOOKAHEAD, SOFT_MAX,
};

/// Input bytes a step may consume: the 64 loaded, less the two bytes that
/// decide whether byte 61 is a blank before a hard break.
const STEP_TOKENS: usize = 62;
/// Output a step may write: one vector and a soft break.
const STEP_OUT: usize = 64 + 3;
/// Slot 0 of each of the 21 bytes of a slot word.
const SLOT0: u64 = 0x1249_2492_4924_9249;
/// The bytes of one slot word.
const WORD: u64 = (1 << 21) - 1;

/// `HEX_UPPER` four times over, so that `vpermb` may look up any byte whose
/// low nibble is the digit.
static HEX: Table<64> = {
    let mut t = [0; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = HEX_UPPER[i % 16];
        i += 1;
    }
    Table(t)
};

/// `vpermb` indices moving every byte `d` lanes up.
const fn back(d: usize) -> Table<64> {
    let mut t = [0; 64];
    let mut i = d;
    while i < 64 {
        t[i] = (i - d) as u8;
        i += 1;
    }
    Table(t)
}

static BACK1: Table<64> = back(1);
static BACK2: Table<64> = back(2);

/// A soft break in the first three lanes.
static SOFT_BREAK: Table<64> = {
    let mut t = [0; 64];
    t[0] = b'=';
    t[1] = b'\r';
    t[2] = b'\n';
    Table(t)
};

/// The encoder's constant vectors.
#[derive(Clone, Copy)]
struct Consts {
    hex: __m512i,
    back1: __m512i,
    back2: __m512i,
    soft_break: __m512i,
}

impl Consts {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn new() -> Self {
        Consts {
            hex: table(&HEX),
            back1: table(&BACK1),
            back2: table(&BACK2),
            soft_break: table(&SOFT_BREAK),
        }
    }
}

/// Bulk quoted-printable encode. See `simd::QpEncodeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
pub(crate) unsafe fn encode(
    input: &[u8],
    out: &mut [u8],
    col: usize,
    flags: EncodeFlags,
) -> (usize, usize, usize) {
    let end = input.len().saturating_sub(LOOKAHEAD);
    let k = Consts::new();
    let sk = stream::Consts::new(k.hex, k.soft_break);
    let (mut pos, mut w, mut col) = (0, 0, col);
    while pos < end {
        let mut st = stream::State { pos, w, col };
        stream::encode(sk, input, end, flags, out, &mut st);
        (pos, w, col) = (st.pos, st.w, st.col);
        if pos >= end {
            break;
        }
        if col < LINE_MAX && out.len() - w >= STEP_OUT {
            let (c, n, new_col) = step(k, &input[pos..], end - pos, col, flags, &mut out[w..]);
            if c > 0 {
                pos += c;
                w += n;
                col = new_col;
                continue;
            }
        }
        if input[pos] == b'\r' && pos + 1 == end {
            // A CRLF here would reach into the last LOOKAHEAD bytes.
            break;
        }
        match encode_token(input, pos, false, &mut col, flags, &mut out[w..]) {
            Some((c, n)) => {
                pos += c;
                w += n;
            }
            None => break,
        }
    }
    (pos, w, col)
}

/// The byte masks of one step.
struct Classes {
    /// Printable other than `=`.
    safe: u64,
    /// Space or tab.
    blank: u64,
    /// Written as `=XY`.
    esc: u64,
    /// The CR of a hard-break CRLF.
    hard_cr: u64,
    /// A bare LF that is a hard break.
    bare_lf: u64,
    /// `.` and `F` where their guard is on: escaped at the start of a line.
    guards: u64,
}

impl Classes {
    /// The first byte of every hard break.
    fn break_starts(&self) -> u64 {
        self.hard_cr | self.bare_lf
    }

    /// Every byte of every hard break.
    fn breaks(&self) -> u64 {
        self.hard_cr | self.hard_cr << 1 | self.bare_lf
    }

    /// The last byte of every hard break (an LF).
    fn break_ends(&self) -> u64 {
        self.hard_cr << 1 | self.bare_lf
    }

    /// Output characters of token `i < 64`.
    fn width(&self, i: usize) -> usize {
        1 + 2 * (self.esc >> i & 1) as usize + (self.bare_lf >> i & 1) as usize
    }

    /// Output offset of token `i` (all tokens before it are in the step).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    fn offset(&self, i: usize) -> usize {
        let m = below(i);
        i + 2 * (self.esc & m).count_ones() as usize + (self.bare_lf & m).count_ones() as usize
    }
}

/// Classifies `v`, the bytes at the step position (`rest` from there on),
/// for a step starting at column `col`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn classify(v: __m512i, rest: &[u8], col: usize, flags: EncodeFlags) -> Classes {
    let safe = printable(v) & !eq(v, b'=');
    let blank = blanks(v);
    let (mut hard_cr, mut bare_lf) = (0, 0);
    if flags.text() {
        let lf = eq(v, b'\n');
        hard_cr = eq(v, b'\r') & lf >> 1;
        if flags.bare_lf() {
            bare_lf = lf & !(hard_cr << 1);
        }
    }
    let dots = if flags.dot() { eq(v, b'.') } else { 0 };
    let fs = if flags.from() { eq(v, b'F') } else { 0 };
    let mut c = Classes {
        safe,
        blank,
        esc: 0,
        hard_cr,
        bare_lf,
        guards: dots | fs,
    };
    // Guards apply where a line starts: after a hard break, and at the step
    // start if it is at column 0.
    let starts = c.break_ends() << 1 | u64::from(col == 0);
    let mut esc = !(safe | blank | c.breaks()) | starts & dots;
    let mut f = starts & fs;
    while f != 0 {
        let i = f.trailing_zeros() as usize;
        if rest.get(i + 1..i + 5) == Some(b"rom ") {
            esc |= 1 << i;
        }
        f &= f - 1;
    }
    c.esc = esc;
    c
}

/// The output offsets of the tokens of bytes 0..63, as the mask of the
/// token starts within the first 64 output bytes.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn token_starts(c: &Classes) -> u64 {
    let mut starts = 0;
    let mut shift = 0;
    for g in 0..3 {
        let esc = _pdep_u64(c.esc >> (21 * g) & WORD, SLOT0);
        let mut kept = SLOT0 | esc << 1 | esc << 2;
        if c.bare_lf != 0 {
            kept |= _pdep_u64(c.bare_lf >> (21 * g) & WORD, SLOT0) << 1;
        }
        // Words whose output starts past the first 64 bytes add nothing.
        starts |= _pext_u64(SLOT0, kept).checked_shl(shift).unwrap_or(0);
        shift += kept.count_ones();
    }
    starts
}

/// One step at the start of `rest` (`avail` bytes of it may be consumed)
/// at column `col < 76`, into `out` (at least [`STEP_OUT`] bytes). Returns
/// `(consumed, written, new_col)`; consumes nothing if the first token
/// needs the reference.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn step(
    k: Consts,
    rest: &[u8],
    avail: usize,
    col: usize,
    flags: EncodeFlags,
    out: &mut [u8],
) -> (usize, usize, usize) {
    let v = load_prefix(rest);
    let c = classify(v, rest, col, flags);
    let starts = token_starts(&c);

    // Tokens whose output ends inside the vector (token 0 always starts it).
    let mut fit = starts.count_ones() as usize;
    let last = 63 - starts.leading_zeros() as usize;
    if last + c.width(fit - 1) > 64 {
        fit -= 1;
    }

    // The token `i` at offset `at` that holds column 76 of the first line
    // (when `p >= 64`, the last token, which cannot hold it).
    let first_break = c.breaks().trailing_zeros() as usize;
    let p = SOFT_MAX - col;
    let upto = starts & below(p + 1);
    let i = upto.count_ones() as usize - 1;
    let at = 63 - upto.leading_zeros() as usize;
    let ends_at_76 = at + c.width(i) == p + 1;
    let line_final = c.break_starts() >> (i + 1) & 1 != 0;
    let soft = p < 64 && i < first_break && !(ends_at_76 && line_final);
    let line_end = if soft { i } else { first_break };

    // Blanks the masks cannot prove literal.
    let from72 = !below((starts & below(72usize.saturating_sub(col))).count_ones() as usize);
    let from74 = !below((starts & below(74usize.saturating_sub(col))).count_ones() as usize);
    let unsure = c.blank & c.break_starts() >> 1
        | c.blank & below(line_end) & (from74 | from72 & !(c.safe >> 1));

    let mut n = avail
        .min(STEP_TOKENS)
        .min(fit)
        .min(unsure.trailing_zeros() as usize);
    // A guard at the start of the new line would change its width.
    if soft && i < n && c.guards >> i & 1 != 0 {
        n = i;
    }
    if n > 0 && c.hard_cr >> (n - 1) & 1 != 0 {
        n -= 1;
    }
    if n == 0 {
        return (0, 0, col);
    }
    let soft = soft && i < n;
    let len = c.offset(n);

    let chars = expand(k, v, &c, starts);
    // Lanes from the soft break on land 3 bytes later.
    let split = if soft { at } else { 64 };
    store_lanes(out, below(len) & below(split), chars);
    store_lanes(&mut out[3..], below(len) & !below(split), chars);
    store_lanes(&mut out[at..], if soft { 7 } else { 0 }, k.soft_break);
    let written = len + 3 * usize::from(soft);

    let lfs = c.break_ends() & below(n);
    // Meaningless (but computed all the same) without a hard break.
    let li = 63usize.saturating_sub(lfs.leading_zeros() as usize);
    let lf_at = c.offset(li) + (c.bare_lf >> li & 1) as usize;
    let after_lf = len.wrapping_sub(lf_at + 1);
    let new_col = if lfs != 0 {
        after_lf
    } else if soft {
        len - at
    } else {
        col + len
    };
    (n, written, new_col)
}

/// The output characters of the tokens of `v`, placed at `starts`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn expand(k: Consts, v: __m512i, c: &Classes, starts: u64) -> __m512i {
    let placed = _mm512_maskz_expand_epi8(starts, v);
    let esc = _pdep_u64(c.esc, starts);
    let prev1 = _mm512_permutexvar_epi8(k.back1, placed);
    let prev2 = _mm512_permutexvar_epi8(k.back2, placed);
    let hi = _mm512_permutexvar_epi8(_mm512_srli_epi16::<4>(prev1), k.hex);
    let lo = _mm512_permutexvar_epi8(prev2, k.hex);
    let mut chars = _mm512_mask_blend_epi8(esc, placed, _mm512_set1_epi8(b'=' as i8));
    chars = _mm512_mask_blend_epi8(esc << 1, chars, hi);
    chars = _mm512_mask_blend_epi8(esc << 2, chars, lo);
    if c.bare_lf != 0 {
        let lf = _pdep_u64(c.bare_lf, starts);
        chars = _mm512_mask_blend_epi8(lf, chars, _mm512_set1_epi8(b'\r' as i8));
        chars = _mm512_mask_blend_epi8(lf << 1, chars, _mm512_set1_epi8(b'\n' as i8));
    }
    chars
}
