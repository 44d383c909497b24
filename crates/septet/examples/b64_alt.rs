//! Alternating timer for base64 at one size: septet (one kernel set) against
//! encodify and base64-turbo, one call of each per round, so that load from
//! other processes hits every side alike. Prints the best and median GB/s of
//! each side and septet's ratio to each peer.
//!
//! ```sh
//! cargo build --release -p septet --example b64_alt
//! taskset -c 1 target/release/examples/b64_alt avx2 1048576 400
//! ```
//!
//! Arguments: the kernel set (`scalar`, `avx2`, `avx512`), the raw payload
//! size in bytes, and the number of rounds. The operations and inputs are
//! those of `benches/base64.rs` (strict decode; MIME with 76-column CRLF
//! lines); the peers' MIME rows are not included here.

use std::hint::black_box;
use std::time::Instant;

use septet::base64::{Alphabet, Codec, MimeDecodeOptions};
use septet::simd::Isa;

fn payload(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

type Side<'a> = (&'a str, Box<dyn FnMut() -> usize + 'a>);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let isa = match args.get(1).map(String::as_str) {
        Some("scalar") => Isa::Scalar,
        Some("avx512") => Isa::Avx512,
        Some("neon") => Isa::Neon,
        _ => Isa::Avx2,
    };
    let size: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1 << 20);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(200);
    let Ok(codec) = Codec::with_isa(Alphabet::Standard, isa) else {
        eprintln!("this CPU cannot run {isa:?}");
        std::process::exit(2);
    };
    let raw = payload(size);
    let encoded = codec.encode(&raw).into_bytes();
    let mime = codec.encode_mime(&raw).into_bytes();
    let mut out = vec![0u8; mime.len() + 64];

    for (op, input) in [
        ("encode", &raw),
        ("decode", &encoded),
        ("mime-encode", &raw),
        ("mime-decode", &mime),
    ] {
        let out = out.as_mut_ptr();
        let len = mime.len() + 64;
        // SAFETY: each closure runs alone (one per round, in turn), so the
        // slices made from `out` never overlap in time.
        let buf = || unsafe { std::slice::from_raw_parts_mut(out, len) };
        let mut sides: Vec<Side> = match op {
            "encode" => vec![
                (
                    "septet",
                    Box::new(|| codec.encode_to_slice(black_box(input), buf()).unwrap()),
                ),
                (
                    "encodify",
                    Box::new(|| {
                        encodify::base64::STANDARD
                            .encode_slice(black_box(input), buf())
                            .unwrap()
                    }),
                ),
                (
                    "base64-turbo",
                    Box::new(|| {
                        base64_turbo::STANDARD
                            .encode_slice(black_box(input), buf())
                            .unwrap()
                    }),
                ),
            ],
            "decode" => vec![
                (
                    "septet",
                    Box::new(|| codec.decode_to_slice(black_box(input), buf()).unwrap()),
                ),
                (
                    "encodify",
                    Box::new(|| {
                        encodify::base64::STANDARD
                            .decode_slice(black_box(input), buf())
                            .unwrap()
                    }),
                ),
                (
                    "base64-turbo",
                    Box::new(|| {
                        base64_turbo::STANDARD
                            .decode_slice(black_box(input), buf())
                            .unwrap()
                    }),
                ),
            ],
            "mime-encode" => vec![
                (
                    "septet",
                    Box::new(|| codec.encode_mime_to_slice(black_box(input), buf()).unwrap()),
                ),
                (
                    "encodify",
                    Box::new(|| {
                        encodify::base64::MIME
                            .encode_slice(black_box(input), buf())
                            .unwrap()
                    }),
                ),
            ],
            _ => vec![
                (
                    "septet",
                    Box::new(|| {
                        codec
                            .decode_mime_to_slice_with(
                                black_box(input),
                                buf(),
                                MimeDecodeOptions::default(),
                            )
                            .unwrap()
                    }),
                ),
                (
                    "encodify",
                    Box::new(|| {
                        encodify::base64::MIME
                            .decode_slice(black_box(input), buf())
                            .unwrap()
                    }),
                ),
            ],
        };
        let mut times = vec![Vec::with_capacity(rounds); sides.len()];
        // The order rotates every round, so that no side always follows the
        // same other side (whose writes it would find in the cache).
        let n = sides.len();
        for round in 0..rounds {
            for k in 0..n {
                let i = (round + k) % n;
                let f = &mut sides[i].1;
                let t = Instant::now();
                black_box(f());
                times[i].push(t.elapsed().as_secs_f64());
            }
        }
        let gbs = |t: f64| input.len() as f64 / t / 1e9;
        let stats: Vec<(f64, f64)> = times
            .iter_mut()
            .map(|t| {
                t.sort_by(f64::total_cmp);
                (gbs(t[0]), gbs(t[t.len() / 2]))
            })
            .collect();
        let mut line = format!("{op:<12} {size:>9} B  septet-{isa:?}");
        for (i, (name, _)) in sides.iter().enumerate() {
            let (best, median) = stats[i];
            line += &format!("  {name} best {best:.2} med {median:.2} GB/s");
            if i > 0 {
                line += &format!(
                    " (septet/{name} best {:.3} med {:.3})",
                    stats[0].0 / best,
                    stats[0].1 / median
                );
            }
        }
        println!("{line}");
    }
}
