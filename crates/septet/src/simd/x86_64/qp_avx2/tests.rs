//! The AVX2 quoted-printable kernels on inputs long enough for their vector
//! paths (the shared contract tests in `qp::kernel_tests` are mostly short):
//! the encoder against the reference token by token, with canaries after
//! the output; the decoder through the codec against the scalar codec.

use super::{decode, encode};
use crate::qp::scalar::{encode_token, EncodeFlags, LOOKAHEAD};
use crate::qp::{Codec, DecodeOptions, EncodeOptions, Mode};
use crate::simd::Isa;

const CANARY: u8 = 0xa5;

fn supported() -> bool {
    Isa::Avx2.is_supported()
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

    /// Data of one of several shapes, each stressing other paths: long
    /// lines, CRLF lines of every length near 76, UTF-8, binary, blank runs
    /// and blanks at line ends, guards after breaks, bare CR/LF.
    fn data(&mut self, len: usize) -> Vec<u8> {
        let shape = self.below(7);
        let mut v = Vec::with_capacity(len + 100);
        while v.len() < len {
            match shape {
                0 => v.push(self.next() as u8),
                1 => {
                    let n = 60 + self.below(30);
                    v.extend((0..n).map(|_| b'a' + self.below(26) as u8));
                    v.extend_from_slice(b"\r\n");
                }
                _ => match self.below(24) {
                    0..=9 => {
                        let n = 1 + self.below(12);
                        v.extend((0..n).map(|_| b'a' + self.below(26) as u8));
                    }
                    10..=12 => v.push(b' '),
                    13 if shape >= 4 => v.extend_from_slice(b"  \t "),
                    13 | 14 => v.extend_from_slice("é".as_bytes()),
                    15 if shape >= 3 => v.extend_from_slice(b"\r\n"),
                    16 if shape >= 5 => v.extend_from_slice(
                        [&b"\r\n."[..], b"\r\nFrom ", b" \r\n", b"."][self.below(4)],
                    ),
                    17 if shape == 6 => v.push([b'\r', b'\n', b'='][self.below(3)]),
                    18 if shape >= 4 => v.push(0x80 + self.below(128) as u8),
                    19 => v.extend(std::iter::repeat_n(b'x', self.below(100))),
                    _ => v.push(b"=.,;F!~"[self.below(7)]),
                },
            }
        }
        v.truncate(len);
        v
    }
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

#[test]
fn decode_matches_the_scalar_codec() {
    if !supported() {
        return;
    }
    let avx2 = Codec::with_isa(Isa::Avx2).unwrap();
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    let mut rng = Rng(0x5eed_0003);
    for round in 0..1500 {
        let len = rng.below(if round % 8 == 0 { 3000 } else { 500 });
        let mode = [Mode::Text, Mode::Binary][rng.below(2)];
        let mut wire = scalar.encode(&rng.data(len), EncodeOptions::new(mode));
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
                avx2.decode(&wire, options),
                scalar.decode(&wire, options),
                "strict {strict} wire {wire:?}"
            );
        }
    }
}

#[test]
fn decode_kernel_writes_only_its_output() {
    if !supported() {
        return;
    }
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    let mut rng = Rng(0x5eed_0004);
    for _ in 0..2000 {
        let len = 40 + rng.below(400);
        let mut wire = scalar.encode(&rng.data(len), EncodeOptions::new(Mode::Text));
        let at = rng.below(wire.len());
        wire.insert(at, [b'=', b' ', b'\r', b'\n', b'\t'][rng.below(5)]);
        for strict in [false, true] {
            let n = wire.len();
            let mut out = vec![CANARY; n + 64];
            // SAFETY: checked `supported()` above.
            let (c, w) = unsafe { decode(&wire, &mut out[..n], strict) };
            assert!(c <= n && w <= c);
            assert!(out[w..].iter().all(|&b| b == CANARY), "wrote past {w}");
        }
    }
}

#[test]
fn decode_takes_soft_breaks_and_escapes_across_windows() {
    if !supported() {
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
            // SAFETY: checked `supported()` above.
            let (c, w) = unsafe { decode(&wire, &mut out, false) };
            // The scalar tail (the last window or so) stops at soft breaks.
            assert!(c + 48 >= wire.len(), "consumed {c} of {}", wire.len());
            let want = crate::qp::decode(&wire[..c]).unwrap();
            assert_eq!(&out[..w], &want[..]);
        }
    }
}
