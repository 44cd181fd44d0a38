/* dacl_probe.c - does the collector's pipe keep other local users to a
 * producer's rights? (Windows; tests/win/test_wine.py runs it.)
 *
 *   dacl_probe PIPENAME
 *
 * Acting as "another local user" - this account's token with the user,
 * SYSTEM and Administrators made deny-only, so that only groups such as
 * Authenticated Users grant anything - it checks, against a running
 * collector with the default descriptor (common/pipesec.h):
 *   1. opening the pipe with GENERIC_WRITE is refused (it includes
 *      FILE_CREATE_PIPE_INSTANCE);
 *   2. creating another instance of the pipe (a squatter) is refused;
 *   3. opening it with the SDK's rights (CL_PIPE_CLIENT_ACCESS) succeeds.
 * Exit status: 0 all three hold, 1 one does not, 77 skipped: under Wine,
 * whose pipes do not enforce DACLs (found through ntdll's wine_get_version),
 * so the answer would prove nothing. */
#include <windows.h>

#include <stdio.h>

#include "pipesec.h"

static int under_wine(void)
{
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");

    return ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* This process's token with the user, SYSTEM and Administrators deny-only. */
static HANDLE other_user_token(void)
{
    BYTE user[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    BYTE sys[SECURITY_MAX_SID_SIZE], admins[SECURITY_MAX_SID_SIZE];
    DWORD n = sizeof sys, m = sizeof admins, len;
    SID_AND_ATTRIBUTES off[3];
    HANDLE proc, restricted = NULL;

    if (!OpenProcessToken(GetCurrentProcess(),
                          TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_IMPERSONATE | TOKEN_ASSIGN_PRIMARY,
                          &proc))
        return NULL;
    ZeroMemory(off, sizeof off);
    if (GetTokenInformation(proc, TokenUser, user, sizeof user, &len) &&
        CreateWellKnownSid(WinLocalSystemSid, NULL, sys, &n) &&
        CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, admins, &m)) {
        off[0].Sid = ((TOKEN_USER *)user)->User.Sid;
        off[1].Sid = sys;
        off[2].Sid = admins;
        if (!CreateRestrictedToken(proc, 0, 3, off, 0, NULL, 0, NULL, &restricted))
            restricted = NULL;
    }
    CloseHandle(proc);
    return restricted;
}

static HANDLE open_pipe(const wchar_t *name, DWORD access)
{
    HANDLE h = INVALID_HANDLE_VALUE;

    for (int i = 0; i < 50; i++) {
        h = CreateFileW(name, access, 0, NULL, OPEN_EXISTING,
                        SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
        if (h != INVALID_HANDLE_VALUE || GetLastError() != ERROR_PIPE_BUSY)
            break;
        WaitNamedPipeW(name, 1000);
    }
    return h;
}

static int expect(int ok, const char *what, DWORD err)
{
    printf("%s %s (error %lu)\n", ok ? "ok  " : "FAIL", what, (unsigned long)err);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    wchar_t name[512];
    HANDLE token, h;
    DWORD err;
    int failed = 0;

    if (argc != 2 || !MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, name, 512)) {
        fprintf(stderr, "usage: dacl_probe PIPENAME\n");
        return 2;
    }
    if (under_wine()) {
        printf("skip: Wine does not enforce pipe DACLs; run on Windows\n");
        return 77;
    }
    if ((token = other_user_token()) == NULL || !ImpersonateLoggedOnUser(token)) {
        fprintf(stderr, "dacl_probe: cannot act as another user (error %lu)\n",
                (unsigned long)GetLastError());
        return 1;
    }
    h = open_pipe(name, GENERIC_READ | GENERIC_WRITE);
    err = GetLastError();
    failed += expect(h == INVALID_HANDLE_VALUE && err == ERROR_ACCESS_DENIED,
                     "GENERIC_WRITE refused to another user", err);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    h = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE,
                         PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, NULL);
    err = GetLastError();
    failed += expect(h == INVALID_HANDLE_VALUE && err == ERROR_ACCESS_DENIED,
                     "another user cannot add an instance", err);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    h = open_pipe(name, CL_PIPE_CLIENT_ACCESS);
    err = GetLastError();
    failed += expect(h != INVALID_HANDLE_VALUE, "the SDK's rights accepted", err);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    /* Never go on as someone else: a failed revert ends the process. */
    if (!RevertToSelf())
        ExitProcess(3);
    CloseHandle(token);
    return failed ? 1 : 0;
}
