//! Shared helpers of the fuzz targets. At the root, for base64: run one
//! operation on every kernel set this CPU supports, with the input at a
//! chosen misalignment and canary bytes around the output, and compare with
//! the scalar codec. [`qp`] holds the quoted-printable helpers.

pub mod qp;

use septet::base64::{
    decoded_len_estimate, encoded_len, mime_encoded_len, Alphabet, Codec, DecodeError,
    MimeDecodeOptions,
};
use septet::simd::{self, Isa};

/// Byte around every output buffer; outside the base64 alphabet.
const CANARY: u8 = 0xa5;
/// Canary bytes after the output buffer handed to the codec.
const GUARD: usize = 64;

/// An operation of the public API, run through its `*_to_slice` form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Encode,
    EncodeMime,
    Decode,
    DecodeMime(MimeDecodeOptions),
}

/// The first input byte: alphabet, misalignment and target-specific bits.
#[derive(Clone, Copy, Debug)]
pub struct Flags(pub u8);

impl Flags {
    pub fn alphabet(self) -> Alphabet {
        if self.0 & 1 == 0 {
            Alphabet::Standard
        } else {
            Alphabet::UrlSafe
        }
    }

    /// Bit `n` (1..=2) for the target's own choices.
    pub fn bit(self, n: u32) -> bool {
        self.0 >> n & 1 == 1
    }

    /// Input misalignment 0..=31 (bits 3..=7).
    pub fn offset(self) -> usize {
        usize::from(self.0 >> 3)
    }
}

/// Splits the fuzzer's input into flags and payload.
pub fn split(data: &[u8]) -> Option<(Flags, &[u8])> {
    let (&first, rest) = data.split_first()?;
    Some((Flags(first), rest))
}

/// Every kernel set this CPU runs, scalar first.
pub fn codecs(alphabet: Alphabet) -> Vec<Codec> {
    simd::available()
        .into_iter()
        .map(|isa| Codec::with_isa(alphabet, isa).expect("available ISA"))
        .collect()
}

pub fn scalar(alphabet: Alphabet) -> Codec {
    Codec::with_isa(alphabet, Isa::Scalar).expect("scalar always runs")
}

/// Runs `op` on a copy of `input` placed `offset` bytes past a 64-byte
/// boundary; checks the canaries and returns the output or the error.
pub fn run(codec: &Codec, op: Op, input: &[u8], offset: usize) -> Result<Vec<u8>, DecodeError> {
    let mut src = vec![0u8; input.len() + 128];
    let start = (64 - src.as_ptr() as usize % 64) % 64 + offset % 64;
    src[start..start + input.len()].copy_from_slice(input);
    let input = &src[start..start + input.len()];

    let need = match op {
        Op::Encode => encoded_len(input.len()),
        Op::EncodeMime => mime_encoded_len(input.len()),
        Op::Decode | Op::DecodeMime(_) => decoded_len_estimate(input.len()),
    };
    let mut out = vec![CANARY; need + GUARD];
    // Decoders get spare room so a kernel writing past its output shows.
    let window = match op {
        Op::Encode | Op::EncodeMime => &mut out[..need],
        _ => &mut out[..need + GUARD / 2],
    };
    let result = match op {
        Op::Encode => Ok(codec
            .encode_to_slice(input, window)
            .expect("the window holds the encoding")),
        Op::EncodeMime => Ok(codec
            .encode_mime_to_slice(input, window)
            .expect("the window holds the encoding")),
        Op::Decode => codec.decode_to_slice(input, window).map_err(decode_error),
        Op::DecodeMime(o) => codec
            .decode_mime_to_slice_with(input, window, o)
            .map_err(decode_error),
    };
    // After an error only the bytes outside the window are promised intact.
    let kept = match result {
        Ok(n) => n,
        Err(_) => need + GUARD / 2,
    };
    if let Some(i) = out[kept..].iter().position(|&b| b != CANARY) {
        panic!(
            "{} {op:?}: wrote byte {} past the {kept} bytes it reported (input {} bytes)",
            codec.isa(),
            kept + i,
            input.len()
        );
    }
    result.map(|n| out[..n].to_vec())
}

/// Runs `op` on every kernel set; all must match the scalar codec.
/// Returns the scalar result.
pub fn all_agree(
    alphabet: Alphabet,
    op: Op,
    input: &[u8],
    offset: usize,
) -> Result<Vec<u8>, DecodeError> {
    let want = run(&scalar(alphabet), op, input, 0);
    for codec in codecs(alphabet) {
        let got = run(&codec, op, input, offset);
        if got != want {
            panic!(
                "{} {alphabet:?} {op:?} differs from scalar at offset {offset}\n  \
                 got  {}\n  want {}\n  input ({} bytes) {}",
                codec.isa(),
                summary(&got),
                summary(&want),
                input.len(),
                hex(&input[..input.len().min(512)])
            );
        }
    }
    want
}

fn summary(r: &Result<Vec<u8>, DecodeError>) -> String {
    match r {
        Ok(v) => format!("Ok({} bytes) {}", v.len(), hex(&v[..v.len().min(256)])),
        Err(e) => format!("Err({e})"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The decode error; the window holds `decoded_len_estimate`, so "output
/// too small" is a bug.
fn decode_error(e: septet::base64::DecodeSliceError) -> septet::base64::DecodeError {
    match e {
        septet::base64::DecodeSliceError::Decode(e) => e,
        septet::base64::DecodeSliceError::OutputTooSmall { needed } => {
            panic!("output too small ({needed} needed) in a window of decoded_len_estimate")
        }
    }
}
