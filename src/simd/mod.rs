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

use std::fmt;
use std::sync::OnceLock;

use crate::base64::scalar as b64_scalar;
use crate::base64::Alphabet;

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

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
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => x86_64::avx512_detected(),
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IsaError {
    /// The name is not one of `scalar`, `avx2`, `avx512`, `neon`.
    UnknownName(String),
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
pub(crate) type B64EncodeFn = fn(&[u8], &mut [u8], Alphabet) -> (usize, usize);
/// Bulk base64 decode of alphabet characters only; stops before any block
/// holding another byte (including `=`). Returns `(consumed, written)` with
/// `consumed % 4 == 0`.
pub(crate) type B64DecodeFn = fn(&[u8], &mut [u8], Alphabet) -> (usize, usize);
/// Bulk MIME base64 encode: whole 57-byte input lines, each written as 76
/// characters plus CRLF. Returns `(consumed, written)`.
pub(crate) type B64EncodeMimeFn = fn(&[u8], &mut [u8], Alphabet) -> (usize, usize);
/// Bulk MIME base64 decode: skips CR, LF, space and tab; stops before any
/// other non-alphabet byte. Returns `(consumed, written)` where the alphabet
/// characters in `input[..consumed]` number a multiple of 4.
pub(crate) type B64DecodeMimeFn = fn(&[u8], &mut [u8], Alphabet) -> (usize, usize);

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
};

static CHOSEN: OnceLock<Result<&'static Kernels, IsaError>> = OnceLock::new();

/// The process-wide kernel table: `SEPTET_FORCE_ISA` if set, else the best
/// this CPU supports. Decided on the first call, then cached.
pub fn try_kernels() -> Result<&'static Kernels, IsaError> {
    CHOSEN.get_or_init(choose).clone()
}

/// Like [`try_kernels`], for the infallible codec functions.
///
/// # Panics
/// If `SEPTET_FORCE_ISA` names an unknown ISA or one this CPU cannot run.
/// That is a configuration error the user asked to be told about rather than
/// silently ignored; programs that want to report it themselves call
/// [`try_kernels`] at start-up (the `septet` CLI does).
pub fn kernels() -> &'static Kernels {
    match try_kernels() {
        Ok(k) => k,
        Err(e) => panic!("{e}"),
    }
}

fn choose() -> Result<&'static Kernels, IsaError> {
    match std::env::var(FORCE_ISA_ENV) {
        Ok(name) if !name.trim().is_empty() => {
            let isa = Isa::from_name(&name).ok_or(IsaError::UnknownName(name))?;
            Kernels::for_isa(isa)
        }
        _ => {
            let best = available().last().copied().unwrap_or(Isa::Scalar);
            Kernels::for_isa(best)
        }
    }
}

/// The ISAs whose kernels this CPU can run, worst first (always starts with `Scalar`).
pub fn available() -> Vec<Isa> {
    Isa::ALL
        .into_iter()
        .filter(|isa| Kernels::for_isa(*isa).is_ok())
        .collect()
}

/// The ISA of the process-wide kernel table (see [`try_kernels`]).
///
/// # Panics
/// Like [`kernels`], if `SEPTET_FORCE_ISA` is invalid.
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
