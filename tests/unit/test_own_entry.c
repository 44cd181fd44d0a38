/* test_own_entry.c - the collector's own entries (collector/ingest/own_entry.h)
 * are the records the validator makes of the same entry sent as a line: a
 * report built from its parts is stored exactly as the printed-and-parsed
 * one was (issue 14). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "own_entry.h"
#include "validate.h"

static const cl_peer self = { .pid = 4242, .uid = 1000, .gid = 1000 };

static void assert_str_eq(const cl_str *a, const cl_str *b)
{
    assert_int_equal(a->n, b->n);
    if (a->p == NULL || b->p == NULL)
        assert_ptr_equal(a->p, b->p);
    else
        assert_memory_equal(a->p, b->p, a->n);
}

/* The record of line, as the validator makes it, next to the own entry. */
static void check_same(const char *host, int level, const char *lvl_name, const char *msg,
                       const char *fields)
{
    cl_validator val;
    cl_own_entry e = { level, msg, fields, self.pid, { host, host ? strlen(host) : 0 } };
    char line[2048];
    cl_line_result res;
    cl_record *own;
    const cl_entry_fields *a, *b;

    cl_limits_default(&val.limits);
    val.default_host = e.host;
    snprintf(line, sizeof line,
             "{\"app\":\"centrallogd\",\"level\":\"%s\",\"msg\":\"%s\",\"pid\":%lld,\"fields\":%s}",
             lvl_name, msg, (long long)self.pid, fields);
    cl_validate_line(&val, line, strlen(line), 1234567, &self, &res);
    assert_int_equal(res.kind, CL_LINE_ENTRY);
    own = cl_own_entry_new(&e, 1234567, &self);
    assert_non_null(own);
    assert_int_equal(own->kind, res.rec->kind);
    assert_int_equal(own->size, res.rec->size);
    assert_int_equal(own->received_us, res.rec->received_us);
    assert_memory_equal(&own->peer, &res.rec->peer, sizeof own->peer);
    assert_int_equal(own->own, 1);
    a = &own->u.e;
    b = &res.rec->u.e;
    assert_int_equal(a->ts_us, b->ts_us);
    assert_int_equal(a->level, b->level);
    assert_int_equal(a->has_pid, b->has_pid);
    assert_int_equal(a->pid, b->pid);
    assert_int_equal(a->has_tid, b->has_tid);
    assert_str_eq(&a->app, &b->app);
    assert_str_eq(&a->host, &b->host);
    assert_str_eq(&a->logger, &b->logger);
    assert_str_eq(&a->trace_id, &b->trace_id);
    assert_str_eq(&a->span_id, &b->span_id);
    assert_str_eq(&a->msg, &b->msg);
    assert_str_eq(&a->fields, &b->fields);
    assert_str_eq(&a->extra, &b->extra);
    cl_record_free(own);
    cl_record_free(res.rec);
}

static void test_rate_report(void **state)
{
    (void)state;
    check_same(NULL, CL_LVL_WARNING, "warning",
               "rate limit: suppressed 7 entries from demo[99] (more than 5 in 1 s)",
               "{\"suppressed\":7,\"source_app\":\"demo\",\"source_pid\":99,\"burst\":5,"
               "\"interval_s\":0.5}");
}

static void test_db_event_with_host(void **state)
{
    (void)state;
    check_same("web-1", CL_LVL_ERROR, "error", "the database was damaged (é) and renamed",
               "{\"damage\":\"x\",\"event\":\"db_corrupt\",\"db_path\":\"/var/lib/d.db\"}");
}

/* The validator refuses what is not UTF-8, so such an entry was never
 * stored; neither is it now. */
static void test_not_utf8(void **state)
{
    cl_own_entry e = { CL_LVL_ERROR, "bad \xff path", "{}", 1, { NULL, 0 } };
    cl_own_entry f = { CL_LVL_ERROR, "ok", "{\"db_path\":\"\xc3\"}", 1, { NULL, 0 } };

    (void)state;
    assert_null(cl_own_entry_new(&e, 1, &self));
    assert_null(cl_own_entry_new(&f, 1, &self));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_report),
        cmocka_unit_test(test_db_event_with_host),
        cmocka_unit_test(test_not_utf8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
