"""One runner for every suite: runs a file's test functions, all or those
named on the command line, and prints one line per test and a summary.

    python3 tests/e2e/test_limits.py                      # every test
    python3 tests/e2e/test_limits.py test_max_connections # one (as ctest does)
    python3 tests/e2e/test_limits.py -k idle              # names containing "idle"
    python3 tests/e2e/test_limits.py --list               # the names, one a line

A test passes by returning, fails by raising, and is skipped by raising Skip
with the reason - never by returning without having checked anything."""

import os
import sys
import time
import traceback


class Skip(Exception):
    """A test that cannot run here (it says why): reported as skipped, never
    counted as passed."""


def need_root(what):
    """Skips the calling test unless it runs as root (CI does)."""
    if os.geteuid() != 0:
        raise Skip("needs root to " + what)


_NOT_CHECKED = []


def not_checked(what):
    """Records a part of the running test that cannot be checked here (the
    rest of the test still has to pass); listed in the summary."""
    _NOT_CHECKED.append(what)


def select(tests, argv):
    """The tests that argv (names, -k SUBSTRING, --list) selects. Raises
    SystemExit with status 2 for a name that is not one of tests."""
    names = [t.__name__ for t in tests]
    only, subs, i = [], [], 0
    while i < len(argv):
        a = argv[i]
        if a == "-k" and i + 1 < len(argv):
            subs.append(argv[i + 1])
            i += 2
            continue
        if a == "--list":
            print("\n".join(names))
            sys.exit(0)
        only.append(a)
        i += 1
    unknown = [n for n in only if n not in names]
    if unknown:
        sys.stderr.write("no test named %s in this suite (it has: %s)\n"
                         % (", ".join(unknown), ", ".join(names)))
        sys.exit(2)
    if not only and not subs:
        return list(tests)
    return [t for t in tests if t.__name__ in only or any(s in t.__name__ for s in subs)]


def run(label, tests, argv=None):
    """Runs the selected tests; prints `LABEL: N passed, M failed, K
    skipped`; returns the exit status: 1 on any failure or when nothing ran."""
    tests = select(tests, sys.argv[1:] if argv is None else argv)
    passed = failed = skipped = 0
    t_all = time.monotonic()
    for t in tests:
        t0 = time.monotonic()
        del _NOT_CHECKED[:]
        try:
            t()
        except Skip as why:
            skipped += 1
            print("SKIP %s: %s" % (t.__name__, why), flush=True)
        except Exception:
            failed += 1
            sys.stdout.flush()
            traceback.print_exc()
            sys.stderr.flush()
            print("FAIL %s (%.1fs)" % (t.__name__, time.monotonic() - t0), flush=True)
        else:
            passed += 1
            print("ok   %s (%.1fs)" % (t.__name__, time.monotonic() - t0), flush=True)
        for what in _NOT_CHECKED:
            print("     not checked here: %s" % what, flush=True)
    print("(%.1fs)" % (time.monotonic() - t_all))
    print("%s: %d passed, %d failed, %d skipped" % (label, passed, failed, skipped), flush=True)
    return 1 if failed or not (passed or skipped) else 0


def main(name, tests):
    """Runs the test functions (those named in sys.argv, or all); prints
    `e2e NAME: N passed, M failed, K skipped`; exits 1 on any failure."""
    sys.exit(run("e2e " + name, tests))
