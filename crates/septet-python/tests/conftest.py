"""Shared helpers: seeded random data and the repository's corpus."""

import base64
import pathlib
import random

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
CORPUS = ROOT / "corpus"


def corpus_messages():
    """Every corpus message (LF and CRLF forms), as (name, bytes)."""
    out = []
    for sub in ("lf", "crlf"):
        for path in sorted((CORPUS / sub).glob("*.eml")):
            out.append((f"{sub}/{path.name}", path.read_bytes()))
    return out


@pytest.fixture
def rng():
    return random.Random(20261207)


def random_bytes(rng, n):
    return rng.randbytes(n)


SIZES = [0, 1, 2, 3, 4, 5, 56, 57, 58, 63, 64, 65, 100, 1000, 4095, 65536, 200_003]


WORDS = ["Grüße", "café", "naïve", "Köln", "plain", "text", "From", "mail", "straße", "déjà", "vu"]


def text_body(rng, lines, eol):
    """UTF-8 prose with 8-bit words, a `From ` and a `.` line start."""
    out = []
    for i in range(lines):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(1, 12))]
        if i % 7 == 3:
            words[0] = "From"
        out.append(" ".join(words))
    out.append(".")
    return (eol.join(out) + eol).encode("utf-8")


def generated_message(rng, eol="\r\n"):
    """A multipart message with 8-bit text, Latin-1 HTML, a base64 and a raw
    binary attachment. Returns (message, [(content_type, raw body), ...])
    for its leaves in order."""
    e = eol.encode()
    boundary = f"b{rng.randrange(10**9)}"
    subject = " ".join(rng.choice(WORDS) for _ in range(4))
    leaves = []
    text = text_body(rng, rng.randrange(1, 40), eol)
    html = ("<p>" + " ".join(rng.choice(WORDS) for _ in range(20)) + "</p>" + eol).encode("latin-1")
    blob = rng.randbytes(rng.randrange(1, 3000))
    b64 = base64.encodebytes(blob).replace(b"\n", e)
    head = (
        f"From: Jörg <joerg@example.org>{eol}To: a@example.net{eol}Subject: {subject}{eol}"
        f"MIME-Version: 1.0{eol}Content-Type: multipart/mixed; boundary=\"{boundary}\"{eol}{eol}"
    ).encode("utf-8")
    parts = [
        (b"Content-Type: text/plain; charset=utf-8" + e + b"Content-Transfer-Encoding: 8bit", "text/plain", text),
        (b"Content-Type: text/html; charset=iso-8859-1", "text/html", html),
        (b"Content-Type: application/octet-stream; name=\"d.bin\"" + e + b"Content-Transfer-Encoding: base64",
         "application/octet-stream", b64),
    ]
    body = b"preamble" + e
    for headers, ctype, content in parts:
        body += b"--" + boundary.encode() + e + headers + e + e + content
        leaves.append((ctype, content[: -len(e)] if content.endswith(e) else content))
    body += b"--" + boundary.encode() + b"--" + e
    return head + body, leaves
