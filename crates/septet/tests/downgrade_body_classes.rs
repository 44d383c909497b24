//! Issue 11, body classes: the downgrade converts losslessly or refuses,
//! never repairs silently. Each case is a message written here; "same
//! payload" means the leaf bodies decode (leniently) to the same bytes in
//! input and output.

use septet::downgrade::{
    downgrade_buffer, envelope_line, Action, Downgrader, Error, LineEnding, Options, Report,
};
use septet::mime::Message;

fn run_with(input: &[u8], opts: Options, step: usize) -> Result<(Vec<u8>, Report), Error> {
    let mut d = Downgrader::new(opts);
    let mut out = Vec::new();
    for chunk in input.chunks(step.max(1)) {
        d.feed(chunk, &mut out)?;
    }
    let report = d.finish(&mut out)?;
    Ok((out, report))
}

/// Downgrades in one call and in small pieces; both must agree.
fn run(input: &[u8]) -> Result<(Vec<u8>, Report), Error> {
    let one = run_with(input, Options::default(), input.len());
    for step in [1, 7, 100] {
        let split = run_with(input, Options::default(), step);
        match (&one, &split) {
            (Ok((a, _)), Ok((b, _))) => assert_eq!(a, b, "step {step}"),
            // A bare CR or long line is reported at the chunk holding it.
            (Err(Error::LateEightBit { .. }), Err(Error::LateEightBit { .. })) => {}
            (Err(a), Err(b)) => assert_eq!(a, b, "step {step}"),
            _ => panic!("step {step}: {one:?} vs {split:?}"),
        }
    }
    // The whole-buffer entry agrees wherever streaming succeeds.
    let mut whole = Vec::new();
    let buffered = downgrade_buffer(input, Options::default(), &mut whole);
    match (&one, &buffered) {
        (Ok((a, _)), Ok(_)) => assert_eq!(a, &whole, "downgrade_buffer"),
        (Err(a), Err(b)) => assert_eq!(a, b, "downgrade_buffer"),
        (Err(Error::LateEightBit { .. }), Ok(_)) => {}
        _ => panic!("downgrade_buffer: {one:?} vs {buffered:?}"),
    }
    one
}

fn assert_seven_bit(out: &[u8]) {
    assert!(out.is_ascii(), "8-bit output");
    assert!(!out.contains(&0), "NUL in output");
    for (i, &b) in out.iter().enumerate() {
        match b {
            b'\r' => assert_eq!(out.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
            b'\n' => assert!(i > 0 && out[i - 1] == b'\r', "bare LF at {i}"),
            _ => {}
        }
    }
    for line in out.split(|&b| b == b'\n') {
        assert!(line.len() <= 999, "line of {} octets", line.len());
    }
}

/// Decoded leaf bodies, in order.
fn payloads(msg: &[u8]) -> Vec<Vec<u8>> {
    let m = Message::parse(msg).unwrap();
    m.parts()
        .filter(|p| p.is_leaf())
        .map(|p| p.decode_body().0.into_owned())
        .collect()
}

fn assert_lossless(input: &[u8]) -> (Vec<u8>, Report) {
    let (out, report) = run(input).unwrap();
    assert_seven_bit(&out);
    assert_eq!(payloads(input), payloads(&out));
    assert!(report.parts.iter().all(|p| p.repaired == 0), "{report:?}");
    (out, report)
}

fn header_of(msg: &[u8]) -> &[u8] {
    let end = msg.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    &msg[..end + 2]
}

// ---- class 2: quoted-printable bodies with raw bytes --------------------

#[test]
fn qp_raw_eight_bit_is_escaped() {
    let input = b"Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
        caf\xe9 cr=C3=A8me =\r\nbr\xfbl\xe9e\r\n";
    let (out, report) = assert_lossless(input);
    assert!(
        out.ends_with(b"caf=E9 cr=C3=A8me =\r\nbr=FBl=E9e\r\n"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(report.parts[0].action, Action::QuotedPrintable);
    assert!(!report.unchanged());
}

#[test]
fn qp_nul_and_bare_cr_are_escaped() {
    let input = b"Content-Transfer-Encoding: quoted-printable\r\n\r\na\0b\rc\r\nd\r";
    let (out, _) = assert_lossless(input);
    assert!(
        out.ends_with(b"a=00b=0Dc\r\nd=0D"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn qp_long_line_gets_soft_breaks_not_inside_escapes() {
    // Escapes of the input's own sit at every possible break point.
    for lead in 0..4 {
        let mut body = vec![b'x'; lead];
        while body.len() < 3000 {
            body.extend_from_slice(b"=41\xe9=");
        }
        let input = [
            &b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"[..],
            &body,
            b"\r\n",
        ]
        .concat();
        assert_lossless(&input);
    }
}

#[test]
fn qp_clean_stays_byte_identical() {
    let input = b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n";
    let (out, report) = run(input).unwrap();
    assert_eq!(out, input);
    assert!(report.unchanged());
}

// ---- class 2: unknown transfer-encoding labels --------------------------

#[test]
fn identity_spelling_over_eight_bit_is_reencoded_and_relabelled() {
    for label in ["8bit+", "7bits", "8-bit", "8 bit", "8bith", "7-BIT"] {
        let input = format!(
            "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: {label}\r\n\r\nGrüße, café\r\n"
        );
        let (out, report) = assert_lossless(input.as_bytes());
        assert_ne!(report.parts[0].action, Action::Kept, "{label}");
        let head = String::from_utf8(header_of(&out).to_vec()).unwrap();
        assert!(!head.contains(label), "{label}: {head}");
    }
}

#[test]
fn unknown_label_over_eight_bit_is_refused_with_label_and_offset() {
    let head = "Content-Transfer-Encoding: x-uuencode\r\n\r\n";
    let input = format!("{head}abc\u{e9}\r\n");
    let err = run(input.as_bytes()).unwrap_err();
    assert_eq!(
        err,
        Error::UnknownEncoding {
            offset: head.len() as u64 + 3,
            label: "x-uuencode".into()
        }
    );
    assert!(err.to_string().contains("x-uuencode"));
    let err = run(b"Content-Transfer-Encoding: hexa\r\n\r\na\0b\r\n").unwrap_err();
    assert!(matches!(err, Error::UnknownEncoding { ref label, .. } if label == "hexa"));
}

#[test]
fn unknown_label_over_seven_bit_is_kept() {
    for label in ["hexa", "8bit+", "x-uuencode"] {
        let input = format!("Content-Transfer-Encoding: {label}\r\n\r\nplain text\r\n");
        let (out, report) = run(input.as_bytes()).unwrap();
        assert_eq!(out, input.as_bytes());
        assert!(report.unchanged());
    }
}

// ---- class 2: 7bit / unlabelled parts with NUL or bare CR ---------------

#[test]
fn seven_bit_nul_and_bare_cr_are_encoded() {
    for cte in ["", "Content-Transfer-Encoding: 7bit\r\n"] {
        let input = format!("Subject: x\r\n{cte}\r\na\0b\rc\r\n");
        let (_, report) = assert_lossless(input.as_bytes());
        assert_ne!(report.parts[0].action, Action::Kept);
    }
}

// ---- class 6: an mbox envelope line first -------------------------------

const ENVELOPE: &str = "From sender@example.org Mon Dec  7 12:00:00 2026\r\n";

#[test]
fn envelope_line_is_kept_and_the_message_after_it_downgraded() {
    let msg = "Subject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n";
    let input = format!("{ENVELOPE}{msg}");
    let (out, report) = run(input.as_bytes()).unwrap();
    assert!(report.envelope_line);
    assert!(out.starts_with(ENVELOPE.as_bytes()));
    let rest = &out[ENVELOPE.len()..];
    assert_seven_bit(rest);
    assert_eq!(payloads(msg.as_bytes()), payloads(rest));
    // The headers stayed headers: the Subject was encoded, the body too.
    assert!(rest.starts_with(b"Subject: =?"));
    let (alone, _) = run(msg.as_bytes()).unwrap();
    assert_eq!(rest, alone);
    assert_eq!(envelope_line(input.as_bytes()), Some(ENVELOPE.len()));
}

#[test]
fn envelope_line_lf_and_offsets_count_from_the_input_start() {
    let env = "From a@b.example Tue Jan  1 00:00:00 2002\n";
    let input = format!("{env}To: j\u{f6}rg@example.org\n\nx\n");
    let err = run(input.as_bytes()).unwrap_err();
    assert!(
        matches!(err, Error::EightBitAddress { offset, .. } if offset == env.len() as u64),
        "{err:?}"
    );
}

#[test]
fn envelope_line_alone_or_absent() {
    let (out, report) = run(b"From a b\r\n").unwrap();
    assert!(report.envelope_line);
    assert_eq!(out, b"From a b\r\n");
    // A `From:` field, an obsolete `From :` field: no envelope.
    for input in [&b"From: a@b\r\n\r\nx\r\n"[..], b"From : a@b\r\n\r\nx\r\n"] {
        let (out, report) = run(input).unwrap();
        assert!(!report.envelope_line);
        assert_eq!(out, input);
    }
}

#[test]
fn envelope_line_with_eight_bit_bytes_is_replaced_and_counted() {
    let input = b"From j\xf6rg@x Mon\r\nSubject: x\r\n\r\nbody\r\n";
    let (out, report) = run(input).unwrap();
    assert!(out.starts_with(b"From j?rg@x Mon\r\nSubject: x\r\n"));
    assert_eq!(report.preamble_epilogue_replaced, 1);
}

// ---- class 1: late 8-bit with the whole message at hand -----------------

fn late(tail: &[u8], cte: &str) -> Vec<u8> {
    let mut m =
        format!("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n{cte}\r\n").into_bytes();
    // Past the streaming lookahead.
    let mut i = 0;
    while m.len() < Options::default().window + 100 {
        m.extend_from_slice(format!("line {i} of plain text\r\n").as_bytes());
        i += 1;
    }
    m.extend_from_slice(tail);
    m.extend_from_slice(b"\r\nmore\r\n--b\r\nContent-Type: text/plain\r\n\r\nnext\r\n--b--\r\n");
    m
}

#[test]
fn late_bytes_are_encoded_from_a_buffer_and_refused_when_streaming() {
    let long = vec![b'x'; 1500];
    for tail in ["café".as_bytes(), b"a\0b", b"a\rb", &long] {
        for cte in [
            "",
            "Content-Transfer-Encoding: 7bit\r\n",
            "Content-Transfer-Encoding: 8bits\r\n",
        ] {
            let input = late(tail, cte);
            let mut out = Vec::new();
            let report = downgrade_buffer(&input, Options::default(), &mut out).unwrap();
            assert_seven_bit(&out);
            assert_eq!(payloads(&input), payloads(&out));
            assert_ne!(report.parts[1].action, Action::Kept);
            assert_eq!(report.parts[2].action, Action::Kept);
            assert_eq!(report.output_bytes, out.len() as u64);
            assert!(matches!(run(&input), Err(Error::LateEightBit { .. })));
        }
    }
}

#[test]
fn buffer_mode_keeps_envelope_and_line_ending() {
    let input = [ENVELOPE.as_bytes(), &late("é".as_bytes(), "")].concat();
    let lf: Vec<u8> = input.iter().copied().filter(|&b| b != b'\r').collect();
    let opts = Options {
        line_ending: LineEnding::Lf,
        ..Options::default()
    };
    let mut out = Vec::new();
    let report = downgrade_buffer(&lf, opts, &mut out).unwrap();
    assert!(report.envelope_line);
    assert!(out.is_ascii() && !out.contains(&b'\r'));
    assert!(out.starts_with(b"From sender@example.org Mon Dec  7 12:00:00 2026\nContent-Type"));
    assert_eq!(report.output_bytes, out.len() as u64);
}

#[test]
fn bare_cr_at_the_very_end_is_not_silently_replaced() {
    let mut input = b"Subject: x\r\n\r\n".to_vec();
    // Past the streaming lookahead.
    let mut i = 0;
    while input.len() < Options::default().window + 100 {
        input.extend_from_slice(format!("line {i}\r\n").as_bytes());
        i += 1;
    }
    input.push(b'\r');
    let mut out = Vec::new();
    let report = downgrade_buffer(&input, Options::default(), &mut out).unwrap();
    assert_seven_bit(&out);
    assert_eq!(payloads(&input), payloads(&out));
    assert_eq!(report.preamble_epilogue_replaced, 0);
    assert_ne!(report.parts[0].action, Action::Kept);
    assert!(matches!(run(&input), Err(Error::LateEightBit { .. })));
}
