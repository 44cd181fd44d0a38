#!/usr/bin/python3
"""End-to-end: `centrallog bench` against a real collector.

Asserts:
* 3 producer processes x 500 entries, 2 latency samples each: the JSON report
  says exactly that, with no failures, and the database holds exactly the
  announcement, one "ready" entry per producer (each connects before the
  clock starts), every (producer, seq) pair once, and the latency probes;
* the text report names the counts;
* a collector whose rate limit holds entries back: bench says so (the rate
  would be the limiter's), reports how many, and exits 1;
* no collector: exit 3 and a message; bad arguments: exit 2.
"""

import json
import os
import subprocess

import cltest
from cltest import check, eq
import cli_data

BIN = cli_data.BIN
CLI = os.path.join(BIN, "centrallog")


def bench(c, *args):
    p = subprocess.run([CLI, "--address", c.sock, "bench"] + list(args), capture_output=True,
                       timeout=300, env=cli_data.cli_env())
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_exact_rows():
    with cltest.Collector(*cli_data.NO_RATE_LIMIT) as c:
        rc, out, err = bench(c, "-P", "3", "-n", "500", "-s", "64", "-L", "2", "--json")
        eq((rc, err), (0, ""), "bench --json exit status and stderr")
        r = json.loads(out)
        eq((r["producers"], r["entries"], r["size"], r["failures"], r["latency_us"]["samples"]),
           (3, 1500, 64, 0, 6), "bench report")
        check(r["entries_per_s"] > 0 and r["seconds"] > 0, "a rate was measured", out)
        rows = c.query("SELECT msg, fields FROM entries WHERE app = 'centrallog-bench'")
        eq(len(rows), 1 + 3 + 1500 + 6, "rows: announcement, ready x3, entries, probes")
        pairs = {(json.loads(f)["producer"], json.loads(f)["seq"]) for m, f in rows if f}
        eq(pairs, {(p, s) for p in range(3) for s in range(500)}, "every (producer, seq) once")
        eq(sorted(m for m, f in rows if m.startswith("bench producer")),
           ["bench producer %d ready" % i for i in range(3)], "ready entries")
        rc, out, err = bench(c, "-P", "2", "-n", "100", "-s", "16", "-L", "0")
        eq(rc, 0, "bench text exit status")
        check(out.startswith("2 producers x 100 entries x 16 bytes: 200 entries in "),
              "text report", out)
        c.stop()


def test_rate_limited():
    with cltest.Collector("--rate-limit-burst", "100") as c:
        rc, out, err = bench(c, "-P", "1", "-n", "500", "-s", "32", "-L", "0", "--json")
        r = json.loads(out)
        # One producer process: its "ready" entry and 99 more pass, 401 do not.
        eq((rc, r["suppressed"], r["failures"]), (1, 401, 0), "rate-limited bench")
        eq(err, "centrallog bench: the collector's rate limit held back 401 entries, so this "
                "measured the limiter; start a collector with --rate-limit-burst 0 to "
                "benchmark\n", "the explanation")
        c.stop()


def test_errors():
    with cltest.Collector() as c:
        rc, out, err = bench(c, "-P", "0")
        check(rc == 2 and "expected 1-256 producers" in err, "bad -P", rc, err)
        c.stop()
        rc, out, err = bench(c, "-P", "1", "-n", "10")
        check(rc == 3 and "no collector answered" in err, "no collector", rc, err)


if __name__ == "__main__":
    cltest.main("cli_bench", [test_exact_rows, test_rate_limited, test_errors])
