#!/usr/bin/python3
"""End-to-end: the pager of `centrallog` (tools/pager.h), as journalctl's.

Asserts, with the CLI's stdout a real terminal (a tmux pane):
* query, stats and rejects write through $CENTRALLOG_PAGER, else $PAGER
  (run by sh -c: the fake pager records its argv, $LESS and its stdin),
  which gets exactly the text the CLI prints to a pipe; $LESS is journalctl's
  FRSXMK when unset and the user's own when set;
* -e/--pager-end adds "+G" to $LESS and shows the last 1000 entries (-n 1000
  unless -n is given);
* no pager: --no-pager, CENTRALLOG_PAGER or PAGER set to "" or cat,
  TERM=dumb, following (-f, tail), stdout not a terminal;
* a pager that quits before reading everything: exit status 0, nothing on
  stderr;
* the default pager, the real less(1): the first screen shows, `q` quits,
  the CLI exits 0 after it (it waited for the pager);
* test_secure_mode: run through sudo or pkexec (SUDO_UID, PKEXEC_UID) the
  CLI ignores $PAGER and $CENTRALLOG_PAGER and runs less with LESSSECURE=1
  (no shell escape as the elevated user, CVE-2023-26604 in systemd), never
  more; "" or cat still mean none; CENTRALLOG_PAGERSECURE=0 trusts the
  user's pager again, =1 forces secure mode;
* test_pager_not_found: a pager command whose program does not exist falls
  back to less (journalctl's fallback) instead of losing the output;
* test_centrallog_less: $CENTRALLOG_LESS (journalctl's $SYSTEMD_LESS)
  overrides $LESS and FRSXMK;
* test_ctrl_c_in_less: with less told not to quit on Ctrl-C (no K), the CLI
  ignores SIGINT while less runs, as journalctl; with K both end.
"""

import os
import shlex
import shutil
import sqlite3
import subprocess
import time

import cltest
from cltest import check, eq
import cli_data
from cli_data import CLI, run

FAKE = """#!/bin/sh
out=%s
{ printf 'argv:'; for a in "$0" "$@"; do printf ' [%%s]' "$a"; done
  printf '\\nLESS=%%s\\n' "${LESS-<unset>}"; } > "$out.meta"
cat > "$out.stdin"
"""

QUITTER = """#!/bin/sh
# Reads one line, then quits: the rest of the output has nowhere to go.
head -n 1 > %s.stdin
"""


SECURE_LESS = """#!/bin/sh
# Stands in for less on PATH: records its argv, LESSSECURE and LESS.
out=%s
{ printf 'argv:'; for a in "$0" "$@"; do printf ' [%%s]' "$a"; done
  printf '\\nLESSSECURE=%%s\\n' "${LESSSECURE-<unset>}"
  printf 'LESS=%%s\\n' "${LESS-<unset>}"; } > "$out.meta"
cat > "$out.stdin"
"""


def setup():
    global TMP, KNOWN, BIG, PAGER, QUIT, REC, FAKEBIN
    TMP = cltest.make_tempdir("cl-pager-")
    _, KNOWN = cli_data.build_known_db(TMP)
    # 1500 entries: more than -e's 1000, and more than a pipe's buffer.
    BIG = os.path.join(TMP, "big.db")
    shutil.copy(KNOWN, BIG)
    con = sqlite3.connect(BIG, isolation_level=None)
    con.executemany("INSERT INTO entries (ts, received, level, app, host, pid, msg) "
                    "VALUES (?, ?, 6, 'bulk', 'h', 1, ?)",
                    [(1800000000000000 + i, 1800000000000000 + i, "bulk entry %04d" % i)
                     for i in range(1500)])
    con.close()
    REC = os.path.join(TMP, "rec")
    PAGER = os.path.join(TMP, "fake-pager")
    with open(PAGER, "w") as f:
        f.write(FAKE % shlex.quote(REC))
    QUIT = os.path.join(TMP, "quitter")
    with open(QUIT, "w") as f:
        f.write(QUITTER % shlex.quote(REC))
    os.chmod(PAGER, 0o755)
    os.chmod(QUIT, 0o755)
    FAKEBIN = os.path.join(TMP, "bin")
    os.mkdir(FAKEBIN)
    with open(os.path.join(FAKEBIN, "less"), "w") as f:
        f.write(SECURE_LESS % shlex.quote(REC))
    os.chmod(os.path.join(FAKEBIN, "less"), 0o755)


def in_terminal(args, env, keys=(), rows=24, cols=120, screen_after=None, timeout=20,
                press_until_done=None):
    """Runs centrallog ARGS in a new tmux session (stdout and stdin a
    terminal), environment cli_env + env; sends keys (after screen_after
    seconds, capturing the screen first), then press_until_done every half
    second until the CLI ends (less drops what was typed ahead of a Ctrl-C
    it handles). Returns (exit status, screen or None, stderr)."""
    done = os.path.join(TMP, "done")
    errf = os.path.join(TMP, "stderr")
    for p in (done, errf, REC + ".meta", REC + ".stdin"):
        if os.path.exists(p):
            os.unlink(p)
    # A terminal that can page; no colours, so that the pager gets what a
    # pipe would (NO_COLOR), unless env says otherwise.
    full = cli_data.cli_env(None, dict({"TERM": "xterm", "NO_COLOR": "1"}, **(env or {})))
    envs = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(full.items())
                    if k in ENV_PASSED or k in (env or {}))
    # The pane's sh is in the foreground group too: a trap (reset to the
    # default in its children) keeps it alive through a Ctrl-C to record
    # the CLI's exit status.
    cmd = "trap : INT; env -i %s %s %s 2>%s; echo $? > %s.tmp; mv %s.tmp %s; sleep 60" % (
        envs, shlex.quote(CLI), " ".join(shlex.quote(a) for a in args), shlex.quote(errf),
        done, done, done)
    global SESSIONS
    SESSIONS += 1
    session = "clpager%d-%d" % (os.getpid(), SESSIONS)
    subprocess.run(["tmux", "-L", session, "new-session", "-d", "-s", session, "-x", str(cols),
                    "-y", str(rows), cmd], check=True, env=dict(os.environ, TMUX=""))
    screen = None
    try:
        if screen_after is not None:
            deadline = time.monotonic() + timeout
            # The first screen is there when its last line is less's prompt.
            while True:
                screen = subprocess.run(["tmux", "-L", session, "capture-pane", "-p", "-t",
                                         session], capture_output=True, text=True).stdout
                if screen_after(screen) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            check(not os.path.exists(done), "the CLI waits while the pager shows", screen)
        for k in keys:
            subprocess.run(["tmux", "-L", session, "send-keys", "-t", session, k], check=True)
        deadline = time.monotonic() + timeout
        pressed = time.monotonic()
        while not os.path.exists(done):
            if press_until_done is not None and time.monotonic() - pressed >= 0.5:
                subprocess.run(["tmux", "-L", session, "send-keys", "-t", session,
                                press_until_done], check=True)
                pressed = time.monotonic()
            if time.monotonic() >= deadline:
                check(False, "centrallog %s did not end" % " ".join(args), env,
                      subprocess.run(["tmux", "-L", session, "capture-pane", "-p", "-t", session],
                                     capture_output=True, text=True).stdout,
                      subprocess.run(["ps", "-ef"], capture_output=True, text=True).stdout)
            time.sleep(0.05)
        with open(done) as f:
            rc = int(f.read())
        with open(errf) as f:
            err = f.read()
        return rc, screen, err
    finally:
        subprocess.run(["tmux", "-L", session, "kill-server"], capture_output=True)


SESSIONS = 0

# What the pane's environment keeps from cli_env (it starts from nothing).
ENV_PASSED = ("TZ", "LC_ALL", "CENTRALLOG_DB", "TERM", "PATH", "HOME", "NO_COLOR")


def recorded():
    """(argv line, LESS line, stdin bytes) of the fake pager (the stand-in
    less: LESSSECURE line), or None."""
    if not os.path.exists(REC + ".meta"):
        return None
    with open(REC + ".meta") as f:
        meta = f.read().splitlines()
    with open(REC + ".stdin", "rb") as f:
        return meta[0], meta[1], f.read()


def piped(args, db):
    rc, out, err = run(args, db)
    eq((rc, err), (0, ""), "centrallog %s to a pipe" % " ".join(args))
    return out


def test_fake_pager():
    env = {"CENTRALLOG_DB": KNOWN, "PAGER": PAGER + " --flag", "LESS": None}
    rc, _, err = in_terminal([], env)
    eq((rc, err), (0, ""), "query through $PAGER")
    argv, less, stdin = recorded()
    eq(argv, "argv: [%s] [--flag]" % PAGER, "the pager runs by sh -c with its arguments")
    eq(less, "LESS=FRSXMK", "journalctl's LESS when unset")
    eq(stdin, piped([], KNOWN), "the pager reads what a pipe would get")
    # CENTRALLOG_PAGER first; the user's LESS is kept.
    env.update({"CENTRALLOG_PAGER": PAGER, "PAGER": "/nonexistent", "LESS": "-R"})
    rc, _, err = in_terminal(["-p", "err"], env)
    eq((rc, err), (0, ""), "query through $CENTRALLOG_PAGER")
    argv, less, stdin = recorded()
    eq((argv, less), ("argv: [%s]" % PAGER, "LESS=-R"), "CENTRALLOG_PAGER, the user's LESS")
    eq(stdin, piped(["-p", "err"], KNOWN), "-p err through the pager")
    # Colours are chosen for the terminal, before the pager takes stdout.
    rc, _, err = in_terminal(["-p", "err"], dict(env, NO_COLOR=None))
    eq((rc, err), (0, ""), "coloured through the pager")
    eq(recorded()[2], piped(["-p", "err", "--color", "always"], KNOWN), "the terminal's colours")
    # stats and rejects page too.
    for args in (["stats", "-S", "2026-11-27T10:00:00Z", "-U", "2026-11-27T11:00:00Z"],
                 ["rejects"]):
        rc, _, err = in_terminal(args, env)
        eq((rc, err), (0, ""), " ".join(args) + " through the pager")
        got = recorded()
        check(got is not None, args[0] + " uses the pager")
        if args[0] == "rejects":
            eq(got[2], piped(args, KNOWN), "rejects through the pager")
        else:
            check(got[2].startswith(b"13 entries since 2026-11-27T10:00:00"),
                  "stats through the pager", got[2][:200])


def test_pager_end():
    env = {"CENTRALLOG_DB": BIG, "PAGER": PAGER, "LESS": None}
    rc, _, err = in_terminal(["-e"], env)
    eq((rc, err), (0, ""), "-e")
    argv, less, stdin = recorded()
    eq(less, "LESS=FRSXMK +G", "-e adds +G")
    eq(stdin, piped(["-n", "1000"], BIG), "-e shows the last 1000")
    eq(stdin.count(b"\n"), 1000, "1000 lines")
    rc, _, err = in_terminal(["--pager-end", "-n", "3"], dict(env, LESS="-R"))
    argv, less, stdin = recorded()
    eq((rc, err, less), (0, "", "LESS=-R +G"), "--pager-end with the user's LESS")
    eq(stdin, piped(["-n", "3"], BIG), "-n wins over -e's 1000")


def test_no_pager():
    base = {"CENTRALLOG_DB": KNOWN, "PAGER": PAGER}
    cases = [
        ("--no-pager", ["--no-pager"], base),
        ("--no-pager after options", ["-p", "err", "--no-pager"], base),
        ("CENTRALLOG_PAGER=cat", [], dict(base, CENTRALLOG_PAGER="cat")),
        ("CENTRALLOG_PAGER empty", [], dict(base, CENTRALLOG_PAGER="")),
        ("PAGER=cat", [], dict(base, PAGER="cat")),
        ("PAGER empty", [], dict(base, PAGER="")),
        ("TERM=dumb", [], dict(base, TERM="dumb")),
        ("-f", ["-f", "--limit", "2"], base),
        ("tail", ["tail", "--limit", "2"], base),
    ]
    for what, args, env in cases:
        rc, _, err = in_terminal(args, env)
        eq((rc, err), (0, ""), what)
        eq(recorded(), None, "no pager with " + what)
    # Not a terminal: never a pager, whatever the environment says.
    rc, out, err = run([], KNOWN, {"PAGER": PAGER, "CENTRALLOG_PAGER": PAGER})
    eq((rc, err, recorded()), (0, "", None), "stdout a pipe")
    eq(out, piped([], KNOWN), "the output itself")
    # --no-pager is accepted by every command.
    rc, out, err = run(["status", "--no-pager", "--address", "/nonexistent/sock"])
    eq(rc, 3, "status --no-pager")


def test_pager_quits_early():
    env = {"CENTRALLOG_DB": BIG, "PAGER": QUIT}
    for args in ([], ["-o", "json"], ["-r"]):
        rc, _, err = in_terminal(args, env)
        eq((rc, err), (0, ""), "a pager that quits early: %s" % args)
        with open(REC + ".stdin", "rb") as f:
            eq(f.read(), piped(args, BIG).split(b"\n", 1)[0] + b"\n", "the line it read")


def test_real_less():
    env = {"CENTRALLOG_DB": BIG, "PAGER": None, "CENTRALLOG_PAGER": None, "LESS": None,
           "TERM": "screen"}
    first = piped(["--no-pager"], BIG).decode().splitlines()
    rc, screen, err = in_terminal([], env, keys=["q"], rows=12,
                                  screen_after=lambda s: "lines 1-11" in s)
    eq((rc, err), (0, ""), "less quit with q: exit 0")
    lines = screen.splitlines()
    eq(lines[:11], first[:11], "the first screen")
    check(lines[11].startswith("lines 1-11"), "less's long prompt (M of FRSXMK)", screen)
    # -e: less starts at the end.
    rc, screen, err = in_terminal(["-e"], env, keys=["q"], rows=12,
                                  screen_after=lambda s: "(END)" in s)
    eq((rc, err), (0, ""), "-e: less quit with q")
    lines = screen.splitlines()
    eq(lines[:11], first[-11:], "-e shows the last screen")
    check("lines 990-1000/1000" in lines[11], "-e: 1000 lines, at the end", screen)


def test_secure_mode():
    path = FAKEBIN + ":" + os.environ.get("PATH", "/usr/bin:/bin")
    base = {"CENTRALLOG_DB": KNOWN, "PAGER": PAGER, "CENTRALLOG_PAGER": PAGER, "PATH": path,
            "LESS": None}
    want = piped([], KNOWN)
    for what, extra in (("SUDO_UID", {"SUDO_UID": "1000"}),
                        ("PKEXEC_UID", {"PKEXEC_UID": "1000"}),
                        ("CENTRALLOG_PAGERSECURE=1", {"CENTRALLOG_PAGERSECURE": "1"})):
        rc, _, err = in_terminal([], dict(base, **extra))
        eq((rc, err), (0, ""), what)
        got = recorded()
        check(got is not None, what + ": a pager runs", got)
        eq(got[:2], ("argv: [%s/less]" % FAKEBIN, "LESSSECURE=1"),
           what + ": only less, in its secure mode, never the environment's command")
        eq(got[2], want, what + ": the output")
    # Off still means off; the user may trust their pager explicitly.
    rc, _, err = in_terminal([], dict(base, SUDO_UID="1000", PAGER="", CENTRALLOG_PAGER=""))
    eq((rc, err, recorded()), (0, "", None), "secure mode, pager off")
    rc, _, err = in_terminal([], dict(base, SUDO_UID="1000", CENTRALLOG_PAGERSECURE="0"))
    eq((rc, err), (0, ""), "CENTRALLOG_PAGERSECURE=0")
    eq(recorded()[0], "argv: [%s]" % PAGER, "the user's pager, trusted explicitly")
    # No elevation: the environment's pager as before.
    rc, _, err = in_terminal([], base)
    eq(recorded()[0], "argv: [%s]" % PAGER, "not elevated: the user's pager")


def test_pager_not_found():
    """A pager command whose program does not exist falls back to the
    default (less, here the recording stand-in), as journalctl's does: the
    output is not lost to "sh: not found" and an exit status 0."""
    path = FAKEBIN + ":" + os.environ.get("PATH", "/usr/bin:/bin")
    want = piped([], KNOWN)
    for what, extra in (("CENTRALLOG_PAGER a missing path",
                         {"CENTRALLOG_PAGER": "/nonexistent/pager"}),
                        ("PAGER a missing program", {"PAGER": "no-such-pager-cl --opt"})):
        rc, _, err = in_terminal([], dict({"CENTRALLOG_DB": KNOWN, "PATH": path, "LESS": None},
                                          **extra))
        eq((rc, err), (0, ""), what)
        got = recorded()
        check(got is not None, what + ": the default pager runs", got)
        eq(got[0], "argv: [%s/less]" % FAKEBIN, what + ": less instead")
        eq(got[2], want, what + ": the whole output")
        with open(REC + ".meta") as f:
            eq(f.read().splitlines()[2], "LESS=FRSXMK", what + ": with journalctl's options")
    # A shell command (not a plain program name) is left to sh as before.
    rc, _, err = in_terminal([], {"CENTRALLOG_DB": KNOWN, "PATH": path,
                                  "PAGER": "exec %s" % shlex.quote(PAGER)})
    eq((rc, err), (0, ""), "a shell command")
    eq(recorded()[0], "argv: [%s]" % PAGER, "sh ran the command")


def test_centrallog_less():
    """$CENTRALLOG_LESS, as journalctl's $SYSTEMD_LESS, overrides $LESS and
    the default (set but empty too); -e still adds +G."""
    env = {"CENTRALLOG_DB": KNOWN, "PAGER": PAGER, "LESS": "-R", "CENTRALLOG_LESS": "FRX"}
    for args, extra, want in (([], {}, "LESS=FRX"), (["-e"], {}, "LESS=FRX +G"),
                              ([], {"LESS": None}, "LESS=FRX"),
                              ([], {"CENTRALLOG_LESS": ""}, "LESS="),
                              ([], {"CENTRALLOG_LESS": None}, "LESS=-R")):
        rc, _, err = in_terminal(args, dict(env, **extra))
        eq((rc, err), (0, ""), "%s %s" % (args, extra))
        eq(recorded()[1], want, "$LESS for %s %s" % (args, extra))


def test_ctrl_c_in_less():
    """Ctrl-C reaches the CLI and less alike (one foreground group). Told not
    to quit on it (LESS without K), less stays and so does the CLI, as
    journalctl: it used to die at once, the shell's prompt coming back
    under a less still running. With K (the default) both end."""
    env = {"CENTRALLOG_DB": BIG, "PAGER": None, "CENTRALLOG_PAGER": None, "LESS": "-R",
           "TERM": "screen"}
    first = piped(["--no-pager"], BIG).decode().splitlines()
    rc, screen, err = in_terminal([], env, keys=["C-c"], rows=12,
                                  screen_after=lambda s: first[10] in s, press_until_done="q")
    eq((rc, err), (0, ""), "LESS=-R: Ctrl-C is less's (the CLI lives on), q quits both, exit 0")
    rc, screen, err = in_terminal([], dict(env, LESS="FRSXMK"), keys=["C-c"], rows=12,
                                  screen_after=lambda s: first[10] in s)
    eq((rc, err), (130, ""), "LESS=FRSXMK: Ctrl-C ends less and the CLI (SIGINT)")


TESTS = [test_fake_pager, test_pager_end, test_no_pager, test_pager_quits_early, test_real_less,
         test_secure_mode, test_pager_not_found, test_centrallog_less, test_ctrl_c_in_less]

if __name__ == "__main__":
    setup()
    try:
        cltest.main("cli_pager", TESTS)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
