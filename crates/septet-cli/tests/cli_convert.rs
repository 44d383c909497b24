//! `septet convert` end to end: input order kept with a JSON report, and the
//! Content-Length rewrite under `--downgrade`.

#[path = "../../septet-mailbox/tests/common/mailbox.rs"]
mod util;

use std::fs;
use std::process::Command;

use septet_mailbox::{Format, LineEnding, Mbox, MboxVariant, MboxWriter, Report};
use util::TestDir;

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

fn septet(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_septet"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_converts_in_order_with_a_report() {
    let dir = TestDir::new("cli");
    let input = dir.join("in.mbox");
    let original = mbox_of(300);
    fs::write(&input, &original).unwrap();
    let out = dir.join("out.mbox");
    let report_path = dir.join("report.json");
    let run = septet(&[
        "convert".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--jobs".as_ref(),
        "2".as_ref(),
        "--report".as_ref(),
        report_path.as_os_str(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Not a terminal: quiet.
    assert!(
        run.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // The identity transform on septet's own mboxrd reproduces it exactly.
    assert_eq!(fs::read(&out).unwrap(), original);
    let mut json = fs::read(&report_path).unwrap();
    let report: Report = simd_json::serde::from_slice(&mut json).unwrap();
    assert_eq!(
        (report.messages, report.unchanged, report.failed),
        (300, 300, 0)
    );
    assert_eq!(report.bytes_in, original.len() as u64);
    assert_eq!(report.bytes_out, original.len() as u64);
    assert_eq!(report.inputs[0].format, Format::Mboxo);

    // A bad input fails the run before any output exists.
    let bad = dir.join("bad.mbox");
    fs::write(&bad, "not an mbox\n").unwrap();
    let out2 = dir.join("out2.mbox");
    let run = septet(&[
        "convert".as_ref(),
        input.as_os_str(),
        bad.as_os_str(),
        "--from".as_ref(),
        "mboxrd".as_ref(),
        "-o".as_ref(),
        out2.as_os_str(),
    ]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("not an mbox"));
    assert_eq!(
        dir.entries(),
        ["bad.mbox", "in.mbox", "out.mbox", "report.json"]
    );
}

#[test]
fn cli_downgrade_rewrites_content_length() {
    let dir = TestDir::new("cli-content-length");
    let body = "Gr\u{fc}\u{df}e aus K\u{f6}ln\n";
    let input = dir.join("in.mbox");
    fs::write(
        &input,
        format!(
            "From a@example.org Mon Jan  1 00:00:00 2024\nSubject: x\n\
             Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\
             Content-Length: {}\n\n{body}\n",
            body.len()
        ),
    )
    .unwrap();
    let out = dir.join("out.mbox");
    let report_path = dir.join("report.json");
    let run = septet(&[
        "convert".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--downgrade".as_ref(),
        "--report".as_ref(),
        report_path.as_os_str(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut json = fs::read(&report_path).unwrap();
    let report: Report = simd_json::serde::from_slice(&mut json).unwrap();
    assert_eq!((report.changed, report.content_length_rewritten), (1, 1));
    let back = Mbox::open(&out).unwrap();
    let messages: Vec<_> = back.messages(MboxVariant::Mboxrd).unwrap().collect();
    assert_eq!(messages.len(), 1);
    let data = &messages[0].data;
    assert!(data.is_ascii());
    // An LF message stays LF: the body starts after the first empty line.
    assert!(!data.contains(&b'\r'));
    let split = data.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let header = String::from_utf8_lossy(&data[..split]).into_owned();
    let value: usize = header
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(value, data.len() - split, "{header}");
}
