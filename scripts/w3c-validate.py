#!/usr/bin/env python3
"""Validate local feed files offline with the W3C Feed Validation Service code.

Usage:
    w3c-validate.py [--validator DIR] [--all] [--info] [--base URL] [--max-bytes N] FEED...

DIR is a checkout of https://github.com/w3c/feedvalidator (the folder that holds
src/feedvalidator); it may also be given as $FEEDVALIDATOR. Nothing of it is
copied here: it is imported from DIR/src at run time. It needs Python 3 with
lxml, html5lib and rdflib (e.g. a venv: `venv/bin/python scripts/w3c-validate.py ...`).

Prints every error and warning as `FILE: LEVEL: line L, column C: MESSAGE [Class]`
(`--info` adds the informational notes; `--all` lists every occurrence instead
of the first one of each kind with a count). Exits 1 if any file has an error,
2 on bad usage or if the validator cannot be loaded, else 0 (warnings alone pass).
"""

import argparse
import os
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--validator", default=os.environ.get("FEEDVALIDATOR"),
                    help="feedvalidator checkout (or $FEEDVALIDATOR)")
    ap.add_argument("--all", action="store_true",
                    help="every occurrence, not the first of each kind")
    ap.add_argument("--info", action="store_true", help="also print informational notes")
    ap.add_argument("--base", default=None,
                    help="URL the feed is served at, or a folder URL ending in / to which "
                         "each file's name is appended (default: its file:// URL)")
    ap.add_argument("--max-bytes", type=int, default=50_000_000,
                    help="raise the validator's 5 MB input limit (default 50 MB)")
    ap.add_argument("feeds", nargs="+")
    args = ap.parse_args()

    if not args.validator:
        ap.error("give the feedvalidator checkout with --validator DIR or $FEEDVALIDATOR")
    src = os.path.join(os.path.abspath(args.validator), "src")
    if not os.path.isdir(os.path.join(src, "feedvalidator")):
        print(f"w3c-validate: no src/feedvalidator under {args.validator}", file=sys.stderr)
        return 2
    sys.path.insert(0, src)
    try:
        import feedvalidator
        from feedvalidator import compatibility
        from feedvalidator.formatter.text_plain import Formatter
        from feedvalidator import logging as fvlog
        from feedvalidator.logging import Error, Warning, ValidationFailure
    except ImportError as e:
        print(f"w3c-validate: cannot load feedvalidator from {src}: {e}", file=sys.stderr)
        return 2
    feedvalidator.MAXDATALENGTH = args.max_bytes

    level_filter = compatibility.AAA if args.info else compatibility.AA
    failed = False
    for path in args.feeds:
        if not args.base:
            base = "file://" + os.path.abspath(path)
        elif args.base.endswith("/"):
            base = args.base + os.path.basename(path)
        else:
            base = args.base
        try:
            with open(path, "rb") as f:
                result = feedvalidator.validateStream(
                    f, firstOccurrenceOnly=0 if args.all else 1, base=base)
            events, feed_type = result["loggedEvents"], result.get("feedType")
        except ValidationFailure as vf:
            events, feed_type = [vf.event], None
        except OSError as e:
            print(f"{path}: error: {e}")
            failed = True
            continue
        events = level_filter(events)
        fmt = Formatter(events)
        n_err = n_warn = 0
        for event, line in zip(events, fmt):
            if isinstance(event, Error):
                level, n_err = "error", n_err + 1
            elif isinstance(event, Warning):
                level, n_warn = "warning", n_warn + 1
            else:
                level = "info"
            extra = []
            for key in ("parent", "element", "attr", "value"):
                if key in event.params and f"{event.params[key]}" not in line:
                    extra.append(f"{key}={event.params[key]!r}"[:120])
            tail = f" ({', '.join(extra)})" if extra else ""
            print(f"{path}: {level}: {line}{tail} [{type(event).__name__}]")
        kinds = {fvlog.TYPE_RSS1: "RSS 1.0", fvlog.TYPE_RSS2: "RSS 2.0",
                 fvlog.TYPE_ATOM: "Atom", fvlog.TYPE_ATOM_ENTRY: "Atom entry"}
        print(f"{path}: {kinds.get(feed_type, feed_type)}: "
              f"{n_err} error(s), {n_warn} warning(s)"
              + (" (first occurrence of each kind)" if not args.all else ""))
        failed |= n_err > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
