//! The MIME parser on arbitrary input: no panic, sane ranges, every
//! accessor and decoder run on every part, and the tokenizer fed in small
//! chunks (as a streaming driver does) reports the same events as when fed
//! the whole input.
//!
//! Input: a byte choosing the chunk size (1..=64) and the limits (bit 7:
//! tiny limits, so the depth, part and header limits are hit), then the
//! message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use septet::mime::{Cte, Event, FieldRole, Limits, Message, Span, Step, Tokenizer};

fn events(input: &[u8], chunk: usize, limits: Limits) -> Vec<Event> {
    let mut tok = Tokenizer::new(limits);
    let mut received = 0;
    let mut out: Vec<Event> = Vec::new();
    loop {
        let from = tok.offset() as usize;
        assert!(from <= received);
        match tok.next_event(&input[from..received], received == input.len()) {
            Step::Event(e) => {
                // Coalesce the pieces a split may cut.
                match (out.last_mut(), e) {
                    (Some(Event::Body(a)), Event::Body(b))
                    | (Some(Event::Preamble(a)), Event::Preamble(b))
                    | (Some(Event::Epilogue(a)), Event::Epilogue(b)) => a.end = b.end,
                    _ => out.push(e),
                }
            }
            Step::NeedInput => {
                assert!(received < input.len(), "input requested after EOF");
                received = (received + chunk).min(input.len());
            }
            Step::Done => return out,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let limits = if selector & 0x80 != 0 {
        Limits {
            max_depth: 3,
            max_parts: 12,
            max_header_block: 200,
            max_header_fields: 8,
            ..Limits::default()
        }
    } else {
        Limits::default()
    };
    let chunk = usize::from(selector & 0x3f) + 1;

    let whole = events(input, input.len().max(1), limits);
    let mut pos = 0;
    for e in &whole {
        assert_eq!(e.span().start, pos, "events must tile the input");
        pos = e.span().end;
    }
    assert_eq!(pos, input.len() as u64);
    // What the tokenizer publishes about a field lies within its value.
    let inside = |s: Span, v: Span| v.start <= s.start && s.start <= s.end && s.end <= v.end;
    for e in &whole {
        if let Event::Field { value, role, .. } = *e {
            match role {
                FieldRole::ContentType(Some(m)) => {
                    assert!(
                        inside(m.main, value) && inside(m.sub, value) && inside(m.params, value)
                    );
                    assert!(m.boundary.is_none_or(|b| inside(b, value) && !b.is_empty()));
                }
                FieldRole::TransferEncoding(Cte::Other(s)) => assert!(inside(s, value)),
                _ => {}
            }
        }
    }
    assert_eq!(
        events(input, chunk, limits),
        whole,
        "chunked feeding changed the events"
    );

    let msg = Message::parse_with(input, limits).expect("only max_input is fatal");
    assert!(msg.part_count() >= 1 && msg.part_count() <= limits.max_parts);
    for p in msg.parts() {
        let (r, h, b) = (p.range(), p.header_range(), p.body_range());
        assert!(r.start <= h.start && h.end <= b.start && b.start <= b.end && b.end <= r.end);
        assert!(r.end <= input.len());
        assert!(p.depth() <= limits.max_depth);
        let (bytes, _) = p.decode_body();
        assert!(bytes.len() <= p.body_raw().len());
        let _ = (
            p.text(),
            p.filename(),
            p.section(),
            p.disposition(),
            p.transfer_encoding(),
        );
        let ct = p.content_type();
        let _ = (ct.mime_type(), ct.params().count());
        for h in p.headers() {
            let _ = (h.decoded_with_flags(), h.unfolded());
        }
        for c in p.children() {
            assert_eq!(c.parent().map(|x| x.index()), Some(p.index()));
        }
    }
});
