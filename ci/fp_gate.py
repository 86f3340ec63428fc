#!/usr/bin/env python3
"""Fails CI when the feedparser conformance score drops below the floors the project has reached.

Usage: fp_gate.py FP_JSON   (the --json output of shared/tools/fp-conformance.py)
Floors are per folder (in-scope pass rate) plus sanitize safety; raise them as the score rises.
"""
import json
import sys
from collections import defaultdict

# In-scope pass-rate floors, in percent. The acceptance bar is 90 in each of these.
FLOORS = {
    "overall": 90.0,
    "wellformed/rss": 90.0,
    "wellformed/atom10": 90.0,
    "wellformed/atom": 90.0,
    "wellformed/rdf": 90.0,
    "wellformed/base": 90.0,
    "wellformed/amp": 90.0,
    "entities": 90.0,
    "encoding": 90.0,
    "wellformed/sanitize": 100.0,
}


def main():
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    tally = defaultdict(lambda: [0, 0])
    for c in data["cases"]:
        if c["status"] not in ("pass", "fail"):
            continue
        ok = c["status"] == "pass"
        for key in (c["folder"], "overall"):
            tally[key][0] += ok
            tally[key][1] += 1
    failed = 0
    for folder, floor in FLOORS.items():
        passed, total = tally.get(folder, [0, 0])
        rate = 100.0 * passed / total if total else 100.0
        verdict = "ok" if rate + 1e-9 >= floor else "BELOW FLOOR"
        failed += verdict != "ok"
        print(f"{folder:24} {passed:5}/{total:<5} {rate:6.1f}%  floor {floor:5.1f}%  {verdict}")
    print(f"conformance floors: {len(FLOORS) - failed} met, {failed} below")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
