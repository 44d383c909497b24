//! The encoder's bulk path: whole 63-byte windows at a fixed stride.
//!
//! The loads never wait for the outcome of the previous window (only the
//! output offset and the column carry over), and each window is classified
//! once; "the byte after" comes from the next window's masks.
//!
//! - A window without escapes is copied as it is, with at most one soft
//!   break (a line is longer than 63 bytes).
//! - Otherwise it goes as three groups of 21 bytes. A group's bytes are
//!   spread to three slots each (byte or `=`, high digit, low digit) with
//!   `vpermi2b`/`vpermb`, and `vpcompressb` keeps one slot per copied byte
//!   and three per escape: at most 63 output bytes, so again at most one
//!   soft break, and only on the line the group starts on.
//!
//! Windows are 63 bytes so that byte 63 of each load, the first byte of the
//! next window, tells what follows the last token.
//!
//! The column is the only value carried from one run (window or group) to
//! the next, so what depends on it is kept to a few selects from `p`, the
//! output offset that would be column 76: the token holding it gets a soft
//! break before it, unless a hard break comes first or the token ends there
//! and a hard break follows. Blanks are written literally; the reference
//! does the same everywhere except near a line end, and the one common
//! exceptions are handled here: a blank before a hard break is an escape,
//! and a blank at column 74 before any token takes the soft break before
//! it. Every rarer case (a blank at column 72 or 73 next to a blank or an
//! escape, a blank at column 74 ending a run, `.`/`F` starting a soft
//! line) ends the stream at the start of the run, and the caller's steps
//! take over.

use std::arch::x86_64::*;
use std::hint::select_unpredictable;

use super::{blanks, eq, printable, Table};
use crate::simd::scalar::qp::{EncodeFlags, LINE_MAX, SOFT_MAX};

/// Tokens (bytes) of a window.
const WINDOW: usize = 63;
/// The token bits of a window mask.
const TOKENS: u64 = (1 << WINDOW) - 1;
/// Tokens of a group.
const GROUP: usize = 21;
/// Output room a window needs: three groups of escapes with a soft break
/// each, and the LF of a CRLF split by the window edge.
const WINDOW_OUT: usize = 3 * (3 * GROUP + 3) + 1;
/// Slot 0 of each of the 21 bytes of a group.
const SLOT0: u64 = 0x1249_2492_4924_9249;
/// Slot 2 of each of the 21 bytes of a group.
const SLOT2: u64 = SLOT0 << 2;

/// `vpermi2b` indices (table 0: the window, table 1: the high digits)
/// spreading group `g` to slots: byte or `=`, high digit, (low digit).
const fn spread(g: usize) -> Table<64> {
    let mut t = [0; 64];
    let mut i = 0;
    while i < GROUP {
        t[3 * i] = (GROUP * g + i) as u8;
        t[3 * i + 1] = (64 + GROUP * g + i) as u8;
        t[3 * i + 2] = (GROUP * g + i) as u8;
        i += 1;
    }
    Table(t)
}

static SPREAD: [Table<64>; 3] = [spread(0), spread(1), spread(2)];

/// The stream's constant vectors.
#[derive(Clone, Copy)]
pub(super) struct Consts {
    hex: __m512i,
    spread: [__m512i; 3],
    soft_break: __m512i,
}

impl Consts {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    #[inline]
    pub(super) fn new(hex: __m512i, soft_break: __m512i) -> Self {
        Consts {
            hex,
            spread: [
                super::table(&SPREAD[0]),
                super::table(&SPREAD[1]),
                super::table(&SPREAD[2]),
            ],
            soft_break,
        }
    }
}

/// Where the stream is.
pub(super) struct State {
    pub(super) pos: usize,
    pub(super) w: usize,
    pub(super) col: usize,
}

/// The flag-independent classes of one window.
#[derive(Clone, Copy)]
struct Raw {
    v: __m512i,
    safe: u64,
    blank: u64,
    cr: u64,
    lf: u64,
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn raw<const TEXT: bool>(v: __m512i) -> Raw {
    let (cr, lf) = if TEXT {
        (eq(v, b'\r'), eq(v, b'\n'))
    } else {
        (0, 0)
    };
    Raw {
        v,
        safe: printable(v) & !eq(v, b'='),
        blank: blanks(v),
        cr,
        lf,
    }
}

/// A window's masks, with what the bytes around it decide.
struct Masks {
    blank: u64,
    /// Written `=XY`.
    esc: u64,
    /// Bare LFs that are hard breaks (written CRLF).
    bare_lf: u64,
    /// The LF of each CRLF.
    crlf_lf: u64,
    /// The first byte of each hard break.
    break_starts: u64,
    /// Every byte of every hard break.
    breaks: u64,
    /// `.` and `F` under their guard.
    guards: u64,
    /// Bit i: byte i + 1 starts a hard break (for i = 62: the next window
    /// starts with one).
    break1: u64,
    /// Blanks followed by a blank or an escape.
    crowded: u64,
}

impl Masks {
    /// The LF ending each hard break.
    fn ends(&self) -> u64 {
        self.crlf_lf | self.bare_lf
    }
}

/// Encodes whole windows from `st.pos` while the window after each is in
/// `input` and the window ends before `end` (the lookahead) and `out` has
/// room. Stops at the start of a run it cannot decide (never between the
/// CR and LF of a hard break), or after the last whole window.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
pub(super) fn encode(
    k: Consts,
    input: &[u8],
    end: usize,
    flags: EncodeFlags,
    out: &mut [u8],
    st: &mut State,
) {
    if flags.text() {
        run::<true>(k, input, end, flags, out, st)
    } else {
        run::<false>(k, input, end, flags, out, st)
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn run<const TEXT: bool>(
    k: Consts,
    input: &[u8],
    end: usize,
    flags: EncodeFlags,
    out: &mut [u8],
    st: &mut State,
) {
    let load = |at: usize| super::load_prefix(&input[at..at + 64]);
    let room = out.len();
    let fits = |st: &State| {
        st.pos + WINDOW + 64 <= input.len() && st.pos + WINDOW < end && room - st.w >= WINDOW_OUT
    };
    if !fits(st) || st.col >= LINE_MAX {
        return;
    }
    let mut cur = raw::<TEXT>(load(st.pos));
    // Byte 0 of the window is the LF of a CRLF whose CR ended the last one.
    let mut pending_lf = false;
    // Byte 0 of the window starts a line.
    let mut line_start = st.col == 0;
    while fits(st) {
        let next = raw::<TEXT>(load(st.pos + WINDOW));
        let m = masks::<TEXT>(&cur, &next, input, st.pos, pending_lf, line_start, flags);
        let done = if m.esc | m.bare_lf == 0 {
            literal(k, cur.v, &m, out, st)
        } else {
            groups::<TEXT>(k, cur.v, &m, out, st)
        };
        if done < WINDOW {
            st.pos += done;
            pending_lf = m.crlf_lf >> done & 1 != 0;
            break;
        }
        pending_lf = (m.break_starts & !m.bare_lf) >> (WINDOW - 1) != 0;
        line_start = m.ends() >> (WINDOW - 1) != 0;
        st.pos += WINDOW;
        cur = next;
    }
    if pending_lf {
        // The LF of a CRLF whose CR is written: it is before `end`, as the
        // CR was.
        out[st.w] = b'\n';
        st.w += 1;
        st.pos += 1;
        st.col = 0;
    }
}

/// Classifies a window in its context: `next` (the window after it), the
/// input (for `From `), whether byte 0 is the LF of a CRLF split by the
/// window edge and whether it starts a line.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn masks<const TEXT: bool>(
    cur: &Raw,
    next: &Raw,
    input: &[u8],
    pos: usize,
    pending_lf: bool,
    line_start: bool,
    flags: EncodeFlags,
) -> Masks {
    // Bits 0..63 are about bytes 0..63; byte 63 is the next window's byte 0.
    let (mut hard_cr, mut crlf_lf, mut bare_lf, mut break1) = (0, 0, 0, 0);
    if TEXT {
        hard_cr = cur.cr & cur.lf >> 1 & TOKENS;
        crlf_lf = (hard_cr << 1 | u64::from(pending_lf)) & TOKENS;
        let next_starts = if flags.bare_lf() {
            bare_lf = cur.lf & !crlf_lf & TOKENS;
            // Byte 63 starts a CRLF, or is a bare LF.
            (next.cr & next.lf >> 1 | next.lf & !(hard_cr >> 62)) & 1
        } else {
            next.cr & next.lf >> 1 & 1
        };
        break1 = (hard_cr | bare_lf) >> 1 | next_starts << 62;
    }
    let breaks = hard_cr | crlf_lf | bare_lf;
    let starts = (crlf_lf | bare_lf) << 1 | u64::from(line_start);
    let dots = if flags.dot() { eq(cur.v, b'.') } else { 0 };
    let fs = if flags.from() { eq(cur.v, b'F') } else { 0 };
    // A blank before a hard break is always written `=20`/`=09` (the
    // reference's `line_final`), at any column: an escape like any other.
    let trailing = cur.blank & break1;
    let mut esc = (!(cur.safe | cur.blank | breaks) | starts & dots | trailing) & TOKENS;
    let mut f = starts & fs & TOKENS;
    while f != 0 {
        let i = f.trailing_zeros() as usize;
        if &input[pos + i + 1..pos + i + 5] == b"rom " {
            esc |= 1 << i;
        }
        f &= f - 1;
    }
    let blank = cur.blank & TOKENS & !trailing;
    let blank1 = cur.blank >> 1;
    let esc1 = !(cur.safe >> 1 | blank1 | break1);
    Masks {
        blank,
        esc,
        bare_lf,
        crlf_lf,
        break_starts: hard_cr | bare_lf,
        breaks,
        guards: (dots | fs) & TOKENS,
        break1,
        crowded: blank & (blank1 | esc1),
    }
}

/// The mask of the bits below `n` (all for `64 <= n < 256`): one `bzhi`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn low(n: usize) -> u64 {
    debug_assert!(n < 256);
    _bzhi_u64(u64::MAX, n as u32)
}

/// The output offsets at columns 72 and 73 of the line a run starts on at
/// column `col`: where a blank before a blank or an escape needs the
/// reference. (At column 74 the next token holds column 76, and the soft
/// break moves before the blank, as the reference puts it.)
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn near_end(col: usize) -> u64 {
    low((SOFT_MAX - 1).saturating_sub(col)) & !low(72usize.saturating_sub(col))
}

/// A window of copied bytes only. Returns the tokens consumed: all, or 0
/// if it needs the reference.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn literal(k: Consts, v: __m512i, m: &Masks, out: &mut [u8], st: &mut State) -> usize {
    if plain::<WINDOW>(k, v, Plain::of(m, 0, TOKENS), out, st) {
        WINDOW
    } else {
        0
    }
}

/// The masks of a run of copied bytes, shifted to bit 0.
#[derive(Clone, Copy)]
struct Plain {
    blank: u64,
    breaks: u64,
    break1: u64,
    ends: u64,
    guards: u64,
    crowded: u64,
}

impl Plain {
    /// The bits `shift..` of `m` selected by `mask`.
    fn of(m: &Masks, shift: usize, mask: u64) -> Plain {
        let part = |x: u64| x >> shift & mask;
        Plain {
            blank: part(m.blank),
            breaks: part(m.breaks),
            break1: part(m.break1),
            ends: part(m.ends()),
            guards: part(m.guards),
            crowded: part(m.crowded),
        }
    }
}

/// `N` copied bytes, in the first lanes of `chars`. Returns false, having
/// done nothing, if it needs the reference.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn plain<const N: usize>(
    k: Consts,
    chars: __m512i,
    m: Plain,
    out: &mut [u8],
    st: &mut State,
) -> bool {
    let col = st.col;
    let first_break = (m.breaks | 1 << N).trailing_zeros() as usize;
    let p = SOFT_MAX.saturating_sub(col);
    // `p < first_break` also puts p inside the run.
    let soft = (p < first_break) & (m.break1.wrapping_shr(p as u32) & 1 == 0);
    let moved = soft & (p > 0) & (m.blank.wrapping_shr(p.wrapping_sub(1) as u32) & 1 != 0);
    let soft_at = p.wrapping_sub(usize::from(moved));
    let guarded = m.guards.wrapping_shr(soft_at as u32) & 1 != 0;
    let whole_line = !soft & (first_break == N);
    let last_blank = m.blank >> (N - 1) != 0;
    if (m.crowded & near_end(col) != 0)
        | (soft & guarded)
        | (whole_line & last_blank & (col + N > 74))
    {
        return false;
    }
    let soft_at = select_unpredictable(soft, soft_at, 64);
    store(k, chars, N, soft_at, out, st);
    let on_line = select_unpredictable(soft, N.wrapping_sub(soft_at), col + N);
    // The last LF is at 63 - leading_zeros.
    let after_lf = (N + m.ends.leading_zeros() as usize).wrapping_sub(64);
    st.col = select_unpredictable(m.ends != 0, after_lf, on_line);
    true
}

/// A window with escapes, as three groups. Returns the tokens consumed.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn groups<const TEXT: bool>(
    k: Consts,
    v: __m512i,
    m: &Masks,
    out: &mut [u8],
    st: &mut State,
) -> usize {
    let digits = [
        v,
        _mm512_permutexvar_epi8(_mm512_srli_epi16::<4>(v), k.hex),
        _mm512_permutexvar_epi8(v, k.hex),
    ];
    if !group::<TEXT, 0>(k, digits, m, out, st) {
        return 0;
    }
    if !group::<TEXT, 1>(k, digits, m, out, st) {
        return GROUP;
    }
    if !group::<TEXT, 2>(k, digits, m, out, st) {
        return 2 * GROUP;
    }
    WINDOW
}

/// `vpermb` indices moving group `g` to the first lanes.
const fn shift(g: usize) -> Table<64> {
    let mut t = [0; 64];
    let mut i = 0;
    while i + GROUP * g < 64 {
        t[i] = (i + GROUP * g) as u8;
        i += 1;
    }
    Table(t)
}

static SHIFT: [Table<64>; 3] = [shift(0), shift(1), shift(2)];

/// Group `G` (bytes `21G..21G + 21`) of a window with escapes, given the
/// window's bytes and their high and low hex digits. Returns false, having
/// done nothing, if it needs the reference.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn group<const TEXT: bool, const G: usize>(
    k: Consts,
    [v, hi, lo]: [__m512i; 3],
    m: &Masks,
    out: &mut [u8],
    st: &mut State,
) -> bool {
    let part = |mask: u64| mask >> (GROUP * G) & ((1 << GROUP) - 1);
    let esc = part(m.esc);
    if TEXT && esc | part(m.bare_lf) == 0 {
        // Text has runs without escapes: copied bytes, one `vpermb`.
        let chars = _mm512_permutexvar_epi8(super::table(&SHIFT[G]), v);
        let run = Plain::of(m, GROUP * G, (1 << GROUP) - 1);
        return plain::<GROUP>(k, chars, run, out, st);
    }
    let esc_slots = _pdep_u64(esc, SLOT0);
    let bare_lf = part(m.bare_lf);
    let lf_slots = if TEXT && bare_lf != 0 {
        _pdep_u64(bare_lf, SLOT0)
    } else {
        0
    };
    let kept = SLOT0 | esc_slots << 1 | esc_slots << 2 | lf_slots << 1;
    let len = kept.count_ones() as usize;
    let starts = _pext_u64(SLOT0, kept);
    let to_out = |mask: u64| _pdep_u64(mask, starts);
    let blank = part(m.blank);

    let col = st.col;
    let p = SOFT_MAX.saturating_sub(col);
    let at = 63 - (starts & low(p + 1)).leading_zeros() as usize;
    let mut soft = p < len;
    if !TEXT && blank == 0 {
        // Binary data without blanks (most groups): no blank rules, no
        // hard breaks, so only a guard may start a soft line.
        let guards = part(m.guards);
        if soft & (guards != 0) && to_out(guards) >> at & 1 != 0 {
            return false;
        }
        let chars = group_chars::<G>(k, [v, hi, lo], esc_slots, 0, kept);
        let soft_at = select_unpredictable(soft, at, 64);
        store(k, chars, len, soft_at, out, st);
        st.col = select_unpredictable(soft, len.wrapping_sub(at), col + len);
        return true;
    }
    let mut first_break = 64;
    let mut lf_chars = 0;
    if TEXT {
        // Output offsets of the hard breaks and of their LFs.
        let break_starts = to_out(part(m.break_starts));
        let crlf_lf = to_out(part(m.crlf_lf));
        lf_chars = crlf_lf | to_out(bare_lf) << 1;
        first_break = (break_starts | crlf_lf).trailing_zeros() as usize;
        let next_break = m.break1 >> (GROUP * G + GROUP - 1) & 1;
        let break_after = break_starts >> 1 | next_break << (len - 1);
        soft &= (p < first_break) & (break_after >> (p & 63) & 1 == 0);
    }
    // (Binary data rarely has blanks: skip the `pdep`.)
    let moved = soft
        & (starts.wrapping_shr(p as u32) & 1 != 0)
        & (p > 0)
        & (blank != 0 && to_out(blank).wrapping_shr(p.wrapping_sub(1) as u32) & 1 != 0);
    let soft_at = at - usize::from(moved);

    let (crowded, guards) = (part(m.crowded), part(m.guards));
    let whole_line = !soft & (first_break == 64);
    if (whole_line & (blank >> (GROUP - 1) != 0) & (col + len > 74))
        | ((crowded != 0) && to_out(crowded) & near_end(col) != 0)
        | (soft & (guards != 0) && to_out(guards) >> soft_at & 1 != 0)
    {
        return false;
    }

    let chars = group_chars::<G>(k, [v, hi, lo], esc_slots, lf_slots, kept);
    let soft_at = select_unpredictable(soft, soft_at, 64);
    store(k, chars, len, soft_at, out, st);
    let on_line = select_unpredictable(soft, len.wrapping_sub(soft_at), col + len);
    let after_lf = (len + lf_chars.leading_zeros() as usize).wrapping_sub(64);
    st.col = select_unpredictable(lf_chars != 0, after_lf, on_line);
    true
}

/// The output characters of group `G`: its bytes spread to slots, `=` in
/// slot 0 of the escapes, CR LF in slots 0 and 1 of the bare LFs, and the
/// `kept` slots squeezed together.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn group_chars<const G: usize>(
    k: Consts,
    [v, hi, lo]: [__m512i; 3],
    esc_slots: u64,
    lf_slots: u64,
    kept: u64,
) -> __m512i {
    let slots = _mm512_permutex2var_epi8(v, k.spread[G], hi);
    let slots = _mm512_mask_permutexvar_epi8(slots, SLOT2, k.spread[G], lo);
    let mut slots = _mm512_mask_blend_epi8(esc_slots, slots, _mm512_set1_epi8(b'=' as i8));
    if lf_slots != 0 {
        slots = _mm512_mask_blend_epi8(lf_slots, slots, _mm512_set1_epi8(b'\r' as i8));
        slots = _mm512_mask_blend_epi8(lf_slots << 1, slots, _mm512_set1_epi8(b'\n' as i8));
    }
    _mm512_maskz_compress_epi8(kept, slots)
}

/// Stores the first `len` bytes of `chars` at `out[st.w..]`, with a soft
/// break before byte `soft` if `soft < len`, and advances `st.w`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn store(k: Consts, chars: __m512i, len: usize, soft: usize, out: &mut [u8], st: &mut State) {
    // Without a soft break (`soft >= len`) the last two stores are empty.
    let is_soft = soft < len;
    let split = soft.min(len);
    let after = low(len) & !low(split);
    // The window started with at least `WINDOW_OUT` bytes of room and its
    // runs take at most `len + 3` (<= 66) bytes each, 3 runs at most.
    // SAFETY: the stores reach at most `len + 3` bytes past `st.w` (inside
    // `out`, by the room above) with `split <= 63`; masked-off lanes are not
    // accessed.
    unsafe {
        let dst = out.as_mut_ptr().add(st.w);
        _mm512_mask_storeu_epi8(dst.cast(), low(split), chars);
        let soft_mask = if is_soft { 7 } else { 0 };
        _mm512_mask_storeu_epi8(dst.add(split).cast(), soft_mask, k.soft_break);
        _mm512_mask_storeu_epi8(dst.add(3).cast(), after, chars);
    }
    st.w += len + 3 * usize::from(is_soft);
}
