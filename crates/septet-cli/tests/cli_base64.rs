//! End-to-end tests of `septet base64` and `septet isa`: the binary is run
//! as a user would, and its output is checked against the library.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::python::python3;

const SEPTET: &str = env!("CARGO_BIN_EXE_septet");

/// A fresh, empty directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_base64-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// `len` pseudo-random bytes (xorshift), the same for the same seed.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn septet(args: &[&str]) -> Command {
    let mut cmd = Command::new(SEPTET);
    cmd.args(args).env_remove("SEPTET_FORCE_ISA");
    cmd
}

/// Runs with `stdin` as standard input.
fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Fed from a thread: the child writes output while we write input.
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn success(out: &Output) -> &[u8] {
    assert!(
        out.status.success(),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

fn run_ok(cmd: &mut Command) {
    success(&cmd.output().unwrap());
}

fn str_path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn file_round_trip() {
    let dir = scratch("file_round_trip");
    let input = data(100_003, 1);
    let (bin, b64, back) = (
        dir.join("in.bin"),
        dir.join("out.b64"),
        dir.join("back.bin"),
    );
    fs::write(&bin, &input).unwrap();
    run_ok(&mut septet(&[
        "base64",
        "encode",
        str_path(&bin),
        "-o",
        str_path(&b64),
    ]));
    assert_eq!(
        fs::read(&b64).unwrap(),
        septet::base64::encode(&input).as_bytes()
    );
    run_ok(&mut septet(&[
        "base64",
        "decode",
        str_path(&b64),
        "--output",
        str_path(&back),
    ]));
    assert!(fs::read(&back).unwrap() == input);
}

#[test]
fn stdin_stdout_round_trip() {
    let input = data(70_001, 2);
    let text = run_with_stdin(septet(&["base64", "encode"]), &input);
    assert_eq!(success(&text), septet::base64::encode(&input).as_bytes());
    let back = run_with_stdin(septet(&["base64", "decode", "-", "-o", "-"]), &text.stdout);
    assert!(success(&back) == input);
}

#[test]
fn empty_input() {
    for mime in [&[][..], &["--mime"]] {
        let enc = run_with_stdin(septet(&[&["base64", "encode"], mime].concat()), b"");
        assert!(success(&enc).is_empty());
        let dec = run_with_stdin(septet(&[&["base64", "decode"], mime].concat()), b"");
        assert!(success(&dec).is_empty());
    }
}

#[test]
fn mime_and_url() {
    let input = data(10_000, 3);
    let cases: [(&[&str], String); 3] = [
        (&["--mime"], septet::base64::encode_mime(&input)),
        (&["--url"], septet::base64::url::encode(&input)),
        (
            &["--mime", "--url"],
            septet::base64::url::encode_mime(&input),
        ),
    ];
    for (flags, expected) in cases {
        let enc = run_with_stdin(septet(&[&["base64", "encode"], flags].concat()), &input);
        assert_eq!(success(&enc), expected.as_bytes(), "{flags:?}");
        let dec = run_with_stdin(
            septet(&[&["base64", "decode"], flags].concat()),
            &enc.stdout,
        );
        assert!(success(&dec) == input, "{flags:?}");
    }
    // Strict decoding refuses the CRLF that ends the first 76-character line.
    let wrapped = septet::base64::encode_mime(&data(60, 9));
    let strict = run_with_stdin(
        septet(&["base64", "decode", "--strict"]),
        wrapped.as_bytes(),
    );
    assert_eq!(strict.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(
        stderr.contains("invalid byte 0x0d at offset 76"),
        "{stderr}"
    );
    assert!(stderr.contains("--mime"), "{stderr}");
}

#[test]
fn invalid_input_fails_with_the_offset() {
    let mut text = septet::base64::encode(&data(3000, 4)).into_bytes();
    text[17] = b'*';
    let out = run_with_stdin(septet(&["base64", "decode"]), &text);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "septet: base64 decode: invalid byte 0x2a ('*') at offset 17\n"
    );
}

#[test]
fn error_offset_is_absolute_past_the_first_chunk() {
    // Beyond the CLI's 1 MiB read size, in MIME form.
    let mut text = septet::base64::encode_mime(&data(3 << 20, 5)).into_bytes();
    let at = (1 << 20) + 4321;
    text[at] = b'!';
    let out = run_with_stdin(septet(&["base64", "decode", "--mime"]), &text);
    assert_eq!(out.status.code(), Some(1));
    let expected = format!("invalid byte 0x21 ('!') at offset {at}");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&expected));
}

#[test]
fn failed_decode_leaves_no_output_file() {
    let dir = scratch("failed_decode_leaves_no_output_file");
    let bad = dir.join("bad.b64");
    // Valid for well over one read chunk, so output was written before the error.
    let mut text = septet::base64::encode(&data(2 << 20, 6)).into_bytes();
    text.extend_from_slice(b"QQ");
    fs::write(&bad, &text).unwrap();

    let fresh = dir.join("fresh.bin");
    let out = septet(&["base64", "decode", str_path(&bad), "-o", str_path(&fresh)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid padding at offset"), "{stderr}");
    assert!(!fresh.exists());

    let existing = dir.join("existing.bin");
    fs::write(&existing, b"keep me").unwrap();
    let out = septet(&[
        "base64",
        "decode",
        str_path(&bad),
        "-o",
        str_path(&existing),
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read(&existing).unwrap(), b"keep me");

    // No temporary files left behind.
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.b64", "existing.bin"]);
}

#[test]
fn missing_input_is_reported() {
    let out = septet(&["base64", "encode", "/nonexistent/septet-input"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("septet: base64 encode: opening /nonexistent/septet-input: "),
        "{stderr}"
    );
}

#[test]
fn large_input_streams_on_every_kernel_set() {
    let dir = scratch("large_input_streams_on_every_kernel_set");
    let input = data(20 << 20, 7);
    let bin = dir.join("in.bin");
    fs::write(&bin, &input).unwrap();
    let expected = septet::base64::encode_mime(&input);
    for isa in septet::simd::available() {
        let (b64, back) = (dir.join("out.b64"), dir.join("back.bin"));
        run_ok(
            septet(&[
                "base64",
                "encode",
                "--mime",
                str_path(&bin),
                "-o",
                str_path(&b64),
            ])
            .env("SEPTET_FORCE_ISA", isa.name()),
        );
        assert!(fs::read(&b64).unwrap() == expected.as_bytes(), "{isa}");
        run_ok(
            septet(&[
                "base64",
                "decode",
                "--mime",
                str_path(&b64),
                "-o",
                str_path(&back),
            ])
            .env("SEPTET_FORCE_ISA", isa.name()),
        );
        assert!(fs::read(&back).unwrap() == input, "{isa}");
    }
}

#[test]
fn broken_pipe_exits_quietly() {
    let mut child = septet(&["base64", "encode"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![0u8; 1 << 16];
        // Stops when the child exits and the pipe closes.
        while stdin.write_all(&chunk).is_ok() {}
    });
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // Dropping our end of stdout makes the child's next write fail with EPIPE.
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_eq!(&head, b"AAAAAAAAAA");
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn bad_force_isa_exits_2() {
    let out = septet(&["base64", "encode"])
        .env("SEPTET_FORCE_ISA", "sse9")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SEPTET_FORCE_ISA"));
}

#[test]
fn isa_lists_kernels() {
    let out = septet(&["isa"]).output().unwrap();
    let text = String::from_utf8(success(&out).to_vec()).unwrap();
    let active = septet::simd::active();
    assert!(text.contains(&format!("active: {active}\n")), "{text}");
    assert!(text.starts_with("available: scalar"), "{text}");

    let forced = septet(&["isa"])
        .env("SEPTET_FORCE_ISA", "scalar")
        .output()
        .unwrap();
    let text = String::from_utf8(success(&forced).to_vec()).unwrap();
    assert!(
        text.contains("active: scalar (forced by SEPTET_FORCE_ISA)"),
        "{text}"
    );
}

/// Python's `base64` module as an independent reference (python3 >= 3.11
/// required unless SEPTET_SKIP_PYTHON=1, see tests/common/python.rs).
#[test]
fn matches_python() {
    let Some(mut python) = python3() else {
        return;
    };
    let dir = scratch("matches_python");
    let bin = dir.join("in.bin");
    let input = data(1_000_001, 8);
    fs::write(&bin, &input).unwrap();
    let script = "import base64,sys; d=open(sys.argv[1],'rb').read(); \
                  sys.stdout.buffer.write(base64.b64encode(d)); sys.stdout.buffer.write(b'|'); \
                  sys.stdout.buffer.write(base64.urlsafe_b64encode(d)); sys.stdout.buffer.write(b'|'); \
                  sys.stdout.buffer.write(base64.encodebytes(d))";
    let py = python
        .args(["-c", script, str_path(&bin)])
        .output()
        .unwrap();
    let py_out = success(&py);
    let parts: Vec<&[u8]> = py_out.split(|&b| b == b'|').collect();
    let (std_b64, url_b64, py_mime) = (parts[0], parts[1], parts[2]);

    let ours = septet(&["base64", "encode", str_path(&bin)])
        .output()
        .unwrap();
    assert!(success(&ours) == std_b64);
    let ours = septet(&["base64", "encode", "--url", str_path(&bin)])
        .output()
        .unwrap();
    assert!(success(&ours) == url_b64);
    // Python's MIME lines end in LF, ours in CRLF; the text is the same.
    let ours = septet(&["base64", "encode", "--mime", str_path(&bin)])
        .output()
        .unwrap();
    let lf: Vec<u8> = success(&ours)
        .iter()
        .copied()
        .filter(|&b| b != b'\r')
        .collect();
    assert!(lf == py_mime);
}
