//! Header fields with lines over 998 octets: folded at white space where
//! they are too long, encoded where unstructured text has none, refused
//! where neither is lossless; always 7-bit output with short lines.

#[path = "common/downgrade_util.rs"]
mod util;

use septet::downgrade::Error;
use util::{assert_seven_bit, run, run_chunks};

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// The root's field `name`, decoded by septet's parser, and its raw value
/// unfolded.
fn header_of(out: &[u8], name: &str) -> (String, Vec<u8>) {
    let m = septet::mime::Message::parse(out).unwrap();
    let h = m.root().header(name).expect("field present");
    (h.decoded(), h.unfolded().into_owned())
}

/// Every line of the first header block is at most 78 octets (CRLF
/// excluded).
fn header_lines_within_78(out: &[u8]) -> bool {
    let end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(out.len());
    out[..end].split(|&b| b == b'\n').all(|l| l.len() <= 79)
}

#[test]
fn long_subject_without_spaces_becomes_encoded_words() {
    let word = "x".repeat(2000);
    let msg = format!("Subject: {word}\r\nTo: a@example.org\r\n\r\nbody\r\n");
    let (out, report) = run(msg.as_bytes());
    assert_seven_bit(&out);
    assert!(
        header_lines_within_78(&out),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(header_of(&out, "subject").0, word);
    assert!(report.parts[0].header_encoded);
    assert!(!report.unchanged());
    // Encoded words already in the text are decoded, not encoded literally.
    let msg = format!("Subject: =?utf-8?q?caf=C3=A9?= {word}\r\n\r\nbody\r\n");
    let (out, _) = run(msg.as_bytes());
    assert_seven_bit(&out);
    assert_eq!(header_of(&out, "subject").0, format!("café {word}"));
}

#[test]
fn long_subject_with_spaces_is_folded_losslessly() {
    let words: Vec<String> = (0..400).map(|i| format!("word{i}")).collect();
    let subject = words.join(" ");
    let msg = format!("Subject: {subject}\r\nX-Short: kept as is\r\n\r\nbody\r\n");
    let (out, _) = run(msg.as_bytes());
    assert_seven_bit(&out);
    assert!(
        header_lines_within_78(&out),
        "{}",
        String::from_utf8_lossy(&out)
    );
    // Unfolding gives back the exact value: only line breaks were added.
    let (text, raw) = header_of(&out, "subject");
    assert_eq!(raw, subject.as_bytes());
    assert_eq!(text, subject);
    assert!(String::from_utf8_lossy(&out).contains("\r\nX-Short: kept as is\r\n"));
}

#[test]
fn long_structured_fields_fold_at_white_space_or_are_refused() {
    let mut received = String::from("from mail.example.org (mail.example.org [192.0.2.1])");
    for i in 0..40 {
        received.push_str(&format!(" by relay{i}.example.net with ESMTPS id x{i}"));
    }
    received.push_str("; Sun, 22 Nov 2026 04:03:56 +0000");
    let msg = format!("Received: {received}\r\nSubject: s\r\n\r\nbody\r\n");
    let (out, _) = run(msg.as_bytes());
    assert_seven_bit(&out);
    assert!(header_lines_within_78(&out));
    assert_eq!(header_of(&out, "received").1, received.as_bytes());

    // A token of 1200 octets in a structured field: no lossless 7-bit form
    // (an encoded word would be invalid syntax there).
    let msg = format!(
        "DKIM-Signature: v=1; a=rsa-sha256; b={}\r\n\r\nx",
        "Q".repeat(1200)
    );
    assert!(matches!(
        run_chunks([msg.as_bytes()]),
        Err(Error::HeaderLineTooLong { offset: 0, .. })
    ));
    let msg = format!(
        "Subject: s\r\nReferences: <{}@example.org>\r\n\r\nx",
        "r".repeat(1200)
    );
    assert_eq!(
        run_chunks([msg.as_bytes()]).unwrap_err(),
        Error::HeaderLineTooLong {
            offset: 12,
            field: "References".into()
        }
    );
}

#[test]
fn long_field_names() {
    // A name cannot be folded: 990 octets still fit, with the value encoded.
    let name = "N".repeat(990);
    let msg = format!("{name}: {}\r\n\r\nx", "v".repeat(100));
    let (out, _) = run(msg.as_bytes());
    assert_seven_bit(&out);
    assert_eq!(header_of(&out, &name).0, "v".repeat(100));
    // 1200 octets do not.
    let msg = format!("Subject: s\r\n{}: v\r\n\r\nx", "N".repeat(1200));
    let err = run_chunks([msg.as_bytes()]).unwrap_err();
    assert_eq!(
        err,
        Error::HeaderLineTooLong {
            offset: 12,
            field: format!("{}...", "N".repeat(64))
        }
    );
    assert!(err.to_string().contains("at byte 12"));
}

#[test]
fn long_continuation_lines() {
    // Short lines stay as written; the long continuation line is folded.
    let long: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
    let value = format!("first line\r\n\tsecond\r\n {}\r\n last", long.join(" "));
    let msg = format!("X-Folded: {value}\r\n\r\nbody\r\n");
    let (out, _) = run(msg.as_bytes());
    assert_seven_bit(&out);
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with("X-Folded: first line\r\n\tsecond\r\n w0 w1"),
        "{text}"
    );
    assert!(header_lines_within_78(&out), "{text}");
    let unfolded = value.replace("\r\n", "");
    assert_eq!(header_of(&out, "x-folded").1, unfolded.as_bytes());

    // A continuation line with no white space inside: encoded words.
    let msg = format!("X-Token: a\r\n {}\r\n\r\nbody\r\n", "b".repeat(1200));
    let (out, _) = run(msg.as_bytes());
    assert_seven_bit(&out);
    assert_eq!(
        header_of(&out, "x-token").0,
        format!("a {}", "b".repeat(1200))
    );
}

#[test]
fn long_parameter_becomes_rfc2231_sections() {
    let name = format!("{}.pdf", "n".repeat(1500));
    let msg = format!(
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
         Content-Type: application/pdf\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\r\nAAAA\r\n--b--\r\n"
    );
    let (out, _) = run(msg.as_bytes());
    assert_seven_bit(&out);
    assert!(header_lines_within_78(&out[60..]));
    let m = septet::mime::Message::parse(&out).unwrap();
    let part = m.parts().nth(1).unwrap();
    assert_eq!(part.filename().as_deref(), Some(name.as_str()));
}

/// Header fields with random long lines (words up to 1500 octets, runs of
/// blanks, folds, 8-bit text): always 7-bit output with lines of at most
/// 998 octets, unstructured text unchanged after decoding, and refusals
/// only where the rules allow them.
#[test]
fn random_long_header_fields() {
    let mut g = Rng(11);
    let names = ["Subject", "X-Long", "To", "Received", "Content-Type"];
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (mut long_ok, mut refused) = (0, 0);
    for i in 0..400 {
        let name = names[g.below(names.len())];
        let mut value = String::new();
        for _ in 0..1 + g.below(12) {
            match g.below(10) {
                0 => value.push_str("\r\n "),
                1 => value.push_str(" \t "),
                2 => value.push_str(" Grüße"),
                _ => {
                    value.push(' ');
                    let len = if g.below(4) == 0 {
                        1 + g.below(1500)
                    } else {
                        1 + g.below(12)
                    };
                    value.extend((0..len).map(|k| (b'a' + ((i + k) % 26) as u8) as char));
                }
            }
        }
        let msg = format!("{name}:{value}\r\nX-After: z\r\n\r\nbody\r\n");
        match run_chunks([msg.as_bytes()]) {
            Ok((out, _)) => {
                assert_seven_bit(&out);
                long_ok += usize::from(msg.split("\r\n").any(|l| l.len() > 998));
                if name == "Subject" || name == "X-Long" {
                    let before = header_of(msg.as_bytes(), name).0;
                    assert_eq!(collapse(&header_of(&out, name).0), collapse(&before), "{i}");
                }
                assert_eq!(header_of(&out, "x-after").0, "z");
            }
            Err(Error::HeaderLineTooLong { offset: 0, .. }) => {
                assert!(name != "Subject" && name != "X-Long", "{i}: {msg}");
                refused += 1;
            }
            Err(Error::EightBitAddress { .. }) => assert_eq!(name, "To"),
            // An 8-bit media type (`Content-Type: abc Grüße`) has no 7-bit form.
            Err(Error::EightBitMediaType { .. }) => assert_eq!(name, "Content-Type"),
            Err(e) => panic!("{i}: {e}"),
        }
    }
    assert!(
        long_ok > 50 && refused > 5,
        "{long_ok} folded, {refused} refused"
    );
}
