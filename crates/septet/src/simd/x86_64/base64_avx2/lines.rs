//! The MIME decoder's fast path for the usual layout: lines of the same
//! number of characters (a multiple of 4, e.g. 76 or 64), each followed by
//! CRLF or LF. A line is decoded straight from the input with overlapping
//! 32-character blocks (a 76-character line as blocks at 0, 32 and 44),
//! so no whitespace has to be squeezed out; 76-character lines go two at a
//! time, in five blocks (one of them made of the end of the first line and
//! the start of the second). A line whose break is not where the layout
//! says, or that holds any other byte, ends the fast path before it.

use std::arch::x86_64::*;

use super::decode::{
    all_valid, classify, load, pack, restore, save, store_exact, store_wide, Luts, IN,
};

/// Longest line the fast path takes (4 blocks).
const MAX_CHARS: usize = 4 * IN;

/// A line layout: `chars` alphabet characters, then CRLF or LF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Layout {
    chars: usize,
    crlf: bool,
}

impl Layout {
    /// Bytes per line, line break included.
    fn bytes(self) -> usize {
        self.chars + 1 + usize::from(self.crlf)
    }

    /// Whether `line` (starting at a line start) ends in this layout's line break.
    fn breaks(self, line: &[u8]) -> bool {
        if self.crlf {
            line.get(self.chars..self.chars + 2) == Some(b"\r\n")
        } else {
            line.get(self.chars) == Some(&b'\n')
        }
    }
}

/// The layout of the line at the start of `input`, if it is one the fast
/// path takes: 32 to 128 alphabet characters, a multiple of 4, then CRLF or
/// LF, all inside `input`.
#[target_feature(enable = "avx2")]
pub(super) fn detect<const MIN: bool>(input: &[u8], l: &Luts<MIN>) -> Option<Layout> {
    let mut chars = 0;
    loop {
        if input.len() - chars < IN || chars > MAX_CHARS {
            return None;
        }
        // SAFETY: chars + 32 <= input.len() (checked above).
        let (bad, _) = classify(unsafe { load(input.as_ptr().add(chars)) }, l);
        let alpha = _mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256())) as u32;
        chars += alpha.trailing_ones() as usize;
        if alpha != u32::MAX {
            break;
        }
    }
    let crlf = input.get(chars) == Some(&b'\r');
    let layout = Layout { chars, crlf };
    let fits = (IN..=MAX_CHARS).contains(&chars) && chars.is_multiple_of(4);
    (fits && layout.breaks(input)).then_some(layout)
}

/// Decodes whole lines of `layout` from the start of `input` into `out`
/// while they match it and fit; returns `(consumed, written)`.
#[target_feature(enable = "avx2")]
pub(super) fn decode_lines<const MIN: bool>(
    input: &[u8],
    out: &mut [u8],
    layout: Layout,
    l: &Luts<MIN>,
) -> (usize, usize) {
    // One copy per block count, so that each line is straight-line code.
    match layout.chars.div_ceil(IN) {
        0 | 1 => lines_of::<1, MIN>(input, out, layout, l),
        2 => lines_of::<2, MIN>(input, out, layout, l),
        3 if layout.chars == PAIR_CHARS => {
            // Pairs first; a last odd line, or a pair that failed because
            // of its second line, goes alone.
            let (c, w) = pairs_76(input, out, layout, l);
            let (c2, w2) = lines_of::<3, MIN>(&input[c..], &mut out[w..], layout, l);
            (c + c2, w + w2)
        }
        3 => lines_of::<3, MIN>(input, out, layout, l),
        _ => lines_of::<4, MIN>(input, out, layout, l),
    }
}

/// The line length of RFC 2045 MIME, which [`pairs_76`] takes two at a time.
const PAIR_CHARS: usize = 76;

/// [`decode_lines`] for 76-character lines, two at a time in five blocks
/// instead of six: blocks at 0 and 32 of the first line, one block made of
/// its last 16 characters and the second line's first 16 (two 16-byte
/// loads, one per lane), then blocks at 16 and 44 of the second line. The
/// middle block's lanes decode to 12 + 12 bytes that are contiguous in the
/// output (45..57 of the first line, 0..12 of the second).
#[target_feature(enable = "avx2")]
#[inline]
fn pairs_76<const MIN: bool>(
    input: &[u8],
    out: &mut [u8],
    layout: Layout,
    l: &Luts<MIN>,
) -> (usize, usize) {
    const LINE_OUT: usize = PAIR_CHARS / 4 * 3;
    if layout.chars != PAIR_CHARS {
        return (0, 0);
    }
    let stride = layout.bytes();
    let (mut i, mut o) = (0, 0);
    let mut saved = None;
    while input.len() - i >= 2 * stride && out.len() - o >= 2 * LINE_OUT + 4 {
        let pair = &input[i..i + 2 * stride];
        if !layout.breaks(pair) || !layout.breaks(&pair[stride..]) {
            break;
        }
        let p = pair.as_ptr();
        // SAFETY: every load lies inside the pair's characters:
        // 0..32, 32..64, 60..76, stride..stride + 16, stride + 16..stride + 48
        // and stride + 44..stride + 76, with stride + 76 < pair.len().
        let (blocks, bad) = unsafe {
            let (b0, s0) = classify(load(p), l);
            let (b1, s1) = classify(load(p.add(IN)), l);
            let joined = _mm256_loadu2_m128i(p.add(stride).cast(), p.add(60).cast());
            let (b2, s2) = classify(joined, l);
            let (b3, s3) = classify(load(p.add(stride + 16)), l);
            let (b4, s4) = classify(load(p.add(stride + 44)), l);
            let bad = _mm256_or_si256(_mm256_or_si256(b0, b1), _mm256_or_si256(b2, b3));
            ([s0, s1, s2, s3, s4], _mm256_or_si256(bad, b4))
        };
        if !all_valid(bad) {
            break;
        }
        // The blocks go to 0..24, 24..48, 45..69, 69..93 and 90..114; each
        // wide store's 4 garbage bytes are overwritten by the next store, the
        // last one's (114..118) by the next pair or the restore below.
        // SAFETY: every store lies in out[o..o + 118], in bounds (loop condition).
        unsafe {
            let dst = out.as_mut_ptr().add(o);
            saved = Some(save(dst.add(2 * LINE_OUT)));
            store_wide(dst, pack(blocks[0]));
            store_wide(dst.add(24), pack(blocks[1]));
            store_wide(dst.add(45), pack(blocks[2]));
            store_wide(dst.add(LINE_OUT + 12), pack(blocks[3]));
            store_wide(dst.add(LINE_OUT + 33), pack(blocks[4]));
        }
        i += 2 * stride;
        o += 2 * LINE_OUT;
    }
    if let Some(saved) = saved {
        // SAFETY: out[o..o + 4] was in bounds for the last pair's stores.
        unsafe { restore(out.as_mut_ptr().add(o), saved) };
    }
    (i, o)
}

/// [`decode_lines`] for lines of `BLOCKS` 32-character blocks, the last one
/// moved back to end with the line (overlapping the one before when the
/// length is not a multiple of 32).
#[target_feature(enable = "avx2")]
#[inline]
fn lines_of<const BLOCKS: usize, const MIN: bool>(
    input: &[u8],
    out: &mut [u8],
    layout: Layout,
    l: &Luts<MIN>,
) -> (usize, usize) {
    // `detect` made the layout; the clamp keeps the loads below in bounds
    // whatever it holds.
    let chars = layout
        .chars
        .clamp(IN * (BLOCKS - 1) + 1, IN * BLOCKS)
        .max(IN);
    let at = |b: usize| if b + 1 == BLOCKS { chars - IN } else { IN * b };
    let (line_in, line_out) = (layout.bytes(), chars / 4 * 3);
    // A block's wide store may run 4 bytes past its output when the next
    // block starts at least 8 characters later (6 bytes), so it overwrites them.
    let wide = chars.is_multiple_of(IN) || chars % IN >= 8;
    let (mut i, mut o) = (0, 0);
    while input.len() - i >= line_in && out.len() - o >= line_out {
        let line = &input[i..i + line_in];
        if !layout.breaks(line) {
            break;
        }
        let mut bad = _mm256_setzero_si256();
        let mut sextets = [bad; BLOCKS];
        for (b, s) in sextets.iter_mut().enumerate() {
            // SAFETY: at(b) + 32 <= chars < line.len().
            let (x, v) = classify(unsafe { load(line.as_ptr().add(at(b))) }, l);
            bad = _mm256_or_si256(bad, x);
            *s = v;
        }
        if _mm256_testz_si256(bad, bad) == 0 {
            break;
        }
        for (b, &s) in sextets.iter().enumerate() {
            let dst = o + at(b) / 4 * 3;
            // SAFETY: block b's 24 bytes end at at(b) / 4 * 3 + 24 <= line_out,
            // and out[o..o + line_out] is in bounds (loop condition). A wide
            // store's 4 extra bytes end inside the next block's output.
            unsafe {
                if wide && b + 1 < BLOCKS {
                    store_wide(out.as_mut_ptr().add(dst), pack(s));
                } else {
                    store_exact(out.as_mut_ptr().add(dst), pack(s));
                }
            }
        }
        i += line_in;
        o += line_out;
    }
    (i, o)
}
