//! One test per item of the MIME edge-case list (mime-edge-cases.md; see
//! ARCHITECTURE.md (MIME parser) for the rule chosen for each): Edge cases 17-28 (multipart framing).
//! Test names start with the item number.

#[path = "common/mime_util.rs"]
#[allow(dead_code)]
mod mime_util;

use mime_util::*;
use septet::mime::{Event, Flags, Kind, Limits, Message, Step, Tokenizer};

#[test]
fn e17_line_break_before_delimiter_belongs_to_it() {
    let m = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nno break\r\n--b\r\n\r\none break\r\n\r\n--b--\r\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(nth(&msg, 1).body_raw(), b"no break");
    assert_eq!(nth(&msg, 2).body_raw(), b"one break\r\n");
}

#[test]
fn e18_transport_padding() {
    let m = b"Content-Type: multipart/mixed; boundary=p\n\n--p \t \n\npadded\n--p--\t \nepilogue";
    let msg = Message::parse(m).unwrap();
    assert_eq!(types(&msg), ["multipart/mixed", "text/plain"]);
    assert_eq!(nth(&msg, 1).body_raw(), b"padded");
    assert_eq!(msg.root().epilogue(), Some(&b"\nepilogue"[..]));
}

#[test]
fn e19_boundary_in_mid_line() {
    let m = b"Content-Type: multipart/mixed; boundary=m\n\n--m\n\ntext --m more\n --m\n--m--\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(nth(&msg, 1).body_raw(), b"text --m more\n --m");
}

#[test]
fn e20_boundary_followed_by_other_characters() {
    let m = b"Content-Type: multipart/mixed; boundary=s\n\n--s\n\n--sXYZ\n--s--X\n--s-\n--s--\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(msg.part_count(), 2);
    assert_eq!(nth(&msg, 1).body_raw(), b"--sXYZ\n--s--X\n--s-");
}

#[test]
fn e21_boundaries_that_are_prefixes_of_each_other() {
    let m = b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/mixed; boundary=xy\n\n--xy\nContent-Type: multipart/mixed; boundary=xyz\n\n--xyz\n\nd\n--xyz--\n--xy\n\nm\n--xy--\n--x\n\no\n--x--\n";
    let msg = Message::parse(m).unwrap();
    let bodies: Vec<_> = leaves(&msg)
        .iter()
        .map(|p| (p.section(), decoded(p)))
        .collect();
    assert_eq!(
        bodies,
        [
            ("1.1.1".to_string(), b"d".to_vec()),
            ("1.2".into(), b"m".to_vec()),
            ("2".into(), b"o".to_vec())
        ]
    );
}

#[test]
fn e22_outer_delimiter_closes_inner_multipart() {
    let m = b"Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\ninner\n--o\n\nafter\n--o--\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(
        types(&msg),
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/plain"
        ]
    );
    assert!(nth(&msg, 1)
        .flags()
        .contains(Flags::MISSING_CLOSE_DELIMITER));
    assert_eq!(nth(&msg, 2).body_raw(), b"inner");
    assert_eq!(nth(&msg, 3).body_raw(), b"after");
}

#[test]
fn e23_missing_close_delimiter() {
    let m =
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n--b\r\n\r\nlast\r\n";
    let msg = Message::parse(m).unwrap();
    assert!(msg.root().flags().contains(Flags::MISSING_CLOSE_DELIMITER));
    let last = nth(&msg, 2);
    assert!(last.flags().contains(Flags::TRUNCATED));
    // The final line break belongs to the missing delimiter (as in Python).
    assert_eq!(last.body_raw(), b"last");
    assert_eq!(last.range().end, m.len());
}

#[test]
fn e24_preamble_and_epilogue() {
    let m = b"Content-Type: multipart/mixed; boundary=pe\n\npreamble\n--pe-- not a delimiter\n--pe\n\npart\n--pe--\nepilogue\n--pe\n\nnot a part\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(msg.part_count(), 2);
    let root = msg.root();
    assert_eq!(
        root.preamble(),
        Some(&b"preamble\n--pe-- not a delimiter"[..])
    );
    assert_eq!(
        root.epilogue(),
        Some(&b"\nepilogue\n--pe\n\nnot a part\n"[..])
    );
}

#[test]
fn e25_multipart_without_usable_boundary() {
    let msg = Message::parse(b"Content-Type: multipart/mixed\n\n--b\n\nx\n--b--\n").unwrap();
    let root = msg.root();
    assert!(root.is_leaf() && root.kind() == Kind::Leaf);
    assert!(root.flags().contains(Flags::MISSING_BOUNDARY));
    let msg =
        Message::parse(b"Content-Type: multipart/mixed; boundary=never\n\njust text\n").unwrap();
    let root = msg.root();
    assert!(root.is_leaf());
    assert_eq!(root.kind(), Kind::Multipart);
    assert!(root.flags().contains(Flags::NO_PARTS));
    assert_eq!(decoded(&root), b"just text\n");
}

#[test]
fn e26_headerless_and_empty_parts() {
    let m = b"Content-Type: multipart/mixed; boundary=e\n\n--e\n\n--e\nContent-Type: text/html\n\n--e\n--e--\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(
        types(&msg),
        ["multipart/mixed", "text/plain", "text/html", "text/plain"]
    );
    assert!(leaves(&msg).iter().all(|p| p.body_raw().is_empty()));
}

#[test]
fn e27_boundary_syntax() {
    let dashes = b"Content-Type: multipart/mixed; boundary=\"-\"\n\n---\n\na\n----\n-----\n";
    let msg = Message::parse(dashes).unwrap();
    assert_eq!(nth(&msg, 1).body_raw(), b"a\n----");
    let empty = b"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n----\n";
    let msg = Message::parse(empty).unwrap();
    assert!(msg.root().flags().contains(Flags::MISSING_BOUNDARY));
    let spaced = b"Content-Type: multipart/mixed; boundary=\"a b=\"\n\n--a b=\n\nx\n--a b=--\n";
    assert_eq!(Message::parse(spaced).unwrap().part_count(), 2);
}

#[test]
fn e28_delimiter_search_skips_base64() {
    // Linear behaviour on near misses is in mime_adversarial.rs; here a
    // large base64 body with no `-` is one body event.
    let mut m =
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\n"
            .to_vec();
    m.extend_from_slice(septet::base64::encode_mime(&[7u8; 300_000]).as_bytes());
    m.extend_from_slice(b"--b--\n");
    let mut tok = Tokenizer::new(Limits::default());
    let mut bodies = 0;
    loop {
        match tok.next_event(&m[tok.offset() as usize..], true) {
            Step::Event(Event::Body(_)) => bodies += 1,
            Step::Event(_) => {}
            _ => break,
        }
    }
    assert_eq!(bodies, 1);
    assert_eq!(
        Message::parse(&m)
            .unwrap()
            .part(1)
            .unwrap()
            .decoded_body()
            .unwrap()
            .len(),
        300_000
    );
}
