"""How a test reaches a collector: a transport object names the address,
gives the collector's --address flag and says whether a collector accepts
there. UnixSocket is the POSIX one (with Conn, a producer connection);
WinePipe (cltest.wine) is a Windows named pipe probed through pipe_client.exe,
since a Linux process cannot open a pipe inside Wine."""

import json
import socket
import time

from .check import eq
from .wire import line


class Conn:
    """One producer connection."""

    def __init__(self, path, timeout=60.0):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except BaseException:
            self.sock.close()
            raise
        self.buf = b""

    def send(self, data):
        if isinstance(data, dict):
            data = line(data)
        elif isinstance(data, str):
            data = data.encode("utf-8")
        elif isinstance(data, (list, tuple)):
            data = b"".join(line(d) if isinstance(d, dict) else d for d in data)
        self.sock.sendall(data)

    def read_reply(self, timeout=60.0):
        """Next reply line as a dict; raises on timeout or end of stream."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no reply within %.0fs (buffered: %r)" % (timeout, self.buf))
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed while waiting for a reply "
                                     "(buffered: %r)" % self.buf)
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(ln.decode("utf-8"))
        except ValueError:
            raise AssertionError("reply is not JSON: %r" % ln)

    def request(self, obj, timeout=60.0):
        self.send(obj)
        return self.read_reply(timeout)

    def sync(self, id=1, timeout=60.0):
        ack = self.request({"op": "sync", "id": id}, timeout)
        eq(ack.get("op"), "ack", "reply to sync %r (%r)" % (id, ack))
        eq(ack.get("id"), id, "ack id")
        return ack

    def stats(self, timeout=60.0):
        st = self.request({"op": "stats"}, timeout)
        eq(st.get("op"), "stats", "reply to stats (%r)" % st)
        return st

    def shut_wr(self):
        self.sock.shutdown(socket.SHUT_WR)

    def read_eof(self, timeout=30.0):
        """Reads until the collector closes; returns the bytes left over."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("collector did not close the connection within %.0fs"
                                     % timeout)
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                return self.buf
            self.buf += chunk

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class UnixSocket:
    """A collector's Unix domain socket."""

    # Seconds between two probes while a collector starts.
    poll_interval = 0.01

    def __init__(self, path):
        self.path = path

    def __str__(self):
        return self.path

    def flags(self):
        return ["--address", self.path]

    def probe(self):
        """True when something accepts a connection at the address."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.path)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def connect(self, timeout=60.0):
        return Conn(self.path, timeout)

    def request(self, obj, timeout=60.0):
        """One request on a connection of its own; the reply as a dict."""
        with self.connect(timeout) as k:
            return k.request(obj, timeout)
