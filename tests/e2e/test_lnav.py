#!/usr/bin/python3
"""lnav's formats for the text log (packaging/lnav/), read by the real lnav
(Debian's package) headless: `lnav -n -c ';SELECT ...' -c ':write-csv-to -'`.

Asserts, over text logs a real collector wrote with an entry at every level
(emergency to trace, with claimed and kernel PIDs, fields, extra and an
escaped newline):
* centrallog_log (--text-format text): exactly the expected rows - lnav's
  level (EMERGENCY is fatal, ALERT and CRITICAL critical), the collector's
  own level name (severity), host, app, pid, peer_pid, the message, fields
  and extra - and the file's marker line as an info entry of app
  centrallogd; lnav prints nothing on stderr with -W (the formats load and
  their samples match);
* centrallog_json_log (--text-format json): the same rows from the NDJSON
  log; the marker line has no ts or level and is lnav's "unknown";
* `lnav LOG LOG.1.gz` (text and NDJSON): the rotated, gzipped file and the
  live one, each entry with the file that holds it;
* the formats as installed (`cmake --install --prefix X`, then
  share/lnav/formats/centrallog/), used in place with `lnav -I
  X/share/lnav` and after `lnav -i` copied them into the (temporary) user's
  configuration.
lnav's configuration lives under a temporary HOME, never the user's.
"""

import csv
import io
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cltest  # noqa: E402
from cltest import check, eq  # noqa: E402

SRC = os.path.join(cltest.REPO, "packaging", "lnav")
FORMATS = ["centrallog_json_log.json", "centrallog_log.json"]
HOST = "lnav-host"
NULL = "<NULL>"


def lnav_exe():
    exe = shutil.which("lnav")
    check(exe is not None, "lnav not found: install Debian's lnav package (scripts/install-deps.sh "
          "does)")
    return exe


def cmake_install(prefix):
    build = os.path.dirname(os.path.dirname(os.path.abspath(cltest.daemon_path())))
    p = subprocess.run(["cmake", "--install", build, "--prefix", prefix], capture_output=True,
                       text=True, timeout=300)
    eq(p.returncode, 0, "cmake --install (stderr: %s)" % p.stderr)
    return os.path.join(prefix, "share", "lnav")


def lnav_env(home):
    return cltest.merge_env({"HOME": home, "XDG_CONFIG_HOME": None, "TZ": "UTC",
                             "LANG": "C.UTF-8", "LC_ALL": None, "TERM": "dumb"})


def run_lnav(home, args):
    """lnav with HOME at home, from an empty directory of its own: lnav
    falls back to writing its configuration into the working directory when
    it cannot make one in HOME, and that must show, not land somewhere."""
    cwd = os.path.join(os.path.dirname(home), "cwd")
    os.makedirs(cwd, exist_ok=True)
    p = subprocess.run([lnav_exe()] + args, capture_output=True, text=True, timeout=120,
                       env=lnav_env(home), stdin=subprocess.DEVNULL, cwd=cwd)
    eq(os.listdir(cwd), [], "lnav wrote nothing into its working directory")
    return p


def lnav_query(home, sql, log, extra=()):
    p = run_lnav(home, ["-W"] + list(extra) + ["-n", "-c", ";" + sql, "-c", ":write-csv-to -",
                                               log])
    eq(p.stderr, "", "lnav stderr")
    eq(p.returncode, 0, "lnav exit status")
    return list(csv.reader(io.StringIO(p.stdout)))


# Every level, most severe first; ts 10:00:00.00N UTC with N the position,
# in the future so that they follow the marker line (lnav shows a line whose
# time goes backwards at its predecessor's time).
ENTRIES = [
    dict(level="emergency", app="lnav-emerg", msg="disk gone", pid=4242, host="web-01",
         fields={"order": 81723}),
    dict(level="alert", app="lnav-alert", msg="fail over now"),
    dict(level="critical", app="lnav-crit", msg="critical one", pid="SELF"),
    dict(level="error", app="lnav-error", msg="line one\nline two", fields={"k": "v w"}),
    dict(level="warning", app="lnav-warn", msg="slow", custom=1),
    dict(level="notice", app="lnav-notice", msg="noticed"),
    dict(level="info", app="lnav-info", msg="started", host="web-02"),
    dict(level="debug", app="lnav-debug", msg="dbg"),
    dict(level="trace", app="lnav-trace", msg="trc"),
]
LNAV_LEVEL = {"emergency": "fatal", "alert": "critical"}


def ts_of(i):
    return "2036-11-27T10:00:00.%03d%03dZ" % (i + 1, 7)


def write_log(text_format):
    """A collector's text log holding ENTRIES; returns (its lines, collector
    tmp dir to remove, the log's path)."""
    c = cltest.Collector("--text-format", text_format, "--max-ts-ahead", "off", "--host", HOST)
    try:
        with c.connect() as k:
            for i, e in enumerate(ENTRIES):
                d = dict(e, ts=ts_of(i))
                if d.get("pid") == "SELF":
                    d["pid"] = os.getpid()
                k.send(d)
            ack = k.sync()
        eq((ack["accepted"], ack["rejected"]), (len(ENTRIES), 0), "ack")
        c.stop()
        with open(c.log, encoding="utf-8") as f:
            return f.read().splitlines(), c
    except BaseException:
        c.cleanup()
        raise


def expected_rows(marker_row):
    me = str(os.getpid())
    rows = [marker_row]
    for i, e in enumerate(ENTRIES):
        pid, peer = NULL, NULL
        if e.get("pid") == "SELF" or "pid" not in e:
            pid = me
        else:
            pid, peer = str(e["pid"]), me
        msg = e["msg"].replace("\n", "\\n")
        fields = json.dumps(e["fields"], separators=(",", ":")) if "fields" in e else NULL
        extra = '{"custom":1}' if "custom" in e else NULL
        rows.append(["2036-11-27 10:00:00.%03d" % (i + 1), LNAV_LEVEL.get(e["level"], e["level"]),
                     e["level"].upper(), e.get("host", HOST), e["app"], pid, peer, msg, fields,
                     extra])
    return rows


TEXT_SQL = ("SELECT log_time, log_level, severity, host, app, pid, peer_pid, log_body, fields, "
            "extra FROM centrallog_log ORDER BY log_line")


def marker_time(created):
    # '2026-12-04T19:19:16.169211Z' -> lnav's '2026-12-04 19:19:16.169'
    return created[:10] + " " + created[11:23]


def test_text_log_every_level():
    lines, c = write_log("text")
    tmp = cltest.make_tempdir("cl-e2e-lnav-")
    try:
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        share = cmake_install(os.path.join(tmp, "prefix"))
        check(lines[0].startswith("# centrallogd text log (format: text;"), "marker line",
              lines[0])
        created = lines[0].rsplit(", created ", 1)[1]
        marker = [marker_time(created), "info", NULL, NULL, "centrallogd", NULL, NULL,
                  "text log (format: text; one entry per line, see PROTOCOL.md)", NULL, NULL]
        rows = lnav_query(home, TEXT_SQL, c.log, ["-I", share])
        eq(rows[0], ["log_time", "log_level", "severity", "host", "app", "pid", "peer_pid",
                     "log_body", "fields", "extra"], "header")
        eq(rows[1:], expected_rows(marker), "rows of centrallog_log")
    finally:
        c.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


JSON_SQL = ("SELECT log_time, log_level, host, app, pid, peer, log_body, fields, extra "
            "FROM centrallog_json_log ORDER BY log_line")


def test_json_log_every_level_installed_with_lnav_i():
    lines, c = write_log("json")
    tmp = cltest.make_tempdir("cl-e2e-lnav-")
    try:
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        share = cmake_install(os.path.join(tmp, "prefix"))
        files = [os.path.join(share, "formats", "centrallog", f) for f in FORMATS]
        p = run_lnav(home, ["-i"] + files)
        eq(p.returncode, 0, "lnav -i exit status (stderr: %s)" % p.stderr)
        installed = os.path.join(home, ".lnav", "formats", "installed")
        eq(sorted(os.listdir(installed)), FORMATS, "lnav -i copied the formats to ~/.lnav")
        rows = lnav_query(home, JSON_SQL, c.log)
        me = str(os.getpid())
        want = [["log_time", "log_level", "host", "app", "pid", "peer", "log_body", "fields",
                 "extra"]]
        # The marker line: no ts (lnav gives it the next line's), no level.
        want.append(["2036-11-27 10:00:00.001", "unknown"] + [NULL] * 7)
        for r in expected_rows(None)[1:]:
            i = len(want) - 2
            e = ENTRIES[i]
            peer = '{"pid":%s,"uid":%d,"gid":%d}' % (me, os.getuid(), os.getgid())
            pid = str(e["pid"]) if isinstance(e.get("pid"), int) else (
                me if e.get("pid") == "SELF" else NULL)
            want.append([r[0], r[1], r[3], r[4], pid, peer, e["msg"], r[8], r[9]])
        eq(rows, want, "rows of centrallog_json_log")
        check(lines[0].startswith('{"centrallogd":"text log"'), "NDJSON marker line", lines[0])
    finally:
        c.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def test_rotated_gz_with_the_live_file():
    """An operator's `lnav centrallog.log*`: the rotated, gzipped file (lnav
    reads .gz itself) and the live one, both recognised as centrallog_log,
    every entry from the file that holds it - text and NDJSON alike."""
    for fmt, table in (("text", "centrallog_log"), ("json", "centrallog_json_log")):
        c = cltest.Collector("--text-format", fmt)
        tmp = cltest.make_tempdir("cl-e2e-lnav-")
        try:
            home = os.path.join(tmp, "home")
            os.mkdir(home)
            share = cmake_install(os.path.join(tmp, "prefix"))
            with c.connect() as k:
                for lvl in ("emergency", "alert", "error"):
                    k.send(cltest.entry("before " + lvl, app="lnav-old", level=lvl))
                eq(k.sync()["accepted"], 3, "ack")
            p = subprocess.run([os.path.join(os.path.dirname(cltest.daemon_path()), "centrallog"),
                                "rotate", "--address", c.sock], capture_output=True, text=True,
                               timeout=60)
            eq(p.returncode, 0, "centrallog rotate (stderr: %s)" % p.stderr)
            c.wait_compressed()
            with c.connect() as k:
                k.send(cltest.entry("after\nthe rotation", app="lnav-new", level="trace"))
                eq(k.sync()["accepted"], 1, "ack")
            c.stop()
            gz = c.log + ".1.gz"
            eq(sorted(f for f in os.listdir(c.dir) if f.startswith("centrallog.log")),
               ["centrallog.log", "centrallog.log.1.gz"], "the live and the rotated file")
            rows = lnav_query(home, "SELECT log_path, log_level, app, log_body FROM %s "
                              "WHERE app LIKE 'lnav-%%' ORDER BY log_line" % table,
                              c.log, ["-I", share, gz])
            body = "after\\nthe rotation" if fmt == "text" else "after\nthe rotation"
            eq(rows, [["log_path", "log_level", "app", "log_body"],
                      [gz, "fatal", "lnav-old", "before emergency"],
                      [gz, "critical", "lnav-old", "before alert"],
                      [gz, "error", "lnav-old", "before error"],
                      [c.log, "trace", "lnav-new", body]], "rows of %s over both files" % table)
        finally:
            c.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


def test_formats_installed():
    tmp = cltest.make_tempdir("cl-e2e-lnav-")
    try:
        share = cmake_install(os.path.join(tmp, "prefix"))
        d = os.path.join(share, "formats", "centrallog")
        eq(sorted(os.listdir(d)), FORMATS, "formats installed in %s" % d)
        for f in FORMATS:
            with open(os.path.join(d, f), "rb") as a, open(os.path.join(SRC, f), "rb") as b:
                eq(a.read(), b.read(), "installed %s is the source" % f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_lnav", [test_text_log_every_level,
                              test_json_log_every_level_installed_with_lnav_i,
                              test_rotated_gz_with_the_live_file,
                              test_formats_installed])
