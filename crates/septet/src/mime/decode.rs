//! Body decoding: the transfer encodings (RFC 2045 section 6), lenient.
//!
//! Base64 first runs septet's SIMD MIME decoder, which accepts the clean
//! case (alphabet, whitespace, final padding). Only if it refuses the input
//! does the lenient decoder below run, and the part is flagged
//! [`Flags::BAD_BASE64`]. Leniency (RFC 2045 section 6.8 and practice):
//! bytes outside the alphabet are ignored; `=` ends a block and decoding
//! resumes after it (concatenated blocks, as mailing-list footers produce);
//! a final quantum without padding is decoded; a lone sextet yields nothing;
//! non-zero trailing bits are dropped.

use std::borrow::Cow;
use std::fmt;

use super::{Flags, TransferEncoding};
use crate::base64::{self, scalar::INVALID, Alphabet};

pub(crate) fn hex_pair(pair: &[u8]) -> Option<u8> {
    let h = (pair[0] as char).to_digit(16)?;
    let l = (pair[1] as char).to_digit(16)?;
    Some((h << 4 | l) as u8)
}

/// Lenient base64 into `out`; returns false if anything was irregular.
pub(crate) fn base64_lenient_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    let table = Alphabet::Standard.decode_table();
    out.reserve(input.len() / 4 * 3 + 3);
    let mut clean = true;
    let mut acc = 0u32;
    let mut n = 0u32;
    let mut padded = false;
    for &b in input {
        let v = table[b as usize];
        if v != INVALID {
            if padded {
                // Data after padding: a concatenated block.
                clean = false;
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
                clean &= flush_partial(acc, n, out);
                clean &= n != 0 || padded;
                padded = true;
                acc = 0;
                n = 0;
            }
            _ => clean = false,
        }
    }
    if n > 0 {
        flush_partial(acc, n, out);
        clean = false;
    }
    clean
}

/// Emits the bytes of a partial quantum of `n` sextets; false if they
/// cannot be canonical (a lone sextet, or non-zero trailing bits).
fn flush_partial(acc: u32, n: u32, out: &mut Vec<u8>) -> bool {
    match n {
        2 => {
            out.push((acc >> 4) as u8);
            acc & 0xf == 0
        }
        3 => {
            out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
            acc & 0x3 == 0
        }
        0 => true,
        _ => false,
    }
}

/// Decodes base64 body text: fast path, else lenient and flagged.
pub(crate) fn base64_body(raw: &[u8], flags: &mut Flags) -> Vec<u8> {
    let mut out = vec![0; base64::decoded_len_estimate(raw.len())];
    match base64::decode_mime_to_slice(raw, &mut out) {
        Ok(n) => {
            out.truncate(n);
            out
        }
        Err(_) => {
            flags.insert(Flags::BAD_BASE64);
            out.clear();
            base64_lenient_into(raw, &mut out);
            out
        }
    }
}

/// True if every `=` in quoted-printable text starts `=XX` or a soft line
/// break (`=`, blanks, then a line break or the end).
fn qp_escapes_valid(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'=', raw).all(|i| {
        let rest = &raw[i + 1..];
        if rest.len() >= 2 && hex_pair(&rest[..2]).is_some() {
            return true;
        }
        let blanks = rest
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        matches!(
            rest.get(blanks..),
            Some([] | [b'\n', ..] | [b'\r', b'\n', ..])
        )
    })
}

/// Decodes quoted-printable body text leniently (septet::qp): an invalid
/// `=` sequence is kept literally and flagged.
pub(crate) fn qp_body(raw: &[u8], flags: &mut Flags) -> Vec<u8> {
    if !qp_escapes_valid(raw) {
        flags.insert(Flags::BAD_QUOTED_PRINTABLE);
    }
    let mut out = Vec::new();
    // Lenient decoding never fails (septet::qp docs).
    let _ = crate::qp::decode_into(raw, &mut out);
    out
}

/// Decodes a body according to its transfer encoding.
pub(crate) fn body<'a>(raw: &'a [u8], cte: &TransferEncoding, flags: &mut Flags) -> Cow<'a, [u8]> {
    match cte {
        TransferEncoding::Base64 => Cow::Owned(base64_body(raw, flags)),
        TransferEncoding::QuotedPrintable => Cow::Owned(qp_body(raw, flags)),
        TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => {
            Cow::Borrowed(raw)
        }
        TransferEncoding::Other(_) => {
            flags.insert(Flags::UNKNOWN_TRANSFER_ENCODING);
            Cow::Borrowed(raw)
        }
    }
}

/// Why a body could not be decoded.
///
/// The decoders are lenient (defects are reported as [`Flags`]), so this is
/// only returned when decoding would exceed a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The decoded body would be larger than the allowed size.
    TooLarge {
        /// The size limit in bytes.
        max: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLarge { max } => write!(f, "decoded body exceeds {max} bytes"),
        }
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(s: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let ok = base64_lenient_into(s, &mut out);
        (out, ok)
    }

    #[test]
    fn lenient_base64_cases() {
        assert_eq!(lenient(b"QUJD\r\nREVG"), (b"ABCDEF".to_vec(), true));
        assert_eq!(lenient(b"QQ=="), (b"A".to_vec(), true));
        assert_eq!(lenient(b"QQ==QUI="), (b"AAB".to_vec(), false));
        assert_eq!(lenient(b"QUJDQ"), (b"ABC".to_vec(), false));
        assert_eq!(lenient(b"QUJDQU"), (b"ABCA".to_vec(), false));
        assert_eq!(lenient(b"QR=="), (b"A".to_vec(), false));
        assert_eq!(lenient(b"QU*JD"), (b"ABC".to_vec(), false));
        assert_eq!(lenient(b"="), (b"".to_vec(), false));
        assert_eq!(lenient(b""), (b"".to_vec(), true));
    }

    #[test]
    fn qp_flags() {
        let mut f = Flags::empty();
        assert_eq!(qp_body(b"a=3Db=\r\nc= \nd=", &mut f), b"a=bcd");
        assert!(f.is_empty());
        assert_eq!(qp_body(b"x=ZZ", &mut f), b"x=ZZ");
        assert!(f.contains(Flags::BAD_QUOTED_PRINTABLE));
    }

    #[test]
    fn fast_path_and_fallback_agree() {
        let mut f = Flags::empty();
        assert_eq!(base64_body(b"QUJD\r\nREVG\r\n", &mut f), b"ABCDEF");
        assert!(f.is_empty());
        assert_eq!(base64_body(b"QQ==\r\nQUI=\r\n", &mut f), b"AAB");
        assert!(f.contains(Flags::BAD_BASE64));
    }
}
