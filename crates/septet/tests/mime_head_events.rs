//! What the tokenizer publishes in its events (`Event::Field::role`,
//! `Event::HeadersEnd::head`) is its own reading of Content-Type and
//! Content-Transfer-Encoding, consistent with the parsed tree.

use septet::mime::{
    Cte, Event, FieldRole, HeadInfo, Kind, Limits, Message, Span, Step, Tokenizer, TransferEncoding,
};

fn events(input: &[u8]) -> Vec<Event> {
    let mut tok = Tokenizer::new(Limits::default());
    let mut out = Vec::new();
    while let Step::Event(e) = tok.next_event(&input[tok.offset() as usize..], true) {
        out.push(e);
    }
    out
}

fn heads(input: &[u8]) -> Vec<(Kind, HeadInfo)> {
    events(input)
        .into_iter()
        .filter_map(|e| match e {
            Event::HeadersEnd { kind, head, .. } => Some((kind, head)),
            _ => None,
        })
        .collect()
}

fn at(input: &[u8], s: Span) -> &str {
    std::str::from_utf8(&input[s.range()]).unwrap()
}

#[test]
fn field_roles_and_head() {
    let input = b"Content-Type: (c) Multipart/Mixed ; boundary=\"=_b\"\r\n\
                  Content-Type: text/plain\r\n\
                  Content-Transfer-Encoding: 7BIT\r\n\
                  Subject: x\r\n\r\n\
                  --=_b\r\nContent-Type: nonsense\r\n\
                  Content-Transfer-Encoding: X-UUencode (old)\r\n\r\nbody\r\n\
                  --=_b--\r\n";
    let roles: Vec<FieldRole> = events(input)
        .into_iter()
        .filter_map(|e| match e {
            Event::Field { role, .. } => Some(role),
            _ => None,
        })
        .collect();
    let FieldRole::ContentType(Some(m)) = roles[0] else {
        panic!("{:?}", roles[0]);
    };
    assert_eq!(
        (at(input, m.main), at(input, m.sub)),
        ("Multipart", "Mixed")
    );
    assert_eq!(at(input, m.params), " ; boundary=\"=_b\"");
    assert_eq!(m.boundary.map(|b| at(input, b)), Some("=_b"));
    assert!(m.is(input, 0, "multipart", "mixed"));
    // The repeated Content-Type does not count (it is flagged).
    assert_eq!(roles[1], FieldRole::Other);
    assert_eq!(roles[2], FieldRole::TransferEncoding(Cte::SevenBit));
    assert_eq!(roles[3], FieldRole::Other);
    assert_eq!(roles[4], FieldRole::ContentType(None));
    let FieldRole::TransferEncoding(Cte::Other(label)) = roles[5] else {
        panic!("{:?}", roles[5]);
    };
    assert_eq!(at(input, label), "X-UUencode");

    let heads = heads(input);
    assert_eq!(heads.len(), 2);
    assert_eq!(heads[0].0, Kind::Multipart);
    assert_eq!(heads[0].1.content_type, Some(m));
    assert_eq!(heads[0].1.transfer_encoding, Cte::SevenBit);
    assert_eq!(heads[1].1.content_type, None);
    assert_eq!(
        heads[1].1.transfer_encoding.to_transfer_encoding(input, 0),
        TransferEncoding::Other("x-uuencode".into())
    );
}

#[test]
fn boundary_span_only_when_written_in_one_piece() {
    let sections = b"Content-Type: multipart/mixed; boundary*0=a; boundary*1=b\r\n\r\n--ab--\r\n";
    let head = heads(sections)[0].1;
    assert_eq!(head.content_type.and_then(|m| m.boundary), None);
    let padded = b"Content-Type: multipart/mixed; boundary=\"x \"\r\n\r\n--x--\r\n";
    let m = heads(padded)[0].1.content_type.unwrap();
    assert_eq!(m.boundary.map(|b| at(padded, b)), Some("x"));
}

/// For every corpus message: the published head agrees with the parts.
#[test]
fn corpus_heads_agree_with_parts() {
    for form in ["crlf", "lf"] {
        let dir = format!("{}/../../corpus/{form}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "eml") {
                continue;
            }
            let input = std::fs::read(&path).unwrap();
            let msg = Message::parse(&input).unwrap();
            let heads = heads(&input);
            assert_eq!(heads.len(), msg.part_count(), "{}", path.display());
            for ((kind, head), part) in heads.iter().zip(msg.parts()) {
                let name = format!("{} [{}]", path.display(), part.section());
                assert_eq!(*kind, part.kind(), "{name}");
                let ct = part.content_type();
                match head.content_type {
                    Some(m) => {
                        let mut s = String::new();
                        m.mime_type_into(&input, 0, &mut s);
                        assert_eq!(s, ct.mime_type(), "{name}");
                        if let (Some(b), Kind::Multipart) = (m.boundary, kind) {
                            assert_eq!(Some(at(&input, b)), ct.param("boundary"), "{name}");
                        }
                    }
                    None => assert!(ct.is_default(), "{name}"),
                }
                let te = part
                    .header("content-transfer-encoding")
                    .map(|h| TransferEncoding::parse(h.raw_value()))
                    .unwrap_or(TransferEncoding::SevenBit);
                assert_eq!(
                    head.transfer_encoding.to_transfer_encoding(&input, 0),
                    te,
                    "{name}"
                );
            }
        }
    }
}
