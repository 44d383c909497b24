//! The kernel contract (`simd::QpEncodeFn`, `simd::QpDecodeFn`), checked
//! on every kernel table this CPU runs: output equal to the reference for
//! the prefix consumed, stops only where the contract allows, and no write
//! outside `out[..written]` (canary bytes after it).

use super::decode::reference_prefix;
use super::scalar::{encode_token, EncodeFlags, LOOKAHEAD};
use crate::simd::{available, Kernels};

const CANARY: u8 = 0xa5;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

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
            let mut len = rng.below(if round % 10 == 0 { 700 } else { 200 });
            if strict {
                // The driver never hands more than the rest of a line.
                len = len.min(76);
            }
            let input = rng.bytes(len);
            let mut out = vec![CANARY; len + 64];
            let (c, w) = (k.qp_decode)(&input, &mut out[..len], strict);
            let what = format!("{} strict {strict} input {input:?}", k.isa());
            assert!(c <= len && w <= c, "{what}");
            assert!(
                out[w..].iter().all(|&b| b == CANARY),
                "{what}: wrote past {w}"
            );
            let (want, idle) = reference_prefix(strict, &input, c)
                .unwrap_or_else(|e| panic!("{what}: kernel consumed an error: {e}"));
            assert!(idle, "{what}: stopped with something pending");
            assert_eq!(&out[..w], &want[..], "{what}");
        }
    }
}
