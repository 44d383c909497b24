//! Scalar quoted-printable: byte classes, the reference token encoder, and
//! the bulk kernels of the `Scalar` kernel table.
//!
//! [`encode_token`] is the definition of the encoder's output (see the
//! quoted-printable codec's module docs for the rules in prose); every encode kernel
//! must produce exactly what a sequence of its calls would. The decode
//! reference is the state machine of the codec's decode driver. The bulk kernels here
//! follow the same contract as the SIMD ones (see `simd::QpEncodeFn` and
//! `simd::QpDecodeFn`), so the shared drivers treat every ISA alike.

/// Characters an encoded line may hold, not counting its CRLF (RFC 2045 6.7 (5)).
pub(crate) const LINE_MAX: usize = 76;
/// The last column a token may end at when a soft break (`=`) must still fit after it.
pub(crate) const SOFT_MAX: usize = LINE_MAX - 1;
/// Bytes after a byte that the encoder looks at to decide how to write it
/// (`F` needs to see `rom `). Kernels never consume the last `LOOKAHEAD`
/// bytes of their input.
pub(crate) const LOOKAHEAD: usize = 4;
/// The most output one token produces: a soft break (`=\r\n`) then an escape.
pub(crate) const MAX_TOKEN_OUT: usize = 6;

/// Upper-case hexadecimal digits, by value.
pub(crate) const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Byte class: printable ASCII other than `=` (33..=126): written as itself.
pub(crate) const SAFE: u8 = 0;
/// Byte class: space or tab: literal mid-line, encoded before a line break.
pub(crate) const BLANK: u8 = 1;
/// Byte class: always written as `=XX` (`=`, controls, 127..=255).
pub(crate) const ESCAPE: u8 = 2;
/// Byte class: CR (a hard break with a following LF in text mode).
pub(crate) const CR: u8 = 3;
/// Byte class: LF (a hard break in text mode with `bare_lf_is_line_break`).
pub(crate) const LF: u8 = 4;

const fn class_table() -> [u8; 256] {
    let mut t = [ESCAPE; 256];
    let mut b = 33;
    while b <= 126 {
        t[b] = SAFE;
        b += 1;
    }
    t[b'=' as usize] = ESCAPE;
    t[b' ' as usize] = BLANK;
    t[b'\t' as usize] = BLANK;
    t[b'\r' as usize] = CR;
    t[b'\n' as usize] = LF;
    t
}

/// The encoder's class of every byte.
pub(crate) static CLASS: [u8; 256] = class_table();

/// Marks a byte that is not a hexadecimal digit in [`HEX_VALUE`].
pub(crate) const NOT_HEX: u8 = 0xff;

const fn hex_table(lower: bool) -> [u8; 256] {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 16 {
        t[HEX_UPPER[i] as usize] = i as u8;
        if lower {
            t[HEX_UPPER[i].to_ascii_lowercase() as usize] = i as u8;
        }
        i += 1;
    }
    t
}

/// Value of a hexadecimal digit of either case, or [`NOT_HEX`].
pub(crate) static HEX_VALUE: [u8; 256] = hex_table(true);
/// Value of an upper-case hexadecimal digit (or `0-9`), or [`NOT_HEX`].
pub(crate) static HEX_VALUE_UPPER: [u8; 256] = hex_table(false);

/// The encoder options as bits, for kernels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct EncodeFlags(u8);

impl EncodeFlags {
    /// Text mode: CRLF is a hard line break (else every CR and LF is encoded).
    pub(crate) const TEXT: u8 = 1;
    /// Text mode only: a bare LF is a hard line break too (written as CRLF).
    pub(crate) const BARE_LF: u8 = 2;
    /// A `.` at the start of an output line is written `=2E`.
    pub(crate) const DOT: u8 = 4;
    /// The `F` of `From ` at the start of an output line is written `=46`.
    pub(crate) const FROM: u8 = 8;

    pub(crate) const fn new(bits: u8) -> Self {
        EncodeFlags(bits)
    }

    pub(crate) const fn text(self) -> bool {
        self.0 & Self::TEXT != 0
    }

    /// Bare LF is a hard break (only ever set together with `TEXT`).
    pub(crate) const fn bare_lf(self) -> bool {
        self.0 & (Self::TEXT | Self::BARE_LF) == Self::TEXT | Self::BARE_LF
    }

    pub(crate) const fn dot(self) -> bool {
        self.0 & Self::DOT != 0
    }

    pub(crate) const fn from(self) -> bool {
        self.0 & Self::FROM != 0
    }
}

/// Whether a token of `len` characters fits at column `col`: always up to
/// column 75 (a soft break's `=` still fits after it), and up to 76 when the
/// token is the last before a hard break or the end of the input.
#[inline]
pub(crate) fn fits(col: usize, len: usize, line_final: bool) -> bool {
    col + len <= SOFT_MAX || (line_final && col + len <= LINE_MAX)
}

/// Whether a hard line break (or, with `None`, the end of the input) starts
/// at `rest[i]`. Callers guarantee `rest` reaches the end of the input or
/// extends at least one byte past `i`.
#[inline]
fn break_at(rest: &[u8], i: usize, flags: EncodeFlags) -> bool {
    match rest.get(i) {
        None => true,
        Some(b'\r') => flags.text() && rest.get(i + 1) == Some(&b'\n'),
        Some(b'\n') => flags.bare_lf(),
        Some(_) => false,
    }
}

/// The characters the data byte `rest[0]` takes at column `col`: 1 literal,
/// 3 escaped. `line_final`: a hard break or the end of the input follows it.
#[inline]
fn token_len(rest: &[u8], col: usize, line_final: bool, flags: EncodeFlags) -> usize {
    let b = rest[0];
    match CLASS[b as usize] {
        SAFE if col == 0 && guarded(rest, flags) => 3,
        SAFE => 1,
        BLANK if !line_final && blank_literal(rest, col, flags) => 1,
        _ => 3,
    }
}

/// Whether `rest[0]`, written at the start of a line, must be escaped by the
/// `.` or `From ` guard.
#[inline]
fn guarded(rest: &[u8], flags: EncodeFlags) -> bool {
    match rest[0] {
        b'.' => flags.dot(),
        b'F' => flags.from() && rest.get(1..5) == Some(b"rom "),
        _ => false,
    }
}

/// Whether the space or tab `rest[0]` at `col`, not followed by a hard break
/// or the end of the input, may be written literally: only if the next token
/// fits right after it, so that no soft break can follow it. A following
/// space or tab is assumed to need 3 columns (it might be escaped), which
/// keeps the decision to one token of lookahead.
#[inline]
fn blank_literal(rest: &[u8], col: usize, flags: EncodeFlags) -> bool {
    let next = rest[1];
    match CLASS[next as usize] {
        BLANK => fits(col + 1, 3, false),
        SAFE => fits(col + 1, 1, break_at(rest, 2, flags)),
        // An escape, or a CR/LF that is not a hard break (else `rest[0]`
        // would be line-final).
        _ => fits(col + 1, 3, break_at(rest, 2, flags)),
    }
}

/// Writes `=` and the upper-case hex of `b` to `out[..3]`.
#[inline]
pub(crate) fn write_escape(b: u8, out: &mut [u8]) {
    out[0] = b'=';
    out[1] = HEX_UPPER[(b >> 4) as usize];
    out[2] = HEX_UPPER[(b & 15) as usize];
}

/// The reference encoder: encodes the token at `input[pos..]` (a hard line
/// break, or one data byte with the soft break that must precede it) at
/// column `*col`, and updates `*col`.
///
/// Returns `(consumed, written)`, or `None` if nothing is left, if `out`
/// holds fewer than [`MAX_TOKEN_OUT`] bytes, or if `at_end` is false and
/// fewer than `LOOKAHEAD + 1` bytes remain (the token's encoding may depend
/// on bytes not seen yet).
pub(crate) fn encode_token(
    input: &[u8],
    pos: usize,
    at_end: bool,
    col: &mut usize,
    flags: EncodeFlags,
    out: &mut [u8],
) -> Option<(usize, usize)> {
    let rest = input.get(pos..)?;
    if rest.is_empty() || (!at_end && rest.len() <= LOOKAHEAD) || out.len() < MAX_TOKEN_OUT {
        return None;
    }
    let b = rest[0];
    if flags.text() && (b == b'\r' && rest.get(1) == Some(&b'\n') || b == b'\n' && flags.bare_lf())
    {
        out[..2].copy_from_slice(b"\r\n");
        *col = 0;
        return Some((if b == b'\r' { 2 } else { 1 }, 2));
    }
    let line_final = break_at(rest, 1, flags);
    let mut len = token_len(rest, *col, line_final, flags);
    let mut written = 0;
    if !fits(*col, len, line_final) {
        out[..3].copy_from_slice(b"=\r\n");
        written = 3;
        *col = 0;
        // At column 0 the guards apply and a blank may become literal.
        len = token_len(rest, 0, line_final, flags);
    }
    if len == 1 {
        out[written] = b;
    } else {
        write_escape(b, &mut out[written..]);
    }
    *col += len;
    Some((1, written + len))
}

/// Scalar bulk encode (the `Scalar` table's `qp_encode`). Fast paths, each
/// a case where the reference's answer needs no lookahead beyond one byte:
/// runs of printable bytes, and blanks followed by one, that end by column
/// 75; escapes that end by column 75; text-mode CRLF. Everything else goes
/// through [`encode_token`]. Never consumes the last [`LOOKAHEAD`] bytes.
pub(crate) fn encode_bulk(
    input: &[u8],
    out: &mut [u8],
    col: usize,
    flags: EncodeFlags,
) -> (usize, usize, usize) {
    let end = input.len().saturating_sub(LOOKAHEAD);
    let mut col = col;
    let (mut pos, mut w) = (0, 0);
    while pos < end {
        let b = input[pos];
        let class = CLASS[b as usize];
        let free = out.len() - w;
        let guard_col = col == 0 && (b == b'.' || b == b'F');
        if (class == SAFE || class == BLANK) && !guard_col {
            let n = literal_run(
                &input[pos..end],
                &mut out[w..],
                SOFT_MAX.saturating_sub(col),
            );
            if n > 0 {
                pos += n;
                w += n;
                col += n;
                continue;
            }
        }
        let escape = class == ESCAPE || (class >= CR && !flags.text());
        if escape && col + 3 <= SOFT_MAX && free >= 3 {
            write_escape(b, &mut out[w..]);
            pos += 1;
            w += 3;
            col += 3;
            continue;
        }
        if b == b'\r' && pos + 1 == end {
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

/// Copies the longest prefix of `input` made of printable bytes and of
/// blanks followed by a printable byte, at most `budget` bytes and what
/// fits in `out`; returns its length. Every byte lands before column 75
/// and each blank has a printable byte after it on the same line, so the
/// reference writes all of them literally (the caller keeps `.`/`F` at
/// column 0 out). Eight bytes at a time where it can (see [`literal_lanes`]).
#[inline]
fn literal_run(input: &[u8], out: &mut [u8], budget: usize) -> usize {
    let limit = budget.min(input.len()).min(out.len());
    let (input, out) = (&input[..limit], &mut out[..limit]);
    let mut i = 0;
    loop {
        while let Some(block) = input.get(i..i + 8) {
            let lanes = literal_lanes(u64::from_le_bytes(block.try_into().unwrap_or([0; 8])));
            if lanes == 8 {
                out[i..i + 8].copy_from_slice(block);
                i += 8;
                continue;
            }
            // Byte stores: a call to memmove would cost more than the copy.
            for (o, &c) in out[i..i + lanes].iter_mut().zip(block) {
                *o = c;
            }
            i += lanes;
            break;
        }
        // One byte (or blank and byte) the block test could not take.
        let Some(&c) = input.get(i) else { break };
        match CLASS[c as usize] {
            SAFE => {
                out[i] = c;
                i += 1;
            }
            BLANK if i + 1 < limit && CLASS[input[i + 1] as usize] == SAFE => {
                out[i] = c;
                out[i + 1] = input[i + 1];
                i += 2;
            }
            _ => break,
        }
    }
    i
}

const LANES_HI: u64 = 0x8080_8080_8080_8080;
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// How many leading bytes of the little-endian block `v` are printable, or
/// a blank whose next byte in the block is printable (SWAR: each test sets
/// bit 7 of a byte lane, with bit 7 cleared first so no carry crosses lanes).
#[inline]
fn literal_lanes(v: u64) -> usize {
    let high = v & LANES_HI;
    let lo = v & !LANES_HI;
    let ge33 = lo.wrapping_add(splat(128 - 33));
    let le126 = !lo.wrapping_add(splat(1));
    let not_eq = (lo ^ splat(b'=')).wrapping_add(splat(127));
    let printable = ge33 & le126 & not_eq & !high & LANES_HI;
    let space = !(lo ^ splat(b' ')).wrapping_add(splat(127));
    let tab = !(lo ^ splat(b'\t')).wrapping_add(splat(127));
    let blank = (space | tab) & !high & LANES_HI;
    let ok = printable | (blank & (printable >> 8));
    ((!ok & LANES_HI).trailing_zeros() / 8) as usize
}

#[inline]
fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Decodes `=XY` at `input[i..]` if both digits are in `table`.
#[inline]
pub(crate) fn escape_at(input: &[u8], i: usize, table: &[u8; 256]) -> Option<u8> {
    let hi = table[*input.get(i + 1)? as usize];
    let lo = table[*input.get(i + 2)? as usize];
    (hi < 16 && lo < 16).then_some((hi << 4) | lo)
}

/// Scalar bulk decode (the `Scalar` table's `qp_decode`), see
/// `simd::QpDecodeFn` for the contract.
pub(crate) fn decode_bulk(input: &[u8], out: &mut [u8], strict: bool) -> (usize, usize) {
    if strict {
        decode_bulk_strict(input, out)
    } else {
        decode_bulk_lenient(input, out)
    }
}

/// Lenient: jump from `=`/CR/LF to the next with `memchr3`; copy what lies
/// between except white space right before CR, LF or the end of the slice.
fn decode_bulk_lenient(input: &[u8], out: &mut [u8]) -> (usize, usize) {
    let (mut pos, mut w) = (0, 0);
    loop {
        let rest = &input[pos..];
        let stop = memchr::memchr3(b'=', b'\r', b'\n', rest).unwrap_or(rest.len());
        let mut run = stop;
        if rest.get(stop) != Some(&b'=') {
            // Possibly trailing white space: left to the state machine.
            while run > 0 && is_blank(rest[run - 1]) {
                run -= 1;
            }
        }
        out[w..w + run].copy_from_slice(&rest[..run]);
        pos += run;
        w += run;
        if run < stop || stop == rest.len() {
            break;
        }
        if rest[stop] == b'=' {
            // Escapes often come in runs (8-bit text, binary): take them
            // without going back to memchr for each.
            let mut at = pos;
            while input.get(at) == Some(&b'=') {
                match escape_at(input, at, &HEX_VALUE) {
                    Some(v) => {
                        out[w] = v;
                        at += 3;
                        w += 1;
                    }
                    None => break,
                }
            }
            if at == pos {
                break;
            }
            pos = at;
        } else {
            // CR or LF with no white space pending: passed through.
            out[w] = rest[stop];
            pos += 1;
            w += 1;
        }
    }
    (pos, w)
}

/// Strict: only printable ASCII, upper-case escapes, and blanks followed by
/// something other than CR/LF within the slice; stops at line ends, and
/// (columns count from the start of `input`) before column `LINE_MAX`.
fn decode_bulk_strict(input: &[u8], out: &mut [u8]) -> (usize, usize) {
    let input = &input[..input.len().min(LINE_MAX)];
    let (mut pos, mut w) = (0, 0);
    while pos < input.len() {
        // Printable bytes and single blanks between them: the bulk of text.
        let n = literal_run(&input[pos..], &mut out[w..], usize::MAX);
        pos += n;
        w += n;
        let Some(&b) = input.get(pos) else { break };
        match CLASS[b as usize] {
            BLANK => {
                let run = input[pos..]
                    .iter()
                    .position(|&c| !is_blank(c))
                    .unwrap_or(input.len() - pos);
                match input.get(pos + run) {
                    Some(&next) if next != b'\r' && next != b'\n' => {
                        out[w..w + run].copy_from_slice(&input[pos..pos + run]);
                        pos += run;
                        w += run;
                    }
                    _ => break,
                }
            }
            _ if b == b'=' => match escape_at(input, pos, &HEX_VALUE_UPPER) {
                Some(v) => {
                    out[w] = v;
                    pos += 3;
                    w += 1;
                }
                None => break,
            },
            _ => break,
        }
    }
    (pos, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: EncodeFlags = EncodeFlags::new(EncodeFlags::TEXT | EncodeFlags::DOT);

    fn tokens(input: &[u8], flags: EncodeFlags) -> Vec<u8> {
        let mut out = vec![0; input.len() * 4 + 16];
        let (mut pos, mut w, mut col) = (0, 0, 0);
        while let Some((c, n)) = encode_token(input, pos, true, &mut col, flags, &mut out[w..]) {
            pos += c;
            w += n;
        }
        out.truncate(w);
        out
    }

    #[test]
    fn literal_lanes_matches_the_classes() {
        for b in 0..=255u8 {
            for next in [b'a', b' ', b'=', 0x80] {
                let v = u64::from_le_bytes([b, next, b'x', b'y', b'z', b'w', b'v', b'u']);
                let first = CLASS[b as usize] == SAFE
                    || (CLASS[b as usize] == BLANK && CLASS[next as usize] == SAFE);
                let n = literal_lanes(v);
                assert_eq!(n > 0, first, "{b:#x} {next:#x}");
                if first && CLASS[next as usize] == SAFE {
                    assert_eq!(n, 8);
                }
            }
        }
        assert_eq!(literal_lanes(u64::from_le_bytes(*b"abcdefg ")), 7);
    }

    #[test]
    fn classes() {
        assert_eq!(CLASS[b'=' as usize], ESCAPE);
        assert_eq!(CLASS[b'~' as usize], SAFE);
        assert_eq!(CLASS[b'!' as usize], SAFE);
        assert_eq!(CLASS[0x7f], ESCAPE);
        assert_eq!(CLASS[b'\t' as usize], BLANK);
        assert_eq!(HEX_VALUE[b'f' as usize], 15);
        assert_eq!(HEX_VALUE_UPPER[b'f' as usize], NOT_HEX);
    }

    #[test]
    fn blanks_before_breaks_are_escaped() {
        assert_eq!(tokens(b"a b \r\nc\t", TEXT), b"a b=20\r\nc=09");
        assert_eq!(tokens(b".x\r\n.", TEXT), b"=2Ex\r\n=2E");
    }

    #[test]
    fn bulk_leaves_lookahead_and_matches_tokens() {
        let input =
            b"plain text that is long enough = to need some escapes\x00 and a line break\r\n..";
        let mut out = vec![0; 400];
        let (c, w, col) = encode_bulk(input, &mut out, 0, TEXT);
        assert!(c + LOOKAHEAD <= input.len());
        let mut tail_col = col;
        let mut w2 = w;
        let mut pos = c;
        while let Some((cc, n)) =
            encode_token(input, pos, true, &mut tail_col, TEXT, &mut out[w2..])
        {
            pos += cc;
            w2 += n;
        }
        assert_eq!(&out[..w2], &tokens(input, TEXT)[..]);
    }

    #[test]
    fn bulk_never_takes_a_crlf_into_the_lookahead() {
        let mut out = [0u8; 64];
        let (c, _, _) = encode_bulk(b"aaaa\r\nbbb", &mut out, 0, TEXT);
        assert_eq!(c, 4);
        let (c, _, col) = encode_bulk(b"aaa\r\nbbbb", &mut out, 9, TEXT);
        assert_eq!((c, col), (5, 0));
    }

    #[test]
    fn lenient_bulk_stops_before_possible_trailing_space() {
        let mut out = [0u8; 32];
        assert_eq!(decode_bulk(b"ab=41 c \r\nd", &mut out, false), (7, 5));
        assert_eq!(&out[..5], b"abA c");
        assert_eq!(decode_bulk(b"a=4", &mut out, false), (1, 1));
        assert_eq!(decode_bulk(b"a\r\nb=3d", &mut out, false), (7, 5));
        assert_eq!(&out[..5], b"a\r\nb=");
    }

    #[test]
    fn strict_bulk_stops_at_line_ends_and_lower_case() {
        let mut out = [0u8; 32];
        assert_eq!(decode_bulk(b"a b=3D\r\n", &mut out, true), (6, 4));
        assert_eq!(decode_bulk(b"a=3d", &mut out, true), (1, 1));
        assert_eq!(decode_bulk(b"a \r\n", &mut out, true), (1, 1));
        assert_eq!(decode_bulk(b"a\xe9", &mut out, true), (1, 1));
    }
}
