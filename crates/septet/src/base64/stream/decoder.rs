//! [`StreamDecoder`]: push-based base64 decoding of a stream of chunks.

use crate::base64::engine::{DecodeRules, DecodeState};
use crate::base64::{decoded_len_estimate, Codec, DecodeError, MimeDecodeOptions, STRICT};

/// Decodes base64 that arrives in chunks of any size.
///
/// The partial quantum at the end of a chunk is carried into the next, so
/// the output is the same as decoding the concatenated chunks in one call,
/// and so are the errors: [`DecodeError::offset`] counts from the first byte
/// ever fed. Errors are sticky: once a call has failed, every later call
/// returns the same error.
///
/// Call [`finish`](Self::finish) after the last chunk: it reports input that
/// stops in the middle of a quantum or without its padding.
///
/// ```
/// use septet::base64::{Alphabet, Codec, DecodeErrorKind, MimeDecodeOptions, StreamDecoder};
///
/// let mut dec = StreamDecoder::mime(Codec::new(Alphabet::Standard), MimeDecodeOptions::default());
/// let mut out = Vec::new();
/// dec.feed(b"aGVs", &mut out)?;
/// dec.feed(b"bG8\r\n=", &mut out)?;
/// dec.finish()?;
/// assert_eq!(out, b"hello");
///
/// let mut dec = StreamDecoder::new(Codec::new(Alphabet::Standard));
/// dec.feed(b"aGVs", &mut out)?;
/// let err = dec.feed(b"bG8*", &mut out).unwrap_err();
/// assert_eq!((err.offset, err.kind), (7, DecodeErrorKind::InvalidByte(b'*')));
/// # Ok::<(), septet::base64::DecodeError>(())
/// ```
#[derive(Clone, Debug)]
pub struct StreamDecoder {
    codec: Codec,
    state: DecodeState,
    error: Option<DecodeError>,
}

impl StreamDecoder {
    /// Strict RFC 4648 decoding, as [`Codec::decode`]: padding required, no
    /// whitespace.
    pub fn new(codec: Codec) -> Self {
        Self::with_rules(codec, STRICT)
    }

    /// MIME decoding, as [`Codec::decode_mime_with`]: CR, LF, space and tab
    /// are skipped anywhere, other bytes as `options` says.
    pub fn mime(codec: Codec, options: MimeDecodeOptions) -> Self {
        Self::with_rules(codec, options.rules())
    }

    fn with_rules(codec: Codec, rules: DecodeRules) -> Self {
        StreamDecoder {
            codec,
            state: DecodeState::new(codec.alphabet().kernel(), rules),
            error: None,
        }
    }

    /// The codec this decoder runs.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// How many input bytes have been fed so far (the offset of the next one).
    pub fn offset(&self) -> u64 {
        self.state.offset()
    }

    /// The output room [`feed_to_slice`](Self::feed_to_slice) needs for a
    /// chunk of up to `chunk_len` bytes, in any state: a buffer of this size,
    /// allocated once, serves every call with chunks no longer than that.
    pub const fn max_output(chunk_len: usize) -> usize {
        // Up to 3 characters carried in, plus the bytes a padded final
        // quantum can add beyond whole quanta.
        decoded_len_estimate(chunk_len) + 2
    }

    /// Decodes `chunk` and appends the result to `out`.
    ///
    /// On error, `out` is left as it was before the call.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.check()?;
        let start = out.len();
        // Zero-filled because the drivers write through `&mut [u8]`; the
        // fill is cheap next to decoding. Callers that want to avoid it
        // use `feed_to_slice` with a buffer they reuse.
        out.resize(start + self.state.max_output(chunk.len()), 0);
        match self.feed_to_slice(chunk, &mut out[start..]) {
            Ok(n) => {
                out.truncate(start + n);
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Decodes `chunk` into the start of `out`; returns the bytes written.
    ///
    /// On error the contents of `out` are unspecified.
    ///
    /// # Panics
    /// If `out` is shorter than [`max_output`](Self::max_output)`(chunk.len())`.
    pub fn feed_to_slice(&mut self, chunk: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
        self.check()?;
        let need = self.state.max_output(chunk.len());
        assert!(
            out.len() >= need,
            "base64 stream decode: output holds {} bytes, {need} needed",
            out.len()
        );
        self.state
            .feed(self.codec.kernels(), chunk, out)
            .inspect_err(|e| self.error = Some(*e))
    }

    /// Checks that the stream ended on a complete quantum (with its padding).
    pub fn finish(self) -> Result<(), DecodeError> {
        self.check_end()
    }

    /// [`finish`](Self::finish) for owners that keep the decoder.
    pub(super) fn check_end(&self) -> Result<(), DecodeError> {
        self.check()?;
        self.state.finish()
    }

    pub(super) fn check(&self) -> Result<(), DecodeError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64::stream::test_util::{codecs, data, Chunking, CHUNKINGS};
    use crate::base64::DecodeErrorKind;

    fn decoder(codec: Codec, mime: bool) -> StreamDecoder {
        if mime {
            StreamDecoder::mime(codec, MimeDecodeOptions::default())
        } else {
            StreamDecoder::new(codec)
        }
    }

    fn one_shot(codec: Codec, mime: bool, text: &[u8]) -> Result<Vec<u8>, DecodeError> {
        if mime {
            codec.decode_mime_with(text, MimeDecodeOptions::default())
        } else {
            codec.decode(text)
        }
    }

    fn streamed<'a>(
        codec: Codec,
        mime: bool,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Vec<u8>, DecodeError> {
        let mut dec = decoder(codec, mime);
        let mut out = Vec::new();
        for chunk in chunks {
            dec.feed(chunk, &mut out)?;
        }
        dec.finish()?;
        Ok(out)
    }

    fn encoded(codec: Codec, mime: bool, input: &[u8]) -> Vec<u8> {
        if mime {
            codec.encode_mime(input).into_bytes()
        } else {
            codec.encode(input).into_bytes()
        }
    }

    #[test]
    fn every_split_point_matches_one_shot() {
        for len in (0..=10).chain([56, 57, 58, 100]) {
            let input = data(len, len as u64 + 1);
            for codec in codecs() {
                for mime in [false, true] {
                    let text = encoded(codec, mime, &input);
                    for at in 0..=text.len() {
                        let (a, b) = text.split_at(at);
                        let got = streamed(codec, mime, [a, b]);
                        assert_eq!(
                            got.as_deref(),
                            Ok(&input[..]),
                            "{codec:?} mime={mime} at={at}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn chunkings_match_one_shot() {
        for len in [0, 1, 2, 3, 5_000, 100_001] {
            let input = data(len, 5);
            for codec in codecs() {
                for mime in [false, true] {
                    let text = encoded(codec, mime, &input);
                    for chunking in CHUNKINGS {
                        let got = streamed(codec, mime, chunking.split(&text)).unwrap();
                        assert!(got == input, "{codec:?} mime={mime} len={len} {chunking:?}");
                    }
                }
            }
        }
    }

    /// Corrupts valid text in ways that fail at known places.
    fn corruptions(text: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut cases = Vec::new();
        for at in [
            0,
            1,
            2,
            3,
            4,
            63,
            64,
            65,
            4095,
            4096,
            4097,
            text.len() / 2,
            text.len() - 3,
        ] {
            for byte in [b'*', b'='] {
                let mut bad = text.to_vec();
                bad[at] = byte;
                // Skip the one that puts `=` where it already was.
                if bad != text {
                    cases.push((format!("{:?} at {at}", byte as char), bad));
                }
            }
        }
        let body = text.strip_suffix(b"\r\n").unwrap_or(text);
        for cut in [1, 2, 3] {
            let short = body[..body.len() - cut].to_vec();
            cases.push((format!("last {cut} characters cut"), short));
        }
        let mut extra = text.to_vec();
        extra.extend_from_slice(b"QQ==");
        cases.push(("data after padding".into(), extra));
        cases
    }

    #[test]
    fn errors_match_one_shot_across_chunk_boundaries() {
        // 10_001 bytes end in a padded quantum, so padding errors show too.
        let input = data(10_001, 8);
        for codec in codecs() {
            for mime in [false, true] {
                for (what, bad) in corruptions(&encoded(codec, mime, &input)) {
                    let expected = one_shot(codec, mime, &bad).expect_err(&what);
                    for chunking in CHUNKINGS {
                        let got = streamed(codec, mime, chunking.split(&bad));
                        assert_eq!(
                            got,
                            Err(expected),
                            "{codec:?} mime={mime} {what} {chunking:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn error_offsets_are_absolute() {
        let codec = Codec::new(crate::base64::Alphabet::Standard);
        let mut dec = StreamDecoder::new(codec);
        let mut out = Vec::new();
        for _ in 0..1000 {
            dec.feed(b"QUJD", &mut out).unwrap();
        }
        assert_eq!(dec.offset(), 4000);
        let err = dec.feed(b"QU\nD", &mut out).unwrap_err();
        assert_eq!(
            (err.offset, err.kind),
            (4002, DecodeErrorKind::InvalidByte(b'\n'))
        );
        assert_eq!(out.len(), 3000, "a failed feed leaves the output as it was");
    }

    #[test]
    fn errors_are_sticky() {
        let codec = Codec::new(crate::base64::Alphabet::Standard);
        let mut dec = StreamDecoder::new(codec);
        let mut out = Vec::new();
        let err = dec.feed(b"QU*D", &mut out).unwrap_err();
        assert_eq!(dec.feed(b"QUJD", &mut out), Err(err));
        assert_eq!(dec.feed(b"", &mut out), Err(err));
        assert_eq!(dec.feed_to_slice(b"QUJD", &mut [0; 8]), Err(err));
        assert_eq!(dec.finish(), Err(err));
        assert!(out.is_empty());
    }

    #[test]
    fn feed_to_slice_fits_max_output_in_every_state() {
        let codec = Codec::new(crate::base64::Alphabet::Standard);
        let text = encoded(codec, true, &data(1000, 4));
        for chunking in [Chunking::Fixed(5), Chunking::Random { max: 13, seed: 1 }] {
            let mut dec = StreamDecoder::mime(codec, MimeDecodeOptions::default());
            let mut out = Vec::new();
            for chunk in chunking.split(&text) {
                let mut buf = vec![0; StreamDecoder::max_output(chunk.len())];
                let n = dec.feed_to_slice(chunk, &mut buf).unwrap();
                out.extend_from_slice(&buf[..n]);
            }
            dec.finish().unwrap();
            assert_eq!(out, data(1000, 4));
        }
    }

    #[test]
    fn lenient_mime_skips_invalid_bytes() {
        let codec = Codec::new(crate::base64::Alphabet::Standard);
        let lenient = MimeDecodeOptions {
            ignore_invalid: true,
        };
        let mut dec = StreamDecoder::mime(codec, lenient);
        let mut out = Vec::new();
        dec.feed(b"QU*", &mut out).unwrap();
        dec.feed(b"JD\r\n", &mut out).unwrap();
        dec.finish().unwrap();
        assert_eq!(out, b"ABC");
    }
}
