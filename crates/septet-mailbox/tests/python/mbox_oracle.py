"""Oracle for tests/mailbox_python.rs: reads each mbox named on the
command line with Python's `mailbox` module and prints one JSON object per
message, in file order, with the file's position among the arguments: the separator line (without its line feed) and the message
bytes after mboxrd unquoting (one `>` removed from every line matching
`>+From `), both base64-encoded. Python's `mailbox.mbox` splits on every
`From ` line and does not unquote, so the unquoting is done here.
"""
import base64
import json
import mailbox
import re
import sys

QUOTED = re.compile(rb"^>(>*From )", re.M)


def dump(index, path):
    box = mailbox.mbox(path, create=False)
    try:
        for key in sorted(box.keys()):
            raw = box.get_bytes(key, from_=True)
            nl = raw.find(b"\n")
            from_line, data = (raw, b"") if nl < 0 else (raw[:nl], raw[nl + 1:])
            print(json.dumps({
                "file": index,
                "from": base64.b64encode(from_line).decode(),
                "data": base64.b64encode(QUOTED.sub(rb"\1", data)).decode(),
            }))
    finally:
        box.close()


for i, p in enumerate(sys.argv[1:]):
    dump(i, p)
