#!/usr/bin/env python3
"""Reads a digest mail (`feedmux digest --format eml`) with Python's email package.

check_eml.py FILE --subject TEXT [--contains TEXT ...]

Checks: the headers (Subject decodes to TEXT and is RFC 2047-encoded when it is not ASCII;
Date, Message-ID, From, To and MIME-Version 1.0 are there), every header line is ASCII,
the body is multipart/alternative with a text/plain and then a text/html part, both
decode, and each contains every --contains text. Exits 1 with a message on the first
failure.
"""

import argparse
import email
import email.header
import email.policy
import sys


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--subject", required=True)
    ap.add_argument("--contains", action="append", default=[])
    args = ap.parse_args()

    raw = open(args.file, "rb").read()
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    try:
        head.decode("ascii")
    except UnicodeDecodeError:
        fail("a header line is not ASCII (non-ASCII text must be RFC 2047-encoded)")

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.defects:
        fail(f"defects: {msg.defects}")
    for name in ["Date", "Message-ID", "From", "To", "Subject"]:
        if msg[name] is None:
            fail(f"no {name} header")
    if msg["MIME-Version"] != "1.0":
        fail(f"MIME-Version is {msg['MIME-Version']!r}")

    subject = str(msg["Subject"])
    if subject != args.subject:
        fail(f"Subject decodes to {subject!r}, expected {args.subject!r}")
    raw_subject = email.message_from_bytes(raw, policy=email.policy.compat32)["Subject"]
    if not args.subject.isascii() and "=?" not in str(raw_subject):
        fail(f"a non-ASCII Subject is not RFC 2047-encoded: {raw_subject!r}")
    decoded = "".join(
        part.decode(cs or "ascii") if isinstance(part, bytes) else part
        for part, cs in email.header.decode_header(str(raw_subject))
    )
    if decoded != args.subject:
        fail(f"RFC 2047 decoding gives {decoded!r}")

    if msg.get_content_type() != "multipart/alternative":
        fail(f"content type {msg.get_content_type()}, expected multipart/alternative")
    parts = [p.get_content_type() for p in msg.iter_parts()]
    if parts != ["text/plain", "text/html"]:
        fail(f"parts {parts}, expected text/plain then text/html")
    for kind in ["plain", "html"]:
        body = msg.get_body(preferencelist=(kind,)).get_content()
        for text in args.contains:
            if text not in body:
                fail(f"the text/{kind} part does not contain {text!r}")
        print(f"text/{kind}: {len(body)} characters")
    print(f"ok: {args.file}: Subject {subject!r} (raw {str(raw_subject)[:60]!r}...), multipart/alternative")


if __name__ == "__main__":
    main()
