//! The drivers shared by every kernel set: they run a table's bulk kernel,
//! then finish with scalar code, so results and errors do not depend on the
//! ISA. The decode state machine here also carries state across the chunks
//! of the streaming decoders.

use super::error::{DecodeError, DecodeErrorKind, DecodeSliceError};
use super::fast::Progress;
use super::scalar::{self, is_mime_space, LINE_CHARS, LINE_INPUT, LINE_OUTPUT};
use crate::codec::{drive, ByteDecoder};
use crate::simd::{B64Alphabet as Alphabet, B64DecodeFn, Kernels};

/// Encodes `input` with padding into `out`; returns the bytes written.
pub(crate) fn encode(k: &Kernels, alphabet: Alphabet, input: &[u8], out: &mut [u8]) -> usize {
    let (consumed, written) = (k.b64_encode)(input, out, alphabet);
    written + scalar::encode_tail(&input[consumed..], &mut out[written..], alphabet)
}

/// Encodes whole 57-byte lines (76 characters plus CRLF each); returns
/// `(consumed, written)`. Leaves fewer than 57 bytes.
pub(crate) fn encode_mime_lines(
    k: &Kernels,
    alphabet: Alphabet,
    input: &[u8],
    out: &mut [u8],
) -> (usize, usize) {
    let (c, w) = (k.b64_encode_mime)(input, out, alphabet);
    let (c2, w2) = scalar::encode_mime_bulk(&input[c..], &mut out[w..], alphabet);
    (c + c2, w + w2)
}

/// Encodes `input` in MIME form starting at column 0: 76-character lines,
/// CRLF after each, the last line shorter. Returns the bytes written.
pub(crate) fn encode_mime(k: &Kernels, alphabet: Alphabet, input: &[u8], out: &mut [u8]) -> usize {
    let (consumed, mut written) = encode_mime_lines(k, alphabet, input, out);
    let rest = &input[consumed..];
    debug_assert!(rest.len() < LINE_INPUT);
    if !rest.is_empty() {
        written += scalar::encode_tail(rest, &mut out[written..], alphabet);
        out[written..written + 2].copy_from_slice(b"\r\n");
        written += 2;
    }
    written
}

/// Bytes of output for `n` input bytes in MIME form.
pub(crate) const fn mime_encoded_len(n: usize) -> usize {
    let chars = super::encoded_len(n);
    chars + 2 * chars.div_ceil(LINE_CHARS)
}

const _: () = assert!(mime_encoded_len(LINE_INPUT) == LINE_OUTPUT);

/// What a decoder accepts besides alphabet characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DecodeRules {
    /// Skip CR, LF, space and tab anywhere (MIME).
    pub skip_space: bool,
    /// Skip every other byte outside the alphabet (RFC 2045 6.8 leniency).
    pub ignore_invalid: bool,
}

/// The decoder's position within a quantum, carried across chunks.
///
/// Bytes are handed to the bulk kernel whenever the state sits at a quantum
/// boundary; the byte-at-a-time code in [`DecodeState::step`] is the
/// reference for everything else (padding, errors, stray bytes, tails).
#[derive(Clone, Debug)]
pub(crate) struct DecodeState {
    rules: DecodeRules,
    alphabet: Alphabet,
    /// Sextets of the current quantum, most significant first.
    acc: u32,
    /// Characters in the current quantum (0..=3).
    chars: u8,
    /// `=` seen so far in the current quantum; non-zero means padding started.
    pad: u8,
    /// The quantum with padding is complete; only skippable bytes may follow.
    done: bool,
    /// Absolute offset of the last alphabet character.
    last_char: u64,
    /// Absolute offset of the next byte to be fed.
    offset: u64,
}

/// The kernels are not worth calling for fewer bytes than this.
const KERNEL_MIN: usize = 64;

impl DecodeState {
    pub(crate) fn new(alphabet: Alphabet, rules: DecodeRules) -> Self {
        DecodeState {
            rules,
            alphabet,
            acc: 0,
            chars: 0,
            pad: 0,
            done: false,
            last_char: 0,
            offset: 0,
        }
    }

    /// Absolute offset of the next byte to be fed.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The most output that decoding `n` more input bytes can produce.
    pub(crate) fn max_output(&self, n: usize) -> usize {
        (usize::from(self.chars) + n) / 4 * 3 + 2
    }

    /// The most input whose worst-case output fits `room` bytes (the
    /// inverse of [`max_output`](Self::max_output)).
    fn max_input(&self, room: usize) -> usize {
        match room.checked_sub(2) {
            Some(r) => (r / 3 * 4 + 3).saturating_sub(usize::from(self.chars)),
            None => 0,
        }
    }

    fn at_boundary(&self) -> bool {
        self.chars == 0 && self.pad == 0 && !self.done
    }

    /// Decodes `input` into `out`, continuing from the state left by earlier
    /// calls. Returns the bytes written. `out` must hold
    /// [`max_output`](Self::max_output)`(input.len())` bytes.
    pub(crate) fn feed(
        &mut self,
        k: &Kernels,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DecodeError> {
        let (kernel, quads): (B64DecodeFn, B64DecodeFn) = if self.rules.skip_space {
            (k.b64_decode_mime, scalar::decode_mime_bulk)
        } else {
            (k.b64_decode, scalar::decode_bulk)
        };
        // After a stall, a whole block goes byte by byte before the kernel
        // is tried again at the next quantum boundary.
        drive(
            &mut Run {
                state: self,
                kernel,
                quads,
            },
            input,
            out,
            KERNEL_MIN,
        )
    }

    /// Consumes one byte; returns the bytes written (0 to 3).
    #[inline]
    fn step(&mut self, byte: u8, out: &mut [u8]) -> Result<usize, DecodeError> {
        let at = self.offset;
        self.offset += 1;
        if self.rules.skip_space && is_mime_space(byte) {
            return Ok(0);
        }
        let value = self.alphabet.decode_table()[byte as usize];
        let is_data = value != scalar::INVALID;
        if byte != b'=' && !is_data {
            if self.rules.ignore_invalid {
                return Ok(0);
            }
            return Err(DecodeError::new(at, DecodeErrorKind::InvalidByte(byte)));
        }
        if self.done || (self.pad > 0 && is_data) {
            return Err(DecodeError::new(at, DecodeErrorKind::InvalidPadding));
        }
        if byte == b'=' {
            return self.padding(at, out);
        }
        self.acc = (self.acc << 6) | u32::from(value);
        self.chars += 1;
        self.last_char = at;
        if self.chars < 4 {
            return Ok(0);
        }
        let n = self.acc;
        out[..3].copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        self.acc = 0;
        self.chars = 0;
        Ok(3)
    }

    fn padding(&mut self, at: u64, out: &mut [u8]) -> Result<usize, DecodeError> {
        if self.pad > 0 {
            self.pad += 1;
            self.done = usize::from(self.chars + self.pad) == 4;
            return Ok(0);
        }
        let (bytes, spare_bits) = match self.chars {
            2 => (1, 4),
            3 => (2, 2),
            _ => return Err(DecodeError::new(at, DecodeErrorKind::InvalidPadding)),
        };
        if self.acc & ((1 << spare_bits) - 1) != 0 {
            return Err(DecodeError::new(
                self.last_char,
                DecodeErrorKind::NonCanonicalTrailingBits,
            ));
        }
        let n = self.acc << (6 * (4 - u32::from(self.chars)));
        out[..bytes].copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8][..bytes]);
        self.pad = 1;
        self.done = self.chars == 3;
        Ok(bytes)
    }

    /// Checks that the input ended on a complete quantum.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.done || (self.chars == 0 && self.pad == 0) {
            return Ok(());
        }
        if self.chars == 1 {
            return Err(DecodeError::new(
                self.last_char,
                DecodeErrorKind::InvalidLength,
            ));
        }
        Err(DecodeError::new(
            self.offset,
            DecodeErrorKind::InvalidPadding,
        ))
    }
}

/// Below this much input, the last part of a slice decode goes through the
/// scratch buffer rather than straight into the caller's slice.
const SCRATCH_IN: usize = 256;

/// The state with its bulk kernels, as the shared driver sees it.
struct Run<'a> {
    state: &'a mut DecodeState,
    kernel: B64DecodeFn,
    quads: B64DecodeFn,
}

impl ByteDecoder for Run<'_> {
    type Error = DecodeError;

    #[inline]
    fn settled(&self) -> bool {
        self.state.at_boundary()
    }

    #[inline]
    fn bulk(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        let alphabet = self.state.alphabet;
        let (mut c, mut w) = (0, 0);
        if input.len() >= KERNEL_MIN {
            (c, w) = (self.kernel)(input, out, alphabet);
        }
        // Whole quads the SIMD kernel left (tails shorter than its block) go
        // four characters at a time, not byte by byte.
        let (c2, w2) = (self.quads)(&input[c..], &mut out[w..], alphabet);
        self.state.offset += (c + c2) as u64;
        (c + c2, w + w2)
    }

    #[inline]
    fn step(&mut self, byte: u8, out: &mut [u8]) -> Result<usize, DecodeError> {
        self.state.step(byte, out)
    }
}

/// One-shot decode of a whole input with the given rules into `out`.
///
/// Succeeds whenever `out` holds the decoded bytes, however many line
/// breaks or other skipped bytes the input has: the input goes straight into
/// `out` while its worst case ([`DecodeState::max_output`]) fits the room
/// left, and the rest through a small scratch buffer, copied while it fits.
/// When it does not, decoding goes on (only counting) so the error gives the
/// exact length needed; an invalid input reports its decode error instead.
#[inline(always)]
pub(crate) fn decode(
    k: &Kernels,
    alphabet: Alphabet,
    rules: DecodeRules,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize, DecodeSliceError> {
    let (mut pos, mut written) = (0, 0);
    if DecodeState::new(alphabet, rules).max_output(input.len()) <= out.len() {
        // What the reference path starts with, and the usual ending
        // without the state machine; it stops at a quantum boundary.
        match super::fast::decode(k, alphabet, rules, input, out) {
            Progress::Done(n) => return Ok(n),
            Progress::Partial {
                consumed,
                written: w,
            } => (pos, written) = (consumed, w),
        }
    }
    decode_from(k, alphabet, rules, input, out, pos, written)
}

/// [`decode`] from a quantum boundary at `input[pos..]`, with `out[..written]`
/// already decoded: the reference path, kept out of line so that the fast
/// path's callers do not pay for its frame.
#[inline(never)]
fn decode_from(
    k: &Kernels,
    alphabet: Alphabet,
    rules: DecodeRules,
    input: &[u8],
    out: &mut [u8],
    mut pos: usize,
    mut written: usize,
) -> Result<usize, DecodeSliceError> {
    let mut state = DecodeState::new(alphabet, rules);
    state.offset = pos as u64;
    while pos < input.len() {
        let rest = input.len() - pos;
        let room = out.len() - written;
        let n = if state.max_output(rest) <= room {
            rest
        } else {
            state.max_input(room).min(rest)
        };
        if n < SCRATCH_IN && n < rest {
            break;
        }
        written += state.feed(k, &input[pos..pos + n], &mut out[written..])?;
        pos += n;
    }
    let mut scratch = [0u8; SCRATCH_IN];
    let (mut needed, mut fits) = (written, true);
    // Chunks of SCRATCH_IN - 64 input bytes decode to at most 146 bytes.
    for chunk in input[pos..].chunks(SCRATCH_IN - 64) {
        let n = state.feed(k, chunk, &mut scratch)?;
        fits = fits && n <= out.len() - needed;
        if fits {
            out[needed..needed + n].copy_from_slice(&scratch[..n]);
        }
        needed += n;
    }
    state.finish()?;
    if fits {
        Ok(needed)
    } else {
        Err(DecodeSliceError::OutputTooSmall { needed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::{Isa, Kernels};

    const STRICT: DecodeRules = DecodeRules {
        skip_space: false,
        ignore_invalid: false,
    };

    fn scalar() -> &'static Kernels {
        Kernels::for_isa(Isa::Scalar).unwrap()
    }

    fn dec(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = vec![0; input.len() / 4 * 3 + 3];
        let n =
            decode(scalar(), Alphabet::Standard, STRICT, input, &mut out).map_err(|e| match e {
                DecodeSliceError::Decode(e) => e,
                DecodeSliceError::OutputTooSmall { .. } => unreachable!("room for all"),
            })?;
        out.truncate(n);
        Ok(out)
    }

    fn err(input: &[u8]) -> (u64, DecodeErrorKind) {
        let e = dec(input).unwrap_err();
        (e.offset, e.kind)
    }

    #[test]
    fn padding_rules() {
        assert_eq!(dec(b"QQ==").unwrap(), b"A");
        assert_eq!(dec(b"QUI=").unwrap(), b"AB");
        assert_eq!(err(b"Q==="), (1, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"QQ=A"), (3, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"QQ==QQ=="), (4, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"QQ="), (3, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"QQ"), (2, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"QUJDQ"), (4, DecodeErrorKind::InvalidLength));
        assert_eq!(err(b"QR=="), (1, DecodeErrorKind::NonCanonicalTrailingBits));
        assert_eq!(err(b"QUJ="), (2, DecodeErrorKind::NonCanonicalTrailingBits));
    }

    #[test]
    fn mime_encoded_len_counts_line_breaks() {
        assert_eq!(mime_encoded_len(0), 0);
        assert_eq!(mime_encoded_len(1), 6);
        assert_eq!(mime_encoded_len(57), 78);
        assert_eq!(mime_encoded_len(58), 78 + 6);
    }
}
