//! The URL- and filename-safe alphabet (RFC 4648 section 5): `-` and `_`
//! instead of `+` and `/`, padded like the standard one. Shorthands for
//! [`URL_SAFE`].
//!
//! ```
//! assert_eq!(septet::base64::url::encode(&[0xfb, 0xff, 0xbf]), "-_-_");
//! assert_eq!(septet::base64::url::decode(b"-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
//! ```

use super::{DecodeError, DecodeSliceError, EncodeSliceError, URL_SAFE};

/// Encodes with the URL-safe alphabet into `out`; returns the bytes written
/// (see [`Codec::encode_to_slice`](super::Codec::encode_to_slice)).
pub fn encode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, EncodeSliceError> {
    URL_SAFE.encode_to_slice(input, out)
}

/// Encodes with the URL-safe alphabet.
pub fn encode(input: &[u8]) -> String {
    URL_SAFE.encode(input)
}

/// Decodes strict URL-safe base64 into `out`; returns the bytes written
/// (see [`Codec::decode_to_slice`](super::Codec::decode_to_slice)).
pub fn decode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, DecodeSliceError> {
    URL_SAFE.decode_to_slice(input, out)
}

/// Decodes strict URL-safe base64.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    URL_SAFE.decode(input)
}

/// Encodes in MIME line form with the URL-safe alphabet.
pub fn encode_mime(input: &[u8]) -> String {
    URL_SAFE.with_mime(true).encode(input)
}

/// Decodes MIME-wrapped URL-safe base64 (CR, LF, space and tab skipped).
pub fn decode_mime(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    URL_SAFE.with_mime(true).decode(input)
}
