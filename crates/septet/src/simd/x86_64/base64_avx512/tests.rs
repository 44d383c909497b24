//! The AVX-512 kernels against the scalar reference.

use super::*;
use crate::simd::scalar::base64::{self as scalar, is_mime_space};
use crate::simd::test_data::{b64_samples as samples, noise};
use crate::simd::Isa;

type Kernel = unsafe fn(&[u8], &mut [u8], B64Alphabet) -> (usize, usize);
const ALPHABETS: [B64Alphabet; 2] = [B64Alphabet::Standard, B64Alphabet::UrlSafe];
const CANARY: u8 = 0xa5;
/// Bytes a kernel must stop before (plain decode also stops at whitespace).
const STOPPERS: [u8; 6] = [b'=', b'*', 0, 0x80, 0xc1, 0xff];

/// Runs `kernel` with `room` bytes of output (at an alignment that varies
/// with the input) between canaries, and checks that nothing outside the
/// reported output was written.
fn run(kernel: Kernel, input: &[u8], room: usize, alphabet: B64Alphabet) -> (usize, Vec<u8>) {
    let mut out = vec![CANARY; room + 128];
    let at = input.len() * 7 % 64;
    // SAFETY: the callers skip the test unless this CPU runs AVX-512.
    let (c, w) = unsafe { kernel(input, &mut out[at..at + room], alphabet) };
    assert!(
        c <= input.len() && w <= room,
        "({c}, {w}) for {} in",
        input.len()
    );
    assert!(
        out[..at].iter().all(|&b| b == CANARY),
        "wrote before the output"
    );
    assert!(out[at + w..].iter().all(|&b| b == CANARY), "wrote past {w}");
    (c, out[at..at + w].to_vec())
}

fn avx512() -> bool {
    Isa::Avx512.is_supported()
}

#[test]
fn encoders_match_scalar() {
    if !avx512() {
        return;
    }
    let data = noise(700, 1);
    for alphabet in ALPHABETS {
        for len in 0..=640 {
            let input = &data[len % 5..len % 5 + len];
            for room in [len / 3 * 4, len / 3 * 4 / 2 + 1] {
                let mut want = vec![CANARY; room];
                let (c, w) = scalar::encode_bulk(input, &mut want, alphabet);
                assert_eq!(run(encode, input, room, alphabet), (c, want[..w].to_vec()));
            }
            let room = len / 57 * 78;
            for room in [room, room.saturating_sub(1)] {
                let mut want = vec![CANARY; room];
                let (c, w) = scalar::encode_mime_bulk(input, &mut want, alphabet);
                let got = run(encode_mime, input, room, alphabet);
                assert_eq!(got, (c, want[..w].to_vec()), "mime len {len} room {room}");
            }
        }
    }
}

/// Checks a decode kernel's result against the contract: whole quads of
/// alphabet characters (whitespace skipped for MIME), as many as the
/// first stop byte and the room allow, decoded like the scalar code.
fn check_decode(kernel: Kernel, mime: bool, input: &[u8], alphabet: B64Alphabet) {
    let table = alphabet.decode_table();
    let skip = |b: u8| mime && is_mime_space(b);
    let stop = input
        .iter()
        .position(|&b| !skip(b) && table[b as usize] == scalar::INVALID)
        .unwrap_or(input.len());
    let chars: Vec<u8> = input[..stop]
        .iter()
        .copied()
        .filter(|&b| !skip(b))
        .collect();
    let quads = chars.len() / 4;
    let mut want = vec![0; quads * 3];
    for (q, dst) in chars.chunks_exact(4).zip(want.chunks_exact_mut(3)) {
        let n = q
            .iter()
            .fold(0u32, |n, &c| n << 6 | u32::from(table[c as usize]));
        dst.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    for room in [quads * 3 + 2, quads * 3 / 2] {
        let (c, out) = run(kernel, input, room, alphabet);
        let taken = input[..c].iter().filter(|&&b| !skip(b)).count();
        assert_eq!(taken % 4, 0, "consumed {c}");
        assert!(c <= stop);
        let fits = (room / 3).min(quads);
        assert!(out.len() / 3 <= fits && out.len() % 3 == 0);
        assert_eq!(out, want[..out.len()], "mime {mime} {input:?} room {room}");
        if room >= quads * 3 {
            assert_eq!(out.len(), want.len(), "stopped early in {input:?}");
            assert!(c == 0 || !skip(input[c - 1]) || taken == 0 || c == stop);
        }
    }
}

#[test]
fn decoders_follow_the_contract() {
    if !avx512() {
        return;
    }
    let lens = (0..=300).step_by(7).chain([48, 96, 192, 240, 288]);
    for alphabet in ALPHABETS {
        for len in lens.clone().chain([1500, 4000]) {
            for (shape, text) in samples(len, alphabet).into_iter().enumerate() {
                let n = text.len();
                for start in 0..4.min(n + 1) {
                    if shape == 0 {
                        check_decode(decode, false, &text[start..], alphabet);
                    }
                    check_decode(decode_mime, true, &text[start..], alphabet);
                }
                for at in (0..n).step_by(1 + len / 300 * 37) {
                    let mut bad = text.clone();
                    bad[at] = STOPPERS[at % STOPPERS.len()];
                    check_decode(decode, false, &bad, alphabet);
                    check_decode(decode_mime, true, &bad, alphabet);
                }
            }
        }
    }
}

/// Outputs past `stream::STREAM_MIN` take the streaming-store loop.
#[test]
fn large_outputs_match_scalar() {
    if !avx512() {
        return;
    }
    let data = noise(super::stream::STREAM_MIN * 3 / 4 + 100, 9);
    let mut want = vec![0; data.len() / 3 * 4 + 64];
    let (c, w) = scalar::encode_bulk(&data, &mut want, B64Alphabet::Standard);
    want.truncate(w);
    for at in [0, 4, 60] {
        let mut out = vec![CANARY; w + 128];
        // SAFETY: this CPU runs AVX-512 (checked above).
        let got = unsafe { encode(&data, &mut out[at..at + w], B64Alphabet::Standard) };
        assert_eq!(got, (c, w));
        assert!(out[at..at + w] == want[..], "streaming encode at {at}");
        assert!(out[..at].iter().chain(&out[at + w..]).all(|&b| b == CANARY));
    }
}
