//! One test per item of the MIME edge-case list (mime-edge-cases.md; see
//! ARCHITECTURE.md (MIME parser) for the rule chosen for each): Edge cases 1-16 (headers, Content-Type, parameters, file names).
//! Test names start with the item number.

#[path = "common/mime_util.rs"]
#[allow(dead_code)]
mod mime_util;

use mime_util::*;
use septet::mime::{Flags, Kind, Limits, Message, TransferEncoding};

#[test]
fn e01_crlf_lf_and_mixed_line_breaks() {
    let lf = NESTED.as_bytes().to_vec();
    let crlf = NESTED.replace('\n', "\r\n").into_bytes();
    let mixed: Vec<u8> = NESTED
        .split_inclusive('\n')
        .enumerate()
        .flat_map(|(i, l)| {
            if i % 2 == 0 {
                l.replace('\n', "\r\n").into_bytes()
            } else {
                l.as_bytes().to_vec()
            }
        })
        .collect();
    let lf_msg = Message::parse(&lf).unwrap();
    for other in [&crlf, &mixed] {
        let msg = Message::parse(other).unwrap();
        assert_eq!(types(&msg), types(&lf_msg));
        for (a, b) in leaves(&msg).iter().zip(leaves(&lf_msg)) {
            let norm: Vec<u8> = decoded(a).into_iter().filter(|&c| c != b'\r').collect();
            assert_eq!(norm, decoded(&b));
            assert_eq!(a.flags(), b.flags());
        }
    }
    // No stray CR: the CR of a CRLF before a delimiter belongs to it.
    let msg = Message::parse(&crlf).unwrap();
    assert_eq!(nth(&msg, 1).body_raw(), b"line 1\r\nline 2");
}

#[test]
fn e02_folding_inside_parameters() {
    let m = b"Content-Type: multipart/mixed; boundary=\r\n \"x\";\r\n\tcharset=utf-8\r\n\r\n--x\r\n\r\nbody\r\n--x--\r\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(types(&msg), ["multipart/mixed", "text/plain"]);
    assert_eq!(msg.root().content_type().param("charset"), Some("utf-8"));
    assert_eq!(
        &*msg.root().header("content-type").unwrap().unfolded(),
        b"multipart/mixed; boundary= \"x\";\tcharset=utf-8"
    );
}

#[test]
fn e03_field_names() {
    let msg = Message::parse(b"Subject : spaced\r\nContent-Type\t: text/html\r\n\r\nx").unwrap();
    let root = msg.root();
    assert_eq!(root.header("subject").unwrap().name(), b"Subject");
    assert_eq!(root.content_type().mime_type(), "text/html");
    // `Sub ject` is not `Subject`: it is not a field, so the body starts.
    let msg = Message::parse(b"From: a\r\nSub ject: evil\r\nSubject: real\r\n\r\nx").unwrap();
    let root = msg.root();
    assert!(root.header("subject").is_none());
    assert!(root.flags().contains(Flags::NO_BLANK_LINE));
    assert!(root.body_raw().starts_with(b"Sub ject: evil"));
}

#[test]
fn e04_no_blank_line_after_headers() {
    let m = b"Subject: x\nnot a header\nmore\n";
    let msg = Message::parse(m).unwrap();
    let root = msg.root();
    assert_eq!(root.body_raw(), b"not a header\nmore\n");
    assert!(root.flags().contains(Flags::NO_BLANK_LINE));
    assert_eq!(root.header_text("subject").unwrap(), "x");
}

#[test]
fn e05_no_header_block() {
    let msg = Message::parse(b"\r\nhello\r\n").unwrap();
    let root = msg.root();
    assert_eq!(root.headers().len(), 0);
    assert_eq!(root.content_type().mime_type(), "text/plain");
    assert_eq!(root.body_raw(), b"hello\r\n");
    assert!(root.flags().is_empty());
}

#[test]
fn e06_empty_headers_only_and_no_final_line_break() {
    for m in [&b""[..], b"\n", b"\r\n", b"\r"] {
        let msg = Message::parse(m).unwrap();
        assert_eq!(msg.part_count(), 1);
        assert_eq!(msg.root().body_raw(), b"");
    }
    let msg = Message::parse(b"Subject: a\r\nX-Last: kept").unwrap();
    assert_eq!(msg.root().header_text("x-last").unwrap(), "kept");
    assert_eq!(msg.root().body_raw(), b"");
    let msg = Message::parse(b"Subject: a\r\n\r\nbody without line break").unwrap();
    assert_eq!(msg.root().body_raw(), b"body without line break");
}

#[test]
fn e07_eight_bit_headers() {
    let m = b"Subject: Gr\xc3\xbc\xc3\x9fe\r\nX-Latin: caf\xe9\r\n\r\n";
    let msg = Message::parse(m).unwrap();
    let root = msg.root();
    assert!(root.flags().contains(Flags::EIGHT_BIT_HEADER));
    assert_eq!(root.header_text("subject").unwrap(), "Grüße");
    assert_eq!(root.header_text("x-latin").unwrap(), "café");
    assert_eq!(root.header("x-latin").unwrap().raw_value(), b" caf\xe9");
    let koi = Message::parse(b"X: \xf0\xd2\xc9\xd7\xc5\xd4\r\n\r\n")
        .unwrap()
        .with_legacy_charset(encoding_rs::KOI8_R);
    assert_eq!(koi.root().header_text("x").unwrap(), "Привет");
}

#[test]
fn e08_encoded_words() {
    let m = b"Subject: =?UTF-8?b?4oI=?=  =?utf-8?B?rA==?= =?ISO-8859-1?Q?caf=E9?= \"=?utf-8?q?in_quotes?=\" =?x-bogus?q?raw?=\r\n\r\n";
    let msg = Message::parse(m).unwrap();
    let (text, flags) = msg.root().header("subject").unwrap().decoded_with_flags();
    assert_eq!(text, "\u{20ac}café \"in quotes\" =?x-bogus?q?raw?=");
    assert!(flags.contains(Flags::UNKNOWN_CHARSET));
    let (text, flags) = septet::mime::decode_header_text(b"=?utf-8?b?QU*JD?=");
    assert_eq!(text, "ABC");
    assert!(flags.contains(Flags::BAD_ENCODED_WORD));
}

#[test]
fn e09_duplicate_content_type_and_encoding_first_wins() {
    let m = b"Content-Type: text/plain\nContent-Type: text/html\nContent-Transfer-Encoding: 7bit\nContent-Transfer-Encoding: base64\n\nQUJD\n";
    let msg = Message::parse(m).unwrap();
    let root = msg.root();
    assert_eq!(root.content_type().mime_type(), "text/plain");
    assert_eq!(root.transfer_encoding(), TransferEncoding::SevenBit);
    assert_eq!(decoded(&root), b"QUJD\n");
    assert!(root
        .flags()
        .contains(Flags::DUPLICATE_CONTENT_TYPE | Flags::DUPLICATE_TRANSFER_ENCODING));
    // The structure follows the same rule: a later multipart type is ignored.
    let m =
        b"Content-Type: text/plain\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n";
    assert_eq!(Message::parse(m).unwrap().part_count(), 1);
}

#[test]
fn e10_header_limits() {
    // See also mime_adversarial.rs (`;;;;`, floods).
    let limits = Limits {
        max_header_block: 64,
        ..Limits::default()
    };
    let m = b"A: 1\r\nB: 2\r\nC: this field crosses the sixty-four byte limit of the header block\r\n\r\nbody";
    let msg = Message::parse_with(m, limits).unwrap();
    let root = msg.root();
    assert_eq!(root.headers().len(), 2);
    assert!(root.flags().contains(Flags::HEADER_LIMIT));
    assert!(root.body_raw().starts_with(b"C: this field"));
}

#[test]
fn e11_case_and_comments_in_content_type() {
    let m = b"Content-Type: (c) MULTIPART (x) / Mixed (y); (z) BOUNDARY = \"cm\"\n\n--cm\nContent-Type: image/ JPEG\n\n\n--cm\nContent-Type:  message / rfc822 \n\nSubject: in\n\nbody\n--cm--\n";
    let msg = Message::parse(m).unwrap();
    assert_eq!(
        types(&msg),
        [
            "multipart/mixed",
            "image/jpeg",
            "message/rfc822",
            "text/plain"
        ]
    );
}

#[test]
fn e12_default_types() {
    let msg = Message::parse(b"Subject: x\n\nbody").unwrap();
    let ct = msg.root().content_type();
    assert!(ct.is_default());
    assert_eq!(
        (ct.mime_type().as_str(), ct.charset()),
        ("text/plain", Some("us-ascii"))
    );
    let digest = b"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: m\n\nbody\n--d\nContent-Type: text/plain\n\nexplicit\n--d--\n";
    let msg = Message::parse(digest).unwrap();
    assert_eq!(
        types(&msg),
        [
            "multipart/digest",
            "message/rfc822",
            "text/plain",
            "text/plain"
        ]
    );
    assert_eq!(nth(&msg, 1).kind(), Kind::Message);
}

#[test]
fn e13_invalid_content_type_means_text_plain() {
    for ct in [
        "text",
        "/plain",
        "text/",
        "\"text/html\"",
        "text/plain/html?",
    ] {
        let m = format!("Content-Type: {ct}\n\nx");
        let msg = Message::parse(m.as_bytes()).unwrap();
        let t = msg.root().content_type().mime_type();
        assert!(
            t == "text/plain" || ct.starts_with("text/plain"),
            "{ct}: {t}"
        );
    }
    let msg = Message::parse(b"Content-Type: garbage\n\nx").unwrap();
    assert!(msg.root().flags().contains(Flags::INVALID_CONTENT_TYPE));
    assert!(msg.root().content_type().is_default());
}

#[test]
fn e14_quoted_strings_and_tspecials() {
    let m = b"Content-Type: multipart/mixed; boundary===--27089--==; id=<<001-3e1d>>; q=\"a\\\"b\\\\c\"\n\n--==--27089--==\n\nx\n--==--27089--==--\n";
    let msg = Message::parse(m).unwrap();
    let ct = msg.root().content_type();
    assert_eq!(ct.param("boundary"), Some("==--27089--=="));
    assert_eq!(ct.param("id"), Some("<<001-3e1d>>"));
    assert_eq!(ct.param("q"), Some("a\"b\\c"));
    assert_eq!(msg.part_count(), 2);
}

#[test]
fn e15_rfc2231_continuations_and_charsets() {
    let m = b"Content-Disposition: attachment; filename*2=\"end\"; filename*1*=%A9-;\n filename*0*=utf-8'fr'caf%C3; title*=us-ascii'en'a'b%20c\n\nx";
    let msg = Message::parse(m).unwrap();
    let d = msg.root().disposition().unwrap();
    assert_eq!(d.filename(), Some("café-end"));
    assert_eq!(d.param("title"), Some("a'b c"));
}

#[test]
fn e16_filename_sources() {
    let cases: [(&[u8], &str); 4] = [
        (b"Content-Disposition: attachment; filename=a.txt\nContent-Type: text/plain; name=b.txt\n\n", "a.txt"),
        (b"Content-Type: text/plain; name=\"=?utf-8?q?b=C3=A9.txt?=\"\n\n", "bé.txt"),
        (b"Content-Type: text/plain; name*=utf-8''%C3%A9.txt\n\n", "é.txt"),
        (b"Content-Disposition: inline; filename=\"=?iso-8859-1?b?6S50eHQ=?=\"\n\n", "é.txt"),
    ];
    for (m, want) in cases {
        assert_eq!(
            Message::parse(m).unwrap().root().filename().as_deref(),
            Some(want)
        );
    }
    assert_eq!(
        Message::parse(b"Subject: x\n\n").unwrap().root().filename(),
        None
    );
}
