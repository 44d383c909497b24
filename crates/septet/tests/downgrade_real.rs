//! The downgrade on real mail: every message must come out as 7-bit MIME
//! that a reader sees as the same message, or be refused with a reason
//! (RFC 6152 allows nothing in between, in particular no silent repair).
//!
//! Messages: `corpus/real/*.eml` always (a committed sample, see
//! `corpus/real/SOURCES.md`), plus every file under `$SEPTET_REAL_CORPUS`
//! when set (a cache filled by `scripts/fetch_real_corpus.py`). A message
//! that starts with an mbox `From ` line is also run without that line, as
//! `NAME#nofrom`, so the other failure classes show through that one.
//!
//! Each message goes through `downgrade_buffer` (the whole message at
//! hand, as a relay or an archive conversion has it; with
//! `SEPTET_REAL_STREAMING=1`, through the streaming `Downgrader` fed it in
//! one call instead, its lookahead `Options::window` set by
//! `SEPTET_REAL_WINDOW=BYTES` if given) with default options; the output
//! must be 7-bit, CRLF only, lines of at most 998 octets, and Python's
//! `email` package (tests/python/real_oracle.py, one process for the run)
//! must see the same MIME tree, decoded leaf payloads, file names and
//! decoded Subject in input and output. The outcome of each message is
//! one of `unchanged`, `converted`, `different` (content changed with
//! success: the bug this test exists for), `refused` (by error kind),
//! `unchecked` (Python could not read the input) or `panic`; a table of
//! counts, with example names, is printed to stderr.
//!
//! The test fails on a panic or a hang anywhere, and, for the committed
//! sample, on a `different` outcome that `corpus/real/expected.tsv` does
//! not already pin (known-bad outcomes stay visible there until fixed).
//! `SEPTET_BLESS=1` rewrites `expected.tsv`; `SEPTET_REAL_REPORT=FILE`
//! writes every message's outcome, reason and detail as TSV;
//! `SEPTET_REAL_DUMP=DIR` writes the output of every `different` message
//! there (named like the message, `/` as `_`), for a closer look.
//!
//! Python 3.11+ must be installed; `SEPTET_SKIP_PYTHON=1` skips the test.

#[path = "common/python.rs"]
mod python;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use septet::downgrade::{downgrade_buffer, Downgrader, Options};
use serde::Deserialize;

/// Longer than any real message needs in a debug build; only a hang
/// takes this long.
const HANG: Duration = Duration::from_secs(120);

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/real");

struct Msg {
    name: String,
    bytes: Vec<u8>,
    /// From `corpus/real`, so pinned by `expected.tsv`.
    sample: bool,
}

/// What the downgrade did with one message.
enum Run {
    Done {
        out: Vec<u8>,
        unchanged: bool,
        repaired: u64,
    },
    /// The error's kind (its variant name) and its message.
    Refused(String, String),
    Panicked(String),
}

#[derive(Debug, Deserialize)]
struct Seen {
    subject: Option<String>,
    addr_8bit: Option<bool>,
    parts: Option<Vec<SeenPart>>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SeenPart {
    #[serde(rename = "type")]
    ty: String,
    multipart: bool,
    filename: Option<String>,
    cte: String,
    body: Option<String>,
    body_lf: Option<String>,
}

/// One message's verdict: outcome, reason (both pinned in expected.tsv),
/// and a detail for people.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Verdict {
    outcome: &'static str,
    reason: String,
    detail: String,
}

impl Verdict {
    fn new(outcome: &'static str, reason: impl Into<String>, detail: impl Into<String>) -> Self {
        Verdict {
            outcome,
            reason: reason.into(),
            detail: detail.into(),
        }
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("tsv" | "md")) {
            out.push(p);
        }
    }
}

fn messages() -> Vec<Msg> {
    let mut roots = vec![(PathBuf::from(SAMPLE), true)];
    if let Some(dir) = std::env::var_os("SEPTET_REAL_CORPUS") {
        roots.push((PathBuf::from(dir), false));
    }
    let mut msgs = Vec::new();
    for (root, sample) in roots {
        let mut files = Vec::new();
        files_under(&root, &mut files);
        for path in files {
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&path).unwrap();
            if bytes.starts_with(b"From ") {
                let rest = memchr_nl(&bytes).map_or(&[][..], |i| &bytes[i + 1..]);
                msgs.push(Msg {
                    name: format!("{name}#nofrom"),
                    bytes: rest.to_vec(),
                    sample,
                });
            }
            msgs.push(Msg {
                name,
                bytes,
                sample,
            });
        }
    }
    msgs
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

fn downgrade(msg: &[u8]) -> Run {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut out = Vec::new();
        let report = if std::env::var_os("SEPTET_REAL_STREAMING").is_some() {
            let mut opts = Options::default();
            if let Some(w) = std::env::var("SEPTET_REAL_WINDOW")
                .ok()
                .and_then(|w| w.parse().ok())
            {
                opts.window = w;
            }
            let mut d = Downgrader::new(opts);
            d.feed(msg, &mut out)?;
            d.finish(&mut out)?
        } else {
            downgrade_buffer(msg, Options::default(), &mut out)?
        };
        let repaired = report.parts.iter().map(|p| p.repaired).sum();
        Ok::<_, septet::downgrade::Error>((out, report.unchanged(), repaired))
    }));
    match result {
        Ok(Ok((out, unchanged, repaired))) => Run::Done {
            out,
            unchanged,
            repaired,
        },
        Ok(Err(e)) => {
            let kind = format!("{e:?}");
            let kind = kind
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap_or("")
                .to_string();
            Run::Refused(kind, e.to_string())
        }
        Err(p) => Run::Panicked(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        ),
    }
}

/// Runs every message on a worker thread, so a hang is reported with the
/// message's name instead of stalling the test run.
fn run_all(msgs: &Arc<Vec<Msg>>) -> Vec<Run> {
    let (tx, rx) = mpsc::channel();
    let work = Arc::clone(msgs);
    std::thread::spawn(move || {
        for m in work.iter() {
            if tx.send(downgrade(&m.bytes)).is_err() {
                return;
            }
        }
    });
    msgs.iter()
        .map(|m| {
            rx.recv_timeout(HANG)
                .unwrap_or_else(|_| panic!("{}: the downgrade hung (over {HANG:?})", m.name))
        })
        .collect()
}

/// Asks the oracle about every message in `inputs`, in order.
fn oracle(inputs: Vec<&[u8]>) -> Vec<Seen> {
    let Some(mut cmd) = python::python3() else {
        return Vec::new();
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/real_oracle.py");
    let mut child = cmd
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut frames = Vec::new();
    for m in &inputs {
        frames.extend_from_slice(format!("{}\n", m.len()).as_bytes());
        frames.extend_from_slice(m);
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&frames));
    let mut seen = Vec::with_capacity(inputs.len());
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let mut line = line.unwrap().into_bytes();
        seen.push(simd_json::from_slice::<Seen>(&mut line).expect("oracle JSON"));
    }
    writer.join().unwrap().expect("write to the oracle");
    assert!(child.wait().unwrap().success(), "the oracle failed");
    assert_eq!(seen.len(), inputs.len(), "the oracle skipped messages");
    seen
}

/// The first way `out` is not 7-bit, CRLF-only MIME with short lines.
fn not_seven_bit(out: &[u8]) -> Option<String> {
    let mut col = 0;
    for (i, &b) in out.iter().enumerate() {
        let bad = match b {
            0 => Some("nul"),
            128.. => Some("8bit"),
            b'\r' if out.get(i + 1) != Some(&b'\n') => Some("bare-cr"),
            b'\n' if i == 0 || out[i - 1] != b'\r' => Some("bare-lf"),
            b'\r' => None,
            b'\n' => {
                col = 0;
                None
            }
            _ => {
                col += 1;
                (col > 998).then_some("long-line")
            }
        };
        if let Some(what) = bad {
            return Some(format!("{what}@{i}"));
        }
    }
    None
}

/// Groups a part's transfer-encoding label into the classes the failures
/// are sorted by.
fn cte_class(cte: &str) -> &'static str {
    match cte {
        "" => "unlabelled",
        "7bit" => "7bit",
        "8bit" => "8bit",
        "binary" => "binary",
        "base64" => "base64",
        "quoted-printable" => "qp",
        _ => "unknown-cte",
    }
}

/// How `after` differs from `before` as a reader sees them: the check that
/// failed first, and where.
fn difference(before: &Seen, after: &Seen) -> Option<(String, String)> {
    if let Some(e) = &after.error {
        return Some(("oracle-error".into(), e.clone()));
    }
    let (b, a) = (before.parts.as_deref()?, after.parts.as_deref()?);
    let tree = |p: &[SeenPart]| {
        p.iter()
            .map(|x| (x.ty.clone(), x.multipart))
            .collect::<Vec<_>>()
    };
    if tree(b) != tree(a) {
        let detail = format!("{:?} -> {:?}", tree(b), tree(a));
        return Some(("tree".into(), detail));
    }
    for (i, (pb, pa)) in b.iter().zip(a).enumerate() {
        let at = format!("part {i} {} cte={:?}", pb.ty, pb.cte);
        if pb.filename != pa.filename {
            let detail = format!("{at}: {:?} -> {:?}", pb.filename, pa.filename);
            return Some(("filename".into(), detail));
        }
        if pb.body != pa.body && pb.body_lf != pa.body_lf {
            return Some((format!("payload-{}", cte_class(&pb.cte)), at));
        }
    }
    if before.subject != after.subject {
        let detail = format!("{:?} -> {:?}", before.subject, after.subject);
        return Some(("subject".into(), detail));
    }
    None
}

fn judge(msg: &Msg, run: &Run, before: &Seen, after: Option<&Seen>) -> Verdict {
    let (out, unchanged, repaired) = match run {
        Run::Panicked(p) => return Verdict::new("panic", "panic", p.clone()),
        Run::Refused(kind, text) => {
            // An 8-bit display name, comment or group name has a 7-bit form
            // (RFC 2047); only an 8-bit addr-spec has none.
            let reason = match (kind.as_str(), before.addr_8bit) {
                ("EightBitAddress", Some(false)) => format!("{kind}:ascii-addr-spec"),
                _ => kind.clone(),
            };
            return Verdict::new("refused", reason, text.clone());
        }
        Run::Done {
            out,
            unchanged,
            repaired,
        } => (out, *unchanged, *repaired),
    };
    let mbox = msg.bytes.starts_with(b"From ");
    let prefix = if mbox { "from-line:" } else { "" };
    if let Some(bad) = not_seven_bit(out) {
        let reason = format!("{prefix}output-{}", bad.split('@').next().unwrap());
        return Verdict::new("different", reason, bad);
    }
    if let Some(e) = &before.error {
        return Verdict::new("unchecked", "input-unreadable", e.clone());
    }
    let after = after.expect("the output was sent to the oracle");
    if let Some((reason, mut detail)) = difference(before, after) {
        if repaired > 0 {
            // The downgrade's own count of bytes it made `?`: a lossy repair.
            let _ = write!(detail, "; {repaired} byte(s) repaired");
        }
        return Verdict::new("different", format!("{prefix}{reason}"), detail);
    }
    let detail = if repaired > 0 {
        format!("{repaired} byte(s) repaired")
    } else {
        String::new()
    };
    match unchanged {
        true => Verdict::new("unchanged", "-", detail),
        false => Verdict::new("converted", "-", detail),
    }
}

/// Counts per outcome and per outcome and reason, with up to 3 names each,
/// over the sample (`sample`) or the cache.
fn table(msgs: &[Msg], verdicts: &[Verdict], sample: bool) -> String {
    let mut by_outcome: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_reason: BTreeMap<(&str, &str), (usize, Vec<&str>)> = BTreeMap::new();
    let mut total = 0;
    for (m, v) in msgs
        .iter()
        .zip(verdicts)
        .filter(|(m, _)| m.sample == sample)
    {
        total += 1;
        *by_outcome.entry(v.outcome).or_default() += 1;
        let e = by_reason.entry((v.outcome, &v.reason)).or_default();
        e.0 += 1;
        if e.1.len() < 3 {
            e.1.push(&m.name);
        }
    }
    let mut s = format!("{:<44} {total:>6}\n", "total");
    for (outcome, n) in &by_outcome {
        let _ = writeln!(s, "{outcome:<44} {n:>6}");
        for ((o, reason), (n, names)) in &by_reason {
            if o == outcome && *reason != "-" {
                let _ = writeln!(s, "  {reason:<42} {n:>6}  e.g. {}", names.join(" "));
            }
        }
    }
    s
}

fn expected_path() -> PathBuf {
    Path::new(SAMPLE).join("expected.tsv")
}

fn tsv_line(name: &str, v: &Verdict) -> String {
    format!("{name}\t{}\t{}\n", v.outcome, v.reason)
}

/// Compares the sample with `expected.tsv`; returns the failures and, as
/// notes, the changes that are not failures (improvements, new refusals).
fn check_expected(msgs: &[Msg], verdicts: &[Verdict]) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(expected_path()).unwrap_or_default();
    let mut pinned: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.split('\t');
        if let (Some(n), Some(o), Some(r)) = (f.next(), f.next(), f.next()) {
            pinned.insert(n, (o, r));
        }
    }
    let (mut failures, mut notes) = (Vec::new(), Vec::new());
    for (m, v) in msgs.iter().zip(verdicts).filter(|(m, _)| m.sample) {
        match pinned.remove(m.name.as_str()) {
            None => failures.push(format!("{}: not in expected.tsv", m.name)),
            Some((o, r)) if o == v.outcome && r == v.reason => {}
            Some((o, r)) => {
                let change = format!("{}: {o} {r} -> {} {}", m.name, v.outcome, v.reason);
                if v.outcome == "different" && o != "different" {
                    failures.push(format!("{change} ({})", v.detail));
                } else {
                    notes.push(change);
                }
            }
        }
    }
    failures.extend(
        pinned
            .keys()
            .map(|n| format!("{n}: in expected.tsv, not in the sample")),
    );
    (failures, notes)
}

fn dump_different(dir: &Path, msgs: &[Msg], runs: &[Run], verdicts: &[Verdict]) {
    std::fs::create_dir_all(dir).unwrap();
    for ((m, r), v) in msgs.iter().zip(runs).zip(verdicts) {
        if let (Run::Done { out, .. }, "different") = (r, v.outcome) {
            std::fs::write(dir.join(m.name.replace('/', "_")), out).unwrap();
        }
    }
}

#[test]
fn downgrade_real_mail() {
    let msgs = Arc::new(messages());
    let runs = run_all(&msgs);
    let mut inputs: Vec<&[u8]> = Vec::new();
    for (m, r) in msgs.iter().zip(&runs) {
        inputs.push(&m.bytes);
        if let Run::Done { out, .. } = r {
            inputs.push(out);
        }
    }
    let seen = oracle(inputs);
    if seen.is_empty() {
        return; // SEPTET_SKIP_PYTHON
    }
    let mut seen = seen.iter();
    let verdicts: Vec<Verdict> = msgs
        .iter()
        .zip(&runs)
        .map(|(m, r)| {
            let before = seen.next().unwrap();
            let after = matches!(r, Run::Done { .. }).then(|| seen.next().unwrap());
            judge(m, r, before, after)
        })
        .collect();
    eprintln!("corpus/real:\n{}", table(&msgs, &verdicts, true));
    if msgs.iter().any(|m| !m.sample) {
        eprintln!("SEPTET_REAL_CORPUS:\n{}", table(&msgs, &verdicts, false));
    }
    if let Some(path) = std::env::var_os("SEPTET_REAL_REPORT") {
        let mut s = String::from("name\toutcome\treason\tdetail\n");
        for (m, v) in msgs.iter().zip(&verdicts) {
            let detail = v.detail.replace(['\t', '\n', '\r'], " ");
            let _ = writeln!(s, "{}\t{}\t{}\t{detail}", m.name, v.outcome, v.reason);
        }
        std::fs::write(path, s).unwrap();
    }
    if let Some(dir) = std::env::var_os("SEPTET_REAL_DUMP") {
        dump_different(Path::new(&dir), &msgs, &runs, &verdicts);
    }
    let panics: Vec<_> = msgs
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| v.outcome == "panic")
        .map(|(m, v)| format!("{}: {}", m.name, v.detail))
        .collect();
    assert!(
        panics.is_empty(),
        "the downgrade panicked:\n{}",
        panics.join("\n")
    );
    if std::env::var_os("SEPTET_BLESS").is_some_and(|v| v == "1") {
        let mut s = String::from("# name\toutcome\treason (SEPTET_BLESS=1 rewrites this file)\n");
        for (m, v) in msgs.iter().zip(&verdicts).filter(|(m, _)| m.sample) {
            s.push_str(&tsv_line(&m.name, v));
        }
        std::fs::write(expected_path(), s).unwrap();
        return;
    }
    let (failures, notes) = check_expected(&msgs, &verdicts);
    for n in &notes {
        eprintln!("changed (not a failure; SEPTET_BLESS=1 to pin): {n}");
    }
    assert!(
        failures.is_empty(),
        "corpus/real differs from expected.tsv (a message changed content with success, \
         or the sample and the file disagree; SEPTET_BLESS=1 after a deliberate change):\n{}",
        failures.join("\n")
    );
}
