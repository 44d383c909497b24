//! The URL- and filename-safe alphabet (RFC 4648 section 5): `-` and `_`
//! instead of `+` and `/`, padded like the standard one.
//!
//! ```
//! assert_eq!(septet::base64::url::encode(&[0xfb, 0xff, 0xbf]), "-_-_");
//! assert_eq!(septet::base64::url::decode(b"-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
//! ```

use super::{Alphabet, Codec, DecodeError, MimeDecodeOptions};

fn url_safe() -> Codec {
    Codec::new(Alphabet::UrlSafe)
}

/// Encodes with the URL-safe alphabet into `out`; returns the bytes written.
///
/// # Panics
/// If `out` is shorter than [`super::encoded_len`]`(input.len())`.
pub fn encode_to_slice(input: &[u8], out: &mut [u8]) -> usize {
    url_safe().encode_to_slice(input, out)
}

/// Encodes with the URL-safe alphabet.
pub fn encode(input: &[u8]) -> String {
    url_safe().encode(input)
}

/// Decodes strict URL-safe base64 into `out`; returns the bytes written.
///
/// # Panics
/// If `out` is shorter than [`super::decoded_len_estimate`]`(input.len())`.
pub fn decode_to_slice(input: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
    url_safe().decode_to_slice(input, out)
}

/// Decodes strict URL-safe base64.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    url_safe().decode(input)
}

/// Encodes in MIME line form with the URL-safe alphabet.
pub fn encode_mime(input: &[u8]) -> String {
    url_safe().encode_mime(input)
}

/// Decodes MIME-wrapped URL-safe base64 (CR, LF, space and tab skipped).
pub fn decode_mime(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    url_safe().decode_mime_with(input, MimeDecodeOptions::default())
}
