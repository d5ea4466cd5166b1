"""The pass/fail counter the e2e check scripts share: check(cond, what) counts and prints a
failure; finish() prints the counts and exits 1 if anything failed."""
import sys

_counts = {"passed": 0, "failed": 0}


def check(cond, what):
    if cond:
        _counts["passed"] += 1
    else:
        _counts["failed"] += 1
        print("FAIL:", what)


def failures():
    return _counts["failed"]


def finish():
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    sys.exit(1 if _counts["failed"] else 0)
