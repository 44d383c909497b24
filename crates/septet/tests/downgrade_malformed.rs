//! Issue 11, the last real-mail classes: malformed messages where a
//! change would be read differently by different readers (refused with a
//! typed reason), a raw CR before a quoted-printable soft break in LF
//! form, nesting past the depth limit (passed through as 7-bit data), and
//! the streaming lookahead. Every message is written here.

#[path = "common/downgrade_util.rs"]
mod util;

use septet::downgrade::{
    downgrade_buffer, Action, Downgrader, Error, Options, Report, DEFAULT_WINDOW,
};
use septet::mime::Message;
use util::assert_seven_bit;

/// Fed in `step`-byte pieces to the streaming converter.
fn stream(input: &[u8], opts: Options, step: usize) -> Result<(Vec<u8>, Report), Error> {
    let mut d = Downgrader::new(opts);
    let mut out = Vec::new();
    for chunk in input.chunks(step.max(1)) {
        d.feed(chunk, &mut out)?;
    }
    let report = d.finish(&mut out)?;
    Ok((out, report))
}

/// The whole-buffer converter, and the streaming one in one call and in
/// small pieces: all must agree.
fn run(input: &[u8]) -> Result<(Vec<u8>, Report), Error> {
    let mut out = Vec::new();
    let whole = downgrade_buffer(input, Options::default(), &mut out).map(|r| (out, r));
    for step in [input.len(), 1, 7, 100] {
        let s = stream(input, Options::default(), step);
        match (&whole, &s) {
            (Ok((a, _)), Ok((b, _))) => assert_eq!(a, b, "step {step}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "step {step}"),
            _ => panic!("step {step}: {:?} vs {:?}", whole.as_ref().err(), s.err()),
        }
    }
    if let Ok((out, _)) = &whole {
        assert_seven_bit(out);
    }
    whole
}

/// The decoded body of the first leaf septet's parser finds.
fn first_leaf(msg: &[u8]) -> Vec<u8> {
    let m = Message::parse(msg).unwrap();
    let leaf = m.parts().find(|p| p.is_leaf()).unwrap();
    leaf.decode_body().0.into_owned()
}

#[test]
fn cr_before_a_soft_break_in_lf_form_is_the_line_break() {
    // LF form: `\r=` LF then an empty line decodes to CR LF LF, which in LF
    // form is a line break (the CR LF) and an empty line.
    let msg = b"Subject: q\nContent-Type: text/plain; charset=us-ascii\n\
                Content-Transfer-Encoding: quoted-printable\n\n\
                price.\r=\n\nnext line\n";
    let (out, report) = run(msg).unwrap();
    assert_eq!(report.parts[0].action, Action::QuotedPrintable);
    assert!(
        out.ends_with(b"\r\n\r\nprice.=\r\n\r\nnext line\r\n"),
        "{out:?}"
    );
    assert_eq!(first_leaf(&out), b"price.\r\nnext line\r\n");
}

#[test]
fn cr_before_a_soft_break_elsewhere_is_data() {
    let head = "Content-Type: text/plain; charset=us-ascii\r\n\
                Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    // Wire form: the CR is data before the CRLF.
    let crlf = [head.as_bytes(), b"price.\r=\r\n\r\nnext\r\n"].concat();
    let (out, _) = run(&crlf).unwrap();
    assert!(out.ends_with(b"price.=0D=\r\n\r\nnext\r\n"));
    assert_eq!(first_leaf(&out), b"price.\r\r\nnext\r\n");
    // LF form, text after the soft break: a CR inside the line.
    let lf = b"Content-Transfer-Encoding: quoted-printable\n\nab\r=\ncd\n";
    let (out, _) = run(lf).unwrap();
    assert!(out.ends_with(b"ab=0D=\r\ncd\r\n"));
    assert_eq!(first_leaf(&out), b"ab\rcd\r\n");
}

/// A multipart/mixed with `levels` containers, each with one part, and
/// `leaf` as the body of the innermost text part.
fn nested(levels: usize, leaf: &str) -> Vec<u8> {
    let mut msg = String::from("Subject: deep\r\nMIME-Version: 1.0\r\n");
    for i in 0..levels {
        msg.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    msg.push_str(&format!(
        "Content-Type: text/plain; charset=utf-8\r\n\r\n{leaf}\r\n"
    ));
    for i in (0..levels).rev() {
        msg.push_str(&format!("--b{i}--\r\n"));
    }
    msg.into_bytes()
}

#[test]
fn nesting_past_the_limit_passes_through_when_7bit() {
    let msg = nested(120, "plain text");
    let (out, report) = run(&msg).unwrap();
    assert_eq!(out, msg);
    assert!(report.unchanged());
}

#[test]
fn nesting_past_the_limit_with_8bit_data_is_refused_at_the_byte() {
    let msg = nested(120, "caf\u{e9} au lait, with words around it");
    let at = msg
        .windows(2)
        .position(|w| w == "\u{e9}".as_bytes())
        .unwrap();
    assert_eq!(run(&msg).unwrap_err(), Error::TooDeep { offset: at as u64 });
    // Within the limit the same leaf is converted.
    let (out, report) = run(&nested(20, "caf\u{e9} au lait, with words around it")).unwrap();
    assert_eq!(report.parts[20].action, Action::QuotedPrintable);
    assert!(out.windows(5).any(|w| w == b"caf=C"));
}

#[test]
fn a_deep_container_labelled_8bit_is_relabelled() {
    let msg = nested(60, "x");
    let text = String::from_utf8(msg).unwrap();
    // The first container past the limit (depth 50) says 8bit; its subtree
    // is 7-bit. It is the last part reported: its subtree is not parsed.
    let marked = text.replacen(
        "boundary=\"b50\"\r\n",
        "boundary=\"b50\"\r\nContent-Transfer-Encoding: 8bit\r\n",
        1,
    );
    let (out, report) = run(marked.as_bytes()).unwrap();
    assert_eq!(report.parts.len(), 51);
    assert_eq!(report.parts[50].action, Action::Relabelled);
    let want = marked.replacen("Encoding: 8bit", "Encoding: 7bit", 1);
    assert_eq!(out, want.as_bytes());
}

#[test]
fn an_undelimited_multipart_with_8bit_bytes_is_refused() {
    let msg = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
                no delimiter here\r\nbut a NUL: \0 and more\r\n--c--\r\n";
    let at = msg.iter().position(|&b| b == 0).unwrap();
    assert_eq!(
        run(msg).unwrap_err(),
        Error::UndelimitedMultipart { offset: at as u64 }
    );
    // Only a close delimiter: the same (found by the fuzz target).
    let msg = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n\r\0 x\r\n--b--\r\n";
    assert_eq!(
        run(msg).unwrap_err(),
        Error::UndelimitedMultipart { offset: 45 }
    );
    // Bytes after a lone close delimiter are that content too.
    let msg = b"Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b--\r\nworld\x92s\r\n";
    assert_eq!(
        run(msg).unwrap_err(),
        Error::UndelimitedMultipart { offset: 62 }
    );
    // 7-bit: passed through as it is.
    let clean = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\nno parts\r\n";
    let (out, report) = run(clean).unwrap();
    assert_eq!(out, clean);
    assert!(report.unchanged());
    // With a delimiter, preamble bytes are replaced and counted, as before.
    let delimited = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n\
                      pre\xe9\r\n--b\r\n\r\nx\r\n--b--\r\n";
    let (_, report) = run(delimited).unwrap();
    assert_eq!(report.preamble_epilogue_replaced, 1);
}

#[test]
fn a_field_with_blanks_before_its_colon_refuses_a_change() {
    let msg = "Fro : Sender <a@example.org>\r\nSubject: x\r\n\r\nbody caf\u{e9}\r\n";
    assert_eq!(
        run(msg.as_bytes()).unwrap_err(),
        Error::AmbiguousHeader {
            offset: 0,
            field: "Fro".into()
        }
    );
    // An 8-bit field after it is a change too.
    let msg = "Subject: x\r\nX-Obs : y\r\nX-Note: caf\u{e9}\r\n\r\nbody\r\n";
    assert!(matches!(
        run(msg.as_bytes()),
        Err(Error::AmbiguousHeader { offset: 12, .. })
    ));
    // Nothing to change: passed through.
    let msg = b"Fro : Sender <a@example.org>\r\nSubject: x\r\n\r\nbody\r\n";
    let (out, report) = run(msg).unwrap();
    assert_eq!(out, msg);
    assert!(report.unchanged());
}

#[test]
fn a_field_with_blanks_before_its_colon_binds_only_its_part() {
    let multipart = |first: &str, second: &str| {
        format!(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n{first}\r\n--b\r\n{second}\r\n--b--\r\n"
        )
        .into_bytes()
    };
    // The change is in a sibling: converted.
    let msg = multipart(
        "X-Obs : y\r\n\r\nplain",
        "Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\u{e9} au lait, with words",
    );
    let (_, report) = run(&msg).unwrap();
    assert_eq!(report.parts[2].action, Action::QuotedPrintable);
    // The change is in the part with the field: refused.
    let msg = multipart(
        "plain: yes\r\n\r\nplain",
        "X-Obs : y\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf\u{e9}",
    );
    assert!(matches!(run(&msg), Err(Error::AmbiguousHeader { .. })));
}

/// A part labelled 7bit whose first 8-bit byte comes after `clean` bytes.
fn late(clean: usize) -> (Vec<u8>, u64) {
    let mut msg = b"Content-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
    while msg.len() < clean {
        msg.extend_from_slice(b"plain ascii line of text\r\n");
    }
    let at = msg.len() as u64;
    msg.extend_from_slice("\u{e9}t\u{e9}\r\n".as_bytes());
    (msg, at)
}

#[test]
fn streaming_lookahead_converts_within_and_refuses_past_it() {
    assert_eq!(DEFAULT_WINDOW, Options::default().window);
    // Within the default lookahead: converted, in any pieces.
    let (msg, _) = late(DEFAULT_WINDOW - 100);
    for step in [msg.len(), 4096, 65_537] {
        let (out, report) = stream(&msg, Options::default(), step).unwrap();
        assert_seven_bit(&out);
        assert_eq!(report.parts[0].action, Action::QuotedPrintable);
    }
    // Past it: refused at the byte, as before.
    let (msg, at) = late(DEFAULT_WINDOW + 100);
    let err = stream(&msg, Options::default(), 65_537).unwrap_err();
    assert_eq!(err, Error::LateEightBit { offset: at });
    // The whole-buffer converter encodes it.
    let mut out = Vec::new();
    let report = downgrade_buffer(&msg, Options::default(), &mut out).unwrap();
    assert_eq!(report.parts[0].action, Action::QuotedPrintable);
    // Configurable: a 1 MiB lookahead takes it, holding the part meanwhile.
    let opts = Options {
        window: 1 << 20,
        ..Options::default()
    };
    let mut d = Downgrader::new(opts);
    let mut out = Vec::new();
    let mut held = 0;
    for c in msg.chunks(65_537) {
        d.feed(c, &mut out).unwrap();
        held = held.max(d.buffered_bytes());
    }
    let report = d.finish(&mut out).unwrap();
    assert_eq!(report.parts[0].action, Action::QuotedPrintable);
    assert!(held <= (1 << 20) + 64 * 1024 + 8 * 1024, "held {held}");
}

#[test]
fn an_8bit_media_type_is_refused() {
    // Found by the fuzz target: `tex?t/html` would be another type.
    let msg = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                Content-Type: tex\x9bt/html; charset=us-ascii\r\n\r\n<p>x</p>\r\n--b--\r\n";
    assert_eq!(
        run(msg).unwrap_err(),
        Error::EightBitMediaType { offset: 62 }
    );
    // 8-bit parameter values have a 7-bit form (RFC 2231).
    let msg = "Content-Type: text/plain; name=\"caf\u{e9}.txt\"\r\n\r\nx\r\n";
    let (out, _) = run(msg.as_bytes()).unwrap();
    let m = Message::parse(&out).unwrap();
    assert_eq!(m.root().content_type().mime_type(), "text/plain");
}

#[test]
fn a_body_line_that_ended_the_header_stays_body() {
    // Found by the fuzz target: the header block ends without a blank
    // line at `MIME-V\x98ersion: 1.0` (not a field: 8-bit in the name).
    // Escaped as `MIME-V=98ersion: 1.0` it would read as a field, so a
    // blank line goes before it.
    let msg = b"Content-Type: text/plain; charset=windows-1252\r\n\
                Content-Transfer-Encoding: quoted-printable\r\n\
                MIME-V\x98ersion: 1.0\r\n\r\nBest=AE\r\n";
    let (out, report) = run(msg).unwrap();
    assert!(report.parts[0].header_encoded);
    assert!(out.ends_with(b"quoted-printable\r\n\r\nMIME-V=98ersion: 1.0\r\n\r\nBest=AE\r\n"));
    assert_eq!(first_leaf(&out), first_leaf(msg));
    // A first body line with nothing to change is written as it is.
    let msg = b"Content-Transfer-Encoding: quoted-printable\r\nnot a field\r\n\r\nx=E9\r\n";
    let (out, report) = run(msg).unwrap();
    assert_eq!(out, msg);
    assert!(report.unchanged());
}

#[test]
fn a_field_added_under_a_headless_digest_part_stays_its_own() {
    // Found by the fuzz target: a digest part without header or blank line
    // holds a message that starts with a line that is not a field, so the
    // message's header block is empty too. The Content-Transfer-Encoding
    // added to that message must not be read as the digest part's.
    let msg = b"Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\
                F\r\nrom: caf\xe9\r\n--d--\r\n";
    let (out, report) = run(msg).unwrap();
    assert_eq!(report.parts[2].action, Action::QuotedPrintable);
    let shape = |m: &[u8]| {
        let m = Message::parse(m).unwrap();
        m.parts()
            .map(|p| (p.depth(), p.is_leaf(), p.content_type().mime_type()))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&out), shape(msg));
    assert!(out.windows(8).any(|w| w == b"--d\r\n\r\nC"));
}

/// A CR that ends the message ends its last line, as the parser reads it
/// (found by the downgrade fuzz target: a lone `\r` became ` \r\n`, which
/// every reader takes for a body line).
#[test]
fn a_cr_at_the_very_end_is_a_line_break() {
    for (input, want) in [
        (&b"\r"[..], &b"\r\n"[..]),
        (b"Subject: x\r", b"Subject: x\r\n"),
        (b"Subject: x\r\n\r", b"Subject: x\r\n\r\n"),
    ] {
        let (out, _) = run(input).expect("converted");
        assert_eq!(out, want, "{:?}", String::from_utf8_lossy(input));
        let (a, b) = (
            Message::parse(input).unwrap(),
            Message::parse(&out).unwrap(),
        );
        assert_eq!(a.root().decode_body().0, b.root().decode_body().0);
    }
}
