#!/usr/bin/python3
"""Shell completion for centrallog (packaging/completions/), as installed by
`cmake --install` (share/bash-completion/completions/centrallog and
share/zsh/site-functions/_centrallog).

Asserts, for bash (the script sourced in a non-interactive `bash --norc`,
the completion function called with COMP_WORDS/COMP_CWORD set, COMPREPLY
compared exactly) and for zsh (`zsh -f`: compinit registers _centrallog for
centrallog from the installed directory by its #compdef line; the function
run with words/CURRENT/PREFIX set and _describe replaced by a recorder of
what it would offer - the line editor itself needs a terminal):
* the commands are those of `centrallog --help`, in its order;
* options after a command are exactly those of `centrallog COMMAND --help`
  and the global ones (read here from the help texts independently);
* level names are the nine of `centrallog query --help`; output formats,
  --color and --by values; reason codes are the CLI's own;
* app names are those in the database a real collector wrote, read through
  --db (both `--db PATH` and `--db=PATH`), names with spaces kept whole;
  names holding $(...), backticks or ';' run nothing (bash's compgen -W
  would expand them) and bash offers them quoted (printf %q), so that the
  inserted word is one argument;
* after every option that takes a value (read here from each command's
  --help: an option followed by its argument's name) and has no values to
  offer, nothing is offered - also for options the scripts do not name, so
  options added to the CLI later are handled; file names after --db.
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cltest  # noqa: E402
from cltest import check, eq  # noqa: E402

APPS = ["billing", "billing-eu", "web", "two words", "ns:app"]
# Names a hostile producer may claim: expanded by `compgen -W`, each would
# run a command in the shell of whoever completes -t; inserted raw, `;`
# would end the command line.
HOSTILE = ["$(touch pwned-dollar)", "`touch pwned-backtick`", "x;touch pwned-semicolon"]
HOSTS = ["db-01", "web-01", "web-02"]
# What -N lists for that database: the columns in use and the fields member.
FIELD_NAMES = ["app", "code", "host", "level", "msg", "peer_gid", "peer_pid", "peer_uid"]
LEVELS = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "trace"]
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")


def bin_dir():
    return os.environ.get("CL_BIN_DIR") or os.path.dirname(cltest.daemon_path())


def cli():
    return os.path.join(bin_dir(), "centrallog")


class Setup:
    """An install prefix and a database holding APPS."""

    def __init__(self):
        self.tmp = cltest.make_tempdir("cl-e2e-compl-")
        build = os.path.dirname(os.path.abspath(bin_dir()))
        p = subprocess.run(["cmake", "--install", build, "--prefix", self.tmp + "/prefix"],
                           capture_output=True, text=True, timeout=300)
        eq(p.returncode, 0, "cmake --install (stderr: %s)" % p.stderr)
        self.bash = os.path.join(self.tmp, "prefix/share/bash-completion/completions/centrallog")
        self.zsh_dir = os.path.join(self.tmp, "prefix/share/zsh/site-functions")
        check(os.path.exists(self.bash), "bash completion installed at %s" % self.bash)
        check(os.path.exists(os.path.join(self.zsh_dir, "_centrallog")),
              "zsh completion installed in %s" % self.zsh_dir)
        with cltest.Collector() as c:
            with c.connect() as k:
                for a in APPS + HOSTILE:
                    k.send(cltest.entry("hello", app=a))
                for h in HOSTS:
                    k.send(cltest.entry("hello", app="web", host=h, fields={"code": 5}))
                eq(k.sync()["accepted"], len(APPS + HOSTILE + HOSTS), "entries accepted")
            c.stop()
            self.db = os.path.join(self.tmp, "db")
            shutil.copytree(c.dir, self.db)
        self.db = os.path.join(self.db, "centrallog.db")
        # Files for --db completion.
        self.files = os.path.join(self.tmp, "files")
        os.mkdir(self.files)
        for f in ("a.db", "ab.db", "b.db"):
            open(os.path.join(self.files, f), "w").close()

    def env(self):
        return cltest.merge_env({"PATH": bin_dir() + os.pathsep + os.environ.get("PATH", ""),
                                 "CENTRALLOG_DB": None, "CENTRALLOG_ADDRESS": None,
                                 "CENTRALLOG_DATA_DIR": None, "LC_ALL": "C.UTF-8"})

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def help_text(*args):
    p = subprocess.run([cli()] + list(args) + ["--help"], capture_output=True, text=True,
                       timeout=60)
    eq(p.returncode, 0, "centrallog %s --help" % " ".join(args))
    return p.stdout


def help_options(text):
    out = set()
    for ln in text.splitlines():
        if ln.startswith("Usage:"):
            out |= set(OPTION.findall(ln))
        m = re.match(r"^\s+(-\S.*?)(?:\s{2,}|$)", ln)
        if m:
            out |= set(OPTION.findall(m.group(1)))
    return out


def commands():
    text = help_text()
    block = text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [ln.split()[0] for ln in block.splitlines()]


def global_options():
    text = help_text()
    return help_options("\n".join(ln for ln in text.splitlines()
                                  if not re.match(r"^  [a-z][a-z-]*\s", ln)))


def formats(cmd):
    """The -o formats COMMAND accepts, as its usage error lists them (the
    scripts offer them in that order)."""
    p = subprocess.run([cli(), cmd, "-o", "no-such-format"], capture_output=True, text=True,
                       timeout=60)
    eq(p.returncode, 2, "centrallog %s -o no-such-format" % cmd)
    listed = p.stderr.split("; use ", 1)[1].strip().replace(" or ", ", ").split(", ")
    return listed


def options_for(cmd, prefix):
    return sorted(o for o in help_options(help_text(cmd)) | global_options()
                  if o.startswith(prefix))


def quote(w):
    return "'" + w.replace("'", "'\\''") + "'"


def bash_split(words):
    """COMP_WORDS and COMP_LINE as bash makes them for a command line of
    these words: '=' is in COMP_WORDBREAKS, so "--db=PATH" is the three
    words "--db", "=", "PATH" (and "--output=" two), glued in the line."""
    comp, line = [], ""
    for i, w in enumerate(words):
        m = re.match(r"^(--[A-Za-z][A-Za-z-]*)=(.*)$", w) if i > 0 else None
        line += (" " if i > 0 else "") + w
        if m:
            comp += [m.group(1), "="] + ([m.group(2)] if m.group(2) else [])
        else:
            comp.append(w)
    return comp, line


def run_bash(s, cases):
    """COMPREPLY for each case (a list of words, the last being completed),
    with COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as bash sets them
    (bash_split)."""
    script = ["set -u", "source %s" % quote(s.bash), "complete -p centrallog"]
    for words in cases:
        comp, line = bash_split(words)
        script.append("COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%s; COMP_POINT=%d; "
                      "COMPREPLY=()" % (" ".join(quote(w) for w in comp), len(comp) - 1,
                                        quote(line), len(line)))
        script.append("_centrallog centrallog %s %s" % (quote(comp[-1]), quote(comp[-2])))
        script.append("printf '%s\\n' '--' \"${COMPREPLY[@]}\"")
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", "\n".join(script)],
                       capture_output=True, text=True, timeout=120, env=s.env(), cwd=s.tmp)
    eq(p.stderr, "", "bash stderr")
    eq(p.returncode, 0, "bash exit status")
    first, rest = p.stdout.split("\n", 1)
    eq(first, "complete -F _centrallog centrallog", "the completion is registered")
    replies = rest.split("--\n")[1:]
    return [[w for w in r.split("\n") if w] for r in replies]


# Options whose values are completed (the rest offer nothing).
VALUED = {"-p", "--level", "-t", "--app", "-o", "--output", "--color", "--by", "--reason",
          "--db", "--address", "--sqlite", "--host", "-F", "--field-values"}


def value_options(text):
    """Options of a --help text that take a value: in an option line's term,
    an option followed by a word that is not an option (the short forms just
    before it share it); in a usage line, [-X ARG]."""
    out = set()
    for ln in text.splitlines():
        if ln.startswith("Usage:"):
            words = ln.replace("[", " ").replace("]", " ").split()
            out |= {a for a, b in zip(words, words[1:]) if a.startswith("-") and b[:1].isupper()}
            continue
        m = re.match(r"^\s+(-\S.*?)(?:\s{2,}|$)", ln)
        if not m:
            continue
        pending = []
        for seg in m.group(1).split(","):
            w = seg.split()
            if not w or not w[0].startswith("-"):
                continue
            if len(w) >= 2 and not w[1].startswith("-"):
                out |= {w[0]} | set(pending)
                pending = []
            elif re.match(r"^-[A-Za-z]$", w[0]):
                pending.append(w[0])
            else:
                pending = []
    return out


def unguessable():
    """(words, []) after each value option nothing can complete: a word
    starting with '-' there is a value (-S -1h), not an option; without a
    command (query's options), not a command either. journalctl's bare -n
    (then an option may follow) is checked on its own."""
    cases = []
    for cmd in commands():
        for opt in sorted(value_options(help_text(cmd)) - VALUED - {"-n", "--lines"}):
            cases.append((["centrallog", cmd, opt, "-"], []))
    for opt in sorted(value_options(help_text("query")) - VALUED - {"-n", "--lines"}):
        cases.append((["centrallog", opt, ""], []))
    check(len(cases) > 20, "value options read from the commands' --help", cases)
    return cases


def bash_quoted(w):
    """A word as bash's printf %q writes it, as the completion inserts it."""
    return re.sub(r"([^A-Za-z0-9_./@%+=:,-])", r"\\\1", w)


def expected(s, shell_quote=lambda w: w):
    """(words, exact completions) for both shells; shell_quote: how the
    shell's completion writes an app name on the command line."""
    return [
        (["centrallog", ""], commands()),
        (["centrallog", "st"], ["stats", "status"]),
        (["centrallog", "-p", ""], LEVELS),
        (["centrallog", "query", "--level", "e"], ["emergency", "error"]),
        (["centrallog", "query", "--l"], options_for("query", "--l")),
        (["centrallog", "send", "-"], options_for("send", "-")),
        (["centrallog", "stats", "-"], options_for("stats", "-")),
        (["centrallog", "tail", "-f", "--co"], ["--color"]),
        (["centrallog", "stats", "-o", ""], ["text", "json"]),
        (["centrallog", "query", "-o", "j"], ["json", "json-pretty"]),
        (["centrallog", "query", "-o", ""], formats("query")),
        (["centrallog", "tail", "-o", ""], formats("tail")),
        (["centrallog", "rejects", "-o", ""], formats("rejects")),
        (["centrallog", "-o", "short-f"], ["short-full"]),
        (["centrallog", "--color", ""], ["auto", "always", "never"]),
        (["centrallog", "stats", "--by", "h"], ["hour"]),
        (["centrallog", "rejects", "--reason", "too"],
         ["too_large", "too_deep", "too_long", "too_many_members"]),
        (["centrallog", "--db", s.db, "-t", ""],
         [shell_quote(a) for a in sorted(APPS + HOSTILE)]),
        (["centrallog", "--db", s.db, "-t", "$"], [shell_quote(HOSTILE[0])]),
        (["centrallog", "--db=" + s.db, "query", "-t", "bil"], ["billing", "billing-eu"]),
        (["centrallog", "--db", s.db, "query", "--app", "two"], [shell_quote("two words")]),
        (["centrallog", "--db", s.db, "--host", "web"], ["web-01", "web-02"]),
        (["centrallog", "--db", s.db, "-F", ""], FIELD_NAMES),
        (["centrallog", "--db", s.db, "query", "--field-values", "pe"],
         ["peer_gid", "peer_pid", "peer_uid"]),
        # Options written with their value after '=' (journalctl's habit).
        (["centrallog", "--output=j"], ["json", "json-pretty"]),
        (["centrallog", "stats", "--output="], ["text", "json"]),
        (["centrallog", "--level=cr"], ["critical"]),
        (["centrallog", "--db=" + s.db, "--app=bil"], ["billing", "billing-eu"]),
        (["centrallog", "--db=" + s.db, "--host=db"], ["db-01"]),
        (["centrallog", "--since="], []),
        (["centrallog", "-S", ""], []),
        (["centrallog", "send", "-f", ""], []),
        (["centrallog", "-n", "--li"], ["--limit", "--lines"]),
    ] + unguessable()


def nothing_ran(s):
    eq(sorted(f for f in os.listdir(s.tmp) if f.startswith("pwned")), [],
       "no app name was run as a command")


def test_bash():
    s = Setup()
    try:
        want = expected(s, bash_quoted)
        # Levels as query --help lists them.
        check(" ".join(LEVELS) in re.sub(r"\s+", " ", help_text("query")),
              "the nine levels, as query --help lists them")
        want.append((["centrallog", "--db", os.path.join(s.files, "a")],
                     [os.path.join(s.files, "a.db"), os.path.join(s.files, "ab.db")]))
        got = run_bash(s, [w for w, _ in want])
        for (words, exp), reply in zip(want, got):
            if words[-2] == "--db":
                reply = sorted(reply)  # file names come in directory order
            eq(reply, exp, "bash completion of %r" % words)
        eq(len(got), len(want), "replies")
        nothing_ran(s)
    finally:
        s.close()


def test_bash_completion_loader():
    """As an interactive bash with bash-completion finds it: nothing is
    registered for centrallog until the loader (complete -D) runs on its
    first <Tab>; the loader finds the installed file through
    XDG_DATA_DIRS (PREFIX/share, as /usr/local/share and /usr/share are by
    default) and then `complete -p` names _centrallog, which completes."""
    s = Setup()
    try:
        loader = "/usr/share/bash-completion/bash_completion"
        check(os.path.exists(loader), "bash-completion installed (scripts/install-deps.sh)")
        share = os.path.join(s.tmp, "prefix", "share")
        line = "centrallog --db=%s -t bil" % s.db
        comp, _ = bash_split(line.split(" "))
        script = [
            "source %s" % loader,
            "complete -p centrallog >/dev/null 2>&1 && echo early || echo none",
            # What bash does on the first <Tab> after a command with no
            # completion: the default completion (the loader) runs with the
            # command's name and returns 124, "try again".
            "_completion_loader centrallog; echo loader=$?",
            "complete -p centrallog",
            "COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%s; COMP_POINT=%d; COMPREPLY=()"
            % (" ".join(quote(w) for w in comp), len(comp) - 1, quote(line), len(line)),
            "_centrallog centrallog %s %s" % (quote(comp[-1]), quote(comp[-2])),
            "printf '%s\n' \"${COMPREPLY[@]}\"",
        ]
        env = dict(s.env(), XDG_DATA_DIRS=share + ":/usr/share", HOME=s.tmp,
                   BASH_COMPLETION_USER_DIR=os.path.join(s.tmp, "nothing-here"))
        p = subprocess.run(["bash", "--norc", "--noprofile", "-i", "-c", "\n".join(script)],
                           capture_output=True, text=True, timeout=120, env=env, cwd=s.tmp,
                           stdin=subprocess.DEVNULL)
        eq(p.returncode, 0, "interactive bash exit status (stderr: %s)" % p.stderr)
        eq(p.stdout.splitlines(), ["none", "loader=124", "complete -F _centrallog centrallog",
                                   "billing", "billing-eu"], "bash-completion's loader")
    finally:
        s.close()


def shell_dirs():
    """The directories this machine's shells read completions from by
    default: zsh's $fpath (zsh -f) and bash-completion's under
    $XDG_DATA_DIRS' default."""
    exe = shutil.which("zsh")
    check(exe is not None, "zsh not found: install Debian's zsh (scripts/install-deps.sh does)")
    p = subprocess.run([exe, "-f", "-c", "print -l $fpath"], capture_output=True, text=True,
                       timeout=60, env=cltest.merge_env({"FPATH": None}))
    eq(p.returncode, 0, "zsh -f: exit status")
    bash = [d + "/bash-completion/completions" for d in ("/usr/local/share", "/usr/share")]
    return p.stdout.split(), bash


def test_installed_where_the_shells_look():
    """`cmake --install` as a user (prefix /usr/local) and as a Debian
    package (prefix /usr, CL_ZSH_COMPLETION_DIR=share/zsh/vendor-completions:
    Debian's zsh does not read /usr/share/zsh/site-functions) puts both
    files in directories this machine's bash-completion and zsh read
    without configuration (staged with DESTDIR)."""
    fpath, bash = shell_dirs()
    tmp = cltest.make_tempdir("cl-e2e-compl-")
    try:
        for prefix, defs in (("/usr/local", []),
                             ("/usr", ["-DCL_ZSH_COMPLETION_DIR=share/zsh/vendor-completions"])):
            build = os.path.join(tmp, "build" + prefix.replace("/", "-"))
            stage = os.path.join(tmp, "stage" + prefix.replace("/", "-"))
            # Configuring is enough: the completion component has no target.
            p = subprocess.run(["cmake", "-S", cltest.REPO, "-B", build, "-DCL_TESTING=OFF",
                                "-DCMAKE_INSTALL_PREFIX=" + prefix] + defs,
                               capture_output=True, text=True, timeout=300)
            eq(p.returncode, 0, "cmake configure (stderr: %s)" % p.stderr)
            p = subprocess.run(["cmake", "--install", build, "--component", "completion"],
                               capture_output=True, text=True, timeout=300,
                               env=cltest.merge_env({"DESTDIR": stage}))
            eq(p.returncode, 0, "cmake --install --component completion (stderr: %s)" % p.stderr)
            got = sorted("/" + os.path.relpath(os.path.join(d, f), stage)
                         for d, _, files in os.walk(stage) for f in files)
            eq(len(got), 2, "files installed for prefix %s: %s" % (prefix, got))
            zsh = [g for g in got if os.path.basename(g) == "_centrallog"]
            sh = [g for g in got if os.path.basename(g) == "centrallog"]
            eq(len(zsh) + len(sh), 2, "the two files: %s" % got)
            check(os.path.dirname(zsh[0]) in fpath, "zsh reads %s (prefix %s)" % (zsh[0], prefix),
                  fpath)
            check(os.path.dirname(sh[0]) in bash, "bash-completion reads %s (prefix %s)"
                  % (sh[0], prefix), bash)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_zsh(s, cases):
    exe = shutil.which("zsh")
    check(exe is not None, "zsh not found: install Debian's zsh (scripts/install-deps.sh does)")
    script = [
        "fpath=(%s $fpath)" % quote(s.zsh_dir),
        "autoload -U compinit && compinit -u -d %s" % quote(os.path.join(s.tmp, "zcompdump")),
        "print -r -- ${_comps[centrallog]}",
        # What _describe and _files would offer, one a line.
        # _describe's specs "name:description", a ':' in the name written
        # '\:' (split and unescaped below, as _describe does).
        "_describe() { print -rl -- \"${(@P)${@[-1]}}\" }",
        "_files() { print -rl -- ${PREFIX}*(N) }",
    ]
    for words in cases:
        script.append("words=(%s); CURRENT=%d; PREFIX=%s; print -- --; ${_comps[centrallog]}"
                      % (" ".join(quote(w) for w in words), len(words), quote(words[-1])))
    p = subprocess.run([exe, "-f", "-c", "\n".join(script)], capture_output=True, text=True,
                       timeout=120, env=s.env(), cwd=s.tmp)
    eq(p.stderr, "", "zsh stderr")
    eq(p.returncode, 0, "zsh exit status")
    first, rest = p.stdout.split("\n", 1)
    eq(first, "_centrallog", "compinit registered _centrallog for centrallog")
    replies = rest.split("--\n")[1:]
    names = [[re.split(r"(?<!\\):", w, 1)[0].replace("\\:", ":") for w in r.split("\n")]
             for r in replies]
    # The line editor keeps what matches PREFIX; so does this.
    return [[w for w in r if w and w.startswith(value_part(c[-1]))]
            for r, c in zip(names, cases)]


def value_part(word):
    """What is completed of a word: after "--option=", the value."""
    m = re.match(r"^--[A-Za-z][A-Za-z-]*=(.*)$", word)
    return m.group(1) if m else word


def test_zsh():
    s = Setup()
    try:
        want = expected(s)
        want.append((["centrallog", "--db", os.path.join(s.files, "a")],
                     [os.path.join(s.files, "a.db"), os.path.join(s.files, "ab.db")]))
        got = run_zsh(s, [w for w, _ in want])
        for (words, exp), reply in zip(want, got):
            if words[-2] in ("-o", "--output", "--color", "--by", "-p", "--level", "--reason"):
                eq(reply, exp, "zsh completion of %r" % words)
            else:
                eq(sorted(reply), sorted(exp), "zsh completion of %r" % words)
        eq(len(got), len(want), "replies")
        nothing_ran(s)
    finally:
        s.close()


if __name__ == "__main__":
    cltest.main("test_completion", [test_bash, test_bash_completion_loader, test_zsh,
                                    test_installed_where_the_shells_look])
