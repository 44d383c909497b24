//! The SIMD quoted-printable decode kernels on long inputs, through the
//! codec against the scalar codec (output or error), and alone through
//! their table entries for canaries and progress. (The kernels' encode side
//! is checked against the reference token encoder in
//! `simd::x86_64::*::tests`.)

use crate::qp::{Codec, DecodeOptions, EncodeOptions, Mode};
use crate::simd::test_data::Rng;
use crate::simd::{Isa, Kernels, QpDecodeFn};

const CANARY: u8 = 0xa5;

fn avx2_kernel() -> QpDecodeFn {
    Kernels::for_isa(Isa::Avx2).unwrap().qp_decode
}

#[test]
fn decode_matches_the_scalar_codec() {
    if !Isa::Avx2.is_supported() {
        return;
    }
    let avx2 = Codec::with_isa(Isa::Avx2).unwrap();
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    let mut rng = Rng(0x5eed_0003);
    for round in 0..1500 {
        let len = rng.below(if round % 8 == 0 { 3000 } else { 500 });
        let mode = [Mode::Text, Mode::Binary][rng.below(2)];
        let mut wire = scalar.encode_with(&rng.data(len), EncodeOptions::new(mode));
        for _ in 0..rng.below(8) {
            let at = rng.below(wire.len() + 1);
            let junk: &[u8] = [
                &b"=3d"[..],
                b"=ZZ",
                b"==",
                b"  \r\n",
                b"\t\n",
                b"= \r\n",
                b"=\n",
                b"=\r\n",
                b"=",
                b"=4",
                b"\r",
                b"\xe9",
                b" ",
                b"   x",
            ][rng.below(14)];
            wire.splice(at..at, junk.iter().copied());
        }
        for strict in [false, true] {
            let options = DecodeOptions { strict };
            assert_eq!(
                avx2.decode_with(&wire, options),
                scalar.decode_with(&wire, options),
                "strict {strict} wire {wire:?}"
            );
        }
    }
}

#[test]
fn decode_kernel_writes_only_its_output() {
    if !Isa::Avx2.is_supported() {
        return;
    }
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    let mut rng = Rng(0x5eed_0004);
    for _ in 0..2000 {
        let len = 40 + rng.below(400);
        let mut wire = scalar.encode_with(&rng.data(len), EncodeOptions::new(Mode::Text));
        let at = rng.below(wire.len());
        wire.insert(at, [b'=', b' ', b'\r', b'\n', b'\t'][rng.below(5)]);
        for strict in [false, true] {
            let n = wire.len();
            let mut out = vec![CANARY; n + 64];
            let (c, w) = avx2_kernel()(&wire, &mut out[..n], strict);
            assert!(c <= n && w <= c);
            assert!(out[w..].iter().all(|&b| b == CANARY), "wrote past {w}");
        }
    }
}

#[test]
fn decode_takes_soft_breaks_and_escapes_across_windows() {
    if !Isa::Avx2.is_supported() {
        return;
    }
    // An escape or soft break starting at every offset of a window.
    for gap in 0..40 {
        for piece in [&b"=41"[..], b"=\r\n", b"=\n", b"=c3"] {
            let mut wire = vec![b'a'; gap];
            while wire.len() < 200 {
                wire.extend_from_slice(piece);
                wire.extend_from_slice(b"bcdefghij");
            }
            let mut out = vec![0; wire.len()];
            let (c, w) = avx2_kernel()(&wire, &mut out, false);
            // The scalar tail (the last window or so) stops at soft breaks.
            assert!(c + 48 >= wire.len(), "consumed {c} of {}", wire.len());
            let want = crate::qp::decode(&wire[..c]).unwrap();
            assert_eq!(&out[..w], &want[..]);
        }
    }
}

/// Decoding `input` with the AVX-512 kernels, checked against the scalar
/// ones (output or error), and the kernel alone for canaries and progress.
fn check_decode(input: &[u8], strict: bool) {
    let options = DecodeOptions { strict };
    let want = Codec::with_isa(Isa::Scalar)
        .unwrap()
        .decode_with(input, options);
    let got = Codec::with_isa(Isa::Avx512)
        .unwrap()
        .decode_with(input, options);
    assert_eq!(
        got,
        want,
        "strict {strict}: {:?}",
        String::from_utf8_lossy(input)
    );
    let mut out = vec![CANARY; input.len() + 64];
    let kernel = Kernels::for_isa(Isa::Avx512).unwrap().qp_decode;
    let (c, w) = kernel(input, &mut out[..input.len()], strict);
    assert!(c <= input.len() && w <= c);
    assert!(out[w..].iter().all(|&b| b == CANARY), "wrote past {w}");
}

#[test]
fn decode_wire_of_every_shape() {
    if !Isa::Avx512.is_supported() {
        return;
    }
    let mut rng = Rng(0x5eed_0004);
    let pieces: [&[u8]; 14] = [
        b"=3D", b"=3d", b"=\r\n", b"=\n", b"= \r\n", b"==41", b"=ZZ", b"  \r\n", b" x", b"\t\t\ty",
        b"\r", b"\n", b"\r\n", b"=C3=A9",
    ];
    for round in 0..600 {
        let mut v = Vec::new();
        let len = 100 + rng.below(600);
        while v.len() < len {
            for _ in 0..rng.below(70) {
                v.push(b'a' + rng.below(26) as u8);
            }
            v.extend_from_slice(pieces[rng.below(pieces.len())]);
        }
        check_decode(&v, false);
        if round % 3 == 0 {
            check_decode(&v[..v.len().min(76)], true);
        }
    }
}

#[test]
fn decode_items_straddling_windows() {
    if !Isa::Avx512.is_supported() {
        return;
    }
    let items: [&[u8]; 8] = [
        b"=41", b"=\r\n", b"=\n", b" a", b"  a", b"\r\n", b"=4", b" \r\n",
    ];
    for item in items {
        for at in 55..135 {
            let mut v = vec![b'x'; 260];
            v[at..at + item.len()].copy_from_slice(item);
            for end in [at + item.len(), at + item.len() + 1, 200, 260] {
                check_decode(&v[..end], false);
            }
        }
    }
}
