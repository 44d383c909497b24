//! An independent model of septet's decoding rules, written from the
//! documentation (`DecodeErrorKind`, `MimeDecodeOptions`) rather than from
//! the engine, so the tests can say what the right error is instead of only
//! that every kernel agrees with the scalar one.
//!
//! The model works on the whole input: it finds the alphabet characters and
//! `=` signs, then reports the first rule broken, in input order.

use septet::base64::{Alphabet, DecodeError, DecodeErrorKind};

/// Which bytes besides the alphabet and `=` a decoder tolerates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// RFC 4648: nothing else.
    Strict,
    /// MIME: CR, LF, space and tab skipped.
    Mime,
    /// MIME with `ignore_invalid`: every byte outside the alphabet but `=` skipped.
    MimeLenient,
}

fn err(offset: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError {
        offset: offset as u64,
        kind,
    }
}

/// Value of each byte in `alphabet`, built from the encode table alone.
fn sextets(alphabet: Alphabet) -> [Option<u8>; 256] {
    let mut table = [None; 256];
    for (value, &c) in alphabet.encode_table().iter().enumerate() {
        table[c as usize] = Some(value as u8);
    }
    table
}

/// Decodes `input` the way the documentation says septet does.
pub fn decode(input: &[u8], alphabet: Alphabet, mode: Mode) -> Result<Vec<u8>, DecodeError> {
    let mut bits: Vec<u8> = Vec::new(); // sextets of data characters
    let mut last_data = 0; // offset of the last data character
    let mut first_pad: Option<usize> = None;
    let mut pads = 0;
    let mut needed_pads = 0;
    let table = sextets(alphabet);
    for (i, &b) in input.iter().enumerate() {
        let value = table[b as usize];
        if value.is_none() && b != b'=' {
            let skip = match mode {
                Mode::Strict => false,
                Mode::Mime => matches!(b, b'\r' | b'\n' | b' ' | b'\t'),
                Mode::MimeLenient => true,
            };
            if skip {
                continue;
            }
            return Err(err(i, DecodeErrorKind::InvalidByte(b)));
        }
        if first_pad.is_some() {
            // After the first `=`, only the rest of the padding may come.
            if value.is_some() || pads == needed_pads {
                return Err(err(i, DecodeErrorKind::InvalidPadding));
            }
            pads += 1;
            continue;
        }
        match value {
            Some(v) => {
                bits.push(v);
                last_data = i;
            }
            None => {
                // The first `=`: it must follow 2 or 3 characters of a quantum,
                // and those must leave the unused low bits zero.
                let spare = match bits.len() % 4 {
                    2 => 4,
                    3 => 2,
                    _ => return Err(err(i, DecodeErrorKind::InvalidPadding)),
                };
                let last = *bits.last().expect("two or three characters");
                if last & ((1 << spare) - 1) != 0 {
                    return Err(err(last_data, DecodeErrorKind::NonCanonicalTrailingBits));
                }
                first_pad = Some(i);
                pads = 1;
                needed_pads = 4 - bits.len() % 4;
            }
        }
    }
    match (first_pad, bits.len() % 4) {
        (None, 0) => {}
        (None, 1) => return Err(err(last_data, DecodeErrorKind::InvalidLength)),
        (None, _) => return Err(err(input.len(), DecodeErrorKind::InvalidPadding)),
        (Some(_), _) if pads < needed_pads => {
            return Err(err(input.len(), DecodeErrorKind::InvalidPadding))
        }
        (Some(_), _) => {}
    }
    Ok(pack(&bits))
}

/// Packs sextets into bytes, dropping the bits of an incomplete final byte.
fn pack(sextets: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    let mut acc = 0u32;
    let mut nbits = 0;
    for &s in sextets {
        acc = (acc << 6) | u32::from(s);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
            acc &= (1 << nbits) - 1;
        }
    }
    out
}

/// Encodes with padding, bit by bit: a second, deliberately naive encoder.
pub fn encode(data: &[u8], alphabet: Alphabet) -> Vec<u8> {
    let table = alphabet.encode_table();
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    let mut acc = 0u32;
    let mut nbits = 0;
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        nbits += 8;
        while nbits >= 6 {
            nbits -= 6;
            out.push(table[((acc >> nbits) & 63) as usize]);
        }
        acc &= (1 << nbits) - 1;
    }
    if nbits > 0 {
        out.push(table[((acc << (6 - nbits)) & 63) as usize]);
    }
    while out.len() % 4 != 0 {
        out.push(b'=');
    }
    out
}

/// The MIME form: the encoding in 76-character lines, CRLF after each.
pub fn encode_mime(data: &[u8], alphabet: Alphabet) -> Vec<u8> {
    super::rewrap(&encode(data, alphabet), 76, b"\r\n")
}
