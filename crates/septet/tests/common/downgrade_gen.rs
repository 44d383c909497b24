//! Messages that need a downgrade: 8-bit text with lines that QP and SMTP
//! care about, binary parts, raw UTF-8 headers, nested messages.

/// A small deterministic generator (SplitMix64).
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen(seed ^ 0x00d0_96a4_de00)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "Grüße",
    "naïve",
    "café",
    "plain",
    "From the start",
    ".",
    "..dots",
    "a=b",
    "trailing  ",
    "tab\t",
    "日本語",
    "x",
    "=?utf-8?Q?not_a_word?=",
    "Ärger",
    "über",
];

/// 8-bit text with `lines` lines (some start with `.` or `From `, some end
/// in blanks, one may be very long).
pub fn text(g: &mut Gen, lines: usize, eol: &str) -> String {
    let mut s = String::new();
    for i in 0..lines {
        match g.below(8) {
            0 => s.push_str("From here on"),
            1 => s.push_str(".leading dot"),
            2 => s.push('.'),
            3 if i % 5 == 0 => s.push_str(&"long é ".repeat(200)),
            _ => {
                for _ in 0..1 + g.below(8) {
                    s.push_str(WORDS[g.below(WORDS.len())]);
                    s.push(' ');
                }
            }
        }
        s.push_str(eol);
    }
    s
}

/// Binary bytes with NUL, CR and LF.
pub fn binary(g: &mut Gen, n: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..n).map(|_| g.next() as u8).collect();
    for (i, b) in v.iter_mut().enumerate() {
        match i % 97 {
            0 => *b = 0,
            1 => *b = b'\r',
            2 => *b = b'\n',
            _ => {}
        }
    }
    v
}

/// One message of the kind `kind % 6` (CRLF, or LF if `lf`).
pub fn message(g: &mut Gen, kind: usize, lf: bool) -> Vec<u8> {
    let eol = if lf { "\n" } else { "\r\n" };
    let mut m: Vec<u8> = Vec::new();
    let put = |s: &str, m: &mut Vec<u8>| {
        m.extend_from_slice(s.replace("\r\n", eol).as_bytes());
    };
    put("From: \"Jörg Müller\" <joerg@example.org>\r\n", &mut m);
    put("To: b@example.org\r\n", &mut m);
    put(
        "Subject: Grüße aus Köln — ein längerer Betreff mit Ümläuten\r\n",
        &mut m,
    );
    match kind % 6 {
        0 => {
            // Non-MIME 8-bit text.
            put("\r\n", &mut m);
            put(&text(g, 12, "\r\n"), &mut m);
        }
        1 => {
            put(
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n",
                &mut m,
            );
            put("Content-Transfer-Encoding: 8bit\r\n\r\n", &mut m);
            put(&text(g, 20, "\r\n"), &mut m);
        }
        _ => {
            put("MIME-Version: 1.0\r\n", &mut m);
            put(
                "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n",
                &mut m,
            );
            put("preamble\r\n--=_b\r\n", &mut m);
            put("Content-Type: text/plain; charset=utf-8\r\n", &mut m);
            put("Content-Transfer-Encoding: 8bit\r\n\r\n", &mut m);
            put(&text(g, 10, "\r\n"), &mut m);
            put("\r\n--=_b\r\n", &mut m);
            put(
                "Content-Type: application/octet-stream; name=\"naïve.bin\"\r\n",
                &mut m,
            );
            put(
                "Content-Disposition: attachment; filename=\"résumé élève.bin\"\r\n",
                &mut m,
            );
            put("Content-Transfer-Encoding: binary\r\n\r\n", &mut m);
            let n = 10 + g.below(3000);
            // The binary body keeps its bytes whatever the line ends are.
            let mut data = binary(g, n);
            // Never let it end like a line break, which belongs to the delimiter.
            data.push(b'z');
            m.extend_from_slice(&data);
            put("\r\n--=_b\r\n", &mut m);
            put("Content-Type: text/plain\r\n\r\n", &mut m);
            put("plain 7bit text\r\n= stays\r\n", &mut m);
            if kind % 6 >= 3 {
                put("\r\n--=_b\r\nContent-Type: message/rfc822\r\n", &mut m);
                put("Content-Transfer-Encoding: 8bit\r\n\r\n", &mut m);
                put(
                    "Subject: innen — drin\r\nContent-Type: text/html; charset=utf-8\r\n",
                    &mut m,
                );
                put("Content-Transfer-Encoding: 8bit\r\n\r\n", &mut m);
                put(&text(g, 6, "\r\n"), &mut m);
            }
            if kind % 6 == 5 {
                put(
                    "\r\n--=_b\r\nContent-Type: text/plain; charset=latin1\r\n\r\n",
                    &mut m,
                );
                m.extend_from_slice(b"unlabelled caf\xe9 latin-1");
            }
            put("\r\n--=_b--\r\nepilogue\r\n", &mut m);
        }
    }
    m
}
