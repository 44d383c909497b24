//! A seeded generator of random, well-formed-ish MIME messages, shared by
//! the tokenizer split tests and the Python differential test.
//!
//! Messages stay inside the domain where septet and Python's `email`
//! package are meant to agree (see tests/mime_python.rs for the documented
//! differences, which the generator avoids), unless `hostile` is set.

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, Debug)]
pub struct GenOptions {
    pub crlf: bool,
    /// Add near-miss delimiter lines, odd headers and defects.
    pub hostile: bool,
    pub max_depth: usize,
}

const WORDS: &[&str] = &[
    "hello",
    "world",
    "the",
    "quick",
    "brown",
    "fox",
    "mail",
    "part",
    "-dash",
    "--",
    "=",
    "x=y",
    "tab\there",
    "ünïcödé",
    "€uro",
    "naïve",
    "日本語",
    "emoji😀",
    "a.b",
];

/// RFC 2046 bchars without space (a space may not end a boundary; inside
/// one it is legal but makes the header hard to generate both ways).
const BCHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?";

fn boundary(rng: &mut Rng, open: &[String]) -> String {
    let mut b = match open.last() {
        // Prefix games: the child extends its parent's boundary.
        Some(parent) if rng.chance(25) => {
            format!("{parent}{}", *rng.pick(&["x", "-", "=_1", "--x"]))
        }
        _ => {
            let len = 1 + rng.below(30);
            (0..len).map(|_| *rng.pick(BCHARS) as char).collect()
        }
    };
    if b.bytes().all(|c| c == b'-') {
        b.push('z');
    }
    // A boundary equal to an open one, or whose delimiter is an open one's
    // close delimiter, is ambiguous (see tests/mime_python.rs, D6).
    while open.iter().any(|o| *o == b || b == format!("{o}--")) {
        b.push('q');
    }
    b
}

fn text_line(rng: &mut Rng, utf8: bool, out: &mut String) {
    let n = 1 + rng.below(12);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        let w = *rng.pick(WORDS);
        if !utf8 && !w.is_ascii() {
            out.push_str("plain");
        } else {
            out.push_str(w);
        }
    }
}

fn text_body(rng: &mut Rng, utf8: bool, hostile_lines: &[String]) -> String {
    let mut s = String::new();
    let lines = rng.below(8);
    for _ in 0..lines {
        if !hostile_lines.is_empty() && rng.chance(20) {
            s.push_str(rng.pick(hostile_lines).as_str());
        } else if rng.chance(10) {
            // Blank line.
        } else {
            text_line(rng, utf8, &mut s);
        }
        s.push_str("\r\n");
    }
    if rng.chance(30) {
        text_line(rng, utf8, &mut s);
    }
    s
}

fn filename_param(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => "; filename=report.pdf".into(),
        1 => "; filename=\"quarterly report (final).xlsx\"".into(),
        2 => "; filename*=utf-8''%E2%82%AC%20r%C3%A9sum%C3%A9.txt".into(),
        // A character split across RFC 2231 sections.
        3 => "; filename*0*=utf-8''caf%C3; filename*1*=%A9\r\n\t; filename*2=\".doc\"".into(),
        _ => "; filename=\"=?utf-8?B?w6l0w6kucG5n?=\"".into(),
    }
}

fn extra_headers(rng: &mut Rng, out: &mut String) {
    if rng.chance(40) {
        out.push_str("Subject: =?utf-8?q?caf=C3=A9?= and\r\n =?iso-8859-1?b?6XTp?=\r\n");
    }
    if rng.chance(30) {
        out.push_str("X-Long: a folded\r\n\tvalue\r\n");
    }
    if rng.chance(20) {
        out.push_str("Message-ID: <x@y>\r\n");
    }
}

struct Gen<'r> {
    rng: &'r mut Rng,
    opts: GenOptions,
    open: Vec<String>,
}

impl Gen<'_> {
    fn hostile_lines(&mut self) -> Vec<String> {
        if !self.opts.hostile {
            return Vec::new();
        }
        let mut v = vec!["-".to_string(), "--".into(), "---".into(), "-- ".into()];
        for b in &self.open {
            v.push(format!("--{b}X"));
            v.push(format!("--{b}--X"));
            v.push(format!(" --{b}"));
            v.push(format!("x--{b}"));
        }
        v
    }

    fn part(&mut self, depth: usize, in_digest: bool, out: &mut String) {
        let container = depth < self.opts.max_depth && self.rng.chance(45);
        if in_digest || (container && self.rng.chance(25)) {
            self.message(depth, in_digest, out);
        } else if container {
            self.multipart(depth, out);
        } else {
            self.leaf(out);
        }
    }

    fn message(&mut self, depth: usize, in_digest: bool, out: &mut String) {
        if !in_digest || self.rng.chance(30) {
            let ct = *self.rng.pick(&[
                "Content-Type: message/rfc822\r\n",
                "Content-Type: Message/RFC822; x=y\r\n",
                "Content-Type: message/global\r\n",
            ]);
            out.push_str(ct);
        }
        out.push_str("\r\n");
        out.push_str("From: someone@example.org\r\n");
        extra_headers(self.rng, out);
        self.part(depth + 1, false, out);
    }

    fn multipart(&mut self, depth: usize, out: &mut String) {
        let sub = *self
            .rng
            .pick(&["mixed", "alternative", "related", "digest", "signed"]);
        let b = boundary(self.rng, &self.open);
        let quoted =
            b.bytes().any(|c| !c.is_ascii_alphanumeric() && c != b'-') || self.rng.chance(50);
        if quoted {
            out.push_str(&format!(
                "Content-Type: multipart/{sub};\r\n boundary=\"{b}\"\r\n"
            ));
        } else {
            out.push_str(&format!("Content-Type: multipart/{sub}; boundary={b}\r\n"));
        }
        extra_headers(self.rng, out);
        out.push_str("\r\n");
        self.open.push(b.clone());
        if self.rng.chance(30) {
            out.push_str("This is a multi-part message in MIME format.\r\n");
        }
        let children = 1 + self.rng.below(3);
        for _ in 0..children {
            out.push_str(&format!("--{b}"));
            if self.rng.chance(10) {
                out.push_str(" \t");
            }
            out.push_str("\r\n");
            self.part(depth + 1, sub == "digest", out);
            out.push_str("\r\n");
        }
        out.push_str(&format!("--{b}--"));
        self.open.pop();
        if self.rng.chance(30) {
            out.push_str("\r\nepilogue text");
        }
        if self.open.is_empty() || self.rng.chance(50) {
            out.push_str("\r\n");
        }
    }

    fn leaf(&mut self, out: &mut String) {
        let hostile = self.hostile_lines();
        match self.rng.below(6) {
            0 => {
                // No Content-Type at all: text/plain.
                extra_headers(self.rng, out);
                out.push_str("\r\n");
                out.push_str(&text_body(self.rng, false, &hostile));
            }
            1 => {
                out.push_str("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
                out.push_str(&text_body(self.rng, true, &hostile));
            }
            2 => {
                let ct = *self
                    .rng
                    .pick(&["text/plain; charset=\"UTF-8\"", "text/html; charset=utf-8"]);
                let cte = *self.rng.pick(&["quoted-printable", "Quoted-Printable"]);
                out.push_str(&format!(
                    "Content-Type: {ct}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
                ));
                let text = text_body(self.rng, true, &[]);
                let qp = septet::qp::encode(text.as_bytes(), septet::qp::Mode::Text);
                out.push_str(std::str::from_utf8(&qp).unwrap());
            }
            3 | 4 => {
                let ct =
                    *self
                        .rng
                        .pick(&["application/octet-stream", "image/png", "application/pdf"]);
                out.push_str(&format!("Content-Type: {ct}"));
                if self.rng.chance(40) {
                    out.push_str("; name=\"file.bin\"");
                }
                out.push_str("\r\nContent-Transfer-Encoding: base64\r\n");
                if self.rng.chance(70) {
                    let disp = *self.rng.pick(&["attachment", "inline", "Attachment"]);
                    out.push_str(&format!(
                        "Content-Disposition: {disp}{}\r\n",
                        filename_param(self.rng)
                    ));
                }
                out.push_str("\r\n");
                let len = self.rng.below(300);
                let data: Vec<u8> = (0..len).map(|_| self.rng.next() as u8).collect();
                let mut b64 = septet::base64::encode_mime(&data);
                if !b64.is_empty() && self.rng.chance(50) {
                    // Most encoders end the body with a line break; keep both forms.
                    b64.truncate(b64.len() - 2);
                }
                out.push_str(&b64);
            }
            _ => {
                out.push_str("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
                out.push_str(&text_body(self.rng, false, &hostile));
            }
        }
    }
}

/// One random message.
pub fn message(rng: &mut Rng, opts: GenOptions) -> Vec<u8> {
    let mut out =
        String::from("From: gen@example.org\r\nTo: you@example.org\r\nMIME-Version: 1.0\r\n");
    let mut g = Gen {
        rng,
        opts,
        open: Vec::new(),
    };
    g.part(0, false, &mut out);
    let bytes = out.into_bytes();
    if opts.crlf {
        bytes
    } else {
        crlf_to_lf(&bytes)
    }
}

pub fn crlf_to_lf(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'\r' && input.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

pub fn lf_to_crlf(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + input.len() / 16);
    for (i, &b) in input.iter().enumerate() {
        if b == b'\n' && (i == 0 || input[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}
