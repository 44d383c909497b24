//! Every SIMD kernel set against the scalar one through the public API:
//! encodings, decodings, and the error for an invalid, padding or
//! whitespace byte at every position. (The kernels alone are checked against
//! the scalar reference in `simd::x86_64::*::tests`.)

use super::{Alphabet, Codec, DecodeError, MimeDecodeOptions};
use crate::simd::test_data::{b64_samples, noise};
use crate::simd::Isa;

const ALPHABETS: [Alphabet; 2] = [Alphabet::Standard, Alphabet::UrlSafe];

type Decoded = Result<Vec<u8>, DecodeError>;

fn mime_dec(codec: &Codec, text: &[u8], ignore_invalid: bool) -> Decoded {
    codec.decode_mime_with(text, MimeDecodeOptions { ignore_invalid })
}

/// Every operation through the public API, a SIMD table vs scalar, including an
/// invalid, padding or whitespace byte at every position.
#[test]
fn avx2_public_api_matches_scalar() {
    if Isa::Avx2.is_supported() {
        public_api_matches_scalar(Isa::Avx2);
    }
}

/// As for AVX2; NEON is baseline on aarch64, so there it must run.
#[test]
fn neon_public_api_matches_scalar() {
    if cfg!(target_arch = "aarch64") {
        assert!(Isa::Neon.is_supported(), "aarch64 without a NEON table");
        public_api_matches_scalar(Isa::Neon);
    }
}

fn public_api_matches_scalar(isa: Isa) {
    let data = noise(400, 17);
    for alphabet in ALPHABETS {
        let simd = Codec::with_isa(alphabet, isa).unwrap();
        let scalar = Codec::with_isa(alphabet, Isa::Scalar).unwrap();
        for len in 0..=300 {
            for at in [0, 1, 5] {
                let input = &data[at..at + len];
                let text = simd.encode(input);
                assert_eq!(text, scalar.encode(input));
                assert_eq!(simd.decode(text.as_bytes()).unwrap(), input);
                let mime = simd.encode_mime(input);
                assert_eq!(mime, scalar.encode_mime(input));
                assert_eq!(mime_dec(&simd, mime.as_bytes(), false).unwrap(), input);
            }
            if len % 5 != 0 {
                continue;
            }
            let mime = scalar.encode_mime(&data[..len]).into_bytes();
            for pos in 0..mime.len() {
                for b in [b'*', b'=', b' ', b'\n', 0xc3] {
                    let mut t = mime.clone();
                    t[pos] = b;
                    let both = |f: fn(&Codec, &[u8]) -> Decoded| (f(&simd, &t), f(&scalar, &t));
                    let (x, y) = both(|c, t| mime_dec(c, t, false));
                    assert_eq!(x, y, "mime len {len}, {b:#x} at {pos}");
                    let (x, y) = both(|c, t| mime_dec(c, t, true));
                    assert_eq!(x, y, "lenient len {len}, {b:#x} at {pos}");
                    let (x, y) = both(|c, t| c.decode(t));
                    assert_eq!(x, y, "len {len}, {b:#x} at {pos}");
                }
            }
        }
    }
}

#[test]
fn avx512_public_api_matches_scalar() {
    if !Isa::Avx512.is_supported() {
        return;
    }
    let lenient = MimeDecodeOptions {
        ignore_invalid: true,
    };
    for alphabet in ALPHABETS {
        let fast = Codec::with_isa(alphabet, Isa::Avx512).unwrap();
        let slow = Codec::with_isa(alphabet, Isa::Scalar).unwrap();
        for len in 0..=300 {
            let data = noise(len + 3, len as u64);
            for start in [0, 1, 3] {
                let data = &data[start..];
                assert_eq!(fast.encode(data), slow.encode(data));
                assert_eq!(fast.encode_mime(data), slow.encode_mime(data));
            }
            for text in b64_samples(len, alphabet.kernel()) {
                let mut variants = vec![text.clone()];
                for at in (0..text.len()).step_by(1 + len / 64) {
                    let mut bad = text.clone();
                    bad[at] = [b'=', b'*', 0x80, b'\n', b'A'][at % 5];
                    variants.push(bad);
                }
                for t in &variants {
                    assert_eq!(fast.decode(t), slow.decode(t));
                    let strict = MimeDecodeOptions::default();
                    assert_eq!(
                        fast.decode_mime_with(t, strict),
                        slow.decode_mime_with(t, strict)
                    );
                    assert_eq!(
                        fast.decode_mime_with(t, lenient),
                        slow.decode_mime_with(t, lenient)
                    );
                }
            }
        }
    }
}
