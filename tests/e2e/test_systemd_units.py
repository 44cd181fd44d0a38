#!/usr/bin/python3
"""The systemd units in packaging/systemd/ (Linux).

Asserts:
* CMake configured both units into the build tree from their .in files, with
  nothing left unsubstituted;
* `systemd-analyze verify` accepts the system unit and (`--user`) the user
  unit: exit 0 and nothing at all on stderr (unknown keys and bad values are
  only warnings there, so silence is the real check). No systemd-analyze is a
  failure, not a skip: scripts/install-deps.sh installs Debian's systemd;
* the system unit's ExecStart, run as it is with /var/lib/centrallog and
  /run/centrallog moved under a temporary directory (created as systemd
  would: 0750 and 0755) and the unit's UMask, starts a collector that listens
  on the unit's socket, stores an entry (ack 1 accepted), survives the unit's
  reload signal (SIGHUP) and stores another, and exits 0 on SIGTERM; the
  socket is 0666, the database and the text log 0640 (group-readable);
* the user unit's ExecStart, run with %S and $XDG_RUNTIME_DIR moved likewise,
  listens on $XDG_RUNTIME_DIR/centrallog/CentralLog.sock without being told
  (as root it runs as nobody, since root's default address is /run/centrallog);
* every hardening and directory key of the system unit has exactly its
  intended value, and the ones that would break it (DynamicUser, PrivateUsers,
  AmbientCapabilities) are absent; the user unit's keys likewise;
* the sysusers.d line has type u, name centrallog, ID -, the GECOS and the
  home directory, and systemd-sysusers --root makes exactly that user and
  group from it;
* the socket units (centrallogd.socket, system and user) have exactly their
  keys, and ListenStream= is the address the service's collector uses (the
  system one's --address, the user one's default under %t); so has
  centrallogd-syslog.socket (ListenDatagram= in the service's runtime
  directory, Service=centrallogd.service); every unit names man:centrallogd(8);
* `cmake --install --prefix X` installs exactly the five units and the
  sysusers.d file, the services with ExecStart=X/bin/centrallogd (the .in
  files with only that substituted), also under DESTDIR (which the units
  never name); `systemd-analyze verify` accepts each installed service
  together with its socket units (and man finds their Documentation= with
  X/bin on PATH): exit 0, empty stderr.
"""

import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cltest  # noqa: E402
from cltest import check, eq  # noqa: E402
from cltest.db import connect_all  # noqa: E402

SRC = os.path.join(cltest.REPO, "packaging", "systemd")
BINDIR_VAR = "@CMAKE_INSTALL_FULL_BINDIR@"


def bin_dir():
    return os.environ.get("CL_BIN_DIR") or os.path.dirname(cltest.daemon_path())


def template(name):
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        return f.read()


def configured(name):
    """A .in file with the build's own bin directory, so that ExecStart names
    the centrallogd under test (systemd-analyze checks that it exists)."""
    text = template(name).replace(BINDIR_VAR, os.path.abspath(bin_dir()))
    check(re.search(r"@[A-Z_]+@", text) is None, "%s: unsubstituted @VAR@ left" % name, text)
    return text


def parse_unit(text):
    """{section: {key: [values in order]}}; comments and blank lines skipped.
    The units use no line continuations; a trailing backslash fails here."""
    out = {}
    section = None
    for ln in text.splitlines():
        s = ln.strip()
        if not s or s[0] in "#;":
            continue
        check(not s.endswith("\\"), "line continuation in a unit (not handled here): %r" % s)
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
            out.setdefault(section, {})
            continue
        check(section is not None and "=" in s, "unit line outside a section or without '=': %r"
              % s)
        k, v = s.split("=", 1)
        out[section].setdefault(k.strip(), []).append(v.strip())
    return out


def analyze():
    exe = shutil.which("systemd-analyze")
    check(exe is not None, "systemd-analyze not found: install Debian's systemd package "
          "(scripts/install-deps.sh does) - the units cannot be verified without it")
    return exe


def write_unit(d, text):
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "centrallogd.service")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


# ---------------------------------------------------------------- CMake

def test_cmake_configured_copies():
    build = os.path.dirname(os.path.abspath(bin_dir()))
    for name, sub in (("centrallogd.service.in", "system"),
                      ("centrallogd-user.service.in", "user")):
        path = os.path.join(build, "packaging", "systemd", sub, "centrallogd.service")
        check(os.path.exists(path), "CMake did not configure %s into %s" % (name, path))
        with open(path, encoding="utf-8") as f:
            text = f.read()
        start = parse_unit(text)["Service"]["ExecStart"][0]
        exe = shlex.split(start)[0]
        check(exe.startswith("/") and exe.endswith("/centrallogd"),
              "%s: ExecStart runs an absolute .../centrallogd" % path, start)
        check(re.search(r"@[A-Z_]+@", text) is None, "%s: unsubstituted @VAR@ left" % path)
        eq(text, template(name).replace(BINDIR_VAR, os.path.dirname(exe)),
           "%s is %s with only the bin directory substituted" % (path, name))


# ---------------------------------------------------------------- systemd-analyze

def test_verify_system_unit():
    exe = analyze()
    tmp = cltest.make_tempdir("cl-e2e-sd-")
    try:
        unit = write_unit(os.path.join(tmp, "system"), configured("centrallogd.service.in"))
        # --man=no: the pages are checked with the installed units
        # (test_installed_units_verify), where man finds them.
        p = subprocess.run([exe, "verify", "--man=no", unit], capture_output=True, text=True,
                           timeout=120)
        eq(p.stderr, "", "systemd-analyze verify %s: stderr" % unit)
        eq(p.returncode, 0, "systemd-analyze verify exit status")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_verify_user_unit():
    exe = analyze()
    tmp = cltest.make_tempdir("cl-e2e-sd-")
    try:
        unit = write_unit(os.path.join(tmp, "user"), configured("centrallogd-user.service.in"))
        # A user manager needs $XDG_RUNTIME_DIR (RuntimeDirectory= resolves
        # under it); CI and root shells often have none.
        xdg = os.path.join(tmp, "xdg")
        os.mkdir(xdg, 0o700)
        env = cltest.merge_env({"XDG_RUNTIME_DIR": xdg})
        p = subprocess.run([exe, "--user", "verify", "--man=no", unit], capture_output=True,
                           text=True,
                           timeout=120, env=env)
        eq(p.stderr, "", "systemd-analyze --user verify %s: stderr" % unit)
        eq(p.returncode, 0, "systemd-analyze --user verify exit status")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- running ExecStart

def exec_start(text, what):
    v = parse_unit(text)["Service"]["ExecStart"]
    eq(len(v), 1, "%s: one ExecStart" % what)
    check("$" not in v[0], "%s: ExecStart uses no variables, so it runs as written" % what, v[0])
    return v[0]


def wait_listening(proc, sock, stderr_path):
    def up():
        rc = proc.poll()
        if rc is not None:
            with open(stderr_path, encoding="utf-8", errors="replace") as f:
                raise AssertionError("centrallogd exited with %d at start-up; stderr:\n%s"
                                     % (rc, f.read()))
        try:
            with cltest.Conn(sock, timeout=5):
                return True
        except OSError:
            return False
    cltest.wait_for(up, "centrallogd listening on %s" % sock, timeout=60)


def send_synced(sock, msg):
    with cltest.Conn(sock) as k:
        k.send(cltest.entry(msg, app="systemd-test"))
        ack = k.sync()
    eq((ack["accepted"], ack["rejected"]), (1, 0), "ack for %r" % msg)


def stop(proc, stderr_path):
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(90)
    except subprocess.TimeoutExpired:
        raise AssertionError("centrallogd did not stop within 90 s of SIGTERM")
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        err = f.read()
    eq(rc, 0, "exit status after SIGTERM (stderr: %s)" % err)


def stored_msgs(db):
    con = connect_all(db)  # the catalog: every partition's entries
    try:
        return [r[0] for r in con.execute("SELECT msg FROM entries WHERE app = 'systemd-test' "
                                          "ORDER BY id")]
    finally:
        con.close()


def test_system_exec_start_runs():
    text = configured("centrallogd.service.in")
    start = exec_start(text, "system unit")
    unit = parse_unit(text)["Service"]
    umask = int(unit["UMask"][0], 8)
    tmp = cltest.make_tempdir("cl-e2e-sd-")
    proc = None
    try:
        state = os.path.join(tmp, "lib")
        run = os.path.join(tmp, "run")
        # What StateDirectory= and RuntimeDirectory= create before ExecStart.
        os.mkdir(state, 0o750)
        os.mkdir(run, 0o755)
        os.chmod(run, 0o755)
        argv = shlex.split(start.replace("/var/lib/centrallog", state)
                           .replace("/run/centrallog", run))
        eq(argv, [os.path.join(os.path.abspath(bin_dir()), "centrallogd"),
                  "--data-dir", state, "--address", os.path.join(run, "CentralLog.sock")],
           "the unit's command line, directories moved")
        sock = argv[4]
        err_path = os.path.join(tmp, "stderr.txt")
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, umask=umask)
        wait_listening(proc, sock, err_path)
        eq(stat.S_IMODE(os.stat(sock).st_mode), 0o666, "socket mode under UMask=0027")
        send_synced(sock, "from the system unit's ExecStart")
        # ExecReload: the collector reopens its text log and keeps serving.
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        eq(proc.poll(), None, "centrallogd still running after SIGHUP")
        send_synced(sock, "after the unit's reload")
        stop(proc, err_path)
        proc = None
        db = os.path.join(state, "centrallog.db")
        eq(stored_msgs(db), ["from the system unit's ExecStart", "after the unit's reload"],
           "entries stored")
        for name in ("centrallog.db", "centrallog.log"):
            eq(stat.S_IMODE(os.stat(os.path.join(state, name)).st_mode), 0o640,
               "%s mode under UMask=0027 (group-readable)" % name)
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def test_user_exec_start_runs():
    text = configured("centrallogd-user.service.in")
    start = exec_start(text, "user unit")
    tmp = cltest.make_tempdir("cl-e2e-sd-")
    proc = None
    kw = {}
    try:
        os.chmod(tmp, 0o755)
        state = os.path.join(tmp, "state")
        xdg = os.path.join(tmp, "xdg")
        os.mkdir(state, 0o700)
        os.mkdir(xdg, 0o700)
        if os.geteuid() == 0:
            # root's default address is /run/centrallog whatever
            # $XDG_RUNTIME_DIR says; a user manager is never root's here.
            nobody = pwd.getpwnam("nobody")
            for d in (state, xdg):
                os.chown(d, nobody.pw_uid, nobody.pw_gid)
            kw = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        argv = shlex.split(start.replace("%S", state))
        eq(argv, [os.path.join(os.path.abspath(bin_dir()), "centrallogd"),
                  "--data-dir", os.path.join(state, "centrallog")],
           "the user unit's command line, %S moved")
        sock = os.path.join(xdg, "centrallog", "CentralLog.sock")
        env = cltest.merge_env({"XDG_RUNTIME_DIR": xdg, "CENTRALLOG_ADDRESS": None,
                                "CENTRALLOG_DATA_DIR": None})
        err_path = os.path.join(tmp, "stderr.txt")
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, env=env, cwd=tmp, umask=0o077, **kw)
        wait_listening(proc, sock, err_path)
        send_synced(sock, "from the user unit's ExecStart")
        stop(proc, err_path)
        proc = None
        eq(stored_msgs(os.path.join(state, "centrallog", "centrallog.db")),
           ["from the user unit's ExecStart"], "entries stored")
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- static checks

SYSTEM_SERVICE = {
    "Type": "notify",
    "User": "centrallog",
    "Group": "centrallog",
    "StateDirectory": "centrallog",
    "StateDirectoryMode": "0750",
    "RuntimeDirectory": "centrallog",
    "RuntimeDirectoryMode": "0755",
    # centrallogd.socket's file lives there and must outlast the service.
    "RuntimeDirectoryPreserve": "yes",
    "UMask": "0027",
    "Restart": "on-failure",
    # Beyond the collector's --shutdown-timeout (30 s) plus the last commit.
    "TimeoutStopSec": "90",
    # The collector's loop pings (WATCHDOG=1) at half of it.
    "WatchdogSec": "3min",
    "ExecReload": "/bin/kill -HUP $MAINPID",
    # Above the default --max-connections (16384).
    "LimitNOFILE": "65536",
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "PrivateNetwork": "yes",
    "RestrictAddressFamilies": "AF_UNIX",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    # The collector never reads /proc: credentials come with each message.
    "ProtectProc": "invisible",
    "ProcSubset": "pid",
    "PrivateMounts": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "RestrictRealtime": "yes",
    "RestrictNamespaces": "yes",
    "SystemCallArchitectures": "native",
    "SystemCallFilter": "@system-service",
}
SYSTEM_FORBIDDEN = ["DynamicUser", "PrivateUsers", "AmbientCapabilities"]
# `systemctl status` shows it as Docs:, and systemd-analyze verify checks
# that man finds the page.
DOC = "man:centrallogd(8)"


def test_system_unit_keys():
    unit = parse_unit(template("centrallogd.service.in"))
    svc = unit["Service"]
    for k, v in SYSTEM_SERVICE.items():
        eq(svc.get(k), [v], "[Service] %s" % k)
    for k in SYSTEM_FORBIDDEN:
        check(k not in svc, "[Service] %s must not be set" % k, svc.get(k))
    eq(svc["ExecStart"], [BINDIR_VAR + "/centrallogd --data-dir /var/lib/centrallog "
                          "--address /run/centrallog/CentralLog.sock"], "[Service] ExecStart")
    eq(unit["Install"], {"WantedBy": ["multi-user.target"]}, "[Install]")
    eq(unit["Unit"].get("Documentation"), [DOC], "[Unit] Documentation")


def test_user_unit_keys():
    unit = parse_unit(template("centrallogd-user.service.in"))
    svc = unit["Service"]
    eq(svc.get("ExecStart"), [BINDIR_VAR + "/centrallogd --data-dir %S/centrallog"],
       "[Service] ExecStart (default address)")
    for k, v in (("Type", "notify"), ("Restart", "on-failure"),
                 ("ExecReload", "/bin/kill -HUP $MAINPID"), ("StateDirectory", "centrallog"),
                 ("RuntimeDirectory", "centrallog"), ("RuntimeDirectoryPreserve", "yes"),
                 ("TimeoutStopSec", "90"), ("WatchdogSec", "3min")):
        eq(svc.get(k), [v], "[Service] %s" % k)
    for k in ("User", "Group", "DynamicUser"):
        check(k not in svc, "user unit sets no %s" % k)
    eq(unit["Install"], {"WantedBy": ["default.target"]}, "[Install]")
    eq(unit["Unit"].get("Documentation"), [DOC], "[Unit] Documentation")


def test_sysusers():
    path = os.path.join(SRC, "centrallog.sysusers")
    with open(path, encoding="utf-8") as f:
        lines = [ln for ln in f.read().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    eq(len(lines), 1, "sysusers.d lines")
    fields = shlex.split(lines[0])
    check(len(fields) >= 4, "sysusers.d line has 4+ fields", fields)
    eq(fields, ["u", "centrallog", "-", "CentralLog collector", "/var/lib/centrallog"],
       "sysusers.d fields (type, name, ID, GECOS, home)")
    # systemd-sysusers itself, on a scratch root: the user and its group.
    exe = shutil.which("systemd-sysusers")
    check(exe is not None, "systemd-sysusers not found: install Debian's systemd package")
    root = cltest.make_tempdir("cl-e2e-sd-")
    try:
        os.mkdir(os.path.join(root, "etc"))
        p = subprocess.run([exe, "--root", root, path], capture_output=True, text=True,
                           timeout=60)
        eq(p.returncode, 0, "systemd-sysusers exit status (stderr: %s)" % p.stderr)
        with open(os.path.join(root, "etc", "passwd")) as f:
            pw = f.read().splitlines()
        with open(os.path.join(root, "etc", "group")) as f:
            gr = f.read().splitlines()
        eq(len(pw), 1, "users created")
        eq(len(gr), 1, "groups created")
        name, _, uid, gid, gecos, home, shell = pw[0].split(":")
        eq((name, gecos, home), ("centrallog", "CentralLog collector", "/var/lib/centrallog"),
           "passwd entry")
        eq(uid, gid, "the user's UID and its group's GID")
        check(int(uid) < 1000, "a system UID", uid)
        check(shell.endswith("nologin"), "no login shell", shell)
        eq(gr[0].split(":")[:3], ["centrallog", "x", gid], "group entry")
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- socket units

def socket_unit(name):
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        return parse_unit(f.read())


def test_system_socket_unit_keys():
    unit = socket_unit("centrallogd.socket")
    # No SocketUser=: root's socket in root's /run/centrallog is one that
    # producers trust before the service has ever run (cl_sock_check).
    eq(unit["Socket"], {"ListenStream": ["/run/centrallog/CentralLog.sock"],
                        "SocketMode": ["0666"], "SocketGroup": ["centrallog"],
                        "DirectoryMode": ["0755"], "Backlog": ["4096"]}, "[Socket]")
    eq(unit["Install"], {"WantedBy": ["sockets.target"]}, "[Install]")
    eq(unit["Unit"].get("Documentation"), [DOC], "[Unit] Documentation")
    # The collector refuses a socket bound elsewhere than its --address.
    argv = shlex.split(parse_unit(template("centrallogd.service.in"))["Service"]["ExecStart"][0])
    eq(argv[argv.index("--address") + 1], unit["Socket"]["ListenStream"][0],
       "the service's --address is the socket unit's ListenStream")
    # RuntimeDirectory= hands /run/centrallog to the service's group too.
    svc = parse_unit(template("centrallogd.service.in"))["Service"]
    eq(unit["Socket"]["SocketGroup"], svc["Group"], "the socket's group is the service's")


def test_user_socket_unit_keys():
    unit = socket_unit("centrallogd-user.socket")
    eq(unit["Socket"], {"ListenStream": ["%t/centrallog/CentralLog.sock"],
                        "SocketMode": ["0666"], "DirectoryMode": ["0755"],
                        "Backlog": ["4096"]}, "[Socket]")
    eq(unit["Install"], {"WantedBy": ["sockets.target"]}, "[Install]")
    eq(unit["Unit"].get("Documentation"), [DOC], "[Unit] Documentation")
    check("--address" not in parse_unit(template("centrallogd-user.service.in"))["Service"]
          ["ExecStart"][0], "the user service listens on the default address, %t/centrallog/...")


def test_syslog_socket_unit_keys():
    unit = socket_unit("centrallogd-syslog.socket")
    eq(unit["Socket"], {"Service": ["centrallogd.service"],
                        "ListenDatagram": ["/run/centrallog/dev-log"], "SocketMode": ["0666"],
                        "SocketGroup": ["centrallog"], "DirectoryMode": ["0755"],
                        "PassCredentials": ["yes"]}, "[Socket]")
    eq(unit["Install"], {"WantedBy": ["sockets.target"]}, "[Install]")
    eq(unit["Unit"].get("Documentation"), [DOC], "[Unit] Documentation")
    # The collector takes a passed datagram socket as a syslog socket by
    # itself: the service needs no --syslog-socket for it.
    svc = parse_unit(template("centrallogd.service.in"))["Service"]
    check("--syslog-socket" not in svc["ExecStart"][0], "ExecStart names no syslog socket")
    # In the directory the service's RuntimeDirectory= keeps.
    eq(os.path.dirname(unit["Socket"]["ListenDatagram"][0]), "/run/" + svc["RuntimeDirectory"][0],
       "the syslog socket lives in the service's runtime directory")


# ---------------------------------------------------------------- cmake --install

INSTALLED = sorted(["lib/sysusers.d/centrallog.conf", "lib/systemd/system/centrallogd.service",
             "lib/systemd/system/centrallogd.socket",
             "lib/systemd/system/centrallogd-syslog.socket", "lib/systemd/user/centrallogd.service",
             "lib/systemd/user/centrallogd.socket"])


def cmake_install(prefix, destdir=None):
    build = os.path.dirname(os.path.abspath(bin_dir()))
    env = cltest.merge_env({"DESTDIR": destdir})
    p = subprocess.run(["cmake", "--install", build, "--prefix", prefix], capture_output=True,
                       text=True, timeout=300, env=env)
    eq(p.returncode, 0, "cmake --install --prefix %s (stderr: %s)" % (prefix, p.stderr))


def unit_files(root):
    out = []
    for sub in ("lib/systemd", "lib/sysusers.d"):
        for d, _, files in os.walk(os.path.join(root, sub)):
            out += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(out)


def check_installed(root, prefix):
    eq(unit_files(root), INSTALLED, "unit files installed under %s" % root)
    for sub, name in (("system", "centrallogd.service.in"), ("user", "centrallogd-user.service.in")):
        with open(os.path.join(root, "lib/systemd", sub, "centrallogd.service"), encoding="utf-8") as f:
            text = f.read()
        eq(text, template(name).replace(BINDIR_VAR, prefix + "/bin"),
           "installed %s service: the .in with ExecStart under the install prefix" % sub)
    for sub, name, inst in (("system", "centrallogd.socket", "centrallogd.socket"),
                            ("system", "centrallogd-syslog.socket", "centrallogd-syslog.socket"),
                            ("user", "centrallogd-user.socket", "centrallogd.socket")):
        with open(os.path.join(root, "lib/systemd", sub, inst), encoding="utf-8") as f:
            eq(f.read(), template(name), "installed %s %s" % (sub, inst))


def verify(args, units, env=None):
    p = subprocess.run([analyze()] + args + ["verify"] + units, capture_output=True, text=True,
                       timeout=120, env=env)
    eq(p.stderr, "", "systemd-analyze %s verify %s: stderr" % (" ".join(args), units))
    eq(p.returncode, 0, "systemd-analyze verify exit status")


def test_installed_units_verify():
    tmp = cltest.make_tempdir("cl-e2e-sd-")
    try:
        prefix = os.path.join(tmp, "prefix")
        cmake_install(prefix)
        check_installed(prefix, prefix)
        check(os.access(os.path.join(prefix, "bin", "centrallogd"), os.X_OK),
              "centrallogd installed where ExecStart= points")
        sysd = os.path.join(prefix, "lib/systemd/system")
        # Documentation=man:centrallogd(8): man finds the installed page as
        # it would for an operator with PREFIX/bin on PATH.
        path = os.path.join(prefix, "bin") + os.pathsep + os.environ.get("PATH", "")
        verify([], [os.path.join(sysd, "centrallogd.service"),
                    os.path.join(sysd, "centrallogd.socket"),
                    os.path.join(sysd, "centrallogd-syslog.socket")],
               env=cltest.merge_env({"PATH": path, "MANPATH": None}))
        xdg = os.path.join(tmp, "xdg")
        os.mkdir(xdg, 0o700)
        usr = os.path.join(prefix, "lib/systemd/user")
        verify(["--user"], [os.path.join(usr, "centrallogd.service"),
                            os.path.join(usr, "centrallogd.socket")],
               env=cltest.merge_env({"XDG_RUNTIME_DIR": xdg, "PATH": path, "MANPATH": None}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_installed_units_destdir():
    tmp = cltest.make_tempdir("cl-e2e-sd-")
    try:
        stage = os.path.join(tmp, "stage")
        cmake_install("/opt/centrallog-test", destdir=stage)
        check(not os.path.exists("/opt/centrallog-test"), "DESTDIR install wrote only under it")
        check_installed(os.path.join(stage, "opt/centrallog-test"), "/opt/centrallog-test")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_systemd_units", [test_cmake_configured_copies, test_verify_system_unit,
                                       test_verify_user_unit, test_system_exec_start_runs,
                                       test_user_exec_start_runs, test_system_unit_keys,
                                       test_user_unit_keys, test_sysusers,
                                       test_system_socket_unit_keys, test_user_socket_unit_keys,
                                       test_syslog_socket_unit_keys,
                                       test_installed_units_verify, test_installed_units_destdir])
