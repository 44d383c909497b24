"""The downgrade, checked with the email package: same tree, same payloads."""

import email
import re
import email.policy

import pytest
import septet

from conftest import corpus_messages, generated_message


def leaves(msg):
    return [p for p in msg.walk() if not p.is_multipart()]


def tree(msg):
    return [p.get_content_type() for p in msg.walk()]


def normalized(payload):
    return None if payload is None else payload.replace(b"\r\n", b"\n")


def check_same_message(before, after, exact):
    assert after.isascii()
    assert all(len(line) <= 998 for line in after.split(b"\r\n"))
    a = email.message_from_bytes(before, policy=email.policy.compat32)
    b = email.message_from_bytes(after, policy=email.policy.compat32)
    assert tree(a) == tree(b)
    for pa, pb in zip(leaves(a), leaves(b)):
        if pa.get_content_maintype() == "message":
            continue
        da, db = pa.get_payload(decode=True), pb.get_payload(decode=True)
        if exact:
            assert da == db, pa.get_content_type()
        else:
            assert normalized(da) == normalized(db), pa.get_content_type()


def test_generated_messages_keep_tree_and_payloads(rng):
    for _ in range(60):
        msg, _ = generated_message(rng)
        out, report = septet.downgrade(msg)
        check_same_message(msg, out, exact=True)
        assert report["input_bytes"] == len(msg)
        assert report["output_bytes"] == len(out)
        actions = {p["content_type"]: p["action"] for p in report["parts"]}
        assert actions["text/plain"] in ("quoted-printable", "base64")
        assert actions["application/octet-stream"] == "kept"
        subject = email.message_from_bytes(out, policy=email.policy.default)["subject"]
        original = re.search(rb"\nSubject: ([^\r\n]*)", msg).group(1).decode("utf-8")
        assert subject == original


def test_corpus_messages(rng):
    for name, msg in corpus_messages():
        try:
            out, report = septet.downgrade(msg)
        except septet.DowngradeError as e:
            assert e.offset is None or 0 <= e.offset <= len(msg), name
            continue
        assert out.isascii(), name
        assert isinstance(report["parts"], list)
        if report["preamble_epilogue_replaced"] == 0 and "bad" not in name:
            check_same_message(msg, out, exact=name.startswith("crlf/"))


def test_streaming_matches_one_shot(rng):
    for _ in range(20):
        msg, _ = generated_message(rng)
        whole, report = septet.downgrade(msg)
        d = septet.Downgrader()
        out = bytearray()
        pos = 0
        while pos < len(msg):
            n = rng.randrange(1, 700)
            out += d.feed(msg[pos : pos + n])
            pos += n
        rest, streamed_report = d.finish()
        out += rest
        assert bytes(out) == whole
        assert streamed_report == report
        with pytest.raises(septet.DowngradeError):
            d.finish()


def test_lf_output():
    out, _ = septet.downgrade("Subject: x\n\nGrüße\n".encode(), line_ending="lf")
    assert b"\r" not in out and out.isascii()


def test_errors_carry_offsets():
    msg = b"Subject: x\r\nTo: j\xc3\xb6rg@example.org\r\n\r\nbody\r\n"
    with pytest.raises(septet.DowngradeError) as info:
        septet.downgrade(msg)
    assert info.value.kind == "EightBitAddress"
    assert info.value.offset == 12
    assert isinstance(info.value, ValueError)
    d = septet.Downgrader()
    with pytest.raises(septet.DowngradeError) as info:
        d.feed(msg)
        d.finish()
    assert info.value.offset == 12


def test_late_eight_bit_streaming_refuses_one_shot_encodes():
    # The 8-bit byte lies past the streaming lookahead (256 KiB).
    msg = b"Subject: x\r\n\r\n" + b"plain line\r\n" * 30000 + "café\r\n".encode()
    out, report = septet.downgrade(msg)
    assert out.isascii() and report["parts"][0]["action"] == "quoted-printable"
    d = septet.Downgrader()
    with pytest.raises(septet.DowngradeError) as info:
        d.feed(msg)
        d.finish()
    assert info.value.kind == "LateEightBit"
    assert info.value.offset == msg.index(b"\xc3")
    d = septet.Downgrader(repair_late_8bit=True)
    out = d.feed(msg)
    rest, report = d.finish()
    assert (out + rest).isascii() and report["parts"][0]["repaired"] > 0
