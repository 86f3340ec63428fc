#!/usr/bin/env python3
"""Check that no output of feedmux links anything but the web.

    python3 ci/check_safe_links.py OUT_DIR [--expect-items N]

Reads every file under OUT_DIR with readers that share no code with feedmux:
feedparser for the RSS and Atom feeds (each entry's `link`, `links[].href`,
`enclosures[].href`, its source's links, the feed's own `link` and `links`),
Python's json for the JSON Feeds (every URL field), Python's html.parser for the
HTML inside feed entries, the digest pages, the index and the mail's HTML part,
the email package for the .eml, and xml.etree for the OPML. Every URL found must
be an absolute http(s) URL (an `<a href>` in HTML may also be `mailto:` or an
in-page `#anchor`; index.html links the outputs by their paths, which must name
files beside it); plain text (Markdown, the .txt digest, the mail's text part)
must not show a `javascript:`, `vbscript:`, `data:`, `file:`, `about:`, `blob:`
or `chrome:` URL, and a Markdown link target must be http(s).

With --expect-items N, the combined JSON Feed must hold N items: links left out,
the items themselves stay.

One line per file (PASS or FAIL, problems indented below a FAIL), then
`N passed, M failed`. Exit status 0 when nothing failed, 1 when a check failed,
2 for a bad command line or a missing package (pip install -r ci/requirements.txt).
"""

import argparse
import email
import json
import re
import sys
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

try:
    import feedparser
except ImportError as err:  # pragma: no cover - depends on the machine
    print(f"error: {err}; pip install -r ci/requirements.txt", file=sys.stderr)
    sys.exit(2)

DANGEROUS = ("javascript:", "vbscript:", "data:", "file:", "about:", "blob:", "chrome:")
URL_ATTRS = {"href", "src", "cite", "longdesc", "poster", "action", "formaction",
             "background", "data", "ping"}
JSON_URL_KEYS = {"url", "external_url", "home_page_url", "feed_url", "icon", "favicon",
                 "avatar", "image", "banner_image", "next_url"}


def as_browser_reads(value):
    """Spaces and controls around, tabs and newlines inside, are ignored by browsers."""
    v = value.strip("".join(chr(c) for c in range(33)))
    return re.sub(r"[\t\n\r]", "", v).lower()


def url_ok(value, anchor=False):
    """An http(s) URL (after decoding once more, as a careless reader would)."""
    for seen in (value, unescape(value)):
        v = as_browser_reads(seen)
        if v.startswith(("http://", "https://")):
            continue
        if anchor and (v.startswith("mailto:") or v.startswith("#")):
            continue
        return False
    return True


class HtmlLinks(HTMLParser):
    """Collects every URL attribute of an HTML document or fragment."""

    def __init__(self, where, problems, beside=None):
        super().__init__(convert_charrefs=True)
        self.where = where
        self.problems = problems
        self.count = 0
        self.beside = beside

    def sibling(self, value):
        """A plain relative path to a file in `beside` (the index page's folder)."""
        if self.beside is None or ":" in value or value.startswith("/") or ".." in value.split("/"):
            return False
        return (self.beside / value).is_file()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRS:
                self.count += 1
                if not (self.sibling(value) or url_ok(value, anchor=(name == "href"))):
                    self.problems.append(f"{self.where} <{tag} {name}={value!r}>")
            elif name == "srcset":
                for cand in value.split(","):
                    self.count += 1
                    url = (cand.split() or [""])[0]
                    if not url_ok(url):
                        self.problems.append(f"{self.where} <{tag} srcset> {url!r}")


def check_html(html, where, problems, beside=None):
    p = HtmlLinks(where, problems, beside)
    p.feed(html)
    p.close()
    return p.count


def check_text(text, where, problems):
    spaced = re.sub(r"[<>()\[\]\"']", " ", text)
    for token in spaced.split():
        low = token.lower()
        if low.startswith(DANGEROUS) or ("://" in low and not low.startswith(("http://", "https://"))):
            problems.append(f"{where}: text {token!r}")


def check_feed(path, problems):
    d = feedparser.parse(str(path))
    if d.bozo:
        problems.append(f"not well-formed: {d.bozo_exception}")
    count = 0

    def url(value, where):
        nonlocal count
        count += 1
        if not url_ok(value):
            problems.append(f"{where}: {value!r}")

    feed = d.feed
    if feed.get("link"):
        url(feed["link"], "feed link")
    for l in feed.get("links", []):
        url(l.get("href", ""), f"feed links[{l.get('rel')}]")
    for i, e in enumerate(d.entries):
        where = f"entry {i} ({e.get('title', '')[:40]!r})"
        # An entry with no link: feedparser offers its id (our urn:uuid) as its link.
        id_as_link = e.get("guidislink") and e.get("link") == e.get("id", "").strip() \
            and e["link"].startswith("urn:uuid:")
        if "link" in e and not id_as_link:
            url(e["link"], f"{where} link")
        for l in e.get("links", []):
            url(l.get("href", ""), f"{where} links[{l.get('rel')}]")
        for enc in e.get("enclosures", []):
            url(enc.get("href", ""), f"{where} enclosure")
        src = e.get("source") or {}
        if src.get("href"):
            url(src["href"], f"{where} source href")
        for l in src.get("links", []):
            url(l.get("href", ""), f"{where} source links")
        for c in e.get("content", []):
            count += check_html(c.get("value", ""), f"{where} content", problems)
        if e.get("summary"):
            count += check_html(e["summary"], f"{where} summary", problems)
    return count, len(d.entries)


def walk_json(v, where, problems):
    count = 0
    if isinstance(v, dict):
        for k, x in v.items():
            if k in JSON_URL_KEYS and isinstance(x, str):
                count += 1
                if not url_ok(x):
                    problems.append(f"{where}.{k}: {x!r}")
            elif k == "content_html" and isinstance(x, str):
                count += check_html(x, f"{where}.{k}", problems)
            else:
                count += walk_json(x, f"{where}.{k}", problems)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            count += walk_json(x, f"{where}[{i}]", problems)
    elif isinstance(v, str):
        check_text(v, where, problems)
    return count


def check_file(path, problems):
    """Returns (links checked, items when it is a feed)."""
    ext = path.suffix
    text = path.read_text(encoding="utf-8", errors="replace")
    if ext == ".xml":
        return check_feed(path, problems)
    if ext == ".json":
        return walk_json(json.loads(text), "$", problems), None
    if ext == ".html":
        beside = path.parent if path.name == "index.html" else None
        return check_html(text, "html", problems, beside), None
    if ext == ".md":
        count = 0
        for target in re.findall(r"\]\(([^)]*)\)", text):
            count += 1
            if not url_ok(target, anchor=True):
                problems.append(f"link target {target!r}")
        check_text(text, "text", problems)
        return count, None
    if ext == ".txt":
        check_text(text, "text", problems)
        return 0, None
    if ext == ".eml":
        msg = email.message_from_bytes(path.read_bytes())
        count = 0
        for part in msg.walk():
            body = part.get_payload(decode=True)
            if body is None:
                continue
            body = body.decode(part.get_content_charset() or "utf-8", "replace")
            if part.get_content_type() == "text/html":
                count += check_html(body, "text/html", problems)
            elif part.get_content_type() == "text/plain":
                check_text(body, "text/plain", problems)
        return count, None
    if ext == ".opml":
        count = 0
        for o in ET.fromstring(path.read_bytes()).iter("outline"):
            for a in ("xmlUrl", "htmlUrl", "url"):
                if a in o.attrib:
                    count += 1
                    if not url_ok(o.attrib[a]):
                        problems.append(f"outline {a}={o.attrib[a]!r}")
        return count, None
    problems.append(f"an output of an unexpected kind: {path.name}")
    return 0, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--expect-items", type=int)
    args = ap.parse_args()
    if not args.out.is_dir():
        print(f"error: {args.out} is not a folder", file=sys.stderr)
        return 2
    passed = failed = total = 0
    for path in sorted(p for p in args.out.rglob("*") if p.is_file()):
        problems = []
        count, _ = check_file(path, problems)
        total += count
        rel = path.relative_to(args.out)
        if problems:
            failed += 1
            print(f"FAIL {rel}")
            for p in problems[:20]:
                print(f"    {p}")
        else:
            passed += 1
            print(f"PASS {rel} ({count} links)")
    if args.expect_items is not None:
        items = json.loads((args.out / "feed.json").read_text())["items"]
        if len(items) == args.expect_items:
            passed += 1
            print(f"PASS feed.json holds {len(items)} items")
        else:
            failed += 1
            print(f"FAIL feed.json holds {len(items)} items, not {args.expect_items}")
    if total == 0:
        failed += 1
        print("FAIL no link was found at all: the checker read nothing")
    print(f"{passed} passed, {failed} failed ({total} links checked)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
