//! Dovecot as the oracle: FETCH RFC822.SIZE, BODYSTRUCTURE and ENVELOPE
//! from septet's IMAP session and from Dovecot's `imap` (run in PREAUTH
//! mode on stdin, as `nobody`) over copies of the same Maildir, for every
//! message of `corpus/` and 500 generated ones. Differences are printed;
//! the test fails on any difference not listed in [`KNOWN`] with its
//! reason.
//!
//! Known gap, not in the generated set: in a message/rfc822 part whose
//! message has no MIME-Version, Dovecot ignores Content-Language (and
//! perhaps other Content-* extension fields); septet reports them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use septet_server::access::AccessContext;
use septet_server::imap::Session;
use septet_server::users::{hash_password, Authenticator, LimiterConfig, Users};

const DOVECOT_IMAP: &str = "/usr/lib/dovecot/imap";

fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A small deterministic generator (LCG) of well-formed messages: every
/// common structure, encodings, parameters and address forms, LF or CRLF.
struct Gen(u64);

impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }

    fn text(&mut self) -> String {
        let words = [
            "hello",
            "world",
            "caf\u{e9}",
            ".dot",
            "From here",
            "a\tb",
            "=3D",
            "--",
            "long-line-of-text",
        ];
        let mut out = String::new();
        for _ in 0..self.next(12) {
            for _ in 0..=self.next(8) {
                out.push_str(self.pick(&words));
                out.push(' ');
            }
            out.push('\n');
        }
        out
    }

    fn address(&mut self, i: usize) -> String {
        match self.next(4) {
            0 => format!("user{i}@example.org"),
            1 => format!("\"Doe, J{i}\" <j{i}@example.net>"),
            2 => format!("=?utf-8?q?J=C3=BCrgen_{i}?= <j@example.de>"),
            _ => format!("Team {i} <team{i}@example.com> (a comment)"),
        }
    }

    fn leaf(&mut self) -> String {
        match self.next(5) {
            0 => format!("Content-Type: text/plain; charset={}\n\n{}", self.pick(&["utf-8", "us-ascii", "\"iso-8859-1\""]), self.text()),
            1 => format!("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n<p>{}</p>\n", self.text()),
            2 => format!(
                "Content-Type: application/pdf; name=\"doc{n}.pdf\"\nContent-Disposition: attachment; filename=\"doc{n}.pdf\"\n\
                 Content-Transfer-Encoding: base64\nContent-ID: <c{n}@x>\n\nJVBERi0xLjQK\nAAECAwQF\n",
                n = self.next(100)
            ),
            3 => "Content-Type: image/png\nContent-Disposition: inline; filename*=utf-8''%C3%A9t%C3%A9.png\n\
                  Content-Transfer-Encoding: base64\nContent-Description: a picture\n\niVBORw0KGgo=\n"
                .to_owned(),
            _ => format!("Content-Language: en, fr\n\n{}", self.text()),
        }
    }

    fn body(&mut self, depth: usize) -> String {
        if depth > 2 {
            return self.leaf();
        }
        match self.next(6) {
            0 | 1 => self.leaf(),
            2 => {
                let b = format!("alt{depth}x{}", self.next(1000));
                format!(
                    "Content-Type: multipart/alternative; boundary=\"{b}\"\n\npreamble\n--{b}\n{}\n--{b}\n{}\n--{b}--\n",
                    self.leaf(),
                    self.leaf()
                )
            }
            3 => {
                let b = format!("mix{depth}y{}", self.next(1000));
                let mut out = format!("Content-Type: multipart/mixed; boundary={b}\n\n");
                for _ in 0..=self.next(3) {
                    out.push_str(&format!("--{b}\n{}\n", self.body(depth + 1)));
                }
                out.push_str(&format!("--{b}--\nepilogue\n"));
                out
            }
            4 => format!(
                "Content-Type: message/rfc822\n\nFrom: inner@example.org\nMIME-Version: 1.0\nSubject: inner {}\n{}",
                self.next(99),
                self.body(depth + 1)
            ),
            _ => {
                let b = format!("rel{depth}z{}", self.next(1000));
                format!(
                    "Content-Type: multipart/related; type=\"text/html\"; boundary=\"{b}\"\n\n--{b}\n{}\n--{b}\n{}\n--{b}--\n",
                    self.leaf(),
                    self.leaf()
                )
            }
        }
    }
}

/// 500 generated messages.
fn generated() -> Vec<(String, Vec<u8>)> {
    let mut g = Gen(0x5e97e7);
    (0..500)
        .map(|i| {
            let mut m = format!(
                "Date: Mon, {} Dec 2026 10:{:02}:00 +0100\nFrom: {}\nTo: {}, {}\n",
                1 + i % 28,
                i % 60,
                g.address(i),
                g.address(i + 1),
                g.address(i + 2)
            );
            if g.next(3) == 0 {
                m.push_str(&format!("Cc: list{i}: a@b.c, d@e.f;\n"));
            }
            let subject = g.pick(&[
                "plain subject",
                "=?utf-8?b?w6l0w6k=?= subject",
                "folded\n  subject",
                "tabs\tand  spaces",
            ]);
            m.push_str(&format!(
                "Subject: {subject} {i}\nMessage-ID: <gen{i}@example.org>\nMIME-Version: 1.0\n"
            ));
            if g.next(2) == 0 {
                m.push_str(&format!("In-Reply-To: <gen{}@example.org>\n", i / 2));
            }
            m.push_str(&g.body(0));
            let data = if g.next(2) == 0 {
                m.replace('\n', "\r\n")
            } else {
                m
            };
            (format!("generated/{i:03}.eml"), data.into_bytes())
        })
        .collect()
}

/// Writes the messages into `dir/new` as `NNNNN.oracle`, all with one
/// mtime, so both servers number them by name.
fn fill(dir: &Path, msgs: &[(String, Vec<u8>)]) {
    for s in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(s)).unwrap();
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    for (i, (_, data)) in msgs.iter().enumerate() {
        let p = dir.join("new").join(format!("{:05}.oracle", i + 1));
        let f = std::fs::File::create(&p).unwrap();
        (&f).write_all(data).unwrap();
        f.set_modified(t).unwrap();
    }
}

/// Messages whose BODYSTRUCTURE or ENVELOPE differ from Dovecot's on
/// purpose, with the reason. They are all malformed or at a parser limit:
/// septet's server describes what septet's parser found (so BODY[n]
/// serves exactly the ranges BODYSTRUCTURE describes) rather than
/// re-parsing Dovecot's way.
const KNOWN: &[(&str, &str)] = &[
    // A header without its blank line: septet ends the header at the first
    // line that is not a field and keeps the rest as body; Dovecot sees an
    // empty body.
    ("e04-no-blank-line.eml", "no blank line after the header"),
    // RFC 2045 5.2: an invalid Content-Type is taken as text/plain;
    // Dovecot echoes the garbage type.
    (
        "e13-invalid-ct.eml",
        "invalid Content-Type defaults to text/plain",
    ),
    (
        "resources_eml_malformed_017.eml",
        "invalid Content-Type defaults to text/plain",
    ),
    // Boundary matching on malformed delimiters (suffixes, dashes, prefix
    // of another boundary, nested reuse): septet follows RFC 2046 5.1.1
    // strictly; Dovecot is more lenient or different.
    ("e20-boundary-suffix.eml", "delimiter with a suffix"),
    ("e27-dash-boundary.eml", "delimiter of dashes"),
    (
        "e35-binary-with-dashes.eml",
        "binary body lines that look like delimiters",
    ),
    (
        "resources_eml_malformed_003.eml",
        "nested reuse of a boundary",
    ),
    (
        "resources_eml_malformed_004.eml",
        "nested reuse of a boundary",
    ),
    (
        "resources_eml_malformed_006.eml",
        "boundary that prefixes another",
    ),
    (
        "resources_eml_malformed_007.eml",
        "boundary that prefixes another",
    ),
    (
        "resources_eml_malformed_016.eml",
        "long boundaries that prefix each other",
    ),
    (
        "resources_eml_malformed_019.eml",
        "malformed header and repeated boundaries",
    ),
    // A part that runs to the end of the message (no close delimiter, or an
    // epilogue/preamble edge): septet's body ends before the final line
    // break, Dovecot's includes it (sizes differ by 2, lines by 1).
    ("e23-missing-close.eml", "missing close delimiter"),
    ("e24-preamble-epilogue.eml", "preamble and epilogue edges"),
    ("resources_eml_malformed_001.eml", "missing close delimiter"),
    ("resources_eml_malformed_008.eml", "missing close delimiter"),
    ("resources_eml_malformed_009.eml", "missing close delimiter"),
    ("resources_eml_malformed_011.eml", "missing close delimiter"),
    ("resources_eml_malformed_012.eml", "missing close delimiter"),
    ("resources_eml_malformed_022.eml", "missing close delimiter"),
    (
        "resources_eml_thirdparty_005.eml",
        "missing close delimiter",
    ),
    (
        "resources_eml_thirdparty_007.eml",
        "missing close delimiter",
    ),
    (
        "resources_eml_thirdparty_015.eml",
        "missing close delimiter",
    ),
    (
        "00021.1707ccb203e1a39f5167f1c0d65cc235.eml",
        "missing close delimiter",
    ),
    // message/rfc822 with a base64 (or other non-identity) encoding: septet
    // does not look inside an encoded message; Dovecot parses garbage.
    ("e36-base64-rfc822.eml", "encoded message/rfc822"),
    ("resources_eml_rfc_008.eml", "encoded message/rfc822"),
    // Nesting deeper than the parser's limit: the innermost levels differ.
    (
        "tests_files_nested.eml",
        "nesting past the parser's depth limit",
    ),
    // Oddly written values where the two parsers split differently.
    (
        "resources_eml_rfc_000.eml",
        "charset US-ASCII case kept by Dovecot only here",
    ),
    (
        "resources_eml_rfc_001.eml",
        "parameter without its ';' separator",
    ),
    (
        "resources_eml_rfc_009.eml",
        "address with a display name and no address",
    ),
    (
        "resources_eml_thirdparty_004.eml",
        "Content-Transfer-Encoding '8 bit' with a space",
    ),
    (
        "00247.42534d5df0700cb2adf240556c539947.eml",
        "group syntax inside an address",
    ),
];

const ITEMS: &str = "(UID RFC822.SIZE BODYSTRUCTURE ENVELOPE)";

fn dovecot(dir: &Path, work: &Path) -> Vec<u8> {
    let conf = work.join("dovecot.conf");
    std::fs::write(
        &conf,
        format!(
            "protocols = imap\nssl = no\nlog_path = /dev/null\nmail_location = maildir:{}\n\
             base_dir = {w}/run\nstate_dir = {w}/state\nmail_uid = nobody\nmail_gid = nogroup\n",
            dir.display(),
            w = work.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(work)
        .status()
        .unwrap();
    let mut child = Command::new(DOVECOT_IMAP)
        .arg("-c")
        .arg(&conf)
        .env_clear()
        .env("USER", "nobody")
        .env("HOME", work)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let cmds = format!("a SELECT INBOX\r\nb FETCH 1:* {ITEMS}\r\nc LOGOUT\r\n");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(cmds.as_bytes()).unwrap();
    // Dovecot stops at end of input even in the middle of a FETCH: keep
    // its input open until the LOGOUT reply has arrived.
    let mut stdout = child.stdout.take().unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    while !out.ends_with(b"\r\n") || find(&out, b"\r\nc OK").is_none() {
        match std::io::Read::read(&mut stdout, &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    drop(stdin);
    let _ = child.wait();
    out
}

fn septet(root: &Path) -> Vec<u8> {
    let h = hash_password(b"pw").unwrap();
    let users = Users::parse(&format!("alice:{h}\n")).unwrap();
    let auth = Authenticator::new(users, LimiterConfig::default());
    let ctx = AccessContext::new(root.to_owned(), Arc::new(auth));
    let mut s = Session::new(ctx, "127.0.0.1".into(), Instant::now());
    let cmds = format!("a LOGIN alice pw\r\nb SELECT INBOX\r\nc FETCH 1:* {ITEMS}\r\nd LOGOUT\r\n");
    s.handle_input(Instant::now(), cmds.as_bytes());
    let mut out = Vec::new();
    while let Some(o) = s.poll_output() {
        out.extend_from_slice(&o);
    }
    out
}

/// A canonical form of one IMAP value: strings (quoted or literal)
/// re-quoted, NIL and atoms as they are, lists recursively.
fn value(s: &[u8], pos: &mut usize, out: &mut String) {
    match s[*pos] {
        b'(' => {
            out.push('(');
            *pos += 1;
            let mut first = true;
            while s[*pos] != b')' {
                if s[*pos] == b' ' {
                    *pos += 1;
                    continue;
                }
                if !first {
                    out.push(' ');
                }
                first = false;
                value(s, pos, out);
            }
            *pos += 1;
            out.push(')');
        }
        b'"' => {
            *pos += 1;
            let mut v = Vec::new();
            while s[*pos] != b'"' {
                if s[*pos] == b'\\' {
                    *pos += 1;
                }
                v.push(s[*pos]);
                *pos += 1;
            }
            *pos += 1;
            out.push_str(&format!("{:?}", String::from_utf8_lossy(&v)));
        }
        b'{' => {
            let close = *pos + s[*pos..].iter().position(|&b| b == b'}').unwrap();
            let n: usize = std::str::from_utf8(&s[*pos + 1..close])
                .unwrap()
                .parse()
                .unwrap();
            let start = close + 3;
            out.push_str(&format!(
                "{:?}",
                String::from_utf8_lossy(&s[start..start + n])
            ));
            *pos = start + n;
        }
        _ => {
            let start = *pos;
            while !b" ()\r".contains(&s[*pos]) {
                *pos += 1;
            }
            out.push_str(&String::from_utf8_lossy(&s[start..*pos]));
        }
    }
}

/// The items of every `* n FETCH (...)` response, by UID.
fn fetches(out: &[u8]) -> BTreeMap<u32, BTreeMap<String, String>> {
    let mut res = BTreeMap::new();
    let mut pos = 0;
    while let Some(k) = find(&out[pos..], b" FETCH (") {
        let mut p = pos + k + 7;
        let mut items = BTreeMap::new();
        p += 1;
        while out[p] != b')' {
            if out[p] == b' ' {
                p += 1;
                continue;
            }
            let start = p;
            while out[p] != b' ' {
                p += 1;
            }
            let key = String::from_utf8_lossy(&out[start..p]).into_owned();
            p += 1;
            let mut v = String::new();
            value(out, &mut p, &mut v);
            items.insert(key, v);
        }
        let uid: u32 = items.get("UID").and_then(|u| u.parse().ok()).unwrap_or(0);
        res.insert(uid, items);
        pos = p;
    }
    res
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

#[test]
fn fetch_agrees_with_dovecot() {
    if !Path::new(DOVECOT_IMAP).exists() {
        assert!(
            std::env::var("SEPTET_SKIP_SERVER_PEERS").as_deref() == Ok("1"),
            "dovecot-imapd is not installed ({DOVECOT_IMAP}): install it (.ci/run does) \
             or set SEPTET_SKIP_SERVER_PEERS=1"
        );
        return;
    }
    let mut msgs = corpus();
    assert!(msgs.len() > 100);
    msgs.extend(generated());
    let work = tempfile::tempdir().unwrap();
    let dv_dir: PathBuf = work.path().join("dovecot-mail");
    let root = work.path().join("septet-root");
    fill(&dv_dir, &msgs);
    fill(&root.join("alice"), &msgs);
    let (theirs_raw, ours_raw) = (dovecot(&dv_dir, work.path()), septet(&root));
    if let Ok(d) = std::env::var("SEPTET_ORACLE_DUMP") {
        std::fs::write(format!("{d}.dovecot"), &theirs_raw).unwrap();
        std::fs::write(format!("{d}.septet"), &ours_raw).unwrap();
    }
    let theirs = fetches(&theirs_raw);
    let ours = fetches(&ours_raw);
    assert_eq!(
        theirs.len(),
        msgs.len(),
        "dovecot answered for every message"
    );
    assert_eq!(ours.len(), msgs.len(), "septet answered for every message");
    let mut diffs: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (uid, t) in &theirs {
        let o = &ours[uid];
        let name = &msgs[*uid as usize - 1].0;
        for item in ["RFC822.SIZE", "BODYSTRUCTURE", "ENVELOPE"] {
            if t.get(item) != o.get(item) {
                diffs.entry(item).or_default().push(format!(
                    "{name}\n  dovecot: {}\n  septet:  {}",
                    t.get(item).map_or("-", |s| s),
                    o.get(item).map_or("-", |s| s)
                ));
            }
        }
    }
    for (item, list) in &diffs {
        eprintln!(
            "== {item}: {} of {} messages differ",
            list.len(),
            msgs.len()
        );
        for d in list {
            eprintln!("{d}");
        }
    }
    assert!(
        diffs.get("RFC822.SIZE").is_none_or(|d| d.is_empty()),
        "RFC822.SIZE must agree with Dovecot for every message"
    );
    let unexplained: Vec<&String> = diffs
        .values()
        .flatten()
        .filter(|d| {
            let name = d.lines().next().unwrap_or("");
            !KNOWN.iter().any(|(k, _)| name.ends_with(k))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} differences from Dovecot are neither fixed nor listed in KNOWN:\n{}",
        unexplained.len(),
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
