#!/usr/bin/python3
"""Conformance test for the CentralLog log-entry model.

Every file under EXAMPLES/valid and EXAMPLES/invalid is judged twice,
independently:

* in Python: strict I-JSON wire checks, then the JSON Schema
  (schema/log-entry.schema.json, draft 2020-12);
* by the C validator: `BIN file...` prints `<path>\t<verdict>` per file, the
  verdict being `ok` or a reason code from PROTOCOL.md.

A valid example must be accepted by both. An invalid example must be refused
by both, and the C reason must equal the file-name prefix before `--`
(e.g. `bad_level--warn.json` expects `bad_level`).

Run with Debian's /usr/bin/python3, which has python3-jsonschema:

    /usr/bin/python3 tests/schema/conformance.py --validator build/bin/cl-validate \
        --schema schema/log-entry.schema.json --examples schema/examples
"""

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match

# Reason codes of PROTOCOL.md. `too_large` and `truncated` are properties of a
# line on a socket, not of a document, so no example file can carry them.
REASON_CODES = {
    "too_large", "invalid_utf8", "control_char", "not_json", "too_deep",
    "not_object", "duplicate_key", "missing_field", "bad_type", "bad_level",
    "bad_timestamp", "bad_value", "too_long", "too_many_members", "nul_char",
    "bad_number", "truncated",
}

UTF8_BOM = b"\xef\xbb\xbf"


class WireError(Exception):
    """The bytes are not an I-JSON text; JSON Schema never gets to see them."""


def _reject_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise WireError(f"duplicate member name {key!r}")
        seen.add(key)
    return dict(pairs)


def _reject_constant(name):
    # json.loads accepts NaN, Infinity and -Infinity by default; RFC 8259 does not.
    raise WireError(f"{name} is not JSON")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise WireError(f"number {text} is not a finite double")
    return value


def _finite_int(text):
    # Python ints are unbounded, but the collector stores doubles: an integer
    # beyond the double range (about 1.8e308) is not a finite double either.
    if not math.isfinite(float(text)):
        raise WireError(f"integer of {len(text)} digits is not a finite double")
    return int(text)


def _check_unicode(value):
    """json.loads turns an unpaired \\uD800 escape into a lone surrogate; such a
    string cannot be encoded as UTF-8, which is exactly the I-JSON rule."""
    strings = [value] if isinstance(value, str) else []
    if isinstance(value, dict):
        strings = list(value)
        for member in value.values():
            _check_unicode(member)
    elif isinstance(value, list):
        for item in value:
            _check_unicode(item)
    for text in strings:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise WireError(f"unpaired surrogate in {text!r}") from None


def load_strict(data):
    """Decode one JSON text the way the collector's wire layer must."""
    if data.startswith(UTF8_BOM):
        raise WireError("UTF-8 byte order mark")
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as err:
        raise WireError(f"invalid UTF-8: {err}") from None
    try:
        document = json.loads(
            text,
            strict=True,  # raw control characters inside strings are errors
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_finite_int,
        )
    except (ValueError, RecursionError) as err:
        # json.JSONDecodeError is a ValueError
        raise WireError(f"not JSON: {err}") from None
    _check_unicode(document)
    return document


def python_verdict(validator, path):
    """Return None if the example is a valid entry, else a short explanation."""
    try:
        document = load_strict(path.read_bytes())
    except WireError as err:
        return f"wire: {err}"
    error = best_match(validator.iter_errors(document))
    if error is None:
        return None
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    message = error.message if len(error.message) <= 120 else error.message[:117] + "..."
    return f"schema at {where}: {message}"


def c_verdicts(validator_bin, paths):
    """Run the C validator once over all files; map each path to its verdict.

    A missing verdict (crash, unknown path in the output, missing binary) is
    left out of the map and reported by the caller as a failure."""
    try:
        proc = subprocess.run(
            [validator_bin, *map(str, paths)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
        )
    except OSError as err:
        print(f"cannot run validator {validator_bin}: {err}")
        return {}
    verdicts = {}
    # Decode leniently: the verdict lines are ASCII, a garbled line must not
    # hide the others.
    for line in proc.stdout.decode("utf-8", errors="replace").splitlines():
        path, sep, verdict = line.partition("\t")
        if sep:
            verdicts[path] = verdict.strip()
    # The validator exits non-zero when some file is invalid; only a signal or
    # missing output is suspicious, so show stderr then.
    if proc.returncode < 0 or len(verdicts) < len(paths):
        stderr = proc.stderr.decode("utf-8", errors="replace").strip()
        print(f"validator exited with {proc.returncode}"
              + (f"; stderr: {stderr[:500]}" if stderr else ""))
    return verdicts


def judge(path, expected, py_result, c_result):
    """Return the mismatch messages for one example (empty list = pass).

    `expected` is None for a valid example, else the expected reason code."""
    problems = []
    if expected is None:
        if py_result is not None:
            problems.append(f"Python refuses a valid example ({py_result})")
        if c_result != "ok":
            problems.append(f"C validator says {c_result or 'nothing'}, expected ok")
        return problems
    if expected not in REASON_CODES:
        problems.append(f"file name prefix {expected!r} is not a reason code")
    if py_result is None:
        problems.append("Python accepts an invalid example")
    if c_result != expected:
        problems.append(f"C validator says {c_result or 'nothing'}, expected {expected}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--validator", required=True, help="the C validator binary")
    parser.add_argument("--schema", required=True, type=Path, help="log-entry.schema.json")
    parser.add_argument("--examples", required=True, type=Path,
                        help="directory with valid/ and invalid/ subdirectories")
    args = parser.parse_args()

    schema = json.loads(args.schema.read_text(encoding="utf-8"))
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        print(f"{args.schema}: not a valid draft 2020-12 schema: {err.message}")
        print("conformance: 0 passed, 1 failed")
        return 1
    validator = Draft202012Validator(schema)

    # (path, expected reason or None for valid)
    examples = [(p, None) for p in sorted((args.examples / "valid").glob("*.json"))]
    examples += [(p, p.name.split("--", 1)[0])
                 for p in sorted((args.examples / "invalid").glob("*.json"))]
    if not examples:
        print(f"{args.examples}: no examples found under valid/ or invalid/")
        print("conformance: 0 passed, 0 failed")
        return 1

    c_results = c_verdicts(args.validator, [p for p, _ in examples])

    passed = failed = 0
    for path, expected in examples:
        problems = judge(path, expected, python_verdict(validator, path),
                         c_results.get(str(path)))
        for problem in problems:
            print(f"FAIL {path}: {problem}")
        if problems:
            failed += 1
        else:
            passed += 1

    print(f"conformance: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
