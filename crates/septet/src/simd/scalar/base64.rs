//! Scalar base64: the alphabet tables, the tail encoders, and the bulk
//! kernels of the `Scalar` kernel table.
//!
//! These are the reference the SIMD kernels are checked against. The bulk
//! kernels follow the same contract as the SIMD ones (whole blocks only,
//! `(consumed, written)`), so the shared drivers above this layer treat
//! every ISA alike. Everything here is below the codecs: the public
//! alphabet type maps onto [`B64Alphabet`].

/// The alphabet as the kernels see it. The public codec type maps onto it;
/// it lives here so the kernels do not depend on the codec layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum B64Alphabet {
    /// `A-Z a-z 0-9 + /`.
    #[default]
    Standard,
    /// `A-Z a-z 0-9 - _`.
    UrlSafe,
}

impl B64Alphabet {
    /// The 64 characters in value order.
    pub(crate) const fn encode_table(self) -> &'static [u8; 64] {
        match self {
            B64Alphabet::Standard => STANDARD_ENCODE,
            B64Alphabet::UrlSafe => URL_SAFE_ENCODE,
        }
    }

    /// Sextet value of every byte, [`INVALID`] outside the alphabet.
    pub(crate) fn decode_table(self) -> &'static [u8; 256] {
        match self {
            B64Alphabet::Standard => &STANDARD_DECODE,
            B64Alphabet::UrlSafe => &URL_SAFE_DECODE,
        }
    }
}

/// Marks a byte that is not in the alphabet in a decode table.
pub(crate) const INVALID: u8 = 0xff;

/// Characters per MIME line (RFC 2045 6.8).
pub(crate) const LINE_CHARS: usize = 76;
/// Input bytes encoded on one full MIME line.
pub(crate) const LINE_INPUT: usize = LINE_CHARS / 4 * 3;
/// Bytes of one full MIME line, CRLF included.
pub(crate) const LINE_OUTPUT: usize = LINE_CHARS + 2;

pub(crate) const STANDARD_ENCODE: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub(crate) const URL_SAFE_ENCODE: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const fn decode_table(encode: &[u8; 64]) -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[encode[i] as usize] = i as u8;
        i += 1;
    }
    table
}

pub(crate) static STANDARD_DECODE: [u8; 256] = decode_table(STANDARD_ENCODE);
pub(crate) static URL_SAFE_DECODE: [u8; 256] = decode_table(URL_SAFE_ENCODE);

/// Whether MIME decoding skips this byte: CR, LF, space, tab.
#[inline]
pub(crate) fn is_mime_space(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | b' ' | b'\t')
}

/// Encodes all of `input` (with padding) into the start of `out`.
/// Returns the number of bytes written. `out` must hold `encoded_len(input.len())`.
pub(crate) fn encode_tail(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> usize {
    let (consumed, mut written) = encode_bulk(input, out, alphabet);
    let table = alphabet.encode_table();
    let rest = &input[consumed..];
    let out = &mut out[written..];
    match *rest {
        [] => {}
        [a] => {
            out[0] = table[(a >> 2) as usize];
            out[1] = table[((a & 0x03) << 4) as usize];
            out[2] = b'=';
            out[3] = b'=';
            written += 4;
        }
        [a, b] => {
            out[0] = table[(a >> 2) as usize];
            out[1] = table[(((a & 0x03) << 4) | (b >> 4)) as usize];
            out[2] = table[((b & 0x0f) << 2) as usize];
            out[3] = b'=';
            written += 4;
        }
        _ => unreachable!("encode_bulk leaves fewer than 3 bytes"),
    }
    written
}

/// Scalar bulk encode: every whole 3-byte group.
pub(crate) fn encode_bulk(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let table = alphabet.encode_table();
    let groups = (input.len() / 3).min(out.len() / 4);
    for (src, dst) in input
        .chunks_exact(3)
        .zip(out.chunks_exact_mut(4))
        .take(groups)
    {
        let n = (u32::from(src[0]) << 16) | (u32::from(src[1]) << 8) | u32::from(src[2]);
        dst[0] = table[(n >> 18) as usize & 63];
        dst[1] = table[(n >> 12) as usize & 63];
        dst[2] = table[(n >> 6) as usize & 63];
        dst[3] = table[n as usize & 63];
    }
    (groups * 3, groups * 4)
}

/// Scalar bulk MIME encode: whole 57-byte lines as 76 characters plus CRLF.
pub(crate) fn encode_mime_bulk(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    let lines = (input.len() / LINE_INPUT).min(out.len() / LINE_OUTPUT);
    for (src, dst) in input
        .chunks_exact(LINE_INPUT)
        .zip(out.chunks_exact_mut(LINE_OUTPUT))
        .take(lines)
    {
        encode_bulk(src, &mut dst[..LINE_CHARS], alphabet);
        dst[LINE_CHARS] = b'\r';
        dst[LINE_CHARS + 1] = b'\n';
    }
    (lines * LINE_INPUT, lines * LINE_OUTPUT)
}

/// Decodes one quad of alphabet characters, or `None` if any is not in the alphabet.
#[inline]
fn decode_quad(quad: &[u8], table: &[u8; 256]) -> Option<[u8; 3]> {
    let a = table[quad[0] as usize];
    let b = table[quad[1] as usize];
    let c = table[quad[2] as usize];
    let d = table[quad[3] as usize];
    if (a | b | c | d) & 0xc0 != 0 {
        return None;
    }
    let n = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d);
    Some([(n >> 16) as u8, (n >> 8) as u8, n as u8])
}

/// Scalar bulk decode: whole quads of alphabet characters, stopping at the
/// first quad that holds anything else (padding included). The last quad is
/// left to the caller, which must see the padding.
pub(crate) fn decode_bulk(input: &[u8], out: &mut [u8], alphabet: B64Alphabet) -> (usize, usize) {
    let table = alphabet.decode_table();
    let mut consumed = 0;
    let mut written = 0;
    while consumed + 4 < input.len() && written + 3 <= out.len() {
        match decode_quad(&input[consumed..consumed + 4], table) {
            Some(bytes) => out[written..written + 3].copy_from_slice(&bytes),
            None => break,
        }
        consumed += 4;
        written += 3;
    }
    (consumed, written)
}

/// Scalar bulk MIME decode: whole quads, skipping CRLF and LF line breaks
/// that fall between quads (where a conforming encoder puts them). Stops at
/// anything else, leaving it to the byte-at-a-time state machine.
pub(crate) fn decode_mime_bulk(
    input: &[u8],
    out: &mut [u8],
    alphabet: B64Alphabet,
) -> (usize, usize) {
    let table = alphabet.decode_table();
    let mut consumed = 0;
    let mut written = 0;
    while consumed + 4 < input.len() && written + 3 <= out.len() {
        match input[consumed] {
            b'\r' if input[consumed + 1] == b'\n' => consumed += 2,
            b'\n' => consumed += 1,
            _ => match decode_quad(&input[consumed..consumed + 4], table) {
                Some(bytes) => {
                    out[written..written + 3].copy_from_slice(&bytes);
                    consumed += 4;
                    written += 3;
                }
                None => break,
            },
        }
    }
    (consumed, written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_inverse() {
        for alphabet in [B64Alphabet::Standard, B64Alphabet::UrlSafe] {
            let enc = alphabet.encode_table();
            let dec = alphabet.decode_table();
            for (i, &c) in enc.iter().enumerate() {
                assert_eq!(dec[c as usize] as usize, i);
            }
            assert_eq!(dec.iter().filter(|&&v| v != INVALID).count(), 64);
        }
    }

    #[test]
    fn bulk_leaves_the_last_quad() {
        let mut out = [0u8; 6];
        assert_eq!(
            decode_bulk(b"QUJDQUJD", &mut out, B64Alphabet::Standard),
            (4, 3)
        );
        assert_eq!(&out[..3], b"ABC");
    }

    #[test]
    fn mime_bulk_skips_line_breaks_between_quads() {
        let mut out = [0u8; 9];
        let (c, w) = decode_mime_bulk(b"QUJD\r\nQUJD\nQUJDQUJD", &mut out, B64Alphabet::Standard);
        assert_eq!((c, w), (15, 9));
        assert_eq!(&out, b"ABCABCABC");
    }
}
