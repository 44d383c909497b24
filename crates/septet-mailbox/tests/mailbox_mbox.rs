//! mbox reading and writing: each variant (written by the independent
//! writers in tests/common/mailbox.rs) read back with quoting removed as
//! the variant defines, detected as itself, and converted to mboxrd
//! without change; LF and CRLF files; a property test of the mboxrd
//! writer against the reader; Content-Length kept true for messages a
//! transform changed.

#[path = "common/mailbox.rs"]
mod util;

use std::borrow::Cow;
use std::convert::Infallible;

use proptest::prelude::*;
use septet_mailbox::{
    convert, detect_mbox, split, ConvertOptions, Error, Format, LineEnding, Mbox, MboxVariant,
    MboxWriter, OutputFormat,
};
use util::{from_depth, lines, with_content_length, write_mbox, Kind, TestDir};

const KINDS: [(Kind, MboxVariant); 4] = [
    (Kind::O, MboxVariant::Mboxo),
    (Kind::Rd, MboxVariant::Mboxrd),
    (Kind::Cl, MboxVariant::Mboxcl),
    (Kind::Cl2, MboxVariant::Mboxcl2),
];

/// Messages with `From ` lines at every depth, as the first body line, in
/// the middle and as the last line.
fn fixtures(eol: &str) -> Vec<(&'static str, Vec<u8>)> {
    let m = |s: &str| s.replace('\n', eol).into_bytes();
    vec![
        (
            "From alice@example.org Mon Jan  1 00:00:00 2024",
            m("Subject: first body line\n\nFrom x\nplain\n"),
        ),
        (
            "From bob@example.org Mon Jan  1 00:00:01 2024",
            m("Subject: depths\n\nFrom x\n>From x\n>>From x\n>>>From x\n x From y\nFrom\n"),
        ),
        (
            "From carol@example.org Mon Jan  1 00:00:02 2024",
            m("Subject: last line\n\nbody\n\nFrom x\n"),
        ),
        (
            "From dave@example.org Mon Jan  1 00:00:03 2024",
            m("Subject: quoted first and last\n\n>From x\n>>From x\n"),
        ),
        (
            "From MAILER-DAEMON Mon Jan  1 00:00:04 2024",
            m("Subject: no body\n\n"),
        ),
        (
            "From eve@example.org Mon Jan  1 00:00:05 2024",
            m("Subject: 8bit\n\nGr\u{fc}\u{df}e\n\n\nFrom the start of a line\n"),
        ),
    ]
}

/// What reading a `kind` file returns for `message`: mboxo quoting turns
/// an original `>From ` into `From ` (the documented ambiguity), and the
/// Content-Length variants keep the inserted field.
fn expected(message: &[u8], kind: Kind, eol: &str) -> Vec<u8> {
    let mut read = Vec::new();
    for line in lines(message) {
        match (kind, from_depth(line)) {
            (Kind::O | Kind::Cl, Some(1)) => read.extend_from_slice(&line[1..]),
            _ => read.extend_from_slice(line),
        }
    }
    match kind {
        Kind::Cl | Kind::Cl2 => with_content_length(&read, kind, eol),
        Kind::O | Kind::Rd => read,
    }
}

#[test]
fn every_variant_reads_back_and_converts_unchanged() {
    for eol in ["\n", "\r\n"] {
        let messages = fixtures(eol);
        for (kind, variant) in KINDS {
            let file = write_mbox(&messages, kind, eol);
            let what = format!("{variant} {eol:?}");
            let read: Vec<_> = split(&file, variant)
                .unwrap()
                .map(|r| r.message())
                .collect();
            assert_eq!(read.len(), messages.len(), "{what}");
            for (msg, (from, original)) in read.iter().zip(&messages) {
                assert_eq!(
                    msg.envelope,
                    septet_mailbox::Envelope::Mbox {
                        from_line: from.as_bytes()
                    }
                );
                let want = expected(original, kind, eol);
                assert_eq!(
                    String::from_utf8_lossy(&msg.data),
                    String::from_utf8_lossy(&want),
                    "{what} message {}",
                    msg.index
                );
                let crlf = eol == "\r\n";
                assert_eq!(msg.line_ending == LineEnding::CrLf, crlf, "{what}");
            }

            // Through the batch driver to mboxrd and back: the same
            // messages, the same separators, the same line endings.
            let dir = TestDir::new("variants");
            let input = dir.join("in.mbox");
            let output = dir.join("out.mbox");
            std::fs::write(&input, &file).unwrap();
            let options = ConvertOptions {
                from: Some(variant.into()),
                ..ConvertOptions::default()
            };
            let report = convert(
                &[input],
                &output,
                &options,
                |m: &[u8]| Ok::<_, Infallible>(Cow::Borrowed(m)),
                |_| {},
            )
            .unwrap();
            assert_eq!(report.messages, messages.len() as u64, "{what}");
            assert_eq!(
                (report.failed, report.final_newline_added),
                (0, 0),
                "{what}"
            );
            let out = Mbox::open(&output).unwrap();
            let back: Vec<_> = out.messages(MboxVariant::Mboxrd).unwrap().collect();
            assert_eq!(back.len(), read.len(), "{what}");
            for (b, r) in back.iter().zip(&read) {
                assert_eq!(b.data, r.data, "{what} message {}", r.index);
                assert_eq!(b.envelope, r.envelope, "{what}");
                assert_eq!(b.line_ending, r.line_ending, "{what}");
            }
            if eol == "\r\n" {
                assert!(out
                    .bytes()
                    .starts_with(b"From alice@example.org Mon Jan  1 00:00:00 2024\r\n"));
                assert!(out.bytes().ends_with(b"\r\n\r\n"));
            }
            assert_eq!(report.bytes_out, out.bytes().len() as u64);
        }
    }
}

#[test]
fn detection_finds_each_variant() {
    for eol in ["\n", "\r\n"] {
        // No original `>+From ` lines: an mboxo file with one is read as
        // mboxrd (tested below), by design.
        let plain: Vec<_> = fixtures(eol)
            .into_iter()
            .filter(|(_, m)| lines(m).iter().all(|l| from_depth(l).unwrap_or(0) == 0))
            .collect();
        assert!(plain.len() >= 3);
        for (kind, variant) in KINDS {
            let file = write_mbox(&plain, kind, eol);
            let d = detect_mbox(&file).unwrap();
            // Without original `>From ` lines, mboxrd and mboxo files are
            // the same bytes and read the same: detection says mboxo.
            let want = match variant {
                MboxVariant::Mboxrd => MboxVariant::Mboxo,
                v => v,
            };
            assert_eq!(d.variant, want, "{kind:?} {eol:?}");
            if kind == Kind::Rd {
                let as_o: Vec<_> = split(&file, MboxVariant::Mboxo)
                    .unwrap()
                    .map(|r| r.unquoted())
                    .collect();
                let as_rd: Vec<_> = split(&file, MboxVariant::Mboxrd)
                    .unwrap()
                    .map(|r| r.unquoted())
                    .collect();
                assert_eq!(as_o, as_rd);
            }
            assert_eq!(d.messages, plain.len() as u64);
            assert_eq!(d.content_length, kind == Kind::Cl || kind == Kind::Cl2);
            let le = if eol == "\n" {
                LineEnding::Lf
            } else {
                LineEnding::CrLf
            };
            assert_eq!(d.line_ending, le);
        }
        // With `>>From ` lines: mboxrd, mboxcl (Content-Length, quoted and
        // no bare From lines), mboxcl2.
        let all = fixtures(eol);
        let detected: Vec<_> = KINDS
            .iter()
            .map(|&(kind, _)| detect_mbox(&write_mbox(&all, kind, eol)).unwrap().variant)
            .collect();
        assert_eq!(
            detected,
            [
                MboxVariant::Mboxrd,
                MboxVariant::Mboxrd,
                MboxVariant::Mboxcl,
                MboxVariant::Mboxcl2
            ]
        );
    }
}

#[test]
fn auto_detection_in_the_driver() {
    let dir = TestDir::new("detect");
    let eml = dir.join("one.eml");
    std::fs::write(&eml, b"Subject: single\n\nFrom the body\n").unwrap();
    let cl2 = dir.join("cl2.mbox");
    std::fs::write(&cl2, write_mbox(&fixtures("\n"), Kind::Cl2, "\n")).unwrap();
    let output = dir.join("out.mbox");
    let report = convert(
        &[eml, cl2],
        &output,
        &ConvertOptions::default(),
        |m: &[u8]| Ok::<_, Infallible>(Cow::Borrowed(m)),
        |_| {},
    )
    .unwrap();
    let formats: Vec<_> = report.inputs.iter().map(|i| i.format).collect();
    assert_eq!(formats, [Format::Eml, Format::Mboxcl2]);
    assert_eq!(report.inputs[1].detection.unwrap().from_lines.bare, 4);
    assert_eq!(report.messages, 1 + fixtures("\n").len() as u64);
    let out = Mbox::open(&output).unwrap();
    let first = out.messages(MboxVariant::Mboxrd).unwrap().next().unwrap();
    assert_eq!(&*first.data, b"Subject: single\n\nFrom the body\n");
}

#[test]
fn separators_and_oddities() {
    // A `From ` line not after an empty line stays in its message.
    let data = b"\n\nFrom a\nX: 1\n\nline\nFrom b is prose\n\nFrom c\n\nlast";
    let records: Vec<_> = split(data, MboxVariant::Mboxo).unwrap().collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].offset, 2);
    assert_eq!(records[0].raw, b"X: 1\n\nline\nFrom b is prose\n");
    assert_eq!(records[1].raw, b"\nlast");
    // Not an mbox: the offset of the first non-blank line.
    match split(b"\r\n\r\nReceived: x\n", MboxVariant::Mboxrd) {
        Err(Error::NotMbox { offset, .. }) => assert_eq!(offset, 4),
        other => panic!("{other:?}"),
    }
}

#[test]
fn writer_adds_a_final_line_break_when_missing() {
    let mut w = MboxWriter::new(Vec::new());
    w.write_message(b"From a", b"S: x\r\n\r\nno break", LineEnding::CrLf)
        .unwrap();
    w.write_message(b"From b", b"", LineEnding::CrLf).unwrap();
    let out = w.into_inner();
    assert_eq!(out, b"From a\r\nS: x\r\n\r\nno break\r\n\r\nFrom b\r\n\r\n");
    let back: Vec<_> = split(&out, MboxVariant::Mboxrd)
        .unwrap()
        .map(|r| r.raw)
        .collect();
    assert_eq!(back, [&b"S: x\r\n\r\nno break\r\n"[..], b""]);
}

/// Lengthens every body that holds `grow`, like a downgrade re-encoding
/// it, and leaves the others alone.
fn lengthen(m: &[u8]) -> Result<Cow<'_, [u8]>, Infallible> {
    if !m.windows(4).any(|w| w == b"grow") {
        return Ok(Cow::Borrowed(m));
    }
    let mut out = m.to_vec();
    out.extend_from_slice(b"From an added line\nmore text\n");
    Ok(Cow::Owned(out))
}

#[test]
fn changed_messages_get_a_true_content_length() {
    let dir = TestDir::new("content-length");
    // mboxcl2: lengths count the stored body; bodies hold unquoted `From `.
    let bodies = ["grow\nFrom x\n", "keep\nFrom y\n", "grow, no final break"];
    let mut input = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        input.extend_from_slice(
            format!(
                "From s{i}@example.org Mon Jan  1 00:00:00 2024\nSubject: {i}\n\
                 Content-Length: {}\n\n{body}\n",
                body.len()
            )
            .as_bytes(),
        );
    }
    let path = dir.join("in.mboxcl2");
    std::fs::write(&path, &input).unwrap();
    let options = |to| ConvertOptions {
        from: Some(Format::Mboxcl2),
        to,
        ..ConvertOptions::default()
    };

    // mboxrd output: read back, every message's body is as long as its
    // Content-Length says (the unchanged one kept its right value; the
    // writer's final line break is counted).
    let out = dir.join("out.mbox");
    let report = convert(
        &[&path],
        &out,
        &options(OutputFormat::Mboxrd),
        lengthen,
        |_| {},
    )
    .unwrap();
    assert_eq!((report.changed, report.content_length_rewritten), (2, 2));
    let back = Mbox::open(&out).unwrap();
    let messages: Vec<_> = back.messages(MboxVariant::Mboxrd).unwrap().collect();
    assert_eq!(messages.len(), 3);
    for m in &messages {
        assert_eq!(content_length_and_body(&m.data), "right", "{}", m.index);
    }
    // The unchanged message is written byte for byte, its field included.
    assert_eq!(
        &*messages[1].data,
        b"Subject: 1\nContent-Length: 12\n\nkeep\nFrom y\n"
    );
    assert!(messages[0]
        .data
        .starts_with(b"Subject: 0\nContent-Length: 41\n\ngrow\nFrom x\nFrom an"));

    // Maildir output: the length of the body in the file.
    let md = dir.join("md");
    let report = convert(
        &[&path],
        &md,
        &options(OutputFormat::Maildir),
        lengthen,
        |_| {},
    )
    .unwrap();
    assert_eq!(report.content_length_rewritten, 2);
    let mut files = 0;
    for sub in ["new", "cur"] {
        for entry in std::fs::read_dir(md.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let file = std::fs::read(&path).unwrap();
            assert_eq!(content_length_and_body(&file), "right", "{path:?}");
            files += 1;
        }
    }
    assert_eq!(files, 3);
}

/// "right" when the message's Content-Length value is its body's length,
/// else both numbers.
fn content_length_and_body(message: &[u8]) -> String {
    let split = message.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let header = String::from_utf8_lossy(&message[..split]).into_owned();
    let value: usize = header
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    let body = message.len() - split;
    if value == body {
        "right".to_owned()
    } else {
        format!("{value} vs {body}")
    }
}

/// Bytes that make quoting and splitting interesting, as tokens.
fn token() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![
        &b"\n"[..],
        b"\r\n",
        b"\r",
        b">",
        b"From ",
        b"From",
        b"x",
        b" ",
        b"\xc3\xa9",
        b"Content-Length: 3\n\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the messages, the mboxrd writer's output splits back into
    /// the same messages (plus the line break a message may lack).
    #[test]
    fn mboxrd_writer_round_trips(
        messages in prop::collection::vec(prop::collection::vec(token(), 0..40), 1..6),
        crlf in any::<bool>(),
    ) {
        let eol = if crlf { LineEnding::CrLf } else { LineEnding::Lf };
        let messages: Vec<Vec<u8>> = messages.iter().map(|m| m.concat()).collect();
        let mut w = MboxWriter::new(Vec::new());
        for m in &messages {
            w.write_message(b"From s Thu Jan  1 00:00:00 1970", m, eol).unwrap();
        }
        let out = w.into_inner();
        let back: Vec<_> = split(&out, MboxVariant::Mboxrd).unwrap().map(|r| r.unquoted().into_owned()).collect();
        prop_assert_eq!(back.len(), messages.len());
        for (m, b) in messages.iter().zip(&back) {
            let mut want = m.clone();
            if !m.is_empty() && !m.ends_with(b"\n") {
                want.extend_from_slice(eol.as_bytes());
            }
            prop_assert_eq!(b, &want);
        }
        // Detection never fails on writer output, and never sees a
        // Content-Length framing that is not there. (If every message
        // carries a Content-Length that happens to be right, the framing is
        // there: a generated case once had `Content-Length: 3` over a
        // 3-byte body.)
        let detected = detect_mbox(&out).unwrap();
        let all_framed = messages.iter().all(|m| {
            m.windows(15).any(|w| w.eq_ignore_ascii_case(b"content-length:"))
        });
        prop_assert!(!detected.content_length || all_framed);
    }

    /// Splitting and detecting arbitrary bytes never panics, and every
    /// record lies inside the input.
    #[test]
    fn arbitrary_input_is_safe(body in prop::collection::vec(token(), 0..80)) {
        let mut data = b"From a\n".to_vec();
        data.extend(body.concat());
        for v in MboxVariant::ALL {
            for r in split(&data, v).unwrap() {
                prop_assert!(r.span.end as usize <= data.len());
                let _ = r.unquoted();
            }
        }
        let d = detect_mbox(&data).unwrap();
        // Without Content-Length framing, detection counts what the
        // separator split finds (it does so in one scan of its own).
        if !d.content_length {
            prop_assert_eq!(d.messages, split(&data, MboxVariant::Mboxo).unwrap().count() as u64);
        }
    }
}
