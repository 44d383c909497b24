//! Hostile inputs: deep nesting, huge part counts, long parameter lists,
//! near-miss delimiters. Sizes are large enough that quadratic behaviour
//! would not finish in reasonable time; the assertions are on structure
//! only (performance is measured in benches, never asserted here).

use septet::mime::{decode_header_text, Flags, Kind, Limits, Message};

fn wide_limits() -> Limits {
    Limits {
        max_header_block: 4 << 20,
        ..Limits::default()
    }
}

#[test]
fn fifty_thousand_nested_multiparts() {
    let n = 50_000;
    let mut m = Vec::new();
    for i in 0..n {
        m.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n").as_bytes(),
        );
    }
    m.extend_from_slice(b"\r\ninnermost\r\n");
    for i in (0..n).rev() {
        m.extend_from_slice(format!("--b{i}--\r\n").as_bytes());
    }
    let msg = Message::parse(&m).unwrap();
    let limits = Limits::default();
    // Containers at depths 0..max_depth, then one flagged leaf.
    assert_eq!(msg.part_count(), limits.max_depth + 1);
    let deepest = msg.parts().last().unwrap();
    assert_eq!(deepest.depth(), limits.max_depth);
    assert_eq!(deepest.kind(), Kind::Leaf);
    assert!(deepest.flags().contains(Flags::DEPTH_LIMIT));
    // Every container was closed by its own close delimiter.
    assert!(msg
        .parts()
        .all(|p| !p.flags().contains(Flags::MISSING_CLOSE_DELIMITER)));
    assert_eq!(msg.root().section(), "");
    assert_eq!(deepest.section(), vec!["1"; limits.max_depth].join("."));
}

#[test]
fn fifty_thousand_nested_messages() {
    let n = 50_000;
    let mut m = b"Content-Type: message/rfc822\n\n".repeat(n);
    m.extend_from_slice(b"Subject: bottom\n\nbody\n");
    let msg = Message::parse(&m).unwrap();
    assert_eq!(msg.part_count(), 101);
    let last = msg.parts().last().unwrap();
    assert!(last.flags().contains(Flags::DEPTH_LIMIT));
    assert!(last.body_raw().ends_with(b"Subject: bottom\n\nbody\n"));
}

#[test]
fn deep_unterminated_nesting_closed_by_outer_delimiters() {
    // Every level opens a multipart and never closes it; one outer
    // delimiter at the end closes them all at once.
    let mut m = b"Content-Type: multipart/mixed; boundary=top\n\n--top\n".to_vec();
    for i in 0..90 {
        m.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=in{i}\n\n--in{i}\n").as_bytes(),
        );
    }
    m.extend_from_slice(b"\nleaf\n--top\n\nsecond\n--top--\n");
    let msg = Message::parse(&m).unwrap();
    let second = msg.root().children().nth(1).unwrap();
    assert_eq!(second.body_raw(), b"second");
    let unterminated = msg
        .parts()
        .filter(|p| p.flags().contains(Flags::MISSING_CLOSE_DELIMITER))
        .count();
    assert_eq!(unterminated, 90);
}

fn many_parts(n: usize) -> Vec<u8> {
    let mut m = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec();
    for i in 0..n {
        m.extend_from_slice(format!("--x\r\n\r\n{i}\r\n").as_bytes());
    }
    m.extend_from_slice(b"--x--\r\n");
    m
}

#[test]
fn hundred_thousand_boundaries_hit_the_part_limit() {
    let m = many_parts(100_000);
    let msg = Message::parse(&m).unwrap();
    assert_eq!(msg.part_count(), Limits::default().max_parts);
    let last = msg.parts().last().unwrap();
    assert!(last.flags().contains(Flags::PART_LIMIT));
    // The rest of the input is that part's body, unparsed.
    assert!(last.body_raw().ends_with(b"--x--\r\n"));
    assert_eq!(last.range().end, m.len());
}

#[test]
fn hundred_thousand_boundaries_with_a_raised_limit() {
    let m = many_parts(100_000);
    let limits = Limits {
        max_parts: 1_000_000,
        ..Limits::default()
    };
    let msg = Message::parse_with(&m, limits).unwrap();
    assert_eq!(msg.part_count(), 100_001);
    let last = msg.parts().last().unwrap();
    assert_eq!(last.body_raw(), b"99999");
    assert_eq!(last.section(), "100000");
}

#[test]
fn near_miss_delimiter_lines() {
    let mut m = b"Content-Type: multipart/mixed; boundary=boundary\n\n--boundary\n\n".to_vec();
    for _ in 0..200_000 {
        m.extend_from_slice(b"--boundarX\n--boundaryX\n--boundary--X\n-\n--\n");
    }
    m.extend_from_slice(b"--boundary--\n");
    let msg = Message::parse(&m).unwrap();
    assert_eq!(msg.part_count(), 2);
    let part = msg.root().children().next().unwrap();
    // Every near-miss line is body; the last line break belongs to the delimiter.
    assert_eq!(part.body_raw().len(), 200_000 * 42 - 1);
}

#[test]
fn long_transport_padding_is_not_a_delimiter() {
    let mut m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b".to_vec();
    m.extend(std::iter::repeat_n(b' ', 1_000_000));
    m.extend_from_slice(b"\n--b--\n");
    let msg = Message::parse(&m).unwrap();
    assert_eq!(msg.part_count(), 2);
    assert!(msg.part(1).unwrap().body_raw().len() > 1_000_000);
}

#[test]
fn semicolons_and_long_parameter_lists() {
    let mut ct = b"Content-Type: multipart/mixed".to_vec();
    ct.extend(std::iter::repeat_n(b';', 100_000));
    for i in 0..100_000 {
        ct.extend_from_slice(format!("; p{i}=v{i}").as_bytes());
    }
    for i in (0..50_000).rev() {
        ct.extend_from_slice(format!("; boundary*{i}=b").as_bytes());
    }
    ct.extend_from_slice(b"\r\n\r\n");
    let boundary = "b".repeat(50_000);
    // Longer than the longest boundary accepted: a flagged leaf.
    let msg = Message::parse_with(&ct, wide_limits()).unwrap();
    let root = msg.root();
    assert!(root.flags().contains(Flags::MISSING_BOUNDARY));
    let params = root.content_type();
    assert_eq!(params.params().count(), 100_001);
    assert_eq!(params.param("p99999"), Some("v99999"));
    assert_eq!(params.param("boundary"), Some(boundary.as_str()));
}

#[test]
fn many_rfc2231_sections_in_a_filename() {
    let mut m = b"Content-Disposition: attachment".to_vec();
    for i in (0..100_000).rev() {
        m.extend_from_slice(format!("; filename*{i}*=%41").as_bytes());
    }
    m.extend_from_slice(b"\n\nx");
    let msg = Message::parse_with(&m, wide_limits()).unwrap();
    assert_eq!(msg.root().filename().unwrap().len(), 100_000);
}

#[test]
fn nested_comments_and_quotes() {
    let mut m = b"Content-Type: ".to_vec();
    m.extend(std::iter::repeat_n(b'(', 300_000));
    m.extend_from_slice(b"\nContent-Disposition: attachment; filename=\"");
    m.extend(std::iter::repeat_n(b'\\', 300_000));
    m.extend_from_slice(b"\n\nbody");
    let msg = Message::parse_with(&m, wide_limits()).unwrap();
    let root = msg.root();
    assert_eq!(root.content_type().mime_type(), "text/plain");
    assert!(root.flags().contains(Flags::INVALID_CONTENT_TYPE));
    assert_eq!(root.filename().unwrap().len(), 150_000);
    assert_eq!(root.body_raw(), b"body");
}

#[test]
fn header_floods_hit_the_limits() {
    let mut m = b"X: y\r\n".repeat(100_000);
    m.extend_from_slice(b"\r\nbody");
    let msg = Message::parse(&m).unwrap();
    let root = msg.root();
    assert_eq!(root.headers().len(), Limits::default().max_header_fields);
    assert!(root.flags().contains(Flags::HEADER_LIMIT));
    assert!(root.body_raw().ends_with(b"\r\nbody"));

    let mut m = b"Subject: ".to_vec();
    m.extend(std::iter::repeat_n(b'a', 1 << 20));
    m.extend_from_slice(b"\r\n\r\nbody");
    let msg = Message::parse(&m).unwrap();
    assert!(msg.root().flags().contains(Flags::HEADER_LIMIT));
    assert_eq!(msg.root().headers().len(), 0);
}

#[test]
fn encoded_word_floods() {
    let unclosed = "=?utf-8?q?".repeat(200_000);
    assert_eq!(decode_header_text(unclosed.as_bytes()).0, unclosed);
    let spaced = "=?utf-8?q?a b ".repeat(200_000);
    assert_eq!(decode_header_text(spaced.as_bytes()).0.len(), spaced.len());
    let words = "=?utf-8?q?a?= ".repeat(200_000);
    assert_eq!(
        decode_header_text(words.as_bytes()).0,
        "a".repeat(200_000) + " "
    );
    let charsets = "=?".to_string() + &"x".repeat(1_000_000);
    assert_eq!(
        decode_header_text(charsets.as_bytes()).0.len(),
        charsets.len()
    );
}

#[test]
fn dash_floods() {
    let mut m = b"Content-Type: multipart/mixed; boundary=-\n\n".to_vec();
    m.extend(std::iter::repeat_n(b'-', 1 << 20));
    m.extend_from_slice(&b"\n--".repeat(300_000));
    let msg = Message::parse(&m).unwrap();
    assert!(msg.root().flags().contains(Flags::NO_PARTS));
    let limits = Limits {
        max_parts: 1 << 20,
        ..Limits::default()
    };
    let twice = b"Content-Type: multipart/mixed; boundary=-\n\n---\n".repeat(2);
    let msg = Message::parse_with(&twice, limits).unwrap();
    assert_eq!(msg.part_count(), 3);
}
