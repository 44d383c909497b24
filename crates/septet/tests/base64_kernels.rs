//! Every base64 kernel set this CPU runs, against the scalar reference and
//! the documented rules (tests/common/model.rs).
//!
//! - Every data length 0..=300 at every input misalignment 0..=63, for
//!   encode, decode, MIME encode and MIME decode (many line layouts,
//!   whitespace anywhere, junk with `ignore_invalid`), both alphabets, with
//!   canary bytes around every output buffer; plus overlong MIME lines.
//! - Errors injected at every position of those encodings: the same error,
//!   at the injected offset, whichever kernel ran.
//! - Random inputs up to 1 MiB (proptest).
//! - Detection: a CPU feature that is present but whose kernels are not run
//!   is a failure, and `SEPTET_FORCE_ISA` is checked in child processes.
//!
//! The per-ISA tests live in modules named after the ISA (`avx2::...`), so a
//! failure names its kernel set; ones the CPU lacks pass with a note on
//! stderr, and `detected_features_have_kernels` makes sure that only happens
//! when the CPU really lacks them.

mod common;

use common::harness::{out_place, Harness, Op};
use common::model;
use common::{
    assert_same, codec, hex, invalid_bytes, rewrap, scalar, sprinkle_junk, sprinkle_space, Outcome,
    Rng, ALIGN, ALPHABETS, MIME_SPACE,
};
use proptest::prelude::*;
use septet::base64::{Alphabet, Codec, DecodeError, DecodeErrorKind};
use septet::simd::{self, Isa};

/// Data lengths swept exhaustively: several 64-byte blocks plus every tail.
const MAX_LEN: usize = 300;

/// `isa` if this CPU runs it, else `None` with a note.
fn runnable(isa: Isa) -> Option<Isa> {
    if simd::available().contains(&isa) {
        Some(isa)
    } else {
        eprintln!(
            "{isa}: not supported by this CPU, not tested (see detected_features_have_kernels)"
        );
        None
    }
}

/// Builds the input and the expected output from random data.
type MakeCase<'a> = dyn Fn(Alphabet, &[u8], &mut Rng) -> (Vec<u8>, Vec<u8>) + 'a;

/// For every data length 0..=MAX_LEN and both alphabets: the scalar codec
/// must give the expected output, and `isa` the same at every input offset.
fn sweep(isa: Isa, op: Op, layout: &str, make: &MakeCase<'_>) {
    let mut h = Harness::default();
    for alphabet in ALPHABETS {
        let kernel = codec(alphabet, isa);
        let reference = scalar(alphabet);
        let mut rng = Rng::new(((op as u64) << 8) ^ layout.len() as u64);
        for len in 0..=MAX_LEN {
            let data = rng.bytes(len);
            let (input, expected) = make(alphabet, &data, &mut rng);
            let expected = Ok(expected);
            let ctx = |who: Isa, off: usize| {
                format!(
                    "{who} {alphabet:?} {op:?} ({layout}): data length {len}, input length {}, \
                     input offset {off}, input {}",
                    input.len(),
                    hex(&input)
                )
            };
            let want = h.run(&reference, op, &input, (0, 0, 0), &|| ctx(Isa::Scalar, 0));
            assert_same(&want, &expected, &|| ctx(Isa::Scalar, 0));
            for off in 0..ALIGN {
                let got = h.run(&kernel, op, &input, out_place(off, len), &|| ctx(isa, off));
                assert_same(&got, &expected, &|| ctx(isa, off));
            }
        }
    }
}

fn sweep_encode(isa: Isa) {
    sweep(isa, Op::Encode, "plain", &|a, data, _| {
        (data.to_vec(), model::encode(data, a))
    });
    sweep(isa, Op::EncodeMime, "76+CRLF", &|a, data, _| {
        (data.to_vec(), model::encode_mime(data, a))
    });
}

fn sweep_decode(isa: Isa) {
    sweep(isa, Op::Decode, "plain", &|a, data, _| {
        (model::encode(data, a), data.to_vec())
    });
}

/// MIME decoding of line layouts a mailer might produce.
fn sweep_decode_mime_lines(isa: Isa) {
    let layouts: [(&str, usize, &[u8]); 10] = [
        ("76+CRLF", 76, b"\r\n"),
        ("76+LF", 76, b"\n"),
        ("64+CRLF", 64, b"\r\n"),
        ("64+LF", 64, b"\n"),
        ("77+LF", 77, b"\n"),
        ("4+CRLF", 4, b"\r\n"),
        ("3+CRLF", 3, b"\r\n"),
        ("1+LF", 1, b"\n"),
        ("1+CRLF", 1, b"\r\n"),
        ("no breaks", 0, b""),
    ];
    for (name, line, eol) in layouts {
        sweep(isa, Op::DecodeMime, name, &|a, data, _| {
            (rewrap(&model::encode(data, a), line, eol), data.to_vec())
        });
    }
}

/// MIME decoding with spaces, tabs, CR and LF anywhere, including runs
/// longer than a vector block and whitespace inside the padding.
fn sweep_decode_mime_space(isa: Isa) {
    for every in [3, 17, 90] {
        sweep(
            isa,
            Op::DecodeMime,
            &format!("space 1/{every}"),
            &|a, data, rng| {
                let text = model::encode_mime(data, a);
                (sprinkle_space(&text, rng, every), data.to_vec())
            },
        );
    }
}

/// `ignore_invalid`: junk of every kind (never `=`) anywhere is skipped.
fn sweep_decode_mime_junk(isa: Isa) {
    for every in [5, 40] {
        sweep(
            isa,
            Op::DecodeMimeLenient,
            &format!("junk 1/{every}"),
            &|a, data, rng| {
                let junk = invalid_bytes(a, true);
                let text = sprinkle_space(&model::encode_mime(data, a), rng, 50);
                (sprinkle_junk(&text, rng, every, &junk), data.to_vec())
            },
        );
    }
}

/// MIME text with lines far longer than 76 characters (RFC 2045 forbids
/// them, decoders meet them): kernels that track line positions must not
/// lose characters across their internal block boundaries.
fn long_lines(isa: Isa) {
    let mut h = Harness::default();
    let mut rng = Rng::new(2045);
    for alphabet in ALPHABETS {
        let kernel = codec(alphabet, isa);
        for len in (1500..=3200).step_by(17) {
            let data = rng.bytes(len);
            let text = model::encode(&data, alphabet);
            for line in [77, 100, 511, 1000, 1024, 4000] {
                for eol in [&b"\n"[..], b"\r\n"] {
                    let input = rewrap(&text, line, eol);
                    for off in [0, 1, 31, 63] {
                        let ctx = || {
                            format!(
                                "{isa} {alphabet:?} DecodeMime: data length {len}, lines of \
                                 {line} + {eol:?}, input offset {off}"
                            )
                        };
                        let op = Op::DecodeMime;
                        let got = h.run(&kernel, op, &input, out_place(off, len), &ctx);
                        assert_same(&got, &Ok(data.clone()), &ctx);
                    }
                }
            }
        }
    }
}

/// Decodes `input` with `isa` and with the scalar codec: both must give the
/// same result, and that must be `expected` if given. In the scalar suite,
/// `None` means what the model says; the other suites then only need to
/// agree with the scalar codec.
fn check_decode(
    h: &mut Harness,
    isa: Isa,
    alphabet: Alphabet,
    op: Op,
    input: &[u8],
    expected: Option<Outcome>,
    what: &dyn Fn() -> String,
) {
    let expected = match expected {
        None if isa == Isa::Scalar => Some(model::decode(input, alphabet, op.mode())),
        e => e,
    };
    let ctx = |who: Isa| {
        format!(
            "{who} {alphabet:?} {op:?}: {}; input ({} bytes) {}",
            what(),
            input.len(),
            hex(input)
        )
    };
    let want = h.run(&scalar(alphabet), op, input, (0, 0, 0), &|| {
        ctx(Isa::Scalar)
    });
    if let Some(expected) = &expected {
        assert_same(&want, expected, &|| ctx(Isa::Scalar));
    }
    if isa != Isa::Scalar {
        let place = out_place(input.len() % ALIGN, input.len());
        let got = h.run(&codec(alphabet, isa), op, input, place, &|| ctx(isa));
        assert_same(&got, &want, &|| ctx(isa));
    }
}

fn error(offset: usize, kind: DecodeErrorKind) -> Option<Outcome> {
    Some(Err(DecodeError {
        offset: offset as u64,
        kind,
    }))
}

/// Replaces or inserts one byte at every position of valid encodings
/// (plain and MIME) of every length 0..=MAX_LEN.
fn injected_errors(isa: Isa, mime: bool) {
    let mut h = Harness::default();
    let mut rng = Rng::new(7 + mime as u64);
    for alphabet in ALPHABETS {
        let invalid = invalid_bytes(alphabet, mime);
        let op = if mime { Op::DecodeMime } else { Op::Decode };
        let encode = if mime {
            model::encode_mime
        } else {
            model::encode
        };
        for len in 0..=MAX_LEN {
            let data = rng.bytes(len);
            let text = encode(&data, alphabet);
            for p in 0..=text.len() {
                let what = |how: &'static str| move || format!("data length {len}, {how} at {p}");
                if p < text.len() {
                    let bad = invalid[(p * 7 + len) % invalid.len()];
                    let mut t = text.clone();
                    t[p] = bad;
                    let want = error(p, DecodeErrorKind::InvalidByte(bad));
                    check_decode(&mut h, isa, alphabet, op, &t, want, &what("invalid byte"));
                    t[p] = b'=';
                    check_decode(&mut h, isa, alphabet, op, &t, None, &what("'=' replacing"));
                }
                let space = MIME_SPACE[(p + len) % 4];
                let mut t = text.clone();
                t.insert(p, space);
                let want = if mime {
                    Some(Ok(data.clone()))
                } else {
                    error(p, DecodeErrorKind::InvalidByte(space))
                };
                check_decode(&mut h, isa, alphabet, op, &t, want, &what("whitespace"));
                if mime {
                    let mut t = text.clone();
                    t.insert(p, invalid[(p * 3 + len) % invalid.len()]);
                    let want = Some(Ok(data.clone()));
                    let what = what("ignored junk");
                    check_decode(
                        &mut h,
                        isa,
                        alphabet,
                        Op::DecodeMimeLenient,
                        &t,
                        want,
                        &what,
                    );
                }
                if rng.one_in(4) {
                    // `=` inserted (not replacing): padding in the middle.
                    let mut t = text.clone();
                    t.insert(p, b'=');
                    check_decode(&mut h, isa, alphabet, op, &t, None, &what("'=' inserted"));
                }
            }
        }
    }
}

/// Endings: every truncation (missing padding, lone final sextet), data or
/// padding after the padding, non-canonical trailing bits.
fn tail_errors(isa: Isa) {
    let mut h = Harness::default();
    let mut rng = Rng::new(99);
    for alphabet in ALPHABETS {
        let table = alphabet.encode_table();
        for len in 0..=MAX_LEN {
            let data = rng.bytes(len);
            let text = model::encode(&data, alphabet);
            let mime_text = model::encode_mime(&data, alphabet);
            for (op, text) in [(Op::Decode, &text), (Op::DecodeMime, &mime_text)] {
                for cut in 0..text.len() {
                    let what = || format!("data length {len}, truncated to {cut}");
                    check_decode(&mut h, isa, alphabet, op, &text[..cut], None, &what);
                }
                let end = text.len();
                for extra in [&b"A"[..], b"=", b"QQ==", b"QUJD", b"AAAAAAAA=", b"\r\n="] {
                    let mut t = text.clone();
                    t.extend_from_slice(extra);
                    let what = || format!("data length {len}, {:?} appended", hex(extra));
                    let want = match (len % 3, extra[0]) {
                        (_, b'\r') if op == Op::Decode => {
                            error(end, DecodeErrorKind::InvalidByte(b'\r'))
                        }
                        (0, b'A') if extra.len() == 1 => error(end, DecodeErrorKind::InvalidLength),
                        (0, b'=') => error(end, DecodeErrorKind::InvalidPadding),
                        (0, _) => None, // more data after complete quanta: valid or model
                        (_, b'\r') => error(end + 2, DecodeErrorKind::InvalidPadding),
                        _ => error(end, DecodeErrorKind::InvalidPadding),
                    };
                    check_decode(&mut h, isa, alphabet, op, &t, want, &what);
                }
                if len % 3 == 0 {
                    continue;
                }
                // Padding removed: the `=` was expected at the end.
                let stripped: Vec<u8> = text.iter().copied().filter(|&b| b != b'=').collect();
                let cut = stripped.len();
                let what = || format!("data length {len}, padding stripped");
                let want = error(cut, DecodeErrorKind::InvalidPadding);
                check_decode(&mut h, isa, alphabet, op, &stripped, want, &what);
                // Non-canonical: set a low bit the encoder leaves zero.
                let last = text.iter().rposition(|&b| table.contains(&b)).unwrap();
                let value = table.iter().position(|&c| c == text[last]).unwrap();
                let mut t = text.clone();
                t[last] = table[value | 1];
                let what = || format!("data length {len}, trailing bit set");
                let want = error(last, DecodeErrorKind::NonCanonicalTrailingBits);
                check_decode(&mut h, isa, alphabet, op, &t, want, &what);
            }
        }
    }
}

/// Generates the per-ISA test modules.
macro_rules! kernel_suite {
    ($($module:ident => $isa:expr),* $(,)?) => {
        /// The ISAs with a test module: must be all of them.
        const SUITES: &[Isa] = &[$($isa),*];
        $(
            mod $module {
                use super::*;

                fn run(check: fn(Isa)) {
                    if let Some(isa) = runnable($isa) {
                        check(isa);
                    }
                }

                #[test]
                fn encode_every_length_and_offset() {
                    run(sweep_encode);
                }

                #[test]
                fn decode_every_length_and_offset() {
                    run(sweep_decode);
                }

                #[test]
                fn decode_mime_line_layouts() {
                    run(sweep_decode_mime_lines);
                }

                #[test]
                fn decode_mime_whitespace_anywhere() {
                    run(sweep_decode_mime_space);
                }

                #[test]
                fn decode_mime_ignore_invalid_junk() {
                    run(sweep_decode_mime_junk);
                }

                #[test]
                fn decode_errors_injected_everywhere() {
                    run(|isa| injected_errors(isa, false));
                }

                #[test]
                fn decode_mime_errors_injected_everywhere() {
                    run(|isa| injected_errors(isa, true));
                }

                #[test]
                fn decode_tail_errors() {
                    run(tail_errors);
                }

                #[test]
                fn decode_mime_long_lines() {
                    run(long_lines);
                }
            }
        )*
    };
}

kernel_suite! {
    scalar => Isa::Scalar,
    avx2 => Isa::Avx2,
    avx512 => Isa::Avx512,
    neon => Isa::Neon,
}

#[test]
fn every_isa_has_a_test_suite() {
    for isa in Isa::ALL {
        assert!(
            SUITES.contains(&isa),
            "{isa} has no kernel_suite! module in this file"
        );
    }
}

/// Large random inputs through every kernel, against the scalar codec.
fn large_input_check(len: usize, seed: u64, alphabet: Alphabet) {
    let mut rng = Rng::new(seed);
    let data = rng.bytes(len);
    let reference = scalar(alphabet);
    let text = reference.encode(&data).into_bytes();
    let mime = reference.encode_mime(&data).into_bytes();
    let junk = invalid_bytes(alphabet, true);
    let (every_space, every_junk) = (1 + rng.below(300), 1 + rng.below(300));
    let spaced = sprinkle_space(&mime, &mut rng, every_space);
    let junked = sprinkle_junk(&spaced, &mut rng, every_junk, &junk);
    let any_line = 1 + rng.below(5000);
    let line = rng.pick(&[1, 4, 60, 64, 76, 1000, any_line]);
    let rewrapped = rewrap(&text, line, rng.pick(&[&b"\n"[..], b"\r\n"]));
    // One defect deep inside otherwise regular text, where a kernel on its
    // fast path meets it: an invalid byte, a stray space, a joined line.
    let p = rng.below(text.len().max(1));
    let bad = rng.pick(&invalid_bytes(alphabet, false));
    let mut corrupt = text.clone();
    let mut mime_corrupt = mime.clone();
    let mut mime_spaced = mime.clone();
    let mut mime_joined = mime.clone();
    if !text.is_empty() {
        corrupt[p] = bad;
        mime_corrupt[p] = rng.pick(&junk);
        mime_spaced.insert(p, rng.pick(&MIME_SPACE));
        let eol = mime.len().saturating_sub(2).min(p / 78 * 78 + 76);
        mime_joined.drain(eol..eol + 2);
    }
    let invalid = |at: usize, b: u8| error(at, DecodeErrorKind::InvalidByte(b));
    let decoded = Some(Ok(data.clone()));
    let cases: [(Op, &[u8], Option<Outcome>); 11] = [
        (Op::Encode, &data, Some(Ok(text.clone()))),
        (Op::EncodeMime, &data, Some(Ok(mime.clone()))),
        (Op::Decode, &text, decoded.clone()),
        (
            Op::Decode,
            &corrupt,
            (len > 0).then(|| invalid(p, bad)).flatten(),
        ),
        (Op::DecodeMime, &mime, decoded.clone()),
        (
            Op::DecodeMime,
            &mime_corrupt,
            (len > 0).then(|| invalid(p, mime_corrupt[p])).flatten(),
        ),
        (Op::DecodeMime, &mime_spaced, decoded.clone()),
        (Op::DecodeMime, &mime_joined, decoded.clone()),
        (Op::DecodeMime, &spaced, decoded.clone()),
        (Op::DecodeMime, &rewrapped, decoded.clone()),
        (Op::DecodeMimeLenient, &junked, decoded),
    ];
    let mut h = Harness::default();
    for (i, (op, input, expected)) in cases.into_iter().enumerate() {
        let ctx = |who: Isa| {
            format!("{who} {alphabet:?} {op:?}: random case {i}, data length {len}, seed {seed}")
        };
        let want = h.run(&reference, op, input, (0, 0, 0), &|| ctx(Isa::Scalar));
        if let Some(expected) = &expected {
            assert_same(&want, expected, &|| ctx(Isa::Scalar));
        }
        for c in common::codecs(alphabet) {
            let off = (seed as usize + i) % ALIGN;
            let got = h.run(&c, op, input, out_place(off, len), &|| ctx(c.isa()));
            assert_same(&got, &want, &|| ctx(c.isa()));
        }
    }
}

proptest! {
    // No regression file: the failure message names the length and seed.
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn large_random_inputs_match_scalar(
        len in prop_oneof![0usize..=4096, 0usize..=(1 << 20)],
        seed in any::<u64>(),
        url in any::<bool>(),
    ) {
        let alphabet = if url { Alphabet::UrlSafe } else { Alphabet::Standard };
        large_input_check(len, seed, alphabet);
    }
}

/// A CPU that reports the features of a kernel set must have that set in
/// `available()`, or its kernels would silently never be tested (or used).
///
/// AVX-512 means F+BW+VL+VBMI+VBMI2 (+BMI2, POPCNT), like `avx512_detected` in
/// src/simd/x86_64/mod.rs. A CPU with VBMI but not VBMI2 (Cannon Lake) gets
/// the AVX2 kernels and is therefore not an AVX-512 test machine.
///
/// CI can also demand a kernel set: `SEPTET_REQUIRE_ISA=avx512` fails here
/// on a machine that cannot run it, instead of passing with fewer kernels.
#[test]
fn detected_features_have_kernels() {
    let available = simd::available();
    let mut expected = vec![Isa::Scalar];
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") {
            expected.push(Isa::Avx2);
        }
        if has!("avx512f")
            && has!("avx512bw")
            && has!("avx512vl")
            && has!("avx512vbmi")
            && has!("avx512vbmi2")
            && has!("bmi2")
            && has!("popcnt")
        {
            expected.push(Isa::Avx512);
        }
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("neon") {
        expected.push(Isa::Neon);
    }
    eprintln!("CPU runs {available:?}; features imply {expected:?}");
    for isa in &expected {
        assert!(
            available.contains(isa),
            "the CPU supports {isa} but simd::available() = {available:?}: \
             its kernels are neither used nor tested"
        );
        let c = Codec::with_isa(Alphabet::Standard, *isa)
            .unwrap_or_else(|e| panic!("CPU supports {isa} but Codec::with_isa fails: {e}"));
        assert_eq!(c.isa(), *isa);
        assert_eq!(c.encode(b"foobar"), "Zm9vYmFy", "{isa}");
    }
    for isa in &available {
        assert!(
            expected.contains(isa) || *isa == Isa::Scalar,
            "available() offers {isa} though the CPU does not report its features"
        );
    }
    if let Ok(names) = std::env::var("SEPTET_REQUIRE_ISA") {
        for name in names.split(',').filter(|n| !n.trim().is_empty()) {
            let isa = Isa::from_name(name).unwrap_or_else(|| panic!("unknown ISA {name:?}"));
            assert!(
                available.contains(&isa),
                "SEPTET_REQUIRE_ISA asks for {isa}, which this machine cannot run"
            );
        }
    }
}

/// With `SEPTET_FORCE_ISA` unset the best kernels run; when the whole suite
/// runs under it, the forced ones.
#[test]
fn active_isa_in_this_process() {
    let available = simd::available();
    let forced = std::env::var(simd::FORCE_ISA_ENV).unwrap_or_default();
    let want = match Isa::from_name(&forced) {
        Some(isa) => isa,
        None if forced.trim().is_empty() => *available.last().unwrap(),
        None => {
            assert!(simd::try_kernels().is_err(), "forced {forced:?}");
            return;
        }
    };
    assert_eq!(
        simd::active(),
        want,
        "available {available:?}, forced {forced:?}"
    );
    assert_eq!(Codec::new(Alphabet::Standard).isa(), want);
}

/// What the child process is told to expect.
const CHILD_EXPECT_ENV: &str = "SEPTET_TEST_EXPECT";
const CHILD_TEST: &str = "force_isa_child";

/// `SEPTET_FORCE_ISA` is read once per process, so each setting is checked
/// in a fresh copy of this test binary running only [`force_isa_child`].
#[test]
fn force_isa_env_is_obeyed() {
    let available = simd::available();
    let best = *available.last().unwrap();
    let mut cases: Vec<(Option<String>, String)> = vec![
        (None, format!("active {}", best.name())),
        (Some("  ".into()), format!("active {}", best.name())),
        (Some("sse9".into()), "unknown sse9".into()),
    ];
    for isa in Isa::ALL {
        let expect = if available.contains(&isa) {
            format!("active {}", isa.name())
        } else {
            format!("unsupported {}", isa.name())
        };
        cases.push((Some(isa.name().into()), expect.clone()));
        cases.push((Some(isa.name().to_uppercase()), expect));
    }
    let exe = std::env::current_exe().expect("path of the test binary");
    for (force, expect) in cases {
        let mut cmd = child_command(&exe);
        cmd.args([CHILD_TEST, "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads", "1"])
            .env(CHILD_EXPECT_ENV, &expect);
        match &force {
            Some(v) => cmd.env(simd::FORCE_ISA_ENV, v),
            None => cmd.env_remove(simd::FORCE_ISA_ENV),
        };
        let out = cmd.output().expect("re-running the test binary");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child with {}={force:?} expecting {expect:?} failed ({}):\n{stdout}\n{stderr}",
            simd::FORCE_ISA_ENV,
            out.status
        );
    }
}

/// A command running the test binary `exe`: directly, or through the
/// emulator named by `SEPTET_TEST_RUNNER` (`scripts/ci_neon.sh` runs the
/// aarch64 tests under qemu, where the kernel cannot start the binary
/// itself without binfmt_misc).
fn child_command(exe: &std::path::Path) -> std::process::Command {
    let runner = std::env::var("SEPTET_TEST_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(program) => {
            let mut cmd = std::process::Command::new(program);
            cmd.args(words).arg(exe);
            cmd
        }
        None => std::process::Command::new(exe),
    }
}

/// Helper for [`force_isa_env_is_obeyed`]; does nothing unless run by it.
#[test]
#[ignore = "run in a child process by force_isa_env_is_obeyed"]
fn force_isa_child() {
    let Ok(expect) = std::env::var(CHILD_EXPECT_ENV) else {
        return;
    };
    let (what, name) = expect.split_once(' ').expect("'<what> <isa>'");
    let forced = std::env::var(simd::FORCE_ISA_ENV).unwrap_or_default();
    match what {
        "active" => {
            let isa = Isa::from_name(name).unwrap();
            let k = simd::try_kernels().unwrap_or_else(|e| panic!("forced {forced:?}: {e}"));
            assert_eq!(k.isa(), isa, "forced {forced:?}");
            assert_eq!(simd::active(), isa);
            assert_eq!(Codec::new(Alphabet::UrlSafe).isa(), isa);
            // The free functions run the forced kernels on a kernel-sized input.
            let data: Vec<u8> = (0..=255).cycle().take(3000).collect();
            let text = septet::base64::encode_mime(&data);
            let ctx = || format!("forced {forced:?}: free functions on {isa}");
            let want = scalar(Alphabet::Standard).encode_mime(&data);
            assert_same(&Ok(text.clone().into()), &Ok(want.into()), &ctx);
            let back = septet::base64::decode_mime(text.as_bytes());
            assert_same(&back, &Ok(data), &ctx);
        }
        "unsupported" => {
            let isa = Isa::from_name(name).unwrap();
            let err = simd::try_kernels().unwrap_err();
            assert_eq!(err, simd::IsaError::Unsupported(isa), "forced {forced:?}");
            // No panic (this used to panic): the fallible entry points
            // report the error, the infallible ones run the scalar table.
            assert_eq!(simd::active(), Isa::Scalar);
            let kernels = septet::base64::DecodeErrorKind::Kernels(err);
            assert_eq!(septet::base64::decode(b"eA==").unwrap_err().kind, kernels);
            assert_eq!(septet::base64::encode(b"x"), "eA==");
        }
        "unknown" => {
            let err = simd::try_kernels().unwrap_err();
            assert_eq!(err, simd::IsaError::UnknownName(forced.clone().leak()));
            assert!(err.to_string().contains("sse9"), "{err}");
            // No panic (this used to panic): see "unsupported".
            assert_eq!(septet::base64::encode(b"x"), "eA==");
            let mut out = [0u8; 4];
            assert_eq!(
                septet::base64::encode_to_slice(b"x", &mut out),
                Err(septet::base64::EncodeSliceError::Isa(err))
            );
            let kernels = septet::qp::DecodeErrorKind::Kernels(err);
            assert_eq!(septet::qp::decode(b"x").unwrap_err().kind, kernels);
        }
        _ => panic!("bad {CHILD_EXPECT_ENV}={expect:?}"),
    }
}
