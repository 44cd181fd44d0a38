/* hello.c - the smallest useful libcentrallog program.
 *
 *   cc hello.c $(pkg-config --cflags --libs centrallog) -o hello
 *   ./hello            # logs three entries and waits for the collector's ack
 */
#include <stdio.h>

#include <centrallog.h>

int main(int argc, char **argv)
{
    cl_logger *lg;
    cl_stats st;
    int rc;

    (void)argc;
    rc = cl_open(&lg, "hello", NULL);
    if (rc != CL_OK) {
        fprintf(stderr, "cl_open: %s\n", cl_strerror(rc));
        return 1;
    }
    cl_log(lg, CL_INFO, "hello from %s (libcentrallog %s)", argv[0], cl_version());
    cl_log_kv(lg, CL_WARNING, "disk almost full", CL_STR("mount", "/var"), CL_DOUBLE("used", 0.93),
              CL_INT("free_mb", 512), CL_BOOL("alert", 1));
    cl_info(lg, "with source location");
    rc = cl_flush(lg, 5000);
    cl_get_stats(lg, &st);
    printf("flush: %s; acked %llu, rejected %llu, dropped %llu\n", cl_strerror(rc),
           (unsigned long long)st.acked, (unsigned long long)st.rejected,
           (unsigned long long)st.dropped);
    cl_close(lg);
    return rc == CL_OK ? 0 : 1;
}
