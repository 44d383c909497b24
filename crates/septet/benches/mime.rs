//! MIME parsing throughput: septet against mail-parser 0.11 and mailparse
//! 0.18, on three inputs:
//!
//! - `large`: a 20 MiB message (a 4 MiB quoted-printable text part, 2,000
//!   small parts, a 15 MiB base64 attachment);
//! - `many_parts`: one message with 10,000 small base64 parts;
//! - `small`: the CRLF corpus plus 200 generated ordinary messages, parsed
//!   one after another.
//!
//! Each input has two groups: `mime/<input>/parse` (structure and headers)
//! and `mime/<input>/parse_decode` (also the decoded body of every leaf).
//! mail-parser decodes every body while parsing, so its two rows do the same
//! work; mailparse decodes in `get_body_raw`. Throughput counts input bytes.
//! The comparison with mail-parser 1.0.1, which needs a newer rustc than
//! septet's, is in `crates/septet-peer-bench/benches/mime.rs`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

#[path = "common/mime_shapes.rs"]
mod mime_shapes;

#[path = "../tests/common/mime_gen.rs"]
#[allow(dead_code)]
mod mime_gen;

use mime_shapes::{large, many_parts};

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
