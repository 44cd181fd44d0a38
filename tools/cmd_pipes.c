/* cmd_pipes.c - `centrallog pipes` (Windows): the named pipes of this
 * machine, like Sysinternals PipeList, and what the collector's pipe says
 * about itself (GetNamedPipeInfo / GetNamedPipeHandleState). */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "address.h"
#include "cli.h"
#include "report.h"

static void pipes_usage(FILE *f)
{
    fprintf(f, "Usage: centrallog pipes [--address PIPE]\n\n"
               "Lists \\\\.\\pipe\\* and shows the collector's pipe: type, buffer sizes,\n"
               "maximum and current instances.\n\n"
               "Exit status: 0 the collector's pipe exists, 3 it does not.\n");
}

static void list_pipes(void)
{
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(L"\\\\.\\pipe\\*", &fd);
    unsigned n = 0;

    if (h == INVALID_HANDLE_VALUE) {
        printf("(this system does not list pipes: error %lu)\n", (unsigned long)GetLastError());
        return;
    }
    do {
        char name[MAX_PATH * 3];

        WideCharToMultiByte(CP_UTF8, 0, fd.cFileName, -1, name, sizeof name, NULL, NULL);
        printf("  \\\\.\\pipe\\%s\n", name);
        n++;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    printf("%u pipes\n", n);
}

int cmd_pipes(const cli_global *g, int argc, char **argv)
{
    char addr[1024];
    wchar_t wname[1024];
    DWORD flags = 0, outsz = 0, insz = 0, maxi = 0, cur = 0;
    HANDLE h;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            pipes_usage(stdout);
            return CLI_OK;
        }
        return cli_fail(CLI_USAGE, "pipes", "unexpected argument '%s'; see --help", argv[i]);
    }
    if (cl_address_resolve_connect(g->address, addr, sizeof addr) != 0)
        return cli_fail(CLI_USAGE, "pipes",
                        "--address: not a pipe name such as \\\\.\\pipe\\CentralLog");
    list_pipes();
    MultiByteToWideChar(CP_UTF8, 0, addr, -1, wname, 1024);
    h = CreateFileW(wname, FILE_READ_ATTRIBUTES | SYNCHRONIZE, 0, NULL, OPEN_EXISTING,
                    SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return cli_fail(CLI_UNREACHABLE, "pipes",
                        "%s: cannot open it (error %lu); is centrallogd running?", addr,
                        (unsigned long)GetLastError());
    GetNamedPipeInfo(h, &flags, &outsz, &insz, &maxi);
    GetNamedPipeHandleStateW(h, NULL, &cur, NULL, NULL, NULL, 0);
    printf("\n%s\n  type       %s\n  buffers    in %lu, out %lu bytes\n"
           "  instances  %lu now, at most %lu%s\n",
           addr, (flags & PIPE_TYPE_MESSAGE) ? "message" : "byte", (unsigned long)insz,
           (unsigned long)outsz, (unsigned long)cur, (unsigned long)maxi,
           maxi == PIPE_UNLIMITED_INSTANCES ? " (unlimited)" : "");
    CloseHandle(h);
    return CLI_OK;
}
