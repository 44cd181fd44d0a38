#!/usr/bin/python3
"""The SDK as an application developer gets it: `cmake --install` into a
prefix, then the example app built against the *installed* tree twice - with
pkg-config and with find_package(CentralLog) - and run against a collector."""
import os
import re
import shutil
import subprocess

import cltest
from cltest import check, eq

BIN = os.environ.get("CL_BIN_DIR", os.path.join(cltest.REPO, "build", "bin"))
BUILD = os.path.dirname(BIN)
EXAMPLES = os.path.join(cltest.REPO, "client-sdk", "examples")


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    check(p.returncode == 0, "%s failed (%d)" % (" ".join(cmd), p.returncode), p.stdout, p.stderr)
    return p.stdout


def sanitize_flags():
    """A sanitizer build installs an instrumented library: link the app alike."""
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        m = re.search(r"^CL_SANITIZE:STRING=(.*)$", f.read(), re.M)
    san = m.group(1).strip() if m else ""
    return ["-fsanitize=" + san] if san else []


def test_install_and_build_examples():
    tmp = cltest.make_tempdir("cl-inst-")
    try:
        prefix = os.path.join(tmp, "prefix")
        run(["cmake", "--install", BUILD, "--prefix", prefix])
        for f in ["include/centrallog.h", "lib/libcentrallog.so", "lib/libcentrallog.a",
                  "lib/pkgconfig/centrallog.pc", "lib/cmake/CentralLog/CentralLogConfig.cmake"]:
            check(os.path.exists(os.path.join(prefix, f)), "installed " + f)
        flags = sanitize_flags()
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        pc = run(["pkg-config", "--cflags", "--libs", "centrallog"], env=env).split()
        check(any(a.startswith("-I") and a.endswith("include") for a in pc), "pkg-config -I", pc)
        hello_pc = os.path.join(tmp, "hello-pc")
        run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror"] + flags +
            [os.path.join(EXAMPLES, "hello.c"), "-o", hello_pc] + pc)
        bdir = os.path.join(tmp, "ex-build")
        run(["cmake", "-S", EXAMPLES, "-B", bdir, "-DCMAKE_PREFIX_PATH=" + prefix,
             "-DCMAKE_C_FLAGS=" + " ".join(flags)])
        run(["cmake", "--build", bdir])
        hello_cmake = os.path.join(bdir, "hello")
        with cltest.Collector() as c:
            for exe in (hello_pc, hello_cmake):
                out = run([exe], env=dict(os.environ, CENTRALLOG_ADDRESS=c.sock,
                                          LD_LIBRARY_PATH=os.path.join(prefix, "lib")))
                check("flush: success; acked 3, rejected 0, dropped 0" in out, "hello output", out)
            eq(c.scalar("SELECT count(*) FROM entries WHERE app = 'hello'"), 6, "rows from both")
            rows = c.query("SELECT fields FROM entries WHERE msg = 'disk almost full'")
            eq(rows[0][0], '{"mount":"/var","used":0.93,"free_mb":512,"alert":true}', "fields")
            c.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_sdk_install", [test_install_and_build_examples])
