//! Base64 throughput: septet (every kernel set this CPU runs) against the
//! other Rust base64 crates, with a memcpy of the same bytes as the
//! bandwidth reference.
//!
//! Four operations (plain encode, plain decode, MIME encode, MIME decode) at
//! five payload sizes (64 B, 1 KiB, 64 KiB, 1 MiB, 64 MiB). Groups are named `base64/<operation>/<payload size>`;
//! the payload size is the RAW data size, so `base64/decode/1MiB` decodes the
//! 1,398,104-character encoding of a 1 MiB payload. Throughput counts the
//! bytes of each operation's INPUT: raw bytes for the encoders, encoded
//! characters (CRLFs included for MIME) for the decoders. `memcpy` copies that
//! same input, so it is the ceiling of each row.
//!
//! Every output goes into a buffer allocated (and touched) before timing, and
//! every implementation's output is checked against septet's scalar reference
//! once per group, outside the timed loop.
//!
//! `SEPTET_FORCE_ISA=avx2` (or `scalar`, `avx512`) limits the septet rows to
//! one kernel set. At 64 MiB the slowest rows (septet-scalar, `base64`,
//! `data-encoding`) are skipped to keep the run short; `SEPTET_BENCH_ALL=1`
//! keeps them. `scripts/bench_table.py` turns the results into the tables of
//! BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};
use septet::base64::{
    decoded_len_estimate, encoded_len, mime_encoded_len, Alphabet, Codec, MimeDecodeOptions,
};
use septet::simd::{self, Isa};

/// Payload sizes (raw bytes) and their labels in group names.
const SIZES: [(&str, usize); 5] = [
    ("64B", 64),
    ("1KiB", 1 << 10),
    ("64KiB", 64 << 10),
    ("1MiB", 1 << 20),
    ("64MiB", 64 << 20),
];

/// From this payload size on, the slowest rows are skipped (see module doc).
const HUGE: usize = 64 << 20;

/// Raw bytes per MIME line, and characters per MIME line (before CRLF).
const LINE_INPUT: usize = 57;
const LINE_CHARS: usize = 76;

/// Lines per block in the peers' MIME compositions: 48 lines is 2,736 raw
/// bytes or 3,648 characters, so both scratch buffers stay in L1.
const BLOCK_LINES: usize = 48;

/// The four operations, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Encode,
    Decode,
    MimeEncode,
    MimeDecode,
}

impl Op {
    const ALL: [Op; 4] = [Op::Encode, Op::Decode, Op::MimeEncode, Op::MimeDecode];

    fn name(self) -> &'static str {
        match self {
            Op::Encode => "encode",
            Op::Decode => "decode",
            Op::MimeEncode => "mime-encode",
            Op::MimeDecode => "mime-decode",
        }
    }
}

/// One payload in every form the operations read or produce.
struct Payload {
    raw: Vec<u8>,
    /// Padded standard base64, no line breaks.
    plain: Vec<u8>,
    /// MIME form: 76-character lines, CRLF after each (the last one too).
    mime: Vec<u8>,
}

impl Payload {
    /// Pseudo-random bytes (xorshift64*, fixed seed): incompressible, and
    /// every run of the bench sees the same data.
    fn new(len: usize) -> Self {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut raw = Vec::with_capacity(len + 8);
        while raw.len() < len {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            raw.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        raw.truncate(len);
        // The scalar kernels are the reference every other row is checked against.
        let reference =
            Codec::with_isa(Alphabet::Standard, Isa::Scalar).expect("scalar always runs");
        let plain = reference.encode(&raw).into_bytes();
        let mime = reference.encode_mime(&raw).into_bytes();
        Payload { raw, plain, mime }
    }

    /// What `op` reads.
    fn input(&self, op: Op) -> &[u8] {
        match op {
            Op::Encode | Op::MimeEncode => &self.raw,
            Op::Decode => &self.plain,
            Op::MimeDecode => &self.mime,
        }
    }

    /// What `op` must produce.
    fn expected(&self, op: Op) -> &[u8] {
        match op {
            Op::Encode => &self.plain,
            Op::MimeEncode => &self.mime,
            Op::Decode | Op::MimeDecode => &self.raw,
        }
    }

    /// An output buffer every row of `op` can write into: the largest size
    /// any implementation's API demands, and at least the input length for
    /// the memcpy row. Filled with a non-zero byte so its pages are mapped
    /// before timing starts.
    fn output_buffer(&self, op: Op) -> Vec<u8> {
        let input = self.input(op).len();
        let need = match op {
            Op::Encode => encoded_len(input),
            Op::MimeEncode => mime_encoded_len(input),
            Op::Decode | Op::MimeDecode => decoded_len_estimate(input),
        };
        vec![0xA5; need.max(input) + 64]
    }
}

/// A peer crate's fastest plain encode and decode into caller buffers.
/// `out` is at least `encoded_len` / `decoded_len_estimate` of the input;
/// both return the bytes written.
trait Peer {
    const NAME: &'static str;
    /// Whether this row is skipped at [`HUGE`] sizes (scalar-speed peers).
    const SLOW: bool;
    fn encode(input: &[u8], out: &mut [u8]) -> usize;
    fn decode(input: &[u8], out: &mut [u8]) -> usize;

    /// MIME encode (76-character lines, CRLF after each). Crates without a
    /// wrapping encoder compose it from [`Peer::encode`].
    fn mime_encode(input: &[u8], out: &mut [u8], scratch: &mut [u8]) -> usize
    where
        Self: Sized,
    {
        mime_encode_composed::<Self>(input, out, scratch)
    }

    /// MIME decode (line breaks skipped). Crates without a lenient decoder
    /// compose it from [`Peer::decode`].
    fn mime_decode(input: &[u8], out: &mut [u8], scratch: &mut [u8]) -> usize
    where
        Self: Sized,
    {
        mime_decode_composed::<Self>(input, out, scratch)
    }
}

/// `encodify` (Stalwart): runtime-detected SSSE3/AVX2 (no AVX-512), with
/// its own wrapping encoder and whitespace-skipping decoder for MIME.
struct Encodify;

impl Peer for Encodify {
    const NAME: &'static str = "encodify";
    const SLOW: bool = false;

    #[inline]
    fn encode(input: &[u8], out: &mut [u8]) -> usize {
        encodify::base64::STANDARD
            .encode_slice(input, out)
            .expect("output sized by encoded_len")
    }

    #[inline]
    fn decode(input: &[u8], out: &mut [u8]) -> usize {
        encodify::base64::STANDARD
            .decode_slice(input, out)
            .expect("valid base64")
    }

    #[inline]
    fn mime_encode(input: &[u8], out: &mut [u8], _scratch: &mut [u8]) -> usize {
        encodify::base64::MIME
            .encode_slice(input, out)
            .expect("output sized by mime_encoded_len")
    }

    #[inline]
    fn mime_decode(input: &[u8], out: &mut [u8], _scratch: &mut [u8]) -> usize {
        encodify::base64::MIME
            .decode_slice(input, out)
            .expect("valid MIME base64")
    }
}

/// `base64-turbo`: its `Engine` picks AVX-512 VBMI, then AVX2, at run time.
struct Turbo;

impl Peer for Turbo {
    const NAME: &'static str = "base64-turbo";
    const SLOW: bool = false;

    #[inline]
    fn encode(input: &[u8], out: &mut [u8]) -> usize {
        base64_turbo::STANDARD
            .encode_slice(input, out)
            .expect("output sized by encoded_len")
    }

    #[inline]
    fn decode(input: &[u8], out: &mut [u8]) -> usize {
        base64_turbo::STANDARD
            .decode_slice(input, out)
            .expect("valid base64")
    }
}

/// The `base64` crate (scalar, general purpose engine).
struct Base64Crate;

impl Peer for Base64Crate {
    const NAME: &'static str = "base64";
    const SLOW: bool = true;

    #[inline]
    fn encode(input: &[u8], out: &mut [u8]) -> usize {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .encode_slice(input, out)
            .expect("output sized by encoded_len")
    }

    #[inline]
    fn decode(input: &[u8], out: &mut [u8]) -> usize {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode_slice(input, out)
            .expect("valid base64")
    }
}

/// `base64-simd`: runtime-detected SSE4.1/AVX2 (no AVX-512 in 0.8).
struct Base64Simd;

impl Peer for Base64Simd {
    const NAME: &'static str = "base64-simd";
    const SLOW: bool = false;

    #[inline]
    fn encode(input: &[u8], out: &mut [u8]) -> usize {
        base64_simd::STANDARD
            .encode(input, base64_simd::Out::from_slice(out))
            .len()
    }

    #[inline]
    fn decode(input: &[u8], out: &mut [u8]) -> usize {
        base64_simd::STANDARD
            .decode(input, base64_simd::Out::from_slice(out))
            .expect("valid base64")
            .len()
    }
}

/// `data-encoding` (scalar). Its `*_mut` functions want the output slice to
/// be exactly `encode_len` / `decode_len` long.
struct DataEncoding;

impl Peer for DataEncoding {
    const NAME: &'static str = "data-encoding";
    const SLOW: bool = true;

    #[inline]
    fn encode(input: &[u8], out: &mut [u8]) -> usize {
        let len = data_encoding::BASE64.encode_len(input.len());
        data_encoding::BASE64.encode_mut(input, &mut out[..len]);
        len
    }

    #[inline]
    fn decode(input: &[u8], out: &mut [u8]) -> usize {
        let len = data_encoding::BASE64
            .decode_len(input.len())
            .expect("length of padded base64");
        data_encoding::BASE64
            .decode_mut(input, &mut out[..len])
            .expect("valid base64")
    }
}

/// MIME encode from a plain encoder: encode 48 lines' worth of input into
/// an L1-sized scratch buffer, then copy it out 76 characters at a time with
/// CRLF after each. Every block but the last is a whole number of 3-byte
/// groups, so only the last one carries padding, as in a one-shot encode.
fn mime_encode_composed<P: Peer>(input: &[u8], out: &mut [u8], scratch: &mut [u8]) -> usize {
    let mut written = 0;
    for block in input.chunks(BLOCK_LINES * LINE_INPUT) {
        let chars = P::encode(block, scratch);
        for line in scratch[..chars].chunks(LINE_CHARS) {
            let dst = &mut out[written..written + line.len() + 2];
            let (body, eol) = dst.split_at_mut(line.len());
            body.copy_from_slice(line);
            eol.copy_from_slice(b"\r\n");
            written += line.len() + 2;
        }
    }
    written
}

/// MIME decode from a plain decoder: copy line bodies (found with
/// `memchr2`) into a scratch buffer of a few KiB, and decode it whenever it
/// fills. Only whole 4-character quanta are decoded before the end; the 0-3
/// left over move to the front of the scratch, so lines of any length work.
fn mime_decode_composed<P: Peer>(input: &[u8], out: &mut [u8], scratch: &mut [u8]) -> usize {
    let mut written = 0;
    let mut fill = 0;
    let mut rest = input;
    while !rest.is_empty() {
        let end = memchr::memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
        let mut body = &rest[..end];
        while !body.is_empty() {
            if fill == scratch.len() {
                let whole = fill / 4 * 4;
                written += P::decode(&scratch[..whole], &mut out[written..]);
                scratch.copy_within(whole..fill, 0);
                fill -= whole;
            }
            let take = body.len().min(scratch.len() - fill);
            scratch[fill..fill + take].copy_from_slice(&body[..take]);
            fill += take;
            body = &body[take..];
        }
        let breaks = rest[end..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        rest = &rest[end + breaks..];
    }
    if fill > 0 {
        written += P::decode(&scratch[..fill], &mut out[written..]);
    }
    written
}

/// Times one row. Before its first timed call (so only for rows the
/// command-line filter selects) the row's output is checked against the
/// reference.
fn bench_row<F>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    input: &[u8],
    expected: &[u8],
    out: &mut [u8],
    mut run: F,
) where
    F: FnMut(&[u8], &mut [u8]) -> usize,
{
    let mut verified = false;
    group.bench_function(name, |b| {
        if !verified {
            out.fill(0xA5);
            let n = run(input, out);
            assert!(
                out[..n] == *expected,
                "{name}: output differs from septet's scalar reference ({n} bytes written, {} expected)",
                expected.len()
            );
            verified = true;
        }
        b.iter(|| black_box(run(black_box(input), black_box(&mut *out))))
    });
}

/// The septet kernel sets to bench: `SEPTET_FORCE_ISA` if set, else all.
fn septet_isas() -> Vec<Isa> {
    match std::env::var(simd::FORCE_ISA_ENV) {
        Ok(name) if !name.trim().is_empty() => {
            let isa = Isa::from_name(&name)
                .unwrap_or_else(|| panic!("{}={name:?}: unknown kernel set", simd::FORCE_ISA_ENV));
            assert!(
                simd::available().contains(&isa),
                "{}={name}: this CPU cannot run it (available: {:?})",
                simd::FORCE_ISA_ENV,
                simd::available()
            );
            vec![isa]
        }
        _ => simd::available(),
    }
}

/// Whether to skip a slow row at this size (see module doc).
fn skip_slow(size: usize, slow: bool) -> bool {
    slow && size >= HUGE && std::env::var_os("SEPTET_BENCH_ALL").is_none_or(|v| v != "1")
}

/// Adds one peer's row to the group for `op`.
fn bench_peer<P: Peer>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    op: Op,
    payload: &Payload,
    out: &mut [u8],
    scratch: &mut [u8],
) {
    if skip_slow(payload.raw.len(), P::SLOW) {
        return;
    }
    let (input, expected) = (payload.input(op), payload.expected(op));
    match op {
        Op::Encode => bench_row(group, P::NAME, input, expected, out, P::encode),
        Op::Decode => bench_row(group, P::NAME, input, expected, out, P::decode),
        Op::MimeEncode => bench_row(group, P::NAME, input, expected, out, |i, o| {
            P::mime_encode(i, o, scratch)
        }),
        Op::MimeDecode => bench_row(group, P::NAME, input, expected, out, |i, o| {
            P::mime_decode(i, o, scratch)
        }),
    }
}

/// Adds the row of one septet kernel set to the group for `op`.
fn bench_septet(
    group: &mut BenchmarkGroup<'_, WallTime>,
    op: Op,
    payload: &Payload,
    out: &mut [u8],
    isa: Isa,
) {
    if skip_slow(payload.raw.len(), isa == Isa::Scalar) {
        return;
    }
    let codec = Codec::with_isa(Alphabet::Standard, isa).expect("ISA listed as available");
    let name = format!("septet-{}", isa.name());
    let (input, expected) = (payload.input(op), payload.expected(op));
    match op {
        Op::Encode => bench_row(group, &name, input, expected, out, |i, o| {
            codec.encode_to_slice(i, o).expect("room for the encoding")
        }),
        Op::Decode => bench_row(group, &name, input, expected, out, |i, o| {
            codec.decode_to_slice(i, o).expect("valid base64")
        }),
        Op::MimeEncode => bench_row(group, &name, input, expected, out, |i, o| {
            codec
                .encode_mime_to_slice(i, o)
                .expect("room for the encoding")
        }),
        Op::MimeDecode => bench_row(group, &name, input, expected, out, |i, o| {
            codec
                .decode_mime_to_slice_with(i, o, MimeDecodeOptions::default())
                .expect("valid MIME base64")
        }),
    }
}

/// All groups: for each size, for each operation, every row.
fn base64_benches(c: &mut Criterion) {
    let isas = septet_isas();
    let mut scratch = vec![0u8; BLOCK_LINES * LINE_CHARS];
    for (label, size) in SIZES {
        let payload = Payload::new(size);
        for op in Op::ALL {
            let input = payload.input(op);
            let mut out = payload.output_buffer(op);
            let mut group = c.benchmark_group(format!("base64/{}/{label}", op.name()));
            group.throughput(Throughput::Bytes(input.len() as u64));
            // Big inputs take milliseconds per call: flat sampling needs only
            // one call per sample where linear sampling needs n(n+1)/2 calls.
            if size >= HUGE {
                group.sample_size(10).sampling_mode(SamplingMode::Flat);
            } else if size >= 1 << 20 {
                group.sample_size(30).sampling_mode(SamplingMode::Flat);
            }
            for &isa in &isas {
                bench_septet(&mut group, op, &payload, &mut out, isa);
            }
            bench_peer::<Encodify>(&mut group, op, &payload, &mut out, &mut scratch);
            bench_peer::<Turbo>(&mut group, op, &payload, &mut out, &mut scratch);
            bench_peer::<Base64Crate>(&mut group, op, &payload, &mut out, &mut scratch);
            bench_peer::<Base64Simd>(&mut group, op, &payload, &mut out, &mut scratch);
            bench_peer::<DataEncoding>(&mut group, op, &payload, &mut out, &mut scratch);
            // The bandwidth reference: the same input bytes, copied.
            bench_row(&mut group, "memcpy", input, input, &mut out, |i, o| {
                o[..i.len()].copy_from_slice(i);
                i.len()
            });
            group.finish();
        }
    }
}

/// Short defaults for a 2-core shared VM; command-line flags
/// (`--warm-up-time`, `--measurement-time`, `--nresamples`, ...) override
/// them. 10,000 bootstrap resamples instead of 100,000: the tables use the
/// point estimates, and the default resampling costs about a second of CPU
/// per row, which adds up over 116 rows.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .nresamples(10_000)
}

criterion_group! {
    name = benches;
    config = config();
    targets = base64_benches
}
criterion_main!(benches);
