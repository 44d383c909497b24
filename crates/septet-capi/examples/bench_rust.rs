//! The Rust calls behind bench/bench_septet.c, timed the same way (best of
//! 200 runs on 1 MiB), for the C-versus-Rust ratio:
//! `cargo run --release -p septet-capi --example bench_rust`.

use std::time::{Duration, Instant};

use septet::{base64, qp};

const N: usize = 1 << 20;

fn bench(name: &str, len: usize, mut f: impl FnMut()) {
    let mut best = Duration::MAX;
    for _ in 0..200 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    println!(
        "{name:<20} {:8.0} MiB/s",
        len as f64 / best.as_secs_f64() / f64::from(1 << 20)
    );
}

fn main() {
    let mut x: u64 = 88172645463325252;
    let data: Vec<u8> = (0..N)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let mut enc = vec![0u8; 4 * N];
    let mut dec = vec![0u8; 4 * N];
    println!("kernels: {}", septet::simd::active());
    bench("base64_encode", N, || {
        base64::STANDARD.encode_to_slice(&data, &mut enc).unwrap();
    });
    let e = base64::STANDARD.encode(&data);
    bench("base64_decode", e.len(), || {
        base64::STANDARD
            .decode_to_slice(e.as_bytes(), &mut dec)
            .unwrap();
    });
    bench("base64_mime_encode", N, || {
        base64::MIME.encode_mime_to_slice(&data, &mut enc).unwrap();
    });
    let e = base64::MIME.encode_mime(&data);
    bench("base64_mime_decode", e.len(), || {
        base64::MIME
            .decode_to_slice(e.as_bytes(), &mut dec)
            .unwrap();
    });
    let text: Vec<u8> = (0..N)
        .map(|i| match () {
            _ if i % 61 == 60 => b'\n',
            _ if i % 97 == 0 => 0xE9,
            _ => b'a' + (i % 26) as u8,
        })
        .collect();
    let mut v = Vec::new();
    bench("qp_encode", N, || {
        v.clear();
        qp::TEXT.encode_into(&text, &mut v);
    });
    let q = qp::TEXT.encode(&text);
    // Into a slice, as septet_qp_decode does.
    bench("qp_decode", q.len(), || {
        qp::TEXT.decode_to_slice(&q, &mut dec).unwrap();
    });
}
