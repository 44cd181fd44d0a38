#!/usr/bin/python3
"""`make run` tells how to get centrallog on PATH (Makefile, run-banner).

Asserts:
* `make -s run-banner` prints exactly three lines: where the CLI is, the
  export line with the build's absolute bin directory, and a first query;
* the export line, run by sh, puts that very centrallog first on PATH
  (`command -v centrallog`), and it answers --version;
* `make -n run` runs the banner after building and before the collector.
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cltest  # noqa: E402
from cltest import check, eq  # noqa: E402


def build_rel():
    bin_dir = os.environ.get("CL_BIN_DIR") or os.path.dirname(cltest.daemon_path())
    return os.path.relpath(os.path.dirname(os.path.abspath(bin_dir)), cltest.REPO)


def make(*args):
    exe = shutil.which("make")
    check(exe is not None, "make not found (Debian's build-essential)")
    p = subprocess.run([exe, "--no-print-directory", "-C", cltest.REPO, "BUILD=" + build_rel()]
                       + list(args), capture_output=True, text=True, timeout=120,
                       env=cltest.merge_env({"MAKEFLAGS": None, "MAKELEVEL": None}))
    eq(p.returncode, 0, "make %s (stderr: %s)" % (" ".join(args), p.stderr))
    return p.stdout


def test_banner_puts_cli_on_path():
    bindir = os.path.join(cltest.REPO, build_rel(), "bin")
    out = make("-s", "run-banner")
    eq(out.splitlines(), [
        "centrallog, the command-line tool, is in %s; in another shell:" % bindir,
        "  export PATH=\"%s:$PATH\"" % bindir,
        "  centrallog --db %s/var/centrallog.db -n 20" % cltest.REPO,
    ], "make run's banner")
    export = out.splitlines()[1].strip()
    p = subprocess.run(["sh", "-c", export + "; command -v centrallog; centrallog --version"],
                       capture_output=True, text=True, timeout=60,
                       env=cltest.merge_env({"PATH": "/usr/bin:/bin"}))
    eq(p.returncode, 0, "sh (stderr: %s)" % p.stderr)
    lines = p.stdout.splitlines()
    eq(lines[0], os.path.join(bindir, "centrallog"), "centrallog found on PATH")
    check(lines[1].startswith("centrallog "), "centrallog --version answers", lines)


def test_run_prints_banner_before_collector():
    lines = make("-n", "run").splitlines()
    banner = [i for i, ln in enumerate(lines) if "export PATH=" in ln]
    daemon = [i for i, ln in enumerate(lines) if "/bin/centrallogd --data-dir ./var" in ln]
    build = [i for i, ln in enumerate(lines) if ln.startswith("cmake --build")]
    eq((len(banner), len(daemon), len(build)), (1, 1, 1), "make -n run: one of each (%r)" % lines)
    check(build[0] < banner[0] < daemon[0], "build, then the banner, then the collector", lines)


if __name__ == "__main__":
    cltest.main("test_run_banner", [test_banner_puts_cli_on_path,
                                    test_run_prints_banner_before_collector])
