/* test_sdproto.c - systemd's socket-activation and readiness protocols
 * (collector/daemon/sdproto.h): the environment read exactly once and
 * cleared, the passed descriptor checked for what the collector can serve,
 * and notifications delivered as one datagram to a path or an abstract
 * ('@') socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdproto.h"

static char err[512];

static void set_listen_env(const char *pid, const char *fds)
{
    setenv("LISTEN_PID", pid, 1);
    setenv("LISTEN_FDS", fds, 1);
    setenv("LISTEN_FDNAMES", "x", 1);
}

static void assert_listen_env_cleared(void)
{
    assert_null(getenv("LISTEN_PID"));
    assert_null(getenv("LISTEN_FDS"));
    assert_null(getenv("LISTEN_FDNAMES"));
}

static void no_variables_no_fds(void **state)
{
    (void)state;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    assert_int_equal(cl_sd_listen_fds(err, sizeof err), 0);
}

static void other_process_fds_are_not_ours(void **state)
{
    char pid[32];

    (void)state;
    snprintf(pid, sizeof pid, "%ld", (long)getpid() + 1);
    set_listen_env(pid, "1");
    assert_int_equal(cl_sd_listen_fds(err, sizeof err), 0);
    assert_listen_env_cleared();
}

static void malformed_variables_refused(void **state)
{
    static const char *const bad[][2] = { { "12x", "1" }, { "", "1" },           { "-1", "1" },
                                          { "1", "1x" },  { "1", " 1" },         { "0", "1" },
                                          { "1", "" },    { "99999999999", "1" } };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_listen_env(bad[i][0], bad[i][1]);
        err[0] = '\0';
        assert_int_equal(cl_sd_listen_fds(err, sizeof err), -1);
        assert_non_null(strstr(err, "malformed socket activation variables"));
        assert_listen_env_cleared();
    }
}

static void our_fds_counted_and_cloexec(void **state)
{
    char pid[32];
    int p[2];

    (void)state;
    /* Descriptors 3 and 4 must be open for LISTEN_FDS=2. */
    assert_int_equal(pipe(p), 0);
    assert_true(p[0] >= 3 && p[1] >= 3);
    if (p[0] != 3) {
        assert_int_equal(dup2(p[0], 3), 3);
        close(p[0]);
    }
    if (p[1] != 4) {
        assert_int_equal(dup2(p[1], 4), 4);
        close(p[1]);
    }
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    set_listen_env(pid, "2");
    assert_int_equal(cl_sd_listen_fds(err, sizeof err), 2);
    assert_listen_env_cleared();
    assert_true(fcntl(3, F_GETFD) & FD_CLOEXEC);
    assert_true(fcntl(4, F_GETFD) & FD_CLOEXEC);
    set_listen_env(pid, "65");
    assert_int_equal(cl_sd_listen_fds(err, sizeof err), -1);
    assert_non_null(strstr(err, "LISTEN_FDS=65"));
    close(3);
    close(4);
    set_listen_env(pid, "1");
    assert_int_equal(cl_sd_listen_fds(err, sizeof err), -1);
    assert_non_null(strstr(err, "descriptor 3 is not open"));
}

static int bound(int type, const char *path, int listening)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, type, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (path != NULL) {
        memcpy(sa.sun_path, path, strlen(path) + 1);
        if (path[0] == '@')
            sa.sun_path[0] = '\0';
        assert_int_equal(
            bind(fd, (struct sockaddr *)&sa,
                 path[0] == '@' ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path))
                                : (socklen_t)sizeof sa),
            0);
    }
    if (listening)
        assert_int_equal(listen(fd, 4), 0);
    return fd;
}

static void sockets_classified(void **state)
{
    char dir[] = "/tmp/cl-sdproto-XXXXXX", path[128], got[128];
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.sock", dir);

    fd = bound(SOCK_STREAM, path, 1);
    assert_int_equal(cl_sd_classify(fd, got, sizeof got, err, sizeof err), CL_SD_STREAM);
    assert_string_equal(got, path);
    assert_int_equal(cl_sd_classify(fd, got, strlen(path), err, sizeof err), -1);
    close(fd);
    unlink(path);

    fd = bound(SOCK_STREAM, path, 0);
    assert_int_equal(cl_sd_classify(fd, got, sizeof got, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not listening"));
    close(fd);
    unlink(path);

    /* ListenDatagram=: a syslog socket. */
    fd = bound(SOCK_DGRAM, path, 0);
    memset(got, 0, sizeof got);
    assert_int_equal(cl_sd_classify(fd, got, sizeof got, err, sizeof err), CL_SD_DGRAM);
    assert_string_equal(got, path);
    close(fd);
    unlink(path);

    fd = bound(SOCK_SEQPACKET, path, 1);
    assert_int_equal(cl_sd_classify(fd, got, sizeof got, err, sizeof err), -1);
    assert_non_null(strstr(err, "neither a stream nor a datagram socket"));
    close(fd);
    unlink(path);

    fd = bound(SOCK_STREAM, "@cl-sdproto-test-abstract", 1);
    assert_int_equal(cl_sd_classify(fd, got, sizeof got, err, sizeof err), -1);
    assert_non_null(strstr(err, "not bound to an absolute path"));
    close(fd);

    fd = bound(SOCK_DGRAM, "@cl-sdproto-test-abstract-dgram", 0);
    assert_int_equal(cl_sd_classify(fd, got, sizeof got, err, sizeof err), -1);
    assert_non_null(strstr(err, "not bound to an absolute path"));
    close(fd);

    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(cl_sd_classify(fd, got, sizeof got, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not an AF_UNIX socket"));
    close(fd);

    assert_int_equal(cl_sd_classify(1000, got, sizeof got, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not a socket"));
    rmdir(dir);
}

/* Opens descriptors 3 .. 3+n-1 (pipes) for LISTEN_FDS=n. */
static void open_fds(int n)
{
    for (int fd = 3; fd < 3 + n; fd++)
        assert_int_equal(dup2(2, fd), fd);
}

static void close_fds(int n)
{
    for (int fd = 3; fd < 3 + n; fd++)
        close(fd);
}

static void fd_names(void **state)
{
    char pid[32], name[128];

    (void)state;
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    open_fds(2);
    set_listen_env(pid, "2");
    setenv("LISTEN_FDNAMES", "centrallogd.socket:syslog", 1);
    assert_int_equal(cl_sd_listen_fds(err, sizeof err), 2);
    assert_listen_env_cleared();
    assert_string_equal(cl_sd_fd_name(3), "centrallogd.socket");
    assert_string_equal(cl_sd_fd_name(4), "syslog");
    assert_string_equal(cl_sd_fd_name(5), "");
    assert_string_equal(cl_sd_fd_name(2), "");
    /* Named in errors: descriptor 3 is a pipe. */
    assert_int_equal(cl_sd_classify(3, name, sizeof name, err, sizeof err), -1);
    assert_string_equal(err, "descriptor 3 (centrallogd.socket) passed by the service manager is "
                             "not a socket");

    /* A list that does not match the count names nothing. */
    static const char *const bad[] = { "a", "a:b:c", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_listen_env(pid, "2");
        setenv("LISTEN_FDNAMES", bad[i], 1);
        assert_int_equal(cl_sd_listen_fds(err, sizeof err), 2);
        assert_string_equal(cl_sd_fd_name(3), "");
        assert_string_equal(cl_sd_fd_name(4), "");
    }
    set_listen_env(pid, "2");
    unsetenv("LISTEN_FDNAMES");
    assert_int_equal(cl_sd_listen_fds(err, sizeof err), 2);
    assert_string_equal(cl_sd_fd_name(3), "");
    assert_int_equal(cl_sd_classify(3, name, sizeof name, err, sizeof err), -1);
    assert_string_equal(err, "descriptor 3 passed by the service manager is not a socket");
    close_fds(2);
}

static void received(int fd, const char *want)
{
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

    assert_int_equal(n, (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
}

static void notify_path_and_abstract(void **state)
{
    char dir[] = "/tmp/cl-sdproto-XXXXXX", path[128];
    int rx;

    (void)state;
    /* No manager: nothing opened, sending is a quiet success. */
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(cl_sd_notify_open(err, sizeof err), 0);
    assert_int_equal(cl_sd_notify("READY=1"), 0);

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/notify", dir);
    rx = bound(SOCK_DGRAM, path, 0);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(cl_sd_notify_open(err, sizeof err), 1);
    assert_null(getenv("NOTIFY_SOCKET"));
    assert_int_equal(cl_sd_notify("READY=1\nSTATUS=listening"), 0);
    received(rx, "READY=1\nSTATUS=listening");
    cl_sd_notify_close();
    assert_int_equal(cl_sd_notify("STOPPING=1"), 0); /* closed: nothing sent */
    assert_int_equal(recv(rx, path, 1, MSG_DONTWAIT), -1);
    close(rx);
    unlink(path);
    rmdir(dir);

    rx = bound(SOCK_DGRAM, "@cl-sdproto-test-notify", 0);
    setenv("NOTIFY_SOCKET", "@cl-sdproto-test-notify", 1);
    assert_int_equal(cl_sd_notify_open(err, sizeof err), 1);
    assert_int_equal(cl_sd_notify("STOPPING=1"), 0);
    received(rx, "STOPPING=1");
    cl_sd_notify_close();
    close(rx);

    /* Nobody listening there: the send fails, it does not block. */
    setenv("NOTIFY_SOCKET", "@cl-sdproto-test-nobody", 1);
    assert_int_equal(cl_sd_notify_open(err, sizeof err), 1);
    assert_int_equal(cl_sd_notify("READY=1"), -1);
    cl_sd_notify_close();
}

static void notify_bad_variable(void **state)
{
    static const char *const bad[] = { "relative/path", "@", "x" };
    char longname[200];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("NOTIFY_SOCKET", bad[i], 1);
        assert_int_equal(cl_sd_notify_open(err, sizeof err), -1);
        assert_non_null(strstr(err, "NOTIFY_SOCKET="));
        assert_null(getenv("NOTIFY_SOCKET"));
        assert_int_equal(cl_sd_notify("READY=1"), 0);
    }
    memset(longname, 'a', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    setenv("NOTIFY_SOCKET", longname, 1);
    assert_int_equal(cl_sd_notify_open(err, sizeof err), -1);
}

static void watchdog_variables(void **state)
{
    static const char *const bad[] = { "", "0", "-5", "12x", "0500", "1234567890123456789" };
    char pid[32];

    (void)state;
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    assert_int_equal(cl_sd_watchdog_usec(), 0);

    setenv("WATCHDOG_USEC", "180000000", 1);
    assert_int_equal(cl_sd_watchdog_usec(), 180000000LL);
    assert_null(getenv("WATCHDOG_USEC"));
    assert_int_equal(cl_sd_watchdog_usec(), 0); /* read once */

    setenv("WATCHDOG_USEC", "500000", 1);
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(cl_sd_watchdog_usec(), 500000);
    assert_null(getenv("WATCHDOG_USEC"));
    assert_null(getenv("WATCHDOG_PID"));

    /* Meant for another process: none here, and cleared all the same. */
    setenv("WATCHDOG_USEC", "500000", 1);
    setenv("WATCHDOG_PID", "1", 1);
    assert_int_equal(cl_sd_watchdog_usec(), 0);
    assert_null(getenv("WATCHDOG_USEC"));
    assert_null(getenv("WATCHDOG_PID"));

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("WATCHDOG_USEC", bad[i], 1);
        assert_int_equal(cl_sd_watchdog_usec(), 0);
        assert_null(getenv("WATCHDOG_USEC"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_variables_no_fds),
        cmocka_unit_test(other_process_fds_are_not_ours),
        cmocka_unit_test(malformed_variables_refused),
        cmocka_unit_test(our_fds_counted_and_cloexec),
        cmocka_unit_test(sockets_classified),
        cmocka_unit_test(fd_names),
        cmocka_unit_test(notify_path_and_abstract),
        cmocka_unit_test(notify_bad_variable),
        cmocka_unit_test(watchdog_variables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
