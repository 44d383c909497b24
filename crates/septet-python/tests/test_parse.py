"""parse(): the part tree with byte ranges, against the email package."""

import email
import email.policy

import pytest
import septet

from conftest import corpus_messages, generated_message


def flat(part):
    out = [part]
    for child in part["children"]:
        out.extend(flat(child))
    return out


def test_generated_tree_and_body_ranges(rng):
    for _ in range(50):
        msg, expected = generated_message(rng, eol=rng.choice(["\r\n", "\n"]))
        root = septet.parse(msg)
        parts = flat(root)
        ours = [p["content_type"] for p in parts]
        theirs = [p.get_content_type() for p in email.message_from_bytes(msg).walk()]
        assert ours == theirs
        leaves = [p for p in parts if p["kind"] == "leaf"]
        assert [(p["content_type"], msg[slice(*p["body"])]) for p in leaves] == expected
        assert leaves[2]["filename"] == "d.bin"
        assert leaves[2]["transfer_encoding"] == "base64"
        assert leaves[0]["charset"] == "utf-8"
        assert [p["section"] for p in leaves] == ["1", "2", "3"]
        assert root["range"] == (0, len(msg))


def test_corpus_ranges_nest():
    for name, msg in corpus_messages():
        root = septet.parse(msg)
        for part in flat(root):
            start, end = part["range"]
            assert 0 <= start <= end <= len(msg), name
            hs, he = part["header"]
            bs, be = part["body"]
            assert start <= hs <= he <= bs <= be <= end, name
            for child in part["children"]:
                cs, ce = child["range"]
                assert bs <= cs <= ce <= be, name
                assert child["depth"] == part["depth"] + 1


def test_corpus_types_match_email():
    mismatched = []
    for name, msg in corpus_messages():
        ours = [p["content_type"] for p in flat(septet.parse(msg))]
        theirs = [p.get_content_type() for p in email.message_from_bytes(msg).walk()]
        if ours != theirs:
            mismatched.append(name)
    # Malformed-MIME corpus cases (e*) may be read differently by the two
    # parsers; well-formed ones must agree.
    assert [n for n in mismatched if not n.split("/")[1].startswith("e")] == []


def test_filename_rfc2231():
    msg = (
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Gr%C3%BC%C3%9Fe.pdf\r\n\r\nx\r\n"
    )
    assert septet.parse(msg)["filename"] == "Grüße.pdf"


def test_rejects_non_buffers():
    with pytest.raises(TypeError):
        septet.parse(None)
