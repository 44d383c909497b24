//! The AVX2 kernels against the scalar reference: directly (exact progress,
//! canaries after the output). The comparison through the public API is in
//! `base64::kernel_tests`.

use super::decode::{classify, Luts};
use super::{decode, decode_mime, encode, encode_mime};
use crate::simd::scalar::base64::{self as scalar, is_mime_space};
use crate::simd::test_data::b64_decode_quads;
use crate::simd::B64Alphabet;
use std::arch::x86_64::*;

const ALPHABETS: [B64Alphabet; 2] = [B64Alphabet::Standard, B64Alphabet::UrlSafe];
const CANARY: u8 = 0xa5;
type Kernel = unsafe fn(&[u8], &mut [u8], B64Alphabet) -> (usize, usize);

fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// xorshift64: reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Runs `kernel` with `room` bytes of output followed by canaries and checks
/// that nothing outside `out[..written]` changed.
fn run(kernel: Kernel, input: &[u8], room: usize, alphabet: B64Alphabet) -> (usize, Vec<u8>) {
    let mut buf = vec![CANARY; room + 64];
    // SAFETY: every test returns early unless AVX2 is detected.
    let (c, w) = unsafe { kernel(input, &mut buf[..room], alphabet) };
    assert!(c <= input.len() && w <= room, "({c}, {w}) out of range");
    assert!(buf[w..].iter().all(|&b| b == CANARY), "wrote past {w}");
    buf.truncate(w);
    (c, buf)
}

/// Every byte through `classify` with `l`, against `alphabet`'s scalar table.
///
/// # Safety
/// The CPU must support AVX2.
unsafe fn check_luts<const MIN: bool>(alphabet: B64Alphabet, l: &Luts<MIN>) {
    for base in (0..256).step_by(32) {
        let chars: [u8; 32] = std::array::from_fn(|j| (base + j) as u8);
        // SAFETY: AVX2 (caller); the arrays hold 32 bytes each.
        let (b, v) = unsafe {
            let (bad, values) = classify(_mm256_loadu_si256(chars.as_ptr().cast()), l);
            let (mut b, mut v) = ([0u8; 32], [0u8; 32]);
            _mm256_storeu_si256(b.as_mut_ptr().cast(), bad);
            _mm256_storeu_si256(v.as_mut_ptr().cast(), values);
            (b, v)
        };
        for j in 0..32 {
            let want = alphabet.decode_table()[base + j];
            assert_eq!(
                b[j] != 0,
                want == scalar::INVALID,
                "{alphabet:?} MIN={MIN} byte {}",
                base + j
            );
            if want != scalar::INVALID {
                assert_eq!(v[j], want, "{alphabet:?} MIN={MIN} byte {}", base + j);
            }
        }
    }
}

#[test]
fn lookup_tables_match_the_scalar_decode_table() {
    if !has_avx2() {
        return;
    }
    // SAFETY: AVX2 detected above.
    unsafe {
        for alphabet in ALPHABETS {
            check_luts(alphabet, &Luts::new(alphabet));
        }
        // The form the kernels run for the standard alphabet.
        check_luts(B64Alphabet::Standard, &Luts::standard());
    }
}

#[test]
fn encode_kernels_match_scalar() {
    if !has_avx2() {
        return;
    }
    let data = Rng(7).bytes(400);
    for alphabet in ALPHABETS {
        for len in 0..=300 {
            for at in 0..4 {
                let input = &data[at..at + len];
                for room in [len / 3 * 4, (len / 3 * 4).saturating_sub(37), 31] {
                    let (c, out) = run(encode, input, room, alphabet);
                    assert_eq!((c % 3, out.len()), (0, c / 3 * 4));
                    let mut want = vec![0; out.len()];
                    scalar::encode_bulk(&input[..c], &mut want, alphabet);
                    assert_eq!(out, want, "len {len} at {at}");
                    assert!(
                        room < len / 3 * 4 || len - c < 28,
                        "encode left {}",
                        len - c
                    );
                }
                let room = len / 57 * 78;
                for room in [room, room.saturating_sub(1)] {
                    let (c, out) = run(encode_mime, input, room, alphabet);
                    assert_eq!((c % 57, c / 57), (0, room / 78), "mime len {len}");
                    let mut want = vec![0; out.len()];
                    scalar::encode_mime_bulk(&input[..c], &mut want, alphabet);
                    assert_eq!(out, want, "mime len {len} at {at}");
                }
            }
        }
    }
}

#[test]
fn decode_kernel_progress_and_output() {
    if !has_avx2() {
        return;
    }
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
                for room in [len, len / 2, 23] {
                    let (c, out) = run(decode, &input, room, alphabet);
                    // Whole quads up to the stop byte or the room, once 32 or more.
                    let t = (stop / 4 * 4).min(room / 3 * 4);
                    let want = if t >= 32 { t } else { 0 };
                    assert_eq!(c, want, "len {len} bad {bad:?} room {room}");
                    assert_eq!(out, b64_decode_quads(&input[..c], alphabet));
                }
            }
        }
    }
}

/// `chars` with whitespace put in according to `shape`.
fn with_space(chars: &[u8], shape: usize, rng: &mut Rng) -> Vec<u8> {
    let mut text = Vec::new();
    for (n, &c) in chars.iter().enumerate() {
        match shape {
            0 if n > 0 && n % 76 == 0 => text.extend_from_slice(b"\r\n"),
            1 if n > 0 && n % 64 == 0 => text.push(b'\n'),
            2 if rng.below(8) == 0 => text.push(b" \t\r\n"[rng.below(4)]),
            3 if rng.below(40) == 0 => text.extend_from_slice(&b"\r\n \t  \r\n"[..rng.below(8)]),
            4 if rng.below(50) == 0 => text.extend_from_slice([&b"\r\n"[..], b"\n"][rng.below(2)]),
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
                width = [76, 64, 72, 70, 28, 32, 128, 132][rng.below(8)];
                crlf = rng.below(3) != 0;
            }
        }
        text.push(c);
        col += 1;
    }
    text
}

#[test]
fn decode_mime_kernel_gives_back_whole_quads() {
    if !has_avx2() {
        return;
    }
    let mut rng = Rng(13);
    for alphabet in ALPHABETS {
        let table = alphabet.encode_table();
        for len in (0..=1200).step_by(3) {
            let chars: Vec<u8> = (0..len).map(|_| table[rng.below(64)]).collect();
            for shape in 0..6 {
                let mut input = match shape {
                    5 => with_lines(&chars, &mut rng),
                    _ => with_space(&chars, shape, &mut rng),
                };
                let from = rng.below(input.len().min(100) + 1);
                input.drain(..from);
                let bad = rng.below(input.len() + 1);
                let stop = if rng.below(3) == 0 && bad < input.len() {
                    input[bad] = b"=*.\x00"[rng.below(4)];
                    bad
                } else {
                    input.len()
                };
                for room in [len, len / 3] {
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
                        "len {len} shape {shape}"
                    );
                    if room == len && stop == input.len() {
                        assert!(input.len() - c < 100, "left {} of {}", input.len() - c, len);
                    }
                }
            }
        }
    }
}

/// Runs `kernel` into `room` bytes that start `at` bytes into a buffer,
/// with canaries before and after them; returns `(consumed, output)`.
fn run_at(
    kernel: Kernel,
    input: &[u8],
    room: usize,
    at: usize,
    alphabet: B64Alphabet,
) -> (usize, Vec<u8>) {
    let mut buf = vec![CANARY; at + room + 64];
    // SAFETY: every test returns early unless AVX2 is detected.
    let (c, w) = unsafe { kernel(input, &mut buf[at..at + room], alphabet) };
    assert!(c <= input.len() && w <= room, "({c}, {w}) out of range");
    assert!(buf[..at].iter().all(|&b| b == CANARY), "wrote before out");
    assert!(buf[at + w..].iter().all(|&b| b == CANARY), "wrote past {w}");
    (c, buf[at..at + w].to_vec())
}

/// Long inputs take the prologues that align the loads (decode) or the
/// stores (encode): every input and output misalignment, with a stop byte
/// inside or right after the block those prologues decode alone.
#[test]
fn aligning_prologues_at_every_offset() {
    if !has_avx2() {
        return;
    }
    let mut rng = Rng(13);
    let data = rng.bytes(4300);
    for alphabet in ALPHABETS {
        let table = alphabet.encode_table();
        let text: Vec<u8> = (0..5800).map(|_| table[rng.below(64)]).collect();
        for len in [4096, 4099, 4161] {
            for off in 0..32 {
                for at in (0..32).step_by(3) {
                    let input = &data[off..off + len];
                    let (c, out) = run_at(encode, input, len / 3 * 4, at, alphabet);
                    assert_eq!(c, len / 3 * 3, "encode len {len} off {off} at {at}");
                    let mut want = vec![0; out.len()];
                    scalar::encode_bulk(&input[..c], &mut want, alphabet);
                    assert_eq!(out, want, "encode len {len} off {off} at {at}");

                    let chars = len / 3 * 4;
                    let bad = [None, Some(rng.below(40)), Some(rng.below(chars))];
                    for bad in bad {
                        // A copy of the whole text, so the slice keeps its offset.
                        let mut text = text.clone();
                        if let Some(p) = bad {
                            text[off + p] = b'*';
                        }
                        let input = &text[off..off + chars];
                        let stop = bad.unwrap_or(chars);
                        let (c, out) = run_at(decode, input, chars, at, alphabet);
                        let want = if stop >= 32 { stop / 4 * 4 } else { 0 };
                        assert_eq!(c, want, "decode len {chars} off {off} at {at} bad {bad:?}");
                        assert_eq!(out, b64_decode_quads(&input[..c], alphabet));
                    }
                }
            }
        }
    }
}
