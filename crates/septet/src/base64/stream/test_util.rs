//! Helpers shared by the streaming tests: deterministic data, chunkings, and
//! every codec this CPU runs.

use crate::base64::{Alphabet, Codec};
use crate::simd;

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `1..=max`.
    pub(crate) fn size(&mut self, max: usize) -> usize {
        1 + (self.next() % max as u64) as usize
    }
}

/// `len` pseudo-random bytes.
pub(crate) fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.next() as u8).collect()
}

/// Every alphabet on every kernel set this CPU runs.
pub(crate) fn codecs() -> Vec<Codec> {
    let mut all = Vec::new();
    for isa in simd::available() {
        for alphabet in [Alphabet::Standard, Alphabet::UrlSafe] {
            all.push(Codec::with_isa(alphabet, isa).expect("available ISA"));
        }
    }
    all
}

/// How to cut an input into chunks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Chunking {
    /// Every chunk this size (the last may be shorter).
    Fixed(usize),
    /// Sizes drawn from `1..=max` with this seed.
    Random { max: usize, seed: u64 },
}

/// The chunkings the tests run: the brief's fixed sizes around group and
/// line lengths, a page, and two random ones.
pub(crate) const CHUNKINGS: [Chunking; 8] = [
    Chunking::Fixed(1),
    Chunking::Fixed(2),
    Chunking::Fixed(3),
    Chunking::Fixed(57),
    Chunking::Fixed(58),
    Chunking::Fixed(4096),
    Chunking::Random { max: 100, seed: 7 },
    Chunking::Random {
        max: 70_000,
        seed: 11,
    },
];

impl Chunking {
    /// Cuts `input` into chunks.
    pub(crate) fn split(self, input: &[u8]) -> Vec<&[u8]> {
        let mut rng = match self {
            Chunking::Random { seed, .. } => Rng::new(seed),
            Chunking::Fixed(_) => Rng::new(0),
        };
        let mut chunks = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let size = match self {
                Chunking::Fixed(n) => n,
                Chunking::Random { max, .. } => rng.size(max),
            };
            let (head, tail) = rest.split_at(size.min(rest.len()));
            chunks.push(head);
            rest = tail;
        }
        chunks
    }
}
