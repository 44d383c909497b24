//! The codecs against the tools users pipe them with: `septet base64
//! decode` takes GNU `base64` output as it is, and `septet qp encode`
//! keeps the input's line-end style as Python's `binascii.b2a_qp` does.

mod common;

use std::fs;
use std::process::Command;

use common::cli::{scratch, septet, septet_in, stderr};
use common::python::python3;

/// `len` fixed pseudo-random bytes (xorshift).
fn fixed_bytes(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

#[test]
fn base64_decode_takes_gnu_base64_output() {
    let dir = scratch("gnu-base64");
    let input = fixed_bytes(100_000);
    fs::write(dir.join("in.bin"), &input).unwrap();
    // The real coreutils tool: 76-column lines and a final newline.
    let gnu = Command::new("base64")
        .arg("in.bin")
        .current_dir(&dir)
        .output()
        .expect("the coreutils `base64` binary is needed for this test");
    assert!(gnu.status.success());
    assert!(gnu.stdout.ends_with(b"\n") && gnu.stdout[76] == b'\n');

    let back = septet_in(&dir, ["base64", "decode"], &gnu.stdout);
    assert!(back.status.success(), "{}", stderr(&back));
    assert!(back.stdout == input, "decoded bytes differ");
    // From a file too, and with CRLF line ends.
    fs::write(dir.join("in.b64"), &gnu.stdout).unwrap();
    let back = septet(&dir, ["base64", "decode", "in.b64"]);
    assert!(back.stdout == input);
    let crlf: Vec<u8> = gnu
        .stdout
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    let back = septet_in(&dir, ["base64", "decode"], &crlf);
    assert!(back.stdout == input);

    // --strict keeps RFC 4648: the first line break is an error.
    let strict = septet_in(&dir, ["base64", "decode", "--strict"], &gnu.stdout);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).contains("invalid byte 0x0a at offset 76"),
        "{}",
        stderr(&strict)
    );
    // Bytes outside the alphabet other than blanks are still errors.
    let bad = septet_in(&dir, ["base64", "decode"], b"QUJD\n*REVG\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("offset 5"), "{}", stderr(&bad));
}

/// Inputs for the quoted-printable comparison: LF, CRLF, mixed both ways,
/// no line break, trailing blanks, long lines, 8-bit bytes, a bare CR.
fn qp_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let long = "word ".repeat(40);
    vec![
        (
            "lf",
            format!("Gr\u{fc}\u{df}e  \n{long}\n.\nFrom x\nend\n").into_bytes(),
        ),
        (
            "crlf",
            format!("caf\u{e9}\t\r\n{long}\r\nlast = 1\r\n").into_bytes(),
        ),
        ("mixed-lf-first", b"one\xff\ntwo\r\nthree\n".to_vec()),
        ("mixed-crlf-first", b"one\r\ntwo\nthree \r\n".to_vec()),
        ("no-break", long.clone().into_bytes()),
        ("bare-cr", b"a\rb\nc\n".to_vec()),
    ]
}

const PY_QP: &str = r#"
import binascii, sys
src, ours = (open(p, "rb").read() for p in sys.argv[1:3])
theirs = binascii.b2a_qp(src)
open(sys.argv[3], "wb").write(theirs)
open(sys.argv[4], "wb").write(binascii.a2b_qp(ours))
open(sys.argv[5], "wb").write(binascii.a2b_qp(theirs))
"#;

#[test]
fn qp_encode_keeps_line_ends_like_python() {
    let Some(_) = python3() else { return };
    let dir = scratch("qp-python");
    for (name, input) in qp_inputs() {
        let src = dir.join(format!("{name}.txt"));
        fs::write(&src, &input).unwrap();
        let ours = septet(&dir, ["qp", "encode", src.to_str().unwrap()]);
        assert!(ours.status.success(), "{name}: {}", stderr(&ours));
        fs::write(dir.join("ours.qp"), &ours.stdout).unwrap();
        let run = python3()
            .unwrap()
            .current_dir(&dir)
            .args(["-c", PY_QP])
            .arg(&src)
            .args(["ours.qp", "theirs.qp", "ours.dec", "theirs.dec"])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let theirs = fs::read(dir.join("theirs.qp")).unwrap();
        let crlf = |v: &[u8]| v.windows(2).any(|w| w == b"\r\n");
        assert_eq!(
            crlf(&ours.stdout),
            crlf(&theirs),
            "{name}: line-end style differs:\n{}\n{}",
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs)
        );
        if !crlf(&ours.stdout) {
            assert!(!ours.stdout.contains(&b'\r'), "{name}");
        }
        assert_eq!(
            fs::read(dir.join("ours.dec")).unwrap(),
            fs::read(dir.join("theirs.dec")).unwrap(),
            "{name}: decoded results differ"
        );
        // Every line within the limit.
        assert!(ours.stdout.split(|&b| b == b'\n').all(|l| l.len() <= 77));
    }
}

#[test]
fn qp_encode_lf_input_round_trips_and_crlf_forces_crlf() {
    let dir = scratch("qp-styles");
    let input = "Gr\u{fc}\u{df}e  \nline two = x\n.\nFrom me\n".as_bytes();
    let lf = septet_in(&dir, ["qp", "encode"], input);
    assert_eq!(
        lf.stdout,
        b"Gr=C3=BC=C3=9Fe =20\nline two =3D x\n=2E\n=46rom me\n"
    );
    let back = septet_in(&dir, ["qp", "decode"], &lf.stdout);
    assert_eq!(back.stdout, input);

    let crlf = septet_in(&dir, ["qp", "encode", "--crlf"], input);
    assert_eq!(
        crlf.stdout,
        b"Gr=C3=BC=C3=9Fe =20\r\nline two =3D x\r\n=2E\r\n=46rom me\r\n"
    );
    // --crlf-only: a bare LF is data, so any bytes come back exactly.
    let exact = septet_in(&dir, ["qp", "encode", "--crlf-only"], b"a\nb\r\n");
    assert_eq!(exact.stdout, b"a=0Ab\r\n");
}
