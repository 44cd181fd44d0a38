"""Reading the collector's text log: marker line, escaping, line format."""

import gzip
import re

from .check import check

_TEXT_RE = re.compile(
    r"^(\S+) (\S+) (\[[^\s\[\]]+\]|[^\s\[\]]+)(?:\[(\d+)(?:,peer=(\d+))?\])? ([A-Z]+): (.*)$", re.S)

# The first line of every text file the collector creates (PROTOCOL.md).
TEXT_MARKS = (b"# centrallogd text log", b'{"centrallogd":"text log"')


def unescape_text(s):
    """Inverse of the plain text sink's escaping (\\\\ \\n \\r \\t \\xHH \\uHHHH \\UHHHHHHHH)."""
    out = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        d = s[i + 1]
        if d == "\\":
            out.append("\\")
            i += 2
        elif d == "n":
            out.append("\n")
            i += 2
        elif d == "r":
            out.append("\r")
            i += 2
        elif d == "t":
            out.append("\t")
            i += 2
        elif d == "x":
            out.append(chr(int(s[i + 2:i + 4], 16)))
            i += 4
        elif d == "u":
            out.append(chr(int(s[i + 2:i + 6], 16)))
            i += 6
        elif d == "U":
            out.append(chr(int(s[i + 2:i + 10], 16)))
            i += 10
        else:
            raise ValueError("unknown escape \\%s in %r" % (d, s))
    return "".join(out)


def strip_text_mark(data, what="text file"):
    """The bytes of a collector-written text file after its marker line
    (asserted to be there: the collector starts every file it creates so)."""
    if not data:
        return data
    check(data.startswith(TEXT_MARKS), "%s does not start with the marker line: %r"
          % (what, data[:80]))
    return data[data.index(b"\n") + 1:]


def read_file_maybe_gz(path):
    """The bytes of a text log file, decompressed if its name ends in .gz
    (a rotated file the collector gzipped)."""
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            return f.read()
    with open(path, "rb") as f:
        return f.read()


def read_text_file(path):
    """A text log file's entry lines as bytes, marker line left out (.gz
    files decompressed)."""
    return strip_text_mark(read_file_maybe_gz(path), path)


def parse_text_line(ln):
    """Splits `TS HOST APP[PID] LEVEL: REST` (REST = msg [ {fields}] [ extra={..}]).
    Returns a dict; 'msg' is the unescaped REST, valid when the entry had no
    fields and no extra keys."""
    m = _TEXT_RE.match(ln)
    if m is None:
        raise AssertionError("text line does not have the format TS HOST APP[PID] LEVEL: MSG: %r"
                             % ln)
    ts, host, app, pid, peer, level, rest = m.groups()
    own = app.startswith("[")
    return {"ts": ts, "host": host, "app": app.strip("[]") if own else unescape_text(app),
            "own": own, "pid": int(pid) if pid else None,
            "peer_pid": int(peer) if peer else None,
            "level": level, "rest": rest, "msg": unescape_text(rest), "raw_app": app}
