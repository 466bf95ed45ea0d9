#!/usr/bin/env python3
"""The floor: the least work a client can do to read what `activity sync` reads.

Logs in, EXAMINEs each folder and issues one `UID FETCH 1:*` of the same header fields and
BODYSTRUCTURE as activity, reading to the tagged OK and counting messages. No parsing beyond
framing literals. Prints one JSON line: {"seconds": ..., "messages": ..., "bytes": ...}.

usage: floor.py HOST PORT USER PASSWORD FOLDER [FOLDER...]
"""
import json
import re
import socket
import sys
import time

FIELDS = ("FROM SENDER TO CC DATE SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES LIST-ID LIST-UNSUBSCRIBE "
          "PRECEDENCE AUTO-SUBMITTED CONTENT-TYPE X-AUTOREPLY X-AUTO-RESPONSE-SUPPRESS")
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.buf = b""
        self.received = 0
        self.tag = 0

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(1 << 18)
            if not chunk:
                raise EOFError("server closed the connection")
            self.received += len(chunk)
            self.buf += chunk
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def take(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 18)
            if not chunk:
                raise EOFError("server closed the connection")
            self.received += len(chunk)
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self):
        """One whole response (lines and literals); returns its first line."""
        first = line = self.line()
        while True:
            m = LITERAL.search(line)
            if not m:
                return first
            self.take(int(m.group(1)))
            line = self.line()

    def command(self, text):
        self.tag += 1
        tag = b"f%d" % self.tag
        self.s.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = 0
        while True:
            first = self.response()
            if first.startswith(tag + b" "):
                if not first.startswith(tag + b" OK"):
                    raise RuntimeError(first.decode(errors="replace"))
                return untagged
            if b" FETCH " in first[:40]:
                untagged += 1


def main():
    host, port, user, password, *folders = sys.argv[1:]
    start = time.perf_counter()
    c = Conn(host, int(port))
    c.response()  # greeting
    c.command('LOGIN "%s" "%s"' % (user, password))
    messages = 0
    for folder in folders:
        c.command('EXAMINE "%s"' % folder)
        messages += c.command("UID FETCH 1:* (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (%s)] BODYSTRUCTURE)" % FIELDS)
    c.command("LOGOUT")
    print(json.dumps({"seconds": time.perf_counter() - start, "messages": messages, "bytes": c.received}))


if __name__ == "__main__":
    main()
