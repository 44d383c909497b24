//! Base64 (RFC 4648) and its MIME form (RFC 2045 6.8), SIMD-accelerated.
//!
//! Three `const` codecs, [`STANDARD`], [`URL_SAFE`] and [`MIME`] (standard
//! alphabet; encoding wraps at 76 columns with CRLF, decoding skips CR, LF,
//! space and tab), share one method set with [`crate::qp`]'s codecs:
//! `encode`, `encode_into`, `encode_to_slice`, `decode`, `decode_into`,
//! `decode_to_slice`, `encoded_len`, and `encoder()` / `decoder()` for push
//! streaming ([`Encoder`], [`Decoder`]; see [`crate::codec`]). The free
//! functions below are shorthands for them; [`url`] has the URL-safe ones.
//! A codec runs the process-wide kernel table (one `OnceLock` read per
//! call); [`Codec::with_isa`] pins one.
//!
//! ```
//! use septet::base64::{MIME, STANDARD};
//! assert_eq!(STANDARD.encode(b"hi"), "aGk=");
//! let mut out = [0u8; 8];
//! assert_eq!(STANDARD.encode_to_slice(b"hi", &mut out), Ok(4));
//! assert_eq!(MIME.decode(b"aG\r\nk=\r\n").unwrap(), b"hi");
//! ```
//!
//! ```
//! let text = septet::base64::encode(b"hello, world");
//! assert_eq!(text, "aGVsbG8sIHdvcmxk");
//! assert_eq!(septet::base64::decode(text.as_bytes()).unwrap(), b"hello, world");
//!
//! // MIME: 76-column lines, CRLF after each.
//! let wrapped = septet::base64::encode_mime(&[0u8; 60]);
//! assert_eq!(wrapped.len(), 78 + 6);
//! assert_eq!(septet::base64::decode_mime(wrapped.as_bytes()).unwrap(), [0u8; 60]);
//! ```
//!
//! Plain decoding is strict RFC 4648: padding required, no whitespace,
//! non-canonical trailing bits rejected. MIME decoding skips CR, LF, space and
//! tab anywhere; other bytes outside the alphabet are errors unless
//! [`MimeDecodeOptions::ignore_invalid`] is set.
//!
//! No input and no buffer size makes these functions panic: a too-small
//! output slice is [`EncodeSliceError::OutputTooSmall`] /
//! [`DecodeSliceError::OutputTooSmall`] with the length needed, and an
//! unusable `SEPTET_FORCE_ISA` is an error of every fallible entry point
//! (see [`crate::simd`] for what the infallible `encode*` do then).
//!
//! [`stream`] encodes and decodes streams of any length in constant memory:
//! [`EncoderWriter`], [`StreamDecoder`], [`DecoderReader`].

mod engine;
mod error;
mod fast;
pub mod lenient;
mod push;
pub mod stream;
pub mod url;

pub use crate::codec::EncodeSliceError;
pub use error::{DecodeError, DecodeErrorKind, DecodeSliceError};
pub use lenient::{decode_lenient_into, decode_mime_lenient_into, Leniency};
pub use push::{Decoder, Encoder};
pub use stream::{DecoderReader, EncoderWriter, StreamDecoder};

pub(crate) use crate::simd::scalar::base64 as scalar;
use crate::simd::{self, B64Alphabet, IsaError, KernelChoice, Kernels};
use engine::DecodeRules;

/// The 64-character alphabet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Alphabet {
    /// `A-Z a-z 0-9 + /` (RFC 4648 section 4; the one MIME uses).
    #[default]
    Standard,
    /// `A-Z a-z 0-9 - _` (RFC 4648 section 5), with padding like the standard one.
    UrlSafe,
}

impl Alphabet {
    /// The 64 characters in value order.
    pub fn encode_table(self) -> &'static [u8; 64] {
        self.kernel().encode_table()
    }

    /// Sextet value of every byte, `scalar::INVALID` outside the alphabet.
    pub(crate) fn decode_table(self) -> &'static [u8; 256] {
        self.kernel().decode_table()
    }

    /// The kernel-level alphabet this one maps onto.
    pub(crate) const fn kernel(self) -> B64Alphabet {
        match self {
            Alphabet::Standard => B64Alphabet::Standard,
            Alphabet::UrlSafe => B64Alphabet::UrlSafe,
        }
    }
}

/// Options for MIME decoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MimeDecodeOptions {
    /// Skip bytes outside the alphabet instead of failing, as RFC 2045 6.8
    /// allows ("any characters outside of the base64 alphabet are to be
    /// ignored"). Padding and trailing-bit rules still apply.
    pub ignore_invalid: bool,
}

impl MimeDecodeOptions {
    const fn rules(self) -> DecodeRules {
        DecodeRules {
            skip_space: true,
            ignore_invalid: self.ignore_invalid,
        }
    }
}

const STRICT: DecodeRules = DecodeRules {
    skip_space: false,
    ignore_invalid: false,
};

/// Standard alphabet, plain: no line breaks, strict RFC 4648 decoding.
pub const STANDARD: Codec = Codec::new(Alphabet::Standard);
/// URL-safe alphabet, plain: no line breaks, strict RFC 4648 decoding.
pub const URL_SAFE: Codec = Codec::new(Alphabet::UrlSafe);
/// Standard alphabet, MIME form (RFC 2045 6.8): encoding writes 76-column
/// lines with CRLF after each; decoding skips CR, LF, space and tab.
pub const MIME: Codec = STANDARD.with_mime(true);

/// A base64 codec: an alphabet, a form (plain or MIME) and a kernel set.
///
/// Cheap to copy, and `const`: [`STANDARD`], [`URL_SAFE`] and [`MIME`] run
/// the process-wide kernels, resolved with one `OnceLock` read per call.
/// [`Codec::with_isa`] pins a kernel set (tests and benchmarks use it to run
/// every kernel this CPU supports).
///
/// ```
/// use septet::base64::{Alphabet, Codec};
/// use septet::simd::Isa;
/// let scalar = Codec::with_isa(Alphabet::UrlSafe, Isa::Scalar).unwrap();
/// assert_eq!(scalar.encode(&[0xfb, 0xff]), "-_8=");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Codec {
    alphabet: Alphabet,
    /// MIME form: wrapped lines when encoding, white space skipped (and
    /// `mime_options`) when decoding.
    mime: bool,
    mime_options: MimeDecodeOptions,
    kernels: KernelChoice,
}

impl Codec {
    /// A plain codec for `alphabet` on the process-wide kernels.
    pub const fn new(alphabet: Alphabet) -> Self {
        Codec {
            alphabet,
            mime: false,
            mime_options: MimeDecodeOptions {
                ignore_invalid: false,
            },
            kernels: KernelChoice::Process,
        }
    }

    /// A plain codec for `alphabet` on the kernels of `isa`, if this CPU runs them.
    pub fn with_isa(alphabet: Alphabet, isa: simd::Isa) -> Result<Self, IsaError> {
        Codec::new(alphabet).pinned(isa)
    }

    /// This codec on the kernels of `isa`, if this CPU runs them.
    ///
    /// ```
    /// use septet::simd::Isa;
    /// let scalar_mime = septet::base64::MIME.pinned(Isa::Scalar).unwrap();
    /// assert_eq!(scalar_mime.encode(b"hi"), "aGk=\r\n");
    /// ```
    pub fn pinned(self, isa: simd::Isa) -> Result<Self, IsaError> {
        Ok(Codec {
            kernels: KernelChoice::Pinned(Kernels::for_isa(isa)?),
            ..self
        })
    }

    /// This codec forced onto `isa` without checking it now: what
    /// `SEPTET_FORCE_ISA` does for the whole process, for one codec. If this
    /// CPU cannot run `isa`, every fallible call fails with
    /// [`DecodeErrorKind::Kernels`] / [`EncodeSliceError::Isa`], and the
    /// infallible `encode*` run the scalar table (see [`crate::simd`]).
    ///
    /// ```
    /// use septet::base64::{DecodeErrorKind, STANDARD};
    /// use septet::simd::{Isa, IsaError};
    /// let neon = STANDARD.forcing_isa(Isa::Neon);
    /// # if !Isa::Neon.is_supported() {
    /// let err = neon.decode(b"aGk=").unwrap_err();
    /// assert_eq!(err.kind, DecodeErrorKind::Kernels(IsaError::Unsupported(Isa::Neon)));
    /// assert_eq!(neon.encode(b"hi"), "aGk=");
    /// # }
    /// ```
    pub const fn forcing_isa(self, isa: simd::Isa) -> Self {
        Codec {
            kernels: KernelChoice::Forced(isa),
            ..self
        }
    }

    /// This codec in MIME form (`true`) or plain (`false`).
    pub const fn with_mime(self, mime: bool) -> Self {
        Codec { mime, ..self }
    }

    /// This codec in MIME form, decoding with `options`.
    ///
    /// ```
    /// use septet::base64::{MimeDecodeOptions, MIME};
    /// let lenient = MIME.with_mime_options(MimeDecodeOptions { ignore_invalid: true });
    /// assert_eq!(lenient.decode(b"QU*JD\r\n").unwrap(), b"ABC");
    /// ```
    pub const fn with_mime_options(self, options: MimeDecodeOptions) -> Self {
        Codec {
            mime: true,
            mime_options: options,
            ..self
        }
    }

    /// The alphabet.
    pub fn alphabet(&self) -> Alphabet {
        self.alphabet
    }

    /// Whether this codec uses the MIME form.
    pub fn is_mime(&self) -> bool {
        self.mime
    }

    /// The kernel set this codec runs (for a codec whose kernels cannot be
    /// used, the scalar set its infallible functions run).
    pub fn isa(&self) -> simd::Isa {
        self.kernels.isa()
    }

    fn rules(&self) -> DecodeRules {
        if self.mime {
            self.mime_options.rules()
        } else {
            STRICT
        }
    }

    /// Length of the encoding of `n` bytes in this codec's form.
    pub const fn encoded_len(&self, n: usize) -> usize {
        if self.mime {
            mime_encoded_len(n)
        } else {
            encoded_len(n)
        }
    }

    /// Encodes into `out`; returns the bytes written
    /// ([`encoded_len`](Self::encoded_len)`(input.len())`).
    ///
    /// A shorter `out` is [`EncodeSliceError::OutputTooSmall`] (with the
    /// length needed), unusable kernels [`EncodeSliceError::Isa`]; then
    /// nothing is written.
    pub fn encode_to_slice(&self, input: &[u8], out: &mut [u8]) -> Result<usize, EncodeSliceError> {
        encode_slice(self.kernels, self.alphabet, self.mime, input, out)
    }

    /// Encodes and appends to `out`.
    pub fn encode_into(&self, input: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + self.encoded_len(input.len()), 0);
        self.encode_with_kernels(self.kernels.resolve_or_scalar(), input, &mut out[start..]);
    }

    /// Encodes into a new `String`.
    pub fn encode(&self, input: &[u8]) -> String {
        let mut out = Vec::new();
        self.encode_into(input, &mut out);
        // Base64 output is ASCII, so this never copies.
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// `out` holds exactly the encoding.
    fn encode_with_kernels(&self, k: &Kernels, input: &[u8], out: &mut [u8]) -> usize {
        if self.mime {
            engine::encode_mime(k, self.alphabet.kernel(), input, out)
        } else {
            engine::encode(k, self.alphabet.kernel(), input, out)
        }
    }

    /// Decodes into `out`; returns the bytes written.
    ///
    /// Succeeds whenever `out` holds the decoded bytes (for MIME input with
    /// many line breaks that can be much less than
    /// [`decoded_len_estimate`]). Otherwise
    /// [`DecodeSliceError::OutputTooSmall`] gives the exact length needed,
    /// and the contents of `out` are unspecified, as on a decode error.
    pub fn decode_to_slice(&self, input: &[u8], out: &mut [u8]) -> Result<usize, DecodeSliceError> {
        let k = self.kernels.resolve().map_err(isa_error)?;
        engine::decode(k, self.alphabet.kernel(), self.rules(), input, out)
    }

    /// Decodes and appends to `out`. On error `out` is left as it was.
    pub fn decode_into(&self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let k = self.kernels.resolve().map_err(isa_error)?;
        let start = out.len();
        out.resize(start + decoded_len_estimate(input.len()), 0);
        let result = engine::decode(
            k,
            self.alphabet.kernel(),
            self.rules(),
            input,
            &mut out[start..],
        );
        match result {
            Ok(n) => {
                out.truncate(start + n);
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(match e {
                    DecodeSliceError::Decode(e) => e,
                    // Not reached: the estimate holds every decoding. Kept
                    // as an error, as nothing here may panic.
                    DecodeSliceError::OutputTooSmall { .. } => {
                        DecodeError::new(0, DecodeErrorKind::InvalidLength)
                    }
                })
            }
        }
    }

    /// Decodes into a new `Vec`.
    pub fn decode(&self, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        self.decode_into(input, &mut out)?;
        Ok(out)
    }

    /// A push encoder in this codec's form (see [`Encoder`]).
    pub fn encoder(&self) -> Encoder {
        Encoder::new(
            self.kernels.resolve_or_scalar(),
            self.alphabet.kernel(),
            self.mime,
        )
    }

    /// A push decoder with this codec's rules (see [`Decoder`]).
    pub fn decoder(&self) -> Decoder {
        Decoder::new(self.kernels.resolve(), self.alphabet.kernel(), self.rules())
    }

    /// Encodes in MIME form, whatever this codec's form, into `out`.
    pub fn encode_mime_to_slice(
        &self,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<usize, EncodeSliceError> {
        encode_slice(self.kernels, self.alphabet, true, input, out)
    }

    /// Encodes in MIME form, whatever this codec's form, into a new `String`.
    pub fn encode_mime(&self, input: &[u8]) -> String {
        self.with_mime(true).encode(input)
    }

    /// Decodes MIME base64 (whitespace skipped, other bytes as `options`
    /// says), whatever this codec's form, into `out`; as
    /// [`decode_to_slice`](Self::decode_to_slice).
    pub fn decode_mime_to_slice_with(
        &self,
        input: &[u8],
        out: &mut [u8],
        options: MimeDecodeOptions,
    ) -> Result<usize, DecodeSliceError> {
        self.with_mime_options(options).decode_to_slice(input, out)
    }

    /// Decodes MIME base64, whatever this codec's form, into a new `Vec`.
    pub fn decode_mime_with(
        &self,
        input: &[u8],
        options: MimeDecodeOptions,
    ) -> Result<Vec<u8>, DecodeError> {
        self.with_mime_options(options).decode(input)
    }
}

fn isa_error(e: IsaError) -> DecodeError {
    DecodeError::new(0, DecodeErrorKind::Kernels(e))
}

fn encode_slice(
    kernels: KernelChoice,
    alphabet: Alphabet,
    mime: bool,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize, EncodeSliceError> {
    let k = kernels.resolve()?;
    let needed = if mime {
        mime_encoded_len(input.len())
    } else {
        encoded_len(input.len())
    };
    let Some(out) = out.get_mut(..needed) else {
        return Err(EncodeSliceError::OutputTooSmall { needed });
    };
    Ok(if mime {
        engine::encode_mime(k, alphabet.kernel(), input, out)
    } else {
        engine::encode(k, alphabet.kernel(), input, out)
    })
}

/// Length of the padded encoding of `n` bytes.
///
/// ```
/// assert_eq!(septet::base64::encoded_len(4), 8);
/// ```
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Length of the MIME encoding of `n` bytes: 76-character lines, CRLF after each.
///
/// ```
/// assert_eq!(septet::base64::mime_encoded_len(57), 78);
/// assert_eq!(septet::base64::mime_encoded_len(0), 0);
/// ```
pub const fn mime_encoded_len(n: usize) -> usize {
    engine::mime_encoded_len(n)
}

/// An upper bound on the decoded length of `n` input bytes: an output of
/// this size always suffices for the `decode*_to_slice` functions (a
/// smaller one works when it holds the decoded bytes).
///
/// ```
/// assert_eq!(septet::base64::decoded_len_estimate(8), 6);
/// ```
pub const fn decoded_len_estimate(n: usize) -> usize {
    n.div_ceil(4) * 3
}

/// Encodes with the standard alphabet into `out`; returns the bytes written
/// (see [`Codec::encode_to_slice`]).
pub fn encode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, EncodeSliceError> {
    STANDARD.encode_to_slice(input, out)
}

/// Encodes with the standard alphabet.
pub fn encode(input: &[u8]) -> String {
    STANDARD.encode(input)
}

/// Decodes strict standard base64 into `out`; returns the bytes written
/// (see [`Codec::decode_to_slice`]).
pub fn decode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, DecodeSliceError> {
    STANDARD.decode_to_slice(input, out)
}

/// Decodes strict standard base64.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    STANDARD.decode(input)
}

/// Encodes in MIME form (76-character lines, CRLF after each) into `out`
/// (see [`Codec::encode_to_slice`]).
pub fn encode_mime_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, EncodeSliceError> {
    MIME.encode_to_slice(input, out)
}

/// Encodes in MIME form.
pub fn encode_mime(input: &[u8]) -> String {
    MIME.encode(input)
}

/// Decodes MIME base64 into `out`: CR, LF, space and tab are skipped, any
/// other byte outside the alphabet is an error. Succeeds whenever `out`
/// holds the decoded bytes (see [`Codec::decode_to_slice`]).
pub fn decode_mime_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, DecodeSliceError> {
    MIME.decode_to_slice(input, out)
}

/// Decodes MIME base64 into a new `Vec` (see [`decode_mime_to_slice`]).
pub fn decode_mime(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    MIME.decode(input)
}

/// Decodes MIME base64 with options (see [`MimeDecodeOptions`]).
///
/// ```
/// use septet::base64::{decode_mime_with, MimeDecodeOptions};
/// let lenient = MimeDecodeOptions { ignore_invalid: true };
/// assert_eq!(decode_mime_with(b"QU*JD\r\n", lenient).unwrap(), b"ABC");
/// ```
pub fn decode_mime_with(input: &[u8], options: MimeDecodeOptions) -> Result<Vec<u8>, DecodeError> {
    MIME.with_mime_options(options).decode(input)
}

#[cfg(test)]
mod kernel_tests;
