//! The SMTP downgrade pipeline: output independent of how the wire bytes
//! are split, identical to the hand-wired DataReader → Downgrader →
//! DotStuffer chain `septet downgrade --smtp` ran before, pipelined
//! commands after the end marker left alone, sticky errors.

#[path = "common/downgrade_gen.rs"]
mod gen;

use septet::downgrade::{self, Downgrader, LineEnding, Options};
use septet::smtp::{
    dot_stuff, BdatReader, DataReader, DataStatus, DotStuffer, DowngradePipeline, Framing, Limits,
    Output, PipelineError, PipelineStatus,
};

/// The chain as the CLI wired it by hand (the reference).
fn hand_wired(wire: &[u8], chunk: usize) -> Result<Vec<u8>, String> {
    let mut d = Downgrader::new(Options::default());
    let mut reader = DataReader::new(LIMITS);
    let mut stuffer = DotStuffer::new();
    let (mut message, mut out, mut result) = (Vec::new(), Vec::new(), Vec::new());
    for piece in wire.chunks(chunk.max(1)) {
        message.clear();
        let (_, status) = reader
            .feed(piece, &mut message)
            .map_err(|e| e.to_string())?;
        out.clear();
        d.feed(&message, &mut out).map_err(|e| e.to_string())?;
        stuffer.feed(&out, &mut result);
        if status == DataStatus::Done {
            break;
        }
    }
    if !reader.is_done() {
        return Err("incomplete".into());
    }
    out.clear();
    d.finish(&mut out).map_err(|e| e.to_string())?;
    stuffer.feed(&out, &mut result);
    stuffer.finish(&mut result);
    Ok(result)
}

/// The pipeline fed `pieces`; the output and the wire bytes it used.
fn piped<'a>(
    framing: Framing,
    output: Output,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(Vec<u8>, usize), PipelineError> {
    let mut p = DowngradePipeline::new(framing, output, Options::default());
    let mut out = Vec::new();
    let mut used = 0;
    for piece in pieces {
        let (n, status) = p.feed(piece, &mut out)?;
        used += n;
        if status == PipelineStatus::Done {
            break;
        }
        assert_eq!(n, piece.len());
    }
    assert_eq!(p.consumed(), used as u64);
    p.finish(&mut out)?;
    Ok((out, used))
}

/// Generated lines may pass SMTP's 1000 octets (the downgrade folds or
/// encodes them); the reader's limit is raised for them.
const LIMITS: Limits = Limits {
    max_line: 1 << 20,
    max_size: u64::MAX,
};
const DATA: Framing = Framing::Data(LIMITS);

/// Test messages: generated ones (8-bit text, binary parts, nested
/// messages) and lines that dot-stuffing cares about.
fn messages() -> Vec<Vec<u8>> {
    let mut g = gen::Gen::new(7);
    let mut all: Vec<Vec<u8>> = (0..6)
        .map(|kind| {
            let mut m = gen::message(&mut g, kind, false);
            m.truncate(1800);
            m
        })
        .collect();
    all.push(b"Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\nend\r\n".to_vec());
    all.push(
        "Subject: Grüße\r\n\r\n.Grüße aus Köln\r\n.\r\n"
            .as_bytes()
            .to_vec(),
    );
    all
}

/// `message` in DATA wire form (lines shorter than the SMTP limit), with
/// a pipelined command after it.
fn wire_form(message: &[u8]) -> Vec<u8> {
    let mut wire = dot_stuff(message);
    wire.extend_from_slice(b"MAIL FROM:<a@example.org>\r\n");
    wire
}

#[test]
fn every_split_point_matches_one_shot_and_the_old_chain() {
    for message in &messages() {
        let wire = wire_form(message);
        let end = wire.len() - b"MAIL FROM:<a@example.org>\r\n".len();
        let (whole, used) = piped(DATA, Output::Data, [&wire[..]]).unwrap();
        assert_eq!(used, end, "the pipelined command is not the message's");
        assert!(whole == hand_wired(&wire, wire.len()).unwrap());
        assert!(whole == hand_wired(&wire, 7).unwrap());
        assert!(whole.is_ascii() && whole.ends_with(b"\r\n.\r\n"));
        for split in 0..=wire.len() {
            let (out, n) = piped(DATA, Output::Data, [&wire[..split], &wire[split..]]).unwrap();
            assert!(out == whole, "split {split}");
            assert_eq!(n, end, "split {split}");
        }
        let (bytewise, n) = piped(DATA, Output::Data, wire.chunks(1)).unwrap();
        assert!(bytewise == whole);
        assert_eq!(n, end);
        // Reading it back gives the downgrade of the message as received.
        let unstuff = |wire: &[u8]| {
            let mut r = DataReader::new(LIMITS);
            let mut m = Vec::new();
            r.feed(wire, &mut m).unwrap();
            m
        };
        let back = unstuff(&whole);
        let mut direct = Vec::new();
        let mut d = Downgrader::new(Options::default());
        d.feed(&unstuff(&wire), &mut direct).unwrap();
        d.finish(&mut direct).unwrap();
        if !direct.ends_with(b"\r\n") && !direct.is_empty() {
            direct.extend_from_slice(b"\r\n");
        }
        assert!(back == direct);
    }
}

#[test]
fn raw_framing_and_lf_output() {
    for message in messages() {
        let mut d = Downgrader::new(Options::default());
        let mut crlf = Vec::new();
        d.feed(&message, &mut crlf).unwrap();
        d.finish(&mut crlf).unwrap();
        let (raw, used) = piped(Framing::Raw, Output::Raw, message.chunks(5)).unwrap();
        assert!(raw == crlf);
        assert_eq!(used, message.len());
        // LF output is the wire form with CRLF made LF, however split.
        let mut want = crlf.clone();
        LineEnding::Lf.apply_to_wire_form(&mut want, 0);
        assert!(!want.contains(&b'\r'));
        let lf = Options {
            line_ending: LineEnding::Lf,
            ..Options::default()
        };
        for split in 0..=message.len() {
            let mut d = Downgrader::new(lf);
            let mut out = Vec::new();
            d.feed(&message[..split], &mut out).unwrap();
            d.feed(&message[split..], &mut out).unwrap();
            let report = d.finish(&mut out).unwrap();
            assert!(out == want, "split {split}");
            assert_eq!(report.output_bytes, out.len() as u64);
        }
    }
}

#[test]
fn bdat_chunks() {
    let message = &messages()[2];
    let mut d = Downgrader::new(Options::default());
    let mut direct = Vec::new();
    d.feed(message, &mut direct).unwrap();
    d.finish(&mut direct).unwrap();
    for size in [1, 100, message.len()] {
        let mut p = DowngradePipeline::new(
            Framing::Bdat(Limits::default()),
            Output::Raw,
            Options::default(),
        );
        let mut out = Vec::new();
        let chunks: Vec<&[u8]> = message.chunks(size).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let last = i + 1 == chunks.len();
            let command = format!(
                "BDAT {}{}\r\n",
                chunk.len(),
                if last { " LAST" } else { "" }
            );
            let (n, is_last) = BdatReader::parse_command(command.as_bytes()).unwrap();
            p.start_chunk(n, is_last).unwrap();
            // The chunk arrives with the next command behind it.
            let mut wire = chunk.to_vec();
            wire.extend_from_slice(b"NOOP\r\n");
            let (used, status) = p.feed(&wire, &mut out).unwrap();
            assert_eq!(used, chunk.len());
            let want = if last {
                PipelineStatus::Done
            } else {
                PipelineStatus::ChunkDone
            };
            assert_eq!(status, want);
        }
        p.finish(&mut out).unwrap();
        assert!(out == direct, "chunks of {size}");
    }
}

#[test]
fn errors_carry_offsets_and_stick() {
    // A line over the limit: the framing's wire offset.
    let mut wire = b"Subject: x\r\n\r\n".to_vec();
    wire.extend_from_slice(&[b'a'; 1200]);
    wire.extend_from_slice(b"\r\n.\r\n");
    let mut p = DowngradePipeline::new(
        Framing::Data(Limits::default()),
        Output::Data,
        Options::default(),
    );
    let mut out = Vec::new();
    let e = p.feed(&wire, &mut out).unwrap_err();
    assert_eq!(
        e,
        PipelineError::Framing(septet::smtp::Error::LineTooLong { offset: 14 })
    );
    assert_eq!(p.feed(b".\r\n", &mut out).unwrap_err(), e);
    assert_eq!(p.finish(&mut out).unwrap_err(), e);
    // An 8-bit address: the downgrade's message offset.
    let wire = "To: jörg@example.org\r\n\r\nx\r\n.\r\n".as_bytes();
    let e = piped(DATA, Output::Data, [wire]).unwrap_err();
    assert!(matches!(
        e,
        PipelineError::Downgrade(downgrade::Error::EightBitAddress { offset: 0, .. })
    ));
    // No end marker.
    let e = piped(DATA, Output::Data, [&b"Subject: x\r\n\r\nbody\r\n"[..]]).unwrap_err();
    assert_eq!(e, PipelineError::Incomplete { offset: 20 });
    let mut p = DowngradePipeline::new(DATA, Output::Data, Options::default());
    assert!(matches!(
        p.start_chunk(1, true),
        Err(PipelineError::NoChunk { offset: 0 })
    ));
}
