"""The wire protocol's lines (schema/PROTOCOL.md)."""

import json


def line(obj):
    """One protocol line (bytes) for a dict, compact, UTF-8, newline-terminated."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def entry(msg, app="e2e", level="info", **kw):
    d = {"app": app, "level": level, "msg": msg}
    d.update(kw)
    return d
