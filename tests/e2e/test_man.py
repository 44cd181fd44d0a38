#!/usr/bin/python3
"""The man pages (docs/man/*.scd, built with scdoc, installed by cmake).

Asserts:
* `cmake --install --prefix X` installs centrallog.1, centrallogd.8 and
  libcentrallog.3 under X/share/man/man{1,8,3}, the very files of the
  build's man/ directory;
* each renders with `MANWIDTH=80 man --warnings -l FILE` with exit 0 and
  nothing at all on stderr (groff's warnings go there), starting with its
  title line;
* the options cannot drift from the programs: every option that
  `centrallogd --help` lists is in centrallogd(8)'s OPTIONS and nothing
  else is (the Windows-only ones have their own section); every command of
  `centrallog --help` has a subsection of COMMANDS in centrallog(1) and
  there is none for a command that does not exist; every global option is
  in GLOBAL OPTIONS; every option of `centrallog COMMAND --help` (its
  option lines and usage line) is in that command's subsection (tail's are
  query's: "the same options"); and the other way round, every option a
  page documents (each term of an option list) is one the program accepts:
  `centrallog COMMAND TERM --no-such-option` must not say "unknown option
  'TERM'", and centrallogd(8)'s terms are those of its --help;
* libcentrallog(3) names every function the public header exports (CL_API),
  every function-like macro, every result code, level, overflow policy and
  field type, and every member of cl_options and cl_stats.
Options are read from the programs' --help at test time, so an option added
to a program fails this test until the page has it.
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cltest  # noqa: E402
from cltest import check, eq  # noqa: E402

PAGES = {"centrallog.1": "man1", "centrallogd.8": "man8", "libcentrallog.3": "man3"}
HEADER = os.path.join(cltest.REPO, "client-sdk", "include", "centrallog.h")
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")


def bin_dir():
    return os.environ.get("CL_BIN_DIR") or os.path.dirname(cltest.daemon_path())


def build_dir():
    return os.path.dirname(os.path.abspath(bin_dir()))


def man_env():
    return cltest.merge_env({"MANWIDTH": "80", "LANG": "C.UTF-8", "LC_ALL": None,
                             "MANPAGER": "cat", "PAGER": "cat", "MANOPT": None,
                             "MAN_KEEP_FORMATTING": None})


def render(path):
    exe = shutil.which("man")
    check(exe is not None, "man not found: install Debian's man-db (scripts/install-deps.sh "
          "does)")
    p = subprocess.run([exe, "--warnings", "-l", path], capture_output=True, text=True,
                       timeout=120, env=man_env(), stdin=subprocess.DEVNULL)
    eq(p.stderr, "", "man --warnings -l %s: stderr" % path)
    eq(p.returncode, 0, "man -l %s: exit status" % path)
    return p.stdout


def built(page):
    path = os.path.join(build_dir(), "man", page)
    check(os.path.exists(path), "the build made %s (docs/man/CMakeLists.txt)" % path)
    return path


def unhyphenate(text):
    """Joins the words groff broke across lines: at a hyphen it inserted
    (U+2010) and at a hyphen of the word itself (--max-connections-per-uid)."""
    text = re.sub("\u2010\n\\s*", "", text)
    return re.sub(r"(?<=[\w-])-\n\s+(?=[\w-])", "-", text)


def sections(text):
    """{'NAME': text, ...} for .SH headings (column 0) and
    {'COMMANDS/query': text, ...} for .SS headings (3 spaces) below them;
    a section's text includes its subsections'."""
    secs, subs = {}, {}
    sec = sub = None
    for ln in unhyphenate(text).splitlines()[1:-1]:  # the title and footer lines
        if re.match(r"^\S", ln):
            sec, sub = ln.strip(), None
            secs[sec] = ""
            continue
        m = re.match(r"^   (\S.*)$", ln)
        if m and sec is not None:
            sub = sec + "/" + m.group(1).strip()
            subs[sub] = ""
            continue
        if sec is not None:
            secs[sec] += ln + "\n"
        if sub is not None:
            subs[sub] += ln + "\n"
    return secs, subs


def options_in(text):
    return set(OPTION.findall(text))


def terms_in(text):
    """The options a page documents as terms of its option lists: a line
    at the list's indent (7 columns) starting with '-' whose next line is
    indented further (the description), as scdoc's term/indented-paragraph
    pairs render; a paragraph that merely mentions options (a wrapped line
    of prose) is followed by prose at the same indent or a blank line."""
    lines = text.expandtabs().splitlines()
    out = set()
    for ln, nxt in zip(lines, lines[1:] + [""]):
        if re.match(r"^ {7}-", ln) and re.match(r"^ {8,}\S", nxt):
            out |= options_in(ln)
    return out


def help_text(argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    eq(p.returncode, 0, "%s: exit status (stderr: %s)" % (" ".join(argv), p.stderr))
    return p.stdout


def help_options(text):
    """The options a --help text lists: the term of every option line (an
    indented line starting with '-', up to the first run of two spaces) and
    the usage lines."""
    out = set()
    usage = False
    for ln in text.splitlines():
        if ln.startswith("Usage:"):
            usage = True
            out |= options_in(ln)
            continue
        if usage and ln.strip().startswith("centrallog"):
            out |= options_in(ln)
            continue
        usage = False
        m = re.match(r"^\s+(-\S.*?)(?:\s{2,}|$)", ln)
        if m:
            out |= options_in(m.group(1))
    return out


def diff(what, want, have):
    missing, extra = sorted(want - have), sorted(have - want)
    eq((missing, extra), ([], []), "%s: (options of --help missing from the man page, "
                                   "options in the man page that --help does not list)" % what)


# ---------------------------------------------------------------- install and render

def test_installed_pages_render_without_warnings():
    tmp = cltest.make_tempdir("cl-e2e-man-")
    try:
        p = subprocess.run(["cmake", "--install", build_dir(), "--prefix", tmp],
                           capture_output=True, text=True, timeout=300)
        eq(p.returncode, 0, "cmake --install (stderr: %s)" % p.stderr)
        mandir = os.path.join(tmp, "share", "man")
        got = sorted(os.path.join(d, f) for d in os.listdir(mandir)
                     for f in os.listdir(os.path.join(mandir, d)))
        links = sorted(os.path.join("man3", fn + ".3") for fn in api_functions())
        eq(got, sorted([os.path.join(sub, page) for page, sub in PAGES.items()] + links),
           "pages installed under share/man: the three, and one per function of the SDK")
        # `man cl_open`, as `man sd_journal_send`: the function's page is
        # libcentrallog(3), found through MANPATH like any installed page.
        for link in links:
            with open(os.path.join(mandir, link), encoding="utf-8") as f:
                eq(f.read(), ".so man3/libcentrallog.3\n", "%s sources libcentrallog(3)" % link)
            name = os.path.basename(link)[:-2]
            p = subprocess.run(["man", "--warnings", "3", name], capture_output=True, text=True,
                               timeout=120, env=dict(man_env(), MANPATH=mandir),
                               stdin=subprocess.DEVNULL)
            eq((p.returncode, p.stderr), (0, ""), "man 3 %s: exit status, stderr" % name)
            check(p.stdout.startswith("libcentrallog(3)"), "man 3 %s shows libcentrallog(3)"
                  % name, p.stdout[:200])
        # whatis/apropos: lexgrog reads each name of the NAME line.
        p = subprocess.run(["lexgrog", os.path.join(mandir, "man3", "libcentrallog.3")],
                           capture_output=True, text=True, timeout=60)
        eq(p.returncode, 0, "lexgrog exit status")
        eq(sorted(re.findall(r': "(\S+) - log structured entries', p.stdout)),
           sorted(["libcentrallog"] + api_functions()), "names lexgrog reads for whatis")
        for page, sub in PAGES.items():
            path = os.path.join(mandir, sub, page)
            with open(path, "rb") as a, open(built(page), "rb") as b:
                eq(a.read(), b.read(), "installed %s is the built one" % page)
            out = render(path)
            name, section = page.rsplit(".", 1)
            title = "%s(%s)" % (name, section)
            check(out.startswith(title), "%s renders, starting with its title" % page, out[:200])
            check(re.search(r"\nNAME\n       %s(, cl_\w+)*( -|,\n)" % name, out) is not None,
                  "%s: NAME line" % page, out[:400])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- options

def test_centrallogd_options():
    want = help_options(help_text([cltest.daemon_path(), "--help"]))
    check(len(want) > 30, "options read from centrallogd --help", sorted(want))
    secs, _ = sections(render(built("centrallogd.8")))
    check("OPTIONS" in secs and "WINDOWS OPTIONS" in secs, "sections", sorted(secs))
    diff("centrallogd(8) OPTIONS", want, options_in(secs["OPTIONS"]))
    # An option described only in another's prose is not documented.
    diff("centrallogd(8) OPTIONS terms", want, terms_in(secs["OPTIONS"]))


def cli():
    return os.path.join(bin_dir(), "centrallog")


def commands(top_help):
    out, inside = [], False
    for ln in top_help.splitlines():
        if ln.startswith("Commands:"):
            inside = True
            continue
        if inside:
            m = re.match(r"^  ([a-z][a-z-]*)(?:\s{2,}|\s\S)", ln)
            if not m:
                break
            out.append(m.group(1))
    return out


def global_help(top_help):
    """The top --help without its command list (whose lines name commands,
    not options)."""
    return "\n".join(ln for ln in top_help.splitlines()
                     if not re.match(r"^  [a-z][a-z-]*\s", ln))


def test_centrallog_options():
    top = help_text([cli(), "--help"])
    cmds = commands(top)
    check("query" in cmds and "send" in cmds, "commands read from centrallog --help", cmds)
    secs, subs = sections(render(built("centrallog.1")))
    diff("centrallog(1) GLOBAL OPTIONS", help_options(global_help(top)),
         options_in(secs["GLOBAL OPTIONS"]))
    documented = sorted(k.split("/", 1)[1] for k in subs if k.startswith("COMMANDS/"))
    eq(documented, sorted(cmds), "COMMANDS subsections: one per command of centrallog --help")
    for cmd in cmds:
        want = help_options(help_text([cli(), cmd, "--help"]))
        sub = "COMMANDS/" + ("query" if cmd == "tail" else cmd)
        missing = sorted(want - options_in(subs[sub]))
        eq(missing, [], "options of centrallog %s --help missing from centrallog(1) %s"
           % (cmd, sub))
        eq(sorted(o for o in terms_in(subs[sub]) if not accepted(cmd, o)), [],
           "options centrallog(1) %s documents that centrallog %s does not accept"
           % (sub, cmd))
    eq(sorted(o for o in terms_in(secs["GLOBAL OPTIONS"]) if not accepted("query", o)), [],
       "options centrallog(1) GLOBAL OPTIONS documents that centrallog does not accept")


def accepted(cmd, opt):
    """Whether `centrallog CMD` knows opt. The parser reads left to right
    and stops at the first unknown option: a known flag lets it reach the
    bogus option after it, a known option with a value takes that as its
    value; either way it never calls opt itself unknown. The bogus option
    is a usage error; when it was taken as a value instead, the command has
    neither a database nor a collector to act on: it fails either way."""
    base = opt.split("=", 1)[0]
    if base in ("-h", "--help", "--version"):
        return True  # they answer before the parser reaches the rest
    p = subprocess.run([cli(), cmd, base, "--no-such-option-x"], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL, env=cltest.merge_env(
                           {"CENTRALLOG_ADDRESS": "/nonexistent/c.sock",
                            "CENTRALLOG_DB": "/nonexistent/centrallog.db"}))
    check(p.returncode != 0, "centrallog %s %s --no-such-option-x fails" % (cmd, base),
          p.stderr)
    return ("unknown option '%s'" % base) not in p.stderr


# ---------------------------------------------------------------- the SDK

def header_names():
    with open(HEADER, encoding="utf-8") as f:
        h = f.read()
    names = set(re.findall(r"CL_API\s+[\w\s\*]*?\b(cl_\w+)\s*\(", h))
    names |= set(re.findall(r"#define\s+(cl_\w+)\(", h))
    names |= set(re.findall(r"#define\s+(CL_(?:STR|INT|DOUBLE|BOOL|SDK_VERSION_\w+))\b", h))
    for enum in ("cl_result", "cl_level", "cl_overflow", "cl_field_type"):
        body = re.search(r"typedef enum %s \{(.*?)\}" % enum, h, re.S).group(1)
        names |= set(re.findall(r"^\s*(CL_\w+)\s*=", body, re.M))
    for struct in ("cl_options", "cl_stats"):
        body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (struct, struct), h, re.S).group(1)
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        names |= set(re.findall(r"(\w+);", body)) - {"struct_size"}
    return names


def api_functions():
    """What a C programmer calls: the exported functions and the
    function-like macros spelled as functions (cl_log_kv, cl_error, ...)."""
    return sorted(n for n in header_names() if re.match(r"^cl_[a-z_]+$", n)
                  and n not in ("cl_options", "cl_stats"))


def test_libcentrallog_api():
    names = header_names()
    for n in ("cl_open", "cl_log_kv", "CL_ECLOSED", "CL_TRACE", "close_unreachable_ms",
              "suppressed", "cl_options_init_size"):
        check(n in names, "%s read from the header" % n, sorted(names))
    text = unhyphenate(render(built("libcentrallog.3")))
    words = set(re.findall(r"\w+", text))
    eq(sorted(names - words), [], "names of centrallog.h missing from libcentrallog(3)")


def code_block(section):
    """The code of a rendered section as a reader copies it: the lines of
    its first indented block (scdoc's ``` blocks), dedented."""
    lines = section.expandtabs().splitlines()
    block, started = [], False
    for ln in lines:
        if re.match(r"^ {11}", ln) or (started and ln == ""):
            started = True
            block.append(ln[11:])
        elif started:
            break
    return "\n".join(block).strip("\n") + "\n"


def sanitize_flags():
    """A sanitizer build installs an instrumented library: link alike."""
    with open(os.path.join(build_dir(), "CMakeCache.txt")) as f:
        m = re.search(r"^CL_SANITIZE:STRING=(.*)$", f.read(), re.M)
    san = m.group(1).strip() if m else ""
    return ["-fsanitize=" + san] if san else []


def run_ok(argv, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)
    eq(p.returncode, 0, "%s (stdout: %s, stderr: %s)" % (" ".join(argv), p.stdout, p.stderr))
    return p.stdout


def installed_prefix(tmp):
    prefix = os.path.join(tmp, "prefix")
    run_ok(["cmake", "--install", build_dir(), "--prefix", prefix])
    env = cltest.merge_env({"PKG_CONFIG_PATH": os.path.join(prefix, "lib", "pkgconfig")})
    flags = run_ok(["pkg-config", "--cflags", "--libs", "centrallog"], env=env).split()
    return prefix, flags


def test_libcentrallog_synopsis_matches_header():
    secs, _ = sections(render(built("libcentrallog.3")))
    code = re.sub(r"/\*.*?\*/", "", code_block(secs["SYNOPSIS"]), flags=re.S)
    with open(HEADER, encoding="utf-8") as f:
        macros = set(re.findall(r"#define\s+(\w+)\(", f.read()))
    decls, named = [], set()
    for d in (x.strip() for x in code.split(";")):
        m = re.search(r"(\w+)\s*\(", d)
        if not m:
            continue
        name = m.group(1)
        named.add(name)
        if name not in macros:
            decls.append(" ".join(d.split()) + ";")
    eq(sorted(n for n in named if n not in macros and not n.startswith("cl_")), [],
       "SYNOPSIS declares only cl_ functions and the header's macros")
    check(len(decls) >= 10, "prototypes read from the SYNOPSIS", decls)
    # Every exported function has its prototype there.
    eq(sorted(n for n in header_names() if re.match(r"^cl_\w+$", n) and n not in macros
              and n not in named and n not in ("cl_options", "cl_stats")), [],
       "functions of centrallog.h without a prototype in the SYNOPSIS")
    tmp = cltest.make_tempdir("cl-e2e-man-syn-")
    try:
        prefix, flags = installed_prefix(tmp)
        src = os.path.join(tmp, "synopsis.c")
        with open(src, "w") as f:
            f.write("#include <centrallog.h>\n\n" + "\n".join(decls) + "\n")
        # A redeclaration whose types differ from the header's is an error.
        run_ok(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", src] +
               [f for f in flags if f.startswith("-I")])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_libcentrallog_example_builds_and_logs():
    secs, _ = sections(render(built("libcentrallog.3")))
    code = code_block(secs["EXAMPLE"])
    check(code.startswith("#include <centrallog.h>") and "int main(void)" in code,
          "the EXAMPLE read from the rendered page", code)
    tmp = cltest.make_tempdir("cl-e2e-man-ex-")
    try:
        prefix, flags = installed_prefix(tmp)
        src, exe = os.path.join(tmp, "example.c"), os.path.join(tmp, "example")
        with open(src, "w") as f:
            f.write(code)
        run_ok(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror"] + sanitize_flags() +
               [src, "-o", exe] + flags)
        with cltest.Collector() as c:
            env = cltest.merge_env({"CENTRALLOG_ADDRESS": c.sock,
                                    "LD_LIBRARY_PATH": os.path.join(prefix, "lib")})
            run_ok([exe], env=env)
            c.stop()
            eq(c.query("SELECT app, level, msg, fields FROM entries ORDER BY id"),
               [("billing", 6, "started, 4 workers", None),
                ("billing", 3, "payment declined", '{"order":81723,"currency":"EUR"}')],
               "the example's entries")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    cltest.main("test_man", [test_installed_pages_render_without_warnings,
                             test_centrallogd_options, test_centrallog_options,
                             test_libcentrallog_api, test_libcentrallog_synopsis_matches_header,
                             test_libcentrallog_example_builds_and_logs])
