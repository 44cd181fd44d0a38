"""Assertions that say what was expected and what came instead."""

import calendar
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


def clear_of_midnight(seconds, utc=True):
    """For a test whose expectations hold within one calendar day (entries
    "today", -S yesterday, -U today, computed by the test and again by the
    CLI a moment later): if the day (UTC's, or with utc=False the local one
    of $TZ) ends within `seconds`, waits until the next one has begun, so
    that the test runs within one day whatever the time it starts."""
    now = time.time()
    t = time.gmtime(now) if utc else time.localtime(now)
    midnight = (t.tm_year, t.tm_mon, t.tm_mday + 1, 0, 0, 0, 0, 0, -1)
    end = calendar.timegm(midnight) if utc else time.mktime(midnight)
    if end - now < seconds:
        time.sleep(end - now + 0.5)


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
