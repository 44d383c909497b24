//! The streaming downgrade: output independent of how the input is split,
//! always 7-bit CRLF with short lines, bounded memory, and the rules.

#[path = "common/downgrade_gen.rs"]
mod gen;
#[path = "common/downgrade_util.rs"]
mod util;

use septet::downgrade::{Action, Downgrader, Error, LineEnding, Options, Report};
use util::{assert_seven_bit, run, run_chunks};

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
    // Past the depth limit the subtree passes through as it is when 7-bit
    // (tests/downgrade_malformed.rs); 8-bit data in it is refused.
    msg.extend_from_slice("\r\ncaf\u{e9}\r\n".as_bytes());
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

/// Fills `buf` with pseudo-random binary data (8 bytes per generator
/// step; NUL, CR and LF sprinkled in so the part is binary for every
/// reason).
fn fill_binary(g: &mut gen::Gen, buf: &mut [u8]) {
    for word in buf.chunks_mut(8) {
        let bytes = g.next().to_le_bytes();
        word.copy_from_slice(&bytes[..word.len()]);
    }
    for b in buf.iter_mut().step_by(97) {
        *b = 0;
    }
    for b in buf.iter_mut().skip(1).step_by(89) {
        *b = b'\r';
    }
    for b in buf.iter_mut().skip(2).step_by(83) {
        *b = b'\n';
    }
}

/// A 256 MiB message with a binary attachment, generated chunk by chunk and
/// fed as it is made; the output of each chunk is counted and dropped.
/// Nothing the size of the message is ever held, by the test or the
/// downgrader.
#[test]
fn memory_is_bounded_for_a_large_binary_attachment() {
    const MIB: usize = 1 << 20;
    let total = 256 * MIB;
    let mut d = Downgrader::new(Options::default());
    let mut out = Vec::new();
    d.feed(
        "Subject: Grüße\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\
          Content-Type: text/plain; charset=utf-8\r\n\r\nHallo, anbei die Daten. Grüße\r\n--zz\r\n\
          Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            .as_bytes(),
        &mut out,
    )
    .unwrap();
    let mut g = gen::Gen::new(9);
    let (mut max, mut out_len, mut fed) = (0, out.len() as u64, 0);
    let mut chunk = vec![0; 256 * 1024 + 1000];
    out.clear();
    while fed < total {
        // Odd chunk sizes, so chunk ends fall anywhere in a base64 line.
        let n = (256 * 1024 + g.below(1000)).min(total - fed);
        fill_binary(&mut g, &mut chunk[..n]);
        fed += n;
        d.feed(&chunk[..n], &mut out).unwrap();
        max = max.max(d.buffered_bytes());
        out_len += out.len() as u64;
        out.clear();
    }
    d.feed(b"\r\n--zz--\r\n", &mut out).unwrap();
    let report = d.finish(&mut out).unwrap();
    out_len += out.len() as u64;
    // The header-block limit plus the tokenizer lookahead and window.
    assert!(max < 64 * 1024 + 8 * 1024, "buffered {max} bytes");
    assert_eq!(report.output_bytes, out_len);
    let part = &report.parts[2];
    assert_eq!(part.action, Action::Base64);
    assert_eq!(part.body_in, total as u64);
    // 76 base64 characters per line, each line ending in CRLF.
    let chars = total.div_ceil(3) * 4;
    let lines = chars.div_ceil(76);
    assert!(
        (chars + 2 * (lines - 1)..=chars + 2 * lines).contains(&(part.body_out as usize)),
        "body_out {}",
        part.body_out
    );
    assert_ne!(report.parts[1].action, Action::Kept);
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
            Err(
                Error::EightBitAddress { .. }
                | Error::LateEightBit { .. }
                | Error::UnknownEncoding { .. }
                | Error::UndelimitedMultipart { .. }
                | Error::AmbiguousHeader { .. }
                | Error::EightBitMediaType { .. }
                | Error::HeaderLineTooLong { .. },
            ) => {}
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
    // Past the lookahead (Options::window).
    while msg.len() < Options::default().window + 100 {
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

/// The root's field `name`, decoded by septet's parser, and its raw value
/// unfolded.
fn header_of(out: &[u8], name: &str) -> (String, Vec<u8>) {
    let m = septet::mime::Message::parse(out).unwrap();
    let h = m.root().header(name).expect("field present");
    (h.decoded(), h.unfolded().into_owned())
}

/// Found by the `downgrade` fuzz target: a 1160-byte line holding a `:` is
/// a header field whose 369-byte name cannot be folded and whose value has
/// no white space: the value becomes encoded words.
#[test]
fn overlong_ascii_header_line_is_folded() {
    let mut msg = vec![b'['; 369];
    msg.push(b':');
    msg.extend(std::iter::repeat_n(b'I', 790));
    let (out, report) = run(&msg);
    assert_seven_bit(&out);
    assert!(report.parts[0].header_encoded);
    let (text, _) = header_of(&out, &"[".repeat(369));
    assert_eq!(text, "I".repeat(790));
}

/// A multipart/signed whose signed content is `signed` (a whole part, CRLF).
fn signed_message(signed: &str) -> String {
    format!(
        "Subject: signed\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\r\n\r\n\
         --s\r\n{signed}\r\n--s\r\n\
         Content-Type: application/pgp-signature\r\n\r\n\
         -----BEGIN PGP SIGNATURE-----\r\nAAAA\r\n-----END PGP SIGNATURE-----\r\n\
         --s--\r\n"
    )
}

fn run_with(msg: &[u8], opts: Options) -> Result<(Vec<u8>, Report), Error> {
    let mut d = Downgrader::new(opts);
    let mut out = Vec::new();
    d.feed(msg, &mut out)?;
    let r = d.finish(&mut out)?;
    Ok((out, r))
}

fn refuse_signed() -> Options {
    Options {
        refuse_signed: true,
        ..Options::default()
    }
}

#[test]
fn changed_signed_content_is_flagged_or_refused() {
    let cases = [
        // 8-bit body.
        "Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\nGrüße",
        // 8-bit header only.
        "Content-Type: text/plain\r\nContent-Description: Grüße\r\n\r\nplain",
        // A header line over 998 octets (folded).
        &format!(
            "Content-Type: text/plain\r\nX-Long: {}\r\n\r\nplain",
            "a ".repeat(600)
        ),
        // A nested leaf, two levels down.
        "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\
         Content-Type: multipart/alternative; boundary=n\r\n\r\n--n\r\n\r\nok\r\n--n\r\n\
         Content-Transfer-Encoding: binary\r\n\r\n\u{0}bin\r\n--n--\r\n--m--",
        // An 8-bit byte in a nested preamble.
        "Content-Type: multipart/mixed; boundary=m\r\n\r\npré\r\n--m\r\n\r\nok\r\n--m--",
    ];
    let signed_part_at = signed_message("").find("--s\r\n").unwrap() as u64 + 5;
    for (i, signed) in cases.iter().enumerate() {
        let msg = signed_message(signed);
        let (out, report) = run(msg.as_bytes());
        assert_seven_bit(&out);
        assert!(report.signed_modified, "case {i}");
        assert!(report.parts[0].signed_modified, "case {i}");
        assert!(report.parts[1..].iter().all(|p| !p.signed_modified));
        // The report serializes with the `serde` feature (the CLI's JSON).
        #[cfg(feature = "serde")]
        {
            let json = simd_json::to_string(&report).unwrap();
            assert!(json.contains("\"signed_modified\":true"), "{json}");
        }

        let err = run_with(msg.as_bytes(), refuse_signed()).unwrap_err();
        let offset = match err {
            Error::SignedModified { offset } => offset,
            e => panic!("case {i}: {e}"),
        };
        // The offset is the part that had to change: the signed part or
        // one inside it.
        assert!(offset >= signed_part_at, "case {i}: {offset}");
        assert_eq!(
            &msg.as_bytes()[offset as usize - 2..offset as usize],
            b"\r\n"
        );
    }
    let err = run_with(signed_message(cases[0]).as_bytes(), refuse_signed()).unwrap_err();
    assert_eq!(
        err,
        Error::SignedModified {
            offset: signed_part_at
        }
    );
    assert!(err.to_string().contains(&format!("byte {signed_part_at}")));
}

#[test]
fn unchanged_signed_content_is_not_flagged() {
    // 7-bit signed content; the signature part, the outer header and the
    // multipart/signed's own preamble are not signed, and may change.
    let msg = signed_message("Content-Type: text/plain\r\n\r\nplain text");
    let msg = msg.replace("Subject: signed", "Subject: Grüße");
    let msg = msg.replace("\r\n\r\n--s\r\n", "\r\n\r\npréamble\r\n--s\r\n");
    let msg = msg.replace("AAAA", "AAAA\u{e9}");
    for opts in [Options::default(), refuse_signed()] {
        let (out, report) = run_with(msg.as_bytes(), opts).unwrap();
        assert_seven_bit(&out);
        assert!(!report.signed_modified);
        assert!(report.parts.iter().all(|p| !p.signed_modified));
        assert!(!report.unchanged());
    }
    // LF line breaks are not a change: the signature covers the CRLF form.
    let lf = signed_message("Content-Type: text/plain\r\n\r\nplain").replace("\r\n", "\n");
    let (_, report) = run_with(lf.as_bytes(), refuse_signed()).unwrap();
    assert!(!report.signed_modified);
}

/// Found by the downgrade fuzz target: a delimiter line ending in a bare CR
/// at the end of the input came out with that CR still bare.
#[test]
fn bare_cr_ending_a_delimiter_line_becomes_a_line_break() {
    for tail in ["--x\r", "--x--\r", "--x \r"] {
        let msg = format!("Content-Type: multipart/mixed; boundary=x\n\n--x\n\nbody\n{tail}");
        for split in 0..=msg.len() {
            let (a, b) = msg.as_bytes().split_at(split);
            let (out, _) = run_chunks([a, b]).unwrap();
            assert_seven_bit(&out);
            // After a close delimiter the CR is epilogue: replaced by `?`.
            if !tail.starts_with("--x--") {
                assert!(out.ends_with(b"\r\n"), "{tail:?} split at {split}: {out:?}");
            }
        }
    }
}

/// Found by the downgrade fuzz target: a bare CR replaced by `?` right at
/// column 998 of a preamble or epilogue line made the line 999 octets long.
#[test]
fn replaced_bare_cr_at_the_line_limit_breaks_the_line() {
    for n in [996, 997, 998, 999] {
        let line = format!("{}\rbbbbb\n", "a".repeat(n));
        let preamble =
            format!("Content-Type: multipart/mixed; boundary=x\n\n{line}--x\n\nbody\n--x--\n");
        let epilogue =
            format!("Content-Type: multipart/mixed; boundary=x\n\n--x\n\nbody\n--x--\n{line}");
        for msg in [preamble, epilogue] {
            let (out, report) = run(msg.as_bytes());
            assert_seven_bit(&out);
            assert!(report.preamble_epilogue_replaced >= 1);
        }
    }
}

/// The downgrade of `msg` in the line ending of its first line.
fn downgrade_in_own_line_ends(msg: &[u8]) -> Option<Vec<u8>> {
    let mut d = Downgrader::new(Options {
        line_ending: LineEnding::of_first_line(msg),
        ..Options::default()
    });
    let mut out = Vec::new();
    d.feed(msg, &mut out).ok()?;
    d.finish(&mut out).ok()?;
    Some(out)
}

/// `msg` made 7-bit (8-bit bytes and NUL become letters) with every line
/// break in one form.
fn seven_bit_form(msg: &[u8], lf: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len());
    for &b in msg {
        match b {
            b'\r' => {}
            b'\n' if !lf => out.extend_from_slice(b"\r\n"),
            0 => out.push(b'0'),
            b if b >= 0x80 => out.push(b'a' + b % 26),
            b => out.push(b),
        }
    }
    out
}

/// `msg` with 8bit and binary labels made 7bit and lines cut to 900
/// octets.
fn relabelled_short(msg: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(msg)
        .replace("Encoding: 8bit", "Encoding: 7bit")
        .replace("Encoding: binary", "Encoding: 7bit");
    let mut out = Vec::new();
    for line in text.as_bytes().split_inclusive(|&b| b == b'\n') {
        let cut = line.len().min(900);
        out.extend_from_slice(&line[..cut]);
        if cut < line.len() {
            out.extend_from_slice(if line.ends_with(b"\r\n") {
                b"\r\n"
            } else {
                b"\n"
            });
        }
    }
    out
}

/// Variants of a message: the ways a 7-bit looking message can still need
/// a change, and harmless ones.
fn variants(g: &mut gen::Gen, base: &[u8]) -> Vec<Vec<u8>> {
    let mut all = vec![base.to_vec()];
    let at = g.below(base.len().max(1));
    let edits: [&[u8]; 9] = [
        b"\xc3\xa9",
        b"\0",
        b"\r",
        b"\r\n",
        b"\n",
        b"\nContent-Transfer-Encoding: 8bit\n",
        b"\nContent-Transfer-Encoding: binary\n",
        b"\nContent-Transfer-Encoding: base64\n",
        b"\n--=_b\n",
    ];
    for edit in edits {
        let mut m = base.to_vec();
        m.splice(at..at, edit.iter().copied());
        all.push(m);
    }
    let mut long = base.to_vec();
    long.splice(at..at, std::iter::repeat_n(b'x', 990 + g.below(20)));
    all.push(long);
    let mut cut = base.to_vec();
    cut.truncate(at);
    all.push(cut);
    all
}

#[test]
fn a_message_said_to_need_no_downgrade_comes_out_unchanged() {
    let mut g = gen::Gen::new(11);
    let mut candidates = Vec::new();
    for i in 0..120 {
        let msg = gen::message(&mut g, i % 6, i % 2 == 0);
        candidates.push(msg.clone());
        let clean = relabelled_short(&seven_bit_form(&msg, i % 4 < 2));
        candidates.extend(variants(&mut g, &clean));
    }
    let dir = format!("{}/../../corpus", env!("CARGO_MANIFEST_DIR"));
    for form in ["crlf", "lf"] {
        for entry in std::fs::read_dir(format!("{dir}/{form}")).unwrap() {
            let msg = std::fs::read(entry.unwrap().path()).unwrap();
            candidates.push(seven_bit_form(&msg, form == "lf"));
            candidates.push(msg);
        }
    }
    let (mut borrowed, mut needed) = (0, 0);
    for msg in &candidates {
        if septet::downgrade::needs_downgrade(msg) {
            needed += 1;
            continue;
        }
        borrowed += 1;
        let out = downgrade_in_own_line_ends(msg).expect("a clean message cannot fail");
        assert!(
            out == *msg,
            "said to need no change, but the downgrade changes it:\n{}\n---\n{}",
            String::from_utf8_lossy(msg),
            String::from_utf8_lossy(&out)
        );
    }
    // Both answers occur often enough for the check to mean something.
    assert!(borrowed > 200 && needed > 200, "{borrowed} {needed}");
}

proptest::proptest! {
    #[test]
    fn needs_downgrade_is_exact_on_random_text(
        lines in proptest::collection::vec(
            proptest::collection::vec(
                proptest::sample::select(b"ab .-=:\t\r\x80\0CT".to_vec()), 0..40),
            1..12),
        crlf in proptest::bool::ANY,
    ) {
        let mut msg = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\n".to_vec();
        for line in &lines {
            msg.extend_from_slice(line);
            msg.push(b'\n');
        }
        msg.extend_from_slice(b"--b--\n");
        if crlf {
            msg = seven_bit_form(&msg, false);
        }
        if !septet::downgrade::needs_downgrade(&msg) {
            proptest::prop_assert_eq!(downgrade_in_own_line_ends(&msg), Some(msg));
        }
    }
}
