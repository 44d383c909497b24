//! # septet
//!
//! A MIME encoding performance engine: base64 and quoted-printable codecs
//! with SIMD kernels chosen at run time, for moving mail into 7-bit-safe form
//! and back at the speed of memory.
//!
//! ```
//! let wire = septet::base64::encode_mime("Grüße aus Köln".as_bytes());
//! assert_eq!(wire, "R3LDvMOfZSBhdXMgS8O2bG4=\r\n");
//! let back = septet::base64::decode_mime(wire.as_bytes()).unwrap();
//! assert_eq!(back, "Grüße aus Köln".as_bytes());
//! println!("kernels: {}", septet::simd::active());
//! ```
//!
//! - [`base64`]: RFC 4648 and MIME (RFC 2045 6.8) base64, one-shot and streaming.
//! - [`codec`]: what both codecs share: the push encoder/decoder traits,
//!   located decode errors, slice errors.
//! - [`downgrade`]: streaming SMTP 8bit-to-7bit downgrade of a message.
//! - [`io`]: one `io::Write` encoder and one `io::Read` decoder over any
//!   push codec.
//! - [`mime`]: zero-copy MIME parsing (RFC 2045-2047, 2231, 5322) over one
//!   incremental state machine.
//! - [`qp`]: quoted-printable (RFC 2045 6.7), one-shot and streaming.
//! - [`simd`]: the kernel tables, run-time detection, `SEPTET_FORCE_ISA`.
//! - [`smtp`]: sans-IO SMTP DATA (dot-stuffing) and BDAT message transfer.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs, clippy::missing_safety_doc)]

pub mod base64;
pub mod codec;
pub mod downgrade;
pub mod io;
pub mod mime;
pub mod qp;
pub mod simd;
pub mod smtp;

/// The README's library example, compiled and run as a doctest so that it
/// stays true.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
