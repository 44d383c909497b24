//! The kernel contract (`simd::QpEncodeFn`, `simd::QpDecodeFn`), checked
//! on every kernel table this CPU runs: output equal to the reference for
//! the prefix consumed, stops only where the contract allows, and no write
//! outside `out[..written]` (canary bytes after it).

use super::decode::reference_prefix;
use super::scalar::{encode_token, EncodeFlags, LOOKAHEAD};
use super::{Codec, DecodeOptions};
use crate::simd::test_data::Rng;
use crate::simd::{available, Isa, Kernels};

const CANARY: u8 = 0xa5;

/// More shapes of data for the shared generator.
impl Rng {
    /// Bytes weighted towards what the kernels treat specially.
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        const SPECIAL: &[u8] = b"  \t\r\n\r\n==.F.Frrom om 3dD0aZ";
        (0..len)
            .map(|_| match self.below(10) {
                0..=4 => b'a' + self.below(26) as u8,
                5..=7 => SPECIAL[self.below(SPECIAL.len())],
                8 => b"From "[self.below(5)],
                _ => self.below(256) as u8,
            })
            .collect()
    }
}

fn tables() -> Vec<&'static Kernels> {
    available()
        .into_iter()
        .map(|isa| Kernels::for_isa(isa).unwrap())
        .collect()
}

#[test]
fn encode_kernels_keep_the_contract() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for k in tables() {
        for round in 0..3000 {
            let len = rng.below(if round % 10 == 0 { 700 } else { 200 });
            let input = rng.bytes(len);
            let col = rng.below(76);
            let flags = EncodeFlags::new(rng.below(16) as u8);
            let room = [len * 4, rng.below(len * 3 + 1), rng.below(20)][rng.below(3)];
            let mut out = vec![CANARY; room + 64];
            let (c, w, new_col) = (k.qp_encode)(&input, &mut out[..room], col, flags);
            let what = format!("{} input {input:?} col {col} flags {flags:?}", k.isa());
            assert!(c == 0 || c + LOOKAHEAD <= len, "{what}: consumed {c}");
            assert!(w <= room, "{what}");
            assert!(
                out[w..].iter().all(|&b| b == CANARY),
                "{what}: wrote past {w}"
            );
            // The reference, token by token, must land exactly on `c`.
            let mut want = vec![0; len * 4 + 16];
            let (mut pos, mut n, mut ref_col) = (0, 0, col);
            while pos < c {
                let (cc, nn) =
                    encode_token(&input, pos, false, &mut ref_col, flags, &mut want[n..])
                        .expect("the reference can go on");
                pos += cc;
                n += nn;
            }
            assert_eq!(pos, c, "{what}: stopped inside a token");
            assert_eq!(&out[..w], &want[..n], "{what}");
            assert_eq!(new_col, ref_col, "{what}");
        }
    }
}

#[test]
fn decode_kernels_keep_the_contract() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for k in tables() {
        for round in 0..3000 {
            let strict = round % 2 == 1;
            // Strict kernels count columns from the start of their input,
            // as the reference does.
            let len = rng.below(if round % 10 == 0 { 700 } else { 200 });
            let input = rng.bytes(len);
            check_decode_kernel(k, &input, strict);
        }
    }
}

/// One decode kernel call on `input`, checked against the contract.
fn check_decode_kernel(k: &Kernels, input: &[u8], strict: bool) {
    let len = input.len();
    let mut out = vec![CANARY; len + 64];
    let (c, w) = (k.qp_decode)(input, &mut out[..len], strict);
    let what = format!(
        "{} strict {strict} input {:?}",
        k.isa(),
        String::from_utf8_lossy(input)
    );
    assert!(c <= len && w <= c, "{what}");
    assert!(
        out[w..].iter().all(|&b| b == CANARY),
        "{what}: wrote past {w}"
    );
    let (want, idle) = reference_prefix(strict, input, c)
        .unwrap_or_else(|e| panic!("{what}: kernel consumed an error: {e}"));
    assert!(idle, "{what}: stopped with something pending");
    assert_eq!(&out[..w], &want[..], "{what}");
}

/// A line of `len` characters before its break `brk`, ending in `tail`:
/// letters, single blanks and `=3D` before it.
fn line(rng: &mut Rng, len: usize, tail: &[u8], brk: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    while v.len() + tail.len() < len {
        match rng.below(12) {
            0 if v.last().is_some_and(|&b| b != b' ') => v.push(b' '),
            1 => v.extend_from_slice(b"=3D"),
            _ => v.push(b'a' + rng.below(26) as u8),
        }
    }
    v.truncate(len.saturating_sub(tail.len()));
    if v.last() == Some(&b' ') {
        v.pop();
        v.push(b'z');
    }
    v.extend_from_slice(tail);
    v.extend_from_slice(brk);
    v
}

/// Strict kernels cross line breaks and must stop before column 76: lines
/// near the limit whose last escape, blank run, soft break or line break
/// falls at every offset from the start (so at every position relative to
/// 32- and 64-byte windows), each checked against the contract and, whole,
/// against the scalar table in both modes.
#[test]
fn decode_kernels_at_the_column_limit() {
    let tails: [&[u8]; 14] = [
        b"",
        b"=41",
        b"=C3=A9",
        b"=",
        b"  x",
        b" \tx",
        b"=3d",
        b"x \r",
        b"\x7f",
        b"  ",
        b"=4",
        b"\xc3\xa9",
        b"                                    x",
        b"=\r\n=41",
    ];
    let breaks: [&[u8]; 2] = [b"\r\n", b"\n"];
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    let mut rng = Rng(0x5eed_0007);
    for k in tables() {
        let codec = Codec::with_isa(k.isa()).unwrap();
        for shift in 0..64 {
            for tail in tails {
                for brk in breaks {
                    let mut v = vec![b'y'; shift];
                    v.extend_from_slice(brk);
                    while v.len() < 300 {
                        // Mostly lines that fit, some one or two too long.
                        let len = [60, 70, 74, 75, 76, 76, 76, 76, 77, 78][rng.below(10)];
                        v.extend_from_slice(&line(&mut rng, len, tail, brk));
                    }
                    let cut = v.len() - rng.below(80);
                    for input in [&v[..], &v[..cut], &v[shift + brk.len()..]] {
                        for strict in [true, false] {
                            check_decode_kernel(k, input, strict);
                            let options = DecodeOptions { strict };
                            assert_eq!(
                                codec.decode_with(input, options),
                                scalar.decode_with(input, options),
                                "{} strict {strict}: {:?}",
                                k.isa(),
                                String::from_utf8_lossy(input)
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Strict kernels: the last item of a line ending exactly at the limit, or
/// one byte past it, at every lane of a 32- or 64-byte window.
#[test]
fn decode_kernels_at_the_limit_in_every_lane() {
    let items: [&[u8]; 6] = [b"=41", b"x", b"  x", b"=\r\n", b"\r\n", b"=C3=A9"];
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    for k in tables() {
        let codec = Codec::with_isa(k.isa()).unwrap();
        for item in items {
            for first in 1..=76 {
                for over in [0usize, 1] {
                    let mut v = vec![b'a'; first];
                    v.extend_from_slice(b"\r\n");
                    let fill = (76 + over).saturating_sub(item.len());
                    v.extend(std::iter::repeat_n(b'b', fill));
                    v.extend_from_slice(item);
                    v.extend_from_slice(b"\r\nend of it all, long enough for a window or two\r\n");
                    for strict in [true, false] {
                        check_decode_kernel(k, &v, strict);
                        let options = DecodeOptions { strict };
                        assert_eq!(
                            codec.decode_with(&v, options),
                            scalar.decode_with(&v, options)
                        );
                    }
                }
            }
        }
    }
}
