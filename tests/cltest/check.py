"""Assertions that say what was expected and what came instead."""

import hashlib
import time


def _short(v, limit=600):
    r = repr(v)
    return r if len(r) <= limit else r[:limit] + "... (%d chars)" % len(r)


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %s, got %s" % (what, _short(expected), _short(actual)))


def check(cond, what, *details):
    if not cond:
        raise AssertionError(what + "".join("\n  " + _short(d, 2000) for d in details))


def wait_for(pred, what, timeout=30.0, interval=0.02):
    """Polls pred() until it returns something true (returned) or times out."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        check(time.monotonic() < deadline, "timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def diff_sets(actual, expected, what):
    """Asserts equality of two collections of strings, showing a sample of the difference."""
    a, e = set(actual), set(expected)
    if a != e:
        missing = sorted(e - a)
        extra = sorted(a - e)
        raise AssertionError("%s: %d missing (e.g. %s), %d unexpected (e.g. %s)"
                             % (what, len(missing), _short(missing[:5]), len(extra),
                                _short(extra[:5])))


def sha256_sorted(msgs):
    h = hashlib.sha256()
    for m in sorted(msgs):
        h.update(m.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
