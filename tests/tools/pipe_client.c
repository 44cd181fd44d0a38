/* pipe_client.c - a raw Windows named-pipe producer, the way the classic
 * Win32 examples write: one entry per WriteFile, no trailing newline, the
 * pipe in message mode. Then a sync request, and the ack printed.
 *
 *   pipe_client PIPENAME COUNT [APP]     e.g. pipe_client \\.\pipe\CentralLog 1000
 * Exit status: 0 if the ack says COUNT accepted, 1 otherwise.
 *
 *   pipe_client --sid
 * prints the user SID of this process's own token ("S-1-5-21-...") - what the
 * collector should store as peer_sid for this client's entries. */
#include <windows.h>

#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Found independently of the collector's code: the process token, not an
 * impersonated one. */
static int print_own_sid(void)
{
    union {
        TOKEN_USER tu;
        char buf[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } info;
    HANDLE token;
    DWORD len = 0;
    char *text = NULL;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) ||
        !GetTokenInformation(token, TokenUser, &info, sizeof info, &len) ||
        !ConvertSidToStringSidA(info.tu.User.Sid, &text)) {
        fprintf(stderr, "pipe_client: cannot read the process token's SID (error %lu)\n",
                GetLastError());
        return 1;
    }
    printf("%s\n", text);
    LocalFree(text);
    CloseHandle(token);
    return 0;
}

int main(int argc, char **argv)
{
    HANDLE h;
    DWORD mode = PIPE_READMODE_MESSAGE, n;
    char buf[512], ack[512];
    long count;
    const char *app = argc > 3 ? argv[3] : "raw-pipe";

    if (argc == 2 && strcmp(argv[1], "--sid") == 0)
        return print_own_sid();
    if (argc < 3 || (count = atol(argv[2])) < 0) {
        fprintf(stderr, "usage: pipe_client PIPENAME COUNT [APP] | pipe_client --sid\n");
        return 2;
    }
    for (int i = 0; i < 50; i++) {
        h = CreateFileA(argv[1], GENERIC_READ | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES, 0, NULL,
                        OPEN_EXISTING, SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
        if (h != INVALID_HANDLE_VALUE || GetLastError() != ERROR_PIPE_BUSY)
            break;
        WaitNamedPipeA(argv[1], 1000);
    }
    if (h == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "pipe_client: cannot open %s (error %lu)\n", argv[1], GetLastError());
        return 1;
    }
    SetNamedPipeHandleState(h, &mode, NULL, NULL);
    for (long i = 0; i < count; i++) {
        int len = snprintf(buf, sizeof buf,
                           "{\"app\":\"%s\",\"level\":\"info\",\"msg\":\"raw #%ld\"}", app, i);

        if (!WriteFile(h, buf, (DWORD)len, &n, NULL) || n != (DWORD)len) {
            fprintf(stderr, "pipe_client: write failed (error %lu)\n", GetLastError());
            return 1;
        }
    }
    strcpy(buf, "{\"op\":\"sync\",\"id\":1}");
    if (!WriteFile(h, buf, (DWORD)strlen(buf), &n, NULL) ||
        !ReadFile(h, ack, sizeof ack - 1, &n, NULL)) {
        fprintf(stderr, "pipe_client: no ack (error %lu)\n", GetLastError());
        return 1;
    }
    ack[n] = '\0';
    printf("%s", ack);
    snprintf(buf, sizeof buf, "\"accepted\":%ld,", count);
    CloseHandle(h);
    return strstr(ack, buf) != NULL ? 0 : 1;
}
