//! MIME parsing throughput: septet against mail-parser 0.11 and mailparse
//! 0.18, on three inputs:
//!
//! - `large`: a 20 MiB message (4 MiB of text, a small HTML part, a 15 MiB
//!   base64 attachment);
//! - `many_parts`: one message with 10,000 small parts (text, quoted-printable
//!   and base64);
//! - `small`: the CRLF corpus plus 200 generated ordinary messages, parsed
//!   one after another.
//!
//! Each input has two groups: `mime/<input>/parse` (structure and headers)
//! and `mime/<input>/parse_decode` (also the decoded body of every leaf).
//! mail-parser decodes every body while parsing, so its two rows do the same
//! work; mailparse decodes in `get_body_raw`. Throughput counts input bytes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

#[path = "../tests/common/mime_gen.rs"]
#[allow(dead_code)]
mod mime_gen;

fn large() -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: large\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_large_boundary\"\r\n\r\n".to_vec();
    m.extend_from_slice(b"--=_large_boundary\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    let line = "The quick brown fox jumps over the lazy dog -- 0123456789 grüße\r\n";
    while m.len() < 4 << 20 {
        m.extend_from_slice(line.as_bytes());
    }
    m.extend_from_slice(b"\r\n--=_large_boundary\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>see attachment</p>\r\n");
    m.extend_from_slice(b"--=_large_boundary\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n\r\n");
    let mut x = 0x9e37_79b9_u32;
    let data: Vec<u8> = (0..(15usize << 20) / 4 * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    m.extend_from_slice(septet::base64::encode_mime(&data).as_bytes());
    m.extend_from_slice(b"--=_large_boundary--\r\n");
    m
}

fn many_parts() -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"many\"\r\n\r\n".to_vec();
    for i in 0..9_999 {
        m.extend_from_slice(b"--many\r\n");
        match i % 3 {
            0 => m.extend_from_slice(format!("Content-Type: text/plain; charset=us-ascii\r\n\r\nPart {i}: a short line of text.\r\nAnd a second one.\r\n").as_bytes()),
            1 => m.extend_from_slice(format!("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPart {i}: gr=C3=BC=C3=9Fe aus K=C3=B6ln, soft=\r\nbreak.\r\n").as_bytes()),
            _ => m.extend_from_slice(format!("Content-Type: application/octet-stream; name=\"f{i}.bin\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"f{i}.bin\"\r\n\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\r\n").as_bytes()),
        }
    }
    m.extend_from_slice(b"--many--\r\n");
    m
}

fn small_set() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/crlf");
    let mut set: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| std::fs::read(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    let mut rng = mime_gen::Rng::new(99);
    for _ in 0..200 {
        set.push(mime_gen::message(
            &mut rng,
            mime_gen::GenOptions {
                crlf: true,
                hostile: false,
                max_depth: 3,
            },
        ));
    }
    set
}

fn septet_parse(m: &[u8]) -> usize {
    septet::mime::Message::parse(m).map_or(0, |msg| msg.part_count())
}

fn septet_decode(m: &[u8]) -> usize {
    let Ok(msg) = septet::mime::Message::parse(m) else {
        return 0;
    };
    msg.parts()
        .filter(|p| p.is_leaf())
        .map(|p| p.decoded_body().map_or(0, |b| b.len()))
        .sum()
}

fn mail_parser_parse(m: &[u8]) -> usize {
    mail_parser::MessageParser::default()
        .parse(m)
        .map_or(0, |msg| msg.parts.len())
}

fn mail_parser_decode(m: &[u8]) -> usize {
    mail_parser::MessageParser::default()
        .parse(m)
        .map_or(0, |msg| msg.parts.iter().map(|p| p.contents().len()).sum())
}

fn mailparse_parse(m: &[u8]) -> usize {
    mailparse::parse_mail(m).map_or(0, |p| p.subparts.len())
}

fn mailparse_decode(m: &[u8]) -> usize {
    fn walk(p: &mailparse::ParsedMail<'_>) -> usize {
        if p.subparts.is_empty() {
            p.get_body_raw().map_or(0, |b| b.len())
        } else {
            p.subparts.iter().map(walk).sum()
        }
    }
    mailparse::parse_mail(m).map_or(0, |p| walk(&p))
}

type Run = fn(&[u8]) -> usize;

fn group(c: &mut Criterion, name: &str, inputs: &[Vec<u8>], rows: [(&str, Run); 3]) {
    let bytes: usize = inputs.iter().map(Vec::len).sum();
    let mut g: BenchmarkGroup<'_, _> = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    if bytes > 1 << 20 {
        g.sample_size(10);
    }
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for (label, run) in rows {
        g.bench_function(label, |b| {
            b.iter(|| inputs.iter().map(|m| run(black_box(m))).sum::<usize>())
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let inputs = [
        ("large", vec![large()]),
        ("many_parts", vec![many_parts()]),
        ("small", small_set()),
    ];
    for (name, input) in &inputs {
        group(
            c,
            &format!("mime/{name}/parse"),
            input,
            [
                ("septet", septet_parse),
                ("mail-parser", mail_parser_parse),
                ("mailparse", mailparse_parse),
            ],
        );
        group(
            c,
            &format!("mime/{name}/parse_decode"),
            input,
            [
                ("septet", septet_decode),
                ("mail-parser", mail_parser_decode),
                ("mailparse", mailparse_decode),
            ],
        );
    }
}

criterion_group!(mime, benches);
criterion_main!(mime);
