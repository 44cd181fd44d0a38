/* test_fsutil.c - the filesystem helpers retention and compression use
 * (common/fsutil.h): space on a filesystem, modification times, flushing,
 * shared reads. Portable: also built for Windows and run under Wine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#ifndef _WIN32
#include <sys/statvfs.h>
#endif

#include "fsutil.h"

#define NAME "test_fsutil.tmp"

static void test_fs_space(void **state)
{
    uint64_t total = 0, avail = 0, total2 = 0, avail2 = 0;
    FILE *f;

    (void)state;
    assert_int_equal(cl_fs_space(".", &total, &avail), 0);
    assert_true(total > 0);
    assert_true(avail <= total);
    /* A file gives its filesystem's figures (Windows: through its directory). */
    f = fopen(NAME, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(cl_fs_space(NAME, &total2, &avail2), 0);
    assert_int_equal(total2, total);
    assert_true(avail2 <= total2);
    remove(NAME);
#ifndef _WIN32
    {
        struct statvfs sv;

        /* The same arithmetic as df: blocks times the fragment size. */
        assert_int_equal(statvfs(".", &sv), 0);
        assert_int_equal(total, (uint64_t)sv.f_blocks * sv.f_frsize);
    }
#endif
    errno = 0;
    assert_int_equal(cl_fs_space("no/such/dir/at/all", &total, &avail), -1);
    assert_int_equal(errno, ENOENT);
}

static void test_mtime_and_shared_read(void **state)
{
    const int64_t when = 1795774503123456LL; /* 2026-11-27 */
    cl_file_id id;
    char buf[16] = "";
    int fd;
    FILE *f;

    (void)state;
    f = fopen(NAME, "wb");
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);
    fd = cl_open_read_shared(NAME);
    assert_true(fd >= 0);
    assert_int_equal(cl_fsync_dir_of(NAME), 0);
    assert_int_equal(cl_pread(fd, buf, 6, 0), 6);
    assert_memory_equal(buf, "hello\n", 6);
    close(fd);
    /* Setting the time needs a descriptor open for writing on Windows. */
    fd = cl_open_append(NAME);
    assert_true(fd >= 0);
    assert_int_equal(cl_set_mtime_fd(fd, when), 0);
    assert_int_equal(cl_fsync_fd(fd), 0);
    close(fd);
    assert_int_equal(cl_file_id_path(NAME, &id), 0);
    /* FAT and some filesystems keep 2 s or 100 ns steps: within a second. */
    assert_true(id.mtime_us > when - 1000000 && id.mtime_us <= when + 1000000);
    assert_int_equal(id.size, 6);
    /* Open for reading, the file can still be renamed and removed. */
    fd = cl_open_read_shared(NAME);
    assert_true(fd >= 0);
    assert_int_equal(cl_rename_replace(NAME, NAME ".2"), 0);
    assert_int_equal(remove(NAME ".2"), 0);
    close(fd);
    errno = 0;
    assert_int_equal(cl_open_read_shared(NAME), -1);
    assert_int_equal(errno, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fs_space),
        cmocka_unit_test(test_mtime_and_shared_read),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
