/* syslog_probe.c - a program that logs as legacy programs do, through
 * glibc's syslog(3), for tests/e2e/test_syslog_socket.py. syslog(3) always
 * writes to /dev/log, so the test runs it in a mount namespace of its own
 * where /dev/log leads to the collector's --syslog-socket.
 *
 *   syslog_probe IDENT
 *       openlog(IDENT, LOG_PID, LOG_LOCAL3), one error; openlog(IDENT, 0,
 *       LOG_DAEMON), one warning, one debug message of two lines and one
 *       info message in Latin-1; then prints its PID on stdout.
 */
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: syslog_probe IDENT\n");
        return 2;
    }
    openlog(argv[1], LOG_PID | LOG_NDELAY, LOG_LOCAL3);
    syslog(LOG_ERR, "glibc says %s", "hello");
    closelog();
    openlog(argv[1], LOG_NDELAY, LOG_DAEMON);
    syslog(LOG_WARNING, "no pid, facility daemon");
    syslog(LOG_USER | LOG_DEBUG, "two\nlines");
    syslog(LOG_INFO, "caf\xe9 cr\xe8me"); /* a legacy program's Latin-1 */
    closelog();
    printf("%ld\n", (long)getpid());
    return 0;
}
