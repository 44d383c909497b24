//! The MIME decoder's fast path: runs of lines of one length, four lines
//! at a time, decoded straight to the output without compaction.
//!
//! Encoders write lines of 76 characters (RFC 2045), 64 (PEM) or 72, each
//! ending in CRLF or LF. The first 64 characters of each line are one vector
//! that decodes like a plain block; the rest of all four lines (at most 12
//! characters and the line break each) is gathered into one more vector,
//! which is checked against the expected layout and decoded too.

use std::arch::x86_64::*;

use super::{first_lanes, load, store, store_lanes, table, Decoder, Table};

/// Lines decoded together.
const GROUP: usize = 4;

/// `vpermb` indices placing the decoded bytes of the end of line `k` (at
/// most 3 quads, in the 32-bit lanes 4k..4k+3) after the 48 bytes of its
/// first 64 characters, most significant byte of each quad first.
static END_PLACE: [Table<64>; GROUP] = {
    let mut tables = [const { Table([0; 64]) }; GROUP];
    let mut k = 0;
    while k < GROUP {
        let mut j = 48;
        while j < 57 {
            let (q, r) = ((j - 48) / 3, (j - 48) % 3);
            tables[k].0[j] = (4 * (4 * k + q) + 2 - r) as u8;
            j += 1;
        }
        k += 1;
    }
    tables
};

/// `vpternlogd` selector of the lanes after a line's first 48 bytes.
static AFTER_HEAD: Table<64> = {
    let mut t = [0; 64];
    let mut j = 48;
    while j < 64 {
        t[j] = 0xff;
        j += 1;
    }
    Table(t)
};

/// The layout of a run of lines.
#[derive(Clone, Copy)]
pub(super) struct Lines {
    /// B64Alphabet characters per line: 64, 68, 72 or 76.
    chars: usize,
    /// Bytes per line, line break included.
    stride: usize,
    /// 0xc0 in the lanes of the gathered line ends that are checked.
    care: __m512i,
    /// 0x40 (whitespace) in the lanes of the line breaks.
    space: __m512i,
    /// Lanes of one line's decoded bytes.
    line_bytes: u64,
}

impl Lines {
    /// The layout of the line at `input[at..]`, if it looks like an
    /// encoder's: 64 to 76 characters (a multiple of 4, so that every line
    /// starts a quantum), then CRLF or LF.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
    pub(super) fn find(input: &[u8], at: usize) -> Option<Lines> {
        let line = input.get(at..)?;
        let chars = (64..=76)
            .step_by(4)
            .find(|&c| matches!(line.get(c), Some(b'\r' | b'\n')))?;
        let space = match (line[chars], line.get(chars + 1)) {
            (b'\n', _) => 1,
            (_, Some(b'\n')) => 2,
            _ => return None,
        };
        let each = 0x0001_0001_0001_0001u64;
        let end = chars - 64;
        let care = ((1 << (end + space)) - 1) * each;
        let breaks = (((1 << space) - 1) << end) * each;
        Some(Lines {
            chars,
            stride: chars + space,
            care: _mm512_maskz_mov_epi8(care, _mm512_set1_epi8(0xc0u8 as i8)),
            space: _mm512_maskz_mov_epi8(breaks, _mm512_set1_epi8(0x40)),
            line_bytes: first_lanes(chars / 4 * 3),
        })
    }

    /// Bytes of input in one group.
    fn group_input(&self) -> usize {
        GROUP * self.stride
    }

    /// Bytes of output from one group.
    fn group_output(&self) -> usize {
        GROUP * self.chars / 4 * 3
    }
}

/// Decodes groups of four lines of the layout `lines` from `input[at..]` to
/// `out[o..]` while they have that layout (and `input` holds the loads a
/// little past them). Returns where it stopped in `input` and `out`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
pub(super) fn decode_lines(
    dec: Decoder,
    lines: &Lines,
    input: &[u8],
    mut at: usize,
    out: &mut [u8],
    mut o: usize,
) -> (usize, usize) {
    // One loop of its own, so that the masks and tables stay in registers.
    while group(dec, lines, input, at, out, o) {
        at += lines.group_input();
        o += lines.group_output();
    }
    (at, o)
}

/// Decodes the four lines at `input[at..]` to `out[o..]` if they have the
/// layout `lines`; returns whether it did.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")]
#[inline]
fn group(dec: Decoder, lines: &Lines, input: &[u8], at: usize, out: &mut [u8], o: usize) -> bool {
    let s = lines.stride;
    if at + 3 * s + 80 > input.len() || o + lines.group_output() > out.len() {
        return false;
    }
    // The first 64 characters of each line, and the 16 bytes after them in
    // 128-bit lane k for line k (inserted from memory: no shuffle port).
    // SAFETY: the loads end by at + 3 * stride + 80 <= input.len().
    let (heads, ends) = unsafe {
        let p = input.as_ptr().add(at);
        let end = |k: usize| _mm_loadu_si128(p.add(k * s + 64).cast());
        let ends = _mm512_zextsi128_si512(end(0));
        let ends = _mm512_inserti32x4::<1>(ends, end(1));
        let ends = _mm512_inserti32x4::<2>(ends, end(2));
        let ends = _mm512_inserti32x4::<3>(ends, end(3));
        ([0, 1, 2, 3].map(|k| dec.values(load(p.add(k * s)))), ends)
    };
    let ends = dec.values(ends);
    // Bits 6-7 must be clear in every head and in the checked lanes of the
    // ends, except for the whitespace flag of the line breaks: (e & care) ^ space.
    let wrong = _mm512_ternarylogic_epi32::<0x6a>(ends, lines.care, lines.space);
    let any = _mm512_ternarylogic_epi32::<0xfe>(heads[0], heads[1], heads[2]);
    let any = _mm512_ternarylogic_epi32::<0xfe>(any, heads[3], wrong);
    if _mm512_test_epi8_mask(any, _mm512_set1_epi8(0xc0u8 as i8)) != 0 {
        return false;
    }
    let line_out = lines.chars / 4 * 3;
    let ends = dec.words(ends);
    let after_head = table(&AFTER_HEAD);
    // SAFETY: the stores end by o + group_output <= out.len(). The first
    // three lines are stored whole, each reaching past its end into the next
    // line, which is stored after it; the last one is masked.
    unsafe {
        let q = out.as_mut_ptr().add(o);
        for (k, &head) in heads.iter().enumerate() {
            let end = _mm512_permutexvar_epi8(table(&END_PLACE[k]), ends);
            // after_head ? end : head
            let bytes = _mm512_ternarylogic_epi32::<0xac>(after_head, dec.pack(head), end);
            if k + 1 < GROUP {
                store(q.add(k * line_out), bytes);
            } else {
                store_lanes(q.add(k * line_out), lines.line_bytes, bytes);
            }
        }
    }
    true
}
