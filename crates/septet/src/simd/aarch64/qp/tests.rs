//! The NEON quoted-printable kernels alone: encode against the reference
//! token encoder, decode against wire built from items whose decoding is
//! known, both with canaries after the output. (Every table, NEON
//! included, is also checked against the reference decoder in
//! `qp::kernel_tests` and whole against the scalar codec in `tests/qp.rs`.)

use super::{decode, encode};
use crate::simd::scalar::qp::{encode_token, EncodeFlags, LOOKAHEAD};
use crate::simd::test_data::Rng;
use crate::simd::{Isa, Kernels};

const CANARY: u8 = 0xa5;

/// Asserts that NEON is detected and its table handed out.
fn require_neon() {
    assert!(std::arch::is_aarch64_feature_detected!("neon"));
    assert_eq!(Kernels::for_isa(Isa::Neon).map(|k| k.isa()), Ok(Isa::Neon));
}

/// Mail-like text, 8-bit text, or binary.
fn sample(rng: &mut Rng, len: usize) -> Vec<u8> {
    const TEXT: &[u8] = b"Lorem ipsum dolor sit amet, \r\n.From x=\t";
    let kind = rng.below(4);
    if kind == 2 {
        return rng.data(len);
    }
    (0..len)
        .map(|_| match kind {
            0 => TEXT[rng.below(TEXT.len())],
            1 if rng.below(6) == 0 => 0xc3,
            1 => b'a' + rng.below(26) as u8,
            _ => [b'a', b' ', b'\t', b'\r', b'\n', b'=', b'.', b'F', 0x80][rng.below(9)],
        })
        .collect()
}

#[test]
fn neon_qp_encode_matches_the_token_encoder() {
    require_neon();
    let mut rng = Rng(0x51ed_0001);
    for round in 0..4000_usize {
        let len = rng.below(if round % 8 == 0 { 1200 } else { 220 });
        let input = sample(&mut rng, len);
        let col = rng.below(77);
        let flags = EncodeFlags::new(rng.below(16) as u8);
        let room = [len * 4, rng.below(len * 3 + 1), rng.below(60)][rng.below(3)];
        let mut out = vec![CANARY; room + 64];
        // SAFETY: NEON checked above.
        let (c, w, new_col) = unsafe { encode(&input, &mut out[..room], col, flags) };
        let what = format!("round {round} col {col} flags {flags:?} room {room}");
        assert!(c == 0 || c + LOOKAHEAD <= len, "{what}: consumed {c}");
        assert!(w <= room && out[w..].iter().all(|&b| b == CANARY), "{what}");
        let mut want = vec![0; len * 4 + 16];
        let (mut pos, mut n, mut ref_col) = (0, 0, col);
        while pos < c {
            let (cc, nn) = encode_token(&input, pos, false, &mut ref_col, flags, &mut want[n..])
                .expect("the reference can go on");
            pos += cc;
            n += nn;
        }
        assert_eq!(pos, c, "{what}: stopped inside a token");
        assert_eq!(&out[..w], &want[..n], "{what}");
        assert_eq!(new_col, ref_col, "{what}");
        if room == len * 4 && len > 100 && round.is_multiple_of(4) {
            // Long inputs are not given back early wholesale.
            assert!(c > 0, "{what}: took nothing of {len}");
        }
    }
}

/// Wire made of items whose decoding is known: `(wire, [(end, decoded)])`
/// with the decoded output after each item.
fn items(rng: &mut Rng, count: usize, strict: bool) -> (Vec<u8>, Vec<(usize, Vec<u8>)>) {
    let (mut wire, mut plain, mut marks) = (Vec::new(), Vec::new(), vec![(0, Vec::new())]);
    let hex = |v: u8, lower: bool| {
        let s = format!("={v:02X}");
        if lower {
            s.to_lowercase()
        } else {
            s
        }
    };
    for _ in 0..count {
        match rng.below(10) {
            0 => {
                let v = rng.below(256) as u8;
                wire.extend_from_slice(hex(v, !strict && rng.below(2) == 0).as_bytes());
                plain.push(v);
            }
            1 => {
                let n = 1 + rng.below(3);
                let blanks: Vec<u8> = (0..n).map(|_| b" \t"[rng.below(2)]).collect();
                wire.extend_from_slice(&blanks);
                plain.extend_from_slice(&blanks);
                let c = b'a' + rng.below(26) as u8;
                wire.push(c);
                plain.push(c);
            }
            2 if !strict => {
                let brk: &[u8] = [&b"\r\n"[..], b"\n"][rng.below(2)];
                wire.extend_from_slice(brk);
                plain.extend_from_slice(brk);
            }
            3 if !strict => wire.extend_from_slice([&b"=\r\n"[..], b"=\n"][rng.below(2)]),
            _ => {
                let c = 33 + rng.below(94) as u8;
                let c = if c == b'=' { b'x' } else { c };
                wire.push(c);
                plain.push(c);
            }
        }
        marks.push((wire.len(), plain.clone()));
    }
    (wire, marks)
}

#[test]
fn neon_qp_decode_stops_between_items() {
    require_neon();
    let mut rng = Rng(0x51ed_0002);
    for round in 0..3000 {
        let strict = round % 2 == 1;
        let count = rng.below(if round % 10 == 0 { 900 } else { 120 });
        let (wire, marks) = items(&mut rng, count, strict);
        let mut out = vec![CANARY; wire.len() + 64];
        // SAFETY: NEON checked above.
        let (c, w) = unsafe { decode(&wire, &mut out[..wire.len()], strict) };
        let what = format!(
            "round {round} strict {strict} wire {:?}",
            String::from_utf8_lossy(&wire)
        );
        assert!(
            out[w..].iter().all(|&b| b == CANARY),
            "{what}: wrote past {w}"
        );
        let (_, want) = marks
            .iter()
            .find(|(end, _)| *end == c)
            .unwrap_or_else(|| panic!("{what}: stopped inside an item at {c}"));
        assert_eq!(&out[..w], &want[..], "{what}");
        // Lenient mode takes every item here; strict mode stops within
        // one item of column 76.
        let near = if strict {
            wire.len().min(76).saturating_sub(3)
        } else {
            wire.len()
        };
        assert!(c >= near, "{what}: stopped at {c} of {}", wire.len());
    }
}
