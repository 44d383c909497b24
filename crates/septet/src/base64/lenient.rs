//! Lenient MIME base64: decodes whatever a mail reader would, and says
//! where the input first stopped being regular.
//!
//! Mail in the wild carries base64 that [`decode_mime`](super::decode_mime)
//! rightly refuses: stray bytes, blocks concatenated after their padding
//! (mailing-list footers), a missing final `=`. A reader still wants the
//! data. The rules (RFC 2045 section 6.8 and practice):
//! - bytes outside the alphabet are ignored (CR, LF, space and tab are
//!   regular, anything else is a defect);
//! - `=` ends a block. Decoding resumes after it only if what follows is
//!   another block: from there to its own padding (or the end of the
//!   input), every line that is not blank holds alphabet characters alone,
//!   then at most two `=`, with blanks only around them, and the block
//!   counts a multiple of 4 characters (see [`block_follows`]). Anything
//!   else after padding (a mailing-list footer appended to a base64 body,
//!   which RFC 2045 6.8 lets a decoder take as the end of the data) ends
//!   the decoding there; a defect is flagged either way;
//! - a final quantum without padding is decoded;
//! - a lone sextet yields nothing;
//! - non-zero trailing bits are dropped.
//!
//! ```
//! use septet::base64::{decode_mime_lenient_into, DecodeErrorKind};
//! let mut out = Vec::new();
//! let seen = decode_mime_lenient_into(b"QQ==\r\nQUI=\r\n", &mut out);
//! assert_eq!(out, b"AAB");
//! let defect = seen.first_defect.unwrap();
//! assert_eq!((defect.offset, defect.kind), (6, DecodeErrorKind::InvalidPadding));
//! ```

use super::{Alphabet, DecodeError, DecodeErrorKind};

/// What a lenient decode met: nothing irregular, or the first defect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Leniency {
    /// The first defect (offset into the input, and what it was), or `None`
    /// if the input was regular.
    pub first_defect: Option<DecodeError>,
}

impl Leniency {
    /// True if nothing irregular was met.
    pub fn is_regular(&self) -> bool {
        self.first_defect.is_none()
    }
}

/// Decodes MIME base64 (standard alphabet) leniently, appending to `out`.
///
/// The fast path is the strict SIMD decoder ([`MIME`](super::MIME)`.decode_into`);
/// only input it refuses is scanned byte by byte with the rules of the
/// [module docs](self). The result is regular exactly when the strict
/// decoder accepted the input; otherwise its error is the first defect.
/// Never fails and never panics: every input decodes to something.
pub fn decode_mime_lenient_into(input: &[u8], out: &mut Vec<u8>) -> Leniency {
    // `decode_into` leaves `out` as it was on error.
    match super::MIME.decode_into(input, out) {
        Ok(()) => Leniency::default(),
        Err(e) => {
            decode_lenient_into(input, out);
            Leniency {
                first_defect: Some(e),
            }
        }
    }
}

/// Decodes base64 (standard alphabet) with the lenient rules of the
/// [module docs](self) alone, appending to `out`.
///
/// Unlike [`decode_mime_lenient_into`], incomplete or excess padding
/// (`QQ=`, `QUI==`) is not a defect here (encoded words in headers are
/// judged this way); everything else the strict decoder refuses is.
pub fn decode_lenient_into(input: &[u8], out: &mut Vec<u8>) -> Leniency {
    let table = Alphabet::Standard.decode_table();
    out.reserve(input.len() / 4 * 3 + 3);
    let mut seen = Leniency::default();
    let mut defect = |at: usize, kind: DecodeErrorKind| {
        if seen.first_defect.is_none() {
            seen.first_defect = Some(DecodeError::new(at as u64, kind));
        }
    };
    let mut acc = 0u32;
    let mut n = 0u32;
    let mut padded = false;
    for (i, &b) in input.iter().enumerate() {
        let v = table[b as usize];
        // Decode tables hold 0..=63 for the alphabet and a marker above.
        if v < 64 {
            if padded {
                // Data after padding: a concatenated block, or the end.
                defect(i, DecodeErrorKind::InvalidPadding);
                if !block_follows(&input[i..]) {
                    return seen;
                }
                padded = false;
            }
            acc = acc << 6 | u32::from(v);
            n += 1;
            if n == 4 {
                out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
                acc = 0;
                n = 0;
            }
            continue;
        }
        match b {
            b'\r' | b'\n' | b' ' | b'\t' => {}
            b'=' => {
                if let Err(kind) = flush_partial(acc, n, out) {
                    defect(i, kind);
                }
                if n == 0 && !padded {
                    defect(i, DecodeErrorKind::InvalidPadding);
                }
                padded = true;
                acc = 0;
                n = 0;
            }
            _ => defect(i, DecodeErrorKind::InvalidByte(b)),
        }
    }
    if n > 0 {
        let kind = match flush_partial(acc, n, out) {
            Err(kind) => kind,
            // Decodable, but the padding is missing.
            Ok(()) => DecodeErrorKind::InvalidPadding,
        };
        defect(input.len(), kind);
    }
    seen
}

/// True if `rest` (starting at an alphabet character after padding) starts
/// with a base64 block: its lines up to the one holding padding (or to the
/// end of the input) each hold only alphabet characters then at most two
/// `=` (blanks around them and blank lines allowed), and they count a
/// multiple of 4 characters. Words of a footer fail on a blank inside a
/// line, on punctuation, or on the count.
///
/// Each call stops at the next padding, where the caller resumes, so the
/// input is read at most twice overall.
fn block_follows(rest: &[u8]) -> bool {
    let table = Alphabet::Standard.decode_table();
    let mut count = 0usize;
    for line in rest.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        let data = line
            .iter()
            .position(|&b| table[b as usize] >= 64)
            .unwrap_or(line.len());
        let pad = &line[data..];
        if pad.len() > 2 || pad.iter().any(|&b| b != b'=') {
            return false;
        }
        count += line.len();
        if !pad.is_empty() {
            return count.is_multiple_of(4);
        }
    }
    count.is_multiple_of(4)
}

/// Emits the bytes of a partial quantum of `n` sextets; an error if they
/// cannot be canonical (a lone sextet, or non-zero trailing bits).
fn flush_partial(acc: u32, n: u32, out: &mut Vec<u8>) -> Result<(), DecodeErrorKind> {
    let canonical = match n {
        0 => return Ok(()),
        2 => {
            out.push((acc >> 4) as u8);
            acc & 0xf == 0
        }
        3 => {
            out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
            acc & 0x3 == 0
        }
        _ => return Err(DecodeErrorKind::InvalidLength),
    };
    if canonical {
        Ok(())
    } else {
        Err(DecodeErrorKind::NonCanonicalTrailingBits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(s: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let seen = decode_lenient_into(s, &mut out);
        (out, seen.is_regular())
    }

    #[test]
    fn scan_cases() {
        assert_eq!(lenient(b"QUJD\r\nREVG"), (b"ABCDEF".to_vec(), true));
        assert_eq!(lenient(b"QQ=="), (b"A".to_vec(), true));
        assert_eq!(lenient(b"QQ==QUI="), (b"AAB".to_vec(), false));
        assert_eq!(
            lenient(b"QQ==\r\n\r\nQUJD\r\nQUI=\r\n"),
            (b"AABCAB".to_vec(), false)
        );
        assert_eq!(lenient(b"QUJDQ"), (b"ABC".to_vec(), false));
        assert_eq!(lenient(b"QUJDQU"), (b"ABCA".to_vec(), false));
        assert_eq!(lenient(b"QR=="), (b"A".to_vec(), false));
        assert_eq!(lenient(b"QU*JD"), (b"ABC".to_vec(), false));
        assert_eq!(lenient(b"="), (b"".to_vec(), false));
        assert_eq!(lenient(b""), (b"".to_vec(), true));
    }

    #[test]
    fn footer_after_padding_ends_the_data() {
        let footer = b"QUJD\r\nQQ==\r\n\r\n--\r\nList mailing list\r\nhttp://l.example/x\r\n";
        assert_eq!(lenient(footer), (b"ABCA".to_vec(), false));
        // Footer lines of letters alone: a count that is not a multiple of 4.
        assert_eq!(lenient(b"QQ==\nUnsubscribe\n"), (b"A".to_vec(), false));
        assert_eq!(lenient(b"QQ==\nSee you\n"), (b"A".to_vec(), false));
        // A second block followed by a footer: both blocks, not the footer.
        let two = b"QQ==\nQUJD\nQUI=\nVisit http://x.example\n";
        assert_eq!(lenient(two), (b"AABCAB".to_vec(), false));
        // A block without padding up to the end of the input.
        assert_eq!(lenient(b"QQ==\nQUJD\n"), (b"AABC".to_vec(), false));
    }

    #[test]
    fn loose_padding_is_regular_for_the_scan_only() {
        for s in [&b"QQ="[..], b"QUI==", b"QQ===\r\n"] {
            assert!(decode_lenient_into(s, &mut Vec::new()).is_regular());
            assert!(!decode_mime_lenient_into(s, &mut Vec::new()).is_regular());
        }
    }

    #[test]
    fn first_defect_offsets() {
        let at = |s: &[u8]| {
            let e = decode_lenient_into(s, &mut Vec::new())
                .first_defect
                .unwrap();
            (e.offset, e.kind)
        };
        assert_eq!(at(b"QU*JD"), (2, DecodeErrorKind::InvalidByte(b'*')));
        assert_eq!(at(b"QUJDQ"), (5, DecodeErrorKind::InvalidLength));
        assert_eq!(at(b"QUJDQQ"), (6, DecodeErrorKind::InvalidPadding));
        assert_eq!(
            at(b"QUJDQU"),
            (6, DecodeErrorKind::NonCanonicalTrailingBits)
        );
        assert_eq!(at(b"QR==*"), (2, DecodeErrorKind::NonCanonicalTrailingBits));
        assert_eq!(at(b"QQ==QUI="), (4, DecodeErrorKind::InvalidPadding));
        assert_eq!(at(b"="), (0, DecodeErrorKind::InvalidPadding));
    }

    proptest::proptest! {
        // The fast path is an optimisation only: it decodes what the scan
        // would, and input it accepts is regular for the scan too.
        #[test]
        fn fast_path_agrees_with_scan(input in proptest::collection::vec(
            proptest::sample::select(b"AQUJRDr+/=\r\n \t*\x80".to_vec()), 0..40)) {
            let (mut fast, mut scan) = (Vec::new(), Vec::new());
            let mime = decode_mime_lenient_into(&input, &mut fast);
            let seen = decode_lenient_into(&input, &mut scan);
            proptest::prop_assert_eq!(fast, scan);
            proptest::prop_assert!(!mime.is_regular() || seen.is_regular());
        }
    }

    #[test]
    fn fast_path_and_fallback() {
        let mut out = b"keep".to_vec();
        assert!(decode_mime_lenient_into(b"QUJD\r\nREVG\r\n", &mut out).is_regular());
        assert_eq!(out, b"keepABCDEF");
        out.clear();
        let seen = decode_mime_lenient_into(b"QQ=", &mut out);
        assert_eq!(out, b"A");
        assert!(!seen.is_regular());
    }
}
