#!/usr/bin/env python3
"""Check feedmux's output folder with independent readers.

    python3 ci/check_outputs.py OUT_DIR --expect-items N [--schema PATH]

CI runs this after `feedmux run`. It reads the outputs with programs that share
no code with feedmux: `feedparser` for OUT_DIR/rss.xml and OUT_DIR/atom.xml,
`jsonschema` (against the JSON Feed 1.1 schema) for OUT_DIR/feed.json. Then it
checks that the three files list the same item links. Every OUT_DIR/topics/*/
folder that exists gets the same checks, without an expected item count, and
OUT_DIR/digest/rss.xml and atom.xml (when there) are read as the digest feeds: one
entry per day, linking a day page that exists beside them, newest first.

One line per check (PASS or FAIL, problems indented below a FAIL), then a last
line `N passed, M failed`. Exit status: 0 when nothing failed, 1 when a check
failed, 2 for a bad command line or a missing Python package.

Install the readers with: pip install -r ci/requirements.txt

The JSON Feed 1.1 schema refers to the 1.0 schema ("feed-1"); both files
(jsonfeed-1.1.schema.json and jsonfeed-1.0.schema.json) must be in the same
folder. Default: tests/ at the repository root.
"""

import argparse
import datetime
import json
import re
import sys
from pathlib import Path

try:
    import feedparser
    import jsonschema
except ImportError as err:  # pragma: no cover - depends on the machine
    print(f"error: {err}; install the checker's packages with: "
          f"pip install -r ci/requirements.txt", file=sys.stderr)
    sys.exit(2)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = REPO_ROOT / "tests" / "jsonfeed-1.1.schema.json"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
EXPECTED_VERSION = {"rss.xml": "rss20", "atom.xml": "atom10"}
MAX_PROBLEMS_SHOWN = 20

HTTP_RE = re.compile(r"^https?://", re.IGNORECASE)
TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>|<!--|<!\[CDATA\[")
RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class Report:
    """Counts checks and prints one line per check."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, problems, detail=""):
        if problems:
            self.failed += 1
            print(f"FAIL {name}: {len(problems)} problem(s)")
            for p in problems[:MAX_PROBLEMS_SHOWN]:
                print(f"    - {p}")
            if len(problems) > MAX_PROBLEMS_SHOWN:
                print(f"    ... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
        else:
            self.passed += 1
            print(f"PASS {name}" + (f": {detail}" if detail else ""))


def short(text, limit=80):
    text = repr(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def title_problems(title):
    """Titles must be plain text with entities decoded exactly once."""
    found = []
    for bad in ("&amp;", "&lt;"):
        if bad in title:
            found.append(f"contains {bad!r}")
    if TAG_RE.search(title):
        found.append("contains markup")
    return found


# ---------------------------------------------------------------- XML feeds

def check_xml_feed(path, expect_items):
    """Parse rss.xml or atom.xml with feedparser. Returns (problems, links, detail)."""
    problems = []
    if not path.is_file():
        return [f"missing file {path}"], None, ""
    data = path.read_bytes()
    # sanitize_html=False: look at what feedmux wrote, not at what
    # feedparser's own sanitizer would have cleaned up.
    parsed = feedparser.parse(data, sanitize_html=False)
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        problems.append(f"bozo=1: {type(exc).__name__}: {exc}")
    want = EXPECTED_VERSION[path.name]
    if parsed.version != want:
        problems.append(f"version is {parsed.version!r}, expected {want!r}")
    entries = parsed.entries
    if expect_items is not None and len(entries) != expect_items:
        problems.append(f"{len(entries)} entries, expected {expect_items}")

    links = []
    for n, entry in enumerate(entries, 1):
        where = f"entry {n}"
        title = (entry.get("title") or "").strip()
        if not title:
            problems.append(f"{where}: empty or missing title")
        else:
            where = f"entry {n} {short(title, 50)}"
            for p in title_problems(title):
                problems.append(f"{where}: title {p}")
        link = entry.get("link") or ""
        if not HTTP_RE.match(link):
            problems.append(f"{where}: link is not http(s): {short(link)}")
        else:
            links.append(link)
        if not (entry.get("id") or "").strip():
            problems.append(f"{where}: no id/guid")
        if not (entry.get("published_parsed") or entry.get("updated_parsed")):
            raw = entry.get("published") or entry.get("updated")
            problems.append(f"{where}: no parseable date (raw: {short(raw)})")
        texts = [entry.get("summary") or ""]
        texts += [c.get("value") or "" for c in entry.get("content") or []]
        if any("<script" in t.lower() for t in texts):
            problems.append(f"{where}: summary/content contains <script")

    problems += duplicate_problems(links)
    detail = f"{parsed.version}, {len(entries)} entries"
    return problems, links, detail


def duplicate_problems(links):
    seen, dups = set(), []
    for link in links:
        if link in seen:
            dups.append(f"link listed twice: {short(link)}")
        seen.add(link)
    return dups


# ---------------------------------------------------------------- JSON Feed

def load_validator(schema_path):
    """A validator for the JSON Feed 1.1 schema, with every schema found in the
    same folder registered under its id (the 1.1 schema points at the 1.0
    one). Returns (validator, error message)."""
    if not schema_path.is_file():
        return None, f"schema not found: {schema_path}"
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return None, f"cannot read schema {schema_path}: {err}"
    cls = jsonschema.validators.validator_for(schema)
    siblings = {}
    for other in sorted(schema_path.parent.glob("*.json")):
        try:
            doc = json.loads(other.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict):
            uri = doc.get("$id") or doc.get("id")
            if isinstance(uri, str) and uri:
                siblings[uri.rstrip("#")] = doc
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4, specification_with
        resources = []
        for uri, doc in siblings.items():
            spec = specification_with(doc.get("$schema", ""), default=DRAFT4)
            resources.append((uri, Resource(contents=doc, specification=spec)))
        validator = cls(schema, registry=Registry().with_resources(resources),
                        format_checker=cls.FORMAT_CHECKER)
    except ImportError:  # jsonschema older than 4.18
        resolver = jsonschema.RefResolver.from_schema(schema, store=siblings)
        validator = cls(schema, resolver=resolver,
                        format_checker=cls.FORMAT_CHECKER)
    return validator, None


def check_json_feed(path, expect_items, validator, schema_error):
    problems = []
    if not path.is_file():
        return [f"missing file {path}"], None, ""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return [f"not valid JSON: {err}"], None, ""
    if not isinstance(doc, dict):
        return ["top level is not an object"], None, ""
    if doc.get("version") != JSONFEED_VERSION:
        problems.append(f"version is {short(doc.get('version'))}, "
                        f"expected {JSONFEED_VERSION!r}")
    items = doc.get("items")
    if not isinstance(items, list):
        problems.append("no items array")
        items = []
    if expect_items is not None and len(items) != expect_items:
        problems.append(f"{len(items)} items, expected {expect_items}")

    if schema_error:
        problems.append(schema_error)
    else:
        try:
            errors = sorted(validator.iter_errors(doc),
                            key=lambda e: list(map(str, e.absolute_path)))
            for err in errors:
                at = "/".join(map(str, err.absolute_path)) or "(top)"
                problems.append(f"schema: at {at}: {schema_message(err)}")
        except Exception as err:  # unresolvable $ref and the like
            problems.append(f"schema could not be applied: "
                            f"{type(err).__name__}: {err}. Is "
                            f"jsonfeed-1.0.schema.json beside the 1.1 schema?")

    links = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            continue  # the schema check reports it
        title = item.get("title")
        where = f"item {n}" + (f" {short(title, 50)}" if title else "")
        if not isinstance(title, str) or not title.strip():
            problems.append(f"{where}: empty or missing title")
        else:
            for p in title_problems(title):
                problems.append(f"{where}: title {p}")
        url = item.get("url")
        if not isinstance(url, str) or not HTTP_RE.match(url):
            problems.append(f"{where}: url is not http(s): {short(url)}")
        else:
            links.append(url)
        dates = [item.get(k) for k in ("date_published", "date_modified")]
        dates = [d for d in dates if d is not None]
        if not dates:
            problems.append(f"{where}: no date_published or date_modified")
        for d in dates:
            if not is_rfc3339(d):
                problems.append(f"{where}: date is not RFC 3339: {short(d)}")
        html = item.get("content_html") or ""
        if isinstance(html, str) and "<script" in html.lower():
            problems.append(f"{where}: content_html contains <script")

    problems += duplicate_problems(links)
    return problems, links, f"{len(items)} items, schema ok"


def schema_message(err):
    """A short message: oneOf/anyOf errors otherwise print the whole item."""
    if err.validator in ("oneOf", "anyOf") and err.context:
        best = jsonschema.exceptions.best_match(err.context)
        return f"matches none of the {err.validator} forms; e.g. {best.message[:160]}"
    return err.message[:200]


def is_rfc3339(value):
    if not isinstance(value, str) or not RFC3339_RE.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- folders

def check_folder(report, folder, expect_items, validator, schema_error):
    links = {}
    for name in ("rss.xml", "atom.xml"):
        problems, found, detail = check_xml_feed(folder / name, expect_items)
        report.record(str(folder / name), problems, detail)
        links[name] = found
    problems, found, detail = check_json_feed(
        folder / "feed.json", expect_items, validator, schema_error)
    report.record(str(folder / "feed.json"), problems, detail)
    links["feed.json"] = found

    # Agreement on the set of item links.
    name = f"{folder}: rss.xml, atom.xml and feed.json agree on item links"
    if any(v is None for v in links.values()):
        unread = ", ".join(k for k, v in links.items() if v is None)
        report.record(name, [f"cannot compare: {unread} unreadable"])
        return
    sets = {k: set(v) for k, v in links.items()}
    union = set().union(*sets.values())
    problems = []
    for link in sorted(union):
        missing = [k for k, s in sets.items() if link not in s]
        if missing:
            problems.append(f"{short(link)} missing from {', '.join(missing)}")
    report.record(name, problems, f"{len(union)} links")


def check_digest(report, folder):
    """The digest feeds: one entry per day page (DAY.html beside them), the same days in
    RSS and Atom, newest first."""
    days = {}
    for name in ("rss.xml", "atom.xml"):
        problems, links, detail = check_xml_feed(folder / name, None)
        found = []
        for link in links or []:
            page = link.rsplit("/", 1)[-1]
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}\.html", page):
                problems.append(f"entry link is not a day page: {short(link)}")
            elif not (folder / page).is_file():
                problems.append(f"no {page} beside the feed for {short(link)}")
            found.append(page)
        if not found:
            problems.append("no day entries")
        if found != sorted(found, reverse=True):
            problems.append(f"days not newest first: {found}")
        days[name] = found
        report.record(str(folder / name), problems, detail)
    report.record(
        f"{folder}: rss.xml and atom.xml list the same days",
        [] if days["rss.xml"] == days["atom.xml"] else [f"{days}"],
        f"{len(days['atom.xml'])} days")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check feedmux's outputs with feedparser and jsonschema.")
    ap.add_argument("out_dir", metavar="OUT_DIR", type=Path)
    ap.add_argument("--expect-items", metavar="N", type=int, required=True,
                    help="number of items the combined feeds must hold")
    ap.add_argument("--schema", metavar="PATH", type=Path, default=DEFAULT_SCHEMA,
                    help="JSON Feed 1.1 schema, with jsonfeed-1.0.schema.json "
                         "beside it (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.expect_items < 0:
        ap.error("--expect-items must be 0 or more")

    report = Report()
    if not args.out_dir.is_dir():
        report.record(str(args.out_dir), [f"output folder {args.out_dir} does not exist"])
    else:
        validator, schema_error = load_validator(args.schema)
        check_folder(report, args.out_dir, args.expect_items, validator, schema_error)
        topics = args.out_dir / "topics"
        if topics.is_dir():
            for folder in sorted(p for p in topics.iterdir() if p.is_dir()):
                check_folder(report, folder, None, validator, schema_error)
        digest = args.out_dir / "digest"
        if digest.is_dir():
            check_digest(report, digest)

    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
