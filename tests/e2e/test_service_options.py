#!/usr/bin/python3
"""The Windows service options on POSIX: refused with a clear message and
exit status 2, before anything is created, and absent from --help; the
message points to the systemd unit instead. (Under Wine they are tested by
tests/win/test_wine_service.py.)"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cltest  # noqa: E402
from cltest import check, eq  # noqa: E402

SERVICE_OPTIONS = [
    (["--install-service"], "install-service"),
    (["--install-service", "--service-account", "NT AUTHORITY\\NetworkService"],
     "install-service"),
    (["--uninstall-service"], "uninstall-service"),
    (["--service"], "service"),
    (["--service-account=x"], "service-account"),
]


def test_refused_on_posix():
    t = tempfile.mkdtemp(prefix="cl-e2e-svc-")
    try:
        base = ["--data-dir", os.path.join(t, "d"), "--address", os.path.join(t, "s.sock")]
        for args, name in SERVICE_OPTIONS:
            rc, out, err = cltest.run_daemon(base + args)
            eq(rc, 2, "exit status for %r" % args)
            eq(err, "centrallogd: --%s is Windows-only (it concerns the Windows Service "
               "Control Manager); on Linux, run the systemd unit (packaging/systemd, see the "
               "README)\n" % name, "message for %r" % args)
            eq(out, "", "stdout for %r" % args)
            eq(sorted(os.listdir(t)), [], "nothing created for %r" % (args,))
    finally:
        shutil.rmtree(t, ignore_errors=True)


def test_not_in_help():
    rc, out, err = cltest.run_daemon(["--help"])
    eq(rc, 0, "--help exit status")
    check("service" not in out, "--help on POSIX mentions no service option", out)


def test_not_in_config_file():
    """Even on Windows these are command-line actions, never settings."""
    t = tempfile.mkdtemp(prefix="cl-e2e-svc-")
    try:
        cfg = os.path.join(t, "c.json")
        with open(cfg, "w") as f:
            f.write('{"install-service": true}')
        rc, out, err = cltest.run_daemon(["--config", cfg, "--data-dir", os.path.join(t, "d")])
        eq(rc, 2, "exit status")
        eq(err, "centrallogd: --config %s: \"install-service\" cannot be set in a file\n" % cfg,
           "message")
    finally:
        shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_service_options", [test_refused_on_posix, test_not_in_help,
                                         test_not_in_config_file])
