#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Print "PASSED FAILED" summed over a meson testlog.json.

Each test's output is searched for Check's summary line ("Checks: N,
Failures: F, Errors: E") and for our runners' "N passed, M failed" lines;
a test that printed neither counts as one check, passed or failed by its
meson result. With --text FILE, the "N passed, M failed" lines of a plain
log (none: one failure).
"""
import json
import re
import sys

check_re = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
plain_re = re.compile(r"^(\d+) passed, (\d+) failed", re.M)
passed = failed = 0
if sys.argv[1] == "--text":
    with open(sys.argv[2], errors="replace") as f:
        counts = plain_re.findall(f.read())
    print(sum(int(p) for p, _ in counts) if counts else 0,
          sum(int(fl) for _, fl in counts) if counts else 1)
    sys.exit(0)
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        out = t.get("stdout", "") or ""
        found = False
        for n, fl, er in check_re.findall(out):
            passed += int(n) - int(fl) - int(er)
            failed += int(fl) + int(er)
            found = True
        for p, fl in plain_re.findall(out):
            passed += int(p)
            failed += int(fl)
            found = True
        ok = t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
        if not found:
            passed += ok
            failed += not ok
        elif not ok and not re.search(r"Failures: [1-9]|Errors: [1-9]|[1-9]\d* failed", out):
            failed += 1   # crashed or timed out after printing its counts
print(passed, failed)
