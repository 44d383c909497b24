//! Parse + decode throughput: septet against mail-parser 1.0.1, on the two
//! shapes of issue 12 (built by `crates/septet/benches/common/mime_shapes.rs`):
//!
//! - `large`: about 20 MiB (a 4 MiB quoted-printable text part, 2,000 small
//!   parts, a 15 MiB base64 attachment);
//! - `many_parts`: 10,000 parts (9,999 small base64 parts), where per-part cost decides.
//!
//! `mime-peer/<shape>/parse` builds the tree only; `.../parse_decode` also
//! decodes the body of every leaf. mail-parser 1.0.1 decodes on access
//! (`MessagePart::decoded`), like septet's `Part::decoded_body`, so the two
//! rows of each group do the same work. Throughput counts input bytes.
//!
//! Run with `cargo bench -p septet-peer-bench --ignore-rust-version`
//! (mail-parser 1.0.1 declares rust-version 1.98; it builds unchanged on
//! older stable compilers). Set `SEPTET_FORCE_ISA=avx2` for the AVX2 rows.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../../septet/benches/common/mime_shapes.rs"]
mod mime_shapes;

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
    mail_parser::MessageParser::new()
        .parse(m)
        .map_or(0, |msg| msg.parts().len())
}

fn mail_parser_decode(m: &[u8]) -> usize {
    mail_parser::MessageParser::new().parse(m).map_or(0, |msg| {
        msg.parts()
            .filter(|p| !p.is_multipart() && !p.is_message())
            .map(|p| p.decoded().len())
            .sum()
    })
}

type Run = fn(&[u8]) -> usize;

fn group(c: &mut Criterion, name: &str, input: &[u8], rows: [(&str, Run); 2]) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(input.len() as u64));
    if input.len() > 4 << 20 {
        g.sample_size(10);
    }
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for (label, run) in rows {
        g.bench_function(label, |b| b.iter(|| run(black_box(input))));
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let shapes = [
        ("large", mime_shapes::large()),
        ("many_parts", mime_shapes::many_parts()),
    ];
    for (name, input) in &shapes {
        // Both parsers must see the same parts, or the rows compare
        // different work.
        assert_eq!(septet_decode(input), mail_parser_decode(input), "{name}");
        group(
            c,
            &format!("mime-peer/{name}/parse"),
            input,
            [
                ("septet", septet_parse),
                ("mail-parser-1.0.1", mail_parser_parse),
            ],
        );
        group(
            c,
            &format!("mime-peer/{name}/parse_decode"),
            input,
            [
                ("septet", septet_decode),
                ("mail-parser-1.0.1", mail_parser_decode),
            ],
        );
    }
}

criterion_group!(peer, benches);
criterion_main!(peer);
