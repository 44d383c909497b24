#!/usr/bin/env python3
"""Writes the MIME corpus: corpus/lf/*.eml and the same messages with CRLF
line breaks in corpus/crlf/*.eml.

Run from anywhere: python3 corpus/generate.py. Deterministic; the output is
committed (well under 1 MiB). Files named eNN-* exercise item NN of
/work/shared/mime-edge-cases.md (see ARCHITECTURE.md (MIME parser)); the others are
real-looking messages. tests/mime_corpus.rs checks both forms against each
other and tests/mime_python.rs against Python's email package.
"""
import base64
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(2045)


def b64(data, width=76):
    text = base64.b64encode(data).decode()
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def blob(n):
    return bytes(rng.randrange(256) for _ in range(n))


PNG = b"\x89PNG\r\n\x1a\n" + blob(600)

MESSAGES = {}

MESSAGES["alternative-related"] = f"""\
From: Alice Example <alice@example.org>
To: bob@example.net
Subject: Quarterly numbers
Date: Tue, 03 Nov 2026 10:00:00 +0100
Message-ID: <q3-2026@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative;
 boundary="----=_Part_0_1234.5678"

This is a multi-part message in MIME format.

------=_Part_0_1234.5678
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hi Bob,

the numbers are in the chart below. Revenue grew 12 % =E2=80=94 see the =
attached file.

Best,
Alice
------=_Part_0_1234.5678
Content-Type: multipart/related;
 boundary="----=_Part_1_1234.5678"; type="text/html"

------=_Part_1_1234.5678
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><body><p>Hi Bob,</p><p>the numbers:</p><img src=3D"cid:chart@example.=
org"></body></html>
------=_Part_1_1234.5678
Content-Type: image/png; name="chart.png"
Content-Transfer-Encoding: base64
Content-ID: <chart@example.org>
Content-Disposition: inline; filename="chart.png"

{b64(PNG)}
------=_Part_1_1234.5678--

------=_Part_0_1234.5678--
"""

MESSAGES["forwarded"] = f"""\
From: Bob <bob@example.net>
To: carol@example.com
Subject: Fwd: Quarterly numbers
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd-outer"

--fwd-outer
Content-Type: text/plain; charset=us-ascii

See below.

--fwd-outer
Content-Type: message/rfc822
Content-Disposition: inline

From: Alice Example <alice@example.org>
Subject: Quarterly numbers
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="inner-alt"

--inner-alt
Content-Type: text/plain

Numbers attached.
--inner-alt
Content-Type: text/html

<p>Numbers attached.</p>
--inner-alt--

--fwd-outer
Content-Type: application/pdf; name="q3.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="q3.pdf"

{b64(b"%PDF-1.4" + blob(400))}
--fwd-outer--
"""

MESSAGES["signed"] = """\
From: Dave <dave@example.org>
To: eve@example.org
Subject: Signed statement
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha256;
 protocol="application/pgp-signature"; boundary="sig-boundary"

This is an OpenPGP/MIME signed message (RFC 4880 and 3156)
--sig-boundary
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

I, Dave, approve this message.

--sig-boundary
Content-Type: application/pgp-signature; name="signature.asc"
Content-Description: OpenPGP digital signature
Content-Disposition: attachment; filename="signature.asc"

-----BEGIN PGP SIGNATURE-----

iQEzBAEBCAAdFiEEexampleexampleexampleexampleexampleFAmVtZXN0AAoJEexample
=abcd
-----END PGP SIGNATURE-----

--sig-boundary--
"""

MESSAGES["digest"] = """\
From: list-digest@example.org
To: subscribers@example.org
Subject: Example list digest, Vol 12, Issue 3
MIME-Version: 1.0
Content-Type: multipart/digest; boundary="digest-b"

--digest-b

From: one@example.org
Subject: First post

First message body.

--digest-b

From: two@example.org
Subject: Second post
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Zweite Nachricht: Grüße.

--digest-b
Content-Type: text/plain

An explicit text/plain part inside a digest is not a message.
--digest-b--
"""

FOOTER = base64.b64encode(b"_______________________________________________\nlist mailing list\n").decode()
MESSAGES["list-footer"] = f"""\
From: poster@example.org
To: list@example.org
Subject: Concatenated base64 (list footer)
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

{b64("Hello list, this body was base64 encoded by the poster.".encode())}
{FOOTER}
"""

MESSAGES["utf8-8bit"] = """\
From: Jürgen Müller <jürgen@example.de>
To: renée@example.fr
Subject: Grüße aus Köln — naïve café ☕
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="u8"

--u8
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße aus Köln! Ça va? 日本語のテキスト。 Emoji: 😀
--u8
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<p>Grüße aus Köln! Ça va?</p>
--u8--
"""

MESSAGES["rfc2047-2231"] = f"""\
From: =?iso-8859-1?q?Andr=E9?= <andre@example.fr>
To: =?utf-8?b?5pel5pys6Kqe?= <nihongo@example.jp>
Subject: =?utf-8?q?R=C3=A9sum=C3=A9_and?=
 =?utf-8?b?IGNhZsOp?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="names"

--names
Content-Type: text/plain

Attachments with encoded names.
--names
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename*0*=utf-8''%E2%82%AC%20invoice%20caf%C3;
 filename*1*=%A9%20;
 filename*2="2026.pdf"

{b64(blob(120))}
--names
Content-Type: application/octet-stream; name="=?utf-8?B?w6l0w6kucG5n?="
Content-Transfer-Encoding: base64

{b64(blob(90))}
--names
Content-Type: text/plain; charset=iso-8859-1
Content-Disposition: attachment; filename*=iso-8859-1'fr'r%E9sum%E9.txt

plain text
--names--
"""

# ---- edge cases (numbers refer to mime-edge-cases.md) ----

MESSAGES["e02-folded-boundary"] = """\
Content-Type: multipart/mixed; boundary=
 "folded-b"

--folded-b

part one
--folded-b--
"""

MESSAGES["e04-no-blank-line"] = """\
Subject: no separator
This line has no colon, so the body starts here.
second body line
"""

MESSAGES["e05-no-headers"] = """\

The message starts with a blank line: no headers at all.
"""

MESSAGES["e09-duplicate-ct"] = """\
Content-Type: text/plain; charset=us-ascii
Content-Type: text/html
Content-Transfer-Encoding: 7bit
Content-Transfer-Encoding: base64

first Content-Type and first CTE win
"""

MESSAGES["e11-comments-in-ct"] = """\
Content-Type: (outer) Multipart (x) / Mixed (y); (c) boundary = "cm" (z)

--cm
Content-Type: image/ jpeg
Content-Transfer-Encoding: base64

/9j/4AAQ
--cm--
"""

MESSAGES["e13-invalid-ct"] = """\
Content-Type: garbage-without-slash

an invalid type means text/plain
"""

MESSAGES["e14-tspecials-boundary"] = """\
Content-Type: multipart/alternative; boundary===--27089--==

--==--27089--==
Content-Type: text/plain

part
--==--27089--==--
"""

MESSAGES["e17-line-break-belongs-to-delimiter"] = """\
Content-Type: multipart/mixed; boundary=b

--b

no line break at the end of this body
--b

this body ends with one line break

--b--
"""

MESSAGES["e18-transport-padding"] = "Content-Type: multipart/mixed; boundary=pad\n\n--pad \t \n\npadded\n--pad--\t \n"

MESSAGES["e19-boundary-mid-line"] = """\
Content-Type: multipart/mixed; boundary=mid

--mid

text --mid in the middle of a line is not a delimiter
--mid--
"""

MESSAGES["e20-boundary-suffix"] = """\
Content-Type: multipart/mixed; boundary=sfx

--sfx

--sfxXYZ is not a delimiter
--sfx--not-a-close either
--sfx--
"""

MESSAGES["e21-prefix-boundaries"] = """\
Content-Type: multipart/mixed; boundary=x

--x
Content-Type: multipart/mixed; boundary=xy

--xy
Content-Type: multipart/mixed; boundary=xyz

--xyz

deepest
--xyz--
--xy

middle
--xy--
--x

outer
--x--
"""

MESSAGES["e22-outer-closes-inner"] = """\
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner

inner part, never closed
--outer

after the inner multipart
--outer--
"""

MESSAGES["e23-missing-close"] = """\
Content-Type: multipart/mixed; boundary=open

--open

first
--open

last part runs to the end
"""

MESSAGES["e24-preamble-epilogue"] = """\
Content-Type: multipart/mixed; boundary=pe

preamble line
--pe-- a close-looking line in the preamble is not one
--pe

the only part
--pe--
epilogue
--pe

not a part: after the close delimiter
"""

MESSAGES["e25-no-boundary-param"] = """\
Content-Type: multipart/mixed

--b

no boundary parameter: one leaf
--b--
"""

MESSAGES["e25-boundary-never-occurs"] = """\
Content-Type: multipart/mixed; boundary=never

just text, no delimiter
"""

MESSAGES["e26-empty-parts"] = """\
Content-Type: multipart/mixed; boundary=e

--e

--e
Content-Type: text/html

--e
--e--
"""

MESSAGES["e27-dash-boundary"] = """\
Content-Type: multipart/mixed; boundary="-"

---

dashes
----
------
-----
"""

MESSAGES["e29-cte-comment"] = """\
Content-Type: text/plain
Content-Transfer-Encoding: BASE64 (with a comment)

aGVsbG8gd29ybGQ=
"""

MESSAGES["e30-unknown-cte"] = """\
Content-Type: application/octet-stream
Content-Transfer-Encoding: 8-bit

raw bytes kept
"""

MESSAGES["e31-base64-junk"] = """\
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

aGVs*bG8g
d29y!bGQ
"""

MESSAGES["e33-base64-trailing-bits"] = """\
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

Pn==
"""

MESSAGES["e34-quoted-printable"] = """\
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

lower =c3=a9 upper =C3=A9 soft=
break trailing   \t
invalid =ZZ and =4
"""

MESSAGES["e35-binary-with-dashes"] = """\
Content-Type: multipart/mixed; boundary=bin

--bin
Content-Type: application/octet-stream
Content-Transfer-Encoding: binary

--binary looks close
--bin-- X
\x01\x02 NUL-free binary
--bin--
"""

INNER = b"Subject: inner\r\nContent-Type: text/plain\r\n\r\nhidden inside base64\r\n"
MESSAGES["e36-base64-rfc822"] = f"""\
Content-Type: multipart/mixed; boundary=enc

--enc
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

{b64(INNER)}
--enc--
"""

MESSAGES["e37-nested-rfc822"] = """\
Content-Type: message/rfc822

Subject: level 1
Content-Type: message/rfc822

Subject: level 2
Content-Type: multipart/mixed; boundary=l2

--l2

deep text
--l2--
"""

MESSAGES["e43-report"] = """\
From: MAILER-DAEMON@example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="rep"

--rep
Content-Type: text/plain

Your message could not be delivered.
--rep
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; nobody@example.org
Action: failed
Status: 5.1.1
--rep
Content-Type: text/rfc822-headers

From: sender@example.org
Subject: original
--rep--
"""


def main():
    for form in ("lf", "crlf"):
        os.makedirs(os.path.join(HERE, form), exist_ok=True)
    for name, text in MESSAGES.items():
        data = text.encode("utf-8")
        with open(os.path.join(HERE, "lf", name + ".eml"), "wb") as f:
            f.write(data)
        with open(os.path.join(HERE, "crlf", name + ".eml"), "wb") as f:
            f.write(data.replace(b"\n", b"\r\n"))
    print("wrote %d messages in 2 forms" % len(MESSAGES))


if __name__ == "__main__":
    main()
