//! The tokenizer gives the same events however its input is split, its
//! events tile the input, and a streaming driver needs bounded memory.

#[path = "common/mime_gen.rs"]
#[allow(dead_code)]
mod mime_gen;

use mime_gen::{GenOptions, Rng};
use septet::mime::{Event, Limits, Span, Step, Tokenizer, MAX_DELIMITER_LOOKAHEAD};

/// Runs the tokenizer, revealing the input up to each cut in turn (the
/// driver passes `input[offset..received]`). Returns the events and the
/// most bytes it ever had to keep.
fn run(input: &[u8], cuts: impl IntoIterator<Item = usize>, limits: Limits) -> (Vec<Event>, usize) {
    let mut tok = Tokenizer::new(limits);
    let mut cuts = cuts.into_iter().chain(std::iter::once(input.len()));
    let mut received = 0;
    let mut events = Vec::new();
    let mut kept = 0;
    loop {
        let from = tok.offset() as usize;
        assert!(from <= received, "offset past the input received");
        kept = kept.max(received - from);
        match tok.next_event(&input[from..received], received == input.len()) {
            Step::Event(e) => events.push(e),
            Step::NeedInput => {
                let next = cuts.next().expect("asked for input after EOF");
                received = next.clamp(received, input.len());
            }
            Step::Done => break,
        }
        assert!(events.len() < 10 * input.len() + 100, "no progress");
    }
    (events, kept)
}

/// Joins adjacent body/preamble/epilogue pieces (the only events a split
/// may divide).
fn coalesce(events: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in events {
        let merged = match (out.last_mut(), e) {
            (Some(Event::Body(a)), Event::Body(b))
            | (Some(Event::Preamble(a)), Event::Preamble(b))
            | (Some(Event::Epilogue(a)), Event::Epilogue(b)) => {
                assert_eq!(a.end, b.start);
                a.end = b.end;
                true
            }
            _ => false,
        };
        if !merged {
            out.push(e);
        }
    }
    out
}

fn check_tiling(input: &[u8], events: &[Event]) {
    let mut pos = 0;
    for e in events {
        let Span { start, end } = e.span();
        assert_eq!(start, pos, "gap or overlap at {e:?}");
        assert!(end >= start);
        pos = end;
    }
    assert_eq!(pos, input.len() as u64, "events do not cover the input");
}

fn check_all_splits(input: &[u8]) {
    let limits = Limits::default();
    let (whole, _) = run(input, [], limits);
    check_tiling(input, &whole);
    let whole = coalesce(whole);
    for k in 0..=input.len() {
        let (split, _) = run(input, [k], limits);
        assert_eq!(
            coalesce(split),
            whole,
            "split at {k} of {:?}",
            String::from_utf8_lossy(input)
        );
    }
    let (bytewise, _) = run(input, 0..input.len(), limits);
    assert_eq!(coalesce(bytewise), whole, "byte by byte");
}

const SAMPLES: &[&[u8]] = &[
    b"",
    b"\n",
    b"\r\n",
    b"\r",
    b"Subject: x",
    b"Subject: x\r\n",
    b"Subject: x\r\n folded\r\n\r\nbody",
    b"no header line\nbody\n",
    b"Content-Type: multipart/mixed; boundary=b\n\npre\n--b\n\nA\n--b\nContent-Type: text/html\n\nB\n--b--\nepi\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n\r\nx\r\n--b--",
    b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b--\n",
    b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nunterminated\n",
    b"Content-Type: multipart/mixed; boundary=b\n\n--bX\n--b-\n--b--X\n--b \t\nreal\n--b--\t\n",
    b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/mixed; boundary=xy\n\n--xy\n\nin\n--x\n\nout\n--x--\n",
    b"Content-Type: message/rfc822\n\nSubject: inner\nContent-Type: multipart/alternative; boundary=\"q\"\n\n--q\n\na\n--q--\n",
    b"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: m1\n\nbody1\n--d\n\nSubject: m2\n\nbody2\n--d--\n",
    b"Content-Type: multipart/mixed; boundary=-\n\n---\n\na\n----\n-----\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX: \xc3\xa9\r\n\r\n\r\n--b--\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\n-\n--\n--b\r\r\n--b--",
];

#[test]
fn every_split_gives_the_same_events() {
    for sample in SAMPLES {
        check_all_splits(sample);
        check_all_splits(&mime_gen::lf_to_crlf(sample));
    }
}

#[test]
fn generated_messages_split_anywhere() {
    let mut rng = Rng::new(7);
    for i in 0..60 {
        let opts = GenOptions {
            crlf: i % 2 == 0,
            hostile: i % 3 != 0,
            max_depth: 3,
        };
        let msg = mime_gen::message(&mut rng, opts);
        if msg.len() > 6000 {
            continue;
        }
        check_all_splits(&msg);
    }
}

#[test]
fn streaming_memory_is_bounded() {
    // A large message fed in 4 KiB chunks keeps at most a header block or a
    // delimiter lookahead, plus one chunk.
    let mut msg = b"Content-Type: multipart/mixed; boundary=\"bound\"\r\n\r\n".to_vec();
    for i in 0..200 {
        msg.extend_from_slice(b"--bound\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        msg.extend_from_slice(septet::base64::encode_mime(&vec![i as u8; 20_000]).as_bytes());
        msg.extend_from_slice(b"--boun\r\n--bound");
        msg.extend_from_slice(&[b' '; 500]);
        msg.extend_from_slice(b"X\r\n");
    }
    msg.extend_from_slice(b"--bound--\r\n");
    let chunk = 4096;
    let (events, kept) = run(&msg, (chunk..msg.len()).step_by(chunk), Limits::default());
    assert!(kept <= chunk + MAX_DELIMITER_LOOKAHEAD, "kept {kept}");
    let parts = events
        .iter()
        .filter(|e| matches!(e, Event::PartStart { .. }))
        .count();
    assert_eq!(parts, 201);
    let (whole, _) = run(&msg, [], Limits::default());
    assert_eq!(coalesce(events), coalesce(whole));
}

#[test]
fn header_lookahead_is_bounded_by_the_limit() {
    let limits = Limits {
        max_header_block: 1000,
        ..Limits::default()
    };
    let mut msg = b"X-Long: ".to_vec();
    msg.extend(std::iter::repeat_n(b'a', 5000));
    msg.extend_from_slice(b"\r\n\r\nbody");
    let (events, kept) = run(&msg, (1..msg.len()).step_by(100), limits);
    assert!(kept <= 1000 + 100, "kept {kept}");
    let (whole, _) = run(&msg, [], limits);
    assert_eq!(coalesce(events), coalesce(whole));
}
