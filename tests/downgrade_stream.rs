//! The streaming downgrade: output independent of how the input is split,
//! always 7-bit CRLF with short lines, bounded memory, and the rules.

#[path = "common/downgrade_gen.rs"]
mod gen;

use septet::downgrade::{Action, Downgrader, Error, Options, Report};

fn run_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<(Vec<u8>, Report), Error> {
    let mut d = Downgrader::new(Options::default());
    let mut out = Vec::new();
    for c in chunks {
        d.feed(c, &mut out)?;
    }
    let r = d.finish(&mut out)?;
    Ok((out, r))
}

fn run(msg: &[u8]) -> (Vec<u8>, Report) {
    run_chunks([msg]).unwrap()
}

/// Pure 7-bit, no NUL, every line break CRLF, lines of at most 998 octets.
fn assert_seven_bit(out: &[u8]) {
    let mut col = 0;
    for (i, &b) in out.iter().enumerate() {
        assert!(
            b < 128 && b != 0,
            "byte {b:#x} at {i}: {:?}",
            String::from_utf8_lossy(&out[i.saturating_sub(300)..(i + 40).min(out.len())])
        );
        match b {
            b'\r' => assert_eq!(out.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
            b'\n' => {
                assert!(i > 0 && out[i - 1] == b'\r', "bare LF at {i}");
                col = 0;
            }
            _ => {
                col += 1;
                assert!(col <= 998, "line too long at {i}");
            }
        }
    }
}

#[test]
fn every_split_point_gives_the_same_output() {
    let mut g = gen::Gen::new(1);
    for kind in 0..6 {
        for lf in [false, true] {
            let mut msg = gen::message(&mut g, kind, lf);
            msg.truncate(1500);
            let (whole, _) = run(&msg);
            assert_seven_bit(&whole);
            for split in 0..=msg.len() {
                let (out, _) = run_chunks([&msg[..split], &msg[split..]]).unwrap();
                assert!(out == whole, "kind {kind} lf {lf} split {split}");
            }
            let (bytewise, _) = run_chunks(msg.chunks(1)).unwrap();
            assert!(bytewise == whole, "kind {kind} byte by byte");
        }
    }
}

#[test]
fn random_splits_of_a_larger_message() {
    let mut g = gen::Gen::new(2);
    let mut msg = Vec::new();
    for k in 2..6 {
        msg = gen::message(&mut g, k, false);
        if msg.len() > 2000 {
            break;
        }
    }
    let (whole, _) = run(&msg);
    assert_seven_bit(&whole);
    for _ in 0..200 {
        let mut pieces = Vec::new();
        let mut at = 0;
        while at < msg.len() {
            let n = 1 + g.below(700);
            let end = (at + n).min(msg.len());
            pieces.push(&msg[at..end]);
            at = end;
        }
        let (out, _) = run_chunks(pieces).unwrap();
        assert!(out == whole);
    }
}

#[test]
fn generated_messages_are_seven_bit() {
    let mut g = gen::Gen::new(3);
    for i in 0..60 {
        let msg = gen::message(&mut g, i, i % 2 == 1);
        let (out, report) = run(&msg);
        assert_seven_bit(&out);
        assert!(!report.unchanged());
    }
}

#[test]
fn seven_bit_message_is_unchanged() {
    let msg = b"From: a@example.org\r\nSubject: hi\r\n\r\n.line\r\nFrom x\r\n";
    let (out, report) = run(msg);
    assert_eq!(out, msg);
    assert!(report.unchanged());
}

#[test]
fn eight_bit_text_becomes_quoted_printable() {
    let msg = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
               Content-Transfer-Encoding: 8bit\r\nX-Other: y\r\n\r\n\
               Viele Grüße aus der Stadt\r\n.dot\r\nFrom me\r\n";
    let (out, report) = run(msg.as_bytes());
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: quoted-printable\r\nX-Other: y\r\n\r\n\
         Viele Gr=C3=BC=C3=9Fe aus der Stadt\r\n=2Edot\r\n=46rom me\r\n"
    );
    assert_eq!(report.parts[0].action, Action::QuotedPrintable);
}

#[test]
fn non_mime_message_gets_mime_headers() {
    let (out, report) = run("Subject: x\r\n\r\n\u{0}binär\r\n".as_bytes());
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with(
        "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n"
    ));
    assert_eq!(report.parts[0].action, Action::Base64);
}

#[test]
fn encoded_parts_pass_through_and_containers_are_relabelled() {
    let msg = b"Content-Type: multipart/mixed; boundary=b\r\n\
                Content-Transfer-Encoding: 8bit\r\n\r\n\
                --b\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n\
                --b--\r\n";
    let (out, report) = run(msg);
    let want = String::from_utf8_lossy(msg).replace("encoding: 8bit", "encoding: 7bit");
    let want = want.replace("Encoding: 8bit", "Encoding: 7bit");
    assert_eq!(String::from_utf8(out).unwrap(), want);
    assert_eq!(report.parts[0].action, Action::Relabelled);
    assert_eq!(report.parts[1].action, Action::Kept);
    assert_eq!(report.parts[1].section, "1");
}

#[test]
fn eight_bit_address_is_an_error() {
    let err = run_chunks(["To: jörg@example.org\r\n\r\nx".as_bytes()]).unwrap_err();
    assert_eq!(
        err,
        Error::EightBitAddress {
            offset: 0,
            field: "To".into()
        }
    );
}

#[test]
fn nesting_limit_is_an_error() {
    let mut msg = Vec::new();
    for i in 0..200 {
        msg.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n").as_bytes(),
        );
    }
    assert!(matches!(run_chunks([&msg[..]]), Err(Error::TooDeep { .. })));
}

#[test]
fn preamble_bytes_are_replaced_and_reported() {
    let msg =
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\npr\xe9\r\n--b\r\n\r\nx\r\n--b--\r\n";
    let (out, report) = run(msg);
    assert!(out.windows(4).any(|w| w == b"pr?\r"));
    assert_eq!(report.preamble_epilogue_replaced, 1);
}

#[test]
fn memory_is_bounded_for_a_large_binary_attachment() {
    const MIB: usize = 1 << 20;
    let total = 64 * MIB;
    let mut d = Downgrader::new(Options::default());
    let mut out = Vec::new();
    d.feed(
        b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\
          Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n",
        &mut out,
    )
    .unwrap();
    let mut g = gen::Gen::new(9);
    let mut max = 0;
    let mut out_len = 0u64;
    let mut fed = 0;
    while fed < total {
        let n = 256 * 1024 + g.below(1000);
        let chunk = gen::binary(&mut g, n);
        fed += chunk.len();
        d.feed(&chunk, &mut out).unwrap();
        max = max.max(d.buffered_bytes());
        out_len += out.len() as u64;
        out.clear();
    }
    d.feed(b"\r\n--zz--\r\n", &mut out).unwrap();
    let report = d.finish(&mut out).unwrap();
    // The header-block limit plus the tokenizer lookahead and window.
    assert!(max < 64 * 1024 + 8 * 1024, "buffered {max} bytes");
    assert_eq!(report.parts[1].action, Action::Base64);
    assert!(out_len as usize > total * 4 / 3);
}

#[test]
fn mutated_messages_never_panic() {
    let mut g = gen::Gen::new(7);
    let junk: &[u8] = b"\r\n-=:;\"<>\x00\xff\xc3 .F";
    for i in 0..1000 {
        let mut msg = gen::message(&mut g, i, i % 3 == 0);
        msg.truncate(4000);
        for _ in 0..1 + g.below(20) {
            let at = g.below(msg.len());
            match g.below(3) {
                0 => msg[at] = junk[g.below(junk.len())],
                1 => msg.insert(at, junk[g.below(junk.len())]),
                _ => {
                    msg.remove(at);
                }
            }
        }
        let split = g.below(msg.len() + 1);
        match run_chunks([&msg[..split], &msg[split..]]) {
            Ok((out, _)) => {
                assert_seven_bit(&out);
                assert!(out == run(&msg).0, "message {i}: split {split}");
            }
            // Both are refusals a relay turns into an SMTP reply.
            Err(Error::EightBitAddress { .. } | Error::LateEightBit { .. }) => {}
            Err(e) => panic!("message {i}: {e}"),
        }
    }
}

#[test]
fn downgrader_is_send() {
    fn send<T: Send + 'static>() {}
    send::<Downgrader>();
}

#[test]
fn seven_bit_label_lying_after_the_window_is_refused_or_repaired() {
    let mut msg = b"Content-Type: text/plain\r\n\r\n".to_vec();
    for _ in 0..200 {
        msg.extend_from_slice(b"plain ascii line of text\r\n");
    }
    let surprise = msg.len() + "but then: ".len();
    msg.extend_from_slice("but then: \u{fc}\r\n".as_bytes());

    // By default: no lossy conversion, a refusal naming the byte.
    let mut d = Downgrader::new(Options::default());
    let mut out = Vec::new();
    let err = d
        .feed(&msg, &mut out)
        .and_then(|()| d.finish(&mut out).map(drop));
    assert_eq!(
        err,
        Err(Error::LateEightBit {
            offset: surprise as u64
        })
    );

    // Opted in: the bytes become `?` and are counted.
    let mut d = Downgrader::new(Options {
        repair_late_8bit: true,
        ..Options::default()
    });
    let mut out = Vec::new();
    d.feed(&msg, &mut out).unwrap();
    let report = d.finish(&mut out).unwrap();
    assert_seven_bit(&out);
    assert_eq!(report.parts[0].action, Action::Kept);
    assert_eq!(report.parts[0].repaired, 2);
    assert!(out.ends_with(b"but then: ??\r\n"));
}

/// Found by the `downgrade` fuzz target: a 1160-byte line holding a `:` is
/// a header field, and an ASCII header line over 998 octets is passed
/// through unfolded. Open: fold it at white space, or encode it as RFC 2047
/// words when it has none.
#[test]
#[ignore = "known bug: ASCII header lines over 998 octets are not folded"]
fn overlong_ascii_header_line_is_folded() {
    let mut msg = vec![b'['; 369];
    msg.push(b':');
    msg.extend(std::iter::repeat_n(b'I', 790));
    let (out, _) = run(&msg);
    assert_seven_bit(&out);
}
