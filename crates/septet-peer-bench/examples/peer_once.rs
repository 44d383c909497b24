//! One parse + decode of one shape by one side, for instruction counts:
//! `valgrind --tool=callgrind --toggle-collect='*work*' peer_once <large|many_parts> <septet|mail-parser>`
//! counts only the work (the shape is built outside `work`). Build with
//! `cargo build --release -p septet-peer-bench --example peer_once --ignore-rust-version`.
//!
//! `peer_once <shape> alt <rounds>` times the two sides alternately instead
//! (one call each per round) and prints the best and median of each and
//! their ratio: on a loaded machine the best of many alternating rounds is
//! the figure least disturbed by other processes.

use std::hint::black_box;

#[path = "../../septet/benches/common/mime_shapes.rs"]
mod mime_shapes;

#[inline(never)]
fn work_septet(m: &[u8]) -> usize {
    let Ok(msg) = septet::mime::Message::parse(m) else {
        return 0;
    };
    msg.parts()
        .filter(|p| p.is_leaf())
        .map(|p| p.decoded_body().map_or(0, |b| b.len()))
        .sum()
}

#[inline(never)]
fn work_mail_parser(m: &[u8]) -> usize {
    mail_parser::MessageParser::new().parse(m).map_or(0, |msg| {
        msg.parts()
            .filter(|p| !p.is_multipart() && !p.is_message())
            .map(|p| p.decoded().len())
            .sum()
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let input = match args.get(1).map(String::as_str) {
        Some("many_parts") => mime_shapes::many_parts(),
        _ => mime_shapes::large(),
    };
    if args.get(2).map(String::as_str) == Some("alt") {
        let rounds = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(40);
        return alternate(&input, rounds);
    }
    let reps: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut total = 0;
    for _ in 0..reps {
        total += match args.get(2).map(String::as_str) {
            Some("mail-parser") => work_mail_parser(black_box(&input)),
            _ => work_septet(black_box(&input)),
        };
    }
    println!("{} bytes in, {total} decoded", input.len());
}

/// Best and median of each side over `rounds` alternating calls.
fn alternate(input: &[u8], rounds: usize) {
    let time = |f: fn(&[u8]) -> usize| {
        let t = std::time::Instant::now();
        black_box(f(black_box(input)));
        t.elapsed().as_secs_f64() * 1e3
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        a.push(time(work_septet));
        b.push(time(work_mail_parser));
    }
    for v in [&mut a, &mut b] {
        v.sort_by(f64::total_cmp);
    }
    let (sa, sb) = (a[0], b[0]);
    let (ma, mb) = (a[rounds / 2], b[rounds / 2]);
    println!(
        "{} bytes: septet best {sa:.3} ms median {ma:.3} ms; mail-parser 1.0.1 best {sb:.3} ms median {mb:.3} ms; \
         ratio (peer/septet) best {:.2} median {:.2}",
        input.len(),
        sb / sa,
        mb / ma
    );
}
