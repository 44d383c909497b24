//! Targeted tests of the AVX-512 quoted-printable kernels: long inputs
//! shaped to put line ends, blanks, escapes, CRLFs and guards at every
//! position relative to the 63-byte windows and 21-byte groups of the
//! encoder's stream and the 64-byte windows of the decoder, each call
//! checked against the reference: encode calls token by token, with
//! canary bytes after the output. Decoding is checked against the scalar
//! kernels through the decoder in `qp::simd_tests`.

use crate::simd::scalar::qp::{encode_token, EncodeFlags, LOOKAHEAD};
use crate::simd::test_data::Rng;
use crate::simd::Isa;

const CANARY: u8 = 0xa5;

/// More shapes of data for the shared generator.
impl Rng {
    /// Text with lines of `line` bytes on average, words, and a `rare`
    /// in 100 chance per word of something the kernels treat specially.
    fn text(&mut self, len: usize, line: usize, rare: usize) -> Vec<u8> {
        const RARE: &[&[u8]] = &[
            "é".as_bytes(),
            b"=",
            b"  ",
            b" \t",
            b"\t",
            b" \r\n",
            b"\r\n.",
            b"\r\nFrom ",
            b"\n",
            b"\r",
            b".",
            b"F",
            b"From ",
            b"\x00",
            "Ж".as_bytes(),
        ];
        let mut v = Vec::with_capacity(len + 16);
        let mut col = 0;
        while v.len() < len {
            if self.below(100) < rare {
                v.extend_from_slice(RARE[self.below(RARE.len())]);
            }
            for _ in 0..1 + self.below(9) {
                v.push(b'a' + self.below(26) as u8);
            }
            col += 6;
            if col > line - 10 + self.below(20) {
                v.extend_from_slice(b"\r\n");
                col = 0;
            } else {
                v.push(b' ');
            }
        }
        v.truncate(len);
        v
    }

    /// Bytes from `alphabet`, uniformly.
    fn pick(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

fn avx512() -> bool {
    Isa::Avx512.is_supported()
}

/// The encode kernel on `input` at `col`, checked against the reference.
/// Returns how much it consumed.
fn check_encode(input: &[u8], col: usize, flags: EncodeFlags, room: usize) -> usize {
    let mut out = vec![CANARY; room + 80];
    // SAFETY: callers check `avx512()`.
    let (c, w, new_col) = unsafe { super::encode(input, &mut out[..room], col, flags) };
    let what = || format!("len {} col {col} flags {flags:?} room {room}", input.len());
    assert!(
        c == 0 || c + LOOKAHEAD <= input.len(),
        "{}: consumed {c}",
        what()
    );
    assert!(w <= room, "{}", what());
    assert!(
        out[w..].iter().all(|&b| b == CANARY),
        "{}: wrote past {w}",
        what()
    );
    let mut want = vec![0; input.len() * 4 + 16];
    let (mut pos, mut n, mut ref_col) = (0, 0, col);
    while pos < c {
        let (cc, nn) = encode_token(input, pos, false, &mut ref_col, flags, &mut want[n..])
            .expect("the reference can go on");
        pos += cc;
        n += nn;
    }
    assert_eq!(pos, c, "{}: stopped inside a token", what());
    if out[..w] != want[..n] {
        let at = out
            .iter()
            .zip(&want)
            .position(|(a, b)| a != b)
            .unwrap_or(w.min(n));
        panic!(
            "{}: output differs at {at}:\n kernel {:?}\n    ref {:?}",
            what(),
            String::from_utf8_lossy(&out[at.saturating_sub(60)..(at + 20).min(w)]),
            String::from_utf8_lossy(&want[at.saturating_sub(60)..(at + 20).min(n)]),
        );
    }
    assert_eq!(new_col, ref_col, "{}", what());
    c
}

const ALL_FLAGS: [u8; 6] = [
    EncodeFlags::TEXT | EncodeFlags::DOT | EncodeFlags::FROM,
    EncodeFlags::TEXT,
    EncodeFlags::TEXT | EncodeFlags::BARE_LF | EncodeFlags::DOT | EncodeFlags::FROM,
    EncodeFlags::DOT | EncodeFlags::FROM,
    0,
    EncodeFlags::TEXT | EncodeFlags::BARE_LF,
];

#[test]
fn encode_text_lines_of_every_length() {
    if !avx512() {
        return;
    }
    let mut rng = Rng(0x5eed_0001);
    for line in 20..110 {
        for rare in [0, 3, 30] {
            let input = rng.text(1500, line, rare);
            for flags in ALL_FLAGS {
                let col = rng.below(77);
                let c = check_encode(&input, col, EncodeFlags::new(flags), 8000);
                if rare == 0 && flags & EncodeFlags::TEXT != 0 {
                    // Plain text goes through without handing back much.
                    assert!(c + 200 > input.len(), "line {line}: consumed {c}");
                }
            }
        }
    }
}

#[test]
fn encode_blanks_crowded_near_line_ends() {
    // A blank before a blank or an escape, at every column of a line and
    // every offset in the stream's windows and groups: at column 74 the
    // stream moves the soft break before it; at 72 and 73 it hands back.
    if !avx512() {
        return;
    }
    let nexts: [&[u8]; 7] = [b"\xc3\xa9", b" ", b"\t", b"=", b" a", b"\t\xff", b"\r\n"];
    for next in nexts {
        for k in 0..150 {
            let mut input = vec![b'a'; k];
            input.push(b' ');
            input.extend_from_slice(next);
            input.extend_from_slice(&[b'b'; 200]);
            for col in [0, 1, 2, 10, 50, 70, 72, 73, 74, 75] {
                for flags in ALL_FLAGS {
                    check_encode(&input, col, EncodeFlags::new(flags), 8000);
                }
            }
        }
    }
}

#[test]
fn encode_dense_and_binary_data() {
    if !avx512() {
        return;
    }
    let mut rng = Rng(0x5eed_0002);
    let all: Vec<u8> = (0..=255).collect();
    let alphabets: [&[u8]; 5] = [
        &all,
        b"ab \t=.F\r\n",
        b"\xd0\x9f\xd1\x80 ab",
        b"a   \t\t==",
        b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n \x80",
    ];
    for round in 0..400 {
        let alphabet = alphabets[round % alphabets.len()];
        let len = 200 + rng.below(800);
        let input = rng.pick(len, alphabet);
        for flags in ALL_FLAGS {
            check_encode(&input, rng.below(77), EncodeFlags::new(flags), 8000);
        }
    }
}

#[test]
fn encode_respects_small_outputs() {
    if !avx512() {
        return;
    }
    let mut rng = Rng(0x5eed_0003);
    for round in 0..300 {
        let input = rng.text(600, 40 + round % 60, 10);
        let room = rng.below(700);
        check_encode(
            &input,
            rng.below(77),
            EncodeFlags::new(ALL_FLAGS[round % 6]),
            room,
        );
    }
}

#[test]
fn encode_hands_back_guards_at_soft_line_starts() {
    if !avx512() {
        return;
    }
    // Long lines of `x` with `.`/`From ` at every offset: some land at the
    // start of a soft line.
    for guard in [&b"."[..], b"From ", b"F", b" ", b"  ", b"\t=", b"=\r\n"] {
        for at in 60..140 {
            let mut input = vec![b'x'; 400];
            input[at..at + guard.len()].copy_from_slice(guard);
            for flags in ALL_FLAGS {
                for col in [0, 1, 10, 40, 74, 75, 76] {
                    check_encode(&input, col, EncodeFlags::new(flags), 2000);
                }
            }
        }
    }
}
