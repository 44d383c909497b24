//! `septet qp`: files in and out, and strict errors with offsets.

use septet::qp::{self, Mode};

/// Deterministic mail-like bytes: words, blanks, CRLF and bare LF, `=`,
/// line-start dots and `From `, 8-bit bytes, and one long unbroken run.
fn mail_like(len: usize) -> Vec<u8> {
    let pieces: [&[u8]; 9] = [
        b"word",
        b" ",
        b"\t",
        b"\r\n",
        b"\n",
        b"=",
        b"\r\n.",
        b"\r\nFrom ",
        "Grüße".as_bytes(),
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut v = Vec::with_capacity(len + 16);
    v.extend(std::iter::repeat_n(b'x', 300));
    while v.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        v.extend_from_slice(pieces[(state % pieces.len() as u64) as usize]);
    }
    v
}

/// The `septet qp` subcommand: files in and out, and a strict error that
/// names its offset and exits with status 1.
#[test]
fn cli_round_trip_and_strict_error() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("septet-qp-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (raw, wire, back) = (dir.join("raw"), dir.join("wire"), dir.join("back"));
    let data = mail_like(200_000);
    std::fs::write(&raw, &data).unwrap();
    let septet = env!("CARGO_BIN_EXE_septet");
    let run = |args: &[&std::path::Path]| Command::new(septet).args(args).output().unwrap();
    let p = std::path::Path::new;
    assert!(
        run(&[p("qp"), p("encode"), p("--crlf-only"), &raw, p("-o"), &wire])
            .status
            .success()
    );
    assert_eq!(std::fs::read(&wire).unwrap(), qp::encode(&data, Mode::Text));
    assert!(
        run(&[p("qp"), p("decode"), p("--strict"), &wire, p("-o"), &back])
            .status
            .success()
    );
    assert_eq!(std::fs::read(&back).unwrap(), data);
    let binary = run(&[p("qp"), p("encode"), p("--binary"), &raw]);
    assert_eq!(binary.stdout, qp::encode(&data, Mode::Binary));

    std::fs::write(&wire, b"fine\r\nbad=4G\r\n").unwrap();
    let failed = run(&[p("qp"), p("decode"), p("--strict"), &wire]);
    assert_eq!(failed.status.code(), Some(1));
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(message.contains("offset 9"), "{message}");
    let lenient = run(&[p("qp"), p("decode"), &wire]);
    assert_eq!(lenient.stdout, b"fine\r\nbad=4G\r\n");
    std::fs::remove_dir_all(&dir).unwrap();
}
