//! Runtime CPU dispatch for the codec kernels.
//!
//! Every codec operation has a scalar reference implementation and, on CPUs
//! that support them, SIMD kernels. The kernels for one instruction set are
//! grouped in a [`Kernels`] table of plain function pointers. The table is
//! chosen once per process (the best this CPU runs, or the one named by the
//! `SEPTET_FORCE_ISA` environment variable) and then handed out as a
//! `&'static Kernels`, so codecs keep it and hot loops pay no detection cost.
//!
//! ```
//! let isa = septet::simd::active();
//! assert!(septet::simd::available().contains(&isa));
//! println!("septet uses {isa}");
//! ```
//!
//! # Kernel contract
//! A kernel handles whole blocks only and returns `(consumed, written)`.
//! Shared scalar code finishes the tail, validates it and computes error
//! offsets, so results and error messages are identical whichever kernel ran.
//! A kernel never writes outside `out[..written]`.
//!
//! # An unusable `SEPTET_FORCE_ISA`
//! Never a panic and never a silent fallback: [`try_kernels`] returns the
//! [`IsaError`], and so does every fallible codec entry point that uses the
//! process-wide table (`decode*`, `*_to_slice`, the push decoders), carried
//! in its error type. The few infallible functions (`base64::encode`,
//! `qp::encode`, the push encoders) run the scalar table instead, whose
//! output is identical (see [`kernels`]). Tests reproduce the error per codec,
//! without the process environment, with the codecs' `forcing_isa`.

use std::fmt;
use std::sync::OnceLock;

#[cfg(target_arch = "aarch64")]
pub(crate) mod aarch64;
pub(crate) mod scalar;
#[cfg(test)]
pub(crate) mod test_data;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

pub(crate) use scalar::base64::B64Alphabet;
pub(crate) use scalar::qp::EncodeFlags;
use scalar::{base64 as b64_scalar, qp as qp_scalar};

/// The environment variable that pins the kernel set (`scalar`, `avx2`, `avx512`, `neon`).
pub const FORCE_ISA_ENV: &str = "SEPTET_FORCE_ISA";

/// An instruction-set family that septet has kernels for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Isa {
    /// Portable Rust, no SIMD: the reference every other kernel is checked against.
    Scalar,
    /// x86_64 AVX2 (256-bit vectors).
    Avx2,
    /// x86_64 AVX-512 with the F, BW, VL, VBMI and VBMI2 extensions (Ice Lake, Zen 4 and later).
    Avx512,
    /// aarch64 Advanced SIMD (NEON).
    Neon,
}

impl Isa {
    /// Every ISA septet knows, in order of preference (worst first).
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Neon, Isa::Avx2, Isa::Avx512];

    /// The lower-case name used by `SEPTET_FORCE_ISA` and in benchmark labels.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// Parses a name as accepted by `SEPTET_FORCE_ISA` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL
            .into_iter()
            .find(|isa| isa.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this CPU can run the kernels of this ISA.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            // The quoted-printable kernels also use BMI1, BMI2 and POPCNT
            // (every AVX2 CPU has them; checked all the same).
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("bmi1")
                    && std::arch::is_x86_feature_detected!("bmi2")
                    && std::arch::is_x86_feature_detected!("popcnt")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => x86_64::avx512_detected(),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => aarch64::neon_detected(),
            _ => false,
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a requested kernel set cannot be used.
///
/// `Copy`, so the codecs' error types (which are `Copy`) can carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IsaError {
    /// The name is not one of `scalar`, `avx2`, `avx512`, `neon`. The name
    /// comes from `SEPTET_FORCE_ISA`, which is read once per process, so it
    /// is kept for the life of the process.
    UnknownName(&'static str),
    /// The ISA exists but this CPU (or this build's target) cannot run it.
    Unsupported(Isa),
}

impl fmt::Display for IsaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IsaError::UnknownName(name) => write!(
                f,
                "{FORCE_ISA_ENV}={name:?} is not a known kernel set (expected scalar, avx2, avx512 or neon)"
            ),
            IsaError::Unsupported(isa) => write!(
                f,
                "kernel set {isa} is not supported by this CPU (available: {})",
                available()
                    .iter()
                    .map(|i| i.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl std::error::Error for IsaError {}

/// Bulk base64 encode: whole 3-byte groups, returns `(consumed, written)`.
pub(crate) type B64EncodeFn = fn(&[u8], &mut [u8], B64Alphabet) -> (usize, usize);
/// Bulk base64 decode of alphabet characters only; stops before any block
/// holding another byte (including `=`). Returns `(consumed, written)` with
/// `consumed % 4 == 0`.
pub(crate) type B64DecodeFn = fn(&[u8], &mut [u8], B64Alphabet) -> (usize, usize);
/// Bulk MIME base64 encode: whole 57-byte input lines, each written as 76
/// characters plus CRLF. Returns `(consumed, written)`.
pub(crate) type B64EncodeMimeFn = fn(&[u8], &mut [u8], B64Alphabet) -> (usize, usize);
/// Bulk MIME base64 decode: skips CR, LF, space and tab; stops before any
/// other non-alphabet byte. Returns `(consumed, written)` where the alphabet
/// characters in `input[..consumed]` number a multiple of 4.
pub(crate) type B64DecodeMimeFn = fn(&[u8], &mut [u8], B64Alphabet) -> (usize, usize);

/// Bulk quoted-printable encode:
/// `fn(input, out, col, flags) -> (consumed, written, new_col)`.
///
/// The kernel encodes a prefix `input[..consumed]` into `out[..written]`,
/// starting on an output line that already holds `col` characters
/// (`col <= 76`), and returns the column after it. Its output must be
/// byte-for-byte what the reference `scalar::qp::encode_token`, called
/// token after token from the same `col` and `flags`, writes for that prefix
/// (the rules are in the `qp` module docs: greedy 76-column lines, soft
/// breaks, `.`/`From ` guards, blanks before breaks escaped). Besides:
/// - It never consumes any of the last `scalar::qp::LOOKAHEAD` (4) bytes of
///   `input`: a byte's encoding depends on up to 4 bytes after it, and only
///   the driver knows whether the input ends there. So every decision the
///   kernel makes can see all the bytes it depends on, inside `input`.
/// - It stops only between tokens: never between the CR and LF of a text-mode
///   hard break (a soft break belongs to the token after it).
/// - It emits a token only if all of its output fits in `out`, and never
///   writes outside `out[..written]`; `out` may be small.
/// - It may stop anywhere else, as early as it likes (0 is a valid answer):
///   the driver continues with `encode_token` and calls the kernel again.
///
/// Typical SIMD shape: classify 32/64 bytes; copy runs of printable bytes
/// (33..=126 except `=`) while the line budget (75 - col) allows, escape the
/// bytes that are always escaped, and hand back near blanks, CR/LF,
/// `.`/`F` at column 0 and line ends. `qp::kernel_tests` checks every table
/// against this contract (canary bytes after `out`, token boundaries, the
/// reference's output and column); `tests/qp.rs` compares whole encodings
/// with the scalar table at every length 0..=300 and misalignment 0..=63.
pub(crate) type QpEncodeFn = fn(&[u8], &mut [u8], usize, EncodeFlags) -> (usize, usize, usize);
/// Bulk quoted-printable decode: `fn(input, out, strict) -> (consumed, written)`.
///
/// Called only when the decoder has nothing pending (no `=`, white space or
/// CR waiting for what follows), with `out.len() >= input.len()`. The kernel
/// decodes a prefix `input[..consumed]` into `out[..written]` (never writing
/// outside it) such that the decoder again has nothing pending after it, and
/// the output equals the reference state machine's (`qp::decode`) run from
/// a fresh state on `input[..consumed]`. It handles only:
/// - bytes other than `=`, space, tab, CR and LF: copied (in strict mode only
///   printable ASCII 33..=126; it stops before any other byte);
/// - `=` followed, inside `input`, by two hex digits: one byte (strict mode:
///   upper-case digits only). It stops before any other `=` (so before `=`
///   followed by spaces or tabs, even if a line break follows them);
/// - spaces and tabs whose run (of spaces and tabs) is followed, inside
///   `input`, by a byte other than CR or LF: copied (such white space is not
///   trailing). It stops before any other run;
/// - lenient mode: CR and LF, copied (line breaks are passed through, a CR
///   without LF is data). Strict mode, optionally: CRLF and LF, copied; a
///   CR without LF is a byte it stops before;
/// - optionally, in both modes: a soft break `=` CRLF or `=` LF whose bytes
///   are all inside `input`, removed;
/// - strict mode: columns count from the start of `input` (the driver
///   hands a kernel the rest of the current line only, unless it has seen
///   that line's end within 76 characters) and restart after each LF; the
///   kernel stops before the item (escape, run of blanks, byte) holding a
///   counted byte at column 76 or beyond. Every byte is counted but the LF
///   and the CR of a CRLF.
///
/// The scalar kernel takes no soft breaks, nor line breaks in strict mode;
/// the AVX2 and AVX-512 kernels take both in both modes (except the
/// AVX-512 kernel's path for the last bytes of its input, in strict mode);
/// the NEON kernel takes soft breaks in lenient mode only and stops at line
/// breaks in strict mode.
/// After a strict call the driver finds the current line's start from the
/// last LF consumed. Typical SIMD
/// shape: find `=`, blanks, CR/LF (and in strict mode bytes outside
/// 33..=126) in 32/64 bytes at once, decode escapes in place, and squeeze
/// out the bytes that make no output. Checked like [`QpEncodeFn`], with the
/// reference state machine run on the prefix (`qp::kernel_tests`), and whole
/// decodes against the scalar table in `tests/qp.rs`.
pub(crate) type QpDecodeFn = fn(&[u8], &mut [u8], bool) -> (usize, usize);

/// One instruction set's kernels, as a table of function pointers.
///
/// Obtain one with [`kernels`] (the process-wide choice) or [`Kernels::for_isa`].
/// The only way to get a table for a SIMD ISA is through detection, which is
/// what makes calling its entries sound.
#[derive(Debug)]
pub struct Kernels {
    pub(crate) isa: Isa,
    pub(crate) b64_encode: B64EncodeFn,
    pub(crate) b64_decode: B64DecodeFn,
    pub(crate) b64_encode_mime: B64EncodeMimeFn,
    pub(crate) b64_decode_mime: B64DecodeMimeFn,
    pub(crate) qp_encode: QpEncodeFn,
    pub(crate) qp_decode: QpDecodeFn,
}

impl Kernels {
    /// The ISA these kernels are written for.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The kernel table for `isa`, if this CPU can run it.
    pub fn for_isa(isa: Isa) -> Result<&'static Kernels, IsaError> {
        if !isa.is_supported() {
            return Err(IsaError::Unsupported(isa));
        }
        match isa {
            Isa::Scalar => Ok(&SCALAR),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Ok(&x86_64::AVX2),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Ok(&x86_64::AVX512),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => Ok(&aarch64::NEON),
            _ => Err(IsaError::Unsupported(isa)),
        }
    }
}

/// Scalar kernels: the reference the SIMD tables are checked against.
static SCALAR: Kernels = Kernels {
    isa: Isa::Scalar,
    b64_encode: b64_scalar::encode_bulk,
    b64_decode: b64_scalar::decode_bulk,
    b64_encode_mime: b64_scalar::encode_mime_bulk,
    b64_decode_mime: b64_scalar::decode_mime_bulk,
    qp_encode: qp_scalar::encode_bulk,
    qp_decode: qp_scalar::decode_bulk,
};

static CHOSEN: OnceLock<Result<&'static Kernels, IsaError>> = OnceLock::new();

/// The process-wide kernel table: `SEPTET_FORCE_ISA` if set, else the best
/// this CPU supports. Decided on the first call, then cached (one `OnceLock`
/// read per call after that).
///
/// This is the source of truth for the forced ISA: an unknown name or an ISA
/// this CPU lacks is an error here, and every fallible codec entry point
/// (`decode*`, `*_to_slice`, the push decoders) returns it.
pub fn try_kernels() -> Result<&'static Kernels, IsaError> {
    *CHOSEN.get_or_init(choose)
}

/// The table the infallible codec functions run (`base64::encode`,
/// `qp::encode`, the push encoders): [`try_kernels`] when it succeeds.
///
/// When `SEPTET_FORCE_ISA` is set but unusable, they cannot report it (their
/// signatures have no error), and septet never panics on configuration, so
/// they run the scalar reference table: their output is byte-identical on
/// every table, only slower. That is not a silent fallback: [`try_kernels`]
/// keeps returning the error, every fallible entry point fails with it, and
/// programs that want to refuse to run check [`try_kernels`] at start-up
/// (the `septet` CLI exits with status 2).
pub fn kernels() -> &'static Kernels {
    try_kernels().unwrap_or(&SCALAR)
}

fn choose() -> Result<&'static Kernels, IsaError> {
    match std::env::var(FORCE_ISA_ENV) {
        Ok(name) if !name.trim().is_empty() => match Isa::from_name(&name) {
            Some(isa) => Kernels::for_isa(isa),
            // Read once per process (this runs inside the `OnceLock`), so
            // the leak is bounded; it lets `IsaError` stay `Copy`.
            None => Err(IsaError::UnknownName(Box::leak(name.into_boxed_str()))),
        },
        _ => {
            let best = available().last().copied().unwrap_or(Isa::Scalar);
            Kernels::for_isa(best)
        }
    }
}

/// Which kernel table a codec runs, resolved on each call.
///
/// A `const` codec cannot hold the run-time table, so it holds
/// [`KernelChoice::Process`] and resolves it with one `OnceLock` read per
/// call (never per block).
#[derive(Clone, Copy, Debug)]
pub(crate) enum KernelChoice {
    /// The process-wide table ([`try_kernels`]).
    Process,
    /// A table pinned by `with_isa`, checked when it was chosen.
    Pinned(&'static Kernels),
    /// An ISA named by the caller and checked on use, like
    /// `SEPTET_FORCE_ISA` for one codec.
    Forced(Isa),
}

impl KernelChoice {
    /// The table, or why it cannot be used (for the fallible entry points).
    #[inline]
    pub(crate) fn resolve(self) -> Result<&'static Kernels, IsaError> {
        match self {
            KernelChoice::Process => try_kernels(),
            KernelChoice::Pinned(k) => Ok(k),
            KernelChoice::Forced(isa) => Kernels::for_isa(isa),
        }
    }

    /// The table for the infallible entry points (see [`kernels`]).
    #[inline]
    pub(crate) fn resolve_or_scalar(self) -> &'static Kernels {
        self.resolve().unwrap_or(&SCALAR)
    }

    /// The ISA that runs: what [`resolve_or_scalar`](Self::resolve_or_scalar) gives.
    pub(crate) fn isa(self) -> Isa {
        self.resolve_or_scalar().isa
    }
}

/// The ISAs whose kernels this CPU can run, worst first (always starts with `Scalar`).
pub fn available() -> Vec<Isa> {
    Isa::ALL
        .into_iter()
        .filter(|isa| Kernels::for_isa(*isa).is_ok())
        .collect()
}

/// The ISA the infallible codec functions run (see [`kernels`]): the
/// process-wide choice, or `Scalar` while `SEPTET_FORCE_ISA` is unusable
/// (then [`try_kernels`] says why).
pub fn active() -> Isa {
    kernels().isa
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for isa in Isa::ALL {
            assert_eq!(Isa::from_name(isa.name()), Some(isa));
        }
        assert_eq!(Isa::from_name(" AVX2 "), Some(Isa::Avx2));
        assert_eq!(Isa::from_name("sse9"), None);
    }

    #[test]
    fn scalar_always_available() {
        assert_eq!(available().first(), Some(&Isa::Scalar));
        assert_eq!(Kernels::for_isa(Isa::Scalar).unwrap().isa(), Isa::Scalar);
    }

    #[test]
    fn unsupported_is_an_error() {
        for isa in Isa::ALL {
            if !available().contains(&isa) {
                assert_eq!(
                    Kernels::for_isa(isa).unwrap_err(),
                    IsaError::Unsupported(isa)
                );
            }
        }
    }
}
