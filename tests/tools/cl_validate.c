/* cl_validate.c - runs the collector's validator on files, one entry each,
 * and prints "<path>\t<ok|reason_code>". The schema conformance test compares
 * these verdicts with an independent JSON Schema validator's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

static int judge(const cl_validator *v, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    cl_line_result res;
    cl_peer peer = { -1, -1, -1, NULL };

    if (f == NULL) {
        perror(path);
        return -1;
    }
    buf = malloc(1u << 20);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, (1u << 20) - 1, f);
    fclose(f);
    /* A file is one line: drop one trailing newline as the framer would. */
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    if (n > v->limits.max_entry_bytes) {
        printf("%s\ttoo_large\n", path);
    } else {
        cl_validate_line(v, buf, n, 0, &peer, &res);
        if (res.kind == CL_LINE_ENTRY || res.kind == CL_LINE_OP)
            printf("%s\tok\n", path);
        else if (res.kind == CL_LINE_REJECT)
            printf("%s\t%s\n", path, cl_reason_code(res.rec->u.r.reason));
        else
            printf("%s\t%s\n", path, res.kind == CL_LINE_BLANK ? "blank" : "no_memory");
        cl_record_free(res.rec);
        cJSON_Delete(res.op);
        free(res.op_id);
    }
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    cl_validator v;
    int rc = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr,
                "Usage: cl-validate FILE...\nPrints each file's verdict: ok or a reason code.\n");
        return argc < 2 ? 2 : 0;
    }
    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    v.default_host.p = "localhost";
    v.default_host.n = 9;
    for (int i = 1; i < argc; i++)
        rc |= judge(&v, argv[i]) != 0;
    return rc;
}
