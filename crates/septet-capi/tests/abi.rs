//! The C ABI called from Rust: statuses, offsets, short buffers, NULLs.
//! (The C test program in tests/c exercises every function from C.)

use septet_capi::base64::*;
use septet_capi::qp::*;
use septet_capi::stream::*;
use septet_capi::{septet_abi_version, septet_status, SEPTET_ABI_VERSION};

#[test]
fn abi_version() {
    assert_eq!(septet_abi_version(), SEPTET_ABI_VERSION);
}

#[test]
fn base64_one_shot() {
    let mut out = [0u8; 16];
    // SAFETY: the buffers are valid for the lengths passed.
    let r = unsafe {
        septet_base64_encode(
            SEPTET_BASE64_STANDARD,
            b"foobar".as_ptr(),
            6,
            out.as_mut_ptr(),
            16,
        )
    };
    assert_eq!(
        (r.status, r.read, r.written),
        (septet_status::SEPTET_OK, 6, 8)
    );
    assert_eq!(&out[..8], b"Zm9vYmFy");
    // SAFETY: as above.
    let r = unsafe {
        septet_base64_decode(
            SEPTET_BASE64_STANDARD,
            b"Zm9vY!Fy".as_ptr(),
            8,
            out.as_mut_ptr(),
            16,
        )
    };
    assert_eq!(
        (r.status, r.error_offset),
        (septet_status::SEPTET_INVALID_INPUT, 5)
    );
    // SAFETY: as above (NULL with capacity 0 asks for the length).
    let r = unsafe {
        septet_base64_encode(
            SEPTET_BASE64_MIME,
            b"foobar".as_ptr(),
            6,
            std::ptr::null_mut(),
            0,
        )
    };
    assert_eq!(
        (r.status, r.written),
        (septet_status::SEPTET_OUTPUT_TOO_SMALL, 10)
    );
    // SAFETY: a NULL input with a length is rejected before any read.
    let r = unsafe {
        septet_base64_decode(SEPTET_BASE64_URL, std::ptr::null(), 4, out.as_mut_ptr(), 16)
    };
    assert_eq!(r.status, septet_status::SEPTET_NULL_POINTER);
    assert_eq!(septet_base64_encoded_len(9, 1), usize::MAX);
}

#[test]
fn qp_one_shot() {
    let mut out = [0u8; 32];
    let input = "café".as_bytes();
    // SAFETY: the buffers are valid for the lengths passed.
    let r = unsafe {
        septet_qp_encode(
            SEPTET_QP_TEXT,
            input.as_ptr(),
            input.len(),
            out.as_mut_ptr(),
            32,
        )
    };
    assert_eq!(&out[..r.written], b"caf=C3=A9");
    // SAFETY: as above.
    let r = unsafe {
        septet_qp_decode(
            SEPTET_QP_STRICT,
            b"abcd=zz".as_ptr(),
            7,
            out.as_mut_ptr(),
            32,
        )
    };
    assert_eq!(
        (r.status, r.error_offset),
        (septet_status::SEPTET_INVALID_INPUT, 4)
    );
}

#[test]
fn stream_pending_output_drains() {
    let s = septet_base64_encoder_new(SEPTET_BASE64_STANDARD);
    assert!(!s.is_null());
    let mut out = [0u8; 3];
    let mut got = Vec::new();
    // SAFETY: `s` is a live handle; the buffers are valid.
    unsafe {
        let mut r = septet_stream_feed(s, b"foobar".as_ptr(), 6, out.as_mut_ptr(), 3);
        assert_eq!(r.read, 6);
        got.extend_from_slice(&out[..r.written]);
        while r.status == septet_status::SEPTET_OUTPUT_TOO_SMALL {
            r = septet_stream_finish(s, out.as_mut_ptr(), 3);
            got.extend_from_slice(&out[..r.written]);
        }
        assert_eq!(r.status, septet_status::SEPTET_OK);
        septet_stream_free(s);
    }
    assert_eq!(got, b"Zm9vYmFy");
}

/// An output buffer of `septet_stream_feed_bound(len)` bytes never leaves
/// output pending, whatever the codec, state and piece sizes.
#[test]
fn feed_bound_suffices() {
    let mut x: u32 = 12345;
    let data: Vec<u8> = (0..20_000)
        .map(|i| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            // Some text with CRLF for QP, random bytes otherwise.
            if i % 70 == 68 {
                b'\r'
            } else if i % 70 == 69 {
                b'\n'
            } else {
                (x >> 16) as u8
            }
        })
        .collect();
    let b64 = septet::base64::MIME.encode_mime(&data);
    let qp = septet::qp::TEXT.encode(&data);
    let cases: Vec<(*mut septet_stream, &[u8])> = vec![
        (septet_base64_encoder_new(SEPTET_BASE64_STANDARD), &data),
        (septet_base64_encoder_new(SEPTET_BASE64_MIME), &data),
        (
            septet_base64_decoder_new(SEPTET_BASE64_MIME),
            b64.as_bytes(),
        ),
        (septet_qp_encoder_new(SEPTET_QP_TEXT), &data),
        (septet_qp_encoder_new(SEPTET_QP_BINARY), &data),
        (septet_qp_decoder_new(0), &qp),
    ];
    for (s, input) in cases {
        assert!(!s.is_null());
        let mut at = 0;
        let mut piece = 1;
        while at < input.len() {
            let n = piece.min(input.len() - at);
            // SAFETY: `s` is live; the buffers are valid for the lengths.
            unsafe {
                let cap = septet_stream_feed_bound(s, n);
                let mut out = vec![0u8; cap];
                let r = septet_stream_feed(s, input[at..].as_ptr(), n, out.as_mut_ptr(), cap);
                assert_eq!(r.status, septet_status::SEPTET_OK, "piece {n} at {at}");
            }
            at += n;
            piece = piece * 3 % 1000 + 1;
        }
        // SAFETY: as above.
        unsafe {
            let cap = septet_stream_feed_bound(s, 0);
            let mut out = vec![0u8; cap];
            let r = septet_stream_finish(s, out.as_mut_ptr(), cap);
            assert_eq!(r.status, septet_status::SEPTET_OK);
            septet_stream_free(s);
        }
    }
}
