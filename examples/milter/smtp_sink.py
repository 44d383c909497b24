"""A one-connection-at-a-time SMTP sink for postfix_test.sh: accepts every
message (advertising 8BITMIME, so the relay sends what it has unchanged)
and appends each one, dot-unstuffed, to a file as `N.eml` in a folder.

    python3 smtp_sink.py PORT DIR
"""
import os
import socketserver
import sys

OUT = sys.argv[2]


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == b"DATA":
                self.reply("354 go on")
                body = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    body.append(data[1:] if data.startswith(b"..") else data)
                n = len(os.listdir(OUT))
                tmp = os.path.join(OUT, f".{n}.tmp")
                with open(tmp, "wb") as f:
                    f.write(b"".join(body))
                os.rename(tmp, os.path.join(OUT, f"{n}.eml"))
                self.reply("250 stored")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(("127.0.0.1", int(sys.argv[1])), Handler) as server:
    server.serve_forever()
