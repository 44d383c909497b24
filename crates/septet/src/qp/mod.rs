//! Quoted-printable (RFC 2045 6.7), SIMD-accelerated, one-shot and streaming.
//!
//! ```
//! use septet::qp::{decode, encode, Mode};
//! let wire = encode("Grüße\r\n".as_bytes(), Mode::Text);
//! assert_eq!(wire, b"Gr=C3=BC=C3=9Fe\r\n");
//! assert_eq!(decode(&wire).unwrap(), "Grüße\r\n".as_bytes());
//! ```
//!
//! # Encoding
//! The input is a sequence of hard line breaks and data bytes.
//! - **Hard breaks.** In [`Mode::Text`] a CRLF is a hard line break, written
//!   as CRLF; with [`EncodeOptions::bare_lf_is_line_break`] a bare LF is one
//!   too, written as CRLF. Any other CR or LF is data, encoded `=0D` / `=0A`.
//!   In [`Mode::Binary`] every CR and LF is data. So `decode(encode(x)) == x`
//!   in both modes for any `x` (except that the bare-LF option turns LF into CRLF).
//! - **Data bytes.** Printable ASCII (33..=126) other than `=` is written
//!   as itself; `=` and every other byte as `=XX` with upper-case hex, except
//!   space and tab, which are literal in mid-line but encoded (`=20`, `=09`)
//!   before a hard break, at the end of the input, and wherever a soft break
//!   could follow them (decoders strip trailing white space). With the guards
//!   on (the default), a `.` at the start of an output line is written `=2E`
//!   (SMTP end of data), and the `F` of `From ` at the start of an output line
//!   `=46` (mbox `>From` quoting).
//! - **Lines** hold at most 76 characters before their CRLF, counting the `=`
//!   of a soft break (`=` CRLF). Lines are filled greedily: each token goes
//!   on the current line if it fits, else a soft break comes first. A token
//!   fits if it ends by column 75 (leaving room for a soft break's `=`), or by
//!   column 76 if a hard break or the end of the input follows it. An escape
//!   is never split. A space or tab is written literally only if the token
//!   after it fits on the same line right after it (a following space or tab
//!   counts as 3 columns, as it might need escaping), so no soft break ever
//!   follows literal white space.
//! - The output ends where the input ends: no line break is added.
//!
//! # Decoding
//! Lenient by default, following the robustness advice of RFC 2045 6.7:
//! - `=XX` with two hex digits of either case is the byte `0xXX`.
//! - A soft break, `=` then optional spaces/tabs then CRLF or LF (or the end
//!   of the input), is removed.
//! - Spaces and tabs at the end of a line (before CRLF, LF, or the end of
//!   the input) are removed. Runs longer than 1024 bytes keep their head:
//!   only the last 1024 are removed (this bounds streaming memory).
//! - Line breaks are passed through as they are: CRLF stays CRLF, a bare LF
//!   stays LF. A CR not followed by LF is data.
//! - An `=` not followed by two hex digits or a soft break is kept
//!   literally, and what follows it is decoded normally: `=ZZ` gives `=ZZ`,
//!   `==41` gives `=A`, `=4` at the end gives `=4`.
//! - Other bytes (8-bit, control characters) are passed through.
//!
//! With [`DecodeOptions::strict`], the first violation found scanning left
//! to right is an error with its offset. A violation is found at the byte
//! that proves it (trailing white space at the line break after it, an
//! invalid escape at the byte after the `=`), so in `70 × a, 10 spaces,
//! CRLF` the line is too long (at offset 76) before its white space is
//! known to be trailing. The violations: an invalid escape, lower-case hex (RFC 2045 requires upper case),
//! a byte that must be encoded (controls other than tab, a CR not in a
//! CRLF, bytes above 126), a line over 76 characters, or trailing white
//! space. Strict mode accepts LF as well as CRLF line breaks (mail stored on
//! Unix), and a final `=` as a soft break at the end of the input.
//!
//! # Codecs
//! Two `const` codecs, [`TEXT`] and [`BINARY`] (default guards, lenient
//! decoding), share one method set with [`crate::base64`]'s codecs:
//! `encode`, `encode_into`, `decode`, `decode_into`, and `encoder()` /
//! `decoder()` for push streaming ([`Encoder`], [`Decoder`]; see
//! [`crate::codec`]). Other options: [`Codec::with_encode_options`],
//! [`Codec::with_decode_options`]. A codec runs the process-wide kernel
//! table (one `OnceLock` read per call); [`Codec::with_isa`] pins one.
//! Nothing panics: an unusable `SEPTET_FORCE_ISA` is an error of the
//! decoders (even lenient ones), and the encoders run the scalar table
//! then (see [`crate::simd`]).
//!
//! ```
//! use septet::qp::{BINARY, TEXT};
//! assert_eq!(TEXT.encode(b"a=b\r\n"), b"a=3Db\r\n");
//! assert_eq!(BINARY.encode(b"a\r\n"), b"a=0D=0A");
//! assert_eq!(TEXT.decode(b"a=3Db=\r\n").unwrap(), b"a=b");
//! ```
//!
//! [`stream`] has a [`Write`](std::io::Write) encoder and a push decoder
//! whose output does not depend on how the input is split.

mod decode;
pub(crate) use decode::Escapes;
#[cfg(test)]
pub(crate) const WS_LIMIT_FOR_TESTS: usize = decode::WS_LIMIT;
pub(crate) mod encode;
mod error;
mod push;
pub(crate) use crate::simd::scalar::qp as scalar;
pub mod stream;

pub use error::{DecodeError, DecodeErrorKind, DecodeSliceError};
pub use push::{Decoder, Encoder};
pub use stream::{EncoderWriter, StreamDecoder};

use crate::simd::{self, IsaError, KernelChoice, Kernels};
use scalar::EncodeFlags;

/// How CR and LF in the input are encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Text: CRLF is a hard line break, written as CRLF; any other CR or LF
    /// is encoded (`=0D`, `=0A`), unless
    /// [`EncodeOptions::bare_lf_is_line_break`] is set.
    #[default]
    Text,
    /// Binary: every CR and LF is encoded; lines end only in soft breaks.
    Binary,
}

/// Encoder options. The default is text mode with both guards on.
///
/// ```
/// use septet::qp::{encode_with, EncodeOptions, Mode};
/// let unix = EncodeOptions { bare_lf_is_line_break: true, ..EncodeOptions::default() };
/// assert_eq!(encode_with(b".\nFrom me\n", unix), b"=2E\r\n=46rom me\r\n");
/// let plain = EncodeOptions { encode_leading_dot: false, encode_leading_from: false, ..unix };
/// assert_eq!(encode_with(b".\nFrom me\n", plain), b".\r\nFrom me\r\n");
/// assert_eq!(encode_with(b"a\r\n", EncodeOptions::new(Mode::Binary)), b"a=0D=0A");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EncodeOptions {
    /// Text or binary (see [`Mode`]).
    pub mode: Mode,
    /// Text mode: a bare LF is a hard line break too, written as CRLF (for
    /// input with Unix line endings). Decoding then gives CRLF, not LF.
    pub bare_lf_is_line_break: bool,
    /// Write a `.` at the start of an output line as `=2E` (default true).
    pub encode_leading_dot: bool,
    /// Write the `F` of `From ` at the start of an output line as `=46`
    /// (default true).
    pub encode_leading_from: bool,
}

impl EncodeOptions {
    /// The default options with `mode`.
    pub const fn new(mode: Mode) -> Self {
        EncodeOptions {
            mode,
            bare_lf_is_line_break: false,
            encode_leading_dot: true,
            encode_leading_from: true,
        }
    }

    pub(crate) fn flags(&self) -> EncodeFlags {
        let mut bits = 0;
        if self.mode == Mode::Text {
            bits |= EncodeFlags::TEXT;
            if self.bare_lf_is_line_break {
                bits |= EncodeFlags::BARE_LF;
            }
        }
        if self.encode_leading_dot {
            bits |= EncodeFlags::DOT;
        }
        if self.encode_leading_from {
            bits |= EncodeFlags::FROM;
        }
        EncodeFlags::new(bits)
    }
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions::new(Mode::Text)
    }
}

impl From<Mode> for EncodeOptions {
    fn from(mode: Mode) -> Self {
        EncodeOptions::new(mode)
    }
}

/// Decoder options. The default is lenient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DecodeOptions {
    /// Report the first violation of RFC 2045 6.7 as an error instead of
    /// decoding robustly (see the [module docs](self)).
    pub strict: bool,
}

/// Text mode (CRLF is a line break), `.` and `From ` guards on, lenient
/// decoding.
pub const TEXT: Codec = Codec::new();
/// Binary mode (every CR and LF encoded), guards on, lenient decoding.
pub const BINARY: Codec = TEXT.with_encode_options(EncodeOptions::new(Mode::Binary));

/// A quoted-printable codec: encode and decode options and a kernel set.
///
/// Cheap to copy, and `const`: [`TEXT`] and [`BINARY`] run the process-wide
/// kernels, resolved with one `OnceLock` read per call. [`Codec::with_isa`]
/// pins a kernel set (tests and benchmarks use it to run every kernel this
/// CPU supports).
///
/// ```
/// use septet::qp::{Codec, EncodeOptions};
/// use septet::simd::Isa;
/// let scalar = Codec::with_isa(Isa::Scalar).unwrap();
/// let mut out = Vec::new();
/// scalar.encode_into(b"a=b", &mut out);
/// assert_eq!(out, b"a=3Db");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Codec {
    encode: EncodeOptions,
    decode: DecodeOptions,
    kernels: KernelChoice,
}

impl Default for Codec {
    fn default() -> Self {
        Codec::new()
    }
}

impl Codec {
    /// [`TEXT`]: text mode, default guards, lenient decoding, on the
    /// process-wide kernels.
    pub const fn new() -> Self {
        Codec {
            encode: EncodeOptions::new(Mode::Text),
            decode: DecodeOptions { strict: false },
            kernels: KernelChoice::Process,
        }
    }

    /// [`TEXT`] on the kernels of `isa`, if this CPU runs them.
    pub fn with_isa(isa: simd::Isa) -> Result<Self, IsaError> {
        Codec::new().pinned(isa)
    }

    /// This codec encoding with `options`.
    pub const fn with_encode_options(self, options: EncodeOptions) -> Self {
        Codec {
            encode: options,
            ..self
        }
    }

    /// This codec decoding with `options`.
    pub const fn with_decode_options(self, options: DecodeOptions) -> Self {
        Codec {
            decode: options,
            ..self
        }
    }

    /// This codec on the kernels of `isa`, if this CPU runs them.
    pub fn pinned(self, isa: simd::Isa) -> Result<Self, IsaError> {
        Kernels::for_isa(isa).map(|k| self.on(KernelChoice::Pinned(k)))
    }

    /// This codec forced onto `isa` without checking it now: what
    /// `SEPTET_FORCE_ISA` does for the whole process, for one codec. If this
    /// CPU cannot run `isa`, decoding fails with [`DecodeErrorKind::Kernels`]
    /// and encoding runs the scalar table (see [`crate::simd`]).
    pub const fn forcing_isa(self, isa: simd::Isa) -> Self {
        self.on(KernelChoice::Forced(isa))
    }

    const fn on(self, kernels: KernelChoice) -> Self {
        Codec { kernels, ..self }
    }

    /// The encode options.
    pub fn encode_options(&self) -> EncodeOptions {
        self.encode
    }

    /// The decode options.
    pub fn decode_options(&self) -> DecodeOptions {
        self.decode
    }

    /// The kernel set this codec runs (for a codec whose kernels cannot be
    /// used, the scalar set its encoders run).
    pub fn isa(&self) -> simd::Isa {
        self.kernels.isa()
    }

    /// Encodes `input` and appends the result to `out`.
    pub fn encode_into(&self, input: &[u8], out: &mut Vec<u8>) {
        let k = self.kernels.resolve_or_scalar();
        encode::encode_to_vec(k, self.encode.flags(), &mut 0, input, true, out);
    }

    /// Encodes `input` into a new `Vec`.
    pub fn encode(&self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(input, &mut out);
        out
    }

    /// Decodes `input` and appends the result to `out`. On error `out` is
    /// left as it was.
    pub fn decode_into(&self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let k = self
            .kernels
            .resolve()
            .map_err(|e| DecodeError::new(0, DecodeErrorKind::Kernels(e)))?;
        decode::decode_to_vec(k, self.decode.strict, input, out)
    }

    /// Decodes `input` into `out` and returns the bytes written. An `out` of
    /// `input.len()` bytes always suffices (decoding never makes anything
    /// longer); a shorter one works when it holds the decoded bytes, else
    /// [`DecodeSliceError::OutputTooSmall`] gives the exact length needed.
    ///
    /// ```
    /// let mut out = [0u8; 8];
    /// let n = septet::qp::TEXT.decode_to_slice(b"caf=C3=A9", &mut out).unwrap();
    /// assert_eq!(&out[..n], "café".as_bytes());
    /// ```
    pub fn decode_to_slice(&self, input: &[u8], out: &mut [u8]) -> Result<usize, DecodeSliceError> {
        let k = self
            .kernels
            .resolve()
            .map_err(|e| DecodeError::new(0, DecodeErrorKind::Kernels(e)))?;
        decode::decode_to_slice(k, self.decode.strict, input, out)
    }

    /// Decodes `input` into a new `Vec`.
    pub fn decode(&self, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        self.decode_into(input, &mut out)?;
        Ok(out)
    }

    /// A push encoder with this codec's options (see [`Encoder`]).
    pub fn encoder(&self) -> Encoder {
        Encoder::new(self.kernels.resolve_or_scalar(), self.encode)
    }

    /// A push decoder with this codec's options (see [`Decoder`]).
    pub fn decoder(&self) -> Decoder {
        Decoder::with_kernels(self.kernels.resolve(), self.decode.strict)
    }

    /// [`encode_into`](Self::encode_into) with `options` instead of this
    /// codec's.
    pub fn encode_into_with(&self, input: &[u8], options: EncodeOptions, out: &mut Vec<u8>) {
        self.with_encode_options(options).encode_into(input, out)
    }

    /// [`encode`](Self::encode) with `options` instead of this codec's.
    pub fn encode_with(&self, input: &[u8], options: EncodeOptions) -> Vec<u8> {
        self.with_encode_options(options).encode(input)
    }

    /// [`decode_into`](Self::decode_into) with `options` instead of this
    /// codec's.
    pub fn decode_into_with(
        &self,
        input: &[u8],
        options: DecodeOptions,
        out: &mut Vec<u8>,
    ) -> Result<(), DecodeError> {
        self.with_decode_options(options).decode_into(input, out)
    }

    /// [`decode`](Self::decode) with `options` instead of this codec's.
    pub fn decode_with(
        &self,
        input: &[u8],
        options: DecodeOptions,
    ) -> Result<Vec<u8>, DecodeError> {
        self.with_decode_options(options).decode(input)
    }

    pub(crate) fn kernels_or_scalar(&self) -> &'static Kernels {
        self.kernels.resolve_or_scalar()
    }
}

/// An upper bound on the encoded length of `n` input bytes, whatever the
/// options (about `3.13 * n`).
///
/// ```
/// let n = 1000;
/// assert!(septet::qp::encode(&vec![0u8; n], septet::qp::Mode::Binary).len()
///     <= septet::qp::max_encoded_len(n));
/// ```
pub const fn max_encoded_len(n: usize) -> usize {
    encode::max_encoded_len(n)
}

/// Encodes `input` in `mode` with the default guards and appends it to `out`.
pub fn encode_into(input: &[u8], mode: Mode, out: &mut Vec<u8>) {
    TEXT.encode_into_with(input, mode.into(), out)
}

/// Encodes `input` in `mode` with the default guards.
///
/// ```
/// use septet::qp::{encode, Mode};
/// assert_eq!(encode(b"tab\tand space \r\n", Mode::Text), b"tab\tand space=20\r\n");
/// assert_eq!(encode(b"a\r\n", Mode::Binary), b"a=0D=0A");
/// ```
pub fn encode(input: &[u8], mode: Mode) -> Vec<u8> {
    TEXT.encode_with(input, mode.into())
}

/// Encodes `input` with `options`.
pub fn encode_with(input: &[u8], options: EncodeOptions) -> Vec<u8> {
    TEXT.encode_with(input, options)
}

/// Decodes `input` leniently and appends the result to `out`.
///
/// Lenient decoding accepts every input; it fails only with
/// [`DecodeErrorKind::Kernels`] when `SEPTET_FORCE_ISA` is unusable.
pub fn decode_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    TEXT.decode_into(input, out)
}

/// Decodes `input` leniently into `out` and returns the bytes written (see
/// [`Codec::decode_to_slice`]: `input.len()` bytes of room always suffice).
pub fn decode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, DecodeSliceError> {
    TEXT.decode_to_slice(input, out)
}

/// [`decode_into`] that also says whether every `=` was an escape or a soft
/// break (the MIME parser flags bodies where one was not). Falls back to
/// the scalar kernels when `SEPTET_FORCE_ISA` is unusable: it never fails.
pub(crate) fn decode_lenient_checked(input: &[u8], out: &mut Vec<u8>) -> decode::Escapes {
    decode::decode_lenient_to_vec(TEXT.kernels_or_scalar(), input, out)
}

/// Decodes `input` leniently (see the [module docs](self)).
///
/// ```
/// let out = septet::qp::decode(b"caf=e9 =ZZ  \r\nsoft=\r\nbreak=").unwrap();
/// assert_eq!(out, b"caf\xe9 =ZZ\r\nsoftbreak");
/// ```
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    TEXT.decode(input)
}

/// Decodes `input` with `options`.
pub fn decode_with(input: &[u8], options: DecodeOptions) -> Result<Vec<u8>, DecodeError> {
    TEXT.decode_with(input, options)
}

#[cfg(test)]
mod kernel_tests;
#[cfg(all(test, target_arch = "x86_64"))]
mod simd_tests;
#[cfg(test)]
mod tests;
