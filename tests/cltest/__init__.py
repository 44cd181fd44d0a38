"""cltest - the test toolkit of CentralLog's end-to-end, Wine and benchmark
scripts. Standard library only; run with Debian's /usr/bin/python3.

    check      assertions (eq, check, wait_for, diff_sets, sha256_sorted)
    wire       protocol lines (line, entry)
    transport  how a collector is reached: UnixSocket (and Conn); WinePipe in wine
    process    collector processes (Collector, run_daemon) and producers (spawn, collect)
    db         reading the database (Database)
    textlog    reading the text file (parse_text_line, read_text_file, ...)
    runner     running a file's test functions, all or by name (main, Skip)
    wine       the Windows build under Wine (WineCollector, run, run_suite)

The tests start real centrallogd processes (path in $CENTRALLOGD) on a fresh
temporary directory and socket each, talk to them over the wire protocol
(schema/PROTOCOL.md), and look at what landed in the SQLite database and the
rotating text file.

Producer processes: a test module defines a function and starts it in a
separate OS process with spawn(module_file, "func", args...). The child imports
the module (whose tests only run under `if __name__ == "__main__"`), calls the
function and prints its JSON-able return value as the last stdout line.

The end-to-end tests `import cltest` from tests/e2e, where cltest.py loads
this package under that name; everything below is its API.
"""

import shutil  # noqa: F401 (tests use cltest.shutil)

from .check import check, clear_of_midnight, diff_sets, eq, sha256_sorted, wait_for  # noqa: F401
from .db import Database  # noqa: F401
from .process import (ANY_TS, E2E, NO_RATE_LIMIT, REPO, TESTS, Collector, collect,  # noqa: F401
                      daemon_path, kill_all, make_tempdir, merge_env, run_daemon, scale, spawn,
                      strace_prefix, valgrind_prefix, wait_accepting)
from .procinfo import raise_fd_limit, sanitized, status_kib  # noqa: F401
from .runner import Skip, main, need_root, not_checked  # noqa: F401
from .textlog import (TEXT_MARKS, parse_text_line, read_file_maybe_gz, read_text_file, strip_text_mark,  # noqa: F401
                      unescape_text)
from .transport import Conn, UnixSocket  # noqa: F401
from .wire import entry, line  # noqa: F401

HERE = E2E
