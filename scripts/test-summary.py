#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Sum up meson's test logs in one line CI can read: 'tests: N passed, N failed, N skipped'.

Counts test programs per build directory given (the plain and the sanitizer
pass each count), and inside cmocka programs it does not look: a program is
one test here. Exits 1 when any test failed or a log is missing.
"""
import json
import os
import sys


def main():
    passed = failed = skipped = 0
    for build in sys.argv[1:]:
        log = os.path.join(build, "meson-logs", "testlog.json")
        if not os.path.exists(log):
            print(f"test-summary: {log} is missing: the tests of {build} did not run")
            return 1
        with open(log) as f:
            for line in f:
                result = json.loads(line)["result"]
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
