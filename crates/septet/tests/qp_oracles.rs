//! Quoted-printable against independent implementations: Python's
//! `binascii` (`a2b_qp`, `b2a_qp`, the C code behind `quopri`), Python's
//! pure-Python `quopri`, and the `quoted_printable` crate.
//!
//! Python runs as one `python3` process per test, with every case batched
//! through its standard input and output. A missing `python3` fails the
//! tests: the oracles are part of the suite, not optional.
//!
//! Where the oracles decode differently from septet, the difference is
//! pinned in `documented_deviations` and such inputs are kept out of the
//! agreement tests:
//! - `binascii.a2b_qp` does not remove trailing white space; reads `==` as
//!   one `=` (both bytes consumed: `a==41` gives `a=41`, septet `a=A`); after
//!   `=` CR it skips everything up to the next LF; keeps `=` and blanks before
//!   a line break (`= \r\n`) instead of taking them as a soft break.
//! - pure-Python `quopri.decode` turns every line break into LF, reads `==`
//!   like `binascii`, and keeps a final `=` that has no line break after it.
//! - `binascii.b2a_qp` sometimes writes 77-character lines (its soft
//!   break's `=` in column 77), which strict mode rejects.
//! - `quoted_printable` (robust) drops bytes outside tab, CR, LF and 32..=126,
//!   turns LF line breaks into CRLF, and keeps `=X` at a line end as is.

#[path = "common/python.rs"]
mod python;

use std::io::{Read, Write};
use std::process::Stdio;

use quoted_printable::ParseMode;
use septet::qp::{self, DecodeErrorKind, DecodeOptions, EncodeOptions, Mode};

const STRICT: DecodeOptions = DecodeOptions { strict: true };

/// The Python side: reads `op (1 byte) | length (u32 LE) | data` records
/// until EOF, answers each with `length (u32 LE) | result`.
const PYTHON: &str = r#"
import binascii, quopri, struct, sys
quopri.a2b_qp = None  # force the pure-Python code paths of quopri
quopri.b2a_qp = None
data = sys.stdin.buffer.read()
out = []
i = 0
while i < len(data):
    op = data[i:i + 1]
    (n,) = struct.unpack_from("<I", data, i + 1)
    arg = data[i + 5:i + 5 + n]
    i += 5 + n
    if op == b"a":
        r = binascii.a2b_qp(arg)
    elif op == b"b":
        r = binascii.b2a_qp(arg, quotetabs=False, istext=False, header=False)
    elif op == b"t":
        r = binascii.b2a_qp(arg, quotetabs=False, istext=True, header=False)
    elif op == b"q":
        r = quopri.decodestring(arg)
    else:
        raise SystemExit("unknown op %r" % op)
    out.append(struct.pack("<I", len(r)))
    out.append(r)
sys.stdout.buffer.write(b"".join(out))
"#;

/// One batch of requests to one `python3` process.
#[derive(Default)]
struct Batch {
    input: Vec<u8>,
    count: usize,
}

impl Batch {
    /// Queues `op` on `arg`; returns the index of its answer.
    fn push(&mut self, op: u8, arg: &[u8]) -> usize {
        self.input.push(op);
        self.input
            .extend_from_slice(&u32::try_from(arg.len()).unwrap().to_le_bytes());
        self.input.extend_from_slice(arg);
        self.count += 1;
        self.count - 1
    }

    fn run(self) -> Option<Vec<Vec<u8>>> {
        let mut child = python::python3()?
            .args(["-c", PYTHON])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3");
        let mut stdin = child.stdin.take().unwrap();
        let input = self.input;
        // Python reads everything before answering, but write from a thread
        // anyway so a large batch can never deadlock on full pipes.
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let mut output = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut output)
            .unwrap();
        writer.join().unwrap().unwrap();
        assert!(child.wait().unwrap().success(), "python3 failed");
        let mut answers = Vec::with_capacity(self.count);
        let mut rest = &output[..];
        while !rest.is_empty() {
            let n = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
            answers.push(rest[4..4 + n].to_vec());
            rest = &rest[4 + n..];
        }
        assert_eq!(answers.len(), self.count, "python3 answered too few cases");
        Some(answers)
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, options: &[&'a [u8]]) -> &'a [u8] {
        options[self.below(options.len())]
    }

    /// Mail-like data: words, blanks, CRLF, bare CR and LF, `=`, guards, 8-bit.
    fn mail(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        while v.len() < len {
            match self.below(12) {
                0..=4 => v.extend((0..1 + self.below(10)).map(|_| b'a' + self.below(26) as u8)),
                5 | 6 => v.push(b' '),
                7 => v.extend_from_slice(self.pick(&[b"\r\n", b"\r\n", b"\r", b"\n", b"\t"])),
                8 => v.extend_from_slice(self.pick(&[b"=", b".", b"From ", b"\r\n.", b" \r\n"])),
                9 => v.extend(std::iter::repeat_n(b'x', self.below(100))),
                _ => v.push(self.below(256) as u8),
            }
        }
        v.truncate(len);
        v
    }

    /// Text whose only line breaks are CRLF.
    fn crlf_text(&mut self, len: usize) -> Vec<u8> {
        let mut v = self.mail(len);
        v.retain(|&b| b != b'\r' && b != b'\n');
        let mut out = Vec::new();
        for (i, b) in v.into_iter().enumerate() {
            if i % 37 == 36 {
                out.extend_from_slice(b"\r\n");
            }
            out.push(b);
        }
        out
    }

    /// Decoder input that binascii reads like septet: encodings damaged by
    /// lower-case hex, junk escapes, 8-bit bytes, bare CR, LF breaks, soft
    /// breaks without blanks, but no trailing blanks, `==`, `=` CR or a
    /// final `=`.
    fn wire_without_deviations(&mut self, len: usize) -> Vec<u8> {
        let mut v = qp::encode(&self.mail(len), Mode::Text);
        for _ in 0..1 + self.below(6) {
            let at = self.below(v.len() + 1);
            let junk = self.pick(&[b"=3d", b"=ZZ", b"=4x", b"=\n", b"\n", b"\xe9", b"\r", b"=a"]);
            v.splice(at..at, junk.iter().copied());
        }
        v
    }
}

/// Whether binascii is known to decode `wire` differently (see the module docs).
fn binascii_deviates(wire: &[u8]) -> bool {
    let blank = |b: u8| b == b' ' || b == b'\t';
    let trailing_blank = wire
        .iter()
        .enumerate()
        .any(|(i, &b)| blank(b) && matches!(wire.get(i + 1), None | Some(b'\r' | b'\n')));
    let eq_cr_not_crlf = wire
        .windows(2)
        .enumerate()
        .any(|(i, w)| w == b"=\r" && wire.get(i + 2) != Some(&b'\n'));
    trailing_blank
        || eq_cr_not_crlf
        || wire.windows(2).any(|w| w == b"==")
        || wire.last() == Some(&b'=')
}

#[test]
fn python_decodes_septet_encodings() {
    let mut rng = Rng(0x0dd5_eed5);
    let mut inputs: Vec<Vec<u8>> = (0..300).map(|i| rng.mail(i * 7)).collect();
    inputs.extend((0..100).map(|i| (0..i * 13).map(|_| rng.next() as u8).collect()));
    let mut batch = Batch::default();
    let mut cases = Vec::new();
    for input in &inputs {
        for mode in [Mode::Text, Mode::Binary] {
            let wire = qp::encode(input, mode);
            let a = batch.push(b'a', &wire);
            let q = batch.push(b'q', &wire);
            cases.push((input, mode, a, q));
        }
    }
    let Some(answers) = batch.run() else {
        return;
    };
    for (input, mode, a, q) in cases {
        assert_eq!(&answers[a], input, "binascii.a2b_qp, {mode:?}");
        // Pure-Python quopri writes hard breaks as LF.
        let want = match mode {
            Mode::Text => crlf_to_lf(input),
            Mode::Binary => input.clone(),
        };
        assert_eq!(answers[q], want, "quopri.decodestring, {mode:?}");
    }
}

fn crlf_to_lf(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    for (i, &b) in input.iter().enumerate() {
        if !(b == b'\r' && input.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

#[test]
fn septet_decodes_python_encodings() {
    let mut rng = Rng(0xb2a9);
    let mut batch = Batch::default();
    let mut cases = Vec::new();
    for i in 0..300 {
        let binary = rng.mail(i * 5);
        cases.push((batch.push(b'b', &binary), binary));
        // b2a_qp text mode writes every line break in the style of the
        // first one, so only CRLF text round-trips.
        let text = rng.crlf_text(i * 5);
        cases.push((batch.push(b't', &text), text));
    }
    let Some(answers) = batch.run() else {
        return;
    };
    for (answer, input) in cases {
        let wire = &answers[answer];
        assert_eq!(qp::decode(wire).unwrap(), input, "{wire:?}");
        // b2a_qp's output is conforming except that it sometimes writes a
        // 77-character line (a soft break's `=` in column 77).
        match qp::decode_with(wire, STRICT) {
            Ok(out) => assert_eq!(out, input, "{wire:?}"),
            Err(e) => assert_eq!(e.kind, DecodeErrorKind::LineTooLong, "{wire:?}"),
        }
    }
}

#[test]
fn decoding_agrees_with_binascii() {
    let mut rng = Rng(0xa2b9);
    let mut wires: Vec<Vec<u8>> = Vec::new();
    // Conforming input: septet's and others' encodings, strict-valid.
    for i in 0..200 {
        wires.push(qp::encode(&rng.mail(i * 6), Mode::Text));
        wires.push(qp::encode(&rng.mail(i * 6), Mode::Binary));
    }
    // Damaged input, lenient mode, minus the documented deviations.
    for i in 0..600 {
        let wire = rng.wire_without_deviations(i % 300);
        if !binascii_deviates(&wire) {
            wires.push(wire);
        }
    }
    assert!(
        wires.len() > 800,
        "too few cases survive the deviation filter"
    );
    let mut batch = Batch::default();
    let ids: Vec<usize> = wires.iter().map(|w| batch.push(b'a', w)).collect();
    let Some(answers) = batch.run() else {
        return;
    };
    for (wire, id) in wires.iter().zip(ids) {
        assert_eq!(qp::decode(wire).unwrap(), answers[id], "{wire:?}");
        if let Ok(strict) = qp::decode_with(wire, STRICT) {
            assert_eq!(strict, answers[id], "{wire:?}");
        }
    }
}

#[test]
fn documented_deviations() {
    /// (input, binascii.a2b_qp, pure-Python quopri, septet)
    type Case = (&'static [u8], &'static [u8], &'static [u8], &'static [u8]);
    let cases: [Case; 5] = [
        (b"a==41", b"a=41", b"a=41", b"a=A"),
        (b"a  \r\nb", b"a  \r\nb", b"a\nb", b"a\r\nb"),
        (b"=\rX\nY", b"Y", b"=\rX\nY", b"=\rX\nY"),
        (b"= \r\nb", b"= \r\nb", b"b", b"b"),
        (b"abc=", b"abc", b"abc=", b"abc"),
    ];
    let mut batch = Batch::default();
    let ids: Vec<(usize, usize)> = cases
        .iter()
        .map(|(input, ..)| (batch.push(b'a', input), batch.push(b'q', input)))
        .collect();
    let Some(answers) = batch.run() else {
        return;
    };
    for ((input, binascii, quopri, septet), (a, q)) in cases.iter().zip(ids) {
        assert_eq!(&answers[a], binascii, "binascii on {input:?}");
        assert_eq!(&answers[q], quopri, "quopri on {input:?}");
        assert_eq!(&qp::decode(input).unwrap(), septet, "septet on {input:?}");
    }
}

/// `quoted_printable` 0.5: `decode(input, ParseMode::{Strict, Robust})
/// -> Result<Vec<u8>, QuotedPrintableError>`, `encode(input) -> Vec<u8>`.
#[test]
fn quoted_printable_crate_agrees() {
    let mut rng = Rng(0x90a7e);
    for i in 0..400 {
        let input = rng.mail(i * 5);
        for options in [
            EncodeOptions::new(Mode::Text),
            EncodeOptions::new(Mode::Binary),
        ] {
            let wire = qp::encode_with(&input, options);
            let theirs = quoted_printable::decode(&wire, ParseMode::Robust).unwrap();
            assert_eq!(theirs, input, "{options:?} {wire:?}");
            let strict = quoted_printable::decode(&wire, ParseMode::Strict);
            assert_eq!(strict.as_ref(), Ok(&input), "{options:?} {wire:?}");
        }
        // Their encoding, decoded by septet (CRLF text: it writes CRLF breaks).
        let text = rng.crlf_text(i * 5);
        let wire = quoted_printable::encode(&text);
        assert_eq!(qp::decode(&wire).unwrap(), text, "{wire:?}");
        let wire = quoted_printable::encode_binary(&text);
        assert_eq!(qp::decode(&wire).unwrap(), text, "{wire:?}");
        // Valid input (both strict modes accept it): the same bytes.
        let wire = rng.wire_without_deviations(i % 200);
        if let (Ok(ours), Ok(theirs)) = (
            qp::decode_with(&wire, STRICT),
            quoted_printable::decode(&wire, ParseMode::Strict),
        ) {
            assert_eq!(ours, theirs, "{wire:?}");
        }
    }
}
