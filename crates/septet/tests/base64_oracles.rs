//! Differential tests against independent implementations: the `base64`
//! crate and Python's `base64` / `binascii` modules. Every kernel this CPU
//! runs is compared, not just the process-wide one.
//!
//! Known semantic differences (each is checked, not just tolerated):
//! - `base64` crate (`STANDARD` / `URL_SAFE`, i.e. padding required,
//!   trailing bits rejected): none found; acceptance and output agree.
//! - Python `b64decode(validate=True)` and `a2b_base64(strict_mode=True)`
//!   (3.11+) accept two things septet's strict decoder rejects:
//!   1. non-canonical trailing bits (`QR==` decodes to `A`): septet reports
//!      `NonCanonicalTrailingBits` as RFC 4648 3.5 allows;
//!   2. `=` after a complete, unpadded final quantum (`QUJD=`, `QUJD==`
//!      decode to `ABC`): septet reports `InvalidPadding` at the first `=`.
//! - Python's URL-safe decoding (`b64decode(s, altchars=b"-_",
//!   validate=True)`) maps `-_` to `+/` before validating, so it also
//!   accepts `+` and `/`; septet's URL-safe alphabet rejects them.
//! - `encodebytes` ends its 76-column lines with LF, septet's MIME encoder
//!   with CRLF (RFC 2045); otherwise identical.
//! - Python's lenient `a2b_base64` (no strict mode) skips non-alphabet bytes
//!   like `ignore_invalid`, but also stops after complete padding, ignoring
//!   what follows (`QQ==QUJD` gives `A`), and skips a stray `=` after a whole
//!   quantum (`QUJD=QUJD` gives `ABCABC`), where septet reports
//!   `InvalidPadding`; it is only compared on inputs septet accepts.

#[path = "common/python.rs"]
mod python;

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;
use common::{codecs, hex, invalid_bytes, scalar, sprinkle_junk, sprinkle_space, Rng, ALPHABETS};
use septet::base64::{Alphabet, DecodeError, DecodeErrorKind, MimeDecodeOptions};

const LENIENT: MimeDecodeOptions = MimeDecodeOptions {
    ignore_invalid: true,
};

/// Bytes a decoder must think about: both alphabets' specials, padding,
/// whitespace, a non-ASCII byte, and a few ordinary characters.
const SYMBOLS: &[u8] = b"AQw9+/-_= \n\xff";

fn engine(alphabet: Alphabet) -> &'static base64::engine::GeneralPurpose {
    match alphabet {
        Alphabet::Standard => &STANDARD,
        Alphabet::UrlSafe => &URL_SAFE,
    }
}

/// Every string over `symbols` of length `0..=max`.
fn all_strings(symbols: &[u8], max: usize) -> Vec<Vec<u8>> {
    let mut all = vec![vec![]];
    let mut level = vec![vec![]];
    for _ in 0..max {
        level = level
            .iter()
            .flat_map(|s: &Vec<u8>| {
                symbols.iter().map(move |&b| {
                    let mut t = s.clone();
                    t.push(b);
                    t
                })
            })
            .collect();
        all.extend(level.iter().cloned());
    }
    all
}

/// Valid encodings of random data with 0 to 3 random edits (replace,
/// insert, delete, truncate) drawn from [`SYMBOLS`] and random bytes.
fn corrupted_encodings(alphabet: Alphabet, count: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let len = if i % 16 == 0 {
                rng.below(5000)
            } else {
                rng.below(200)
            };
            let mut text = scalar(alphabet).encode(&rng.bytes(len)).into_bytes();
            for _ in 0..rng.below(4) {
                let b = if rng.one_in(4) {
                    rng.below(256) as u8
                } else {
                    rng.pick(SYMBOLS)
                };
                let at = rng.below(text.len() + 1);
                match rng.below(4) {
                    0 if at < text.len() => text[at] = b,
                    1 => text.insert(at, b),
                    2 if at < text.len() => drop(text.remove(at)),
                    3 => text.truncate(at),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

/// The decode inputs both oracles are asked about.
fn decode_corpus(alphabet: Alphabet, short: usize, count: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(alphabet as u64 + 4648);
    let mut corpus = all_strings(SYMBOLS, short);
    corpus.extend(corrupted_encodings(alphabet, count, &mut rng));
    corpus
}

#[test]
fn base64_crate_encodes_the_same() {
    let mut rng = Rng::new(1);
    for len in (0..=1000).chain([4096, 65536, 1 << 20]) {
        let data = rng.bytes(len);
        for alphabet in ALPHABETS {
            let want = engine(alphabet).encode(&data);
            for c in codecs(alphabet) {
                assert_eq!(
                    c.encode(&data),
                    want,
                    "{} {alphabet:?}: length {len}",
                    c.isa()
                );
            }
        }
    }
}

#[test]
fn base64_crate_decode_agrees() {
    for alphabet in ALPHABETS {
        for text in decode_corpus(alphabet, 5, 60_000) {
            let want = engine(alphabet).decode(&text);
            for c in codecs(alphabet) {
                let got = c.decode(&text);
                assert_eq!(
                    got.as_ref().ok(),
                    want.as_ref().ok(),
                    "{} {alphabet:?}: input {}: septet {got:?}, base64 crate {want:?}",
                    c.isa(),
                    hex(&text)
                );
            }
        }
    }
}

/// One case for the Python process: an operation and its input.
struct PyCase {
    op: char,
    input: Vec<u8>,
}

/// Runs every case through ONE Python process (hex lines in, hex lines
/// out) and returns `Ok(output)` / `Err(message)` per case.
fn run_python(cases: &[PyCase]) -> Option<Vec<Result<Vec<u8>, String>>> {
    let mut python = python::python3()?;
    const SCRIPT: &str = r#"
import sys, base64, binascii
if sys.version_info < (3, 11):
    sys.exit("python >= 3.11 is needed (binascii.a2b_base64 strict_mode)")
ops = {
    'e': base64.b64encode,
    'u': base64.urlsafe_b64encode,
    'm': base64.encodebytes,
    'd': lambda s: base64.b64decode(s, validate=True),
    's': lambda s: binascii.a2b_base64(s, strict_mode=True),
    'v': lambda s: base64.b64decode(s, altchars=b'-_', validate=True),
    'l': binascii.a2b_base64,
}
out = sys.stdout
for line in sys.stdin:
    op, _, data = line.rstrip('\n').partition(' ')
    try:
        out.write('ok ' + ops[op](bytes.fromhex(data)).hex() + '\n')
    except (binascii.Error, ValueError) as e:
        out.write('err ' + str(e).replace('\n', ' ') + '\n')
out.flush()
"#;
    let mut child = python
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    let mut stdin = child.stdin.take().unwrap();
    let mut request = String::new();
    for case in cases {
        request.push(case.op);
        request.push(' ');
        request.push_str(&hex_full(&case.input));
        request.push('\n');
    }
    // Written from another thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let results: Vec<Result<Vec<u8>, String>> = stdout
        .lines()
        .map(|line| {
            let line = line.expect("reading python output");
            match line.split_once(' ') {
                Some(("ok", h)) => Ok(unhex(h)),
                Some(("err", msg)) => Err(msg.to_string()),
                _ => panic!("unexpected python output {line:?}"),
            }
        })
        .collect();
    let written = writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && written.is_ok(),
        "python3 failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(results.len(), cases.len(), "python answered too few cases");
    Some(results)
}

fn hex_full(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// septet's strict decode, relaxed by exactly the documented differences
/// from Python (module docs): what Python should answer.
fn septet_as_python(text: &[u8], alphabet: Alphabet) -> Result<Vec<u8>, DecodeError> {
    let c = scalar(alphabet);
    let mut text = text.to_vec();
    loop {
        let e = match c.decode(&text) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let at = e.offset as usize;
        let url = alphabet == Alphabet::UrlSafe;
        match e.kind {
            DecodeErrorKind::NonCanonicalTrailingBits => {
                // Strict input: the character's index is its offset.
                let table = alphabet.encode_table();
                let value = table.iter().position(|&c| c == text[at]).unwrap();
                let spare = if at % 4 == 1 { 0xf } else { 0x3 };
                text[at] = table[value & !spare];
            }
            DecodeErrorKind::InvalidPadding
                if at > 0
                    && at.is_multiple_of(4)
                    && !text[..at].contains(&b'=')
                    && text[at..].iter().all(|&b| b == b'=') =>
            {
                text.truncate(at);
            }
            DecodeErrorKind::InvalidByte(b'+') if url => text[at] = b'-',
            DecodeErrorKind::InvalidByte(b'/') if url => text[at] = b'_',
            _ => return Err(e),
        }
    }
}

#[test]
fn python_encoders_agree() {
    let mut rng = Rng::new(2);
    let data: Vec<Vec<u8>> = (0..=300)
        .chain([1000, 4095, 65536, 200_000])
        .map(|n| rng.bytes(n))
        .collect();
    let mut cases = vec![];
    for d in &data {
        for op in ['e', 'u', 'm'] {
            cases.push(PyCase {
                op,
                input: d.clone(),
            });
        }
    }
    let Some(answers) = run_python(&cases) else {
        return;
    };
    for (case, answer) in cases.iter().zip(answers) {
        let py = answer.unwrap_or_else(|e| panic!("python {} failed: {e}", case.op));
        let alphabet = if case.op == 'u' {
            Alphabet::UrlSafe
        } else {
            Alphabet::Standard
        };
        for c in codecs(alphabet) {
            let ours = match case.op {
                'm' => c.encode_mime(&case.input).replace("\r\n", "\n"),
                _ => c.encode(&case.input),
            };
            assert!(
                ours.as_bytes() == py,
                "{} op {}: length {}: septet and Python differ",
                c.isa(),
                case.op,
                case.input.len()
            );
        }
    }
}

#[test]
fn python_strict_decoders_agree() {
    let mut cases = vec![];
    for alphabet in ALPHABETS {
        let ops: &[char] = match alphabet {
            Alphabet::Standard => &['d', 's'],
            Alphabet::UrlSafe => &['v'],
        };
        for text in decode_corpus(alphabet, 4, 20_000) {
            for &op in ops {
                cases.push((
                    alphabet,
                    PyCase {
                        op,
                        input: text.clone(),
                    },
                ));
            }
        }
    }
    let py_cases: Vec<PyCase> = cases
        .iter()
        .map(|(_, c)| PyCase {
            op: c.op,
            input: c.input.clone(),
        })
        .collect();
    let Some(answers) = run_python(&py_cases) else {
        return;
    };
    let mut accepted = 0;
    for ((alphabet, case), py) in cases.iter().zip(answers) {
        let text = &case.input;
        let want = septet_as_python(text, *alphabet);
        assert_eq!(
            want.as_ref().ok(),
            py.as_ref().ok(),
            "{alphabet:?} op {}: input {}: septet (relaxed as documented) {want:?}, python {py:?}",
            case.op,
            hex(text)
        );
        // And every kernel gives the strict answer the scalar one gives.
        let strict = scalar(*alphabet).decode(text);
        accepted += strict.is_ok() as usize;
        for c in codecs(*alphabet) {
            assert_eq!(
                c.decode(text),
                strict,
                "{} {alphabet:?}: {}",
                c.isa(),
                hex(text)
            );
        }
    }
    assert!(
        accepted > 5000,
        "too few valid cases ({accepted}) to mean much"
    );
}

/// Python's lenient decoder skips junk like `ignore_invalid`: compared on
/// MIME text with junk (never `=`) inserted, which septet must accept.
#[test]
fn python_lenient_decoder_agrees_on_junk() {
    let mut rng = Rng::new(3);
    let mut cases = vec![];
    for len in (0..=300).chain([5000, 100_000]) {
        let data = rng.bytes(len);
        let mime = scalar(Alphabet::Standard).encode_mime(&data);
        let spaced = sprinkle_space(mime.as_bytes(), &mut rng, 30);
        let junk = invalid_bytes(Alphabet::Standard, true);
        let input = sprinkle_junk(&spaced, &mut rng, 10, &junk);
        cases.push((data, PyCase { op: 'l', input }));
    }
    let py_cases: Vec<PyCase> = cases
        .iter()
        .map(|(_, c)| PyCase {
            op: c.op,
            input: c.input.clone(),
        })
        .collect();
    let Some(answers) = run_python(&py_cases) else {
        return;
    };
    for ((data, case), py) in cases.iter().zip(answers) {
        assert_eq!(
            py.as_ref().ok(),
            Some(data),
            "python on {}",
            hex(&case.input)
        );
        for c in codecs(Alphabet::Standard) {
            let got = c.decode_mime_with(&case.input, LENIENT);
            assert_eq!(
                got.as_ref().ok(),
                Some(data),
                "{}: {}",
                c.isa(),
                hex(&case.input)
            );
        }
    }
}
