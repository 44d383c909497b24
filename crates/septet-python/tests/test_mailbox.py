"""The mbox helpers against Python's mailbox module."""

import mailbox

import pytest
import septet

from conftest import generated_message


def test_split_matches_mailbox(tmp_path, rng):
    path = tmp_path / "in.mbox"
    box = mailbox.mbox(path)
    originals = []
    for i in range(30):
        msg, _ = generated_message(rng, eol="\n")
        msg += b"\nFrom the body\n>From quoted\n"
        originals.append(msg)
        box.add(msg)
    box.flush()
    records = septet.split_mbox(path.read_bytes())
    assert len(records) == len(originals)
    for (from_line, message, crlf), original in zip(records, originals):
        assert from_line.startswith(b"From MAILER-DAEMON ")
        assert not crlf
        # mailbox.mbox writes mboxo: `>From ` lines read back as `From `.
        assert message == original.replace(b"\n>From quoted", b"\nFrom quoted")


def test_mboxrd_record_round_trips(rng):
    msg = b"Subject: x\n\nFrom a\n>From b\nno final break"
    record = septet.mboxrd_record(b"From x@y Mon Jan  1 00:00:00 2024", msg)
    assert record == (
        b"From x@y Mon Jan  1 00:00:00 2024\nSubject: x\n\n>From a\n>>From b\nno final break\n\n"
    )
    [(from_line, back, _)] = septet.split_mbox(record)
    assert back == msg + b"\n"
    with pytest.raises(septet.Error):
        septet.mboxrd_record(b"not a from line", msg)


def test_not_an_mbox():
    with pytest.raises(septet.MboxError) as info:
        septet.split_mbox(b"\n\nSubject: x\n\nbody\n")
    assert info.value.offset == 2


def test_archive_downgrade_keeps_lf_and_returns_unchanged_input():
    plain = b"Subject: hi\n\nplain\n"
    assert septet.archive_downgrade(plain) is plain
    out = septet.archive_downgrade("Subject: hi\nContent-Length: 7\n\nGrüße\n".encode())
    assert out.isascii() and b"\r" not in out
    body = out.split(b"\n\n", 1)[1]
    assert f"Content-Length: {len(body)}\n".encode() in out


def test_from_line_for():
    msg = b"Return-Path: <alice@example.org>\r\n\r\nx\r\n"
    assert septet.from_line_for(msg, 1_700_000_000) == b"From alice@example.org Tue Nov 14 22:13:20 2023"
