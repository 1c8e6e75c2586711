#!/usr/bin/env python3
"""summarize.py TESTLOG.json: counts Check test cases across meson's test log and prints
"N passed, N failed". A program without Check's summary (the fuzz drivers) counts as one test,
passed when meson says it ended well.
"""
import json
import re
import sys

SUMMARY = re.compile(r"^\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)", re.M)
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        test = json.loads(line)
        if test.get("result") == "SKIP":
            skipped += 1
            continue
        found = SUMMARY.findall(test.get("stdout", ""))
        if not found:
            if test.get("result") == "OK":
                passed += 1
            else:
                failed += 1
            continue
        for checks, failures, errors in found:
            bad = int(failures) + int(errors)
            passed += int(checks) - bad
            failed += bad
line = "%d passed, %d failed" % (passed, failed)
if skipped:
    line += ", %d skipped" % skipped
print(line)
