//! Quoted-printable throughput: septet (every kernel set this CPU runs)
//! against the `quoted_printable` crate.
//!
//! Two payloads: `text` (mail-like prose with CRLF lines, a few percent of
//! UTF-8 non-ASCII, some `=`), encoded in text mode, and `binary` (random
//! bytes), encoded in binary mode. Groups are `qp/<operation>/<payload>/<size>`;
//! throughput counts the bytes of each operation's input (raw bytes for
//! encode, encoded bytes for decode). Outputs go into buffers reused across
//! iterations, and every row's output is checked once against septet's
//! scalar codec before timing.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use septet::qp::{Codec, DecodeOptions, EncodeOptions, Mode};
use septet::simd::{self, Isa};

const SIZES: [(&str, usize); 2] = [("4KiB", 4 << 10), ("1MiB", 1 << 20)];

/// A deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Prose-like text: words of 1..10 letters, spaces, punctuation, CRLF
/// every 60..90 bytes, a non-ASCII letter in about 3% of words.
fn text(len: usize) -> Vec<u8> {
    let mut rng = Rng(0x7e57);
    let mut v = Vec::with_capacity(len + 16);
    let mut line = 0;
    while v.len() < len {
        let word = 1 + rng.below(10);
        for _ in 0..word {
            v.push(b'a' + rng.below(26) as u8);
        }
        match rng.below(100) {
            0..=2 => v.extend_from_slice("é".as_bytes()),
            3 => v.push(b'='),
            4..=8 => v.push(b','),
            _ => {}
        }
        line += word + 1;
        if line > 60 + rng.below(30) {
            v.extend_from_slice(b"\r\n");
            line = 0;
        } else {
            v.push(b' ');
        }
    }
    v.truncate(len);
    v
}

fn binary(len: usize) -> Vec<u8> {
    let mut rng = Rng(0xb1);
    (0..len).map(|_| rng.next() as u8).collect()
}

fn codecs() -> Vec<(Isa, Codec)> {
    let forced = std::env::var(simd::FORCE_ISA_ENV).ok();
    simd::available()
        .into_iter()
        .filter(|isa| {
            forced
                .as_deref()
                .is_none_or(|f| Isa::from_name(f) == Some(*isa))
        })
        .map(|isa| (isa, Codec::with_isa(isa).unwrap()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let scalar = Codec::with_isa(Isa::Scalar).unwrap();
    for (payload, mode, make) in [
        ("text", Mode::Text, text as fn(usize) -> Vec<u8>),
        ("binary", Mode::Binary, binary),
    ] {
        for (size_name, size) in SIZES {
            let raw = make(size);
            let options = EncodeOptions::new(mode);
            let wire = scalar.encode(&raw, options);

            let mut g = c.benchmark_group(format!("qp/encode/{payload}/{size_name}"));
            g.throughput(Throughput::Bytes(raw.len() as u64));
            for (isa, codec) in codecs() {
                let mut out = Vec::with_capacity(wire.len() * 2);
                codec.encode_into(&raw, options, &mut out);
                assert_eq!(out, wire);
                g.bench_function(format!("septet-{isa}"), |b| {
                    b.iter(|| {
                        out.clear();
                        codec.encode_into(black_box(&raw), options, &mut out);
                    })
                });
            }
            let theirs = |raw: &[u8]| match mode {
                Mode::Text => quoted_printable::encode(raw),
                Mode::Binary => quoted_printable::encode_binary(raw),
            };
            assert_eq!(
                scalar
                    .decode(&theirs(&raw), DecodeOptions::default())
                    .unwrap(),
                raw
            );
            g.bench_function("quoted_printable", |b| b.iter(|| theirs(black_box(&raw))));
            g.finish();

            for (op, options) in [
                ("decode", DecodeOptions { strict: false }),
                ("decode-strict", DecodeOptions { strict: true }),
            ] {
                let mut g = c.benchmark_group(format!("qp/{op}/{payload}/{size_name}"));
                g.throughput(Throughput::Bytes(wire.len() as u64));
                for (isa, codec) in codecs() {
                    let mut out = Vec::with_capacity(wire.len());
                    codec.decode_into(&wire, options, &mut out).unwrap();
                    assert_eq!(out, raw);
                    g.bench_function(format!("septet-{isa}"), |b| {
                        b.iter(|| {
                            out.clear();
                            codec.decode_into(black_box(&wire), options, &mut out)
                        })
                    });
                }
                let mode = if options.strict {
                    quoted_printable::ParseMode::Strict
                } else {
                    quoted_printable::ParseMode::Robust
                };
                let want = quoted_printable::decode(&wire, mode.clone()).unwrap();
                assert_eq!(want, raw);
                g.bench_function("quoted_printable", |b| {
                    b.iter(|| quoted_printable::decode(black_box(&wire), mode.clone()))
                });
                g.finish();
            }
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
