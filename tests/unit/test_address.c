/* test_address.c - where producers and the collector meet
 * (common/address.h): --address, then $CENTRALLOG_ADDRESS, then the
 * platform default, with Windows pipe names mapped onto socket paths; and
 * the check that a socket was put there by someone the user can trust
 * (cl_sock_check), with the order of the defaults a connecting program tries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "address.h"

/* The environment is process-wide: every test starts from a clean one and
 * puts back what the runner had. */
static char *saved_address, *saved_xdg;

static char *dup_env(const char *name)
{
    const char *v = getenv(name);

    return v ? strdup(v) : NULL;
}

static void restore_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

static int clean_env(void **state)
{
    (void)state;
    saved_address = dup_env(CL_ADDRESS_ENV);
    saved_xdg = dup_env("XDG_RUNTIME_DIR");
    unsetenv(CL_ADDRESS_ENV);
    return 0;
}

static int restore(void **state)
{
    (void)state;
    restore_env(CL_ADDRESS_ENV, saved_address);
    restore_env("XDG_RUNTIME_DIR", saved_xdg);
    free(saved_address);
    free(saved_xdg);
    saved_address = saved_xdg = NULL;
    return 0;
}

/* The default directory this process should get, by the documented rule. */
static void expected_dir(char *out, size_t outlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (geteuid() == 0)
        snprintf(out, outlen, "/run/centrallog");
    else if (xdg != NULL && xdg[0] == '/')
        snprintf(out, outlen, "%s/centrallog", xdg);
    else
        snprintf(out, outlen, "/tmp/centrallog-%lu", (unsigned long)geteuid());
}

static void assert_resolves(const char *explicit_addr, const char *expect)
{
    char out[512];

    memset(out, '#', sizeof out);
    if (cl_address_resolve(explicit_addr, out, sizeof out) != 0)
        fail_msg("'%s' was refused", explicit_addr ? explicit_addr : "(null)");
    assert_string_equal(out, expect);
}

static void assert_refused(const char *explicit_addr)
{
    char out[512];

    if (cl_address_resolve(explicit_addr, out, sizeof out) == 0)
        fail_msg("'%s' resolved to '%s'", explicit_addr, out);
}

static void test_explicit_wins(void **state)
{
    (void)state;
    setenv(CL_ADDRESS_ENV, "/tmp/from-env.sock", 1);
    assert_resolves("/tmp/explicit.sock", "/tmp/explicit.sock");
    assert_string_equal(cl_address_origin("/tmp/explicit.sock"), "--address");
    /* Any other value is a path, relative ones included. */
    assert_resolves("relative.sock", "relative.sock");
}

static void test_env_next(void **state)
{
    (void)state;
    setenv(CL_ADDRESS_ENV, "/tmp/from-env.sock", 1);
    assert_resolves(NULL, "/tmp/from-env.sock");
    assert_resolves("", "/tmp/from-env.sock");
    assert_string_equal(cl_address_origin(NULL), "$CENTRALLOG_ADDRESS");
    assert_string_equal(cl_address_origin(""), "$CENTRALLOG_ADDRESS");
}

static void test_default_last(void **state)
{
    char dir[512], expect[600];

    (void)state;
    expected_dir(dir, sizeof dir);
    snprintf(expect, sizeof expect, "%s/CentralLog.sock", dir);
    if (geteuid() == 0)
        assert_string_equal(expect, "/run/centrallog/CentralLog.sock");
    assert_resolves(NULL, expect);
    /* An empty variable is the same as none. */
    setenv(CL_ADDRESS_ENV, "", 1);
    assert_resolves(NULL, expect);
    assert_string_equal(cl_address_origin(NULL), "default");
}

static void test_pipe_names(void **state)
{
    char dir[512], expect[600];

    (void)state;
    expected_dir(dir, sizeof dir);
    snprintf(expect, sizeof expect, "%s/Foo.sock", dir);
    assert_resolves("\\\\.\\pipe\\Foo", expect);
    assert_resolves("//./pipe/Foo", expect);
    /* From the environment too: one configuration for both platforms. */
    setenv(CL_ADDRESS_ENV, "\\\\.\\pipe\\Foo", 1);
    assert_resolves(NULL, expect);
    snprintf(expect, sizeof expect, "%s/CentralLog.sock", dir);
    assert_resolves(CL_PIPE_PREFIX CL_DEFAULT_PIPE_NAME, expect);
    snprintf(expect, sizeof expect, "%s/My App.v2.sock", dir);
    assert_resolves("\\\\.\\pipe\\My App.v2", expect);
}

static void test_bad_pipe_names(void **state)
{
    (void)state;
    assert_refused("\\\\.\\pipe\\");
    assert_refused("//./pipe/");
    /* A pipe name is one path component: no escaping the directory. */
    assert_refused("\\\\.\\pipe\\a/b");
    assert_refused("\\\\.\\pipe\\a\\b");
    assert_refused("//./pipe/../../etc/x");
    assert_refused("//./pipe/a\\b");
    setenv(CL_ADDRESS_ENV, "\\\\.\\pipe\\", 1);
    assert_refused(NULL);
}

static void test_output_too_small(void **state)
{
    char out[32];
    char dir[512];

    (void)state;
    /* "/tmp/abcdef.sock" is 16 characters: 17 bytes fit, 16 do not. */
    assert_int_equal(cl_address_resolve("/tmp/abcdef.sock", out, 17), 0);
    assert_string_equal(out, "/tmp/abcdef.sock");
    assert_int_equal(cl_address_resolve("/tmp/abcdef.sock", out, 16), -1);
    assert_int_equal(cl_address_resolve("\\\\.\\pipe\\Foo", out, 16), -1);
    assert_int_equal(cl_address_default_dir(out, 4), -1);
    assert_int_equal(cl_address_default_dir(dir, sizeof dir), 0);
}

static void test_default_dir_root(void **state)
{
    char dir[512];

    (void)state;
    if (geteuid() != 0) {
        skip();
        return;
    }
    /* root always uses /run, whatever XDG_RUNTIME_DIR says. */
    setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
    assert_int_equal(cl_address_default_dir(dir, sizeof dir), 0);
    assert_string_equal(dir, "/run/centrallog");
    unsetenv("XDG_RUNTIME_DIR");
    assert_int_equal(cl_address_default_dir(dir, sizeof dir), 0);
    assert_string_equal(dir, "/run/centrallog");
}

/* The rules for other users: $XDG_RUNTIME_DIR/centrallog when it is an
 * absolute path, else /tmp/centrallog-<uid>. Returns a description of the
 * first mismatch, or NULL. */
static const char *check_user_rules(char *why, size_t whylen)
{
    char dir[512], expect[512];
    unsigned long uid = (unsigned long)geteuid();

    setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
    if (cl_address_default_dir(dir, sizeof dir) != 0 ||
        strcmp(dir, "/run/user/4242/centrallog") != 0) {
        snprintf(why, whylen, "XDG set: got '%s'", dir);
        return why;
    }
    snprintf(expect, sizeof expect, "/tmp/centrallog-%lu", uid);
    setenv("XDG_RUNTIME_DIR", "relative/dir", 1);
    if (cl_address_default_dir(dir, sizeof dir) != 0 || strcmp(dir, expect) != 0) {
        snprintf(why, whylen, "relative XDG: got '%s', expected '%s'", dir, expect);
        return why;
    }
    unsetenv("XDG_RUNTIME_DIR");
    if (cl_address_default_dir(dir, sizeof dir) != 0 || strcmp(dir, expect) != 0) {
        snprintf(why, whylen, "no XDG: got '%s', expected '%s'", dir, expect);
        return why;
    }
    setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
    if (cl_address_resolve("//./pipe/Foo", dir, sizeof dir) != 0 ||
        strcmp(dir, "/run/user/4242/centrallog/Foo.sock") != 0) {
        snprintf(why, whylen, "pipe name: got '%s'", dir);
        return why;
    }
    return NULL;
}

static void test_default_dir_user(void **state)
{
    char why[1200];
    const char *problem;

    (void)state;
    if (geteuid() == 0) {
        /* As root, check the user rules in a child that gives up root
         * (nobody's uid), so that they are covered on CI runners too. */
        struct passwd *pw = getpwnam("nobody");
        pid_t pid;
        int status;

        if (pw == NULL) {
            skip();
            return;
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
                _exit(77);
            problem = check_user_rules(why, sizeof why);
            if (problem != NULL) {
                fprintf(stderr, "%s\n", problem);
                _exit(1);
            }
            _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77) {
            skip();
            return;
        }
        assert_int_equal(WEXITSTATUS(status), 0);
        return;
    }
    problem = check_user_rules(why, sizeof why);
    if (problem != NULL)
        fail_msg("%s", problem);
}

/* A Unix socket bound at path (the kind of file the fallback looks for). */
static void make_socket(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
}

/* The connecting side's fallback, as a user other than root (the system
 * collector's socket in sys, the user's runtime dir in user). Returns a
 * description of the first mismatch, or NULL. */
static const char *check_connect_rules(const char *user, const char *sys, char *why, size_t whylen)
{
    char out[512], mine[512], theirs[512];

    snprintf(mine, sizeof mine, "%s/centrallog/CentralLog.sock", user);
    snprintf(theirs, sizeof theirs, "%s/CentralLog.sock", sys);
    setenv("XDG_RUNTIME_DIR", user, 1);
    /* No collector of one's own: the system one. */
    if (cl_address_resolve_connect_in(NULL, sys, out, sizeof out, NULL, 0) != 0 ||
        strcmp(out, theirs)) {
        snprintf(why, whylen, "fallback: got '%s', expected '%s'", out, theirs);
        return why;
    }
    /* Chosen addresses are kept, answering or not. */
    setenv("CENTRALLOG_ADDRESS", "/nowhere/x.sock", 1);
    if (cl_address_resolve_connect_in(NULL, sys, out, sizeof out, NULL, 0) != 0 ||
        strcmp(out, "/nowhere/x.sock")) {
        snprintf(why, whylen, "environment: got '%s'", out);
        return why;
    }
    unsetenv("CENTRALLOG_ADDRESS");
    if (cl_address_resolve_connect_in("/nowhere/y.sock", sys, out, sizeof out, NULL, 0) != 0 ||
        strcmp(out, "/nowhere/y.sock")) {
        snprintf(why, whylen, "explicit: got '%s'", out);
        return why;
    }
    /* The user's own collector wins once its socket exists. */
    snprintf(out, sizeof out, "%s/centrallog", user);
    if (mkdir(out, 0700) != 0) {
        snprintf(why, whylen, "cannot create %s", out);
        return why;
    }
    make_socket(mine);
    if (cl_address_resolve_connect_in(NULL, sys, out, sizeof out, NULL, 0) != 0 ||
        strcmp(out, mine)) {
        snprintf(why, whylen, "own collector: got '%s', expected '%s'", out, mine);
        return why;
    }
    return NULL;
}

static void test_connect_fallback(void **state)
{
    char user[] = "/tmp/cl-addr-user-XXXXXX", sys[] = "/tmp/cl-addr-sys-XXXXXX";
    char why[1200], path[512], out[512];
    struct passwd *pw = getpwnam("nobody");
    const char *problem = NULL;
    pid_t pid;
    int status;

    (void)state;
    assert_non_null(mkdtemp(user));
    assert_non_null(mkdtemp(sys));
    assert_int_equal(chmod(sys, 0755), 0);
    snprintf(path, sizeof path, "%s/CentralLog.sock", sys);
    /* A regular file is not a collector: no fallback to it. */
    close(open(path, O_CREAT | O_WRONLY, 0644));
    setenv("XDG_RUNTIME_DIR", user, 1);
    if (geteuid() != 0) {
        assert_int_equal(cl_address_resolve_connect_in(NULL, sys, out, sizeof out, NULL, 0), 0);
        snprintf(why, sizeof why, "%s/centrallog/CentralLog.sock", user);
        assert_string_equal(out, why);
    }
    unlink(path);
    make_socket(path);
    if (geteuid() == 0) {
        /* Root's own default is the system directory: nothing to fall back
         * from. Then the user rules, as nobody, in a child. */
        assert_int_equal(cl_address_resolve_connect_in(NULL, sys, out, sizeof out, NULL, 0), 0);
        assert_string_equal(out, "/run/centrallog/CentralLog.sock");
        assert_non_null(pw);
        assert_int_equal(chown(user, pw->pw_uid, pw->pw_gid), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
                _exit(2);
            problem = check_connect_rules(user, sys, why, sizeof why);
            if (problem != NULL)
                fprintf(stderr, "%s\n", problem);
            _exit(problem != NULL);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    } else {
        problem = check_connect_rules(user, sys, why, sizeof why);
    }
    snprintf(path, sizeof path, "rm -rf '%s' '%s'", user, sys);
    assert_int_equal(system(path), 0);
    if (problem != NULL)
        fail_msg("%s", problem);
}

/* ------------------------------------------------ the socket check */

/* Whether cl_sock_check(path) gives want, and (unless NULL) why contains
 * part. */
static void assert_check(const char *path, int want, const char *part)
{
    char why[512];
    cl_sock_trust t;
    int r = cl_sock_check(path, &t, why, sizeof why);

    if (r != want)
        fail_msg("%s: got %d (%s), expected %d", path, r, why, want);
    if (part != NULL && strstr(why, part) == NULL)
        fail_msg("%s: '%s' does not say '%s'", path, why, part);
}

/* A scratch tree: base (0700, ours) holding dir d (0700) with a socket s. */
typedef struct tree {
    char base[64], dir[80], sock[100];
} tree;

static void tree_make(tree *t)
{
    snprintf(t->base, sizeof t->base, "/tmp/cl-sockchk-XXXXXX");
    assert_non_null(mkdtemp(t->base));
    snprintf(t->dir, sizeof t->dir, "%s/d", t->base);
    snprintf(t->sock, sizeof t->sock, "%s/s.sock", t->dir);
    assert_int_equal(mkdir(t->dir, 0700), 0);
    make_socket(t->sock);
}

static void tree_remove(tree *t)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->base);
    assert_int_equal(system(cmd), 0);
}

static void test_check_trusted(void **state)
{
    char why[512];
    cl_sock_trust trust;
    tree t;

    (void)state;
    tree_make(&t);
    assert_int_equal(cl_sock_check(t.sock, &trust, why, sizeof why), CL_SOCK_OK);
    assert_int_equal(trust.dir_uid, (unsigned long)geteuid());
    /* Nothing there yet: missing, never unsafe (and never connected to). */
    snprintf(why, sizeof why, "%s/none.sock", t.dir);
    assert_check(why, CL_SOCK_MISSING, "No such file");
    snprintf(why, sizeof why, "%s/nodir/none.sock", t.base);
    assert_check(why, CL_SOCK_MISSING, NULL);
    tree_remove(&t);
}

static void test_check_symlinked_dir(void **state)
{
    char link[160], path[200];
    tree t;

    (void)state;
    tree_make(&t);
    /* /tmp/centrallog-<uid> -> somewhere: its owner could re-point it. */
    snprintf(link, sizeof link, "%s/link", t.base);
    assert_int_equal(symlink(t.dir, link), 0);
    snprintf(path, sizeof path, "%s/s.sock", link);
    assert_check(path, CL_SOCK_UNSAFE, "symbolic link");
    tree_remove(&t);
}

static void test_check_writable_dir(void **state)
{
    tree t;

    (void)state;
    tree_make(&t);
    assert_int_equal(chmod(t.dir, 0770), 0);
    assert_check(t.sock, CL_SOCK_UNSAFE, "its group");
    assert_int_equal(chmod(t.dir, 0703), 0);
    assert_check(t.sock, CL_SOCK_UNSAFE, "every user");
    /* Sticky, as /tmp: nobody can replace another's file, and the socket
     * is ours. */
    assert_int_equal(chmod(t.dir, 01777), 0);
    assert_check(t.sock, CL_SOCK_OK, NULL);
    tree_remove(&t);
}

static void test_check_not_a_socket(void **state)
{
    char path[200];
    tree t;
    int fd;

    (void)state;
    tree_make(&t);
    snprintf(path, sizeof path, "%s/file.sock", t.dir);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_check(path, CL_SOCK_UNSAFE, "a regular file, not a socket");
    snprintf(path, sizeof path, "%s/link.sock", t.dir);
    assert_int_equal(symlink(t.sock, path), 0);
    assert_check(path, CL_SOCK_UNSAFE, "a symbolic link, not a socket");
    snprintf(path, sizeof path, "%s/fifo.sock", t.dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_check(path, CL_SOCK_UNSAFE, "FIFO");
    tree_remove(&t);
}

#define OTHER_UID 12345 /* any uid that is neither root nor the test's */

static void test_check_other_owner(void **state)
{
    char why[512];
    cl_sock_trust trust;
    tree t;

    (void)state;
    if (geteuid() != 0) {
        skip(); /* only root can give a file to another user */
        return;
    }
    tree_make(&t);
    /* A directory another user made in a place anyone may write to (/tmp
     * is sticky and world-writable): a squatter's. */
    assert_int_equal(chmod(t.base, 01777), 0);
    assert_int_equal(chown(t.dir, OTHER_UID, OTHER_UID), 0);
    assert_check(t.sock, CL_SOCK_UNSAFE, "belongs to uid 12345");
    /* The same directory inside one only root may write to: root handed it
     * over (as systemd does with /run/centrallog); its owner is trusted. */
    assert_int_equal(chmod(t.base, 0755), 0);
    assert_int_equal(cl_sock_check(t.sock, &trust, why, sizeof why), CL_SOCK_OK);
    assert_int_equal(trust.dir_uid, OTHER_UID);
    /* Our directory, but a socket another user put there (sticky dir). */
    assert_int_equal(chown(t.dir, 0, 0), 0);
    assert_int_equal(chmod(t.dir, 01777), 0);
    assert_int_equal(lchown(t.sock, OTHER_UID, OTHER_UID), 0);
    assert_check(t.sock, CL_SOCK_UNSAFE, "the socket");
    tree_remove(&t);
}

/* The listener's uid, checked after connect: a child as nobody listens. */
static void test_check_peer(void **state)
{
    struct passwd *pw = getpwnam("nobody");
    struct sockaddr_un sa;
    cl_sock_trust trust;
    char why[512], c;
    int ready[2], done[2], fd, status;
    pid_t pid;
    tree t;

    (void)state;
    if (geteuid() != 0 || pw == NULL) {
        skip();
        return;
    }
    tree_make(&t);
    assert_int_equal(chmod(t.base, 0755), 0);
    assert_int_equal(chown(t.dir, pw->pw_uid, pw->pw_gid), 0);
    unlink(t.sock);
    /* Two pipes, each end closed where unused: a child that fails gives
     * end-of-file here, never a hang. */
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(done), 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", t.sock);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int l;

        close(ready[0]);
        close(done[1]);
        if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
            _exit(2);
        l = socket(AF_UNIX, SOCK_STREAM, 0);
        if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 4) != 0) {
            perror(sa.sun_path);
            _exit(3);
        }
        (void)!write(ready[1], "r", 1);
        (void)!read(done[0], &c, 1); /* until the parent is done */
        _exit(0);
    }
    close(ready[1]);
    close(done[0]);
    assert_int_equal(read(ready[0], &c, 1), 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    trust.dir_uid = pw->pw_uid;
    assert_int_equal(cl_sock_check_peer(fd, t.sock, &trust, why, sizeof why), 0);
    /* A listener that is neither us, root nor the directory's owner. */
    trust.dir_uid = OTHER_UID;
    assert_int_equal(cl_sock_check_peer(fd, t.sock, &trust, why, sizeof why), -1);
    assert_non_null(strstr(why, "runs as uid"));
    close(fd);
    assert_int_equal(write(done[1], "d", 1), 1);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]);
    close(done[1]);
    tree_remove(&t);
}

/* Without $XDG_RUNTIME_DIR the system collector comes before
 * /tmp/centrallog-<uid>, and a squatted /tmp directory is skipped and
 * named in the note. Runs as the (non-root) caller; tmpdir is that user's
 * /tmp/centrallog-<uid>, which must not exist yet. Returns NULL or why not. */
static const char *check_tmp_fallback(const char *sys, const char *tmpdir, char *why, size_t whylen)
{
    char out[512], note[1024], mine[512], theirs[512];

    unsetenv("XDG_RUNTIME_DIR");
    unsetenv(CL_ADDRESS_ENV);
    snprintf(mine, sizeof mine, "%s/CentralLog.sock", tmpdir);
    snprintf(theirs, sizeof theirs, "%s/CentralLog.sock", sys);
    if (mkdir(tmpdir, 0700) != 0) {
        snprintf(why, whylen, "cannot create %s", tmpdir);
        return why;
    }
    make_socket(mine);
    /* Both answer: the system collector wins (it used to be the /tmp one). */
    if (cl_address_resolve_connect_in(NULL, sys, out, sizeof out, note, sizeof note) != 0 ||
        strcmp(out, theirs) != 0 || note[0] != '\0') {
        snprintf(why, whylen, "both: got '%.200s' (note '%.200s'), expected '%.200s'", out, note,
                 theirs);
        return why;
    }
    /* No system collector: the user's own /tmp one, which is safe. */
    if (cl_address_resolve_connect_in(NULL, "/nonexistent", out, sizeof out, note, sizeof note) !=
            0 ||
        strcmp(out, mine) != 0) {
        snprintf(why, whylen, "own only: got '%s', expected '%s'", out, mine);
        return why;
    }
    /* Made writable by others: skipped with a note, even with no other
     * candidate (the result names it for the error, and the connecting
     * code refuses it). */
    chmod(tmpdir, 0777);
    if (cl_address_resolve_connect_in(NULL, sys, out, sizeof out, note, sizeof note) != 0 ||
        strcmp(out, theirs) != 0 || strstr(note, "skipped") != NULL) {
        snprintf(why, whylen, "writable, with sys: got '%s' note '%.200s'", out, note);
        return why;
    }
    if (cl_address_resolve_connect_in(NULL, "/nonexistent", out, sizeof out, note, sizeof note) !=
            0 ||
        strcmp(out, mine) != 0 || strstr(note, "skipped") == NULL || strstr(note, tmpdir) == NULL) {
        snprintf(why, whylen, "writable, alone: got '%s' note '%.200s'", out, note);
        return why;
    }
    return NULL;
}

static void test_tmp_fallback_last(void **state)
{
    char sys[] = "/tmp/cl-addr-sys-XXXXXX", tmpdir[64], why[1200], path[600];
    struct passwd *pw = getpwnam("nobody");
    const char *problem = NULL;
    unsigned long uid = (unsigned long)geteuid();
    pid_t pid;
    int status;

    (void)state;
    if (uid == 0) {
        if (pw == NULL) {
            skip();
            return;
        }
        uid = (unsigned long)pw->pw_uid;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/centrallog-%lu", uid);
    if (access(tmpdir, F_OK) == 0) {
        skip(); /* a real collector of this user's may live there */
        return;
    }
    assert_non_null(mkdtemp(sys));
    assert_int_equal(chmod(sys, 0755), 0);
    snprintf(path, sizeof path, "%s/CentralLog.sock", sys);
    make_socket(path);
    if (geteuid() == 0) {
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
                _exit(2);
            problem = check_tmp_fallback(sys, tmpdir, why, sizeof why);
            if (problem != NULL)
                fprintf(stderr, "%s\n", problem);
            _exit(problem != NULL);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        problem = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? NULL : "see stderr";
    } else {
        problem = check_tmp_fallback(sys, tmpdir, why, sizeof why);
    }
    snprintf(path, sizeof path, "rm -rf '%s' '%s'", tmpdir, sys);
    assert_int_equal(system(path), 0);
    if (problem != NULL)
        fail_msg("%s", problem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_explicit_wins, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_env_next, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_default_last, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_pipe_names, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_bad_pipe_names, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_output_too_small, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_default_dir_root, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_default_dir_user, clean_env, restore),
        cmocka_unit_test_setup_teardown(test_connect_fallback, clean_env, restore),
        cmocka_unit_test(test_check_trusted),
        cmocka_unit_test(test_check_symlinked_dir),
        cmocka_unit_test(test_check_writable_dir),
        cmocka_unit_test(test_check_not_a_socket),
        cmocka_unit_test(test_check_other_owner),
        cmocka_unit_test(test_check_peer),
        cmocka_unit_test_setup_teardown(test_tmp_fallback_last, clean_env, restore),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
