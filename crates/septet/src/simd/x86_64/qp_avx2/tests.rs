//! The AVX2 quoted-printable kernels on inputs long enough for their vector
//! paths (the shared contract tests in `qp::kernel_tests` are mostly short):
//! the encoder against the reference token by token, with canaries after
//! the output. The decoder is checked through the codec against the
//! scalar codec in `qp::simd_tests`.

use super::encode;
use crate::simd::scalar::qp::{encode_token, EncodeFlags, LOOKAHEAD};
use crate::simd::test_data::Rng;
use crate::simd::Isa;

const CANARY: u8 = 0xa5;

fn supported() -> bool {
    Isa::Avx2.is_supported()
}

/// Runs the encode kernel with canaries after `out[..room]` and checks it
/// against the reference; returns how much it consumed.
fn check_encode(input: &[u8], col: usize, flags: EncodeFlags, room: usize) -> usize {
    let mut out = vec![CANARY; room + 64];
    // SAFETY: callers check `supported()`.
    let (c, w, new_col) = unsafe { encode(input, &mut out[..room], col, flags) };
    let what = format!("col {col} flags {flags:?} room {room} input {input:?}");
    assert!(
        c == 0 || c + LOOKAHEAD <= input.len(),
        "{what}: consumed {c}"
    );
    assert!(w <= room, "{what}");
    assert!(
        out[w..].iter().all(|&b| b == CANARY),
        "{what}: wrote past {w}"
    );
    let mut want = vec![0; input.len() * 4 + 16];
    let (mut pos, mut n, mut ref_col) = (0, 0, col);
    while pos < c {
        let (cc, nn) = encode_token(input, pos, false, &mut ref_col, flags, &mut want[n..])
            .expect("the reference can go on");
        pos += cc;
        n += nn;
    }
    assert_eq!(pos, c, "{what}: stopped inside a token");
    assert_eq!(&out[..w], &want[..n], "{what}");
    assert_eq!(new_col, ref_col, "{what}");
    c
}

#[test]
fn encode_matches_the_reference_on_long_inputs() {
    if !supported() {
        return;
    }
    let mut rng = Rng(0x5eed_0001);
    for round in 0..1500 {
        let len = match round % 8 {
            0 => 100 + rng.below(3000),
            1 | 2 => rng.below(150),
            _ => 100 + rng.below(400),
        };
        let input = rng.data(len);
        let col = rng.below(77);
        let flags = EncodeFlags::new(rng.below(16) as u8);
        let full = len * 4 + 16;
        let room = if round % 4 == 0 {
            rng.below(full)
        } else {
            full
        };
        let c = check_encode(&input, col, flags, room);
        if room == full {
            // With room to spare the kernel goes (nearly) to the end.
            assert!(c + LOOKAHEAD + 2 >= len, "consumed {c} of {len}");
        }
    }
}

#[test]
fn encode_at_every_column_and_offset() {
    if !supported() {
        return;
    }
    let mut rng = Rng(0x5eed_0002);
    let inputs = [rng.data(600), rng.data(600), rng.data(600), rng.data(600)];
    for input in &inputs {
        for flags in [0, 1, 3, 12, 13, 15] {
            for col in 0..=76 {
                for start in 0..4 {
                    check_encode(&input[start..], col, EncodeFlags::new(flags), 4096);
                }
            }
        }
    }
}

#[test]
fn encode_line_lengths_near_the_limit() {
    if !supported() {
        return;
    }
    // Lines of 70..=80 characters of each kind, so breaks land on every
    // token position of a block.
    let fills = [
        &b"abcdefgh"[..],
        b"a b c d ",
        b"a  b\t c ",
        "éa".as_bytes(),
        b"\x00\xff",
    ];
    for fill in fills {
        for line in 70..=80 {
            for tail in [&b"\r\n"[..], b" \r\n", b"\n", b"\r\n.", b"\r\nFrom x"] {
                let mut input = Vec::new();
                while input.len() < 700 {
                    input.extend(fill.iter().cycle().take(line));
                    input.extend_from_slice(tail);
                }
                for flags in [1, 3, 13, 15, 0, 12] {
                    for col in [0, 1, 40, 72, 73, 74, 75, 76] {
                        check_encode(&input, col, EncodeFlags::new(flags), 4096);
                    }
                }
            }
        }
    }
}
