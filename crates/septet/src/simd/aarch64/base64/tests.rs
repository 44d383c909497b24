//! The NEON base64 kernels against the scalar reference: directly (exact
//! progress, canaries after the output). The comparison through the public
//! API is in `base64::kernel_tests` and `tests/base64_kernels.rs`.
//!
//! NEON is baseline on aarch64: a CPU that reports it but whose table
//! cannot be had is a failure here, never a skip.

use core::arch::aarch64::*;

use super::{decode, decode_mime, encode, encode_mime, DecodeLut};
use crate::simd::scalar::base64::{self as scalar, is_mime_space};
use crate::simd::test_data::{b64_decode_quads, Rng};
use crate::simd::{B64Alphabet, Isa, Kernels};

const ALPHABETS: [B64Alphabet; 2] = [B64Alphabet::Standard, B64Alphabet::UrlSafe];
const CANARY: u8 = 0xa5;
type Kernel = unsafe fn(&[u8], &mut [u8], B64Alphabet) -> (usize, usize);

/// Asserts that NEON is detected and its table handed out.
fn require_neon() {
    assert!(
        std::arch::is_aarch64_feature_detected!("neon"),
        "an aarch64 CPU without NEON: these tests cannot run"
    );
    let k = Kernels::for_isa(Isa::Neon).expect("NEON detected but its table is refused");
    assert_eq!(k.isa(), Isa::Neon);
}

fn bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next() as u8).collect()
}

/// Runs `kernel` with `room` bytes of output followed by canaries and checks
/// that nothing outside `out[..written]` changed.
fn run(kernel: Kernel, input: &[u8], room: usize, alphabet: B64Alphabet) -> (usize, Vec<u8>) {
    require_neon();
    let mut buf = vec![CANARY; room + 64];
    // SAFETY: `require_neon` checked that the CPU runs NEON.
    let (c, w) = unsafe { kernel(input, &mut buf[..room], alphabet) };
    assert!(c <= input.len() && w <= room, "({c}, {w}) out of range");
    assert!(buf[w..].iter().all(|&b| b == CANARY), "wrote past {w}");
    buf.truncate(w);
    (c, buf)
}

#[test]
fn neon_lookup_matches_the_scalar_decode_table() {
    require_neon();
    for alphabet in ALPHABETS {
        // SAFETY: NEON checked above; the arrays hold 16 bytes each.
        unsafe {
            let lut = DecodeLut::new(alphabet);
            for base in (0..256).step_by(16) {
                let chars: [u8; 16] = std::array::from_fn(|j| (base + j) as u8);
                let mut v = [0u8; 16];
                vst1q_u8(v.as_mut_ptr(), lut.lookup(vld1q_u8(chars.as_ptr())));
                for (j, &got) in v.iter().enumerate() {
                    let want = alphabet.decode_table()[base + j];
                    if want == scalar::INVALID {
                        assert!(got > 63, "byte {} gave {got}", base + j);
                    } else {
                        assert_eq!(got, want, "byte {}", base + j);
                    }
                }
            }
        }
    }
}

#[test]
fn neon_encode_matches_scalar() {
    let data = bytes(&mut Rng(7), 400);
    for alphabet in ALPHABETS {
        for len in 0..=300 {
            for at in 0..4 {
                let input = &data[at..at + len];
                for room in [len / 3 * 4, (len / 3 * 4).saturating_sub(37), 31, 32] {
                    let (c, out) = run(encode, input, room, alphabet);
                    assert_eq!((c % 3, out.len()), (0, c / 3 * 4));
                    let mut want = vec![0; out.len()];
                    scalar::encode_bulk(&input[..c], &mut want, alphabet);
                    assert_eq!(out, want, "len {len} at {at}");
                    if room == len / 3 * 4 {
                        assert!(len - c < 24, "encode left {}", len - c);
                    }
                }
            }
        }
    }
}

#[test]
fn neon_encode_mime_matches_scalar() {
    let data = bytes(&mut Rng(8), 700);
    for alphabet in ALPHABETS {
        for len in 0..=600 {
            let input = &data[len % 5..len % 5 + len];
            let room = len / 57 * 78;
            for room in [room, room.saturating_sub(1), room + 77] {
                let (c, out) = run(encode_mime, input, room, alphabet);
                assert_eq!((c % 57, c / 57), (0, (room / 78).min(len / 57)));
                let mut want = vec![0; out.len()];
                scalar::encode_mime_bulk(&input[..c], &mut want, alphabet);
                assert_eq!(out, want, "mime len {len}");
            }
        }
    }
}

#[test]
fn neon_decode_progress_and_output() {
    let mut rng = Rng(11);
    for alphabet in ALPHABETS {
        let table = alphabet.encode_table();
        let text: Vec<u8> = (0..400).map(|_| table[rng.below(64)]).collect();
        for len in 0..=300 {
            let input = &text[3..3 + len];
            for bad in [None, Some(rng.below(len + 1))] {
                let mut input = input.to_vec();
                if let Some(p) = bad.filter(|&p| p < len) {
                    input[p] = [b'=', b'*', b'\n', 0x80 | table[p % 64]][p % 4];
                }
                let stop = bad.unwrap_or(len).min(len);
                for room in [len, len / 2, 23, 24] {
                    let (c, out) = run(decode, &input, room, alphabet);
                    // The kernel's steps, as a model: full ones, then halves.
                    let (mut i, mut o) = (0, 0);
                    while len - i >= 64 && room - o >= 48 && i + 64 <= stop {
                        (i, o) = (i + 64, o + 48);
                    }
                    while len - i >= 32 && room - o >= 24 && i + 32 <= stop {
                        (i, o) = (i + 32, o + 24);
                    }
                    assert_eq!(c, i, "len {len} bad {bad:?} room {room}");
                    assert_eq!(out, b64_decode_quads(&input[..c], alphabet));
                }
            }
        }
    }
}

/// `chars` with white space put in according to `shape`.
fn with_space(chars: &[u8], shape: usize, rng: &mut Rng) -> Vec<u8> {
    let mut text = Vec::new();
    for (n, &c) in chars.iter().enumerate() {
        match shape {
            0 if n > 0 && n % 76 == 0 => text.extend_from_slice(b"\r\n"),
            1 if n > 0 && n % 64 == 0 => text.push(b'\n'),
            2 if rng.below(8) == 0 => text.push(b" \t\r\n"[rng.below(4)]),
            3 if rng.below(40) == 0 => text.extend_from_slice(&b"\r\n \t  \r\n"[..rng.below(8)]),
            4 if rng.below(50) == 0 => text.extend_from_slice([&b"\r\n"[..], b"\n"][rng.below(2)]),
            5 if n > 0 && n % 76 == 0 => text.push(b'\n'),
            _ => {}
        }
        text.push(c);
    }
    text
}

/// Lines of mostly one layout, sometimes another (length, CRLF or LF).
fn with_lines(chars: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut text = Vec::new();
    let (mut width, mut crlf, mut col) = (76, true, 0);
    for &c in chars {
        if col == width {
            text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            col = 0;
            if rng.below(6) == 0 {
                width = [76, 64, 72, 70, 28, 32, 128, 132, 36, 1100][rng.below(10)];
                crlf = rng.below(3) != 0;
            }
        }
        text.push(c);
        col += 1;
    }
    text
}

#[test]
fn neon_decode_mime_gives_back_whole_quads() {
    let mut rng = Rng(13);
    for alphabet in ALPHABETS {
        let table = alphabet.encode_table();
        for len in (0..=1500).step_by(3) {
            let chars: Vec<u8> = (0..len).map(|_| table[rng.below(64)]).collect();
            for shape in 0..7 {
                let mut input = match shape {
                    6 => with_lines(&chars, &mut rng),
                    _ => with_space(&chars, shape, &mut rng),
                };
                let from = rng.below(input.len().min(100) + 1);
                input.drain(..from);
                let bad = rng.below(input.len() + 1);
                let stop = if rng.below(3) == 0 && bad < input.len() {
                    input[bad] = b"=*.\x00\xc3"[rng.below(5)];
                    bad
                } else {
                    input.len()
                };
                for room in [len, len / 3, 47, 48] {
                    let (c, out) = run(decode_mime, &input, room, alphabet);
                    assert!(c <= stop, "read past the stop byte");
                    let taken: Vec<u8> = input[..c]
                        .iter()
                        .copied()
                        .filter(|&b| !is_mime_space(b))
                        .collect();
                    assert_eq!(taken.len() % 4, 0);
                    assert_eq!(
                        out,
                        b64_decode_quads(&taken, alphabet),
                        "len {len} shape {shape} room {room}"
                    );
                    if room == len && stop == input.len() {
                        assert!(input.len() - c < 100, "left {} of {}", input.len() - c, len);
                    }
                }
            }
        }
    }
}
