"""benchlib.py - what the benchmark scripts share: starting a collector and
waiting for its socket, one request/reply on the protocol, machine facts."""
import json
import os
import platform
import socket
import subprocess
import time


def start_collector(bin_dir, tmp, addr, *flags):
    """Starts centrallogd with its data in tmp and waits (up to 5 s) until its
    socket exists. Rate limiting is off: these measure ingest, not limits."""
    d = subprocess.Popen([os.path.join(bin_dir, "centrallogd"), "--address", addr,
                          "--data-dir", tmp, "--quiet", "--rate-limit-burst", "0"] + list(flags))
    for _ in range(500):
        if os.path.exists(addr):
            break
        time.sleep(0.01)
    return d


def ask(addr, req):
    """Sends one control request and returns the reply."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr)
    s.sendall((json.dumps(req) + "\n").encode())
    r = json.loads(s.makefile("rb").readline())
    s.close()
    return r


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
