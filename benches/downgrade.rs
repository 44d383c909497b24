//! Downgrade throughput: a multipart with an 8-bit text part and a binary
//! attachment (re-encoded), and a 7-bit message (passed through).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use septet::downgrade::{Downgrader, Options};

fn message(binary: bool, size: usize) -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nSubject: bench\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    while m.len() < size / 4 {
        m.extend_from_slice("Grüße aus Köln, a line of mostly ASCII text.\r\n".as_bytes());
    }
    m.extend_from_slice(b"--b\r\nContent-Type: application/octet-stream\r\n");
    if binary {
        m.extend_from_slice(b"Content-Transfer-Encoding: binary\r\n\r\n");
        let mut x = 0x1234_5678u32;
        while m.len() < size {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            m.push(x as u8);
        }
    } else {
        m.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n\r\n");
        while m.len() < size {
            m.extend_from_slice(
                b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n",
            );
        }
    }
    m.extend_from_slice(b"\r\n--b--\r\n");
    m
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("downgrade");
    for (name, binary) in [("8bit+binary", true), ("7bit+base64", false)] {
        let msg = message(binary, 8 << 20);
        g.throughput(Throughput::Bytes(msg.len() as u64));
        let mut out = Vec::with_capacity(msg.len() * 3 / 2);
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let mut d = Downgrader::new(Options::default());
                for chunk in msg.chunks(1 << 20) {
                    d.feed(chunk, &mut out).unwrap();
                }
                d.finish(&mut out).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
