"""base64 and quoted-printable against Python's base64, binascii, quopri."""

import base64
import binascii
import quopri
import threading
import time

import pytest
import septet

from conftest import SIZES, random_bytes


def test_base64_plain_and_url_match_stdlib(rng):
    for n in SIZES:
        data = random_bytes(rng, n)
        assert septet.b64encode(data) == base64.b64encode(data)
        assert septet.b64encode(data, url=True) == base64.urlsafe_b64encode(data)
        assert septet.b64decode(base64.b64encode(data)) == data
        assert septet.b64decode(base64.urlsafe_b64encode(data), url=True) == data


def test_base64_mime_matches_encodebytes_with_crlf(rng):
    for n in SIZES:
        data = random_bytes(rng, n)
        ours = septet.b64encode(data, mime=True)
        # encodebytes writes 76-character lines ending in LF; MIME (and
        # septet) ends them in CRLF.
        assert ours == base64.encodebytes(data).replace(b"\n", b"\r\n")
        assert septet.b64decode(ours, mime=True) == data
        assert septet.b64decode(base64.encodebytes(data), mime=True) == data
        assert base64.decodebytes(ours) == data


def test_rfc4648_vectors():
    vectors = [b"", b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"]
    expected = [b"", b"Zg==", b"Zm8=", b"Zm9v", b"Zm9vYg==", b"Zm9vYmE=", b"Zm9vYmFy"]
    for raw, enc in zip(vectors, expected):
        assert septet.b64encode(raw) == enc
        assert septet.b64decode(enc) == raw


def test_inputs_other_than_bytes():
    assert septet.b64encode(bytearray(b"foo")) == b"Zm9v"
    assert septet.b64encode(memoryview(b"foobar")[3:]) == b"YmFy"
    assert septet.b64decode("Zm9v") == b"foo"
    with pytest.raises(ValueError):
        septet.b64decode("Zm9v\u00e9")
    with pytest.raises(TypeError):
        septet.b64encode(12)


@pytest.mark.parametrize(
    "data, offset, kind, stdlib_rejects",
    [
        (b"Zm9v*mFy", 4, "InvalidByte", True),
        (b"Zm9vY", 4, "InvalidLength", True),
        (b"Zm9vYg=", 7, "InvalidPadding", True),
        # RFC 4648 3.5 allows rejecting it; Python's decoder ignores the bits.
        (b"Zm9vYh==", 5, "NonCanonicalTrailingBits", False),
        (b"Zm9v\nYmFy", 4, "InvalidByte", True),
    ],
)
def test_base64_errors_carry_offsets(data, offset, kind, stdlib_rejects):
    with pytest.raises(septet.DecodeError) as info:
        septet.b64decode(data)
    assert info.value.offset == offset
    assert info.value.kind == kind
    assert isinstance(info.value, septet.Error)
    assert isinstance(info.value, ValueError)
    if stdlib_rejects:
        with pytest.raises(binascii.Error):
            base64.b64decode(data, validate=True)


def test_base64_mime_error_offset_in_a_large_input(rng):
    data = bytearray(base64.encodebytes(random_bytes(rng, 300_000)))
    data[250_001] = ord("*")
    with pytest.raises(septet.DecodeError) as info:
        septet.b64decode(bytes(data), mime=True)
    assert info.value.offset == 250_001


def test_url_and_mime_together_is_an_error():
    with pytest.raises(septet.Error):
        septet.b64encode(b"x", url=True, mime=True)


def text_like(rng, n):
    alphabet = b"abc xyz.=\t\r\n" + bytes(range(0xC0, 0xC8)) + b"From "
    return bytes(rng.choice(alphabet) for _ in range(n))


def test_qp_round_trips_and_stdlib_decodes_it(rng):
    for n in SIZES[:-1]:
        for data in (random_bytes(rng, n), text_like(rng, n)):
            binary = septet.qp_encode(data, binary=True)
            assert max(len(line) for line in binary.split(b"\r\n")) <= 76
            assert binary.isascii()
            assert septet.qp_decode(binary) == data
            assert quopri.decodestring(binary) == data
            assert binascii.a2b_qp(binary) == data
            text = septet.qp_encode(data)
            assert septet.qp_decode(text) == data
            assert septet.qp_decode(text, strict=True) == data


def test_qp_decodes_what_the_stdlib_encodes(rng):
    for n in SIZES[:-1]:
        data = text_like(rng, n).replace(b"\r", b"")
        for encoded in (quopri.encodestring(data), binascii.b2a_qp(data, istext=False)):
            assert septet.qp_decode(encoded) == data


def test_qp_lf_breaks():
    assert septet.qp_encode(b"a\nb\n", lf_breaks=True) == b"a\r\nb\r\n"
    assert septet.qp_encode(b"a\nb") == b"a=0Ab"
    assert septet.qp_encode(b".\r\nFrom x\r\n") == b"=2E\r\n=46rom x\r\n"


def test_qp_strict_errors_carry_offsets():
    with pytest.raises(septet.DecodeError) as info:
        septet.qp_decode(b"abc=ZZdef", strict=True)
    assert info.value.offset == 3
    assert info.value.kind == "InvalidEscape"
    # Lenient (the default) keeps the stray `=`.
    assert septet.qp_decode(b"abc=ZZdef") == b"abc=ZZdef"


def test_large_inputs_release_the_gil(rng):
    """Threads each encoding a large input all finish with correct results
    (with the GIL released for them, they run in parallel)."""
    data = random_bytes(rng, 4 * septet.GIL_RELEASE_THRESHOLD)
    expected = base64.b64encode(data)
    results = []

    def work():
        for _ in range(20):
            results.append(septet.b64encode(data) == expected)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 80


def test_other_threads_run_during_a_large_call(rng):
    """A Python thread notes the longest gap between its loop iterations
    while the main thread decodes 24 MiB: with the GIL held for the whole
    call, that gap would be the whole call."""
    wire = base64.encodebytes(random_bytes(rng, 24 << 20))
    state = {"last": time.perf_counter(), "gap": 0.0}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            now = time.perf_counter()
            state["gap"] = max(state["gap"], now - state["last"])
            state["last"] = now

    t = threading.Thread(target=watch)
    t.start()
    try:
        ratios = []
        for _ in range(5):
            time.sleep(0.02)
            state["gap"] = 0.0
            start = time.perf_counter()
            septet.b64decode(wire, mime=True)
            ratios.append(state["gap"] / (time.perf_counter() - start))
            if ratios[-1] < 0.5:
                break
    finally:
        stop.set()
        t.join()
    assert min(ratios) < 0.5, ratios


def test_decode_lengths_around_padding_and_whitespace():
    assert septet.b64decode(b"Zm8=\r\n", mime=True) == b"fo"
    assert septet.b64decode(b" Z g = = \t", mime=True) == b"f"
    assert septet.b64decode(b"\r\n", mime=True) == b""
    assert septet.b64decode(b"") == b""
    for bad in (b"Zg==Zg==", b"====", b"Zm9v=", b"Z===", b"Zm 9v"):
        with pytest.raises(septet.DecodeError):
            septet.b64decode(bad)
    with pytest.raises(septet.DecodeError) as info:
        septet.b64decode(b"Zg==\r\nZg==", mime=True)
    assert info.value.offset == 6
