/* test_pipe_sddl.c - the named pipe's default security descriptor
 * (common/pipesec.h) evaluated by Windows' own AccessCheck (Windows build
 * only; runs under Wine too, whose pipes ignore DACLs but whose AccessCheck
 * evaluates them).
 *
 * Two callers: this process's own token, on an instance it owns as the
 * collector's account does; and a restricted copy in which the user, SYSTEM
 * and Administrators are deny-only, on an instance owned by some other
 * account - a stand-in for another local user, who keeps only groups such
 * as Authenticated Users. The second must get exactly the producer's rights:
 * the SDK's CL_PIPE_CLIENT_ACCESS, never FILE_CREATE_PIPE_INSTANCE (which
 * GENERIC_WRITE includes) or WRITE_DAC. (Its owner must differ: an owner is
 * granted READ_CONTROL and WRITE_DAC implicitly.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <windows.h>

#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "pipesec.h"

/* A collector's account that is not the test's user. */
#define OTHER_OWNER L"S-1-5-21-1000-1000-1000-1001"

typedef struct fixture {
    HANDLE owner;                      /* impersonation token of this process */
    HANDLE other;                      /* restricted: user, SYSTEM, Administrators deny-only */
    PSECURITY_DESCRIPTOR sd;           /* what the next check evaluates */
    PSECURITY_DESCRIPTOR mine, theirs; /* owned by this user, by OTHER_OWNER */
} fixture;

static BYTE user_buf[256];

static PSID token_user(HANDLE t)
{
    DWORD n;

    assert_true(GetTokenInformation(t, TokenUser, user_buf, sizeof user_buf, &n));
    return ((TOKEN_USER *)user_buf)->User.Sid;
}

/* The default SDDL with owner and group, as CreateNamedPipe gives an
 * instance created by the collector's account. */
static PSECURITY_DESCRIPTOR descriptor(const wchar_t *owner)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    wchar_t sddl[1024];

    swprintf(sddl, sizeof sddl / sizeof sddl[0], L"O:%lsG:%ls%ls", owner, owner,
             CL_PIPE_DEFAULT_SDDL);
    assert_true(
        ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL));
    return sd;
}

static HANDLE impersonation(HANDLE t)
{
    HANDLE imp = NULL;

    assert_true(DuplicateToken(t, SecurityImpersonation, &imp));
    return imp;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    BYTE sys[SECURITY_MAX_SID_SIZE], admins[SECURITY_MAX_SID_SIZE];
    DWORD n1 = sizeof sys, n2 = sizeof admins;
    SID_AND_ATTRIBUTES off[3];
    HANDLE proc, restricted;
    wchar_t *me;

    assert_non_null(f);
    assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, &proc));
    assert_true(CreateWellKnownSid(WinLocalSystemSid, NULL, sys, &n1));
    assert_true(CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, admins, &n2));
    memset(off, 0, sizeof off);
    off[0].Sid = token_user(proc);
    off[1].Sid = sys;
    off[2].Sid = admins;
    assert_true(CreateRestrictedToken(proc, 0, 3, off, 0, NULL, 0, NULL, &restricted));
    assert_true(ConvertSidToStringSidW(off[0].Sid, &me));
    f->mine = descriptor(me);
    f->theirs = descriptor(OTHER_OWNER);
    LocalFree(me);
    f->owner = impersonation(proc);
    f->other = impersonation(restricted);
    CloseHandle(restricted);
    CloseHandle(proc);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    CloseHandle(f->owner);
    CloseHandle(f->other);
    LocalFree(f->mine);
    LocalFree(f->theirs);
    free(f);
    return 0;
}

/* Whether token gets all of want from f->sd (generic rights mapped as for
 * files and pipes). */
static int granted(const fixture *f, HANDLE token, DWORD want)
{
    GENERIC_MAPPING map = { FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE,
                            FILE_ALL_ACCESS };
    BYTE privs[256];
    DWORD plen = sizeof privs, got = 0;
    BOOL ok = FALSE;

    MapGenericMask(&want, &map);
    assert_true(AccessCheck(f->sd, token, want, &map, (PPRIVILEGE_SET)privs, &plen, &got, &ok));
    return ok && (got & want) == want;
}

static void test_owner_has_full_control(void **state)
{
    fixture *f = *state;

    f->sd = f->mine;
    assert_true(granted(f, f->owner, GENERIC_ALL));
    assert_true(granted(f, f->owner, FILE_CREATE_PIPE_INSTANCE));
    assert_true(granted(f, f->owner, WRITE_DAC));
}

static void test_other_user_gets_producer_rights(void **state)
{
    fixture *f = *state;

    f->sd = f->theirs;
    assert_true(granted(f, f->other, CL_PIPE_CLIENT_ACCESS));
    assert_true(granted(f, f->other, FILE_WRITE_ATTRIBUTES | READ_CONTROL));
}

static void test_other_user_cannot_create_instances(void **state)
{
    fixture *f = *state;

    f->sd = f->theirs;
    assert_false(granted(f, f->other, GENERIC_WRITE));
    assert_false(granted(f, f->other, FILE_CREATE_PIPE_INSTANCE));
    assert_false(granted(f, f->other, GENERIC_ALL));
    assert_false(granted(f, f->other, WRITE_DAC));
    assert_false(granted(f, f->other, WRITE_OWNER));
    assert_false(granted(f, f->other, FILE_WRITE_EA));
}

/* The same evaluation on a descriptor widened to Everyone grants what the
 * default refuses: the checks above can tell the difference. */
static void test_control_everyone_write(void **state)
{
    fixture *f = *state;
    PSECURITY_DESCRIPTOR wide = NULL;

    assert_true(ConvertStringSecurityDescriptorToSecurityDescriptorW(L"O:SYG:SYD:P(A;;GA;;;WD)",
                                                                     SDDL_REVISION_1, &wide, NULL));
    f->sd = wide;
    assert_true(granted(f, f->other, GENERIC_WRITE));
    f->sd = NULL;
    LocalFree(wide);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_has_full_control),
        cmocka_unit_test(test_other_user_gets_producer_rights),
        cmocka_unit_test(test_other_user_cannot_create_instances),
        cmocka_unit_test(test_control_everyone_write),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
