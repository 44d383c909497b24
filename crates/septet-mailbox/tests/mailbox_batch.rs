//! The conversion driver and the CLI: Maildir names and flags preserved,
//! failing transforms reported and copied unchanged, input order kept with
//! several workers and small windows, `.eml` folders, atomic outputs.

#[path = "common/mailbox.rs"]
mod util;

use std::borrow::Cow;
use std::convert::Infallible;
use std::fs;
use std::num::NonZeroUsize;
use std::path::Path;

use septet_mailbox::{
    convert, list_maildir, ConvertOptions, Error, Format, LineEnding, Mbox, MboxVariant,
    MboxWriter, OutputFormat, Progress,
};
use util::TestDir;

fn identity(m: &[u8]) -> Result<Cow<'_, [u8]>, Infallible> {
    Ok(Cow::Borrowed(m))
}

/// Gives a closure stored in a variable the higher-ranked signature
/// `convert` needs (a closure passed inline gets it from `convert`).
fn transform<F: Fn(&[u8]) -> Result<Cow<'_, [u8]>, Infallible> + Sync>(f: F) -> F {
    f
}

/// An mboxrd file of `n` small messages, written by septet's writer.
fn mbox_of(n: usize) -> Vec<u8> {
    let mut w = MboxWriter::new(Vec::new());
    for i in 0..n {
        let msg = format!(
            "Subject: {i}\nStatus: {}\n\nbody {i}\nFrom line {i}\n",
            ["", "RO"][i % 2]
        );
        let from = format!("From s{i}@example.org Mon Jan  1 00:00:00 2024");
        w.write_message(from.as_bytes(), msg.as_bytes(), LineEnding::Lf)
            .unwrap();
    }
    w.into_inner()
}

/// Every file under `root` as (relative path, contents), sorted.
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["new", "cur", "tmp"] {
        for e in fs::read_dir(root.join(sub)).unwrap() {
            let e = e.unwrap();
            out.push((
                format!("{sub}/{}", e.file_name().to_string_lossy()),
                fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

fn make_maildir(root: &Path, files: &[(&str, &str)]) {
    for sub in ["new", "cur", "tmp"] {
        fs::create_dir_all(root.join(sub)).unwrap();
    }
    for (name, body) in files {
        fs::write(root.join(name), body).unwrap();
    }
}

#[test]
fn maildir_names_and_flags_survive() {
    let dir = TestDir::new("maildir");
    let src = dir.join("src");
    let files = [
        ("new/1700000001.M1P1.host", "Subject: 1\n\nA\n"),
        ("cur/1700000002.M2P1.host:2,FRS", "Subject: 2\n\nB\n"),
        ("new/1700000003.M3P1.host", "Subject: 3\n\nC\n"),
        ("cur/1700000004.M4P1.host:2,", "Subject: 4\n\nD\n"),
        ("cur/notime:2,S", "Subject: 0\n\nE\n"),
    ];
    make_maildir(&src, &files);
    fs::write(src.join("cur/.hidden"), "x").unwrap();
    fs::write(src.join("tmp/in-delivery"), "x").unwrap();

    let listed: Vec<_> = list_maildir(&src)
        .unwrap()
        .iter()
        .map(|f| {
            f.path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        listed,
        [
            "cur/notime:2,S",
            "new/1700000001.M1P1.host",
            "cur/1700000002.M2P1.host:2,FRS",
            "new/1700000003.M3P1.host",
            "cur/1700000004.M4P1.host:2,"
        ]
    );

    let out = dir.join("out");
    let options = ConvertOptions {
        to: OutputFormat::Maildir,
        ..ConvertOptions::default()
    };
    let report = convert(&[&src], &out, &options, identity, |_| {}).unwrap();
    assert_eq!(report.messages, 5);
    assert_eq!(report.inputs[0].format, Format::Maildir);
    let want: Vec<_> = tree(&src)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("tmp/") && !p.ends_with(".hidden"))
        .collect();
    assert_eq!(tree(&out), want);
    // Only the output was created beside it: no temporary folder left.
    assert_eq!(dir.entries(), ["out", "src"]);

    // Delivering into the existing folder again never overwrites.
    let report = convert(&[&src], &out, &options, identity, |_| {}).unwrap();
    assert_eq!(report.renamed, 5);
    let names: Vec<_> = tree(&out).into_iter().map(|(p, _)| p).collect();
    assert!(
        names.contains(&"cur/1700000002.M2P1.host.dup1:2,FRS".to_owned()),
        "{names:?}"
    );
    assert_eq!(names.len(), 10);
}

#[test]
fn mbox_to_maildir_and_back() {
    let dir = TestDir::new("roundtrip");
    let input = dir.join("in.mbox");
    fs::write(&input, mbox_of(30)).unwrap();
    let md = dir.join("md");
    let to_maildir = ConvertOptions {
        to: OutputFormat::Maildir,
        window_messages: 4,
        ..ConvertOptions::default()
    };
    convert(&[&input], &md, &to_maildir, identity, |_| {}).unwrap();
    let files = list_maildir(&md).unwrap();
    assert_eq!(files.len(), 30);
    // `Status: RO` puts a message in cur/ with the Seen flag.
    let flags: Vec<_> = files
        .iter()
        .map(|f| f.maildir.as_ref().unwrap().flags().to_owned())
        .collect();
    assert_eq!(flags[..2], ["", "S"]);
    // Names sort in input order.
    for (i, f) in files.iter().enumerate() {
        assert!(fs::read_to_string(&f.path)
            .unwrap()
            .starts_with(&format!("Subject: {i}\n")));
    }
    let back = dir.join("back.mbox");
    convert(&[md], &back, &ConvertOptions::default(), identity, |_| {}).unwrap();
    let original: Vec<_> = Mbox::open(&input)
        .unwrap()
        .messages(MboxVariant::Mboxrd)
        .unwrap()
        .map(|m| m.data.into_owned())
        .collect();
    let back = Mbox::open(&back).unwrap();
    let msgs: Vec<_> = back.messages(MboxVariant::Mboxrd).unwrap().collect();
    assert_eq!(
        msgs.iter().map(|m| m.data.to_vec()).collect::<Vec<_>>(),
        original
    );
    // Separators made for Maildir messages: sender unknown, date of the name.
    let septet_mailbox::Envelope::Mbox { from_line } = msgs[0].envelope else {
        panic!()
    };
    assert!(
        from_line.starts_with(b"From MAILER-DAEMON "),
        "{}",
        String::from_utf8_lossy(from_line)
    );
}

/// Uppercases `body`; refuses messages with `FAIL`, panics on `PANIC`.
fn picky(m: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let text = String::from_utf8_lossy(m);
    if text.contains("FAIL") {
        return Err("refused: FAIL marker".to_owned());
    }
    if text.contains("PANIC") {
        panic!("PANIC marker");
    }
    Ok(Cow::Owned(text.replace("body", "BODY").into_bytes()))
}

#[test]
fn failing_transforms_are_reported_and_copied() {
    let dir = TestDir::new("failing");
    let mut w = MboxWriter::new(Vec::new());
    let bodies = [
        "body 0\n",
        "body 1 FAIL\n",
        "body 2\n",
        "body 3 PANIC\n",
        "body 4\n",
    ];
    for b in bodies {
        w.write_message(
            b"From x Mon Jan  1 00:00:00 2024",
            format!("S: x\n\n{b}").as_bytes(),
            LineEnding::Lf,
        )
        .unwrap();
    }
    let data = w.into_inner();
    let offsets: Vec<u64> = Mbox::open(&{
        let p = dir.join("in.mbox");
        fs::write(&p, &data).unwrap();
        p
    })
    .unwrap()
    .split(MboxVariant::Mboxrd)
    .unwrap()
    .map(|r| r.offset)
    .collect();
    let out = dir.join("out.mbox");
    let options = ConvertOptions {
        jobs: NonZeroUsize::new(2),
        window_messages: 2,
        ..ConvertOptions::default()
    };
    let report = convert(&[dir.join("in.mbox")], &out, &options, picky, |_| {}).unwrap();
    assert_eq!((report.messages, report.changed, report.failed), (5, 3, 2));
    let f = &report.failures;
    assert_eq!((f[0].index, f[0].message, f[0].offset), (1, 1, offsets[1]));
    assert_eq!(f[0].reason, "refused: FAIL marker");
    assert_eq!((f[1].index, f[1].offset), (3, offsets[3]));
    assert!(f[1].reason.contains("panicked") && f[1].reason.contains("PANIC marker"));
    let written: Vec<_> = Mbox::open(&out)
        .unwrap()
        .messages(MboxVariant::Mboxrd)
        .unwrap()
        .map(|m| String::from_utf8(m.data.into_owned()).unwrap())
        .collect();
    assert_eq!(
        written,
        [
            "S: x\n\nBODY 0\n",
            "S: x\n\nbody 1 FAIL\n",
            "S: x\n\nBODY 2\n",
            "S: x\n\nbody 3 PANIC\n",
            "S: x\n\nBODY 4\n"
        ]
    );

    // A failing message file is reported with its path.
    let md = dir.join("md");
    make_maildir(&md, &[("new/1.a.h", "FAIL\n"), ("new/2.b.h", "body\n")]);
    let report = convert(&[&md], dir.join("md.mbox"), &options, picky, |_| {}).unwrap();
    assert_eq!(report.failed, 1);
    assert_eq!(
        report.failures[0].file.as_deref(),
        Some(md.join("new/1.a.h").to_str().unwrap())
    );
}

/// Busy work that varies per message, so workers finish out of order.
fn uneven(m: &[u8]) -> Result<Cow<'_, [u8]>, Infallible> {
    let spin = m.iter().map(|&b| b as u64).sum::<u64>() % 7 * 20_000;
    let mut x = 0u64;
    for i in 0..spin {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
    }
    let mut out = m.to_vec();
    out.extend_from_slice(format!("X-Spin: {}\n", x % 2).as_bytes());
    Ok(Cow::Owned(out))
}

#[test]
fn order_is_kept_with_two_jobs() {
    let dir = TestDir::new("order");
    let input = dir.join("in.mbox");
    fs::write(&input, mbox_of(500)).unwrap();
    let out = dir.join("out.mbox");
    let options = ConvertOptions {
        jobs: NonZeroUsize::new(2),
        window_messages: 7,
        window_bytes: 300,
        ..ConvertOptions::default()
    };
    let mut seen: Vec<Progress> = Vec::new();
    let report = convert(
        &[input.clone(), input.clone()],
        &out,
        &options,
        uneven,
        |p| seen.push(p),
    )
    .unwrap();
    assert_eq!(report.messages, 1000);
    let subjects: Vec<_> = Mbox::open(&out)
        .unwrap()
        .messages(MboxVariant::Mboxrd)
        .unwrap()
        .map(|m| {
            String::from_utf8_lossy(&m.data)
                .lines()
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let want: Vec<_> = (0..2)
        .flat_map(|_| (0..500).map(|i| format!("Subject: {i}")))
        .collect();
    assert_eq!(subjects, want);
    assert!(seen
        .windows(2)
        .all(|w| w[0].messages <= w[1].messages && w[0].bytes <= w[1].bytes));
    let last = seen.last().unwrap();
    assert_eq!((last.messages, last.bytes), (1000, last.total_bytes));
}

#[test]
fn failed_runs_leave_no_output() {
    let dir = TestDir::new("atomic");
    let input = dir.join("in.mbox");
    fs::write(&input, mbox_of(3)).unwrap();
    let out = dir.join("out.mbox");
    fs::write(&out, "previous contents").unwrap();
    // The second input is a Maildir whose message vanishes after listing:
    // reading it fails mid-run, after the first input was written.
    let md = dir.join("md");
    make_maildir(&md, &[("new/1.x.h", "Subject: gone\n\n")]);
    let vanishing = transform(|m: &[u8]| {
        let _ = fs::remove_file(dir.join("md/new/1.x.h"));
        identity(m)
    });
    let options = ConvertOptions {
        window_messages: 1,
        ..ConvertOptions::default()
    };
    let err = convert(
        &[input.clone(), md.clone()],
        &out,
        &options,
        vanishing,
        |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_eq!(fs::read(&out).unwrap(), b"previous contents");
    assert_eq!(dir.entries(), ["in.mbox", "md", "out.mbox"]);

    // Same for a new Maildir output.
    make_maildir(&md, &[("new/1.x.h", "Subject: gone\n\n")]);
    let maildir = ConvertOptions {
        to: OutputFormat::Maildir,
        ..options
    };
    let md_out = dir.join("md-out");
    assert!(convert(&[input, md], &md_out, &maildir, vanishing, |_| {}).is_err());
    assert_eq!(dir.entries(), ["in.mbox", "md", "out.mbox"]);
}

#[test]
fn eml_folders_in_name_order() {
    let dir = TestDir::new("eml");
    let src = dir.join("src");
    fs::create_dir(&src).unwrap();
    for (name, body) in [
        ("b.eml", "Subject: b\n\n"),
        ("a.EML", "Subject: a\r\n\r\n"),
        ("c.txt", "x"),
        (".d.eml", "x"),
    ] {
        fs::write(src.join(name), body).unwrap();
    }
    let out = dir.join("out.mbox");
    // `x` has no header block: detection refuses it as not mail, so the
    // format is given (a forced .eml refuses only compressed or binary data).
    let eml = ConvertOptions {
        from: Some(Format::Eml),
        ..ConvertOptions::default()
    };
    let report = convert(
        &[src.clone(), src.join("c.txt")],
        &out,
        &eml,
        identity,
        |_| {},
    )
    .unwrap();
    assert_eq!(
        report.inputs.iter().map(|i| i.format).collect::<Vec<_>>(),
        [Format::Eml, Format::Eml]
    );
    let out = Mbox::open(&out).unwrap();
    let msgs: Vec<_> = out.messages(MboxVariant::Mboxrd).unwrap().collect();
    let data: Vec<&[u8]> = msgs.iter().map(|m| &*m.data).collect();
    assert_eq!(
        data,
        [&b"Subject: a\r\n\r\n"[..], b"Subject: b\n\n", b"x\n"]
    );
    assert_eq!(msgs[0].line_ending, LineEnding::CrLf);
    assert_eq!(report.final_newline_added, 1);
}

#[test]
fn the_downgrade_transform_in_an_archive() {
    let dir = TestDir::new("downgrade-transform");
    let messages: [&[u8]; 4] = [
        b"Subject: plain\n\nseven bit\nFrom here\n",
        "Subject: x\nContent-Length: 3\n\nGr\u{fc}\u{df}e aus K\u{f6}ln\n".as_bytes(),
        b"Subject: crlf\r\n\r\nseven bit\r\n",
        "Subject: crlf\r\n\r\n8bit caf\u{e9}\r\n".as_bytes(),
    ];
    let mut w = MboxWriter::new(Vec::new());
    for m in messages {
        let eol = LineEnding::of_first_line(m);
        w.write_message(b"From a@example.org Mon Jan  1 00:00:00 2024", m, eol)
            .unwrap();
    }
    let input = dir.join("in.mbox");
    fs::write(&input, w.into_inner()).unwrap();
    let output = dir.join("out.mbox");
    let report = convert(
        &[&input],
        &output,
        &ConvertOptions::default(),
        septet_mailbox::downgrade_message,
        |_: Progress| {},
    )
    .unwrap();
    assert_eq!((report.changed, report.unchanged, report.failed), (2, 2, 0));
    assert_eq!(report.content_length_rewritten, 1);
    let out = fs::read(&output).unwrap();
    let back: Vec<Vec<u8>> = Mbox::open(&output)
        .unwrap()
        .split(MboxVariant::Mboxrd)
        .unwrap()
        .map(|r| r.unquoted().into_owned())
        .collect();
    assert!(out.is_ascii());
    // Unchanged messages byte for byte; each keeps its line ends.
    assert_eq!(back[0], messages[0]);
    assert_eq!(back[2], messages[2]);
    assert!(!back[1].contains(&b'\r'));
    assert!(back[3].ends_with(b"\r\n") && !back[3].windows(2).any(|w| w == b"\n\n"));
    // The rewritten Content-Length is the new body's length.
    let body = util::body_start(&back[1]);
    let field = format!("Content-Length: {}\n", back[1].len() - body);
    assert!(back[1].windows(field.len()).any(|w| w == field.as_bytes()));
}

#[test]
fn atomic_files_appear_whole_or_not_at_all() {
    use septet_mailbox::AtomicFile;
    use std::io::Write;
    let dir = TestDir::new("atomic-file");
    let target = dir.join("out.txt");
    fs::write(&target, b"old").unwrap();
    let mut file = AtomicFile::create(&target).unwrap();
    file.write_all(b"new").unwrap();
    // Not committed: the target is untouched and no temporary file stays.
    drop(file);
    assert_eq!(fs::read(&target).unwrap(), b"old");
    assert_eq!(dir.entries(), ["out.txt"]);
    let mut file = AtomicFile::create(&target).unwrap();
    file.write_all(b"new").unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"old");
    file.commit().unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"new");
    assert_eq!(dir.entries(), ["out.txt"]);
    assert!(AtomicFile::create(dir.path()).is_err());
}
