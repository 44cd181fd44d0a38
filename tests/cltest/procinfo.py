"""What the kernel says about a collector process, for tests that bound its
memory or open many connections."""

import resource

from .check import check
from .process import daemon_path


def status_kib(pid, key):
    """A /proc/PID/status value in KiB (VmRSS, VmHWM, ...)."""
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith(key + ":"):
                return int(ln.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (key, pid))


def sanitized():
    """A collector built with AddressSanitizer keeps freed memory in quarantine
    and maps shadow memory (ThreadSanitizer too: make test-tsan): its
    resident size says nothing about ours."""
    with open(daemon_path(), "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__tsan_init" in data


def raise_fd_limit(need):
    """Raises this process's descriptor limit (which a collector it starts
    inherits) to at least need."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        check(hard >= need, "RLIMIT_NOFILE hard limit %d is below the %d descriptors needed"
              % (hard, need))
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
