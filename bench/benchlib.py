"""benchlib.py - what the benchmark scripts share: starting a collector and
waiting until it accepts, one request/reply on the protocol (both from the
test toolkit, tests/cltest), machine facts."""
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from cltest import UnixSocket, wait_accepting  # noqa: E402


def start_collector(bin_dir, tmp, addr, *flags):
    """Starts centrallogd with its data in tmp and waits (up to 5 s) until it
    accepts on its socket. Rate limiting is off: these measure ingest, not
    limits."""
    d = subprocess.Popen([os.path.join(bin_dir, "centrallogd"), "--address", addr,
                          "--data-dir", tmp, "--quiet", "--rate-limit-burst", "0"] + list(flags))
    try:
        wait_accepting(d, UnixSocket(addr), 5.0)
    except BaseException:
        d.kill()
        d.wait()
        raise
    return d


def ask(addr, req):
    """Sends one control request and returns the reply."""
    return UnixSocket(addr).request(req)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
