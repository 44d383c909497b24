//! Runs one codec operation through its `*_to_slice` form with the input at
//! a chosen misalignment and canary bytes around the output.

use septet::base64::{
    decoded_len_estimate, encoded_len, mime_encoded_len, Codec, DecodeError, DecodeSliceError,
    MimeDecodeOptions,
};

use super::model::Mode;
use super::{Guarded, Placed, ALIGN};

/// The operations under test, all through the `*_to_slice` API so the
/// output buffer (and its canaries) is ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Encode,
    EncodeMime,
    Decode,
    DecodeMime,
    /// MIME decoding with `ignore_invalid: true`.
    DecodeMimeLenient,
}

impl Op {
    pub fn out_len(self, input_len: usize) -> usize {
        match self {
            Op::Encode => encoded_len(input_len),
            Op::EncodeMime => mime_encoded_len(input_len),
            _ => decoded_len_estimate(input_len),
        }
    }

    pub fn mode(self) -> Mode {
        match self {
            Op::Decode => Mode::Strict,
            Op::DecodeMime => Mode::Mime,
            Op::DecodeMimeLenient => Mode::MimeLenient,
            Op::Encode | Op::EncodeMime => unreachable!("encoders have no decode mode"),
        }
    }

    pub fn run(self, codec: &Codec, input: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
        let lenient = MimeDecodeOptions {
            ignore_invalid: true,
        };
        let fits = "the window holds the encoding";
        match self {
            Op::Encode => Ok(codec.encode_to_slice(input, out).expect(fits)),
            Op::EncodeMime => Ok(codec.encode_mime_to_slice(input, out).expect(fits)),
            Op::Decode => codec.decode_to_slice(input, out).map_err(decode_error),
            Op::DecodeMime => codec
                .decode_mime_to_slice_with(input, out, Default::default())
                .map_err(decode_error),
            Op::DecodeMimeLenient => codec
                .decode_mime_to_slice_with(input, out, lenient)
                .map_err(decode_error),
        }
    }
}

/// The decode error; the window always holds `decoded_len_estimate` bytes,
/// so "output too small" is a failure of the codec.
fn decode_error(e: DecodeSliceError) -> DecodeError {
    match e {
        DecodeSliceError::Decode(e) => e,
        DecodeSliceError::OutputTooSmall { needed } => {
            panic!("output too small ({needed} needed) in a window of decoded_len_estimate")
        }
    }
}

/// Scratch buffers reused across the calls of one test.
#[derive(Default)]
pub struct Harness {
    input: Placed,
    out: Guarded,
}

impl Harness {
    /// Runs `op` with the input at misalignment `in_off` and the output
    /// window at `out_off` with `extra` spare bytes, checks the canaries,
    /// and returns the output.
    pub fn run(
        &mut self,
        codec: &Codec,
        op: Op,
        input: &[u8],
        (in_off, out_off, extra): (usize, usize, usize),
        ctx: &dyn Fn() -> String,
    ) -> Result<Vec<u8>, DecodeError> {
        let need = op.out_len(input.len());
        let src = self.input.put(input, in_off);
        let window = self.out.window(out_off, need + extra);
        let result = op.run(codec, src, window);
        let ctx = || format!("{}: output offset {out_off}, {extra} spare bytes", ctx());
        let out = self.out.output(result.as_ref().ok().copied(), &ctx);
        if matches!(op, Op::Encode | Op::EncodeMime) {
            assert_eq!(out.len(), need, "{}: encoder wrote a wrong length", ctx());
        }
        result.map(|_| out.to_vec())
    }
}

/// Output placement for a given input misalignment: varies the output's
/// own alignment and the spare room (none, a little, more than a vector).
pub fn out_place(in_off: usize, len: usize) -> (usize, usize, usize) {
    const EXTRA: [usize; 5] = [0, 1, 7, 33, 64];
    (
        in_off,
        (in_off * 7 + len) % ALIGN,
        EXTRA[(in_off + len) % 5],
    )
}
