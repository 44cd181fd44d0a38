#!/usr/bin/python3
"""End-to-end: syslog+tls:// (RFC 5425) to a real syslog-ng with a TLS
source (schema/FORWARDING.md, "TLS").

Each test makes a test CA, a server certificate for localhost and
127.0.0.1, a client certificate, and a second, unrelated CA, with openssl,
in its own directory; syslog-ng (unpacked, as in test_forward.py) listens
with transport("tls") on a free loopback port.

Asserts:
* exact delivery: every entry, hostile ones included, rebuilt field by
  field from what syslog-ng parsed, equals the database's row; all
  confirmed, nothing retried;
* the wrong CA: refused, the reason ("The certificate issuer is unknown")
  is the last error in stats and `centrallog status`, nothing arrives; the
  same database restarted with the right CA delivers every entry once;
* an expired receiver certificate is refused ("expired certificate");
* a name the certificate does not hold (peer-name=) is refused with
  GnuTLS's "does not match" and nothing arrives;
* a receiver requiring a client certificate refuses a collector without
  one (nothing arrives, the reason visible) and takes every entry from one
  with cert= and key=;
* the receiver stopped and restarted while entries keep coming: every entry
  arrives, in order;
* a missing CA file and half a client certificate are reported as such;
* a receiver that accepts the TCP connection and never answers the TLS
  handshake does not hold a stop up (a handshake is given 10 s).
"""

import os
import re
import socket
import subprocess
import time

import cltest
from cltest import check, eq, wait_for

import test_forward as fw


def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    check(p.returncode == 0, "openssl " + " ".join(args), p.stdout.decode())


def make_pki(d):
    """ca.crt, server.{crt,key} (localhost, 127.0.0.1), client.{crt,key},
    other-ca.crt: P-256 keys, valid for two days; expired.crt: the server's
    key, expired since yesterday."""
    os.makedirs(d, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", *ec, "-keyout", ca + ".key", "-out", ca + ".crt", "-days", "2",
                "-subj", "/CN=CentralLog test %s" % ca,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    exts = {"server": "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                      "extendedKeyUsage=serverAuth\n",
            "client": "extendedKeyUsage=clientAuth\n"}
    for name, ext in exts.items():
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + ext)
        openssl("req", "-new", *ec, "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=%s" % ("localhost" if name == "server" else "centrallog client"),
                cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", name + ".ext",
                "-out", name + ".crt", cwd=d)
    # -days -1: valid until a day before it was made.
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "-1", "-extfile", "server.ext", "-out", "expired.crt",
            cwd=d)
    return d


class TlsSyslogNg(fw.SyslogNg):
    """syslog-ng with an RFC 5425 source: the server certificate, and with
    require_client, a client certificate signed by the test CA required."""

    def __init__(self, workdir, port, pki, require_client=False, cert="server.crt"):
        super().__init__(workdir, port)
        verify = "required-trusted" if require_client else "optional-untrusted"
        with open(self.conf, "w") as f:
            f.write('@version: 3.38\n'
                    'options { keep-hostname(yes); use-dns(no); dns-cache(no); frac-digits(6); '
                    'stats-freq(0); flush-lines(1); log-fifo-size(100000); };\n'
                    'source s { syslog(ip("127.0.0.1") port(%d) transport("tls") '
                    'tls(key-file("%s/server.key") cert-file("%s/%s") '
                    'ca-file("%s/ca.crt") peer-verify(%s)) '
                    'log-msg-size(1048576) max-connections(10) log-iw-size(100000)); };\n'
                    'destination d { file("%s" time-zone("UTC") template("%s")); };\n'
                    'log { source(s); destination(d); };\n'
                    % (port, pki, pki, cert, pki, verify, self.out, fw.TEMPLATE))


def url(port, pki, host="127.0.0.1", **params):
    q = "&".join("%s=%s" % (k.replace("_", "-"), os.path.join(pki, v) if k in (
        "ca", "cert", "key") else v) for k, v in params.items())
    return "syslog+tls://%s:%d%s" % (host, port, "?" + q if q else "")


def send_entries(c, entries):
    with c.connect() as k:
        k.send(entries)
        ack = k.sync()
    eq((ack["accepted"], ack["rejected"]), (len(entries), 0), "ack")


def check_delivered(c, ng):
    """Every stored row arrived once, in order, equal field by field."""
    rows = fw.stored(c)
    got = ng.wait_count(len(rows))
    eq(fw.ids_of(got), [r["id"] for r in rows], "ids, once each, in order")
    for rec, row in zip(got, rows):
        r = fw.rebuild(rec)
        r.pop("facility")
        for k in row:
            eq(r[k], row[k], "%s of entry %s" % (k, row["id"]))
    wait_for(lambda: c.stats()["forward"][0]["confirmed"] == len(rows), "all confirmed")
    st = c.stats()["forward"][0]
    eq((st["state"], st["retried"], st["behind"]), ("connected", 0, 0), "stats")
    return rows


def check_refused(c, ng, reason):
    """Backing off with reason in the last error (stats and status), and
    nothing at the receiver."""
    wait_for(lambda: c.stats()["forward"][0]["connect_errors"] >= 2, "refused twice")
    st = c.stats()["forward"][0]
    check(reason in st["last_error"], "the reason in last_error", st["last_error"])
    eq((st["cursor"], st["confirmed"]), (0, 0), "nothing confirmed")
    text = fw.status_text(c)
    check(re.search(r"last error: .*%s" % re.escape(reason), text), "the reason in status", text)
    eq(fw.stable_count(ng), 0, "nothing at the receiver")
    return st["last_error"]


def test_tls_fields_match():
    """Exact delivery over TLS, field by field, host name checked."""
    tmp = cltest.make_tempdir("cl-fwdtls-")
    pki = make_pki(os.path.join(tmp, "pki"))
    port = fw.free_port()
    ng = TlsSyslogNg(tmp, port, pki).start()
    try:
        # localhost: the certificate's DNS name; the IP address is the
        # other tests' (its IP SAN).
        with cltest.Collector("--max-entry-bytes", "128K", "--forward",
                              url(port, pki, host="localhost", ca="ca.crt")) as c:
            sent = fw.hostile_entries()
            sent += [cltest.entry("entry %d" % i, app="app%d" % (i % 7),
                                  level=fw.LEVELS[i % 9], fields={"i": i}) for i in range(300)]
            send_entries(c, sent)
            rows = check_delivered(c, ng)
            eq(len(rows), len(sent), "rows")
            c.stop()
    finally:
        ng.stop()
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def test_tls_wrong_ca_then_right():
    """Unknown issuer: refused, said, nothing sent; the right CA delivers."""
    tmp = cltest.make_tempdir("cl-fwdtls-")
    pki = make_pki(os.path.join(tmp, "pki"))
    data = os.path.join(tmp, "data")
    port = fw.free_port()
    ng = TlsSyslogNg(tmp, port, pki).start()
    entries = [cltest.entry("e%d" % i, app="w") for i in range(500)]
    try:
        with cltest.Collector("--forward", url(port, pki, ca="other-ca.crt"),
                              data_dir=data) as c:
            send_entries(c, entries)
            err = check_refused(c, ng, "The certificate issuer is unknown")
            check(err.startswith("TLS: the certificate of 127.0.0.1:%d is refused" % port),
                  "who refused what", err)
            c.stop()
        with cltest.Collector("--forward", url(port, pki, ca="ca.crt"), data_dir=data) as c:
            rows = check_delivered(c, ng)
            eq(len(rows), len(entries), "rows")
            c.stop()
    finally:
        ng.stop()
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def test_tls_name_mismatch():
    """A peer name the certificate does not hold: refused, nothing sent."""
    tmp = cltest.make_tempdir("cl-fwdtls-")
    pki = make_pki(os.path.join(tmp, "pki"))
    port = fw.free_port()
    ng = TlsSyslogNg(tmp, port, pki).start()
    try:
        with cltest.Collector("--forward", url(port, pki, ca="ca.crt",
                                               peer_name="logs.example.org")) as c:
            send_entries(c, [cltest.entry("e%d" % i) for i in range(50)])
            check_refused(c, ng, "The name in the certificate does not match the expected")
            c.stop()
    finally:
        ng.stop()
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def test_tls_expired():
    """An expired receiver certificate: refused, said, nothing sent."""
    tmp = cltest.make_tempdir("cl-fwdtls-")
    pki = make_pki(os.path.join(tmp, "pki"))
    port = fw.free_port()
    ng = TlsSyslogNg(tmp, port, pki, cert="expired.crt").start()
    try:
        with cltest.Collector("--forward", url(port, pki, ca="ca.crt")) as c:
            send_entries(c, [cltest.entry("e%d" % i) for i in range(50)])
            check_refused(c, ng, "The certificate chain uses expired certificate.")
            c.stop()
    finally:
        ng.stop()
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def test_tls_client_certificate():
    """Client certificate required: refused without, delivered with."""
    tmp = cltest.make_tempdir("cl-fwdtls-")
    pki = make_pki(os.path.join(tmp, "pki"))
    data = os.path.join(tmp, "data")
    port = fw.free_port()
    ng = TlsSyslogNg(tmp, port, pki, require_client=True).start()
    entries = [cltest.entry("e%d" % i, app="c") for i in range(500)]
    try:
        with cltest.Collector("--forward", url(port, pki, ca="ca.crt"), data_dir=data) as c:
            send_entries(c, entries)
            err = check_refused(c, ng, "Certificate is required")
            eq(err, "TLS: 127.0.0.1:%d refused this client: Certificate is required" % port,
               "the receiver's alert")
            c.stop()
        with cltest.Collector("--forward", url(port, pki, ca="ca.crt", cert="client.crt",
                                               key="client.key"), data_dir=data) as c:
            rows = check_delivered(c, ng)
            eq(len(rows), len(entries), "rows")
            c.stop()
    finally:
        ng.stop()
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def test_tls_bad_files():
    """A CA file that is not there is the last error, by name."""
    tmp = cltest.make_tempdir("cl-fwdtls-")
    port = fw.free_port()
    try:
        missing = os.path.join(tmp, "nope.pem")
        with cltest.Collector("--forward", "syslog+tls://127.0.0.1:%d?ca=%s" % (port, missing)) \
                as c:
            wait_for(lambda: c.stats()["forward"][0]["connect_errors"] >= 1, "refused")
            err = c.stats()["forward"][0]["last_error"]
            check(err.startswith("ca=%s: " % missing), "names the file", err)
            c.stop()
        p = subprocess.run([os.environ.get("CENTRALLOGD", os.path.join(fw.BIN, "centrallogd")),
                            "--forward", "syslog+tls://127.0.0.1:%d?cert=/c.pem" % port],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        eq(p.returncode, 2, "exit status")
        check(b"cert and key go together" in p.stderr, "half a client certificate", p.stderr)
    finally:
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def test_tls_receiver_restarted():
    """The receiver stops (closing its TLS sessions) while entries keep
    coming: the close is noticed, backed off, and after its restart every
    entry has arrived, in order; none was counted confirmed unreceived."""
    tmp = cltest.make_tempdir("cl-fwdtls-")
    pki = make_pki(os.path.join(tmp, "pki"))
    port = fw.free_port()
    ng = TlsSyslogNg(tmp, port, pki).start()
    try:
        with cltest.Collector("--forward", url(port, pki, ca="ca.crt")) as c:
            send_entries(c, [cltest.entry("a%d" % i) for i in range(200)])
            ng.wait_count(200)
            ng.stop()
            send_entries(c, [cltest.entry("b%d" % i) for i in range(200)])
            wait_for(lambda: c.stats()["forward"][0]["connect_errors"] >= 1, "noticed")
            st = c.stats()["forward"][0]
            eq((st["cursor"] < 400, st["state"] in ("backoff", "connecting")), (True, True),
               "waiting for the receiver")
            ng.start()
            got = ng.wait_count(400)
            ids = fw.ids_of(got)
            # What was in flight at the stop may come twice; nothing is missing.
            eq(sorted(set(ids)), list(range(1, 401)), "every id")
            eq(ids, sorted(ids), "in order")
            wait_for(lambda: c.stats()["forward"][0]["cursor"] == 400, "all confirmed")
            c.stop()
    finally:
        ng.stop()
        cltest.shutil.rmtree(tmp, ignore_errors=True)


def stop_while_handshaking(url_of_port, why=""):
    """A receiver that accepts the connection and never answers the TLS
    handshake: the collector still stops within 5 s."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    try:
        with cltest.Collector("--forward", url_of_port(srv.getsockname()[1])) as c:
            conn, _ = srv.accept()
            wait_for(lambda: c.stats()["forward"][0]["state"] == "connecting", "handshaking")
            time.sleep(0.5)
            eq(c.stats()["forward"][0]["state"], "connecting", "still handshaking")
            t0 = time.monotonic()
            c.stop()
            took = time.monotonic() - t0
            check(took < 5.0, "stopped within 5 s" + why, took)
            conn.close()
    finally:
        srv.close()


def test_tls_stop_while_handshaking():
    """A silent receiver: the handshake gives way to a stop at once."""
    stop_while_handshaking(lambda port: "syslog+tls://127.0.0.1:%d" % port,
                           " (a handshake may take 10 s)")


TESTS = [test_tls_fields_match, test_tls_wrong_ca_then_right, test_tls_name_mismatch,
         test_tls_expired, test_tls_client_certificate, test_tls_bad_files,
         test_tls_receiver_restarted, test_tls_stop_while_handshaking]

if __name__ == "__main__":
    cltest.main("forward_tls", TESTS)
