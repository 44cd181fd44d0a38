/* test_sdk_cloexec.c - every descriptor the SDK creates is close-on-exec
 * from birth. Setting FD_CLOEXEC with fcntl after socket() or pipe() leaves a
 * window in which a child fork+exec'd by another thread inherits the
 * connection (and can log under this process's identity); the race itself is
 * tested end to end (tests/e2e/test_sdk.py test_no_fd_leak_to_exec). Here
 * the link wraps socket(), pipe() and pipe2() (-Wl,--wrap, see
 * tests/CMakeLists.txt) to see the flags each descriptor is created with:
 * deterministic, whatever the timing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "centrallog.h"

int __real_socket(int domain, int type, int protocol);
int __real_pipe(int p[2]);
int __real_pipe2(int p[2], int flags);
int __wrap_socket(int domain, int type, int protocol);
int __wrap_pipe(int p[2]);
int __wrap_pipe2(int p[2], int flags);

static atomic_int n_socket, n_socket_bare, n_pipe, n_pipe2, n_pipe2_bare;

int __wrap_socket(int domain, int type, int protocol)
{
    atomic_fetch_add(&n_socket, 1);
    if (!(type & SOCK_CLOEXEC))
        atomic_fetch_add(&n_socket_bare, 1);
    return __real_socket(domain, type, protocol);
}

int __wrap_pipe(int p[2])
{
    atomic_fetch_add(&n_pipe, 1); /* no flags at all: never close-on-exec */
    return __real_pipe(p);
}

int __wrap_pipe2(int p[2], int flags)
{
    atomic_fetch_add(&n_pipe2, 1);
    if (!(flags & O_CLOEXEC))
        atomic_fetch_add(&n_pipe2_bare, 1);
    return __real_pipe2(p, flags);
}

/* A listening socket in a private directory of ours, made with the real
 * socket() so it is not counted: the SDK checks the socket's directory and
 * owner before it creates a socket of its own, so the address must pass. */
static int listen_private(char *dir, char *path, size_t pathlen)
{
    struct sockaddr_un sa;
    int fd = __real_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    assert_non_null(mkdtemp(dir));
    snprintf(path, pathlen, "%s/c.sock", dir);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 8), 0);
    return fd;
}

static void test_sdk_descriptors_cloexec(void **state)
{
    cl_options o;
    cl_logger *lg;
    struct timespec pause = { 0, 1000000 };
    char dir[] = "/tmp/cl-cloexec-XXXXXX", path[128];
    int lfd;

    (void)state;
    lfd = listen_private(dir, path, sizeof path);
    cl_options_init(&o);
    o.address = path;
    assert_int_equal(cl_open(&lg, "cloexec", &o), CL_OK); /* the waker's pipe */
    assert_int_equal(cl_log(lg, CL_INFO, "x"), CL_OK);
    /* The sender thread creates a socket for its first connection attempt
     * at once; wait for it (no timing assumption: a cap only against a
     * hang, reached only if no socket is ever made). */
    for (int i = 0; i < 30000 && atomic_load(&n_socket) == 0; i++)
        nanosleep(&pause, NULL);
    cl_close(lg);
    close(lfd);
    unlink(path);
    rmdir(dir);
    assert_true(atomic_load(&n_socket) >= 1);
    assert_int_equal(atomic_load(&n_socket_bare), 0);
    assert_int_equal(atomic_load(&n_pipe), 0);
    assert_true(atomic_load(&n_pipe2) >= 1);
    assert_int_equal(atomic_load(&n_pipe2_bare), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdk_descriptors_cloexec),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
