//! The names external benchmark harnesses call, used exactly as they are
//! written there: if one is renamed or changes shape, this stops compiling.

use septet::base64::{
    decode, decode_mime, decode_mime_to_slice, decode_to_slice, decoded_len_estimate, encode,
    encode_mime, encode_mime_to_slice, encode_to_slice, encoded_len, mime_encoded_len,
};
use septet::mime::Message;
use septet::qp::{decode_into, encode_into, Mode};
use septet::simd::{active, available};

#[test]
fn harness_names_work_as_documented() {
    let data = b"harness bytes \xff\x00 and more".repeat(9);

    let mut wire = vec![0; encoded_len(data.len())];
    let n = encode_to_slice(&data, &mut wire).unwrap();
    assert_eq!(&wire[..n], encode(&data).as_bytes());
    let mut back = vec![0; decoded_len_estimate(n)];
    let m = decode_to_slice(&wire[..n], &mut back).unwrap();
    assert_eq!(&back[..m], &data[..]);
    assert_eq!(decode(&wire[..n]).unwrap(), data);

    let mut mime = vec![0; mime_encoded_len(data.len())];
    let n = encode_mime_to_slice(&data, &mut mime).unwrap();
    assert_eq!(&mime[..n], encode_mime(&data).as_bytes());
    let mut back = vec![0; decoded_len_estimate(n)];
    let m = decode_mime_to_slice(&mime[..n], &mut back).unwrap();
    assert_eq!(&back[..m], &data[..]);
    assert_eq!(decode_mime(&mime[..n]).unwrap(), data);

    for mode in [Mode::Text, Mode::Binary] {
        let mut qp = Vec::new();
        encode_into(&data, mode, &mut qp);
        let mut plain = Vec::new();
        let result: Result<(), septet::qp::DecodeError> = decode_into(&qp, &mut plain);
        result.unwrap();
        if mode == Mode::Binary {
            assert_eq!(plain, data);
        }
    }

    let msg = Message::parse(b"Content-Transfer-Encoding: base64\r\n\r\naGk=\r\n").unwrap();
    let bodies: Vec<_> = msg.parts().map(|p| p.decoded_body().unwrap()).collect();
    assert_eq!(bodies, [&b"hi"[..]]);

    assert!(available().contains(&active()));
}
