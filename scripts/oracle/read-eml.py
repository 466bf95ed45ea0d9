#!/usr/bin/env python3
"""Test oracle: reads a message with Python's email package (an independent MIME reader) and
prints, as JSON: the decoded Subject, From, To, Message-ID, Date, the MIME structure, the text
and HTML bodies, each attachment's file name and content type (the attachment itself is written
to OUTDIR/<filename> when OUTDIR is given), and the raw lines that break RFC 5322's rules (longer
than 76 characters or not ended by CRLF).

    scripts/oracle/read-eml.py FILE.eml [OUTDIR]
"""
import email
import email.policy
import json
import os
import sys


def main():
    raw = open(sys.argv[1], "rb").read()
    outdir = sys.argv[2] if len(sys.argv) > 2 else None
    bad = []
    for i, line in enumerate(raw.split(b"\r\n")[:-1]):
        if len(line) > 76 or b"\n" in line or b"\r" in line:
            bad.append(i)
    if not raw.endswith(b"\r\n"):
        bad.append(-1)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {
        "subject": str(msg["subject"]),
        "from": str(msg["from"]),
        "from_address": msg["from"].addresses[0].addr_spec,
        "from_name": msg["from"].addresses[0].display_name,
        "to": [a.addr_spec for a in msg["to"].addresses],
        "to_names": [a.display_name for a in msg["to"].addresses],
        "message_id": str(msg["message-id"]),
        "date": str(msg["date"]),
        "structure": [part.get_content_type() for part in msg.walk()],
        "bad_lines": bad,
        "defects": [type(d).__name__ for part in msg.walk() for d in part.defects],
        "attachments": [],
    }
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    out["text"] = text.get_content() if text else None
    out["html"] = html.get_content() if html else None
    for part in msg.iter_attachments():
        name = part.get_filename()
        out["attachments"].append({"filename": name, "content_type": part.get_content_type()})
        if outdir:
            with open(os.path.join(outdir, os.path.basename(name)), "wb") as f:
                f.write(part.get_content())
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
