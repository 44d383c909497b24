//! Body decoding: the transfer encodings (RFC 2045 section 6), lenient.
//!
//! The decoding itself is the codecs' public lenient modes: base64 is
//! [`base64::decode_mime_lenient_into`] (strict SIMD fast path, lenient
//! scan when that refuses, and then the part is flagged
//! [`Flags::BAD_BASE64`]); quoted-printable is [`crate::qp::decode_into`].
//! What is left here is the mapping of their defects to [`Flags`].

use std::borrow::Cow;
use std::fmt;

use super::{Flags, TransferEncoding};
use crate::base64;
use crate::qp::Escapes;

pub(crate) fn hex_pair(pair: &[u8]) -> Option<u8> {
    let h = (pair[0] as char).to_digit(16)?;
    let l = (pair[1] as char).to_digit(16)?;
    Some((h << 4 | l) as u8)
}

/// Bodies longer than this are decoded in pieces of this size (below).
const BASE64_PIECE: usize = 64 << 10;

/// Decodes base64 body text with the codec's lenient MIME mode; input
/// the strict decoder refuses is flagged.
///
/// The same result as [`base64::decode_mime_lenient_into`], without its
/// cost in memory traffic: the strict decoders write through `&mut [u8]`,
/// so their output room is zero-filled first, and for a large attachment a
/// fill of the whole estimate is a second pass over megabytes that miss the
/// cache. Here a long body goes through the push decoder a piece at a
/// time, each piece's room filled just before the kernel overwrites it
/// while it is still in cache; the capacity is reserved once. A short body
/// is decoded in one call into room for the one-shot fast path's worst
/// case (`len / 4 * 3 + 2`, which the general estimate misses by up to 2
/// bytes, sending a body of one or three 76-column lines down the
/// reference path).
pub(crate) fn base64_body(raw: &[u8], flags: &mut Flags) -> Vec<u8> {
    let mut out = Vec::new();
    let strict = if raw.len() <= BASE64_PIECE {
        out.resize(raw.len() / 4 * 3 + 3, 0);
        match base64::MIME.decode_to_slice(raw, &mut out) {
            Ok(n) => {
                out.truncate(n);
                true
            }
            Err(_) => false,
        }
    } else {
        out.reserve_exact(base64::Decoder::max_output(raw.len()));
        let mut dec = base64::MIME.decoder();
        raw.chunks(BASE64_PIECE)
            .try_for_each(|piece| dec.feed(piece, &mut out))
            .and_then(|()| dec.finish(&mut out))
            .is_ok()
    };
    if !strict {
        // Refused by the strict decoder (the room always suffices): the
        // lenient scan from the start, as `decode_mime_lenient_into` does.
        out.clear();
        base64::decode_lenient_into(raw, &mut out);
        flags.insert(Flags::BAD_BASE64);
    }
    out
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
    let mut out = Vec::new();
    // The decoder notices malformed `=` sequences as it goes; only the rare
    // case it cannot decide (an `=` before a run of more than a kilobyte of
    // blanks) takes a second pass.
    let valid = match crate::qp::decode_lenient_checked(raw, &mut out) {
        Escapes::Valid => true,
        Escapes::Invalid => false,
        Escapes::Unknown => qp_escapes_valid(raw),
    };
    if !valid {
        flags.insert(Flags::BAD_QUOTED_PRINTABLE);
    }
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

    #[test]
    fn qp_flags() {
        let mut f = Flags::empty();
        assert_eq!(qp_body(b"a=3Db=\r\nc= \nd=", &mut f), b"a=bcd");
        assert!(f.is_empty());
        assert_eq!(qp_body(b"x=ZZ", &mut f), b"x=ZZ");
        assert!(f.contains(Flags::BAD_QUOTED_PRINTABLE));
    }

    /// The decoder's own verdict on `=` sequences is the one the separate
    /// scan gives, on every short string over the bytes that matter.
    #[test]
    fn qp_decoder_verdict_matches_scan() {
        let alphabet = b"=AfzD3 \t\r\nx";
        let mut x = 0x2545_f491_u32;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 10) as usize;
            let raw: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (3 * i % 29)) as usize + i * 7) % alphabet.len()])
                .collect();
            let mut out = Vec::new();
            let verdict = crate::qp::decode_lenient_checked(&raw, &mut out);
            assert_eq!(out, crate::qp::decode(&raw).unwrap(), "{raw:?}");
            let want = if qp_escapes_valid(&raw) {
                Escapes::Valid
            } else {
                Escapes::Invalid
            };
            assert_eq!(verdict, want, "{raw:?}");
        }
    }

    #[test]
    fn qp_long_blank_run_after_eq_is_rescanned() {
        let ws = " ".repeat(crate::qp::WS_LIMIT_FOR_TESTS + 1);
        for (tail, bad) in [("\r\nx", false), ("x", true), ("", false)] {
            let raw = format!("a={ws}{tail}");
            let mut f = Flags::empty();
            qp_body(raw.as_bytes(), &mut f);
            assert_eq!(f.contains(Flags::BAD_QUOTED_PRINTABLE), bad, "{tail:?}");
        }
    }

    /// The same bytes and verdict as the codec's own lenient entry point,
    /// for bodies of every line count and ending, regular or not, short
    /// (one call) and long (in pieces, with defects in every piece).
    #[test]
    fn base64_body_matches_lenient_codec() {
        let mut x = 0x9e37_79b9_u32;
        let data: Vec<u8> = (0..3 * BASE64_PIECE)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let long = [
            BASE64_PIECE / 4 * 3 - 57,
            BASE64_PIECE,
            2 * BASE64_PIECE + 1,
        ];
        let lens = (0..700).step_by(19).chain([57, 114, 171, 228]).chain(long);
        for n in lens {
            let enc = base64::encode_mime(&data[..n]);
            let mut raws = vec![
                enc.clone(),
                format!("{enc}\r\n"),
                format!("{enc}\r\n\r\n"),
                format!("{enc}!"),
                format!("{enc}\r\nQQ=="),
                format!("QQ==\r\n{enc}"),
            ];
            for at in [enc.len() / 3, enc.len() / 2, enc.len() * 5 / 6] {
                for bad in ["*", "=", "QQ==\r\n"] {
                    let (a, b) = enc.split_at(at);
                    raws.push(format!("{a}{bad}{b}"));
                }
            }
            for raw in raws {
                let mut want = Vec::new();
                let regular =
                    base64::decode_mime_lenient_into(raw.as_bytes(), &mut want).is_regular();
                let mut f = Flags::empty();
                let got = base64_body(raw.as_bytes(), &mut f);
                assert!(got == want, "{n} {}", raw.len());
                assert_eq!(f.contains(Flags::BAD_BASE64), !regular, "{n} {}", raw.len());
            }
        }
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
