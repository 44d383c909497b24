//! Shared helpers of the quoted-printable fuzz targets: options from a flags
//! byte, every kernel set this CPU runs, misaligned copies of the input.

use septet::qp::{Codec, EncodeOptions, Mode};
use septet::simd::{self, Isa};

/// Encoder options from the low four bits of `flags`: bit 0 binary mode,
/// bit 1 bare LF is a line break, bit 2 no `.` guard, bit 3 no `From ` guard.
pub fn encode_options(flags: u8) -> EncodeOptions {
    let mode = if flags & 1 == 0 {
        Mode::Text
    } else {
        Mode::Binary
    };
    EncodeOptions {
        bare_lf_is_line_break: flags & 2 != 0,
        encode_leading_dot: flags & 4 == 0,
        encode_leading_from: flags & 8 == 0,
        ..EncodeOptions::new(mode)
    }
}

/// Input misalignment 0..=15 from the high four bits of `flags`.
pub fn offset(flags: u8) -> usize {
    usize::from(flags >> 4)
}

/// Every kernel set this CPU runs, scalar first.
pub fn codecs() -> Vec<Codec> {
    simd::available()
        .into_iter()
        .map(|isa| Codec::with_isa(isa).expect("available ISA"))
        .collect()
}

/// The scalar reference codec.
pub fn scalar() -> Codec {
    Codec::with_isa(Isa::Scalar).expect("scalar always runs")
}

/// A copy of `input` placed `offset` bytes past a 64-byte boundary, so the
/// kernels meet every alignment; `f` runs on it.
pub fn misaligned<R>(input: &[u8], offset: usize, f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = vec![0u8; input.len() + 128];
    let start = (64 - buf.as_ptr() as usize % 64) % 64 + offset % 64;
    buf[start..start + input.len()].copy_from_slice(input);
    f(&buf[start..start + input.len()])
}

/// Lowercase hex of at most the first 512 bytes, for panic messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes[..bytes.len().min(512)]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
