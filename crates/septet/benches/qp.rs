//! Quoted-printable throughput: septet (every kernel set this CPU runs)
//! against encodify 1.0.2 (Stalwart's codecs, what mail-parser 1.0 decodes
//! with) and the `quoted_printable` crate.
//!
//! Four payloads: `text` (mail-like prose with CRLF lines, a few percent of
//! UTF-8 non-ASCII, some `=`), `cyrillic` (Russian-like prose: every letter
//! two escaped bytes) and `utf8` (Cyrillic and CJK prose, almost every byte
//! escaped), encoded in text mode, and `binary` (random bytes), encoded in
//! binary mode; at 64 B, 1 KiB, 64 KiB, 1 MiB and 64 MiB. Peers: encodify
//! (`qp::BODY` / `qp::BINARY`, `.strict()` for strict decoding), the
//! `quoted_printable` crate (encode and decode) and mail-parser 0.11's
//! public decoder, and a `memcpy` row of the operation's input as the
//! bandwidth reference. Set `SEPTET_FORCE_ISA=avx2` for the AVX2 rows alone
//! (encodify has no AVX-512 path). Groups are
//! `qp/<operation>/<payload>/<size>`;
//! throughput counts the bytes of each operation's input (raw bytes for
//! encode, encoded bytes for decode). Outputs go into buffers reused across
//! iterations, and every row's output is checked once against septet's
//! scalar codec before timing.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use septet::qp::{Codec, DecodeOptions, EncodeOptions, Mode};
use septet::simd::{self, Isa};

const SIZES: [(&str, usize); 5] = [
    ("64B", 64),
    ("1KiB", 1 << 10),
    ("64KiB", 64 << 10),
    ("1MiB", 1 << 20),
    ("64MiB", 64 << 20),
];

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

/// Russian-like prose: words of 1..10 Cyrillic letters (two UTF-8 bytes
/// each, so six encoded), ASCII spaces and punctuation, CRLF every 50..80
/// characters.
fn cyrillic(len: usize) -> Vec<u8> {
    let letters: Vec<char> = "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИКЛМНОПРСТ"
        .chars()
        .collect();
    let mut rng = Rng(0xc1c);
    let mut v = Vec::with_capacity(len + 16);
    let mut line = 0;
    while v.len() < len {
        let word = 1 + rng.below(10);
        for _ in 0..word {
            let mut buf = [0u8; 4];
            let c = letters[rng.below(letters.len())];
            v.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        match rng.below(10) {
            0 => v.push(b','),
            1 => v.push(b'.'),
            _ => {}
        }
        line += word + 1;
        if line > 50 + rng.below(30) {
            v.extend_from_slice(b"\r\n");
            line = 0;
        } else {
            v.push(b' ');
        }
    }
    v.truncate(len);
    v
}

/// Cyrillic and CJK prose: words of 1..8 letters (two or three UTF-8
/// bytes each), ASCII spaces and punctuation, CRLF every 40..70 characters.
fn utf8(len: usize) -> Vec<u8> {
    const LETTERS: [&str; 2] = [
        "абвгдежзийклмнопрстуфхцчшщыэюя",
        "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长",
    ];
    let mut rng = Rng(0x0f8);
    let mut v = Vec::with_capacity(len + 16);
    let mut line = 0;
    while v.len() < len {
        let alphabet: Vec<char> = LETTERS[rng.below(2)].chars().collect();
        let word = 1 + rng.below(8);
        for _ in 0..word {
            let mut buf = [0u8; 4];
            v.extend_from_slice(
                alphabet[rng.below(alphabet.len())]
                    .encode_utf8(&mut buf)
                    .as_bytes(),
            );
        }
        if rng.below(10) == 0 {
            v.push(b',');
        }
        line += word + 1;
        if line > 40 + rng.below(30) {
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
        ("cyrillic", Mode::Text, cyrillic),
        ("utf8", Mode::Text, utf8),
        ("binary", Mode::Binary, binary),
    ] {
        for (size_name, size) in SIZES {
            let raw = make(size);
            let options = EncodeOptions::new(mode);
            let wire = scalar.encode_with(&raw, options);

            let mut g = group(c, format!("qp/encode/{payload}/{size_name}"), size);
            g.throughput(Throughput::Bytes(raw.len() as u64));
            for (isa, codec) in codecs() {
                let mut out = Vec::with_capacity(wire.len() * 2);
                codec.encode_into_with(&raw, options, &mut out);
                assert_eq!(out, wire);
                g.bench_function(format!("septet-{isa}"), |b| {
                    b.iter(|| {
                        out.clear();
                        codec.encode_into_with(black_box(&raw), options, &mut out);
                    })
                });
            }
            let theirs = |raw: &[u8]| match mode {
                Mode::Text => quoted_printable::encode(raw),
                Mode::Binary => quoted_printable::encode_binary(raw),
            };
            assert_eq!(
                scalar
                    .decode_with(&theirs(&raw), DecodeOptions::default())
                    .unwrap(),
                raw
            );
            g.bench_function("quoted_printable", |b| b.iter(|| theirs(black_box(&raw))));
            let engine = match mode {
                Mode::Text => encodify::qp::BODY,
                Mode::Binary => encodify::qp::BINARY,
            };
            let mut out: Vec<u8> = Vec::with_capacity(wire.len() * 2);
            engine.encode_append(&raw, &mut out);
            // Their line breaking may differ from ours; the decoding may not.
            assert_eq!(scalar.decode(&out).unwrap(), raw, "encodify encode");
            g.bench_function("encodify", |b| {
                b.iter(|| {
                    out.clear();
                    engine.encode_append(black_box(&raw), &mut out)
                })
            });
            memcpy(&mut g, &raw);
            g.finish();

            for (op, options) in [
                ("decode", DecodeOptions { strict: false }),
                ("decode-strict", DecodeOptions { strict: true }),
            ] {
                let mut g = group(c, format!("qp/{op}/{payload}/{size_name}"), size);
                g.throughput(Throughput::Bytes(wire.len() as u64));
                for (isa, codec) in codecs() {
                    let mut out = Vec::with_capacity(wire.len());
                    codec.decode_into_with(&wire, options, &mut out).unwrap();
                    assert_eq!(out, raw);
                    g.bench_function(format!("septet-{isa}"), |b| {
                        b.iter(|| {
                            out.clear();
                            codec.decode_into_with(black_box(&wire), options, &mut out)
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
                let engine = if options.strict {
                    encodify::qp::BODY.strict()
                } else {
                    encodify::qp::BODY
                };
                let mut out = Vec::with_capacity(wire.len());
                engine.decode_append(&wire, &mut out).unwrap();
                assert_eq!(out, raw, "encodify decode");
                g.bench_function("encodify", |b| {
                    b.iter(|| {
                        out.clear();
                        engine.decode_append(black_box(&wire), &mut out)
                    })
                });
                // mail-parser's decoder has no strict mode.
                if !options.strict {
                    let want =
                        mail_parser::decoders::quoted_printable::quoted_printable_decode(&wire);
                    assert_eq!(want.as_deref(), Some(&raw[..]));
                    g.bench_function("mail-parser", |b| {
                        b.iter(|| {
                            mail_parser::decoders::quoted_printable::quoted_printable_decode(
                                black_box(&wire),
                            )
                        })
                    });
                }
                memcpy(&mut g, &wire);
                g.finish();
            }
        }
    }
}

/// The bandwidth reference: a copy of the operation's input.
fn memcpy(g: &mut BenchmarkGroup<'_, WallTime>, input: &[u8]) {
    let mut dst = vec![0u8; input.len()];
    g.bench_function("memcpy", |b| {
        b.iter(|| dst.copy_from_slice(black_box(input)))
    });
}

/// A benchmark group; 64 MiB rows take fewer samples.
fn group(c: &mut Criterion, name: String, size: usize) -> BenchmarkGroup<'_, WallTime> {
    let mut g = c.benchmark_group(name);
    if size >= 16 << 20 {
        g.sample_size(10);
    }
    g
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
