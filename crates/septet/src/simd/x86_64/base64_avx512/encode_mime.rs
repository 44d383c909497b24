//! MIME encode: four 57-byte lines (228 bytes) at a time become 312 bytes
//! of output, 76 characters and a CRLF per line, written as five vectors.
//!
//! The CRLFs shift the characters of every other line by two bytes against
//! the 4-byte lanes of the plain encoder, so each output vector has its own
//! tables: `vpermb` copies into every 64-bit element the (byte-reversed)
//! input bytes holding the bits of its characters, `vpmultishiftqb` cuts out
//! each character's six bits wherever they sit, and the alphabet lookup
//! follows; a blend writes the line breaks. That costs what the plain encoder
//! pays per vector, with no extra pass for the line breaks.

use std::arch::x86_64::*;

use super::{load, load_prefix, store, store_prefix, Table};
use crate::simd::scalar::base64::{LINE_CHARS, LINE_INPUT, LINE_OUTPUT};
use crate::simd::B64Alphabet;

/// Lines encoded together.
const LINES: usize = 4;
/// Output vectors of one group of lines: 312 bytes.
const VECTORS: usize = (LINES * LINE_OUTPUT).div_ceil(64);

/// The constant tables of one output vector of a group.
struct Layout {
    /// `vpermb` indices into the 64 input bytes loaded at `window`.
    spread: Table<64>,
    /// `vpmultishiftqb` bit offsets of each character.
    shifts: Table<64>,
    /// First input byte (from the group's start) the vector needs.
    window: usize,
    /// 0xff in the lanes holding CR or LF: a `vpternlogd` selector, which
    /// unlike a mask register needs no port-5 `kmov` in the loop.
    breaks: Table<64>,
}

/// Where output byte `pos` of a group comes from: the index of its character
/// among the group's characters, or `None` for CR and LF.
const fn char_at(pos: usize) -> Option<usize> {
    let col = pos % LINE_OUTPUT;
    if col >= LINE_CHARS {
        None
    } else {
        Some(pos / LINE_OUTPUT * LINE_CHARS + col)
    }
}

const fn layout(v: usize) -> Layout {
    let mut spread = [0u8; 64];
    let mut shifts = [0u8; 64];
    let mut breaks = [0u8; 64];
    let first = match char_at(64 * v) {
        Some(c) => c,
        None => panic!("vectors start on a character"),
    };
    let window = 6 * first / 8;
    let mut q = 0;
    while q < 8 {
        // The first input byte of this element: the one holding the top bit
        // of its first character.
        let mut base = usize::MAX;
        let mut j = 8 * q;
        while j < 8 * q + 8 {
            let pos = 64 * v + j;
            if pos < LINES * LINE_OUTPUT {
                match char_at(pos) {
                    Some(c) => {
                        if base == usize::MAX {
                            base = 6 * c / 8 - window;
                        }
                        // Bit offset of the character's top bit in the
                        // big-endian 64 bits of the element.
                        let bit = 6 * c - 8 * (window + base);
                        assert!(bit <= 58);
                        shifts[j] = (58 - bit) as u8;
                    }
                    None => breaks[j] = 0xff,
                }
            }
            j += 1;
        }
        if base != usize::MAX {
            assert!(base + 7 < 64);
            let mut m = 0;
            while m < 8 {
                spread[8 * q + 7 - m] = (base + m) as u8;
                m += 1;
            }
        }
        q += 1;
    }
    Layout {
        spread: Table(spread),
        shifts: Table(shifts),
        window,
        breaks: Table(breaks),
    }
}

static LAYOUTS: [Layout; VECTORS] = [layout(0), layout(1), layout(2), layout(3), layout(4)];

/// CR in even lanes, LF in odd ones: every line break of a group starts on
/// an even output offset (76 + 78 * k), and vectors start on even offsets.
static LINE_BREAKS: Table<64> = {
    let mut t = [b'\n'; 64];
    let mut j = 0;
    while j < 64 {
        t[j] = b'\r';
        j += 2;
    }
    Table(t)
};

/// Bulk MIME encode of whole 57-byte lines. See `simd::B64EncodeMimeFn`.
///
/// # Safety
/// The CPU must support the enabled target features.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
pub(crate) unsafe fn encode_mime(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    // SAFETY: the encode table is 64 readable bytes.
    let chars = unsafe { _mm512_loadu_si512(alphabet.encode_table().as_ptr().cast()) };
    let breaks = super::table(&LINE_BREAKS);
    let tables = LAYOUTS.each_ref().map(|l| {
        let t = super::table;
        (t(&l.spread), t(&l.shifts), l.window, t(&l.breaks))
    });
    let encode = |block: __m512i, v: usize| {
        let (spread, shifts, _, select) = tables[v];
        let bits = _mm512_multishift_epi64_epi8(shifts, _mm512_permutexvar_epi8(spread, block));
        // select ? breaks : characters
        _mm512_ternarylogic_epi32::<0xac>(select, _mm512_permutexvar_epi8(bits, chars), breaks)
    };
    let lines = (input.len() / LINE_INPUT).min(out.len() / LINE_OUTPUT);
    let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
    let (mut i, mut o) = (0, 0);
    let mut left = lines;
    // Whole groups whose loads all stay inside `input`, and that another
    // group follows, so the last vector can be stored whole: the next group
    // overwrites its 8 bytes past the group.
    let last_window = tables[VECTORS - 1].2;
    while left > LINES && i + last_window + 64 <= input.len() {
        for (v, table) in tables.iter().enumerate() {
            // SAFETY: every window ends by i + last_window + 64 <= len.
            let block = unsafe { load(src.add(i + table.2)) };
            // SAFETY: the stores end by o + 320, within the next group's
            // output, which ends by lines * 78 <= out.len().
            unsafe { store(dst.add(o + 64 * v), encode(block, v)) };
        }
        i += LINES * LINE_INPUT;
        o += LINES * LINE_OUTPUT;
        left -= LINES;
    }
    // The last lines, with masked loads and stores: up to four of them.
    while left > 0 {
        let n = left.min(LINES);
        let end = n * LINE_OUTPUT;
        for (v, table) in tables.iter().enumerate().take(end.div_ceil(64)) {
            let block = load_prefix(&input[i + table.2..]);
            store_prefix(&mut out[o + 64 * v..o + end], 64, encode(block, v));
        }
        i += n * LINE_INPUT;
        o += end;
        left -= n;
    }
    (lines * LINE_INPUT, lines * LINE_OUTPUT)
}
