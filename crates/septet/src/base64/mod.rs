//! Base64 (RFC 4648) and its MIME form (RFC 2045 6.8), SIMD-accelerated.
//!
//! The free functions use the standard alphabet and the process-wide kernel
//! table ([`crate::simd::kernels`]); [`url`] has the same functions for the
//! URL-safe alphabet, and a [`Codec`] pins an alphabet and a kernel set.
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
//! [`stream`] encodes and decodes streams of any length in constant memory:
//! [`EncoderWriter`], [`StreamDecoder`], [`DecoderReader`].

mod engine;
mod error;
pub mod stream;
pub mod url;

pub use error::{DecodeError, DecodeErrorKind};
pub use stream::{DecoderReader, EncoderWriter, StreamDecoder};

pub(crate) use crate::simd::scalar::base64 as scalar;
use crate::simd::{self, B64Alphabet, IsaError, Kernels};
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MimeDecodeOptions {
    /// Skip bytes outside the alphabet instead of failing, as RFC 2045 6.8
    /// allows ("any characters outside of the base64 alphabet are to be
    /// ignored"). Padding and trailing-bit rules still apply.
    pub ignore_invalid: bool,
}

impl MimeDecodeOptions {
    fn rules(self) -> DecodeRules {
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

/// An alphabet bound to a kernel set.
///
/// Cheap to copy. [`Codec::new`] uses the process-wide kernels;
/// [`Codec::with_isa`] pins one (tests and benchmarks use it to run every
/// kernel this CPU supports).
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
    kernels: &'static Kernels,
}

impl Codec {
    /// A codec for `alphabet` on the process-wide kernels.
    ///
    /// # Panics
    /// If `SEPTET_FORCE_ISA` is invalid (see [`simd::kernels`]).
    pub fn new(alphabet: Alphabet) -> Self {
        Codec {
            alphabet,
            kernels: simd::kernels(),
        }
    }

    /// A codec for `alphabet` on the kernels of `isa`, if this CPU runs them.
    pub fn with_isa(alphabet: Alphabet, isa: simd::Isa) -> Result<Self, IsaError> {
        Ok(Codec {
            alphabet,
            kernels: Kernels::for_isa(isa)?,
        })
    }

    /// The alphabet.
    pub fn alphabet(&self) -> Alphabet {
        self.alphabet
    }

    /// The kernel set this codec runs.
    pub fn isa(&self) -> simd::Isa {
        self.kernels.isa()
    }

    pub(crate) fn kernels(&self) -> &'static Kernels {
        self.kernels
    }

    /// Encodes into `out`; returns the bytes written (`encoded_len(input.len())`).
    ///
    /// # Panics
    /// If `out` is shorter than [`encoded_len`]`(input.len())`.
    pub fn encode_to_slice(&self, input: &[u8], out: &mut [u8]) -> usize {
        let need = encoded_len(input.len());
        assert!(
            out.len() >= need,
            "base64 encode: output holds {} bytes, {need} needed",
            out.len()
        );
        engine::encode(
            self.kernels,
            self.alphabet.kernel(),
            input,
            &mut out[..need],
        )
    }

    /// Encodes into a new `String`.
    pub fn encode(&self, input: &[u8]) -> String {
        let mut out = vec![0; encoded_len(input.len())];
        self.encode_to_slice(input, &mut out);
        ascii_string(out)
    }

    /// Decodes strict RFC 4648 base64 into `out`; returns the bytes written.
    ///
    /// # Panics
    /// If `out` is shorter than [`decoded_len_estimate`]`(input.len())`.
    pub fn decode_to_slice(&self, input: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
        check_decode_room(input.len(), out.len());
        engine::decode(self.kernels, self.alphabet.kernel(), STRICT, input, out)
    }

    /// Decodes strict RFC 4648 base64 into a new `Vec`.
    pub fn decode(&self, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = vec![0; decoded_len_estimate(input.len())];
        let n = self.decode_to_slice(input, &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    /// Encodes in MIME form into `out`; returns the bytes written
    /// (`mime_encoded_len(input.len())`).
    ///
    /// # Panics
    /// If `out` is shorter than [`mime_encoded_len`]`(input.len())`.
    pub fn encode_mime_to_slice(&self, input: &[u8], out: &mut [u8]) -> usize {
        let need = mime_encoded_len(input.len());
        assert!(
            out.len() >= need,
            "base64 MIME encode: output holds {} bytes, {need} needed",
            out.len()
        );
        engine::encode_mime(
            self.kernels,
            self.alphabet.kernel(),
            input,
            &mut out[..need],
        )
    }

    /// Encodes in MIME form into a new `String`.
    pub fn encode_mime(&self, input: &[u8]) -> String {
        let mut out = vec![0; mime_encoded_len(input.len())];
        self.encode_mime_to_slice(input, &mut out);
        ascii_string(out)
    }

    /// Decodes MIME base64 (whitespace skipped) into `out`; returns the bytes written.
    ///
    /// # Panics
    /// If `out` is shorter than [`decoded_len_estimate`]`(input.len())`.
    pub fn decode_mime_to_slice_with(
        &self,
        input: &[u8],
        out: &mut [u8],
        options: MimeDecodeOptions,
    ) -> Result<usize, DecodeError> {
        check_decode_room(input.len(), out.len());
        engine::decode(
            self.kernels,
            self.alphabet.kernel(),
            options.rules(),
            input,
            out,
        )
    }

    /// Decodes MIME base64 into a new `Vec`.
    pub fn decode_mime_with(
        &self,
        input: &[u8],
        options: MimeDecodeOptions,
    ) -> Result<Vec<u8>, DecodeError> {
        let mut out = vec![0; decoded_len_estimate(input.len())];
        let n = self.decode_mime_to_slice_with(input, &mut out, options)?;
        out.truncate(n);
        Ok(out)
    }
}

fn check_decode_room(input_len: usize, out_len: usize) {
    let need = decoded_len_estimate(input_len);
    assert!(
        out_len >= need,
        "base64 decode: output holds {out_len} bytes, decoded_len_estimate = {need} needed"
    );
}

fn ascii_string(bytes: Vec<u8>) -> String {
    debug_assert!(bytes.is_ascii());
    String::from_utf8(bytes).expect("base64 output is ASCII")
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

/// An upper bound on the decoded length of `n` input bytes; the output
/// buffer that the `decode*_to_slice` functions require.
///
/// ```
/// assert_eq!(septet::base64::decoded_len_estimate(8), 6);
/// ```
pub const fn decoded_len_estimate(n: usize) -> usize {
    n.div_ceil(4) * 3
}

fn standard() -> Codec {
    Codec::new(Alphabet::Standard)
}

/// Encodes with the standard alphabet into `out`; returns the bytes written.
///
/// # Panics
/// If `out` is shorter than [`encoded_len`]`(input.len())`.
pub fn encode_to_slice(input: &[u8], out: &mut [u8]) -> usize {
    standard().encode_to_slice(input, out)
}

/// Encodes with the standard alphabet.
pub fn encode(input: &[u8]) -> String {
    standard().encode(input)
}

/// Decodes strict standard base64 into `out`; returns the bytes written.
///
/// # Panics
/// If `out` is shorter than [`decoded_len_estimate`]`(input.len())`.
pub fn decode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
    standard().decode_to_slice(input, out)
}

/// Decodes strict standard base64.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    standard().decode(input)
}

/// Encodes in MIME form (76-character lines, CRLF after each) into `out`.
///
/// # Panics
/// If `out` is shorter than [`mime_encoded_len`]`(input.len())`.
pub fn encode_mime_to_slice(input: &[u8], out: &mut [u8]) -> usize {
    standard().encode_mime_to_slice(input, out)
}

/// Encodes in MIME form.
pub fn encode_mime(input: &[u8]) -> String {
    standard().encode_mime(input)
}

/// Decodes MIME base64: CR, LF, space and tab are skipped, any other byte
/// outside the alphabet is an error.
///
/// # Panics
/// If `out` is shorter than [`decoded_len_estimate`]`(input.len())`.
pub fn decode_mime_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
    standard().decode_mime_to_slice_with(input, out, MimeDecodeOptions::default())
}

/// Decodes MIME base64 into a new `Vec` (see [`decode_mime_to_slice`]).
pub fn decode_mime(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    standard().decode_mime_with(input, MimeDecodeOptions::default())
}

/// Decodes MIME base64 with options (see [`MimeDecodeOptions`]).
///
/// ```
/// use septet::base64::{decode_mime_with, MimeDecodeOptions};
/// let lenient = MimeDecodeOptions { ignore_invalid: true };
/// assert_eq!(decode_mime_with(b"QU*JD\r\n", lenient).unwrap(), b"ABC");
/// ```
pub fn decode_mime_with(input: &[u8], options: MimeDecodeOptions) -> Result<Vec<u8>, DecodeError> {
    standard().decode_mime_with(input, options)
}

#[cfg(test)]
mod kernel_tests;
