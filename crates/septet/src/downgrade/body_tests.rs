//! Unit tests of the body transforms: the fast paths against the general
//! ones, any split against one call.

use super::*;

#[test]
fn base64_any_split_matches_one_shot() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
    let want = base64::encode_mime(&data);
    for step in [1, 5, 56, 57, 58, 400] {
        let mut e = Encoder::base64();
        let mut out = Vec::new();
        for c in data.chunks(step) {
            e.push(c, &mut out);
        }
        e.finish(&mut out);
        assert_eq!(out, want.as_bytes(), "step {step}");
    }
}

#[test]
fn normalizer_repairs() {
    let mut n = Normalizer::default();
    let mut out = Vec::new();
    assert_eq!(n.push(b"a\r", &mut out, true), 0);
    assert_eq!(n.push(b"\nb\n\xff\rc", &mut out, true), 2);
    assert_eq!(out, b"a\r\nb\r\n??c");
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Text made of pieces that exercise every path: CRLF, bare LF, bare CR,
/// 8-bit bytes, NUL, blanks before breaks, guards, and long runs.
fn mixed(rng: &mut Rng, len: usize, kinds: usize) -> Vec<u8> {
    let mut v = Vec::new();
    while v.len() < len {
        match rng.below(kinds) {
            0 => v.extend_from_slice(b"\r\n"),
            1 => v.extend_from_slice(b"\n"),
            2 => v.extend_from_slice(b"\r"),
            3 => v.extend_from_slice("é".as_bytes()),
            4 => v.push(0),
            5 => v.extend_from_slice(b" \r\n.From x"),
            6 => v.extend(std::iter::repeat_n(b'x', 900 + rng.below(300))),
            _ => v.extend_from_slice(b"word words wordy "),
        }
    }
    v
}

/// `data` in pieces of random sizes (some larger than a normaliser block).
fn pieces<'d>(rng: &mut Rng, mut data: &'d [u8]) -> Vec<&'d [u8]> {
    let mut v = Vec::new();
    while !data.is_empty() {
        let n = match rng.below(3) {
            0 => 1 + rng.below(8),
            1 => 1 + rng.below(2000),
            _ => 1 + rng.below(3 * NORM_BLOCK),
        };
        let n = n.min(data.len());
        v.push(&data[..n]);
        data = &data[n..];
    }
    v
}

#[test]
fn normalizer_blocks_match_the_run_path() {
    let mut rng = Rng(0x5eed);
    for round in 0..400 {
        // Some rounds CRLF text (the copy path), some no CR at all (the
        // LF path), some CRLF lines near the length limit, the rest
        // everything.
        let input = match round % 4 {
            3 => {
                // CRLF lines of lengths around the limit and the segment.
                const LENS: [usize; 10] = [0, 1, 78, 497, 498, 499, 997, 998, 999, 1000];
                let mut v = Vec::new();
                while v.len() < 40_000 {
                    let len = if rng.below(3) == 0 {
                        rng.below(1100)
                    } else {
                        LENS[rng.below(LENS.len())]
                    };
                    v.extend(std::iter::repeat_n(b'y', len));
                    v.extend_from_slice(b"\r\n");
                }
                v
            }
            0 => {
                let mut v = Vec::new();
                while v.len() < 40_000 {
                    v.extend_from_slice(b"word words ");
                    if rng.below(6) == 0 {
                        v.extend_from_slice(b"\r\n");
                    }
                }
                if round % 2 == 0 {
                    v.extend_from_slice(&mixed(&mut rng, 100, 8));
                }
                v
            }
            1 => {
                let mut v = mixed(&mut rng, 40_000, 8);
                v.retain(|&b| b != b'\r');
                v
            }
            _ => mixed(&mut rng, 40_000, 8),
        };
        for repair in [true, false] {
            let mut want = Vec::new();
            let mut reference = Normalizer::default();
            let mut want_n = reference.runs(&input, &mut want, repair);
            want_n += reference.flush(&mut want, repair);
            let mut got = Vec::new();
            let mut n = Normalizer::default();
            let mut got_n = 0;
            for piece in pieces(&mut rng, &input) {
                got_n += n.push(piece, &mut got, repair);
            }
            got_n += n.flush(&mut got, repair);
            assert!(got == want, "round {round} repair {repair}: output differs");
            assert_eq!(got_n, want_n, "round {round} repair {repair}");
        }
    }
}

/// The byte-at-a-time classification the census-based one replaced.
fn reference_scan(window: &[u8], complete: bool) -> (usize, bool, bool, bool) {
    let (mut eight_bit, mut nul, mut bare_cr, mut long_line) = (0, false, false, false);
    let mut col = 0;
    for (i, &b) in window.iter().enumerate() {
        match b {
            b'\n' => col = 0,
            b'\r' => match window.get(i + 1) {
                Some(b'\n') => {}
                None if !complete => {}
                _ => bare_cr = true,
            },
            0 => nul = true,
            128.. => eight_bit += 1,
            _ => {}
        }
        if b != b'\n' && b != b'\r' {
            col += 1;
            long_line |= col > MAX_LINE;
        }
    }
    (eight_bit, nul, bare_cr, long_line)
}

#[test]
fn scan_matches_the_byte_loop() {
    let mut rng = Rng(0x5ca2);
    for round in 0..2000 {
        let len = 1 + rng.below(5000);
        let data = mixed(&mut rng, len, 8);
        let window = &data[..data.len().min(1 + rng.below(4096))];
        for complete in [true, false] {
            let s = Scan::of(window, complete);
            assert_eq!(
                (s.eight_bit, s.nul, s.bare_cr, s.long_line),
                reference_scan(window, complete),
                "round {round} complete {complete}"
            );
        }
    }
    // A CR in a long line takes no column.
    let mut line = vec![b'x'; MAX_LINE];
    line.insert(10, b'\r');
    line.extend_from_slice(b"\r\n");
    assert!(!Scan::of(&line, true).long_line);
}

#[test]
fn qp_any_split_matches_one_shot() {
    let mut rng = Rng(0x9e);
    let options = EncodeOptions {
        bare_lf_is_line_break: true,
        ..EncodeOptions::new(Mode::Text)
    };
    for round in 0..200 {
        let len = rng.below(100_000);
        let mut input = mixed(&mut rng, len, 8);
        input.retain(|&b| b != 0);
        let want = qp::encode_with(&input, options);
        let mut e = Encoder::qp();
        let mut out = Vec::new();
        for piece in pieces(&mut rng, &input) {
            e.push(piece, &mut out);
            assert!(e.buffered() <= QP_CARRY);
        }
        e.finish(&mut out);
        assert!(out == want, "round {round}");
    }
}

/// A raw CR before a soft break followed by an empty line, in LF form:
/// the CR and the line break are one CRLF; any other CR is data.
#[test]
fn qp_cr_before_soft_break() {
    let cases: [(&[u8], &[u8]); 5] = [
        (b"a\r=\n\nb\n", b"a=\r\n\r\nb\r\n"),
        (b"a\r=\nb\n", b"a=0D=\r\nb\r\n"),
        (b"a\r=\r\n\r\nb", b"a=0D=\r\n\r\nb"),
        (b"a\r=\n", b"a=0D=\r\n"),
        (b"a\r=", b"a=0D="),
    ];
    for (input, want) in cases {
        for step in 1..=input.len() {
            let mut n = Normalizer::default();
            let mut out = Vec::new();
            for c in input.chunks(step) {
                n.push_qp(c, &mut out);
            }
            n.flush(&mut out, true);
            assert_eq!(out, want, "{input:?} step {step}");
        }
    }
    // The part's end (a structural push) releases what is held.
    let mut n = Normalizer::default();
    let mut out = Vec::new();
    n.push_qp(b"a\r=\n", &mut out);
    n.push(b"\n--b", &mut out, false);
    assert_eq!(out, b"a=0D=\r\n\r\n--b");
}
